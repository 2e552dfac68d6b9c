"""A provincial officer enters a district's labour force and coverage target in a real browser."""

import pytest

from conftest import login, screenshot
from coverage.models import CoverageTarget, LabourForce


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_officer_enters_a_labour_force_sees_a_refusal_then_the_coverage(page, demo):
    login(page, "bacgiang", demo.password)
    page.goto(page.live_server.url + f"/nhap-lieu/bao-phu/{demo.bac_giang.url_code}/?nam=2023")
    assert "Số lao động và mục tiêu bao phủ năm 2023" in page.locator("h1").inner_text()
    district = demo.luc_nam
    # a labour force smaller than the district's participants is refused, nothing saved
    page.fill(f"#lf-{district.pk}", "1.000")
    page.fill(f"#ct-{district.pk}", "4,5")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_load_state("networkidle")
    assert "nhỏ hơn số người tham gia" in page.locator(f"#unit-{district.pk}").inner_text()
    assert not LabourForce.objects.filter(unit=district, year=2023).exists()
    screenshot(page, "coverage-1-refused")
    # the typed figures are still there; fix the labour force and save
    assert page.input_value(f"#ct-{district.pk}") == "4,5"
    page.fill(f"#lf-{district.pk}", "120.000")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_load_state("networkidle")
    assert "Đã lưu số lao động" in page.locator("body").inner_text()
    assert page.input_value(f"#lf-{district.pk}") == "120.000"
    assert LabourForce.objects.get(unit=district, year=2023).value == 120_000
    assert CoverageTarget.objects.get(unit=district, year=2023).pct == 4.5
    screenshot(page, "coverage-2-saved")
    # the district's page shows its coverage once recomputed (Celery runs eagerly in tests)
    page.goto(page.live_server.url + district.get_absolute_url() + "?year=2023&month=5")
    card = page.locator("#coverage").inner_text()
    assert "chưa có số lao động" not in card and "4,50%" in card
