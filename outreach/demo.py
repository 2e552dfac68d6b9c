"""The demo's collection network, seeded and deterministic (called by targets.demo.load_demo).

For each of today's demo provinces and the old provinces behind it: the post office, Viettel,
the Women's Union, the Farmers' Association and BHXH itself (today's provinces also the commune
People's Committees); the post office has a point in every commune, the associations in some;
a collection staff member per point of today's map; every commune-month's new participants split
by channel (most of it attributed, some not); outreach events every month against a yearly plan;
yearly targets for each organisation, the post office's communes and each staff member; and the
post office's reporter of today's Bắc Ninh. Each figure is drawn from a generator seeded by what
it describes, so a later clock adds months without changing the earlier ones.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from outreach.models import (
    ChannelCount,
    ChannelTarget,
    CollectionOrg,
    CollectionPoint,
    CollectionStaff,
    EventKind,
    EventPlan,
    OrgKind,
    OrgReporter,
    OutreachEvent,
    StaffCount,
    StaffTarget,
)
from provinces.models import NEW_MAP_FROM, OLD_MAP_UNTIL, Profile, Role, Unit
from targets.models import MonthlyCount

SEED = 2023
OLD_POINTS_FROM = dt.date(2018, 1, 1)
FIRST_CHANNEL_YEAR = 2023
REFORM_YEAR = 2025
# (kind, name pattern, share of the new participants where it has a point, share of communes
# with a point). The rest of a commune's new participants is left not attributed.
ORGS = [
    (OrgKind.POST_OFFICE, "Bưu điện tỉnh {p}", 0.46, 1.0),
    (OrgKind.BHXH, "BHXH tỉnh {p} (thu trực tiếp)", 0.18, 0.0),
    (OrgKind.VIETTEL, "Viettel {p}", 0.06, 0.25),
    (OrgKind.WOMENS_UNION, "Hội LHPN tỉnh {p}", 0.12, 0.35),
    (OrgKind.FARMERS, "Hội Nông dân tỉnh {p}", 0.08, 0.30),
]
TODAY_ONLY = [(OrgKind.COMMUNE_COMMITTEE, "UBND cấp xã tỉnh {p}", 0.04, 0.2)]
UNATTRIBUTED = (0.0, 0.14)
EVENT_KINDS = [
    (EventKind.CUSTOMER_CONFERENCE, 0.5, (40, 150)),
    (EventKind.CONFERENCE, 0.25, (60, 200)),
    (EventKind.DIALOGUE, 0.1, (30, 80)),
    (EventKind.DOOR_TO_DOOR, 0.15, (8, 40)),
]
REPORTER = ("buudien-bacninh", "Cán bộ Bưu điện tỉnh Bắc Ninh")
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương"]
MIDDLE = ["Thị", "Văn", "Minh", "Thu", "Đức", "Thanh", "Ngọc", "Quang", "Hồng"]
GIVEN = ["Lan", "Hùng", "Hương", "Dũng", "Mai", "Tuấn", "Hà", "Nam", "Yến", "Sơn", "Thảo", "Long"]


@dataclass
class OutreachDemo:
    orgs: int = 0
    points: int = 0
    channel_counts: int = 0
    events: int = 0


def split_exact(total: int, weights: list[float]) -> list[int]:
    from targets.demo import split_exact as split

    return split(total, weights)


@transaction.atomic
def load_outreach_demo(
    provinces: dict[str, tuple[Unit, list[Unit]]], *, last: tuple[int, int], password: str
) -> OutreachDemo:
    """Replace the demo network of today's provinces and the old provinces behind them."""
    everything = [p for new, olds in provinces.values() for p in (new, *olds)]
    result = OutreachDemo()
    _clear(everything)
    for new, olds in provinces.values():
        for province in (*olds, new):
            _province_network(province, last, result)
    bac_ninh = next((new for code, (new, _o) in provinces.items() if code == "24"), None)
    if bac_ninh is not None:
        _reporter(bac_ninh, password)
    return result


def _clear(provinces: list[Unit]) -> None:
    orgs = CollectionOrg.objects.filter(province__in=provinces)
    OutreachEvent.objects.filter(organiser__in=orgs).delete()
    ChannelCount.objects.filter(org__in=orgs).delete()
    ChannelTarget.objects.filter(org__in=orgs).delete()
    EventPlan.objects.filter(unit__in=provinces).delete()
    from outreach.models import ChannelChange

    ChannelChange.objects.filter(org__in=orgs).delete()
    orgs.delete()


def _province_network(province: Unit, last: tuple[int, int], result: OutreachDemo) -> None:
    rng = random.Random(f"{SEED}-outreach-{province.url_code}")
    communes = list(Unit.objects.communes().filter(province=province).order_by("code"))
    specs = ORGS + (TODAY_ONLY if province.is_new_map else [])
    orgs: list[tuple[CollectionOrg, float]] = []
    has_point: dict[int, set[int]] = defaultdict(set)  # org id -> communes with a point
    points, staff = [], []
    for kind, pattern, share, coverage in specs:
        org = CollectionOrg.objects.create(
            province=province, kind=kind, name=pattern.format(p=province.name)
        )
        orgs.append((org, share))
        for commune in communes:
            if coverage and (coverage >= 1 or rng.random() < coverage):
                has_point[org.pk].add(commune.pk)
                points.append(
                    CollectionPoint(
                        org=org,
                        commune=commune,
                        name=_point_name(kind, commune),
                        active_from=NEW_MAP_FROM if province.is_new_map else OLD_POINTS_FROM,
                        active_until=None if province.is_new_map else OLD_MAP_UNTIL,
                    )
                )
    points = CollectionPoint.objects.bulk_create(points, batch_size=2000)
    result.orgs += len(orgs)
    result.points += len(points)
    if province.is_new_map:
        for i, point in enumerate(points):
            staff.append(
                CollectionStaff(
                    org=point.org,
                    code=f"NV{i + 1:04d}",
                    name=f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                    point=point,
                )
            )
        staff = CollectionStaff.objects.bulk_create(staff, batch_size=2000)
    counts = _channel_counts(province, orgs, has_point, last)
    result.channel_counts += len(counts)
    _staff_counts(staff, counts)
    _targets(province, orgs, counts, staff)
    result.events += _events(province, orgs, communes, last, rng)


def _point_name(kind: str, commune: Unit) -> str:
    if kind == OrgKind.POST_OFFICE:
        return f"Điểm bưu điện văn hóa {commune.name}"
    return f"Điểm thu {commune.name}"


def _channel_counts(
    province: Unit,
    orgs: list[tuple[CollectionOrg, float]],
    has_point: dict[int, set[int]],
    last: tuple[int, int],
) -> list[ChannelCount]:
    """Each commune-month's new participants split over the organisations working there."""
    rows = MonthlyCount.objects.filter(
        commune__province=province, year__gte=FIRST_CHANNEL_YEAR, new_participants__gt=0
    ).values_list("commune_id", "year", "month", "new_participants")
    counts = []
    for commune_id, year, month, new in rows.iterator():
        if (year, month) > last:
            continue
        rng = random.Random(f"{SEED}-split-{commune_id}-{year}-{month}")
        here = [
            (org, share * rng.uniform(0.6, 1.4))
            for org, share in orgs
            if org.kind == OrgKind.BHXH or commune_id in has_point[org.pk]
        ]
        weights = [w for _o, w in here] + [rng.uniform(*UNATTRIBUTED)]
        for (org, _w), value in zip(here, split_exact(new, weights)[:-1], strict=True):
            if value:
                counts.append(
                    ChannelCount(
                        commune_id=commune_id,
                        org=org,
                        year=year,
                        month=month,
                        new_participants=value,
                    )
                )
    return ChannelCount.objects.bulk_create(counts, batch_size=5000)


def _staff_counts(staff: list[CollectionStaff], counts: list[ChannelCount]) -> None:
    """A point's staff member brought what the organisation brought in the point's commune."""
    by_point = {(s.org_id, s.point.commune_id): s for s in staff if s.point is not None}
    StaffCount.objects.bulk_create(
        (
            StaffCount(
                staff=member, year=c.year, month=c.month, new_participants=c.new_participants
            )
            for c in counts
            if (member := by_point.get((c.org_id, c.commune_id))) is not None
        ),
        batch_size=5000,
    )


def _targets(
    province: Unit,
    orgs: list[tuple[CollectionOrg, float]],
    counts: list[ChannelCount],
    staff: list[CollectionStaff],
) -> None:
    """Each organisation's target in the province for each year with figures (what it brings in
    a year at its pace so far, give or take), the post office's in each commune, each staff
    member's; and the province's plan of events."""
    rng = random.Random(f"{SEED}-outreach-targets-{province.url_code}")
    totals: dict[tuple[int, int], int] = defaultdict(int)
    months: dict[int, set[int]] = defaultdict(set)
    by_commune: dict[tuple[int, int, int], int] = defaultdict(int)
    for c in counts:
        totals[(c.org_id, c.year)] += c.new_participants
        months[c.year].add(c.month)
        by_commune[(c.org_id, c.commune_id, c.year)] += c.new_participants
    post = next(org for org, _s in orgs if org.kind == OrgKind.POST_OFFICE)

    def yearly(total: int, year: int) -> int:
        # 2025 is half a year on each map (the old one to June, today's from July).
        span = 6 if year == REFORM_YEAR else 12
        pace = total * span / len(months[year])
        return max(10, int(round(pace * rng.uniform(0.95, 1.25), -1)))

    targets = [
        ChannelTarget(org_id=org_id, unit=province, year=year, value=yearly(total, year))
        for (org_id, year), total in sorted(totals.items())
    ]
    targets += [
        ChannelTarget(org_id=org_id, unit_id=commune_id, year=year, value=yearly(total, year))
        for (org_id, commune_id, year), total in sorted(by_commune.items())
        if org_id == post.pk
    ]
    ChannelTarget.objects.bulk_create(targets, batch_size=2000)
    by_staff: dict[tuple[int, int], int] = defaultdict(int)
    staff_of = {(s.org_id, s.point.commune_id): s.pk for s in staff if s.point is not None}
    for (org_id, commune_id, year), total in by_commune.items():
        if (member := staff_of.get((org_id, commune_id))) is not None:
            by_staff[(member, year)] += total
    StaffTarget.objects.bulk_create(
        (
            StaffTarget(staff_id=member, year=year, value=yearly(total, year))
            for (member, year), total in sorted(by_staff.items())
        ),
        batch_size=2000,
    )
    # The plan is for the province's whole year (half of 2025 on each map), so by May about
    # five twelfths of it are held, as a manager would see it.
    EventPlan.objects.bulk_create(
        EventPlan(unit=province, year=year, events=events, prospects=events * 40)
        for year in sorted(months)
        if (events := (6 if year == REFORM_YEAR else 12) * rng.randint(9, 13))
    )


def _events(
    province: Unit,
    orgs: list[tuple[CollectionOrg, float]],
    communes: list[Unit],
    last: tuple[int, int],
    rng: random.Random,
) -> int:
    """A handful of events a month in the province's months (the old map's to June 2025)."""
    first = (FIRST_CHANNEL_YEAR, 1) if not province.is_new_map else (2025, 7)
    final = min(last, (2025, 6)) if not province.is_new_map else last
    organisers = [o for o, _s in orgs if o.kind != OrgKind.VIETTEL]
    events = []
    year, month = first
    while (year, month) <= final and communes:
        month_rng = random.Random(f"{SEED}-events-{province.url_code}-{year}-{month}")
        for _i in range(month_rng.randint(6, 12)):
            kind, _w, (low, high) = month_rng.choices(
                EVENT_KINDS, weights=[w for _k, w, _r in EVENT_KINDS]
            )[0]
            attendees = month_rng.randint(low, high)
            events.append(
                OutreachEvent(
                    commune=month_rng.choice(communes),
                    organiser=month_rng.choice(organisers),
                    kind=kind,
                    held_on=dt.date(year, month, month_rng.randint(1, 25)),
                    attendees=attendees,
                    sign_ups=round(attendees * month_rng.uniform(0.02, 0.22)),
                )
            )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    OutreachEvent.objects.bulk_create(events, batch_size=2000)
    return len(events)


def _reporter(province: Unit, password: str) -> None:
    """The post office of today's Bắc Ninh's own reporter."""
    username, full_name = REPORTER
    org = CollectionOrg.objects.get(province=province, kind=OrgKind.POST_OFFICE)
    user, _created = get_user_model().objects.get_or_create(username=username)
    first, _sep, last_name = full_name.rpartition(" ")
    user.first_name, user.last_name = first, last_name
    user.set_password(password)
    user.save()
    Profile.objects.update_or_create(
        user=user, defaults={"role": Role.ORG_REPORTER, "unit": province, "office": None}
    )
    OrgReporter.objects.update_or_create(user=user, defaults={"org": org})
