from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import F, Sum

from bhxh_dashboard.months import cutoff_date
from progress import python_engine, requests, services, sql_engine
from progress.figures import ROW_FIELDS
from progress.models import Progress, RecomputeState
from progress.readings import freshness
from progress.tests.conftest import snapshot
from provinces.access import unit_by_url_code
from provinces.models import Level, Unit
from targets.models import MonthlyCount, Target, TargetKind

pytestmark = pytest.mark.django_db


def row(unit, month, year=2023) -> Progress:
    return Progress.objects.get(unit=unit, year=year, month=month)


def test_bac_giang_may_2023_reproduces_the_provincial_letter(demo):
    may = row(demo.bac_giang, 5)
    assert may.participants == 44_134
    assert may.target == 52_139
    assert may.completion_pct == Decimal("84.65")
    assert may.change_vs_prev_month == 4_934
    assert may.change_vs_prev_year_end == 3_036
    assert may.gap == 8_005
    assert may.over_target == 0
    assert (may.deadline_month, may.months_left) == (10, 5)
    assert may.required_pace == 1_601
    assert may.communes_reported == may.communes_total == 195
    assert may.reporting_rate == 100


def test_bac_giang_comparisons_with_last_year(demo):
    may = row(demo.bac_giang, 5)
    assert may.same_month_last_year == 35_907
    assert may.change_yoy == 44_134 - 35_907
    assert may.change_yoy_pct == Decimal("22.91")  # 8,227 / 35,907 = 22.912...%
    january = row(demo.bac_giang, 1)
    assert january.change_vs_prev_month == 39_873 - 41_098  # January compares with December


def test_new_participants_year_to_date_against_the_flow_target(demo):
    rows = {p.month: p for p in Progress.objects.filter(unit=demo.bac_giang, year=2023)}
    new = MonthlyCount.objects.filter(commune__province=demo.bac_giang, year=2023)
    by_month = dict(new.values_list("month").annotate(Sum("new_participants")))
    assert rows[5].new_in_month == by_month[5]
    assert rows[5].new_ytd == sum(by_month[m] for m in range(1, 6))
    assert rows[5].target_new == 14_500
    assert rows[5].completion_new_pct == round(Decimal(100 * rows[5].new_ytd) / 14_500, 2)


def test_projection_continues_the_trend_of_the_year(demo):
    may = row(demo.bac_giang, 5)
    # Least squares through Dec 2022 (x=0) .. May 2023 (x=5), continued from May for 7 months.
    points = [(0, 41_098), (1, 39_873), (2, 39_421), (3, 38_964), (4, 39_200), (5, 44_134)]
    n, sx, sy = len(points), sum(x for x, _ in points), sum(y for _, y in points)
    sxx, sxy = sum(x * x for x, _ in points), sum(x * y for x, y in points)
    slope = (n * sxy - sx * sy) / (n * sxx - sx * sx)
    assert may.projected_year_end == round(44_134 + slope * 7)


def test_a_month_nobody_reported_yet_is_stored_empty(demo):
    june = row(demo.bac_giang, 6)
    assert june.participants is None
    assert june.communes_reported == 0
    assert june.gap is None and june.completion_pct is None and june.new_ytd is None
    assert june.same_month_last_year == 36_688  # last year's June is known
    assert june.target == 52_139


def test_districts_and_communes_add_up_to_the_province(demo):
    may = Progress.objects.filter(year=2023, month=5)
    districts = may.filter(parent=demo.bac_giang)
    assert districts.count() == demo.bac_giang.children.count()
    totals = districts.aggregate(
        p=Sum("participants"),
        c=Sum("communes_total"),
        t=Sum("target"),
        d=Sum("change_vs_prev_month"),
    )
    assert totals == {"p": 44_134, "c": 195, "t": 52_139, "d": 4_934}
    for district in districts:
        communes = may.filter(parent_id=district.unit_id).aggregate(
            p=Sum("participants"), r=Sum("communes_reported")
        )
        assert (communes["p"], communes["r"]) == (district.participants, district.communes_total)


def test_a_unit_without_target_shows_what_its_children_add_up_to(demo):
    luc_nam = row(demo.luc_nam, 5)
    commune_targets = Target.objects.filter(
        unit__parent=demo.luc_nam, year=2023, kind=TargetKind.PARTICIPANTS
    ).aggregate(s=Sum("value"))["s"]
    assert luc_nam.children_target == commune_targets == luc_nam.target
    assert row(demo.bac_giang, 5).children_target == 52_139

    commune = Unit.objects.communes().filter(district=demo.another_district).first()
    without = row(commune, 5)
    assert without.target is None and without.completion_pct is None and without.gap is None
    assert without.deadline_month == 10  # inherited from the province's target


def test_the_nation_is_the_sum_of_the_provinces(demo):
    nation = row(demo.nation, 5)
    provinces = Progress.objects.filter(level=Level.PROVINCE, year=2023, month=5)
    assert nation.participants == sum(p.participants for p in provinces)
    # Every commune of the map in force at the cut-off, 25/05/2023: the old map's.
    assert nation.communes_total == Unit.objects.communes().in_force(cutoff_date(2023, 5)).count()
    assert nation.communes_total == Unit.objects.communes().filter(valid_from=None).count()
    assert nation.children_target == sum(p.target for p in provinces)
    assert nation.target is None and nation.deadline_month == 12


def test_sql_and_python_twin_agree_on_the_demo(demo):
    sql = snapshot()
    Progress.objects.all().delete()
    services.recompute_all(engine=python_engine)
    python = snapshot()
    assert sql.keys() == python.keys()
    fields = ROW_FIELDS
    differing = [k for k in sql if [sql[k][f] for f in fields] != [python[k][f] for f in fields]]
    assert differing == []


def test_recomputing_twice_changes_nothing(demo):
    before = snapshot()
    services.recompute_all()
    services.recompute_province(province_id=demo.bac_giang.pk, year=2023)
    assert snapshot() == before  # not even computed_at: unchanged rows are not rewritten


def test_a_saved_count_reaches_every_level(demo, django_capture_on_commit_callbacks):
    commune = Unit.objects.communes().filter(district=demo.luc_nam).first()
    before = {u.pk: row(u, 5).participants for u in (commune, demo.luc_nam, demo.bac_giang)}
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        MonthlyCount.objects.filter(commune=commune, year=2023, month=5).update(
            participants=F("participants") + 10
        )
        requests.request_recompute(province_id=demo.bac_giang.pk, year=2023)
    for unit in (commune, demo.luc_nam, demo.bac_giang):
        assert row(unit, 5).participants == before[unit.pk] + 10
    assert row(demo.bac_giang, 5).gap == 8_005 - 10
    assert row(demo.bac_giang, 6).change_vs_prev_month is None
    assert (
        row(demo.nation, 5).participants
        == row(demo.bac_giang, 5).participants + row(demo.lang_son, 5).participants
    )
    assert freshness(demo.bac_giang, 2023).pending is False


def test_a_change_last_year_updates_this_years_comparisons(demo):
    commune = Unit.objects.communes().filter(district=demo.luc_nam).first()
    MonthlyCount.objects.filter(commune=commune, year=2022, month=12).update(
        participants=F("participants") + 100
    )
    services.recompute_province(province_id=demo.bac_giang.pk, year=2022)
    assert row(demo.bac_giang, 12, year=2022).participants == 41_198
    assert row(demo.bac_giang, 5).change_vs_prev_year_end == 3_036 - 100
    assert row(demo.bac_giang, 12).same_month_last_year == 41_198


def test_a_province_whose_counts_are_deleted_loses_its_rows(demo):
    MonthlyCount.objects.filter(commune__province=demo.lang_son, year=2023).delete()
    services.recompute_province(province_id=demo.lang_son.pk, year=2023)
    assert not Progress.objects.filter(unit__province=demo.lang_son, year=2023).exists()
    assert Progress.objects.filter(unit__province=demo.lang_son, year=2022).exists()
    assert row(demo.nation, 5).participants == row(demo.bac_giang, 5).participants


def test_over_target_is_its_own_figure(demo):
    Target.objects.filter(unit=demo.bac_giang, year=2023, kind=TargetKind.PARTICIPANTS).update(
        value=40_000
    )
    services.recompute_province(province_id=demo.bac_giang.pk, year=2023)
    may = row(demo.bac_giang, 5)
    assert (may.gap, may.over_target, may.required_pace) == (0, 4_134, 0)
    assert may.completion_pct == Decimal("110.34")


def test_past_the_deadline_a_gap_has_no_pace(demo):
    Target.objects.filter(unit=demo.bac_giang, year=2023).update(deadline_month=4)
    services.recompute_province(province_id=demo.bac_giang.pk, year=2023)
    may = row(demo.bac_giang, 5)
    assert (may.months_left, may.gap, may.required_pace) == (0, 8_005, None)


def test_required_pace_rounds_up(demo):
    Target.objects.filter(unit=demo.bac_giang, year=2023, kind=TargetKind.PARTICIPANTS).update(
        value=52_140
    )
    services.recompute_province(province_id=demo.bac_giang.pk, year=2023)
    assert row(demo.bac_giang, 5).required_pace == 1_602  # 8,006 / 5 = 1,601.2


def test_recompute_bumps_the_state(demo):
    state = RecomputeState.objects.get(province=demo.bac_giang, year=2023)
    services.recompute_province(province_id=demo.bac_giang.pk, year=2023)
    state_after = RecomputeState.objects.get(pk=state.pk)
    assert state_after.data_version == state.data_version + 1
    assert state_after.computed_at > state.computed_at


def test_a_province_recompute_takes_a_fixed_number_of_queries(demo, django_assert_max_num_queries):
    # Bắc Giang has counts in 2024 (the demo's old map runs to June 2025), so its 2023 recompute
    # also recomputes 2024, whose comparisons read 2023: five queries more for the second year.
    # The channel figures (outreach/figures.py) add four a year: replace the provinces' rows
    # (delete, insert) and the nation's.
    with django_assert_max_num_queries(23 + 8):
        result = services.recompute_province(province_id=demo.bac_giang.pk, year=2023)
    assert result.years == (2023, 2024)
    with django_assert_max_num_queries(18 + 4):  # one year
        services.recompute_all(year=2023)


@pytest.mark.django_db(transaction=True)
def test_the_full_recompute_split_over_connections_gives_the_same_rows(demo, settings):
    def figures() -> dict:
        return {k: [r[f] for f in ROW_FIELDS] for k, r in snapshot().items()}

    settings.PROGRESS_RECOMPUTE_CONNECTIONS = 1
    Progress.objects.all().delete()
    services.recompute_all()
    on_one = figures()

    settings.PROGRESS_RECOMPUTE_CONNECTIONS = 2
    # Runs of the year's provinces in id order with about half their communes each. 2023: old
    # Lạng Sơn (194 communes) | old Bắc Giang (195) and old Bắc Ninh (121); 2026: today's
    # Bắc Ninh (99) | today's Lạng Sơn (65); 2025 has both maps.
    pk = {code: unit_by_url_code(code).pk for code in ("p20", "p24", "p27", "t24", "t20")}
    assert services._province_groups(sql_engine, 2023) == [[pk["p20"]], [pk["p24"], pk["p27"]]]
    assert services._province_groups(sql_engine, 2026) == [
        [min(pk["t24"], pk["t20"])],
        [max(pk["t24"], pk["t20"])],
    ]
    assert sorted(sum(services._province_groups(sql_engine, 2025) or [], [])) == sorted(pk.values())
    Progress.objects.all().delete()
    services.recompute_all()
    assert figures() == on_one
    assert row(demo.bac_giang, 5).participants == 44_134
    assert row(demo.nation, 5).participants == sum(
        row(p, 5).participants for p in (demo.bac_giang, demo.lang_son)
    )
    assert not freshness(demo.nation, 2023).pending  # both groups marked their provinces


def test_inside_a_transaction_the_full_recompute_stays_on_its_connection(demo, settings):
    settings.PROGRESS_RECOMPUTE_CONNECTIONS = 2
    assert (
        services._province_groups(sql_engine, 2023) is None
    )  # other connections would not see this data


@pytest.mark.django_db(transaction=True)
def test_recomputes_running_at_once_serialise_and_agree(demo, settings):
    """Two recomputes writing the same new rows at the same moment: without the advisory locks
    one of them fails on the unique (unit, year, month) key (MERGE does not resolve that race)."""
    import threading

    from django.db import connection

    settings.PROGRESS_RECOMPUTE_CONNECTIONS = 2
    expected = {k: [r[f] for f in ROW_FIELDS] for k, r in snapshot().items()}
    errors = []

    def recompute(start, work):
        try:
            start.wait(timeout=10)
            work()
        except Exception as error:  # collected: an assertion in a thread would be lost
            errors.append(error)
        finally:
            connection.close()

    for _ in range(3):
        Progress.objects.all().delete()
        start = threading.Barrier(3)
        works = [
            services.recompute_all,
            lambda: services.recompute_province(province_id=demo.bac_giang.pk, year=2023),
            lambda: services.recompute_province(province_id=demo.lang_son.pk, year=2023),
        ]
        threads = [threading.Thread(target=recompute, args=(start, w)) for w in works]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        got = {k: [r[f] for f in ROW_FIELDS] for k, r in snapshot().items()}
        assert got == expected
