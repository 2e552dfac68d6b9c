"""Finding a unit by name on either map, and from an old unit the units that took it over."""

import re

import pytest

from conftest import load_tree
from provinces.access import unit_by_url_code
from provinces.loader import load_new_map
from provinces.models import Level, Profile, Role, Unit

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
    }


def results(client, text: str) -> dict[str, str]:
    page = client.get("/tim-kiem/", {"q": text}).content.decode()
    return dict(re.findall(r'<li data-result="(\w+)">(.*?)</li>', page, re.S))


def test_an_old_name_finds_the_old_unit_and_leads_to_the_units_that_took_it_over(client, both_maps):
    client.force_login(both_maps["bacninh"])
    found = results(client, "luc nam")  # without diacritics
    assert "d218" in found
    luc_nam = found["d218"]
    assert "Huyện Lục Nam" in luc_nam and "Địa giới hành chính đến 30/06/2025" in luc_nam
    # its communes went to communes of today's Bắc Ninh, each linked for this officer
    successors = Unit.objects.filter(
        predecessions__predecessor__district__code="218", level=Level.COMMUNE
    ).distinct()
    assert successors.exists()
    for commune in successors:
        assert f'<a href="/u/{commune.url_code}/">{commune.full_name}</a> (một phần)' in luc_nam

    province = results(client, "Bắc Giang")["p24"]
    assert '<a href="/u/t24/">Tỉnh Bắc Ninh</a>' in province
    # today's Bắc Ninh reads the history of the provinces it took over
    assert client.get("/u/p24/").status_code == 200


def test_search_shows_only_what_the_user_may_read(client, both_maps):
    assert client.get("/tim-kiem/", {"q": "luc nam"}).status_code == 302  # to sign in
    client.force_login(both_maps["old_bacninh"])
    assert results(client, "luc nam") == {}
    page = client.get("/tim-kiem/", {"q": "luc nam"}).content.decode()
    assert "Không tìm thấy đơn vị nào tên “luc nam” trong phạm vi bạn được xem." in page
    # Lục Nam's own staff find it; today's communes are named but not linked (not theirs)
    client.force_login(both_maps["lucnam"])
    luc_nam = results(client, "Lục Nam")["d218"]
    assert "Nay thuộc" in luc_nam and '<a href="/u/x' not in luc_nam


def test_officers_download_the_crosswalk_of_their_province(client, both_maps):
    import csv
    import io

    url = "/u/t24/quy-doi.csv"
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(both_maps["old_bacninh"])  # old Bắc Ninh's officer: not today's Bắc Ninh
    assert client.get(url).status_code == 404
    client.force_login(both_maps["bacninh"])
    page = client.get("/u/t24/").content.decode()
    assert '<a href="/u/t24/quy-doi.csv" data-crosswalk>' in page
    response = client.get(url)
    assert response["Content-Disposition"] == 'attachment; filename="quy-doi-dia-gioi-t24.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Tỉnh mới", "Mã xã mới", "Xã mới"]
    # every old commune of old Bắc Giang and old Bắc Ninh, each with one default successor
    old_communes = Unit.objects.communes().filter(valid_until__isnull=False).count()
    defaults = [r for r in rows[1:] if r[8] == "có"]
    assert len(defaults) == old_communes == 195 + 121
    assert {r[0] for r in rows[1:]} == {"Bắc Ninh"} and {r[3] for r in rows[1:]} == {
        "Bắc Giang",
        "Bắc Ninh",
    }
    # an old province has no crosswalk page of its own: its successor has
    assert client.get("/u/p24/quy-doi.csv").status_code == 404
