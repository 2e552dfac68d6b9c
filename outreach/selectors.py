"""Reads of the collection channels: the entry grid, and a unit's channel page (stored channel
figures, organisations against their targets, staff, events against plan, communes without a
collection point). Each function is a constant handful of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from bhxh_dashboard.months import cutoff_date
from outreach.access import active_point_q
from outreach.models import (
    ChannelCount,
    ChannelFigure,
    ChannelTarget,
    CollectionOrg,
    CollectionPoint,
    EventPlan,
    OrgKind,
    OutreachEvent,
    StaffCount,
    StaffTarget,
)
from provinces.access import can_enter_group_counts
from provinces.models import Level, Succession, Unit
from provinces.selectors import EntryGroup
from targets.models import MonthlyCount

# Sign-ups attributed to an event: its organiser's new participants in its commune in the months
# whose cut-off falls within this many days after it.
EVENT_WINDOW_DAYS = 30
NOT_ATTRIBUTED = "none"


def pct(part: int | None, whole: int | None) -> Decimal | None:
    """part / whole in %, 2 decimals, half away from zero (as the progress figures)."""
    if part is None or not whole:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.01"), "ROUND_HALF_UP")


# ---------------------------------------------------------------------------------------------
# The entry grid
# ---------------------------------------------------------------------------------------------


@dataclass
class ChannelRow:
    commune: Unit
    new_participants: int | None  # the commune's MonthlyCount of the month, None: not reported
    cells: dict[int, int | None] = field(default_factory=dict)  # org id -> stored figure
    others: int = 0  # what organisations not in the grid's columns brought (stored)
    editable: set[int] = field(default_factory=set)  # org ids the user may enter here

    @property
    def attributed(self) -> int:
        return self.others + sum(v or 0 for v in self.cells.values())

    @property
    def not_attributed(self) -> int | None:
        if self.new_participants is None:
            return None
        return self.new_participants - self.attributed


def grid_orgs(*, province_id: int, only: CollectionOrg | None = None) -> list[CollectionOrg]:
    """The columns of a grid: the organisations of the communes' province (or just one)."""
    if only is not None:
        return [only]
    return sorted(CollectionOrg.objects.filter(province_id=province_id), key=org_order)


def org_order(org: CollectionOrg) -> tuple[int, str]:
    """The post office first, BHXH itself last, as the kinds are listed."""
    return OrgKind.values.index(org.kind), org.name


def channel_rows(
    *, communes: list[Unit], orgs: list[CollectionOrg], year: int, month: int
) -> list[ChannelRow]:
    """Each commune's new participants of the month and its stored split (two queries)."""
    ids = [c.pk for c in communes]
    new = dict(
        MonthlyCount.objects.filter(commune_id__in=ids, year=year, month=month).values_list(
            "commune_id", "new_participants"
        )
    )
    stored: dict[int, dict[int, int]] = defaultdict(dict)
    for commune_id, org_id, value in ChannelCount.objects.filter(
        commune_id__in=ids, year=year, month=month
    ).values_list("commune_id", "org_id", "new_participants"):
        stored[commune_id][org_id] = value
    columns = {o.pk for o in orgs}
    return [
        ChannelRow(
            commune=c,
            new_participants=new.get(c.pk),
            cells={o.pk: stored[c.pk].get(o.pk) for o in orgs},
            others=sum(v for o, v in stored[c.pk].items() if o not in columns),
        )
        for c in communes
    ]


def org_point_communes(*, org: CollectionOrg, year: int, month: int) -> QuerySet[Unit]:
    """The communes where the organisation has a point open in the month: its reporter's grid."""
    first, last = dt.date(year, month, 1), cutoff_date(year, month)
    return (
        Unit.objects.communes()
        .filter(
            Exists(
                CollectionPoint.objects.filter(
                    active_point_q(first, last), org=org, commune=OuterRef("pk")
                )
            )
        )
        .order_by("code")
    )


def org_communes(*, org: CollectionOrg) -> QuerySet[Unit]:
    """The communes where the organisation has or had a point."""
    return (
        Unit.objects.communes()
        .filter(Exists(CollectionPoint.objects.filter(org=org, commune=OuterRef("pk"))))
        .order_by("code")
    )


def reporter_links(*, user: User) -> list[tuple[str, str]]:
    """An organisation's reporter's entry pages: its grid and its events."""
    org = CollectionOrg.objects.filter(reporters__user=user).first()
    if org is None:
        return []
    return [
        (
            _("Phát triển mới theo kênh: %(org)s") % {"org": org.name},
            reverse("outreach:entry", kwargs={"code": org.url_code}),
        ),
        (
            _("Hội nghị: %(org)s") % {"org": org.name},
            reverse("outreach:events", kwargs={"code": org.url_code}),
        ),
    ]


def entry_code_for(user: User, unit: Unit) -> str | None:
    """The entry grid of the unit the user enters the channels of, if any: an old district's,
    or on a province of today's map the user's office's or the province's own communes'."""
    group: EntryGroup | None = None
    if unit.level == Level.DISTRICT:
        group = EntryGroup(unit=unit)
    elif unit.level == Level.PROVINCE and unit.is_new_map:
        office = getattr(getattr(user, "profile", None), "office", None)
        group = EntryGroup(
            unit=unit, office=office if office and office.province_id == unit.pk else None
        )
    if group is None or not can_enter_group_counts(user, group):
        return None
    return group.url_code


# ---------------------------------------------------------------------------------------------
# A unit's channel page
# ---------------------------------------------------------------------------------------------


def kind_label(kind: str) -> str:
    return _("Chưa phân bổ") if kind == NOT_ATTRIBUTED else str(OrgKind(kind).label)


@dataclass
class ChannelShare:
    kind: str
    label: str
    in_month: int
    ytd: int
    share_pct: Decimal | None = None  # of the year to date


@dataclass
class TrendPart:
    kind: str
    label: str
    value: int
    pct: Decimal | None


@dataclass
class TrendMonth:
    month: int
    total: int
    parts: list[TrendPart]


@dataclass
class ChannelPage:
    unit: Unit
    year: int
    month: int
    shares: list[ChannelShare]
    total_in_month: int
    total_ytd: int
    trend: list[TrendMonth]
    carried: bool  # some of the year's months carried from the old units


def latest_channel_month(unit: Unit) -> tuple[int, int] | None:
    """The latest month with channel figures for the unit."""
    row = (
        ChannelFigure.objects.filter(unit=unit)
        .order_by("-year", "-month")
        .values_list("year", "month")
        .first()
    )
    return (row[0], row[1]) if row else None


def _commune_sources(unit: Unit, year: int) -> tuple[list[int], set[int]]:
    """A commune's own id, and for one of today's the old communes it carries on (in `year`)."""
    if not unit.is_new_map or unit.valid_from is None or unit.valid_from.year > year:
        return [unit.pk], set()
    old = set(
        Succession.objects.filter(successor=unit, is_default=True).values_list(
            "predecessor_id", flat=True
        )
    )
    return [unit.pk, *old], old


def commune_rows(*, unit: Unit, year: int, month: int) -> list[tuple[int, int | None, int, bool]]:
    """A commune's figures as the stored ones of the levels above: (month, organisation id or
    None for the part not attributed, new participants, carried), read from its own rows (and
    those of the old communes it carries on): two queries."""
    ids, old = _commune_sources(unit, year)
    channels = ChannelCount.objects.filter(commune_id__in=ids, year=year, month__lte=month)
    attributed: dict[tuple[int, int], int] = defaultdict(int)
    found: dict[tuple[int, int | None, bool], int] = defaultdict(int)
    for commune_id, m, org_id, n in channels.values_list(
        "commune_id", "month", "org_id", "new_participants"
    ):
        attributed[(commune_id, m)] += n
        found[(m, org_id, commune_id in old)] += n
    for commune_id, m, n in MonthlyCount.objects.filter(
        commune_id__in=ids, year=year, month__lte=month
    ).values_list("commune_id", "month", "new_participants"):
        if rest := n - attributed.get((commune_id, m), 0):
            found[(m, None, commune_id in old)] += rest
    return [(m, org_id, n, carried) for (m, org_id, carried), n in found.items()]


def _kind_rows(unit: Unit, year: int, month: int) -> list[tuple[int, str, int, bool]]:
    """(month, kind of organisation or NOT_ATTRIBUTED, new participants, carried) of the unit's
    year up to the month: the stored figures, or a commune's own rows."""
    if unit.level == Level.COMMUNE:
        rows = commune_rows(unit=unit, year=year, month=month)
        kinds = dict(
            CollectionOrg.objects.filter(pk__in={o for _m, o, _n, _c in rows if o}).values_list(
                "pk", "kind"
            )
        )
        return [(m, kinds[o] if o else NOT_ATTRIBUTED, n, c) for m, o, n, c in rows]
    stored = (
        ChannelFigure.objects.filter(unit=unit, year=year, month__lte=month)
        .values("month", "org__kind", "carried")
        .annotate(n=Sum("new_in_month"))
    )
    return [(r["month"], r["org__kind"] or NOT_ATTRIBUTED, r["n"], r["carried"]) for r in stored]


def channel_page(*, unit: Unit, year: int, month: int) -> ChannelPage:
    """New participants by channel (the kind of organisation), the month and the year to date,
    and each month's split for the trend: one query (two for a commune)."""
    by_month: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    carried = False
    for m, kind, n, was_carried in _kind_rows(unit, year, month):
        by_month[m][kind] += n
        carried = carried or was_carried
    kinds = [k for k in [*OrgKind.values, NOT_ATTRIBUTED] if any(k in m for m in by_month.values())]
    ytd = {k: sum(m.get(k, 0) for m in by_month.values()) for k in kinds}
    this = by_month.get(month, {})
    total_ytd = sum(ytd.values())
    shares = [
        ChannelShare(k, kind_label(k), this.get(k, 0), ytd[k], pct(ytd[k], total_ytd))
        for k in kinds
    ]
    trend = []
    for m in range(1, month + 1):
        values = by_month.get(m, {})
        total = sum(values.values())
        trend.append(
            TrendMonth(
                m,
                total,
                [
                    TrendPart(k, kind_label(k), values.get(k, 0), pct(values.get(k, 0), total))
                    for k in kinds
                ],
            )
        )
    return ChannelPage(
        unit=unit,
        year=year,
        month=month,
        shares=shares,
        total_in_month=sum(this.values()),
        total_ytd=total_ytd,
        trend=trend,
        carried=carried,
    )


@dataclass
class OrgProgress:
    org: CollectionOrg
    new_ytd: int
    target: int | None
    completion_pct: Decimal | None
    gap: int | None
    required_pace: int | None
    as_of_month: int


def target_figures(
    ytd: int, target: int | None, month: int
) -> tuple[Decimal | None, int | None, int | None]:
    """Completion %, gap and required pace of a year-to-date figure against a yearly target, as
    outreach/figures.py stores them (the pace over the months left to December)."""
    if target is None:
        return None, None, None
    gap = max(target - ytd, 0)
    pace = 0 if gap == 0 else (-(-gap // (12 - month)) if month < 12 else None)
    return pct(ytd, target), gap, pace


def org_progress(*, unit: Unit, year: int, month: int) -> list[OrgProgress]:
    """Each organisation at the unit against its own target there, as of its latest month of
    the year up to `month`: the stored rows (one query), or a commune's own (three). Only
    organisations that brought someone in."""
    if unit.level == Level.COMMUNE:
        return _commune_org_progress(unit, year, month)
    rows = (
        ChannelFigure.objects.filter(unit=unit, year=year, month__lte=month, org__isnull=False)
        .select_related("org")
        .order_by("org_id", "-month")
    )
    seen: dict[int, OrgProgress] = {}
    for r in rows:
        if r.org is None or r.org.pk in seen:
            continue
        seen[r.org.pk] = OrgProgress(
            r.org, r.new_ytd, r.target, r.completion_pct, r.gap, r.required_pace, r.month
        )
    return sorted(seen.values(), key=lambda o: org_order(o.org))


def _commune_org_progress(unit: Unit, year: int, month: int) -> list[OrgProgress]:
    ytd: dict[int, int] = defaultdict(int)
    last: dict[int, int] = {}
    for m, org_id, n, _carried in commune_rows(unit=unit, year=year, month=month):
        if org_id is not None:
            ytd[org_id] += n
            last[org_id] = max(last.get(org_id, 0), m)
    targets = dict(
        ChannelTarget.objects.filter(unit=unit, year=year, org_id__in=ytd).values_list(
            "org_id", "value"
        )
    )
    found = []
    for org in CollectionOrg.objects.filter(pk__in=ytd):
        target = targets.get(org.pk)
        found.append(
            OrgProgress(
                org,
                ytd[org.pk],
                target,
                *target_figures(ytd[org.pk], target, last[org.pk]),
                last[org.pk],
            )
        )
    return sorted(found, key=lambda o: org_order(o.org))


@dataclass
class StaffRow:
    name: str
    code: str
    org: str
    months: list[int | None]
    ytd: int
    target: int | None
    completion_pct: Decimal | None


STAFF_LIMIT = 50


def staff_rows(*, unit: Unit, year: int, month: int) -> tuple[list[StaffRow], int]:
    """New participants per collection staff member per month of the year up to `month`, for
    the staff whose point is in the unit, most first (at most STAFF_LIMIT), and how many there
    are: two queries."""
    communes = Unit.objects.within(unit).filter(level=Level.COMMUNE)
    counts = StaffCount.objects.filter(
        staff__point__commune__in=communes, year=year, month__lte=month
    ).values_list(
        "staff_id", "staff__name", "staff__code", "staff__org__name", "month", "new_participants"
    )
    by_staff: dict[int, StaffRow] = {}
    for staff_id, name, code, org, m, value in counts:
        row = by_staff.setdefault(
            staff_id, StaffRow(name, code, org, [None] * month, 0, None, None)
        )
        row.months[m - 1] = value
        row.ytd += value
    ranked = sorted(by_staff.items(), key=lambda kv: (-kv[1].ytd, kv[1].code))[:STAFF_LIMIT]
    targets = dict(
        StaffTarget.objects.filter(staff_id__in=[k for k, _r in ranked], year=year).values_list(
            "staff_id", "value"
        )
    )
    for staff_id, row in ranked:
        row.target = targets.get(staff_id)
        row.completion_pct = pct(row.ytd, row.target)
    return [r for _k, r in ranked], len(by_staff)


@dataclass
class EventRow:
    event: OutreachEvent
    conversion_pct: Decimal | None
    signed_after: int  # the organiser's new participants in the commune within the window


@dataclass
class EventSummary:
    held: int
    planned: int | None
    plan_pct: Decimal | None
    prospects: int | None
    attendees: int
    sign_ups: int
    conversion_pct: Decimal | None
    signed_after: int
    latest: list[EventRow]


def _unit_communes(unit: Unit) -> QuerySet[Unit]:
    """The communes whose events and points count for the unit: its own, and for a province of
    today's map those of the old provinces it took over (their history)."""
    return Unit.objects.readable_from(unit).filter(level=Level.COMMUNE)


def event_summary(*, unit: Unit, year: int, month: int, latest: int = 20) -> EventSummary:
    """Events held in the unit from January to the month's cut-off against the year's plan, their
    attendees, sign-ups and conversion; the latest ones each with the sign-ups attributed to it
    within EVENT_WINDOW_DAYS after it. Four queries."""
    cutoff = cutoff_date(year, month)
    events = OutreachEvent.objects.filter(
        commune__in=_unit_communes(unit), held_on__gte=dt.date(year, 1, 1), held_on__lte=cutoff
    )
    totals = events.aggregate(a=Sum("attendees"), s=Sum("sign_ups"))
    held = events.count()
    plan = EventPlan.objects.filter(
        Q(unit=unit) | Q(unit_id__in=unit.taken_over_province_ids), year=year
    ).aggregate(e=Sum("events"), p=Sum("prospects"))
    rows = list(events.select_related("commune", "organiser").order_by("-held_on", "-id")[:latest])
    after = _signed_after(rows)
    attendees, sign_ups = totals["a"] or 0, totals["s"] or 0
    return EventSummary(
        held=held,
        planned=plan["e"],
        plan_pct=pct(held, plan["e"]),
        prospects=plan["p"],
        attendees=attendees,
        sign_ups=sign_ups,
        conversion_pct=pct(sign_ups, attendees),
        signed_after=sum(after.values()),
        latest=[EventRow(e, pct(e.sign_ups, e.attendees), after.get(e.pk, 0)) for e in rows],
    )


def _window_months(day: dt.date) -> list[tuple[int, int]]:
    """The months whose cut-off falls within EVENT_WINDOW_DAYS after `day` (the day included)."""
    end = day + dt.timedelta(days=EVENT_WINDOW_DAYS)
    months, (y, m) = [], (day.year, day.month)
    while cutoff_date(y, m) <= end:
        if cutoff_date(y, m) >= day:
            months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def _signed_after(events: list[OutreachEvent]) -> dict[int, int]:
    """For each event, its organiser's new participants in its commune in its window (one query)."""
    wanted = {e.pk: _window_months(e.held_on) for e in events}
    if not events:
        return {}
    counts = ChannelCount.objects.filter(
        commune_id__in={e.commune_id for e in events},
        org_id__in={e.organiser_id for e in events},
        year__in={y for months in wanted.values() for y, _m in months},
    ).values_list("commune_id", "org_id", "year", "month", "new_participants")
    found = {(c, o, y, m): n for c, o, y, m, n in counts}
    return {
        e.pk: sum(found.get((e.commune_id, e.organiser_id, y, m), 0) for y, m in wanted[e.pk])
        for e in events
    }


@dataclass
class PointCoverage:
    communes: int
    without: int
    names: list[str]


def communes_without_point(*, unit: Unit, day: dt.date, limit: int = 60) -> PointCoverage:
    """The unit's communes in force on the day with no collection point open that day."""
    communes = Unit.objects.within(unit).filter(level=Level.COMMUNE).in_force(day)
    open_point = CollectionPoint.objects.filter(active_point_q(day, day), commune=OuterRef("pk"))
    without = communes.exclude(Exists(open_point)).order_by("name")
    return PointCoverage(
        communes=communes.count(),
        without=without.count(),
        names=list(without.values_list("name", flat=True)[:limit]),
    )


@dataclass
class NetworkRow:
    org: str
    points: int
    staff: int


def network_summary(*, unit: Unit, day: dt.date) -> list[NetworkRow]:
    """Each organisation's collection points open on the day in the unit's communes, and the
    staff at them: one grouped query."""
    rows = (
        CollectionPoint.objects.filter(active_point_q(day, day), commune__in=_unit_communes(unit))
        .values("org_id", "org__name", "org__kind")
        .annotate(points=Count("id", distinct=True), staff_count=Count("staff", distinct=True))
    )
    ordered = sorted(rows, key=lambda r: (OrgKind.values.index(r["org__kind"]), r["org__name"]))
    return [NetworkRow(r["org__name"], r["points"], r["staff_count"]) for r in ordered]


# ---------------------------------------------------------------------------------------------
# The channels' section of a unit's PDF summary
# ---------------------------------------------------------------------------------------------

POINT_NAMES_SHOWN = 10  # the PDF names the communes without a point when there are this few


@dataclass
class OutreachSummary:
    page: ChannelPage
    orgs: list[OrgProgress]
    events: EventSummary
    points: PointCoverage | None  # None: the unit is not in force at the month's cut-off


def outreach_summary(*, unit: Unit, year: int, month: int) -> OutreachSummary | None:
    """What the channel page shows, for the unit's PDF summary: new participants by channel
    for the year to the month, each organisation against its target, events against plan,
    communes without a collection point. None when the unit has none of it (no channel figure,
    no event, no plan, no organisation)."""
    page = channel_page(unit=unit, year=year, month=month)
    orgs = org_progress(unit=unit, year=year, month=month)
    events = event_summary(unit=unit, year=year, month=month, latest=0)
    cutoff = cutoff_date(year, month)
    points = (
        communes_without_point(unit=unit, day=cutoff, limit=POINT_NAMES_SHOWN)
        if unit.in_force_on(cutoff)
        else None
    )
    if not (page.total_ytd or orgs or events.held or events.planned):
        return None
    return OutreachSummary(page=page, orgs=orgs, events=events, points=points)
