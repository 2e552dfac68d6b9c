"""The maps: the country's provinces as tiles and a province's communes as dots, placed by the
centroids the project loads, coloured by completion against the expected pace; Hoàng Sa and
Trường Sa drawn and named with Đà Nẵng and Khánh Hòa; a click leads to the unit's page."""

import datetime as dt
import json

import pytest

from conftest import load_tree
from progress import readings
from progress.models import Progress
from provinces.loader import load_new_map
from provinces.models import DivisionType, Level, Unit
from provinces.reform import read_new_map
from provinces.reform.sources import read_vau_centroids
from reports.maps import tile_positions

pytestmark = pytest.mark.django_db


def figure(response) -> dict:
    page = response.content.decode()
    start = page.index('<script id="map-data" type="application/json">') + len(
        '<script id="map-data" type="application/json">'
    )
    text = json.loads(page[start : page.index("</script>", start)])
    return json.loads(text) if isinstance(text, str) else text


def points(fig: dict, *, islands: bool = False) -> dict[str, dict]:
    """Each drawn unit (or island) by the URL a click opens (without the period): its trace's
    name and hover."""
    drawn = {}
    for trace in fig["data"]:
        if (trace["name"] == ISLANDS) != islands:
            continue
        for (url, hover), x, y in zip(trace["customdata"], trace["x"], trace["y"], strict=True):
            drawn[url.split("?")[0]] = {"trace": trace["name"], "hover": hover, "x": x, "y": y}
    return drawn


ISLANDS = "Quần đảo của Việt Nam"


def test_every_unit_of_todays_map_and_every_old_province_has_a_centroid():
    centroids = read_vau_centroids()
    new_map = read_new_map()
    assert len(new_map.provinces) == 34 and len(new_map.communes) == 3321
    for code in new_map.provinces:
        lat, lon = centroids[(Level.PROVINCE, code, True)]
        assert 8 < lat < 24 and 102 < lon < 110, code  # on the mainland
    for code in new_map.communes:
        lat, lon = centroids[(Level.COMMUNE, code, True)]
        assert 8 < lat < 24 and 102 < lon < 118, code
    assert sum(1 for level, _c, new in centroids if level == Level.PROVINCE and not new) == 63


def test_loading_todays_map_stores_every_centroid_on_the_units():
    load_tree()  # the nation only
    load_new_map()
    today = Unit.objects.filter(valid_from__isnull=False)
    assert today.filter(level=Level.PROVINCE, lat__isnull=False).count() == 34
    assert today.filter(level=Level.COMMUNE, lat__isnull=False).count() == 3321
    assert not today.filter(lat__isnull=True).exists()


def test_tiles_of_close_provinces_do_not_overlap():
    placed = tile_positions([(105.70, 21.00), (105.72, 21.02), (105.69, 20.99)], 0.8)
    assert len(set(placed)) == 3


def test_the_country_map_draws_every_province_and_the_islands_as_vietnams(client, demo):
    load_new_map({"24", "20", "48", "56"})  # Đà Nẵng and Khánh Hòa too, with their islands
    client.force_login(demo.national)
    response = client.get("/u/vn/ban-do/", {"year": 2026, "month": 5})
    assert response.status_code == 200
    drawn = points(figure(response))
    provinces = Unit.objects.filter(level=Level.PROVINCE, valid_from__isnull=False)
    assert {f"/u/{p.url_code}/" for p in provinces} <= set(drawn)
    # Hoàng Sa belongs to Đà Nẵng, Trường Sa to Khánh Hòa: named so, and a click opens them
    islands = points(figure(response), islands=True)
    hoang_sa, truong_sa = islands["/u/t48/"], islands["/u/t56/"]
    assert hoang_sa["hover"] == "Quần đảo Hoàng Sa (Thành phố Đà Nẵng)"
    assert truong_sa["hover"] == "Quần đảo Trường Sa (Tỉnh Khánh Hòa)"
    assert hoang_sa["x"] > 111 and hoang_sa["y"] > 16  # out at sea, not on the mainland
    assert truong_sa["x"] > 113 and truong_sa["y"] < 11
    page = response.content.decode()
    assert "Quần đảo Hoàng Sa thuộc Thành phố Đà Nẵng." in page
    assert "Quần đảo Trường Sa thuộc Tỉnh Khánh Hòa." in page


def test_a_province_is_coloured_by_its_completion_against_the_expected_pace(client, demo):
    # A province of today's map with no figures yet (the demo world has figures for both of its).
    nation = Unit.objects.get(level=Level.NATION)
    da_nang = Unit.objects.create(
        level=Level.PROVINCE,
        code="48",
        name="Đà Nẵng",
        full_name="Thành phố Đà Nẵng",
        division_type=DivisionType.CENTRAL_CITY,
        search_key="da nang",
        parent=nation,
        valid_from=dt.date(2025, 7, 1),
        lat=16.05,
        lon=108.2,
    )
    da_nang.province = da_nang
    da_nang.save(update_fields=["province"])
    client.force_login(demo.national)
    response = client.get("/u/vn/ban-do/", {"year": 2026, "month": 5})
    row = Progress.objects.get(unit=demo.bac_ninh, year=2026, month=5)
    light = readings.light(row, readings.main_kind(row))
    expected = {"green": "Đúng tiến độ", "amber": "Chậm nhẹ", "red": "Chậm nhiều"}[light]
    bac_ninh = points(figure(response))["/u/t24/"]
    assert expected in bac_ninh["trace"]
    assert "Tỉnh Bắc Ninh" in bac_ninh["hover"]
    # Vietnamese formats in the hover: 1.234 and 84,65%
    assert f"{row.participants:,}".replace(",", ".") in bac_ninh["hover"]
    assert f"{row.completion_pct}".replace(".", ",") + "%" in bac_ninh["hover"]
    # the text alternative: every unit in a table, linked, with its light
    page = response.content.decode()
    assert '<tr data-unit="t24"><td><a href="/u/t24/?year=2026&amp;month=5">' in page
    # a province of the map without figures is drawn too, grey
    others = [p for u, p in points(figure(response)).items() if u not in ("/u/t24/", "/u/t20/")]
    assert len(others) == 1 and "Chưa rõ" in others[0]["trace"]
    assert "Thành phố Đà Nẵng" in others[0]["hover"]


def test_a_provinces_map_draws_its_communes_and_leads_to_them(client, demo):
    client.force_login(demo.today_officer)
    response = client.get("/u/t24/ban-do/", {"year": 2026, "month": 5})
    drawn = points(figure(response))
    communes = Unit.objects.filter(level=Level.COMMUNE, province=demo.bac_ninh)
    assert {f"/u/{c.url_code}/" for c in communes} == set(drawn)
    assert all(
        "year=2026&month=5" in url for t in figure(response)["data"] for url, _h in t["customdata"]
    )
    # the old map: old Bắc Giang's communes, for its officer
    client.force_login(demo.officer)
    response = client.get("/u/p24/ban-do/", {"year": 2023, "month": 5})
    old = points(figure(response))
    communes = Unit.objects.filter(level=Level.COMMUNE, province=demo.bac_giang)
    placed = communes.filter(lat__isnull=False)
    assert {f"/u/{c.url_code}/" for c in placed} == set(old)
    # the few the data does not place are named, and in the table with the others
    assert 0 < communes.count() - len(old) <= 5
    page = response.content.decode()
    assert "đơn vị chưa có toạ độ" in page
    assert page.count("<tr data-unit=") == communes.count()


def test_maps_show_only_what_the_user_may_read(client, demo):
    assert client.get("/u/t24/ban-do/").status_code == 302  # to sign in
    client.force_login(demo.other_officer)  # Lạng Sơn's officer
    assert client.get("/u/t24/ban-do/").status_code == 404
    assert client.get("/u/vn/ban-do/").status_code == 404
    assert client.get("/u/p20/ban-do/").status_code == 200
    client.force_login(demo.clerk)  # Lục Nam's district staff: their district's communes only
    assert client.get("/u/p24/ban-do/").status_code == 404
    drawn = points(figure(client.get("/u/d218/ban-do/", {"year": 2023, "month": 5})))
    assert set(drawn) == {f"/u/{c.url_code}/" for c in demo.luc_nam.children.all()}
    assert client.get(f"/u/{demo.luc_nam.children.first().url_code}/ban-do/").status_code == 404


def test_a_map_costs_a_fixed_number_of_queries(client, demo, django_assert_max_num_queries):
    client.force_login(demo.national)
    with django_assert_max_num_queries(14):
        client.get("/u/vn/ban-do/", {"year": 2026, "month": 5})
    client.force_login(demo.today_officer)
    with django_assert_max_num_queries(14):
        client.get("/u/t24/ban-do/", {"year": 2026, "month": 5})
