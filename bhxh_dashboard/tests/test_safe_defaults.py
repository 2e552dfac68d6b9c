"""Safe defaults (issue 16): DEBUG off unless set, no published key, /healthz that tells
strangers only healthy or not, proxy headers believed only from the proxy, no-store pages."""

import os
import subprocess
import sys
from ipaddress import ip_network
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRANGER = "203.0.113.7"  # an address on the internet, as nginx would pass it on
NGINX = "172.30.10.2"


def settings_in_a_fresh_process(*names, **env):
    code = "from django.conf import settings;" + ";".join(
        f"print(repr(getattr(settings, {n!r}, None)))" for n in names
    )
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[-len(names) :]  # after what apps print at start


def test_debug_is_off_and_the_key_is_this_checkouts_own_unless_set():
    debug, key, redirect = settings_in_a_fresh_process("DEBUG", "SECRET_KEY", "SECURE_SSL_REDIRECT")
    assert debug == "False"
    assert redirect == "True"  # with DEBUG off the site is https unless HTTPS=0
    assert key.strip("'") == (ROOT / ".secret_key").read_text().strip()
    assert "dev-only" not in key and len(key) > 50
    assert "'.secret_key'" in repr((ROOT / ".gitignore").read_text().splitlines())
    assert ".secret_key" in (ROOT / ".dockerignore").read_text().splitlines()


def test_make_run_serves_plain_http_on_this_machine_with_debug_still_off():
    debug, redirect, cookie = settings_in_a_fresh_process(
        "DEBUG", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", HTTPS="0"
    )
    assert (debug, redirect, cookie) == ("False", "False", "False")
    makefile = (ROOT / "Makefile").read_text()
    assert "run: export HTTPS = 0" in makefile and "DEBUG" not in makefile.split("\nrun:")[1][:400]


def test_a_proxy_header_is_trusted_only_when_a_proxy_is_configured():
    assert settings_in_a_fresh_process("SECURE_PROXY_SSL_HEADER") == ["None"]
    (header,) = settings_in_a_fresh_process("SECURE_PROXY_SSL_HEADER", TRUSTED_PROXIES=NGINX)
    assert header == "('HTTP_X_FORWARDED_PROTO', 'https')"


@pytest.mark.django_db
def test_healthz_tells_a_stranger_only_healthy_or_not(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # the broker is down
    response = client.get("/healthz", REMOTE_ADDR=STRANGER)
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert "127.0.0.1" not in response.content.decode()


@pytest.mark.django_db
def test_healthz_gives_details_to_staff_and_to_this_machine(client, django_user_model):
    local = client.get("/healthz")  # the test client is 127.0.0.1, like the container's check
    assert local.json()["database"] == {"ok": True, "detail": "ok"}
    staff = django_user_model.objects.create_user("ops", password="pw-ops", is_staff=True)
    client.force_login(staff)
    assert "broker" in client.get("/healthz", REMOTE_ADDR=STRANGER).json()


@pytest.mark.django_db
def test_the_containers_health_check_over_http_gets_200_not_a_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


@pytest.mark.django_db
def test_a_client_cannot_claim_https_or_another_address_unless_it_is_the_proxy(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = [ip_network(NGINX)]
    claimed = client.get("/accounts/login/", REMOTE_ADDR=STRANGER, HTTP_X_FORWARDED_PROTO="https")
    assert claimed.status_code == 301  # not believed: still sent to https
    via_nginx = client.get(
        "/healthz",
        REMOTE_ADDR=NGINX,
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_FOR=f"127.0.0.1, {STRANGER}",  # a forged first entry, nginx's last
    )
    assert via_nginx.json() == {"status": "ok"}  # seen as the stranger, not as this machine
    assert (
        client.get(
            "/accounts/login/", REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_PROTO="https"
        ).status_code
        == 200
    )


@pytest.mark.django_db
def test_pages_with_data_are_not_kept_by_the_browser(client, demo):
    client.force_login(demo.clerk)
    for url in [
        "/api/token/",
        "/api/v1/units/d218/",
        f"/nhap-lieu/so-lieu/{demo.luc_nam.url_code}/",
        f"/nhap-lieu/xuat/so-lieu/{demo.luc_nam.url_code}/",
        f"/nhap-lieu/mau/so-lieu/{demo.luc_nam.url_code}/",
        f"/nhap-lieu/nhap-tep/so-lieu/{demo.luc_nam.url_code}/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= control, url
    # The dashboard pages answer for themselves (revalidated, not no-store).
    dashboard = client.get(f"/u/{demo.luc_nam.url_code}/")
    assert "no-store" not in dashboard.get("Cache-Control", "")
