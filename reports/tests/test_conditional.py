"""A page whose figures did not change costs little: a repeat visit is answered 304 Not Modified,
and its data part is kept under a key that names the data version, language, scope and the
query as the filter reads it (reports/conditional.py)."""

import pytest
from django.core.cache import cache

from progress.models import RecomputeState
from progress.services import recompute_province

PAGE = "/u/p24/?year=2023&month=5"


def part_keys() -> list[str]:
    redis = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    return sorted(k.decode() for k in redis.scan_iter(match="*reports:part:*"))


@pytest.fixture
def officer(demo, client):
    client.force_login(demo.officer)
    return client


def test_a_repeat_visit_with_unchanged_figures_is_answered_304(officer):
    first = officer.get(PAGE)
    assert first.status_code == 200
    assert first["Cache-Control"] == "private, no-cache"
    again = officer.get(PAGE, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def test_a_recompute_changes_the_page_so_the_next_visit_gets_it_in_full(demo, officer):
    first = officer.get(PAGE)
    recompute_province(province_id=demo.bac_giang.pk, year=2023)
    again = officer.get(PAGE, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    assert "Tỉnh Bắc Giang" in again.content.decode()


def test_a_save_waiting_for_its_recompute_changes_the_page(demo, officer):
    first = officer.get(PAGE)
    from bhxh_dashboard import clock

    RecomputeState.objects.filter(province=demo.bac_giang, year=2023).update(
        requested_at=clock.now()
    )
    again = officer.get(PAGE, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert "Đang cập nhật số liệu mới" in again.content.decode()


def test_each_language_has_its_own_etag(officer):
    vietnamese = officer.get(PAGE)
    officer.cookies["django_language"] = "en"
    english = officer.get(PAGE, HTTP_IF_NONE_MATCH=vietnamese["ETag"])
    assert english.status_code == 200
    assert english["ETag"] != vietnamese["ETag"]
    assert b'lang="en"' in english.content


def test_each_reader_has_their_own_etag(demo, client):
    client.force_login(demo.officer)
    officers = client.get(PAGE)
    client.force_login(demo.manager)
    managers = client.get(PAGE, HTTP_IF_NONE_MATCH=officers["ETag"])
    assert managers.status_code == 200
    assert managers["ETag"] != officers["ETag"]
    # The officer's scope reaches the target grids, the manager's does not: their own page each.
    assert b"Giao ch" in officers.content and b"Giao ch" not in managers.content


def test_a_page_with_a_message_to_show_is_not_answered_304(officer):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest, HttpResponse

    first = officer.get(PAGE)
    storage, carrier = CookieStorage(HttpRequest()), HttpResponse()
    storage.add(constants.SUCCESS, "Đã lưu.")
    storage.update(carrier)
    officer.cookies["messages"] = carrier.cookies["messages"].value
    again = officer.get(PAGE, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert "Đã lưu." in again.content.decode()


def test_anonymous_is_still_sent_to_the_login_page(demo, client):
    response = client.get(PAGE, HTTP_IF_NONE_MATCH='"anything"')
    assert response.status_code == 302


def test_a_name_typed_differently_shares_one_kept_data_part(officer):
    officer.get(PAGE + "&q=luc+nam")
    kept = part_keys()
    assert len(kept) == 1
    for variant in ["&q=Lục+Nam", "&q=++luc+nam++", "&q=LỤC%20NAM%20"]:
        html = officer.get(PAGE + variant).content.decode()
        assert "Lục Nam" in html
    assert part_keys() == kept


def test_made_up_parameters_are_rendered_but_not_kept(officer):
    response = officer.get(PAGE + "&utm_source=x&nonce=1")
    assert response.status_code == 200
    assert part_keys() == []


def test_the_kept_part_is_shared_by_readers_of_one_scope_only(demo, client):
    client.force_login(demo.officer)
    client.get(PAGE)
    client.force_login(demo.manager)  # the same province: the same data part
    client.get(PAGE)
    assert len(part_keys()) == 1
    client.force_login(demo.national)  # the nation's scope: crumbs and links differ
    client.get(PAGE)
    assert len(part_keys()) == 2


def test_the_reporting_status_page_is_answered_304_too(officer):
    url = "/u/p24/bao-cao/?year=2023&month=5"
    first = officer.get(url)
    assert officer.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
