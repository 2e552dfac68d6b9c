"""Both maps in the tree, dated, with the crosswalk between them (the reform of 1 July 2025)."""

import datetime as dt

import pytest
from django.db.models import Count

from bhxh_dashboard.months import cutoff_date
from conftest import load_tree
from progress import python_engine, services
from progress.figures import ROW_FIELDS
from progress.models import Progress
from provinces.access import unit_by_url_code
from provinces.loader import load_admin_units, load_new_map
from provinces.models import Level, Share, Succession, Unit
from targets.models import MonthlyCount

pytestmark = pytest.mark.django_db


def provinces_in_force(year: int, month: int) -> int:
    return Unit.objects.provinces().in_force(cutoff_date(year, month)).count()


def test_both_maps_load_with_official_counts_and_a_second_run_changes_nothing(
    client, django_user_model
):
    load_admin_units()
    first = load_new_map()
    assert first.total == {Level.PROVINCE: 34, Level.COMMUNE: 3321}
    old = Unit.objects.filter(valid_from__isnull=True).values("level").annotate(n=Count("pk"))
    assert {r["level"]: r["n"] for r in old} == {0: 1, 1: 63, 2: 696, 3: 10_051}
    again = load_new_map()
    assert sum(again.created.values()) == sum(again.updated.values()) == 0
    assert again.successions == first.successions

    # A year and month resolve to the map in force at the month's cut-off.
    assert provinces_in_force(2024, 5) == 63
    assert provinces_in_force(2025, 6) == 63  # cut off on 25/06/2025, the old map's last month
    assert provinces_in_force(2025, 7) == 34
    assert provinces_in_force(2026, 5) == 34
    assert Unit.objects.communes().in_force(dt.date(2026, 5, 25)).count() == 3321
    assert not Unit.objects.districts().in_force(dt.date(2025, 7, 25)).exists()

    # Codes repeat between the maps: the URL says which map.
    bac_giang, bac_ninh = unit_by_url_code("p24"), unit_by_url_code("t24")
    assert (bac_giang.name, bac_giang.valid_until) == ("Bắc Giang", dt.date(2025, 6, 30))
    assert (bac_ninh.name, bac_ninh.valid_from) == ("Bắc Ninh", dt.date(2025, 7, 1))
    assert bac_ninh.url_code == "t24" and bac_giang.url_code == "p24"

    # Old Bắc Giang and old Bắc Ninh went whole into today's Bắc Ninh.
    assert sorted(
        (s.predecessor.name, s.share) for s in bac_ninh.predecessions.select_related("predecessor")
    ) == [("Bắc Giang", Share.WHOLE), ("Bắc Ninh", Share.WHOLE)]
    # Every old commune has a successor, and a split one exactly one default.
    old_communes = Unit.objects.communes().filter(valid_from__isnull=True)
    assert old_communes.filter(successions__isnull=True).count() == 0
    defaults = Succession.objects.filter(is_default=True, predecessor__level=Level.COMMUNE)
    assert defaults.count() == 10_051
    # Huyện Lục Nam's communes all went to communes of today's Bắc Ninh.
    luc_nam = Unit.objects.get(level=Level.DISTRICT, code="218")
    successors = Unit.objects.filter(predecessions__predecessor__district=luc_nam).distinct()
    assert successors.exists()
    assert set(successors.values_list("province__name", flat=True)) == {"Bắc Ninh"}
    # Hoàng Sa is Đà Nẵng's, Trường Sa Khánh Hòa's.
    zones = {u.name: u.province.name for u in Unit.objects.filter(division_type="dac_khu")}
    assert zones["Hoàng Sa"] == "Đà Nẵng" and zones["Trường Sa"] == "Khánh Hòa"

    # The API lists the provinces in force at the month: one commune of each reported.
    def first_communes(**period):
        return (
            Unit.objects.communes()
            .filter(**period)
            .order_by("province_id", "code")
            .distinct("province_id")
        )

    MonthlyCount.objects.bulk_create(
        [
            *(
                MonthlyCount(commune=c, year=2024, month=5, participants=10)
                for c in first_communes(valid_until__isnull=False)
            ),
            *(
                MonthlyCount(commune=c, year=2026, month=5, participants=10)
                for c in first_communes(valid_from__isnull=False)
            ),
        ]
    )
    services.recompute_all()
    client.force_login(django_user_model.objects.create_superuser("admin-test", password="pw"))
    for year, provinces in ((2024, 63), (2026, 34)):
        url = f"/api/v1/units/vn/children/?year={year}&month=5&page_size=100"
        listed = client.get(url).json()
        assert listed["count"] == provinces, year


@pytest.mark.parametrize("engine", [None, python_engine], ids=["sql", "python"])
def test_the_nations_communes_are_those_of_the_map_in_force_each_month(engine):
    load_tree(24, 27)  # old Bắc Giang and old Bắc Ninh
    load_new_map({"24"})  # today's Bắc Ninh
    old_total = Unit.objects.communes().filter(valid_from__isnull=True).count()
    new_total = Unit.objects.communes().filter(valid_from__isnull=False).count()
    commune = Unit.objects.communes().filter(valid_from__isnull=True).first()
    MonthlyCount.objects.create(
        commune=commune, year=2025, month=3, participants=10, new_participants=1
    )
    services.recompute_all(year=2025, engine=engine)
    nation = dict(
        Progress.objects.filter(level=Level.NATION, year=2025).values_list(
            "month", "communes_total"
        )
    )
    assert nation == {m: old_total if m <= 6 else new_total for m in range(1, 13)}
    assert (old_total, new_total) == (195 + 121, 99)  # old Bắc Giang + old Bắc Ninh -> Bắc Ninh


@pytest.fixture
def reform_year(django_user_model):
    """Three communes of old Bắc Giang and old Bắc Ninh (counts December 2024 to June 2025), the
    communes of today's Bắc Ninh that carry them on (July 2025 to May 2026), a national viewer."""
    from provinces.models import Profile, Role

    load_tree(24, 27)
    load_new_map({"24"})
    old_communes = Unit.objects.communes().filter(valid_from__isnull=True).order_by("code")
    old = [
        *old_communes.filter(province__code="24")[:2],
        *old_communes.filter(province__code="27")[:1],
    ]
    new = list(
        Unit.objects.filter(
            predecessions__predecessor__in=old, predecessions__is_default=True
        ).distinct()
    )
    rows = [MonthlyCount(commune=c, year=2024, month=12, participants=100) for c in old]
    rows += [
        MonthlyCount(commune=c, year=2025, month=m, participants=100 + m, new_participants=1)
        for c in old
        for m in range(1, 7)
    ]
    rows += [
        MonthlyCount(commune=c, year=2025, month=m, participants=200 + m, new_participants=2)
        for c in new
        for m in range(7, 13)
    ]
    rows += [
        MonthlyCount(commune=c, year=2026, month=m, participants=300 + m, new_participants=3)
        for c in new
        for m in range(1, 6)
    ]
    MonthlyCount.objects.bulk_create(rows)
    services.recompute_all()
    user = django_user_model.objects.create_user("quocgia-test", password="pw")
    Profile.objects.create(
        user=user, role=Role.NATIONAL_VIEWER, unit=Unit.objects.get(level=Level.NATION)
    )
    return user


def test_in_2025_old_units_have_january_to_june_and_todays_july_to_december(reform_year):
    bac_giang, bac_ninh = unit_by_url_code("p24"), unit_by_url_code("t24")
    months = lambda unit: sorted(  # noqa: E731
        Progress.objects.filter(unit=unit, year=2025).values_list("month", flat=True)
    )
    assert months(bac_giang) == [1, 2, 3, 4, 5, 6]
    assert months(bac_ninh) == [7, 8, 9, 10, 11, 12]
    january = Progress.objects.get(unit=bac_giang, year=2025, month=1)
    assert (january.participants, january.change_vs_prev_year_end) == (202, 2)  # vs 12/2024
    sql = every_figure()
    Progress.objects.all().delete()
    services.recompute_all(engine=python_engine)
    assert every_figure() == sql


def every_figure() -> dict:
    return {
        (r["unit_id"], r["year"], r["month"]): r
        for r in Progress.objects.values("unit_id", "year", "month", *ROW_FIELDS)
    }


def figure(url_code: str, year: int, month: int) -> Progress:
    return Progress.objects.get(unit=unit_by_url_code(url_code), year=year, month=month)


@pytest.mark.parametrize("engine", [None, python_engine], ids=["sql", "python"])
def test_todays_units_compare_with_the_old_units_they_took_over(reform_year, engine):
    services.recompute_all(engine=engine)
    # Today's Bắc Ninh, May 2026, against old Bắc Giang + old Bắc Ninh, May 2025.
    may_2025 = figure("p24", 2025, 5).participants + figure("p27", 2025, 5).participants
    assert may_2025 == 3 * 105
    may = figure("t24", 2026, 5)
    assert may.same_month_last_year == may_2025
    assert may.change_yoy == may.participants - may_2025
    # July 2025, its first month, against June and December 2024 on the old map.
    july = figure("t24", 2025, 7)
    assert july.change_vs_prev_month == july.participants - 3 * 106
    assert july.change_vs_prev_year_end == july.participants - 3 * 100
    # new participants of 2025 add up across the reform: 3 communes x 6 old months, then ours
    assert july.new_ytd == 3 * 6 + july.new_in_month
    # A commune compares with the old communes it is the default successor of.
    checked = 0
    for successor in Unit.objects.communes().filter(valid_from__isnull=False):
        carried = MonthlyCount.objects.filter(
            year=2025,
            month=5,
            commune__successions__successor=successor,
            commune__successions__is_default=True,
        )
        row = Progress.objects.filter(unit=successor, year=2026, month=5).first()
        if row is not None:
            total = sum(carried.values_list("participants", flat=True)) or None
            assert row.same_month_last_year == total
            checked += 1
    assert checked >= 2


def test_a_correction_on_the_old_map_reaches_the_units_that_carry_it_on(reform_year):
    services.recompute_all()
    before = figure("t24", 2026, 5).same_month_last_year
    count = MonthlyCount.objects.filter(commune__province__code="24", year=2025, month=5).first()
    count.participants += 40
    count.save()
    services.recompute_province(province_id=unit_by_url_code("p24").pk, year=2025)
    assert figure("t24", 2026, 5).same_month_last_year == before + 40
    assert figure("p24", 2025, 5).participants == 2 * 105 + 40


def test_the_api_lists_the_provinces_in_force_at_the_month(client, reform_year):
    client.force_login(reform_year)

    def children(month: int) -> list[str]:
        url = f"/api/v1/units/vn/children/?year=2025&month={month}"
        return [row["unit"] for row in client.get(url).json()["results"]]

    assert children(5) == ["p24", "p27"]  # the old map's Bắc Giang and Bắc Ninh
    assert children(7) == ["t24"]  # today's Bắc Ninh
    unit = client.get("/api/v1/units/t24/").json()
    assert (unit["valid_from"], unit["valid_until"]) == ("2025-07-01", None)
    assert unit["predecessors"] == ["p24", "p27"]
    old = client.get("/api/v1/units/p24/").json()
    assert (old["valid_until"], old["successors"]) == ("2025-06-30", ["t24"])


def test_unit_pages_name_their_map_and_link_across_the_reform(client, reform_year):
    client.force_login(reform_year)
    old = client.get("/u/p24/?year=2025&month=5").content.decode()
    assert "Địa giới hành chính đến 30/06/2025" in old
    assert "Tỉnh Bắc Giang (đến 30/06/2025), nay thuộc" in old
    assert '<a href="/u/t24/">Tỉnh Bắc Ninh</a>' in old
    new = client.get("/u/t24/?year=2025&month=7").content.decode()
    assert "Địa giới hành chính từ 01/07/2025" in new
    assert "Hình thành từ" in new and '<a href="/u/p24/">Tỉnh Bắc Giang</a>' in new
    reporting = client.get("/u/p24/bao-cao/?year=2025&month=5").content.decode()
    assert "Địa giới hành chính đến 30/06/2025" in reporting
    reporting = client.get("/u/t24/bao-cao/?year=2025&month=7").content.decode()
    assert "Địa giới hành chính từ 01/07/2025" in reporting
    nation = client.get("/u/vn/?year=2025&month=7").content.decode()
    assert "Địa giới hành chính từ 01/07/2025" in nation
    assert (
        "Địa giới hành chính đến 30/06/2025"
        in client.get("/u/vn/?year=2025&month=5").content.decode()
    )


def trend_of(page: str) -> dict:
    import json
    import re

    # the figure's JSON travels as a string in a json_script block
    block = re.search(r'id="trend-data"[^>]*>(.*?)</script>', page, re.S)
    assert block, "the page has no trend chart"
    return json.loads(json.loads(block.group(1)))


def test_pages_say_when_their_comparisons_are_carried_across_the_reform(client, reform_year):
    client.force_login(reform_year)
    carried_note = "quy đổi theo địa giới mới"
    # May 2026 against May 2025: the old units' figures, carried over, and the page says so.
    may = client.get("/u/t24/?year=2026&month=5").content.decode()
    assert carried_note in may
    # The old map's own pages, and the nation's, compare like with like.
    assert carried_note not in client.get("/u/p24/?year=2025&month=5").content.decode()
    # The trend of 2025 on today's Bắc Ninh: January-June are old Bắc Giang + old Bắc Ninh.
    july = client.get("/u/t24/?year=2025&month=7").content.decode()
    assert carried_note in july
    bars = {t["name"]: t for t in trend_of(july)["data"] if t["type"] == "bar"}
    old_bars = bars["Đơn vị cũ, quy đổi theo địa giới mới"]
    assert old_bars["x"] == ["01/2025", "02/2025", "03/2025", "04/2025", "05/2025", "06/2025"]
    assert old_bars["y"] == [3 * (100 + m) for m in range(1, 7)]
    assert bars["Số người tham gia"]["x"][0] == "07/2025"
    # A commune of today's map: its trend starts from the old communes it carries on.
    successor = Unit.objects.filter(
        predecessions__predecessor__province__code="24", predecessions__is_default=True
    ).first()
    page = client.get(f"/u/{successor.url_code}/?year=2025&month=7").content.decode()
    assert carried_note in page
    bars = {t["name"]: t for t in trend_of(page)["data"] if t["type"] == "bar"}
    assert "Đơn vị cũ, quy đổi theo địa giới mới" in bars


def test_a_unit_renamed_after_the_reform_is_named_as_it_was_at_each_period(
    client, django_user_model
):
    load_tree(75)  # old Đồng Nai
    load_new_map({"75"})  # today's Đồng Nai (with old Bình Phước)
    dong_nai = unit_by_url_code("t75")
    # a centrally-run city since 30/04/2026, a tỉnh before: both names kept, with their dates
    assert (dong_nai.full_name, dong_nai.division_type) == ("Thành phố Đồng Nai", "thanh_pho_tw")
    assert list(dong_nai.names.values_list("valid_from", "full_name")) == [
        (dt.date(2025, 7, 1), "Tỉnh Đồng Nai"),
        (dt.date(2026, 4, 30), "Thành phố Đồng Nai"),
    ]
    again = load_new_map({"75"})
    assert sum(again.updated.values()) == 0
    commune = Unit.objects.communes().filter(valid_from__isnull=False).first()
    MonthlyCount.objects.bulk_create(
        MonthlyCount(commune=commune, year=2026, month=m, participants=50 + m) for m in (3, 5)
    )
    services.recompute_all()
    client.force_login(django_user_model.objects.create_superuser("admin-test", password="pw"))
    march = client.get("/u/t75/?year=2026&month=3").content.decode()
    assert "<h1>Tỉnh Đồng Nai <span" in march and "(nay là Thành phố Đồng Nai)" in march
    may = client.get("/u/t75/?year=2026&month=5").content.decode()
    assert "<h1>Thành phố Đồng Nai</h1>" in may
