"""Months being reported (số ước): a commune that has not reported yet carries its figure of the
nearest month reported in the three before, so a half-reported month compares like with like.

With the demo: Bắc Giang 2023 is reported to May; Lục Nam alone (24 of 195 communes) saves June.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest

from conftest import VIETNAM
from progress import python_engine
from progress.figures import ROW_FIELDS
from progress.models import Progress
from progress.services import recompute_province
from progress.tests.conftest import snapshot
from targets.models import MonthlyCount

pytestmark = pytest.mark.django_db


def save_luc_nam_june(demo, rise=7):
    may = {
        c.commune_id: c
        for c in MonthlyCount.objects.filter(commune__district=demo.luc_nam, year=2023, month=5)
    }
    MonthlyCount.objects.bulk_create(
        MonthlyCount(
            commune_id=cid,
            year=2023,
            month=6,
            participants=row.participants + rise,
            new_participants=rise + 3,
        )
        for cid, row in may.items()
    )
    recompute_province(province_id=demo.bac_giang.pk, year=2023)
    return may


def test_a_half_reported_month_is_last_month_plus_the_reporting_communes_changes(demo):
    may_province = Progress.objects.get(unit=demo.bac_giang, year=2023, month=5)
    may = save_luc_nam_june(demo, rise=7)
    june = Progress.objects.get(unit=demo.bac_giang, year=2023, month=6)
    assert june.participants == may_province.participants + 7 * len(may)
    assert june.communes_reported == len(may) == 24
    assert june.communes_estimated == june.communes_total - 24
    assert june.participants_reported == sum(r.participants + 7 for r in may.values())
    assert june.new_in_month == 10 * len(may)  # new sign-ups only as reported
    # every figure is computed on the headline, so June compares like with like with May
    assert june.change_vs_prev_month == 7 * len(may)
    pct = (Decimal(100 * june.participants) / june.target).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert june.completion_pct == pct and june.gap == june.target - june.participants
    # a district nobody in it reported yet is all estimate
    other = Progress.objects.get(unit=demo.another_district, year=2023, month=6)
    assert other.communes_reported == 0 and other.participants_reported is None
    assert (
        other.participants
        == Progress.objects.get(unit=demo.another_district, year=2023, month=5).participants
    )
    # a month the province has not begun to report is not estimated
    assert Progress.objects.get(unit=demo.bac_giang, year=2023, month=7).participants is None


def test_the_estimate_looks_back_three_months_at_most_and_both_engines_agree(demo):
    commune = demo.another_district.children.order_by("code").first()
    MonthlyCount.objects.filter(commune=commune, year=2023, month__in=[3, 4, 5]).delete()
    save_luc_nam_june(demo)
    row = Progress.objects.get(unit=commune, year=2023, month=6)
    assert row.participants is None and row.communes_estimated == 0  # nothing since February

    def figures():
        return {k: [r[f] for f in ROW_FIELDS] for k, r in snapshot().items()}

    sql = figures()
    recompute_province(province_id=demo.bac_giang.pk, year=2023, engine=python_engine)
    assert figures() == sql


def test_the_page_marks_the_estimate_and_lands_on_the_last_closed_month(client, demo, travel):
    # Today's Bắc Ninh is reported to November 2026; on 3 January December's window is open.
    travel.move_to(dt.datetime(2027, 1, 3, 9, 0, tzinfo=VIETNAM))
    november = list(
        MonthlyCount.objects.filter(commune__province=demo.bac_ninh, year=2026, month=11).order_by(
            "commune__code"
        )[:5]
    )
    MonthlyCount.objects.bulk_create(
        MonthlyCount(commune_id=c.commune_id, year=2026, month=12, participants=c.participants + 3)
        for c in november
    )
    recompute_province(province_id=demo.bac_ninh.pk, year=2026)
    row = Progress.objects.get(unit=demo.bac_ninh, year=2026, month=12)
    assert row.communes_reported == 5 and row.communes_estimated == row.communes_total - 5
    client.force_login(demo.today_officer)
    html = client.get(f"/u/{demo.bac_ninh.url_code}/").content.decode()
    assert "<strong>11/2026</strong>" in html  # December is still being reported
    assert f"Tháng 12/2026 đang báo cáo (5/{row.communes_total} xã đã báo cáo)." in html
    assert "?year=2026&amp;month=12" in html
    december = client.get(f"/u/{demo.bac_ninh.url_code}/?year=2026&month=12").content.decode()
    assert "data-estimate>ước tính<" in december
    assert f"gồm {row.communes_estimated} xã chưa báo cáo" in december
    reported = f"{row.participants_reported:,}".replace(",", ".")
    assert f"đã báo cáo {reported} (5/{row.communes_total} xã)" in december
    # once its window has closed the month is where the page opens, still marked
    travel.move_to(dt.datetime(2027, 1, 20, 9, 0, tzinfo=VIETNAM))
    client.force_login(demo.today_officer)  # a new day's session
    later = client.get(f"/u/{demo.bac_ninh.url_code}/").content.decode()
    assert "<strong>12/2026</strong>" in later and "data-estimate>ước tính<" in later
