"""A believable demo on the real tree: Bắc Giang's 2023 figures from DOMAIN.md, exactly, plus
plausible figures for a few other provinces, and one demo user per role."""

import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from bhxh_dashboard import clock
from bhxh_dashboard.copy import copy_rows
from provinces.models import Level, Profile, Role, Unit
from targets.models import MonthlyCount, MonthReopening, Target, TargetKind

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
    # username, role, (level, code) of the scope, full name
    ("quocgia", Role.NATIONAL_VIEWER, (Level.NATION, "VN"), "Người xem toàn quốc"),
    ("bacgiang", Role.PROVINCIAL_OFFICER, (Level.PROVINCE, BAC_GIANG), "Cán bộ BHXH Bắc Giang"),
    ("lucnam", Role.DISTRICT_STAFF, (Level.DISTRICT, DEMO_DISTRICT), "Cán bộ BHXH Lục Nam"),
    ("lanhdao", Role.MANAGER, (Level.PROVINCE, BAC_GIANG), "Lãnh đạo BHXH Bắc Giang"),
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


@dataclass
class DemoResult:
    counts: int
    targets: int
    users: list[tuple[str, str]]


def _province_series(rng: random.Random, start: int, growth: float) -> dict[tuple[int, int], int]:
    series, value = {}, start
    for year in (2022, 2023):
        for month in range(1, 13):
            if (year, month) > (2023, 5):
                break
            drift = growth + rng.uniform(-0.004, 0.004)
            if month == 1:
                drift = -0.025 + rng.uniform(-0.005, 0.005)  # stops at the start of a year
            value = int(value * (1 + drift))
            series[(year, month)] = value
    return series


def _commune_counts(
    rng: random.Random, communes: list[Unit], series: dict[tuple[int, int], int]
) -> list[MonthlyCount]:
    """Spread province totals over communes with stable weights and a little monthly noise."""
    weights = [
        rng.uniform(0.4, 1.6) * (1.8 if c.division_type == "phuong" else 1) for c in communes
    ]
    rows, previous = [], None
    for (year, month), total in sorted(series.items()):
        noisy = [w * rng.uniform(0.985, 1.015) for w in weights]
        values = split_exact(total, noisy)
        for i, commune in enumerate(communes):
            rise = values[i] - (previous[i] if previous else int(values[i] * 0.98))
            # New sign-ups cover the rise plus those who stopped paying (about 1.5% a month).
            new = max(rise, 0) + int(values[i] * rng.uniform(0.008, 0.022))
            rows.append(
                MonthlyCount(
                    commune=commune,
                    year=year,
                    month=month,
                    participants=values[i],
                    new_participants=new,
                )
            )
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
    return DemoResult(counts=len(counts), targets=len(targets), users=users)


def _demo_reopening(province: Unit) -> None:
    import datetime as dt

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


def _insert_counts(counts: list[MonthlyCount]) -> None:
    """Write the demo counts; on PostgreSQL with COPY, ten times faster than bulk_create's
    INSERTs (every test that uses the demo pays this)."""
    if connection.vendor != "postgresql":
        MonthlyCount.objects.bulk_create(counts, batch_size=5000)
        return
    now = clock.now()
    copy_rows(
        MonthlyCount._meta.db_table,
        "commune_id, year, month, participants, new_participants, version, updated_at",
        (
            (c.commune_id, c.year, c.month, c.participants, c.new_participants, 1, now)
            for c in counts
        ),
    )


def demo_loaded() -> bool:
    return get_user_model().objects.filter(username=DEMO_USERS[0][0]).exists()


def _demo_users() -> list[tuple[str, str]]:
    User = get_user_model()
    made: list[tuple[str, str]] = []
    for username, role, (level, code), full_name in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username)
        first, _, last = full_name.rpartition(" ")
        user.first_name, user.last_name = first, last
        user.set_password(DEMO_PASSWORD)
        user.save()
        Profile.objects.update_or_create(
            user=user,
            defaults={
                "role": role,
                "unit": Unit.objects.get(level=level, code=code, valid_from__isnull=True),
            },
        )
        made.append((username, role))
    return made
