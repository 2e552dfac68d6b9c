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


# -- limits per address and per username (bhxh_dashboard/logins.py) ------------------------------

OFFICE_NAT = "198.51.100.20"  # everyone in one office reaches the site from this address
ELSEWHERE = "198.51.100.99"


def post_login(client, username, password, address=OFFICE_NAT):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def trusted_browser_of(user, password):
    """A browser in which `user` signed in before (and signed out): it carries the cookie."""
    from django.test import Client

    browser = Client()
    assert post_login(browser, user.username, password).status_code == 302
    browser.post("/accounts/logout/")
    return browser


@pytest.mark.django_db
def test_spraying_from_one_address_across_usernames_is_stopped(client, demo):
    limit = settings.LOGIN_LIMITS["ip_address"]
    usernames = [f"nv{i:02d}" for i in range(limit - 1)]  # never more than 1 try per username
    for username in usernames:
        assert post_login(client, username, "Matkhau@123").status_code == 200
    stopped = post_login(client, "lucnam", "Matkhau@123")
    assert stopped.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in stopped.content.decode()
    # Even a right password is refused from that address to a browser that never signed in...
    assert post_login(client, "bacgiang", demo.password).status_code == 429
    # ...but the same person from another address is not concerned.
    assert post_login(client, "bacgiang", demo.password, address=ELSEWHERE).status_code == 302


@pytest.mark.django_db
def test_a_colleague_behind_the_same_address_is_not_locked_out_by_someone_elses_failures(demo):
    from django.test import Client

    colleague = trusted_browser_of(demo.clerk, demo.password)
    attacker = Client()
    # Someone in the office fails on the colleague's name until it locks, then sprays.
    for _ in range(settings.LOGIN_LIMITS["username,ip_address"]):
        post_login(attacker, "lucnam", "doan-mo")
    for i in range(settings.LOGIN_LIMITS["ip_address"]):
        post_login(attacker, f"khach{i}", "doan-mo")
    assert post_login(attacker, "lucnam", demo.password).status_code == 429
    # The colleague signs in from their own browser, same address, as usual.
    assert post_login(colleague, "lucnam", demo.password).status_code == 302


@pytest.mark.django_db
def test_a_trusted_browser_has_its_own_limit_then_counts_as_unknown(demo):
    browser = trusted_browser_of(demo.clerk, demo.password)
    for _ in range(settings.TRUSTED_BROWSER_FAILURE_LIMIT):
        assert post_login(browser, "lucnam", "sai").status_code == 200
    # Used up: its next failures count like any browser's, and 5 of those lock the pair.
    for _ in range(settings.LOGIN_LIMITS["username,ip_address"] - 1):
        post_login(browser, "lucnam", "sai")
    assert post_login(browser, "lucnam", "sai").status_code == 429


@pytest.mark.django_db
def test_a_guess_at_one_account_from_many_addresses_is_stopped_but_its_owner_signs_in(demo):
    from django.test import Client

    owner = trusted_browser_of(demo.officer, demo.password)
    botnet = Client()
    for i in range(settings.LOGIN_LIMITS["username"]):
        post_login(botnet, "bacgiang", "doan-mo", address=f"192.0.2.{i + 1}")
    assert post_login(botnet, "bacgiang", demo.password, address="192.0.2.200").status_code == 429
    assert post_login(owner, "bacgiang", demo.password, address="192.0.2.201").status_code == 302


@pytest.mark.django_db
def test_signing_in_does_not_wipe_the_addresss_failures_on_other_names(client, demo):
    limit = settings.LOGIN_LIMITS["ip_address"]
    for i in range(limit - 1):
        post_login(client, f"nv{i:02d}", "sai")
    assert post_login(client, "lucnam", demo.password).status_code == 302  # the sprayer's own
    client.post("/accounts/logout/")
    assert post_login(client, "nv99", "sai").status_code == 429


# -- password change and reset -------------------------------------------------------------------

NEW_PASSWORD = "Mot-mat-khau-moi-2026"


@pytest.mark.django_db
def test_a_user_changes_their_password(client, demo):
    assert post_login(client, "lucnam", demo.password).status_code == 302
    page = client.get("/accounts/doi-mat-khau/")
    assert page.status_code == 200 and "Mật khẩu cũ" in page.content.decode()
    wrong = client.post(
        "/accounts/doi-mat-khau/",
        {"old_password": "sai", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert "Mật khẩu cũ không chính xác" in wrong.content.decode()
    done = client.post(
        "/accounts/doi-mat-khau/",
        {
            "old_password": demo.password,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        follow=True,
    )
    assert "Đã đổi mật khẩu" in done.content.decode()
    client.post("/accounts/logout/")
    assert post_login(client, "lucnam", demo.password).status_code == 200
    assert post_login(client, "lucnam", NEW_PASSWORD).status_code == 302


def change_password(client, old, address=OFFICE_NAT):
    return client.post(
        "/accounts/doi-mat-khau/",
        {"old_password": old, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        REMOTE_ADDR=address,
    )


def tries_until_locked(attempt) -> int:
    """How many wrong tries a form takes before it answers 429 (each before that says wrong)."""
    for tries in range(1, 41):
        response = attempt()
        if response.status_code == 429:
            assert "Đăng nhập sai quá nhiều lần" in response.content.decode()
            return tries
        assert response.status_code == 200
    pytest.fail("never locked in 40 tries")


@pytest.mark.django_db
def test_wrong_old_passwords_on_the_change_form_are_limited_like_sign_ins(client, demo):
    """A session left open cannot be used to guess the password: the form's wrong old passwords
    count as failed sign-ins of that user from that browser and address, then the session ends
    with the lockout page, and this browser cannot sign in for the hour."""
    from django.test import Client

    # The sign-in form, from a browser the officer signed in with before, elsewhere.
    officer = trusted_browser_of(demo.officer, demo.password)
    by_sign_in = tries_until_locked(lambda: post_login(officer, "bacgiang", "sai", ELSEWHERE))
    # The change form, signed in the same way (so from a trusted browser too).
    assert post_login(client, "lucnam", demo.password).status_code == 302
    by_change = tries_until_locked(lambda: change_password(client, "doan-mo"))
    assert by_change == by_sign_in > settings.TRUSTED_BROWSER_FAILURE_LIMIT
    assert AccessAttempt.objects.get(username="lucnam").failures_since_start >= 1
    # Signed out; the right password is refused here too, and the password did not change.
    page = client.get("/accounts/doi-mat-khau/")
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    assert post_login(client, "lucnam", demo.password).status_code == 429
    demo.clerk.refresh_from_db()
    assert demo.clerk.check_password(demo.password)
    # As for sign-ins, the lock is the address's: the owner elsewhere signs in.
    assert post_login(Client(), "lucnam", demo.password, address=ELSEWHERE).status_code == 302


@pytest.mark.django_db
def test_a_session_without_a_trusted_browser_gets_the_unknown_browsers_limit(client, demo):
    client.force_login(demo.clerk)  # e.g. a session cookie carried to another browser
    tries = tries_until_locked(lambda: change_password(client, "doan-mo"))
    assert tries == settings.LOGIN_LIMITS["username,ip_address"]
    assert post_login(client, "lucnam", demo.password).status_code == 429
    demo.clerk.refresh_from_db()
    assert demo.clerk.check_password(demo.password)


@pytest.mark.django_db
def test_a_wrong_old_password_or_two_do_not_stop_the_change(client, demo):
    client.force_login(demo.clerk)
    for _ in range(2):
        assert change_password(client, "doan-mo").status_code == 200
    done = change_password(client, demo.password)
    assert done.status_code == 302
    demo.clerk.refresh_from_db()
    assert demo.clerk.check_password(NEW_PASSWORD)


def test_the_password_change_page_needs_a_signed_in_user(client, db):
    response = client.get("/accounts/doi-mat-khau/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def forget_reset_emails(address: str = "127.0.0.1") -> None:
    """The reset form's per-address counter lives in the cache, which outlives a test run."""
    from django.core.cache import cache

    cache.delete(f"password-reset-emails:{address}")


def reset_link(outbox) -> str:
    import re

    (message,) = outbox
    link = re.search(r"https?://[^/\s]+(/accounts/dat-lai/\S+)", message.body)
    assert link, message.body
    return link.group(1)


@pytest.mark.django_db
def test_a_user_resets_a_forgotten_password_by_email(client, demo, mailoutbox):
    forget_reset_emails()
    demo.clerk.email = "lucnam@bhxh.example.vn"
    demo.clerk.save()
    unknown = client.post("/accounts/quen-mat-khau/", {"email": "ai-do@example.vn"}, follow=True)
    assert "Kiểm tra hộp thư" in unknown.content.decode()  # the same answer: no account probing
    assert mailoutbox == []
    client.post("/accounts/quen-mat-khau/", {"email": "LucNam@bhxh.example.vn"})
    (message,) = mailoutbox
    assert message.to == ["lucnam@bhxh.example.vn"]
    assert "Đặt lại mật khẩu" in message.subject and "lucnam" in message.body
    form = client.get(reset_link(mailoutbox), follow=True)
    assert "Đặt mật khẩu mới" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert "Đã đặt mật khẩu mới" in done.content.decode()
    assert post_login(client, "lucnam", NEW_PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    used = client.get(reset_link(mailoutbox), follow=True)
    assert "không còn hiệu lực" in used.content.decode()


def test_reset_emails_go_to_the_console_unless_an_smtp_server_is_set():
    from bhxh_dashboard.tests.test_safe_defaults import settings_in_a_fresh_process

    assert settings_in_a_fresh_process("EMAIL_BACKEND") == [
        "'django.core.mail.backends.console.EmailBackend'"
    ]
    backend, host, tls = settings_in_a_fresh_process(
        "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_USE_TLS", EMAIL_HOST="smtp.example.vn"
    )
    assert (backend, host, tls) == (
        "'django.core.mail.backends.smtp.EmailBackend'",
        "'smtp.example.vn'",
        "True",
    )


@pytest.mark.django_db
def test_behind_nginx_failures_count_against_the_clients_address_not_a_claimed_one(
    client, settings
):
    from ipaddress import ip_network

    nginx = "172.30.10.2"
    settings.TRUSTED_PROXIES = [ip_network(nginx)]
    client.post(
        "/accounts/login/",
        {"username": "ai", "password": "sai"},
        REMOTE_ADDR=nginx,
        HTTP_X_FORWARDED_FOR=OFFICE_NAT,
    )
    # A client talking to gunicorn directly cannot pin its failures on someone else's address.
    client.post(
        "/accounts/login/",
        {"username": "ai", "password": "sai"},
        REMOTE_ADDR=ELSEWHERE,
        HTTP_X_FORWARDED_FOR=OFFICE_NAT,
    )
    recorded = sorted(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert recorded == sorted([OFFICE_NAT, ELSEWHERE])


@pytest.mark.django_db
def test_the_reset_form_cannot_flood_an_inbox(client, demo, mailoutbox):
    demo.clerk.email = "lucnam@bhxh.example.vn"
    demo.clerk.save()
    address = "198.51.100.77"
    forget_reset_emails(address)
    for _ in range(settings.PASSWORD_RESET_EMAILS_PER_HOUR + 3):
        answer = client.post(
            "/accounts/quen-mat-khau/", {"email": "lucnam@bhxh.example.vn"}, REMOTE_ADDR=address
        )
        assert answer.status_code == 302  # the same page every time
    assert len(mailoutbox) == settings.PASSWORD_RESET_EMAILS_PER_HOUR
