import pytest
from axes.models import AccessAttempt, AccessLog
from django.conf import settings


def attempt(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_account_with_a_vietnamese_message(client, demo):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "bacgiang", "wrong").status_code == 200
    locked = attempt(client, "bacgiang", "wrong")
    assert locked.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in locked.content.decode()
    # Even the right password is refused while locked, and the attempts are on record.
    assert attempt(client, "bacgiang", demo.password).status_code == 429
    assert AccessAttempt.objects.get(username="bacgiang").failures_since_start >= 5


@pytest.mark.django_db
def test_a_successful_login_is_recorded(client, demo):
    response = attempt(client, "lucnam", demo.password)
    assert response.status_code == 302
    assert AccessLog.objects.filter(username="lucnam").exists()


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2(settings, client, django_user_model):
    from bhxh_dashboard import settings as production  # the module, not the test overrides

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    user = django_user_model.objects.create_user("hashcheck", password="a-long-pass-phrase")
    assert user.password.startswith("argon2")
    response = attempt(client, "hashcheck", "a-long-pass-phrase")
    assert response.status_code == 302


def test_sessions_expire_after_a_working_day_and_at_browser_close():
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_scripts(client):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_the_interface_is_vietnamese_even_for_an_english_browser_until_english_is_chosen(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Đăng nhập" in page.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Sign in" in client.get("/accounts/login/").content.decode()
