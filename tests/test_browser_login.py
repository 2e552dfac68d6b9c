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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_forgotten_password_is_reset_from_the_emailed_link(page, demo, mailoutbox):
    import re

    from tests.test_login_security import forget_reset_emails

    forget_reset_emails()
    demo.clerk.email = "lucnam@bhxh.example.vn"
    demo.clerk.save()
    page.goto(page.live_server.url + "/accounts/login/")
    page.get_by_role("link", name="Quên mật khẩu?").click()
    page.get_by_label("Email").fill("lucnam@bhxh.example.vn")
    page.get_by_role("button", name="Gửi đường dẫn").click()
    assert page.get_by_role("heading", name="Kiểm tra hộp thư").is_visible()
    (message,) = mailoutbox
    link = re.search(r"https?://\S+/accounts/dat-lai/\S+", message.body).group(0)
    page.goto(link)
    page.get_by_label("Mật khẩu mới", exact=True).fill("Mot-mat-khau-moi-2026")
    page.get_by_label("Xác nhận mật khẩu mới").fill("Mot-mat-khau-moi-2026")
    screenshot(page, "password-reset-form")
    page.get_by_role("button", name="Lưu mật khẩu mới").click()
    assert page.get_by_role("heading", name="Đã đặt mật khẩu mới").is_visible()
    login(page, "lucnam", "Mot-mat-khau-moi-2026")
    assert page.url.endswith(f"/u/{demo.luc_nam.url_code}/")
