"""Grassroots office staff fill a month for their office's communes in a real browser."""

import pytest

from conftest import login, screenshot
from provinces.tests.offices_world import PASSWORD
from targets.models import ChangeLog, MonthlyCount


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_grassroots_staff_fill_november_for_their_office(page, offices):
    login(page, "coso1", PASSWORD)
    page.get_by_role("link", name="Nhập số liệu").click()
    page.wait_for_load_state("networkidle")
    assert "Số liệu tháng 11/2026" in page.locator("h1").inner_text()
    assert "BHXH cơ sở Một" in page.locator("h1").inner_text()
    mine = offices.communes[:10]
    assert page.locator("input[name^=p_]").count() == 10
    screenshot(page, "office-1-empty")

    page.locator(f"#p_{mine[0].pk}").focus()
    for i, _commune in enumerate(mine):
        page.keyboard.type(str(1000 + i))
        page.keyboard.press("Tab")
        page.keyboard.type("7")
        page.keyboard.press("Tab")
        if i + 1 < len(mine):
            page.keyboard.press("Tab")  # past the next commune's name, a link to its history
    expected = sum(1000 + i for i in range(10))
    assert page.locator("#total-p").inner_text() == f"{expected:,}".replace(",", ".")

    page.get_by_role("button", name="Lưu cả bảng").click()
    page.wait_for_load_state("networkidle")
    assert "Đã lưu số liệu tháng 11/2026 của 10 xã." in page.locator(".messages").inner_text()
    assert page.locator(f"#p_{mine[9].pk}").input_value() == "1009"
    saved = MonthlyCount.objects.filter(year=2026, month=11)
    assert sorted(saved.values_list("participants", flat=True)) == [1000 + i for i in range(10)]
    assert ChangeLog.objects.filter(changed_by=offices.staff_a).count() == 20
    screenshot(page, "office-2-saved")
