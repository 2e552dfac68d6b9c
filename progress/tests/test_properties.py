"""Property-based checks of the recompute on random small trees and counts (hypothesis)."""

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coverage.models import CoverageTarget, LabourForce, LabourForceSource
from progress import python_engine, services
from progress.figures import ROW_FIELDS
from progress.models import Progress
from progress.tests.conftest import snapshot
from progress.tests.trees import make_tree
from provinces.models import Level
from targets.models import MonthlyCount, Target, TargetKind

pytestmark = pytest.mark.django_db
YEAR = 2023

shapes = st.lists(
    st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=3),
    min_size=1,
    max_size=2,
)
# One commune's year: each month unreported (None) or (participants, new participants).
months = st.lists(
    st.none() | st.tuples(st.integers(0, 900), st.integers(0, 90)), min_size=12, max_size=12
)
# A participants target: none, or (value, deadline month or None: the nearest ancestor's).
target = st.none() | st.tuples(st.integers(0, 5_000), st.none() | st.integers(1, 12))
# A unit's labour force this year and last (None: not known), and its coverage target in %.
labour = st.tuples(st.none() | st.integers(1, 90_000), st.none() | st.integers(1, 90_000))
coverage_target = st.none() | st.decimals("0.01", "100", places=2)


def add(values):
    known = [v for v in values if v is not None]
    return sum(known) if known else None


ADDITIVE = ["participants", "new_in_month", "communes_reported", "communes_total"]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(shape=shapes, data=st.data())
def test_recompute_properties_on_random_trees(db, shape, data):
    with transaction.atomic():
        tree = make_tree(shape)
        counts, targets = [], []
        for commune in tree["communes"]:
            for year in (YEAR - 1, YEAR):
                for month, value in enumerate(data.draw(months), start=1):
                    if value is not None:
                        counts.append(
                            MonthlyCount(
                                commune=commune,
                                year=year,
                                month=month,
                                participants=value[0],
                                new_participants=value[1],
                            )
                        )
        for unit in [tree["nation"], *tree["provinces"], *tree["districts"], *tree["communes"]]:
            drawn = data.draw(target)
            if drawn is not None:
                targets.append(
                    Target(
                        unit=unit,
                        year=YEAR,
                        kind=TargetKind.PARTICIPANTS,
                        value=drawn[0],
                        deadline_month=drawn[1],
                    )
                )
            if data.draw(st.booleans()):
                # its deadline is not the participants target's: it must not drive the pace
                targets.append(
                    Target(
                        unit=unit,
                        year=YEAR,
                        kind=TargetKind.NEW_PARTICIPANTS,
                        value=500,
                        deadline_month=data.draw(st.none() | st.integers(1, 12)),
                    )
                )
        labour_forces, coverage_targets = [], []
        entered = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
        for unit in [tree["nation"], *tree["provinces"], *tree["districts"], *tree["communes"]]:
            for year, value in zip((YEAR, YEAR - 1), data.draw(labour), strict=True):
                if value is not None:
                    labour_forces.append(
                        LabourForce(
                            unit=unit,
                            year=year,
                            value=value,
                            source=LabourForceSource.SURVEY,
                            entered_at=entered,
                        )
                    )
            pct = data.draw(coverage_target)
            if pct is not None:
                coverage_targets.append(
                    CoverageTarget(unit=unit, year=YEAR, pct=pct, set_at=entered)
                )
        MonthlyCount.objects.bulk_create(counts)
        Target.objects.bulk_create(targets)
        LabourForce.objects.bulk_create(labour_forces)
        CoverageTarget.objects.bulk_create(coverage_targets)

        services.recompute_all()
        rows = snapshot(year=YEAR)
        check_parents_are_the_sum_of_their_children(rows)
        check_gap(rows)
        check_deadlines_inherit(rows)
        check_coverage(rows)

        services.recompute_all()
        assert snapshot(year=YEAR) == rows  # idempotent, computed_at included

        Progress.objects.all().delete()
        services.recompute_all(engine=python_engine)
        twin = snapshot(year=YEAR)
        assert rows.keys() == twin.keys()
        for key, row in rows.items():
            assert {f: row[f] for f in ROW_FIELDS} == {f: twin[key][f] for f in ROW_FIELDS}, key
        transaction.set_rollback(True)


def check_parents_are_the_sum_of_their_children(rows: dict) -> None:
    children: dict[tuple[int, int], list[dict]] = {}
    for row in rows.values():
        if row["parent_id"] is not None:
            children.setdefault((row["parent_id"], row["month"]), []).append(row)
    for row in rows.values():
        if row["level"] == Level.COMMUNE:
            assert row["communes_total"] == 1
            continue
        kids = children.get((row["unit_id"], row["month"]), [])
        for field in ADDITIVE:
            expected = add(k[field] for k in kids)
            if field.startswith("communes"):
                expected = expected or 0
            if not (row["level"] == Level.NATION and field == "communes_total"):
                assert row[field] == expected, (field, row)
        if row["level"] == Level.NATION:
            # A province without counts this year has no rows; the nation still counts its
            # communes and its target.
            provinces = Target.objects.filter(
                unit__level=Level.PROVINCE, year=YEAR, kind=TargetKind.PARTICIPANTS
            )
            assert row["children_target"] == add(provinces.values_list("value", flat=True))
            continue
        assert row["children_target"] == add(k["target"] for k in kids)
        assert row["same_month_last_year"] == add(k["same_month_last_year"] for k in kids)


def check_deadlines_inherit(rows: dict) -> None:
    """A unit's deadline is its participants target's, else its nearest ancestor's, else 12."""
    own = dict(
        Target.objects.filter(year=YEAR, kind=TargetKind.PARTICIPANTS).values_list(
            "unit_id", "deadline_month"
        )
    )
    parents = {row["unit_id"]: row["parent_id"] for row in rows.values()}
    for row in rows.values():
        unit_id, expected = row["unit_id"], None
        while unit_id is not None and expected is None:
            expected = own.get(unit_id)
            unit_id = parents.get(unit_id)
        assert row["deadline_month"] == (expected or 12), row
        if row["required_pace"] is not None and row["gap"]:
            assert row["months_left"] == max(row["deadline_month"] - row["month"], 0) > 0


def check_gap(rows: dict) -> None:
    for row in rows.values():
        p, target = row["participants"], row["target"]
        if p is None or target is None:
            assert row["gap"] is None and row["over_target"] is None
            continue
        assert p + row["gap"] - row["over_target"] == target
        if p <= target:
            assert p + row["gap"] == target and row["over_target"] == 0
        else:
            assert row["gap"] == 0


def _pct(numerator: int, denominator: int) -> Decimal:
    return (Decimal(100 * numerator) / denominator).quantize(Decimal("0.01"), ROUND_HALF_UP)


def check_coverage(rows: dict) -> None:
    """Coverage is participants over the labour force (the unit's own, else, for the nation, its
    provinces' when every one has one), its target's people and gap follow from it."""
    own = {(u, y): v for u, y, v in LabourForce.objects.values_list("unit_id", "year", "value")}
    by_parent: dict[tuple[int, int], list[dict]] = {}
    for row in rows.values():
        by_parent.setdefault((row["parent_id"], row["month"]), []).append(row)
    for row in rows.values():
        lf = own.get((row["unit_id"], YEAR))
        summed = False
        if row["level"] == Level.NATION and lf is None:
            kids = by_parent.get((row["unit_id"], row["month"]), [])
            if kids and all(k["labour_force"] is not None for k in kids):
                lf, summed = sum(k["labour_force"] for k in kids), True
        assert row["labour_force"] == lf and row["labour_force_summed"] == summed, row
        p = row["participants"]
        if p is None or lf is None:
            assert row["coverage_pct"] is None and row["coverage_gap"] is None
            continue
        assert row["coverage_pct"] == _pct(p, lf)
        if row["coverage_target_pct"] is not None:
            people = math.ceil(row["coverage_target_pct"] * lf / 100)
            assert row["coverage_target_participants"] == people
            assert p + row["coverage_gap"] >= people and row["coverage_gap"] >= 0
            if people:
                assert row["coverage_completion_pct"] == _pct(p, people)
        if row["same_month_last_year"] is not None and row["labour_force_last_year"]:
            last = _pct(row["same_month_last_year"], row["labour_force_last_year"])
            assert row["coverage_change_pp"] == row["coverage_pct"] - last
