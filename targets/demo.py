"""A believable demo on the real tree: Bắc Giang's 2023 figures from DOMAIN.md, exactly, plus
plausible figures for a few other provinces, and one demo user per role.

On top, the demo is current: today's map (from 1 July 2025) up to the latest closed month by the
product's clock, for today's Bắc Ninh (old Bắc Giang + old Bắc Ninh), Lạng Sơn and Đồng Tháp,
with the old map's counts from January 2024 to June 2025 behind them (load_demo_today)."""

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Max, Sum
from django.utils import timezone

from bhxh_dashboard import clock
from bhxh_dashboard.copy import copy_rows
from bhxh_dashboard.db import analyze
from bhxh_dashboard.months import (
    closes_on,
    latest_reportable_month,
    previous_month,
)
from outreach.demo import REPORTER as OUTREACH_REPORTER
from outreach.demo import load_outreach_demo
from provinces.models import (
    NEW_MAP_FROM,
    GrassrootsOffice,
    Level,
    OfficeCommune,
    Profile,
    Role,
    Succession,
    Unit,
)
from targets.models import MonthlyCount, MonthReopening, OfficeTarget, Target, TargetKind

SEED = 2023
DEMO_PASSWORD = "bhxh-demo-2023"

# Bắc Giang, province totals at each month's cut-off (DOMAIN.md fixes Dec 2022, Apr and May 2023;
# the other months are plausible: a rise through 2022 and the usual dip at the start of a year).
BAC_GIANG = "24"
BAC_GIANG_PARTICIPANTS = {
    (2022, 1): 33_412,
    (2022, 2): 33_905,
    (2022, 3): 34_618,
    (2022, 4): 35_240,
    (2022, 5): 35_907,
    (2022, 6): 36_688,
    (2022, 7): 37_301,
    (2022, 8): 37_954,
    (2022, 9): 38_760,
    (2022, 10): 39_512,
    (2022, 11): 40_237,
    (2022, 12): 41_098,
    (2023, 1): 39_873,
    (2023, 2): 39_421,
    (2023, 3): 38_964,
    (2023, 4): 39_200,
    (2023, 5): 44_134,
}
BAC_GIANG_TARGET_2023 = 52_139
BAC_GIANG_TARGET_2022 = 42_000
BAC_GIANG_NEW_TARGET_2023 = 14_500
BAC_GIANG_DEADLINE_2023 = 10  # the province asked to finish by the end of October 2023
DEMO_DISTRICT = "218"  # Huyện Lục Nam, 24 communes
# All demo months are long closed; June 2023 (the month after the DOMAIN.md figures) is reopened
# for Bắc Giang until this date so the district staff can try entry right after `make run`.
DEMO_REOPENED_MONTH = (2023, 6)
DEMO_REOPENED_UNTIL = (2099, 12, 31)

# Other provinces: (code, participants at Dec 2021, monthly growth, 2023 target).
OTHER_PROVINCES = [
    ("01", 205_000, 0.011, 275_000),  # Hà Nội
    ("19", 38_500, 0.009, 49_000),  # Thái Nguyên
    ("20", 14_200, 0.012, 19_500),  # Lạng Sơn
    ("40", 96_000, 0.010, 128_000),  # Nghệ An
    ("87", 41_000, 0.008, 52_500),  # Đồng Tháp
]

DEMO_USERS = [
    # username, role, (level, code) of the scope on the old map, full name
    ("quocgia", Role.NATIONAL_VIEWER, (Level.NATION, "VN"), "Người xem toàn quốc"),
    ("bacgiang", Role.PROVINCIAL_OFFICER, (Level.PROVINCE, BAC_GIANG), "Cán bộ BHXH Bắc Giang"),
    ("lucnam", Role.DISTRICT_STAFF, (Level.DISTRICT, DEMO_DISTRICT), "Cán bộ BHXH Lục Nam"),
    ("lanhdao", Role.MANAGER, (Level.PROVINCE, BAC_GIANG), "Lãnh đạo BHXH Bắc Giang"),
]

# Today's map (from 1 July 2025). Today's provinces of the demo, each with the old provinces it
# took over: (old code, participants in January 2024, monthly growth through June 2025, 2024
# and 2025 targets). Old Bắc Giang goes on from its 2023 (DOMAIN.md's example ends in May 2023).
BAC_NINH = "24"  # today's Bắc Ninh: old Bắc Giang (24) and old Bắc Ninh (27)
TODAY_PROVINCES: dict[str, list[tuple[str, int, float, int, int]]] = {
    BAC_NINH: [("24", 50_200, 0.010, 58_000, 63_500), ("27", 36_800, 0.009, 42_000, 45_800)],
    "20": [("20", 17_400, 0.011, 20_300, 22_400)],  # Lạng Sơn, unchanged by the reform
    "82": [("82", 38_100, 0.008, 42_800, 46_200), ("87", 45_600, 0.008, 51_200, 55_000)],
}
OLD_MAP_FIRST_MONTH = (2024, 1)
OLD_MAP_LAST_MONTH = (2025, 6)
NEW_MAP_FIRST_MONTH = (2025, 7)
# Today's communes go on from the old communes they carry on (their June 2025) with this growth
# a month (the usual dip in January), and each new year's target is the December before x this.
TODAY_GROWTH = 0.009
TODAY_TARGET_OVER_DECEMBER = 1.10
TODAY_FIRST_TARGET_YEAR, TODAY_LAST_TARGET_YEAR = 2025, 2026

# Today's Bắc Ninh's demo grassroots office: the communes that took over old Huyện Lục Nam's,
# and its staff member.
DEMO_OFFICE = ("LN", "BHXH cơ sở Lục Nam")
OFFICE_USER = ("coso-lucnam", "Cán bộ BHXH cơ sở Lục Nam")

TODAY_USERS = [
    # username, role, code of today's province, full name
    ("bacninh", Role.PROVINCIAL_OFFICER, BAC_NINH, "Cán bộ BHXH Bắc Ninh"),
    ("lanhdao-bacninh", Role.MANAGER, BAC_NINH, "Lãnh đạo BHXH Bắc Ninh"),
]


def split_exact(total: int, weights: list[float]) -> list[int]:
    """Whole numbers proportional to weights that add up to exactly `total` (largest remainder)."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    floors = [int(s) for s in shares]
    left = total - sum(floors)
    by_remainder = sorted(range(len(shares)), key=lambda i: shares[i] - floors[i], reverse=True)
    for i in by_remainder[:left]:
        floors[i] += 1
    return floors


class CountRow(NamedTuple):
    """One demo count, before it is written (plain tuples: the demo makes tens of thousands)."""

    commune_id: int
    year: int
    month: int
    participants: int
    new_participants: int


@dataclass
class DemoResult:
    counts: int
    targets: int
    users: list[tuple[str, str]]


def _province_series(rng: random.Random, start: int, growth: float) -> dict[tuple[int, int], int]:
    """A province's January 2022 to May 2023, going on from `start`."""
    months = [(y, m) for y in (2022, 2023) for m in range(1, 13) if (y, m) <= (2023, 5)]
    return _drift(rng, start, months, growth)


def _random_weights(rng: random.Random, communes: list[Unit]) -> list[float]:
    return [rng.uniform(0.4, 1.6) * (1.8 if c.division_type == "phuong" else 1) for c in communes]


def _commune_counts(
    rng: random.Random,
    communes: list[Unit],
    series: dict[tuple[int, int], int],
    weights: list[float] | None = None,
    previous: list[int] | None = None,
) -> list[CountRow]:
    """Spread province totals over communes with stable weights and a little monthly noise.

    `weights` default to random ones (wards larger); `previous` are the communes' figures of the
    month before the series, when known."""
    if weights is None:
        weights = _random_weights(rng, communes)
    rows = []
    for (year, month), total in sorted(series.items()):
        noisy = [w * rng.uniform(0.985, 1.015) for w in weights]
        values = split_exact(total, noisy)
        for i, commune in enumerate(communes):
            rise = values[i] - (previous[i] if previous else int(values[i] * 0.98))
            # New sign-ups cover the rise plus those who stopped paying (about 1.5% a month).
            new = max(rise, 0) + int(values[i] * rng.uniform(0.008, 0.022))
            rows.append(CountRow(commune.pk, year, month, values[i], new))
        previous = values
    return rows


def _targets_for(
    province: Unit, year: int, value: int, deadline: int, rng: random.Random
) -> list[Target]:
    districts = list(province.children.order_by("code"))
    targets = [
        Target(
            unit=province,
            year=year,
            kind=TargetKind.PARTICIPANTS,
            value=value,
            deadline_month=deadline,
        )
    ]
    shares = split_exact(value, [rng.uniform(0.7, 1.3) for _ in districts])
    targets += [
        Target(unit=d, year=year, kind=TargetKind.PARTICIPANTS, value=v, deadline_month=deadline)
        for d, v in zip(districts, shares, strict=True)
    ]
    return targets


@transaction.atomic
def load_demo() -> DemoResult:
    """Replace the demo provinces' counts and targets with the seeded demo; make the demo users."""
    rng = random.Random(SEED)
    provinces = {
        p.code: p
        for p in Unit.objects.provinces().filter(
            code__in=[BAC_GIANG] + [c for c, *_ in OTHER_PROVINCES], valid_from__isnull=True
        )
    }
    if BAC_GIANG not in provinces:
        raise RuntimeError("The administrative tree is missing: run `manage.py load_admin_units`.")

    MonthlyCount.objects.filter(commune__province__in=provinces.values()).delete()
    Target.objects.filter(unit__province__in=provinces.values()).delete()

    counts, targets = [], []
    bg = provinces[BAC_GIANG]
    bg_communes = list(Unit.objects.communes().filter(province=bg).order_by("code"))
    counts += _commune_counts(rng, bg_communes, BAC_GIANG_PARTICIPANTS)
    targets += _targets_for(bg, 2023, BAC_GIANG_TARGET_2023, BAC_GIANG_DEADLINE_2023, rng)
    targets += _targets_for(bg, 2022, BAC_GIANG_TARGET_2022, 12, rng)
    targets.append(
        Target(
            unit=bg,
            year=2023,
            kind=TargetKind.NEW_PARTICIPANTS,
            value=BAC_GIANG_NEW_TARGET_2023,
            deadline_month=12,
        )
    )
    # The demo district also splits its target over its communes.
    demo_district = Unit.objects.get(
        level=Level.DISTRICT, code=DEMO_DISTRICT
    )  # districts: old map only
    district_target = next(t for t in targets if t.unit == demo_district and t.year == 2023)
    district_communes = [c for c in bg_communes if c.district_id == demo_district.pk]
    for commune, value in zip(
        district_communes,
        split_exact(district_target.value, [rng.uniform(0.6, 1.4) for _ in district_communes]),
        strict=True,
    ):
        targets.append(
            Target(
                unit=commune,
                year=2023,
                kind=TargetKind.PARTICIPANTS,
                value=value,
                deadline_month=BAC_GIANG_DEADLINE_2023,
            )
        )

    for code, start, growth, target in OTHER_PROVINCES:
        province = provinces.get(code)
        if province is None:  # tests load only part of the tree
            continue
        communes = list(Unit.objects.communes().filter(province=province).order_by("code"))
        counts += _commune_counts(rng, communes, _province_series(rng, start, growth))
        targets += _targets_for(province, 2023, target, 12, rng)

    _insert_counts(counts)
    Target.objects.bulk_create(targets, batch_size=2000)
    users = _demo_users()
    _demo_reopening(bg)
    today = _load_today()
    _coverage_demo()
    _analyze()
    return DemoResult(
        counts=len(counts) + today.counts,
        targets=len(targets) + today.targets,
        users=users + today.users,
    )


# ---------------------------------------------------------------------------------------------
# Today's map: the demo is current
# ---------------------------------------------------------------------------------------------

Month = tuple[int, int]


def latest_closed_month(today: dt.date) -> Month:
    """The latest month whose entry window has closed by `today` (its cut-off day plus
    MONTH_CLOSE_AFTER_DAYS have passed): the demo's figures stop there, so the month being
    reported is left to enter."""
    year, month = latest_reportable_month(today)
    if today <= closes_on(year, month):
        year, month = previous_month(year, month)
    return year, month


def _months(first: Month, last: Month) -> Iterator[Month]:
    year, month = first
    while (year, month) <= last:
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _drift(rng: random.Random, value: int, months: list[Month], growth: float) -> dict[Month, int]:
    """A province total going on from `value`: `growth` a month, less at the start of a year."""
    series = {}
    for year, month in months:
        drift = growth + rng.uniform(-0.004, 0.004)
        if month == 1:
            drift = -0.025 + rng.uniform(-0.005, 0.005)  # stops at the start of a year
        value = int(value * (1 + drift))
        series[(year, month)] = value
    return series


def today_demo_provinces() -> dict[str, tuple[Unit, list[Unit]]]:
    """Today's demo provinces that are loaded with every old province behind them: new code ->
    (today's province, its old provinces)."""
    loaded: dict[str, tuple[Unit, list[Unit]]] = {}
    new = {p.code: p for p in Unit.objects.provinces().filter(valid_from=NEW_MAP_FROM)}
    old = {p.code: p for p in Unit.objects.provinces().filter(valid_from__isnull=True)}
    for code, behind in TODAY_PROVINCES.items():
        if code in new and all(old_code in old for old_code, *_ in behind):
            loaded[code] = (new[code], [old[old_code] for old_code, *_ in behind])
    return loaded


def today_demo_loaded() -> bool:
    return get_user_model().objects.filter(username=TODAY_USERS[0][0]).exists()


@transaction.atomic
def load_demo_today() -> DemoResult:
    """Only today's part of the demo (load_demo does it too): for a database whose demo was
    loaded before there was one."""
    result = _load_today()
    _coverage_demo()
    _analyze()
    return result


def _load_today() -> DemoResult:
    """Replace the counts and targets of today's demo provinces and of the old provinces behind
    them since 2024; make the users of today's map. Nothing when today's map is not loaded.

    Old map: January 2024 to June 2025, each old commune keeping its share of its province's
    2023 (when it has one). Today's map: from July 2025, each commune going on from the June 2025
    of the old communes it is the default successor of (whose figures the progress engine
    carries onto it), so year-on-year across the reform compares like with like. Both stop at
    the latest closed month by the product's clock. Each province draws from its own seeded
    generator, so a later clock adds months without changing the earlier ones.
    """
    provinces = today_demo_provinces()
    if not provinces:
        return DemoResult(counts=0, targets=0, users=[])
    last = latest_closed_month(clock.today())
    last_target_year = max(TODAY_LAST_TARGET_YEAR, last[0])
    new_provinces = [new for new, _ in provinces.values()]
    old_provinces = [old for _, olds in provinces.values() for old in olds]
    MonthlyCount.objects.filter(commune__province__in=new_provinces).delete()
    MonthlyCount.objects.filter(commune__province__in=old_provinces, year__gte=2024).delete()
    Target.objects.filter(unit__province__in=new_provinces).delete()
    Target.objects.filter(unit__province__in=old_provinces, year__gte=2024).delete()

    counts: list[CountRow] = []
    targets: list[Target] = []
    for code, (new_province, olds) in provinces.items():
        june_2025: dict[int, int] = {}  # old commune id -> its (generated) June 2025
        target_2025 = 0
        for old_province, (old_code, start, growth, target_2024, target_2025_old) in zip(
            olds, TODAY_PROVINCES[code], strict=True
        ):
            rows = _old_map_counts(old_province, start, growth)
            june_2025.update(
                (r.commune_id, r.participants) for r in rows if (r.year, r.month) == (2025, 6)
            )
            counts += [r for r in rows if (r.year, r.month) <= last]
            rng = random.Random(f"{SEED}-targets-{old_code}")
            targets += _targets_for(old_province, 2024, target_2024, 12, rng)
            targets += _targets_for(old_province, 2025, target_2025_old, 12, rng)
            target_2025 += target_2025_old
        new_counts, new_targets = _today_counts_and_targets(
            new_province, june_2025, target_2025, last, last_target_year
        )
        counts += new_counts
        targets += new_targets

    _insert_counts(counts)
    Target.objects.bulk_create(targets, batch_size=2000)
    users = _make_users(
        (
            username,
            role,
            Unit.objects.get(level=Level.PROVINCE, code=code, valid_from=NEW_MAP_FROM),
            full_name,
        )
        for username, role, code, full_name in TODAY_USERS
        if code in provinces
    )
    if BAC_NINH in provinces:
        users.append(_demo_office(provinces[BAC_NINH][0]))
    # The collection network, channels and events of the same provinces (outreach/demo.py).
    load_outreach_demo(provinces, last=last, password=DEMO_PASSWORD)
    if BAC_NINH in provinces:
        users.append((OUTREACH_REPORTER[0], Role.ORG_REPORTER))
    return DemoResult(counts=len(counts), targets=len(targets), users=users)


def _demo_office(province: Unit) -> tuple[str, str]:
    """Today's Bắc Ninh's office serving the communes that took over old Lục Nam's (their
    default successors), and its staff member; made again on every load."""
    code, name = DEMO_OFFICE
    office, _ = GrassrootsOffice.objects.update_or_create(
        province=province, code=code, defaults={"name": name}
    )
    office.memberships.all().delete()
    communes = (
        Unit.objects.communes()
        .filter(
            province=province,
            predecessions__is_default=True,
            predecessions__predecessor__district__code=DEMO_DISTRICT,
        )
        .distinct()
    )
    OfficeCommune.objects.bulk_create(OfficeCommune(office=office, commune=c) for c in communes)
    # The province gives the office what its communes' targets add up to: fully shared out.
    office.targets.all().delete()
    sums = (
        Target.objects.filter(unit__in=communes)
        .values("year", "kind")
        .annotate(total=Sum("value"), deadline=Max("deadline_month"))
    )
    OfficeTarget.objects.bulk_create(
        OfficeTarget(
            office=office,
            year=s["year"],
            kind=s["kind"],
            value=s["total"],
            deadline_month=s["deadline"],
        )
        for s in sums
    )
    username, full_name = OFFICE_USER
    _make_users(iter([(username, Role.GRASSROOTS_STAFF, province, full_name)]), office=office)
    return username, Role.GRASSROOTS_STAFF


def _old_map_counts(province: Unit, start: int, growth: float) -> list[CountRow]:
    """An old province's communes, January 2024 to June 2025 (whatever the clock)."""
    rng = random.Random(f"{SEED}-old-{province.code}")
    months = list(_months(OLD_MAP_FIRST_MONTH, OLD_MAP_LAST_MONTH))
    series = {months[0]: start, **_drift(rng, start, months[1:], growth)}
    communes = list(Unit.objects.communes().filter(province=province).order_by("code"))
    # Each commune keeps its share of the province's latest month before 2024, if it has one.
    latest = (
        MonthlyCount.objects.filter(commune__province=province, year__lt=2024)
        .order_by("-year", "-month")
        .values_list("year", "month")
        .first()
    )
    shares = (
        dict(
            MonthlyCount.objects.filter(
                commune__province=province, year=latest[0], month=latest[1]
            ).values_list("commune_id", "participants")
        )
        if latest
        else {}
    )
    weights = (
        [float(shares[c.pk]) or 1.0 for c in communes]
        if all(c.pk in shares for c in communes)
        else None
    )
    return _commune_counts(rng, communes, series, weights=weights)


def _today_counts_and_targets(
    province: Unit, june_2025: dict[int, int], target_2025: int, last: Month, last_year: int
) -> tuple[list[CountRow], list[Target]]:
    """Today's province from July 2025: each commune starts from the June 2025 of the old
    communes it is the default successor of; a target a year for the province, split over its
    communes."""
    # One generator for the province's totals, one for their spread, one for the targets: each
    # draws month after month, so a later clock adds months and leaves the earlier ones be.
    rng = random.Random(f"{SEED}-today-{province.code}")
    spread = random.Random(f"{SEED}-today-spread-{province.code}")
    shares_rng = random.Random(f"{SEED}-today-targets-{province.code}")
    communes = list(Unit.objects.communes().filter(province=province).order_by("code"))
    carried: dict[int, int] = defaultdict(int)
    for old_id, new_id in Succession.objects.filter(
        successor__province=province, is_default=True, predecessor__level=Level.COMMUNE
    ).values_list("predecessor_id", "successor_id"):
        carried[new_id] += june_2025.get(old_id, 0)
    base = [carried[c.pk] for c in communes]
    months = list(_months(NEW_MAP_FIRST_MONTH, (last_year, 12)))
    series = _drift(rng, sum(base), months, TODAY_GROWTH)
    weights = [float(b) or 1.0 for b in base]
    rows = _commune_counts(
        spread, communes, {m: v for m, v in series.items() if m <= last}, weights, base
    )
    targets = []
    for year in range(TODAY_FIRST_TARGET_YEAR, last_year + 1):
        value = (
            target_2025
            if year == 2025
            else int(round(series[(year - 1, 12)] * TODAY_TARGET_OVER_DECEMBER, -2))
        )
        targets.append(
            Target(
                unit=province,
                year=year,
                kind=TargetKind.PARTICIPANTS,
                value=value,
                deadline_month=12,
            )
        )
        shares = split_exact(value, [w * shares_rng.uniform(0.9, 1.1) for w in weights])
        targets += [
            Target(unit=c, year=year, kind=TargetKind.PARTICIPANTS, value=v, deadline_month=12)
            for c, v in zip(communes, shares, strict=True)
        ]
    return rows, targets


def _coverage_demo() -> None:
    """The demo provinces' labour forces and coverage targets (coverage/demo.py)."""
    from coverage.demo import load_coverage_demo

    load_coverage_demo()


def _analyze() -> None:
    analyze("provinces_unit", "provinces_succession", "targets_monthlycount", "targets_target")


def _demo_reopening(province: Unit) -> None:
    year, month = DEMO_REOPENED_MONTH
    MonthReopening.objects.filter(province=province, year=year, month=month).delete()
    MonthReopening.objects.create(
        province=province,
        year=year,
        month=month,
        open_until=dt.datetime(
            *DEMO_REOPENED_UNTIL, 23, 59, tzinfo=timezone.get_current_timezone()
        ),
        reason="Demo: tháng 06/2023 mở để thử nhập liệu.",
        reopened_by=get_user_model().objects.get(username="bacgiang"),
    )


def _insert_counts(counts: list[CountRow]) -> None:
    """Write the demo counts; on PostgreSQL with COPY, ten times faster than bulk_create's
    INSERTs (every test that uses the demo pays this)."""
    if connection.vendor != "postgresql":
        MonthlyCount.objects.bulk_create(
            (MonthlyCount(**c._asdict()) for c in counts), batch_size=5000
        )
        return
    now = clock.now()
    copy_rows(
        MonthlyCount._meta.db_table,
        "commune_id, year, month, participants, new_participants, version, updated_at",
        ((*c, 1, now) for c in counts),
    )


def demo_usernames() -> set[str]:
    return {u[0] for u in DEMO_USERS} | {u[0] for u in TODAY_USERS} | {OFFICE_USER[0]}


def why_not_a_demo_database() -> str | None:
    """Why loading the demo here would be a mistake, or None. The demo's users have a published
    password: on a real site they would let anyone in. A database with users of its own is a real
    site's; so is PostgreSQL under a site served over https (DEBUG off and not HTTPS=0)."""
    from django.conf import settings
    from django.db import connection

    others = list(
        get_user_model()
        .objects.exclude(username__in=demo_usernames())
        .order_by("username")
        .values_list("username", flat=True)[:4]
    )
    if others:
        shown = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
        return f"the database has users who are not the demo's ({shown})"
    if settings.HTTPS and connection.vendor != "sqlite":
        return (
            f"this is a production site's {connection.vendor} database "
            "(served over https: DEBUG off and HTTPS not 0)"
        )
    return None


def demo_loaded() -> bool:
    return get_user_model().objects.filter(username=DEMO_USERS[0][0]).exists()


def _demo_users() -> list[tuple[str, str]]:
    return _make_users(
        (username, role, Unit.objects.get(level=level, code=code, valid_from__isnull=True), name)
        for username, role, (level, code), name in DEMO_USERS
    )


def _make_users(
    users: Iterator[tuple[str, str, Unit, str]], *, office: GrassrootsOffice | None = None
) -> list[tuple[str, str]]:
    """Create or update each (username, role, unit, full name) with the demo password (and the
    grassroots office of its staff)."""
    User = get_user_model()
    made: list[tuple[str, str]] = []
    for username, role, unit, full_name in users:
        user, _ = User.objects.get_or_create(username=username)
        first, _, last = full_name.rpartition(" ")
        user.first_name, user.last_name = first, last
        user.set_password(DEMO_PASSWORD)
        user.save()
        Profile.objects.update_or_create(
            user=user, defaults={"role": role, "unit": unit, "office": office}
        )
        made.append((username, role))
    return made
