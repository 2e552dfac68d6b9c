"""District staff fill a month in a real browser: keyboard entry, one error, the fix, the save."""

import pytest

from conftest import login, screenshot
from targets.models import MonthlyCount
from targets.tests.conftest import may_counts


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_district_staff_fill_june_fix_an_error_and_see_it_saved(page, demo):
    login(page, "lucnam", demo.password)
    page.get_by_role("link", name="Nhập số liệu").click()
    page.wait_for_load_state("networkidle")
    assert "Số liệu tháng 06/2023" in page.locator("h1").inner_text()
    screenshot(page, "entry-1-empty-june")

    may = may_counts(demo.luc_nam)
    communes = list(demo.luc_nam.children.order_by("code"))
    # Keyboard only: type in the first cell, Tab along the row and on to the next one, past its
    # commune's name (a link to its change history, a Tab stop of its own).
    page.locator(f"#p_{communes[0].pk}").focus()
    for i, commune in enumerate(communes):
        participants = may[commune.pk].participants + 4
        new = "abc" if i == 2 else "12"  # one mistake, in the third commune's new participants
        page.keyboard.type(str(participants))
        page.keyboard.press("Tab")
        page.keyboard.type(new)
        page.keyboard.press("Tab")
        if i + 1 < len(communes):
            assert page.evaluate("document.activeElement.textContent") == communes[i + 1].name
            page.keyboard.press("Tab")
    expected_total = sum(c.participants + 4 for c in may.values())
    # The totals row follows what is typed, before anything is saved.
    total = page.locator("#total-p").inner_text().replace(".", "")
    assert int(total) == expected_total
    assert "js-invalid" in page.locator(f"#n_{communes[2].pk}").get_attribute("class")

    # Enter moves down a column and never submits the grid.
    page.locator(f"#p_{communes[0].pk}").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == f"p_{communes[1].pk}"
    assert MonthlyCount.objects.filter(year=2023, month=6).count() == 0

    page.get_by_role("button", name="Lưu cả bảng").click()
    page.wait_for_load_state("networkidle")
    error = page.locator(f"#e_n_{communes[2].pk}")
    assert error.inner_text() == "“abc” không phải số nguyên."
    assert "Chưa lưu: 1 xã có lỗi" in page.locator("#grid-errors").inner_text()
    assert MonthlyCount.objects.filter(year=2023, month=6).count() == 0
    screenshot(page, "entry-2-validation-error")

    page.locator(f"#n_{communes[2].pk}").fill("12")
    page.get_by_role("button", name="Lưu cả bảng").click()
    page.wait_for_load_state("networkidle")
    assert "Đã lưu số liệu tháng 06/2023 của 24 xã." in page.locator(".messages").inner_text()
    assert page.locator(f"#p_{communes[0].pk}").input_value() == str(
        may[communes[0].pk].participants + 4
    )
    assert int(page.locator("#total-p").inner_text().replace(".", "")) == expected_total
    assert MonthlyCount.objects.filter(year=2023, month=6).count() == 24
    screenshot(page, "entry-3-saved")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_load_state("networkidle")
    screenshot(page, "entry-4-phone")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_suspicious_figure_is_confirmed_then_the_officer_sees_targets(page, demo):
    may = may_counts(demo.luc_nam)
    commune = demo.luc_nam.children.order_by("code").first()
    login(page, "lucnam", demo.password)
    page.goto(page.live_server.url + "/nhap-lieu/so-lieu/d218/")
    page.wait_for_load_state("networkidle")
    assert "Số liệu tháng 06/2023" in page.locator("h1").inner_text(), page.url
    page.fill(f"#p_{commune.pk}", str(may[commune.pk].participants // 2))  # halved: a warning
    page.fill(f"#n_{commune.pk}", "3")
    page.get_by_role("button", name="Lưu cả bảng").click()
    page.wait_for_load_state("networkidle")
    assert "Cần xác nhận trước khi lưu" in page.locator("#warnings").inner_text()
    assert MonthlyCount.objects.filter(year=2023, month=6).count() == 0
    screenshot(page, "entry-5-warning")
    page.get_by_role("button", name="Xác nhận và lưu").click()
    page.wait_for_load_state("networkidle")
    assert "Đã lưu số liệu tháng 06/2023 của 1 xã." in page.locator(".messages").inner_text()
    assert MonthlyCount.objects.get(year=2023, month=6).participants == (
        may[commune.pk].participants // 2
    )

    # Wait for the sign-out to land: a navigation started on top of it aborts its redirect.
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng xuất").click()
    login(page, "bacgiang", demo.password)
    page.get_by_role("link", name="Giao chỉ tiêu").click()
    page.wait_for_load_state("networkidle")
    assert "Đã giao đủ" in page.locator("#allocation-summary").inner_text()
    screenshot(page, "targets-1-province")
    page.get_by_role("link", name="Lục Nam").click()
    page.wait_for_load_state("networkidle")
    screenshot(page, "targets-2-district")
    page.goto(page.live_server.url + "/nhap-lieu/mo-lai-thang/p24/")
    screenshot(page, "reopen-1")
    page.goto(page.live_server.url + f"/nhap-lieu/lich-su/{commune.url_code}/")
    assert "Cán bộ BHXH Lục Nam" in page.locator(".history-table").inner_text()
    screenshot(page, "history-1")
