"""Nothing typed is lost: the session ends mid-entry, the save lands on the sign-in page, and
after signing in again the grid shows what was typed, then saves it."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session

from bhxh_dashboard import clock
from conftest import login, screenshot
from targets.models import MonthlyCount
from targets.tests.conftest import may_counts

GRID = "/nhap-lieu/so-lieu/d218/"


def _drafts(page) -> list[str]:
    return page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('bhxh-draft:'))")


def _type_june(page, demo, n=3):
    may = may_counts(demo.luc_nam)
    communes = list(demo.luc_nam.children.order_by("code"))[:n]
    typed = {c.pk: (may[c.pk].participants + 7, 17) for c in communes}
    for pk, (participants, new) in typed.items():
        page.fill(f"#p_{pk}", str(participants))
        page.fill(f"#n_{pk}", str(new))
    return typed


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_session_ending_mid_entry_loses_nothing(page, demo):
    login(page, "lucnam", demo.password)
    page.goto(page.live_server.url + GRID)
    assert "Số liệu tháng 06/2023" in page.locator("h1").inner_text()
    typed = _type_june(page, demo)
    assert page.locator("#session-warning").is_hidden()  # hours left: no warning yet

    Session.objects.all().delete()  # the session ends on the server while the clerk types
    page.get_by_role("button", name="Lưu cả bảng").click()
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" in page.url
    assert "Phiên làm việc đã hết hạn" in page.locator("#session-ended").inner_text()
    assert not MonthlyCount.objects.filter(year=2023, month=6).exists()
    screenshot(page, "draft-1-signin-after-expiry")

    page.fill("input[name=username]", "lucnam")
    page.fill("input[name=password]", demo.password)
    page.click("form [type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(GRID), page.url  # back where the save was sent from
    assert (
        "Đã khôi phục 6 ô bạn đã nhập nhưng chưa lưu"
        in page.locator("#draft-restored").inner_text()
    )
    for pk, (participants, new) in typed.items():
        assert page.locator(f"#p_{pk}").input_value() == str(participants)
        assert page.locator(f"#n_{pk}").input_value() == str(new)
    # The totals count the restored figures.
    total = int(page.locator("#total-p").inner_text().replace(".", ""))
    assert total == sum(p for p, _n in typed.values())
    screenshot(page, "draft-2-restored")

    page.get_by_role("button", name="Lưu cả bảng").click()
    page.wait_for_load_state("networkidle")
    assert "Đã lưu số liệu tháng 06/2023 của 3 xã." in page.locator(".messages").inner_text()
    saved = MonthlyCount.objects.filter(year=2023, month=6)
    assert {c.commune_id: (c.participants, c.new_participants) for c in saved} == typed
    # Saved: the draft is gone, nothing is "restored" any more.
    assert _drafts(page) == []
    page.reload()
    assert page.locator("#draft-restored").is_hidden()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_restored_figures_can_be_discarded(page, demo):
    login(page, "lucnam", demo.password)
    page.goto(page.live_server.url + GRID)
    communes = list(demo.luc_nam.children.order_by("code"))
    stored = page.locator(f"#p_{communes[0].pk}").input_value()
    _type_june(page, demo, n=1)
    page.reload()  # or the browser closed, or the page was left: the draft comes back
    assert "Đã khôi phục 2 ô" in page.locator("#draft-restored").inner_text()
    page.get_by_role("button", name="Bỏ các số này, dùng số đã lưu").click()
    assert page.locator(f"#p_{communes[0].pk}").input_value() == stored
    assert page.locator("#draft-restored").is_hidden()
    assert _drafts(page) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_warning_before_the_session_ends_and_a_button_that_extends_it(page, demo, settings):
    settings.SESSION_COOKIE_AGE = 200  # signed in for 200 s only: inside the 5 minutes' warning
    login(page, "lucnam", demo.password)
    page.goto(page.live_server.url + GRID)
    warning = page.locator("#session-warning")
    assert "Phiên làm việc sẽ hết hạn sau 4 phút" in warning.inner_text()
    screenshot(page, "draft-3-session-warning")

    settings.SESSION_COOKIE_AGE = 8 * 60 * 60
    with page.expect_response(lambda r: r.url.endswith("/nhap-lieu/giu-phien/")) as answer:
        page.get_by_role("button", name="Gia hạn phiên làm việc").click()
    assert answer.value.status == 200
    warning.wait_for(state="hidden")
    # The session stored on the server now lasts hours, not seconds.
    assert Session.objects.get().expire_date > clock.now() + dt.timedelta(hours=7)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_targets_grid_keeps_a_typed_target_until_it_is_saved(page, demo):
    login(page, "bacgiang", demo.password)
    page.goto(page.live_server.url + "/nhap-lieu/chi-tieu/p24/?nam=2023")
    cell = page.locator(f"#t_{demo.luc_nam.pk}")
    typed = str(int(cell.input_value()) + 100)
    cell.fill(typed)
    page.reload()
    assert "Đã khôi phục 1 ô" in page.locator("#draft-restored").inner_text()
    assert cell.input_value() == typed
    page.get_by_role("button", name="Lưu chỉ tiêu").click()
    page.wait_for_selector(".messages")
    assert "Đã lưu chỉ tiêu năm 2023" in page.locator(".messages").inner_text()
    assert cell.input_value() == typed
    assert _drafts(page) == []
