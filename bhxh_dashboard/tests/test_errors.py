"""Error pages with DEBUG off: the site's layout, the user's language, the way back; never
Django's yellow debug page or a bare "403 Forbidden"."""

from unittest import mock

import pytest
from django.conf import settings
from django.test import Client

from bhxh_dashboard import urls

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


def signed_in(client, user, language="vi"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_the_handlers_are_the_sites_own():
    assert urls.handler404 == "bhxh_dashboard.errors.page_not_found"
    assert urls.handler403 == "bhxh_dashboard.errors.permission_denied"
    assert urls.handler500 == "bhxh_dashboard.errors.server_error"
    assert urls.handler400 == "bhxh_dashboard.errors.bad_request"
    assert settings.CSRF_FAILURE_VIEW == "bhxh_dashboard.errors.csrf_failure"


def test_another_districts_page_is_a_friendly_404_with_the_way_back(client, demo):
    response = signed_in(client, demo.clerk).get(
        "/u/d213/?year=2023&month=5", HTTP_REFERER="http://testserver/u/d218/"
    )
    html = response.content.decode()
    assert response.status_code == 404
    assert "Không tìm thấy trang" in html and "ngoài phạm vi bạn được xem" in html
    assert 'href="http://testserver/u/d218/" data-way="back"' in html
    assert f'href="{demo.luc_nam.get_absolute_url()}" data-way="own"' in html
    assert 'data-way="home"' in html and 'class="topbar"' in html  # the site's layout
    # Nothing of the district asked for, nor of the debug page.
    other = demo.another_district.name
    assert other not in html and "Traceback" not in html and "Page not found" not in html


def test_the_404_reads_in_english_when_english_is_chosen(client, demo):
    html = signed_in(client, demo.clerk, "en").get("/khong-co-trang-nay/").content.decode()
    assert '<html lang="en">' in html
    assert "Page not found" in html and "outside what you may see" in html
    assert f"Figures of {demo.luc_nam.full_name}" in html
    assert "Không tìm thấy" not in html


def test_a_back_link_to_another_site_is_not_offered(client, demo):
    response = signed_in(client, demo.clerk).get(
        "/khong-co/", HTTP_REFERER="https://evil.example/phish"
    )
    assert "evil.example" not in response.content.decode()


def test_anonymous_gets_a_404_that_leads_to_signing_in(client):
    html = client.get("/khong-co-trang-nay/").content.decode()
    assert "Không tìm thấy trang" in html and 'data-way="login"' in html


def test_a_manager_opening_entry_is_told_why_not_a_bare_403(client, demo):
    response = signed_in(client, demo.manager).get("/nhap-lieu/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "Bạn không có quyền vào trang này" in html
    assert "không nhập số liệu" in html  # why
    assert f'href="{demo.bac_giang.get_absolute_url()}" data-way="own"' in html


def test_a_post_refused_for_its_csrf_token_gets_the_sites_page(demo):
    client = Client(enforce_csrf_checks=True)
    signed_in(client, demo.clerk)
    response = client.post("/nhap-lieu/so-lieu/d218/", {"thang": "2023-06"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "Biểu mẫu đã quá hạn" in html and "vẫn được giữ trên máy này" in html


def test_a_server_error_is_a_calm_page_in_the_users_language(client, demo):
    client.raise_request_exception = False
    signed_in(client, demo.clerk, "en")
    with mock.patch("reports.views.scope_unit", side_effect=RuntimeError("boom")):
        response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Server error" in html and "has been logged" in html and 'data-way="home"' in html
    assert "boom" not in html and "Traceback" not in html


def test_a_request_for_an_unknown_host_is_a_400_page_not_a_crash(client):
    response = client.get("/", HTTP_HOST="not-ours.example")
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in response.content.decode()
