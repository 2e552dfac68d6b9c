"""The entry pages know when the session ends, warn before it does and can extend it; a save
that arrives after it ended leads to a sign-in page that says why."""

import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse

from targets.tests.test_views import JUNE, TARGETS, as_user

pytestmark = pytest.mark.django_db

KEEPALIVE = reverse("targets:keepalive")


def seconds_left(html: str) -> int:
    found = re.search(r'data-seconds-left="(\d+)"', html)
    assert found is not None
    return int(found.group(1))


def test_the_grid_says_how_long_the_session_has_left_and_names_its_draft(client, demo, travel):
    as_user(client, demo.clerk)
    travel.shift(3600)  # an hour of work since signing in
    html = client.get(JUNE).content.decode()
    assert abs(seconds_left(html) - (settings.SESSION_COOKIE_AGE - 3600)) <= 5
    assert f'data-draft-key="{demo.clerk.pk}:/nhap-lieu/so-lieu/d218/:2023-06"' in html
    assert 'data-draft-state="stored"' in html


def test_the_targets_grid_keeps_a_draft_per_year_for_those_who_edit_it(client, demo):
    html = as_user(client, demo.officer).get(TARGETS + "?nam=2023").content.decode()
    assert f'data-draft-key="{demo.officer.pk}:/nhap-lieu/chi-tieu/p24/:2023"' in html
    assert "session-warning" in html
    # A manager reads the same page: nothing to type, no draft and no warning.
    html = as_user(client, demo.manager).get(TARGETS + "?nam=2023").content.decode()
    assert "data-draft-key" not in html and "session-warning" not in html


def test_a_read_only_month_keeps_no_draft(client, demo):
    html = as_user(client, demo.clerk).get(JUNE.replace("06", "05")).content.decode()
    assert "data-draft-key" not in html


def test_keepalive_extends_the_session_for_a_signed_in_user_only(client, demo, travel):
    assert client.post(KEEPALIVE).status_code == 401  # anonymous: said, not redirected
    as_user(client, demo.clerk)
    assert client.get(KEEPALIVE).status_code == 405
    travel.shift(7 * 3600)
    response = client.post(KEEPALIVE)
    assert response.status_code == 200
    assert response.json() == {"seconds_left": settings.SESSION_COOKIE_AGE}
    left = seconds_left(client.get(JUNE).content.decode())
    assert settings.SESSION_COOKIE_AGE - 5 <= left <= settings.SESSION_COOKIE_AGE
    # Without the keep-alive the session would end 8 hours after signing in.
    travel.shift(2 * 3600)
    assert client.get(JUNE).status_code == 200  # 9 hours after signing in, still signed in


def test_a_save_after_the_session_ended_asks_to_sign_in_again_and_says_why(client, demo):
    as_user(client, demo.clerk)
    Session.objects.all().delete()
    response = client.post(JUNE, {"thang": "2023-06", "save": "1"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    html = client.get(response["Location"]).content.decode()
    assert "Phiên làm việc đã hết hạn" in html
    assert 'name="next" value="/nhap-lieu/so-lieu/d218/?thang=2023-06"' in html
    # Signing in from the start says nothing of the kind.
    assert "Phiên làm việc đã hết hạn" not in client.get("/accounts/login/").content.decode()
