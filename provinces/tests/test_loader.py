import pytest

from conftest import BAC_GIANG, load_tree
from provinces.loader import load_admin_units, read_package_tree, split_name
from provinces.models import DivisionType, Level, Unit


@pytest.mark.django_db
def test_whole_country_loads_with_official_counts_and_a_second_run_changes_nothing():
    first = load_admin_units()
    assert first.total[Level.PROVINCE] == 63
    assert first.total[Level.DISTRICT] == 696
    assert first.total[Level.COMMUNE] == 10_051
    second = load_admin_units()
    assert second.created == {0: 0, 1: 0, 2: 0, 3: 0}
    assert second.updated == {0: 0, 1: 0, 2: 0, 3: 0}
    # The five island districts with no communes are there too (the package's enums miss them).
    assert Unit.objects.districts().filter(children__isnull=True).count() == 5


@pytest.mark.django_db
def test_codes_are_zero_padded_and_names_short_with_real_division_type():
    load_tree(1, BAC_GIANG)
    ha_noi = Unit.objects.get(level=Level.PROVINCE, code="01")
    assert (ha_noi.name, ha_noi.full_name) == ("Hà Nội", "Thành phố Hà Nội")
    assert ha_noi.division_type == DivisionType.CENTRAL_CITY
    phuc_xa = Unit.objects.get(level=Level.COMMUNE, code="00001")
    assert (phuc_xa.name, phuc_xa.division_type) == ("Phúc Xá", DivisionType.WARD)
    viet_yen = Unit.objects.get(level=Level.DISTRICT, code="222")
    assert (viet_yen.name, viet_yen.division_type) == ("Việt Yên", DivisionType.DISTRICT_TOWN)
    assert phuc_xa.province == ha_noi and phuc_xa.district.code == "001"


def test_name_prefixes_give_the_division_type_and_keep_numbered_names_whole():
    assert split_name(Level.DISTRICT, "Quận 1") == ("Quận 1", "Quận 1", DivisionType.URBAN_DISTRICT)
    assert split_name(Level.DISTRICT, "Thành Phố Bắc Kạn") == (
        "Bắc Kạn",
        "Thành phố Bắc Kạn",
        DivisionType.PROVINCIAL_CITY,
    )
    assert split_name(Level.COMMUNE, "Thị trấn Chũ")[2] == DivisionType.TOWNSHIP


@pytest.mark.django_db
def test_a_renamed_unit_is_updated_in_place():
    load_tree(BAC_GIANG)
    tree = [p for p in read_package_tree() if p["code"] == BAC_GIANG]
    renamed = [{**tree[0], "name": "Tỉnh Bắc Giang Mới"}]
    result = load_admin_units(renamed)
    assert result.updated[Level.PROVINCE] == 1
    assert result.created[Level.COMMUNE] == 0
    assert Unit.objects.get(level=Level.PROVINCE, code="24").name == "Bắc Giang Mới"


@pytest.mark.django_db
def test_an_interrupted_load_leaves_no_partial_tree(monkeypatch):
    from provinces import loader

    real_bulk_create = Unit.objects.bulk_create
    calls = []

    def failing_bulk_create(objs, **kwargs):
        calls.append(len(objs))
        if len(calls) == 3:  # the communes
            raise KeyboardInterrupt
        return real_bulk_create(objs, **kwargs)

    monkeypatch.setattr(Unit.objects, "bulk_create", failing_bulk_create)
    with pytest.raises(KeyboardInterrupt):
        loader.load_admin_units([p for p in read_package_tree() if p["code"] == BAC_GIANG])
    monkeypatch.undo()
    assert Unit.objects.exclude(level=Level.NATION).count() == 0
    load_tree(BAC_GIANG)
    assert Unit.objects.communes().count() == 195


@pytest.mark.django_db
def test_search_finds_units_with_or_without_diacritics():
    load_tree(BAC_GIANG)
    for query in ("Bắc Giang", "bac giang", "BAC  GIANG"):
        found = Unit.objects.search(query).provinces()
        assert [u.code for u in found] == ["24"]
    assert Unit.objects.search("luc ngan").districts().get().name == "Lục Ngạn"


@pytest.mark.django_db
def test_a_province_subtree_is_one_filter():
    load_tree(BAC_GIANG, 20)
    bac_giang = Unit.objects.get(level=Level.PROVINCE, code="24")
    subtree = Unit.objects.within(bac_giang)
    assert subtree.count() == 1 + 10 + 195
    assert not subtree.exclude(province=bac_giang).exists()
