"""Figures computed as progress rows are read (progress/readings.py): each rule once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from progress import readings
from progress.models import RecomputeState

# Bắc Giang, May 2023: 41.098 at Dec 2022, 44.134 now, 52.139 by October.
BAC_GIANG_MAY = {
    "month": 5,
    "participants": 44_134,
    "change_vs_prev_year_end": 3_036,
    "target": 52_139,
    "completion_pct": Decimal("84.65"),
    "deadline_month": 10,
}


def test_expected_completion_of_a_participants_target_starts_from_last_year_end():
    # halfway from 41.098 to 52.139: 46.618,5 = 89,41% of the target
    assert readings.expected_completion_pct(BAC_GIANG_MAY) == Decimal("89.41")
    assert readings.light(BAC_GIANG_MAY) == "amber"  # 4,76 points behind


def test_expected_completion_of_a_new_participants_target_starts_from_zero():
    row = {"month": 5, "deadline_month": 10, "target_new": 1_000, "new_ytd": 420}
    assert readings.expected_completion_pct(row, readings.NEW) == Decimal("50.00")
    assert readings.light({**row, "completion_new_pct": Decimal("50")}, readings.NEW) == "green"
    assert readings.light({**row, "completion_new_pct": Decimal("42")}, readings.NEW) == "amber"
    assert readings.light({**row, "completion_new_pct": Decimal("39.99")}, readings.NEW) == "red"
    # past the deadline the whole target is due; no deadline means December
    assert readings.expected_completion_pct({**row, "month": 11}, readings.NEW) == 100
    assert readings.expected_completion_pct({**row, "deadline_month": None}, "new") == Decimal(
        "41.67"
    )
    # an unreported month has no new_ytd: nothing to judge
    assert readings.light({**row, "new_ytd": None, "completion_new_pct": None}, "new") is None


def test_a_unit_is_ranked_by_participants_else_new_participants():
    both = {**BAC_GIANG_MAY, "target_new": 5_000, "new_ytd": 1_000, "completion_new_pct": 20}
    new_only = {"month": 5, "target_new": 100, "new_ytd": 30, "completion_new_pct": Decimal(30)}
    assert readings.main_kind(both) == "participants"
    assert readings.ranking_pct(both) == Decimal("84.65")
    assert [r.kind for r in readings.readings(both)] == ["participants", "new"]
    assert [r.light for r in readings.readings(both)] == ["amber", "red"]
    assert readings.main_kind(new_only) == "new" and readings.ranking_pct(new_only) == 30
    assert readings.main_kind({"month": 5}) is None and readings.readings({"month": 5}) == []


def test_pace_so_far_rounds_half_away_from_zero():
    assert readings.pace_so_far({"month": 5, "change_vs_prev_year_end": 3_036}) == 607
    assert readings.pace_so_far({"month": 2, "change_vs_prev_year_end": 5}) == 3
    assert readings.pace_so_far({"month": 2, "change_vs_prev_year_end": -5}) == -3
    assert readings.pace_so_far({"month": 2, "change_vs_prev_year_end": None}) is None


def test_reporting_rate_and_report_by_day():
    assert readings.reporting_rate({"communes_reported": 2, "communes_total": 3}) == 66.67
    assert readings.reporting_rate({"communes_reported": 0, "communes_total": 0}) is None
    assert readings.report_by(2023, 5) == dt.date(2023, 5, 28)
    assert readings.report_by(2023, 12) is None  # December closes on the 31st


@pytest.mark.django_db
def test_figures_as_of_are_the_oldest_province_recompute(demo):
    early = timezone.make_aware(dt.datetime(2023, 6, 1, 8, 15))
    late = timezone.make_aware(dt.datetime(2023, 6, 1, 9, 40))
    for province, at in ((demo.bac_giang, late), (demo.lang_son, early)):
        RecomputeState.objects.update_or_create(
            province=province, year=2023, defaults={"computed_at": at, "requested_at": None}
        )
    assert readings.freshness(demo.nation, 2023).computed_at == early
    assert readings.freshness(demo.luc_nam, 2023).computed_at == late  # its province's
    assert not readings.freshness(demo.nation, 2023).pending
    RecomputeState.objects.filter(province=demo.lang_son, year=2023).update(requested_at=late)
    assert readings.freshness(demo.nation, 2023).pending
    assert not readings.freshness(demo.bac_giang, 2023).pending
