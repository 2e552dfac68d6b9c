"""The year-on-year chart of a unit's page: this year's months beside the same months of last
year, on the same units (across the reform, the old units the unit carries on)."""

import json
import re

import pytest

from progress.models import Progress
from provinces.models import Level, Unit

pytestmark = pytest.mark.django_db


def yoy(response) -> dict[str, dict[str, int]]:
    """trace name -> {month label: value} of the page's year-on-year chart."""
    page = response.content.decode()
    found = re.search(r'<script id="yoy-data" type="application/json">(.*?)</script>', page, re.S)
    assert found, "no year-on-year chart"
    fig = json.loads(json.loads(found.group(1)))
    return {t["name"]: dict(zip(t["x"], t["y"], strict=True)) for t in fig["data"]}


def test_bac_ninh_may_2026_against_old_bac_giang_and_old_bac_ninh_may_2025(client, demo):
    client.force_login(demo.today_officer)
    chart = yoy(client.get("/u/t24/", {"year": 2026, "month": 5}))
    may_2026 = Progress.objects.get(unit=demo.bac_ninh, year=2026, month=5)
    old = Unit.objects.filter(level=Level.PROVINCE, code__in=["24", "27"], valid_from__isnull=True)
    old_may_2025 = sum(
        Progress.objects.filter(unit__in=old, year=2025, month=5).values_list(
            "participants", flat=True
        )
    )
    assert chart["Năm 2026"]["Tháng 5"] == may_2026.participants
    # last year's May is old Bắc Giang + old Bắc Ninh's, the figure the page's card compares with
    assert chart["Năm 2025, đơn vị cũ quy đổi"]["Tháng 5"] == old_may_2025
    assert may_2026.same_month_last_year == old_may_2025
    # the page of May shows nothing after May
    assert list(chart["Năm 2026"]) == [f"Tháng {m}" for m in range(1, 6)]


def test_the_hover_says_the_change_against_last_year_in_vietnamese(client, demo):
    client.force_login(demo.today_officer)
    page = client.get("/u/t24/", {"year": 2026, "month": 5}).content.decode()
    fig = json.loads(
        json.loads(re.search(r'<script id="yoy-data"[^>]*>(.*?)</script>', page, re.S).group(1))
    )
    this_year = next(t for t in fig["data"] if t["name"] == "Năm 2026")
    may = this_year["customdata"][-1]
    row = Progress.objects.get(unit=demo.bac_ninh, year=2026, month=5)
    assert may[0] == "05/2026"
    assert may[1] == f"{row.participants:,}".replace(",", ".")
    assert may[2] == f" (+{row.change_yoy_pct}% so với cùng kỳ)".replace(".", ",")


def test_the_old_maps_pages_compare_with_their_own_last_year(client, demo):
    client.force_login(demo.officer)
    chart = yoy(client.get("/u/p24/", {"year": 2023, "month": 5}))
    may = Progress.objects.get(unit=demo.bac_giang, year=2023, month=5)
    assert chart["Năm 2022"]["Tháng 5"] == may.same_month_last_year
    assert chart["Năm 2023"]["Tháng 5"] == may.participants == 44_134
    # a commune's page too
    commune = demo.luc_nam.children.order_by("code").first()
    chart = yoy(client.get(f"/u/{commune.url_code}/", {"year": 2023, "month": 5}))
    row = Progress.objects.get(unit=commune, year=2023, month=5)
    assert chart["Năm 2023"]["Tháng 5"] == row.participants
