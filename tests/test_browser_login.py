import pytest

from conftest import login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_demo_user_signs_in_and_switches_to_english(page, demo):
    login(page, "bacgiang", demo.password)
    assert page.url.endswith("/u/p24/")
    assert page.locator("h1").inner_text() == "Tỉnh Bắc Giang"
    assert page.get_by_role("button", name="Đăng xuất").is_visible()
    page.get_by_role("button", name="EN").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("button", name="Log out").is_visible()
    screenshot(page, "login-landing-en")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_wrong_password_says_so_in_vietnamese(page, demo):
    login(page, "bacgiang", "wrong-password")
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in page.locator("[role=alert]").inner_text()
