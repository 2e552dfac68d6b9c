"""Today's map and the crosswalk from the old one (provinces/reform), checked against REFORM.md and
against each other: the official table (vietnam-provinces 2026.9.0) and the name converter and
tables of vietnamadminunits 1.0.4 are read independently and compared code by code.

No database: every reader is a pure function of the packages' files, read once per session.
"""

import collections
import datetime as dt
import re
import time
import unicodedata

import pytest

from provinces import reform
from provinces.loader import read_package_tree
from provinces.models import DivisionType
from provinces.reform import sources
from provinces.reform.crosswalk import _name_key

# The five island districts of the old map that had no communes, and the special zones they became.
ISLAND_ZONES = {
    "318": ("Bạch Long Vĩ", "31"),
    "471": ("Cồn Cỏ", "44"),
    "498": ("Hoàng Sa", "48"),
    "536": ("Lý Sơn", "51"),
    "755": ("Côn Đảo", "79"),
}


@pytest.fixture(scope="session", autouse=True)
def reform_data(pytestconfig):
    """Read everything once, up front, and say how long it took."""
    started = time.perf_counter()
    reform.read_new_map()
    reform.read_crosswalk()
    reform.province_crosswalk()
    elapsed = time.perf_counter() - started
    with pytestconfig.pluginmanager.get_plugin("capturemanager").global_and_fixture_disabled():
        print(f"\nprovinces/reform: today's map and the crosswalk read in {elapsed:.2f} s")


@pytest.fixture(scope="session")
def old_tree():
    """The 0.6.0 tree: commune code -> (name, district code, province code)."""
    return {
        f"{ward['code']:05d}": (ward["name"], f"{district['code']:03d}", f"{province['code']:02d}")
        for province in read_package_tree()
        for district in province["districts"]
        for ward in district["wards"]
    }


def new_province_of(code):
    return reform.read_new_map().communes[code].province_code


# --- today's map -------------------------------------------------------------------------------


def test_new_map_has_34_provinces_28_tinh_and_6_central_cities():
    provinces = reform.read_new_map().provinces
    assert len(provinces) == 34
    types = collections.Counter(p.division_type for p in provinces.values())
    assert types == {reform.NewDivisionType.PROVINCE: 28, reform.NewDivisionType.CENTRAL_CITY: 6}
    cities = {p.name for p in provinces.values() if p.division_type == "thanh_pho_tw"}
    assert cities == {"Hà Nội", "Hải Phòng", "Huế", "Đà Nẵng", "Hồ Chí Minh", "Cần Thơ"}


def test_new_map_has_3321_communes_2621_xa_687_phuong_13_special_zones():
    communes = reform.read_new_map().communes
    assert len(communes) == 3_321
    types = collections.Counter(c.division_type for c in communes.values())
    assert types == {"xa": 2_621, "phuong": 687, "dac_khu": 13}
    assert {c.province_code for c in communes.values()} == set(reform.read_new_map().provinces)


def test_codes_are_zero_padded_and_names_short_with_the_prefix_in_the_full_name():
    new_map = reform.read_new_map()
    assert all(re.fullmatch(r"\d\d", code) for code in new_map.provinces)
    assert all(re.fullmatch(r"\d{5}", code) for code in new_map.communes)
    assert new_map.provinces["24"].full_name == "Tỉnh Bắc Ninh"
    assert new_map.provinces["79"].full_name == "Thành phố Hồ Chí Minh"
    ba_dinh = new_map.communes["00004"]
    assert (ba_dinh.name, ba_dinh.full_name, ba_dinh.division_type) == (
        "Ba Đình",
        "Phường Ba Đình",
        "phuong",
    )
    # The package writes this one "xã Bắc Sơn".
    assert new_map.communes["06325"].full_name == "Xã Bắc Sơn"


def test_division_types_use_the_models_values_where_the_model_has_the_type():
    assert reform.NewDivisionType.PROVINCE == DivisionType.PROVINCE
    assert reform.NewDivisionType.CENTRAL_CITY == DivisionType.CENTRAL_CITY
    assert reform.NewDivisionType.COMMUNE == DivisionType.COMMUNE
    assert reform.NewDivisionType.WARD == DivisionType.WARD
    assert reform.NewDivisionType.SPECIAL_ZONE == DivisionType.SPECIAL_ZONE


def test_every_type_applies_from_the_reform_day_and_the_data_is_of_september_2026():
    new_map = reform.read_new_map()
    assert reform.REFORM_DATE == reform.read_official_table().effective_date == dt.date(2025, 7, 1)
    units = [*new_map.provinces.values(), *new_map.communes.values()]
    assert {unit.type_from for unit in units} == {reform.REFORM_DATE}
    assert new_map.as_of == dt.date(2026, 9, 20)


def test_dong_nai_becoming_a_central_city_in_april_2026_is_not_in_this_data():
    """REFORM.md: Đồng Nai became a centrally-run city on 30/04/2026 and ten of its communes became
    phường. The data, taken on 20/09/2026, still has the July 2025 state: that change has to come
    from elsewhere, with its own date. This test fails when a newer package carries it."""
    new_map = reform.read_new_map()
    assert new_map.provinces["75"].division_type == "tinh"
    dong_nai = collections.Counter(
        c.division_type for c in new_map.communes.values() if c.province_code == "75"
    )
    assert dong_nai == {"xa": 72, "phuong": 23}


def _comparable(name):
    """Names may differ only in tone-mark placement (Hoà / Hòa, Thuỷ / Thủy), the apostrophe
    (’ / ') and the case of the prefix."""
    name = unicodedata.normalize("NFC", name).lower().replace("’", "'")
    for old_style, new_style in {
        "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
        "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
    }.items():  # fmt: skip
        name = name.replace(old_style, new_style)
    return name


def test_new_map_matches_vietnamadminunits_code_by_code():
    ours = reform.read_new_map()
    theirs = sources.read_vau_new_units()
    assert set(ours.communes) == set(theirs)
    assert {code: c.province_code for code, c in ours.communes.items()} == {
        code: unit.province_code for code, unit in theirs.items()
    }
    assert {c.province_code: c.province_name for c in theirs.values()} == {
        code: p.full_name for code, p in ours.provinces.items()
    }
    differing = {code for code, c in ours.communes.items() if c.full_name != theirs[code].name}
    assert len(differing) == 17  # all spelling: "Xã Thuận Hoà" / "Xã Thuận Hòa", "Ea H’Leo" ...
    assert not {
        code
        for code in differing
        if _comparable(ours.communes[code].full_name) != _comparable(theirs[code].name)
    }


_TYPE = {"Xã": "xa", "Phường": "phuong", "Đặc khu": "dac_khu"}


def test_division_types_agree_with_vietnamadminunits_but_for_its_four_slips():
    """vietnamadminunits (August 2025) swaps the type of two pairs of communes; its own names
    say ours is right. Otherwise the types are the same, so none changed after July 2025."""
    ours = reform.read_new_map().communes
    theirs = sources.read_vau_new_units()
    differ = {
        code for code, c in ours.items() if c.division_type != _TYPE[theirs[code].division_type]
    }
    assert differ == {"10543", "11848", "31213", "31299"}
    for code in differ:
        assert theirs[code].name.startswith(("Xã", "Phường")[ours[code].division_type == "phuong"])


def test_ba_che_is_06970_everywhere_and_06978_nowhere(old_tree):
    """REFORM.md warns of Xã Ba Chẽ as 06970 in the official table and 06978 elsewhere; in these
    package versions every source says 06970, and the official code would win anyway."""
    assert reform.read_new_map().communes["06970"].full_name == "Xã Ba Chẽ"
    assert sources.read_vau_new_units()["06970"].name == "Xã Ba Chẽ"
    official_new = {c for row in reform.read_official_table().rows.values() for c in row.new_codes}
    assert "06970" in official_new
    for codes in (reform.read_new_map().communes, sources.read_vau_new_units(), official_new):
        assert "06978" not in codes
    assert "06978" not in old_tree


# --- the commune crosswalk ---------------------------------------------------------------------


def test_every_old_commune_maps_to_at_least_one_new_commune(old_tree):
    crosswalk = reform.read_crosswalk()
    assert len(old_tree) == 10_051
    assert set(crosswalk) == set(old_tree)
    new_communes = reform.read_new_map().communes
    assert all(successors for successors in crosswalk.values())
    assert {s.code for successors in crosswalk.values() for s in successors} <= set(new_communes)


def test_every_split_old_commune_has_exactly_one_default_successor_listed_first():
    crosswalk = reform.read_crosswalk()
    for code, successors in crosswalk.items():
        assert [s.is_default for s in successors] == [True] + [False] * (len(successors) - 1), code
        assert len({s.code for s in successors}) == len(successors), code
        if len(successors) > 1:
            assert {s.share for s in successors} == {reform.Share.PART}, code
    split = collections.Counter(len(s) for s in crosswalk.values() if len(s) > 1)
    assert split == {2: 367, 3: 54, 4: 17, 5: 1}


def test_default_successors_are_vietnamadminunits_defaults():
    crosswalk = reform.read_crosswalk()
    by_name = reform.read_name_crosswalk()
    bridges = reform.bridges()
    for code, successors in crosswalk.items():
        if len(successors) > 1:
            named = by_name[bridges[code].via if code in bridges else code]
            assert [c for c, is_default in named if is_default] == [successors[0].code], code


def test_every_new_commune_has_an_old_commune_behind_it_except_five_island_zones():
    reached = {s.code for successors in reform.read_crosswalk().values() for s in successors}
    orphans = set(reform.read_new_map().communes) - reached
    assert orphans == set(reform.island_districts().values())
    names = {reform.read_new_map().communes[code].full_name for code in orphans}
    assert names == {f"Đặc khu {name}" for name, _ in ISLAND_ZONES.values()}


def test_island_districts_without_communes_become_their_special_zones():
    communes = reform.read_new_map().communes
    zones = reform.island_districts()
    assert {
        d: (communes[z].name, communes[z].province_code) for d, z in zones.items()
    } == ISLAND_ZONES
    assert {communes[z].division_type for z in zones.values()} == {"dac_khu"}
    childless = {
        f"{district['code']:03d}"
        for province in read_package_tree()
        for district in province["districts"]
        if not district["wards"]
    }
    assert childless == set(zones)


def test_hoang_sa_belongs_to_da_nang_and_truong_sa_to_khanh_hoa(old_tree):
    new_map = reform.read_new_map()
    zones = {c.name: c for c in new_map.communes.values() if c.division_type == "dac_khu"}
    assert zones["Hoàng Sa"].province_code == "48"
    assert new_map.provinces["48"].name == "Đà Nẵng"
    assert zones["Trường Sa"].province_code == "56"
    assert new_map.provinces["56"].name == "Khánh Hòa"
    # Trường Sa had communes before (the old Huyện Trường Sa of Khánh Hòa): they all went there.
    crosswalk = reform.read_crosswalk()
    old_truong_sa = [code for code, (_, district, _) in old_tree.items() if district == "576"]
    assert old_truong_sa
    assert {s.code for code in old_truong_sa for s in crosswalk[code]} == {zones["Trường Sa"].code}


# --- the cross-check of the two sources ---------------------------------------------------------


def unsettled(disagreements, decisions):
    """What the decisions table gets wrong: disagreements it lacks or holds with other answers,
    and decisions that no longer answer a disagreement."""
    missing = {
        code: answers
        for code, answers in disagreements.items()
        if code not in decisions or (decisions[code].official, decisions[code].by_name) != answers
    }
    stale = sorted(set(decisions) - set(disagreements))
    return missing, stale


def test_the_two_crosswalks_disagree_only_where_the_decisions_table_settles_it():
    official = reform.read_official_table().rows
    by_name = reform.read_name_crosswalk()
    shared = set(official) & set(by_name)
    assert len(shared) == 10_033
    disagreements = reform.source_disagreements()
    assert len(shared) - len(disagreements) == 9_996
    missing, stale = unsettled(disagreements, reform.DECISIONS)
    assert not missing, f"Disagreements the decisions table does not settle: {missing}"
    assert not stale, f"Decisions with no disagreement behind them any more: {stale}"


def test_the_cross_check_fails_on_a_missing_or_a_stale_decision():
    disagreements = reform.source_disagreements()
    without_one = {code: d for code, d in reform.DECISIONS.items() if code != "25462"}
    assert unsettled(disagreements, without_one) == ({"25462": disagreements["25462"]}, [])
    with_a_stale_one = {**reform.DECISIONS, "00004": reform.DECISIONS["25462"]}
    assert unsettled(disagreements, with_a_stale_one) == ({}, ["00004"])


def test_sources_never_disagree_completely():
    for code, (official, by_name) in reform.source_disagreements().items():
        assert set(official) & set(by_name), code
        assert set(official) < set(by_name) or set(by_name) < set(official), code


def test_each_name_twin_has_the_same_name_and_province_and_explains_the_extra_successor():
    official = reform.read_official_table().rows
    legacy = {unit.code: unit for unit in sources.read_vau_legacy_units() if unit.code}
    twins = {code: d for code, d in reform.DECISIONS.items() if d.twin}
    assert len(twins) == 30
    for code, decision in twins.items():
        twin = decision.twin
        assert _name_key(legacy[twin].name) == _name_key(legacy[code].name), code
        assert new_province_of(official[twin].new_codes[0]) == new_province_of(decision.official[0])
        extra = set(decision.by_name) - set(decision.official)
        assert extra and extra <= set(official[twin].new_codes), code


def test_the_crosswalk_follows_each_decision():
    crosswalk = reform.read_crosswalk()
    for code, decision in reform.DECISIONS.items():
        taken = decision.official if decision.take is reform.Source.OFFICIAL else decision.by_name
        assert sorted(s.code for s in crosswalk[code]) == list(taken), code
    # Hồng Quang and Công Đa keep their own successor; the communes they absorbed have the other.
    assert [s.code for s in crosswalk["01615"]] == ["01636"]
    assert [s.code for s in crosswalk["01651"]] == ["01648"]
    assert [s.code for s in crosswalk["02485"]] == ["02458"]
    assert [s.code for s in crosswalk["02482"]] == ["02494"]


# --- the wrinkles --------------------------------------------------------------------------------


def test_the_28_communes_merged_in_early_2025_are_bridged(old_tree):
    official = reform.read_official_table().rows
    bridges = reform.bridges()
    assert set(bridges) == set(old_tree) - set(official)
    assert len(bridges) == 28
    methods = collections.Counter(b.method for b in bridges.values())
    assert methods == {"converter": 2, "absorbed": 24, "district": 2}
    crosswalk = reform.read_crosswalk()
    # Xã Chiềng Ly went into Thị trấn Thuận Châu, now Xã Thuận Châu.
    assert bridges["03751"].via == "03721"
    assert [s.code for s in crosswalk["03751"]] == ["03721"]
    # Phường 14 of Bình Thạnh is 26929 in the official table: the official code wins.
    assert bridges["26935"].via == "26929"
    assert reform.read_new_map().communes[crosswalk["26935"][0].code].name == "Bình Thạnh"
    # Phường 15 of Phú Nhuận goes where the merged Phường 15 (27076) went: split in two.
    assert [(s.code, s.is_default) for s in crosswalk["27067"]] == [
        ("27073", True),
        ("27058", False),
    ]
    # No evidence for these two: the most common successor in their old district.
    assert {code for code, b in bridges.items() if b.method == "district"} == {"16411", "25186"}


def test_the_codes_made_by_the_early_2025_mergers_are_absorbers_not_old_communes(old_tree):
    official = reform.read_official_table().rows
    assert set(official) - set(old_tree) == reform.EARLY_2025_CODES
    assert not reform.EARLY_2025_CODES & set(reform.read_crosswalk())
    absorbers = {b.via for b in reform.bridges().values()}
    assert reform.EARLY_2025_CODES - absorbers == {"03980", "03983", "03984"}  # Mộc Châu's phường


def test_an_old_communes_province_is_its_districts_not_the_official_tables_tag(old_tree):
    official = reform.read_official_table().rows
    mistagged = {
        code
        for code, row in official.items()
        if code in old_tree and row.province_code != old_tree[code][2]
    }
    assert mistagged == {"27691", "30781"}
    # Phường 4 of Tân An is Long An's (80), tagged Tiền Giang's (82); it went to Tây Ninh.
    assert old_tree["27691"][2] == "80" and official["27691"].province_code == "82"
    assert new_province_of(reform.read_crosswalk()["27691"][0].code) == "80"
    assert reform.province_crosswalk()["80"] == "80"


# --- provinces and the spot checks ---------------------------------------------------------------


def test_no_old_province_is_split_and_the_province_crosswalk_is_reform_md_table(old_tree):
    reached = collections.defaultdict(set)
    for code, successors in reform.read_crosswalk().items():
        reached[old_tree[code][2]] |= {new_province_of(s.code) for s in successors}
    assert all(len(new) == 1 for new in reached.values()), {
        o: n for o, n in reached.items() if len(n) > 1
    }
    province_crosswalk = reform.province_crosswalk()
    assert {old: new.pop() for old, new in reached.items()} == dict(province_crosswalk)
    assert len(province_crosswalk) == 63 and len(set(province_crosswalk.values())) == 34
    merged = collections.defaultdict(list)
    for old, new in province_crosswalk.items():
        merged[new].append(old)
    assert {new: tuple(sorted(olds)) for new, olds in merged.items()} == reform.PROVINCE_MERGERS
    assert province_crosswalk["27"] == province_crosswalk["24"] == "24"
    assert province_crosswalk["82"] == province_crosswalk["87"] == "82"


def test_luc_nam_communes_of_old_bac_giang_go_to_new_bac_ninh(old_tree):
    luc_nam = [code for code, (_, district, _) in old_tree.items() if district == "218"]
    assert len(luc_nam) > 20
    crosswalk = reform.read_crosswalk()
    assert {new_province_of(s.code) for code in luc_nam for s in crosswalk[code]} == {"24"}
    assert reform.read_new_map().provinces["24"].name == "Bắc Ninh"


def test_lang_son_is_unchanged_as_a_province(old_tree):
    crosswalk = reform.read_crosswalk()
    assert reform.province_crosswalk()["20"] == "20"
    assert [old for old, new in reform.province_crosswalk().items() if new == "20"] == ["20"]
    lang_son_new = {
        code for code, c in reform.read_new_map().communes.items() if c.province_code == "20"
    }
    from_old = {
        s.code for code, (_, _, p) in old_tree.items() if p == "20" for s in crosswalk[code]
    }
    assert from_old == lang_son_new
    assert reform.read_new_map().provinces["20"].full_name == "Tỉnh Lạng Sơn"


# --- missing data ---------------------------------------------------------------------------------


def test_a_missing_wheel_says_to_run_make_venv(settings, tmp_path):
    settings.VIETNAM_PROVINCES_2026_WHEEL = tmp_path / "absent.whl"
    with pytest.raises(reform.ReformDataMissing, match="run `make venv`"):
        sources.wheel_path()
