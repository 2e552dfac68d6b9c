"""The header search: any unit of either map the user may read, typed loosely ("huyen luc nam",
"tp bac giang", "lucngan", "doi ngo"), as suggestions (JSON) and on the search page."""

import pytest

from conftest import load_tree
from provinces.access import unit_by_url_code
from provinces.loader import load_new_map
from provinces.models import Profile, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def both_maps(django_user_model):
    load_tree(24, 27)  # old Bắc Giang (with Huyện Lục Nam) and old Bắc Ninh
    load_new_map({"24"})  # today's Bắc Ninh

    def user(name: str, role: str, url_code: str):
        account = django_user_model.objects.create_user(name, password="pw")
        Profile.objects.create(user=account, role=role, unit=unit_by_url_code(url_code))
        return account

    return {
        "bacninh": user("bacninh-test", Role.PROVINCIAL_OFFICER, "t24"),
        "old_bacninh": user("old-bacninh-test", Role.PROVINCIAL_OFFICER, "p27"),
        "lucnam": user("lucnam-test", Role.DISTRICT_STAFF, "d218"),
        "nobody": django_user_model.objects.create_user("nobody-test", password="pw"),
    }


def suggest(client, text: str) -> list[dict]:
    response = client.get("/tim-kiem/goi-y/", {"q": text})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()["results"]


@pytest.mark.parametrize(
    ("typed", "code", "name"),
    [
        ("huyen luc nam", "d218", "Huyện Lục Nam"),  # with the type word, no diacritics
        ("Lục Nam", "d218", "Huyện Lục Nam"),
        ("lucngan", "d219", "Huyện Lục Ngạn"),  # no space
        ("tp bac giang", "d213", "Thành phố Bắc Giang"),  # the type word abbreviated
        ("TP. Bắc Giang", "d213", "Thành phố Bắc Giang"),
        ("bac ninh", "t24", "Tỉnh Bắc Ninh"),  # today's map
    ],
)
def test_a_loosely_typed_name_finds_the_unit_first(client, both_maps, typed, code, name):
    client.force_login(both_maps["bacninh"])
    found = suggest(client, typed)
    assert found[0]["code"] == code
    assert found[0]["name"] == name
    assert found[0]["url"] == f"/u/{code}/"


def test_a_commune_is_found_with_its_level_parents_and_period(client, both_maps):
    client.force_login(both_maps["bacninh"])
    found = {r["code"]: r for r in suggest(client, "doi ngo")}
    old = next(r for r in found.values() if r["code"].startswith("c"))
    assert old["name"] == "Thị trấn Đồi Ngô"
    assert old["level"] == "Xã/phường"
    assert old["parent"] == "Huyện Lục Nam, Tỉnh Bắc Giang"
    assert old["period"] == "đến 30/06/2025"
    today = suggest(client, "bac ninh")[0]
    assert today["period"] == "từ 01/07/2025" and today["level"] == "Tỉnh/thành phố"
    # both maps: the old province of the same name too
    assert "p27" in {r["code"] for r in suggest(client, "bac ninh")}


def test_suggestions_and_the_search_page_show_only_what_the_user_may_read(client, both_maps):
    assert client.get("/tim-kiem/goi-y/", {"q": "luc nam"}).status_code == 302  # to sign in
    client.force_login(both_maps["nobody"])
    assert client.get("/tim-kiem/goi-y/", {"q": "luc nam"}).status_code == 403
    client.force_login(both_maps["old_bacninh"])
    assert suggest(client, "luc nam") == []
    assert suggest(client, "tu son")  # old Bắc Ninh's own town
    client.force_login(both_maps["lucnam"])
    assert [r["code"] for r in suggest(client, "huyen luc nam")] == ["d218"]
    assert suggest(client, "lucngan") == []  # another district
    assert suggest(client, "doi ngo")[0]["name"] == "Thị trấn Đồi Ngô"
    page = client.get("/tim-kiem/", {"q": "lucngan"}).content.decode()
    assert 'data-result="d219"' not in page


def test_the_search_page_lists_level_parents_and_period(client, both_maps):
    client.force_login(both_maps["bacninh"])
    page = client.get("/tim-kiem/", {"q": "doi ngo"}).content.decode()
    assert "Thị trấn Đồi Ngô" in page and "Huyện Lục Nam, Tỉnh Bắc Giang" in page
    assert "Địa giới hành chính đến 30/06/2025" in page


def test_every_page_has_the_search_box_in_its_header(client, both_maps):
    client.force_login(both_maps["bacninh"])
    page = client.get("/u/t24/").content.decode()
    assert 'class="headsearch" role="search" method="get" action="/tim-kiem/"' in page
    assert 'data-suggest="/tim-kiem/goi-y/"' in page


def test_suggestions_cost_a_fixed_number_of_queries(
    client, both_maps, django_assert_max_num_queries
):
    client.force_login(both_maps["bacninh"])
    with django_assert_max_num_queries(6):
        assert len(suggest(client, "xa")) == 8
