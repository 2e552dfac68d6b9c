"""An officer uses the dashboard in a real browser: headline, charts, sorting, drill-down, CSV."""

import csv
import io

import pytest
from django.db.models import Q

from conftest import login, screenshot
from progress.models import Progress


def _wait_for_charts(page, count):
    page.wait_for_selector(f".chart[data-drawn] >> nth={count - 1}")


def _first_column(page):
    return [
        t.strip() for t in page.locator(".progress-table tbody tr td:first-child").all_inner_texts()
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_officer_reviews_bac_giang_may_2023_drills_down_and_downloads_csv(page, demo):
    login(page, "bacgiang", demo.password)
    page.goto(page.live_server.url + "/u/p24/?year=2023&month=5")

    # The headline reproduces DOMAIN.md's Bắc Giang example.
    assert page.locator("[data-figure=participants]").inner_text() == "44.134"
    assert page.locator("[data-figure=completion]").inner_text() == "84,65%"
    assert page.locator("[data-figure=gap]").inner_text() == "8.005"
    assert page.locator("[data-figure=pace]").inner_text() == "1.601"
    assert page.locator("[data-figure=vs-month]").inner_text() == "+4.934"
    assert page.locator("[data-figure=vs-year-end]").inner_text() == "+3.036"

    # Both charts drew SVG bars.
    _wait_for_charts(page, 2)
    assert page.locator("[data-chart=trend-data] svg g.bars path").count() == 5
    districts = Progress.objects.filter(parent=demo.bac_giang, year=2023, month=5).count()
    assert page.locator("[data-chart=ranking-data] svg g.bars path").count() == districts
    screenshot(page, "dashboard-province-desktop")

    # Ranked by completion first; sorting by name puts the names in order.
    names = _first_column(page)
    assert len(names) == districts
    page.locator(".progress-table thead th a", has_text="Đơn vị").click()
    page.wait_for_load_state("networkidle")
    assert _first_column(page) != names
    assert sorted(_first_column(page)) == sorted(names)
    assert page.locator(".progress-table thead th.asc", has_text="Đơn vị").count() == 1

    # The CSV has the table's rows with raw numbers, below its title block, for Excel under
    # Vietnamese settings: `;` between cells and a decimal comma.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    download = download_info.value
    assert download.suggested_filename == "tien-do-p24-05-2023.csv"
    with open(download.path(), encoding="utf-8-sig") as f:
        lines = f.read().splitlines()[5:]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";"))
    luc_nam = Progress.objects.get(unit=demo.luc_nam, year=2023, month=5)
    by_name = {r["Đơn vị"]: r for r in rows}
    assert len(rows) == districts
    assert by_name["Lục Nam"]["Số người tham gia"] == str(luc_nam.participants)
    assert by_name["Lục Nam"]["Kế hoạch"] == str(luc_nam.target)
    assert by_name["Lục Nam"]["% kế hoạch"] == str(luc_nam.completion_pct).replace(".", ",")

    # Drill into Lục Nam, same period.
    page.locator(".progress-table a", has_text="Lục Nam").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/u/d218/?year=2023&month=5")
    assert page.locator("h1").inner_text() == "Huyện Lục Nam"
    assert page.locator("[data-figure=participants]").inner_text() == (
        f"{luc_nam.participants:,}".replace(",", ".")
    )
    _wait_for_charts(page, 2)
    screenshot(page, "dashboard-district-desktop")

    # On a phone the page still reads: no horizontal scrolling of the page itself.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.live_server.url + "/u/p24/?year=2023&month=5")
    _wait_for_charts(page, 2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "dashboard-province-phone")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_commune_history_and_reporting_status_render(page, demo):
    login(page, "bacgiang", demo.password)
    commune = demo.luc_nam.children.order_by("code").first()
    page.goto(page.live_server.url + commune.get_absolute_url() + "?year=2023")
    _wait_for_charts(page, 1)
    # 2023's page is May's (its last reported month): every month up to May 2023, nothing after.
    months = (
        Progress.objects.filter(unit=commune)
        .filter(Q(year__lt=2023) | Q(year=2023, month__lte=5))
        .count()
    )
    assert page.locator(".history-table tbody tr").count() == months
    assert "05/2023" in page.locator(".history-table tbody tr").first.inner_text()
    screenshot(page, "dashboard-commune-desktop")
    page.goto(page.live_server.url + "/u/p24/bao-cao/?year=2023&month=5")
    assert "25/05/2023" in page.locator(".meta").inner_text()
    screenshot(page, "dashboard-reporting-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.live_server.url + "/u/p24/bao-cao/?year=2023&month=5")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "dashboard-reporting-phone")
