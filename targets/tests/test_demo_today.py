"""The demo is current: today's map (since 1 July 2025) up to the latest closed month by the
product's clock, carried on from the old map's figures through the crosswalk."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Max, Sum

from bhxh_dashboard.formatting import number
from conftest import VIETNAM
from progress.models import Progress
from progress.services import recompute_province
from provinces.access import unit_by_url_code
from provinces.models import Level, Unit
from targets.demo import TODAY_USERS, latest_closed_month, load_demo
from targets.models import MonthlyCount, Target, TargetKind


def total(url_code: str, year: int, month: int) -> int:
    unit = unit_by_url_code(url_code)
    return MonthlyCount.objects.filter(commune__province=unit, year=year, month=month).aggregate(
        s=Sum("participants")
    )["s"]


def months_with_counts(url_code: str) -> list[tuple[int, int]]:
    unit = unit_by_url_code(url_code)
    return sorted(
        set(MonthlyCount.objects.filter(commune__province=unit).values_list("year", "month"))
    )


def all_months(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    months, (year, month) = [], first
    while (year, month) <= last:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@pytest.mark.parametrize(
    "today, closed",
    [
        (dt.date(2026, 12, 15), (2026, 11)),  # SUITE_NOW: November's window closed on 05/12
        (dt.date(2026, 12, 5), (2026, 10)),  # November still open (25/11 to 05/12)
        (dt.date(2026, 12, 6), (2026, 11)),
        (dt.date(2027, 1, 5), (2026, 11)),  # December cuts off on the 31st: open to 10/01
        (dt.date(2027, 1, 11), (2026, 12)),
        (dt.date(2027, 3, 10), (2027, 2)),
        (dt.date(2027, 3, 1), (2027, 1)),
    ],
)
def test_latest_closed_month_follows_the_entry_window(today, closed):
    assert latest_closed_month(today) == closed


@pytest.mark.django_db
def test_todays_bac_ninh_has_every_month_up_to_the_latest_closed_one(demo):
    # The suite's clock is 15/12/2026: November 2026 is the latest closed month.
    expected = all_months((2025, 7), (2026, 11))
    assert months_with_counts("t24") == expected
    assert months_with_counts("t20") == expected  # today's Lạng Sơn too
    communes = Unit.objects.communes().filter(province=demo.bac_ninh).count()
    assert communes == 99
    assert MonthlyCount.objects.filter(commune__province=demo.bac_ninh).count() == 99 * len(
        expected
    )
    progress = Progress.objects.filter(unit=demo.bac_ninh, participants__isnull=False)
    assert sorted(progress.values_list("year", "month")) == expected
    december = Progress.objects.get(unit=demo.bac_ninh, year=2026, month=12)
    assert december.participants is None  # still to come
    # Behind it, old Bắc Giang and old Bắc Ninh from January 2024 to June 2025, and Bắc Giang
    # keeps DOMAIN.md's 2022 and 2023 (test_demo.py pins them).
    old_months = all_months((2024, 1), (2025, 6))
    assert months_with_counts("p27") == old_months
    assert months_with_counts("p24") == all_months((2022, 1), (2023, 5)) + old_months


@pytest.mark.django_db
def test_todays_communes_go_on_from_the_old_communes_they_carry_on(demo):
    june_2025 = total("p24", 2025, 6) + total("p27", 2025, 6)
    july_2025 = total("t24", 2025, 7)
    assert june_2025 < july_2025 < june_2025 * 1.03  # modest growth across the reform
    # Commune by commune: July 2025 is close to the June of the old communes it succeeds.
    june = dict(
        MonthlyCount.objects.filter(year=2025, month=6, commune__province__code__in=["24", "27"])
        .filter(commune__valid_from__isnull=True)
        .values_list("commune_id", "participants")
    )
    for commune in Unit.objects.communes().filter(province=demo.bac_ninh):
        carried = sum(june[p.predecessor_id] for p in commune.predecessions.filter(is_default=True))
        july = MonthlyCount.objects.get(commune=commune, year=2025, month=7).participants
        assert carried * 0.9 <= july <= carried * 1.1 + 5, commune.code


@pytest.mark.django_db
def test_may_2026_compares_with_old_bac_giang_and_old_bac_ninh_may_2025(demo):
    may_2025 = total("p24", 2025, 5) + total("p27", 2025, 5)
    old_rows = Progress.objects.filter(
        unit__in=[unit_by_url_code("p24"), unit_by_url_code("p27")], year=2025, month=5
    ).aggregate(s=Sum("participants"))["s"]
    assert old_rows == may_2025
    may = Progress.objects.get(unit=demo.bac_ninh, year=2026, month=5)
    assert may.same_month_last_year == may_2025
    assert may.participants == total("t24", 2026, 5)
    assert may.change_yoy == may.participants - may_2025
    assert 0 < may.change_yoy_pct < 20  # a year of growth, not a jump from nothing


@pytest.mark.django_db
def test_todays_targets_add_up_over_the_communes(demo):
    for province in (demo.bac_ninh, unit_by_url_code("t20")):
        for year in (2025, 2026):
            target = Target.objects.get(unit=province, year=year, kind=TargetKind.PARTICIPANTS)
            communes = Target.objects.filter(
                unit__parent=province, year=year, kind=TargetKind.PARTICIPANTS
            )
            assert communes.count() == Unit.objects.filter(parent=province).count()
            assert communes.aggregate(s=Sum("value"))["s"] == target.value
    # Today's Bắc Ninh's 2025 target is old Bắc Giang's and old Bắc Ninh's.
    old_2025 = Target.objects.filter(
        unit__in=[unit_by_url_code("p24"), unit_by_url_code("p27")], year=2025
    ).aggregate(s=Sum("value"))["s"]
    assert Target.objects.get(unit=demo.bac_ninh, year=2025).value == old_2025
    november = Progress.objects.get(unit=demo.bac_ninh, year=2026, month=11)
    assert 85 < november.completion_pct < 100


@pytest.mark.django_db
def test_todays_users_sign_in_and_land_on_todays_bac_ninh(client, demo):
    assert [u for u, *_ in TODAY_USERS] == ["bacninh", "lanhdao-bacninh"]
    for user in (demo.today_officer, demo.today_manager):
        assert user.profile.unit == demo.bac_ninh
        client.logout()
        response = client.post(
            "/accounts/login/",
            {"username": user.username, "password": demo.password},
            follow=True,
        )
        assert response.redirect_chain[-1][0] == "/u/t24/", user.username
        assert response.status_code == 200
        assert (response.context["year"], response.context["month"]) == (2026, 11)
        assert "Địa giới hành chính từ 01/07/2025" in response.content.decode()


@pytest.mark.django_db
def test_the_national_viewer_lands_on_todays_figures(client, demo):
    response = client.post(
        "/accounts/login/", {"username": "quocgia", "password": demo.password}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/u/vn/"
    assert (response.context["year"], response.context["month"]) == (2026, 11)
    page = response.content.decode()
    assert "Địa giới hành chính từ 01/07/2025" in page
    assert 'href="/u/t24/' in page and 'href="/u/t20/' in page
    assert 'href="/u/p24/' not in page


@pytest.mark.django_db
def test_a_later_clock_adds_months_and_keeps_the_earlier_ones(demo, travel):
    assert MonthlyCount.objects.filter(commune__province=demo.bac_ninh).count() == 99 * 17
    november = dict(
        MonthlyCount.objects.filter(
            commune__province=demo.bac_ninh, year=2026, month=11
        ).values_list("commune_id", "participants")
    )
    travel.move_to(dt.datetime(2027, 3, 10, 9, 0, tzinfo=VIETNAM))
    load_demo()
    recompute_province(province_id=demo.bac_ninh.pk, year=2027)
    assert months_with_counts("t24") == all_months((2025, 7), (2027, 2))
    again = dict(
        MonthlyCount.objects.filter(
            commune__province=demo.bac_ninh, year=2026, month=11
        ).values_list("commune_id", "participants")
    )
    assert again == november
    rows = Progress.objects.filter(unit=demo.bac_ninh, year=2027, participants__isnull=False)
    assert rows.aggregate(last=Max("month"))["last"] == 2
    assert Target.objects.filter(unit=demo.bac_ninh, year=2027).exists()
    february = Progress.objects.get(unit=demo.bac_ninh, year=2027, month=2)
    assert february.same_month_last_year == total("t24", 2026, 2)


@pytest.mark.django_db
def test_load_demo_if_empty_keeps_the_demo_and_adds_todays_map_to_an_older_one(demo):
    counts = MonthlyCount.objects.count()
    out = StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert "kept as it is" in out.getvalue()
    assert MonthlyCount.objects.count() == counts

    # A demo loaded before it had today's map: --if-empty adds today's part, once.
    MonthlyCount.objects.filter(commune__valid_from__isnull=False).delete()
    demo.today_officer.delete()
    demo.today_manager.delete()
    entered = MonthlyCount.objects.filter(commune__district=demo.luc_nam, year=2023).first()
    entered.participants += 7
    entered.save()
    out = StringIO()
    # --force: the suite's world has users of its own besides the demo's.
    call_command("load_demo", "--if-empty", "--force", stdout=out)
    assert "adding today's map" in out.getvalue()
    assert MonthlyCount.objects.count() == counts
    assert MonthlyCount.objects.get(pk=entered.pk).participants == entered.participants
    assert Progress.objects.filter(unit=demo.bac_ninh, year=2026, month=11).exists()
    out = StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert "kept as it is" in out.getvalue()
    assert MonthlyCount.objects.count() == counts


@pytest.mark.django_db
def test_the_old_map_keeps_its_pages(demo):
    """Old Bắc Giang's 2024 and first half of 2025 are on the old map, then it is part of
    today's Bắc Ninh."""
    assert Progress.objects.filter(unit=demo.bac_giang, year=2025).aggregate(m=Max("month")) == {
        "m": 6
    }
    assert not Progress.objects.filter(unit=demo.bac_giang, year=2026).exists()
    assert Unit.objects.filter(level=Level.PROVINCE, valid_from__isnull=False).count() == 2


@pytest.mark.django_db
def test_the_grassroots_office_user_enters_the_communes_that_took_over_luc_nam(client, demo):
    from provinces.models import GrassrootsOffice, Unit

    office = GrassrootsOffice.objects.get(province=demo.bac_ninh, code="LN")
    took_over = Unit.objects.filter(
        predecessions__predecessor__district=demo.luc_nam, predecessions__is_default=True
    ).distinct()
    assert set(office.memberships.values_list("commune_id", flat=True)) == set(
        took_over.values_list("pk", flat=True)
    )
    response = client.post(
        "/accounts/login/", {"username": "coso-lucnam", "password": demo.password}, follow=True
    )
    assert response.status_code == 200
    grid_url = f"/nhap-lieu/so-lieu/{office.url_code}/"
    assert f'href="{grid_url}' in response.content.decode()  # the navigation leads to the grid
    grid = client.get(grid_url).content.decode()
    for commune in took_over:
        assert f'href="/nhap-lieu/lich-su/{commune.url_code}/"' in grid, commune.name  # its row


@pytest.mark.django_db
def test_the_demo_office_is_given_what_its_communes_targets_add_up_to(client, demo):
    from provinces.models import GrassrootsOffice

    office = GrassrootsOffice.objects.get(province=demo.bac_ninh, code="LN")
    year = 2026  # SUITE_NOW is in December 2026
    communes_total = Target.objects.filter(
        unit__office_memberships__office=office, year=year, kind=TargetKind.PARTICIPANTS
    ).aggregate(total=Sum("value"))["total"]
    assert office.targets.get(year=year, kind=TargetKind.PARTICIPANTS).value == communes_total
    client.force_login(demo.today_officer)
    page = client.get(f"/nhap-lieu/chi-tieu/{office.url_code}/?nam={year}").content.decode()
    assert "Đã giao đủ" in page and number(communes_total) in page
