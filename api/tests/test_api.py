"""The read-only API: the access matrix, the figures it returns, the token page and command."""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from api.models import ApiToken, key_hash
from api.services import token_replace


def token_client(user):
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_replace(user=user).key}")
    return client


URLS = [
    "/api/v1/units/p24/",
    "/api/v1/units/p24/progress/?year=2023&month=5",
    "/api/v1/units/p24/children/?year=2023&month=5",
]


@pytest.mark.django_db
def test_the_access_matrix(demo):
    """No token: 401. Another province, or a district user asking for the province: 404.
    The province's officer and manager, and the national viewer: 200. Every endpoint."""
    wrong_token = APIClient()
    wrong_token.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    for path in URLS:
        response = APIClient().get(path)
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"] == "Token"
        assert wrong_token.get(path).status_code == 401, path
        for who in ("other_officer", "other_clerk", "clerk", "neighbour_clerk", "nobody"):
            assert token_client(getattr(demo, who)).get(path).status_code == 404, (path, who)
        for who in ("officer", "manager", "national"):
            assert token_client(getattr(demo, who)).get(path).status_code == 200, (path, who)


@pytest.mark.django_db
def test_district_staff_read_their_district_but_not_the_neighbours(demo):
    client = token_client(demo.clerk)
    assert client.get("/api/v1/units/d218/progress/?year=2023").status_code == 200
    assert client.get("/api/v1/units/d213/progress/?year=2023").status_code == 404
    commune = demo.another_district.children.first()
    assert client.get(f"/api/v1/units/{commune.url_code}/").status_code == 404


@pytest.mark.django_db
def test_progress_reproduces_the_bac_giang_letter(demo):
    body = token_client(demo.officer).get("/api/v1/units/p24/progress/?year=2023&month=5").json()
    assert len(body) == 1
    may = body[0]
    assert (may["unit"], may["name"], may["year"], may["month"]) == ("p24", "Bắc Giang", 2023, 5)
    assert may["participants"] == 44134
    assert may["target"] == 52139
    assert may["completion_pct"] == 84.65
    assert may["change_vs_prev_month"] == 4934
    assert may["change_vs_prev_year_end"] == 3036
    assert may["gap"] == 8005


@pytest.mark.django_db
def test_progress_without_a_month_is_the_year_so_far(demo):
    body = token_client(demo.officer).get("/api/v1/units/p24/progress/?year=2023").json()
    assert [row["month"] for row in body][:5] == [1, 2, 3, 4, 5]


@pytest.mark.django_db
def test_children_are_the_units_one_level_down_or_any_level_below(demo):
    client = token_client(demo.officer)
    body = client.get("/api/v1/units/p24/children/?year=2023&month=5").json()
    districts = body["results"]
    assert body["count"] == demo.bac_giang.children.count() == len(districts)
    assert {row["level"] for row in districts} == {2}
    assert sum(row["participants"] for row in districts) == 44134
    communes = client.get("/api/v1/units/p24/children/?year=2023&month=5&level=3").json()
    total = demo.bac_giang.children.model.objects.communes().filter(province=demo.bac_giang).count()
    assert communes["count"] == total
    assert len(communes["results"]) == min(total, 200)  # 200 a page
    assert {row["level"] for row in communes["results"]} == {3}
    luc_nam = client.get("/api/v1/units/d218/children/?year=2023&month=5").json()
    assert luc_nam["count"] == 24
    # Nothing of a level at or above the unit's lies below it; a commune has no children.
    assert client.get("/api/v1/units/d218/children/?year=2023&month=5&level=2").json()["count"] == 0
    commune = demo.luc_nam.children.first()
    url = f"/api/v1/units/{commune.url_code}/children/?year=2023&month=5"
    assert client.get(url).json()["results"] == []


@pytest.mark.django_db
def test_a_bad_query_is_400_with_the_reason(demo):
    client = token_client(demo.officer)
    for query, field in [
        ("", "year"),
        ("?year=abc&month=5", "year"),
        ("?year=2023&month=13", "month"),
        ("?year=2023", "month"),
        ("?year=2023&month=5&level=9", "level"),
    ]:
        response = client.get("/api/v1/units/p24/children/" + query)
        assert response.status_code == 400, query
        assert field in response.json(), query


@pytest.mark.django_db
def test_years_and_months_are_read_like_the_entry_grid_and_the_import(demo):
    """bhxh_dashboard.parsing: "05" and "5.0" are May; a refusal says why, in the same words."""
    client = token_client(demo.officer)
    for query in ("?year=2023&month=05", "?year=2023.0&month=5.0", "?year= 2023 &month=5"):
        response = client.get("/api/v1/units/p24/progress/" + query)
        assert response.status_code == 200, query
        assert [row["month"] for row in response.json()] == [5], query
    body = client.get("/api/v1/units/p24/progress/?year=2023&month=13").json()
    assert body == {"month": ["“13” phải từ 1 đến 12."]}
    body = client.get("/api/v1/units/p24/progress/?year=-2023").json()
    assert body == {"year": ["“-2023” là số âm."]}


@pytest.mark.django_db
def test_the_token_page_shows_a_new_key_once_and_replaces_it(client, demo):
    assert client.get("/api/token/").status_code == 302
    client.force_login(demo.nobody)
    assert client.get("/api/token/").status_code == 403
    client.force_login(demo.officer)
    assert "token-key" not in client.get("/api/token/").content.decode()
    made = client.post("/api/token/").content.decode()
    first = re.search(r'<code id="token-key">(\w+)</code>', made).group(1)
    assert "chỉ hiện một lần" in made
    later = client.get("/api/token/").content.decode()
    assert first not in later and f"Khóa {first[:8]}…" in later  # recognisable, not readable
    assert token_client_with_key(first).get("/api/v1/units/p24/").status_code == 200
    client.post("/api/token/")
    assert token_client_with_key(first).get("/api/v1/units/p24/").status_code == 401
    assert token_client(None).get("/api/v1/units/p24/").status_code == 401


def token_client_with_key(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.mark.django_db
def test_keys_are_stored_hashed(demo):
    key = token_replace(user=demo.officer).key
    stored = ApiToken.objects.get(user=demo.officer)
    assert stored.key_hash == key_hash(key) != key
    assert key not in {stored.key_hash, stored.prefix}


@pytest.mark.django_db
def test_a_key_stops_working_when_it_expires(demo, travel, settings):
    key = token_replace(user=demo.officer).key
    assert token_client_with_key(key).get("/api/v1/units/p24/").status_code == 200
    travel.shift(dt.timedelta(days=settings.API_TOKEN_DAYS, seconds=1))
    expired = token_client_with_key(key).get("/api/v1/units/p24/")
    assert expired.status_code == 401
    assert "hết hạn" in expired.json()["detail"]


@pytest.mark.django_db
def test_the_token_page_says_when_the_key_expired(client, demo, travel, settings):
    client.force_login(demo.officer)
    client.post("/api/token/")
    travel.shift(dt.timedelta(days=settings.API_TOKEN_DAYS + 1))
    client.force_login(demo.officer)  # the session of 91 days ago has expired
    assert "Đã hết hạn" in client.get("/api/token/").content.decode()


@pytest.mark.django_db
def test_the_api_token_command_prints_a_new_key_and_never_an_old_one(demo, capsys):
    from django.core.management.base import CommandError

    call_command("api_token", "bacgiang")
    key = capsys.readouterr().out.strip()
    assert token_client_with_key(key).get("/api/v1/units/p24/").status_code == 200
    with pytest.raises(CommandError, match="cannot be shown again"):
        call_command("api_token", "bacgiang")
    call_command("api_token", "bacgiang", "--reset")
    assert capsys.readouterr().out.strip() != key
    assert token_client_with_key(key).get("/api/v1/units/p24/").status_code == 401


@pytest.mark.django_db
def test_the_openapi_schema_is_served_without_a_token(client, demo):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/units/{code}/children/" in response.content


@pytest.mark.django_db
def test_a_month_being_reported_gives_the_estimate_and_what_was_reported(demo):
    from progress.tests.test_estimates import save_luc_nam_june

    may = save_luc_nam_june(demo, rise=7)
    body = token_client(demo.officer).get("/api/v1/units/p24/progress/?year=2023&month=6").json()
    june = body[0]
    assert june["participants"] == 44134 + 7 * len(may)
    assert june["participants_reported"] == sum(r.participants + 7 for r in may.values())
    assert june["communes_reported"] == 24
    assert june["communes_estimated"] == june["communes_total"] - 24
    may_body = token_client(demo.officer).get("/api/v1/units/p24/progress/?year=2023&month=5")
    assert may_body.json()[0]["communes_estimated"] == 0
