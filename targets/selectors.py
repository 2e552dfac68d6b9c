"""Reads for data entry: the month window, the entry grid, target allocation, change history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from django.contrib.auth.models import User
from django.db.models import F, Max, Q, QuerySet, Sum
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bhxh_dashboard import clock
from bhxh_dashboard.formatting import user_label
from bhxh_dashboard.months import closes_on, cutoff_date, latest_reportable_month, previous_month
from provinces import access
from provinces.models import GrassrootsOffice, Level, Role, Unit
from provinces.selectors import EntryGroup, province_offices
from targets.models import (
    ChangeLog,
    MonthlyCount,
    MonthReopening,
    OfficeTarget,
    Target,
    TargetKind,
)

# ---------------------------------------------------------------------------------------------
# The month window
# ---------------------------------------------------------------------------------------------


class WindowState(StrEnum):
    NOT_YET = "not_yet"  # before the cut-off day: the month cannot be reported yet
    OPEN = "open"  # from the cut-off day until MONTH_CLOSE_AFTER_DAYS days after it
    REOPENED = "reopened"  # closed, but a provincial officer reopened it and it is still open
    CLOSED = "closed"


@dataclass(frozen=True)
class MonthWindow:
    """When a month can be entered. `closes_on` is the last day of the normal window, inclusive."""

    year: int
    month: int
    cutoff: dt.date
    closes_on: dt.date
    state: WindowState
    reopened_until: dt.datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.state in (WindowState.OPEN, WindowState.REOPENED)


def province_id_of(unit: Unit) -> int:
    """The province of a unit below the nation (every such unit stores its province)."""
    assert unit.province_id is not None, f"unit {unit.pk} has no province"
    return unit.province_id


def open_reopening(
    province_id: int, year: int, month: int, now: dt.datetime | None = None
) -> MonthReopening | None:
    """The reopening of that month for that province that is still running, if any."""
    now = now or clock.now()
    return (
        MonthReopening.objects.filter(
            province_id=province_id, year=year, month=month, open_until__gt=now
        )
        .order_by("-open_until")
        .first()
    )


def month_window(
    *,
    province_id: int,
    year: int,
    month: int,
    today: dt.date | None = None,
    reopening: MonthReopening | None | Literal[False] = False,
) -> MonthWindow:
    """The window of one month for one province.

    Open on the cut-off day itself; the last open day is cut-off + MONTH_CLOSE_AFTER_DAYS. After
    that only a running MonthReopening of the province opens it. `reopening` lets a caller that
    already looked it up pass it (or None for "none"); False means "look it up" (one query, and
    only when the normal window is closed).
    """
    today = today or clock.today()
    cutoff = cutoff_date(year, month)
    last_open_day = closes_on(year, month)
    if today < cutoff:
        return MonthWindow(year, month, cutoff, last_open_day, WindowState.NOT_YET)
    if today <= last_open_day:
        return MonthWindow(year, month, cutoff, last_open_day, WindowState.OPEN)
    if reopening is False:
        reopening = open_reopening(province_id, year, month)
    if reopening:
        return MonthWindow(
            year, month, cutoff, last_open_day, WindowState.REOPENED, reopening.open_until
        )
    return MonthWindow(year, month, cutoff, last_open_day, WindowState.CLOSED)


def in_unit_lifetime(unit: Unit, year: int, month: int) -> bool:
    """Whether a month's cut-off falls while the unit is in force: an old district's months end
    with June 2025, today's map's begin with July 2025."""
    return unit.in_force_on(cutoff_date(year, month))


def entry_months(
    *,
    province_id: int,
    today: dt.date | None = None,
    count: int = 12,
    unit: Unit | None = None,
) -> list[MonthWindow]:
    """The months offered in the month picker: the latest reportable months plus every month the
    province has reopened and is still open, newest first. Two queries at most.

    With `unit`, only the months whose cut-off falls while it is in force: an old district
    offers its last twelve months up to June 2025, and the ones reopened before then.
    """
    today = today or clock.today()
    now = clock.now()
    reopenings = {
        (r.year, r.month): r
        for r in MonthReopening.objects.filter(
            province_id=province_id, open_until__gt=now
        ).order_by("open_until")
    }
    last_day = today
    if unit is not None and unit.valid_until is not None:
        last_day = min(today, unit.valid_until)
    months: list[tuple[int, int]] = []
    year, month = latest_reportable_month(last_day)
    for _i in range(count):
        months.append((year, month))
        year, month = previous_month(year, month)
    months = sorted(set(months) | set(reopenings), reverse=True)
    if unit is not None:
        months = [(y, m) for y, m in months if in_unit_lifetime(unit, y, m)]
        if not months and unit.valid_from is not None:  # before the first cut-off of its map
            months = [(unit.valid_from.year, unit.valid_from.month)]
    return [
        month_window(
            province_id=province_id,
            year=y,
            month=m,
            today=today,
            reopening=reopenings.get((y, m)),
        )
        for y, m in months
    ]


def recent_reopenings(*, province: Unit, limit: int = 20) -> QuerySet[MonthReopening]:
    """The province's latest reopenings, newest first, with who reopened (one query)."""
    return (
        MonthReopening.objects.filter(province=province)
        .select_related("reopened_by")
        .order_by("-reopened_at")[:limit]
    )


def default_entry_month(windows: list[MonthWindow]) -> tuple[int, int]:
    """The latest open month, else the latest reportable one."""
    for window in windows:
        if window.is_open:
            return window.year, window.month
    return windows[0].year, windows[0].month


# ---------------------------------------------------------------------------------------------
# The entry home
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryLink:
    label: str
    url: str


def entry_links(*, user: User) -> list[EntryLink]:
    """The entry pages the user works on: their grid, their province's targets and offices."""
    unit = access.scope_unit(user)
    role = access.role_of(user)
    if unit is None or user.is_superuser:
        return []
    profile = user.profile
    if role == Role.DISTRICT_STAFF and unit.level == Level.DISTRICT:
        return [EntryLink(_("Nhập số liệu %(unit)s") % {"unit": unit.full_name}, counts_url(unit))]
    if role == Role.GRASSROOTS_STAFF and profile.office is not None:
        group = EntryGroup(unit=unit, office=profile.office)
        return [EntryLink(_("Nhập số liệu %(unit)s") % {"unit": group.name}, counts_url(group))]
    if role == Role.ORG_REPORTER:  # a collection organisation's own reporter (outreach/)
        from outreach.selectors import reporter_links

        return [EntryLink(label, url) for label, url in reporter_links(user=user)]
    if role != Role.PROVINCIAL_OFFICER or unit.level != Level.PROVINCE:
        return []
    targets = EntryLink(
        _("Giao chỉ tiêu %(unit)s") % {"unit": unit.name},
        reverse("targets:targets", kwargs={"code": unit.url_code}),
    )
    if not access.can_manage_offices(user, unit):
        return [targets]
    own = EntryGroup(unit=unit)
    return [
        EntryLink(_("Nhập số liệu: %(group)s") % {"group": own.name}, counts_url(own)),
        targets,
        EntryLink(
            _("BHXH cơ sở của %(unit)s") % {"unit": unit.name},
            reverse("provinces:offices", kwargs={"code": unit.url_code}),
        ),
    ]


def counts_url(group: EntryGroup | Unit) -> str:
    return reverse("targets:counts", kwargs={"code": group.url_code})


# ---------------------------------------------------------------------------------------------
# The count grid (the monthly entry page)
# ---------------------------------------------------------------------------------------------


@dataclass
class CountGridRow:
    commune: Unit
    participants: int | None = None
    new_participants: int | None = None
    version: int = 0  # 0: no row yet
    updated_by: str = ""
    updated_at: dt.datetime | None = None
    prev_participants: int | None = None
    prev_new_participants: int | None = None


@dataclass
class CountGrid:
    group: EntryGroup
    year: int
    month: int
    rows: list[CountGridRow]
    total_participants: int = 0
    total_new: int = 0
    total_prev_participants: int = 0
    total_prev_new: int = 0
    reported: int = 0

    @property
    def change(self) -> int:
        return self.total_participants - self.total_prev_participants


def count_grid(*, group: EntryGroup, year: int, month: int) -> CountGrid:
    """Every commune of the group (a district, an office, or those a province serves itself) with
    this month's and last month's figures: two queries."""
    communes = list(group.communes())
    pyear, pmonth = previous_month(year, month)
    counts = MonthlyCount.objects.filter(commune_id__in=[c.pk for c in communes]).filter(
        Q(year=year, month=month) | Q(year=pyear, month=pmonth)
    )
    current: dict[int, MonthlyCount] = {}
    previous: dict[int, MonthlyCount] = {}
    for count in counts.select_related("updated_by"):
        (current if (count.year, count.month) == (year, month) else previous)[count.commune_id] = (
            count
        )
    rows = []
    for commune in communes:
        row = CountGridRow(commune=commune)
        if (c := current.get(commune.pk)) is not None:
            row.participants, row.new_participants = c.participants, c.new_participants
            row.version, row.updated_at = c.version, c.updated_at
            row.updated_by = user_label(c.updated_by)
        if (p := previous.get(commune.pk)) is not None:
            row.prev_participants, row.prev_new_participants = p.participants, p.new_participants
        rows.append(row)
    grid = CountGrid(group=group, year=year, month=month, rows=rows)
    grid.total_participants = sum(r.participants or 0 for r in rows)
    grid.total_new = sum(r.new_participants or 0 for r in rows)
    grid.total_prev_participants = sum(r.prev_participants or 0 for r in rows)
    grid.total_prev_new = sum(r.prev_new_participants or 0 for r in rows)
    grid.reported = sum(1 for r in rows if r.version)
    return grid


# ---------------------------------------------------------------------------------------------
# Target allocation
# ---------------------------------------------------------------------------------------------


DEFAULT_DEADLINE = 12
# Where an inherited deadline comes from, by the level of the ancestor whose target sets it.
DEADLINE_FROM: dict[int, Promise] = {
    Level.NATION: gettext_lazy("theo toàn quốc"),
    Level.PROVINCE: gettext_lazy("theo tỉnh"),
    Level.DISTRICT: gettext_lazy("theo huyện"),
}


@dataclass(frozen=True)
class InheritedDeadline:
    """The deadline a unit whose target has none of its own takes, and where it comes from."""

    month: int
    source: Promise | str

    @property
    def label(self) -> str:
        """What the grid shows greyed, e.g. "10 · theo tỉnh"."""
        return f"{self.month:02d} · {self.source}"


def inherited_deadline(ancestors: Iterable[tuple[int, int | None]]) -> InheritedDeadline:
    """The first deadline set among `ancestors` ((level, deadline month or None), nearest
    first), else December: the rule of progress/figures.py, for a unit without its own."""
    for level, month in ancestors:
        if month is not None:
            return InheritedDeadline(month, DEADLINE_FROM[level])
    return InheritedDeadline(DEFAULT_DEADLINE, gettext_lazy("mặc định"))


@dataclass
class AllocationRow:
    unit: Unit | None  # None: a grassroots office's own line
    participants: int | None = None
    new_participants: int | None = None
    deadline_month: int | None = None  # its own; None: it takes `inherited`
    children_participants: int | None = None  # what this unit's own children add up to
    children_new: int | None = None
    inherited: InheritedDeadline | None = None  # the deadline it takes without its own


@dataclass
class TargetAllocation:
    """A parent's targets against what its children's targets add up to."""

    parent: Unit
    year: int
    parent_row: AllocationRow
    rows: list[AllocationRow] = field(default_factory=list)
    office: GrassrootsOffice | None = None  # the parent is this office of the province

    @property
    def allocated_participants(self) -> int:
        return sum(r.participants or 0 for r in self.rows)

    @property
    def allocated_new(self) -> int:
        return sum(r.new_participants or 0 for r in self.rows)

    @property
    def unallocated_participants(self) -> int | None:
        """Positive: under-allocated; negative: over-allocated; None: the parent has no target."""
        if self.parent_row.participants is None:
            return None
        return self.parent_row.participants - self.allocated_participants

    @property
    def unallocated_new(self) -> int | None:
        if self.parent_row.new_participants is None:
            return None
        return self.parent_row.new_participants - self.allocated_new


def _put_target(row: AllocationRow, target: Target) -> None:
    """A target into its row; the participants target's deadline wins over the other's."""
    if target.kind == TargetKind.PARTICIPANTS:
        row.participants = target.value
        row.deadline_month = target.deadline_month
    else:
        row.new_participants = target.value
        if row.deadline_month is None:
            row.deadline_month = target.deadline_month


def latest_target_year(*, province_id: int) -> int | None:
    """The latest year with a target anywhere in the province (the targets page opens on it)."""
    return Target.objects.filter(unit__province_id=province_id).aggregate(y=Max("year"))["y"]


def _targets_with_ancestors(
    unit_ids: Iterable[int], ancestor_ids: Iterable[int], *, year: int
) -> tuple[list[Target], dict[int, int | None]]:
    """The units' targets of the year, and the deadline of each ancestor's participants target
    (the nation's under key Level.NATION, 0): one query."""
    units = set(unit_ids)
    own: list[Target] = []
    deadlines: dict[int, int | None] = {}
    for target in Target.objects.filter(
        Q(unit_id__in=units)
        | Q(unit_id__in=list(ancestor_ids), kind=TargetKind.PARTICIPANTS)
        | Q(unit__level=Level.NATION, kind=TargetKind.PARTICIPANTS),
        year=year,
    ).annotate(unit_level=F("unit__level")):
        if target.unit_id in units:
            own.append(target)
        if target.kind == TargetKind.PARTICIPANTS:
            key = Level.NATION if target.unit_level == Level.NATION else target.unit_id
            deadlines[key] = target.deadline_month
    return own, deadlines


def target_allocation(*, parent: Unit, year: int) -> TargetAllocation:
    """The parent (province or district), its children and their targets, with the deadline
    each takes without its own: three queries."""
    children = list(parent.children.order_by("code"))
    ids = [parent.pk] + [c.pk for c in children]
    rows = {unit.pk: AllocationRow(unit=unit) for unit in [parent, *children]}
    above = [parent.province_id] if parent.level == Level.DISTRICT and parent.province_id else []
    own, deadlines = _targets_with_ancestors(ids, above, year=year)
    for target in own:
        _put_target(rows[target.unit_id], target)
    parent_chain = [(Level.PROVINCE, deadlines.get(u)) for u in above]
    parent_chain.append((Level.NATION, deadlines.get(Level.NATION)))
    rows[parent.pk].inherited = inherited_deadline(parent_chain)
    children_inherit = inherited_deadline([(parent.level, deadlines.get(parent.pk)), *parent_chain])
    for child in children:
        rows[child.pk].inherited = children_inherit
    # What each child's own children add up to (districts' communes), in one grouped query.
    if parent.level < Level.DISTRICT:
        sums = (
            Target.objects.filter(unit__parent_id__in=[c.pk for c in children], year=year)
            .values("unit__parent_id", "kind")
            .annotate(total=Sum("value"))
        )
        for s in sums:
            child_id = s["unit__parent_id"]
            assert child_id is not None  # filtered on parent_id__in
            row = rows[child_id]
            if s["kind"] == TargetKind.PARTICIPANTS:
                row.children_participants = s["total"]
            else:
                row.children_new = s["total"]
    parent_row = rows[parent.pk]
    return TargetAllocation(
        parent=parent, year=year, parent_row=parent_row, rows=[rows[c.pk] for c in children]
    )


# ---------------------------------------------------------------------------------------------
# Change history
# ---------------------------------------------------------------------------------------------


def unit_changes(*, unit: Unit, limit: int | None = 100) -> QuerySet[ChangeLog]:
    """The audit history of one unit, newest first, with who made each change (one query)."""
    qs = (
        ChangeLog.objects.filter(unit=unit)
        .select_related("changed_by")
        .order_by("-changed_at", "-id")
    )
    return qs[:limit] if limit else qs


# ---------------------------------------------------------------------------------------------
# Grassroots office targets (today's map): province -> offices -> communes
# ---------------------------------------------------------------------------------------------


@dataclass
class TargetTotals:
    participants: int | None = None
    new_participants: int | None = None
    deadline_month: int | None = None

    def put(self, kind: str, value: int | None, deadline_month: int | None = None) -> None:
        if kind == TargetKind.PARTICIPANTS:
            self.participants = value
            self.deadline_month = deadline_month or self.deadline_month
        else:
            self.new_participants = value
            self.deadline_month = self.deadline_month or deadline_month


def _total(values: Iterable[int | None]) -> int | None:
    """The sum of the values known; None when none is (no target anywhere)."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def office_commune_totals(*, province: Unit, year: int) -> dict[int | None, TargetTotals]:
    """What each grassroots office's communes' targets add up to (None: the communes the
    province serves itself), in one grouped query."""
    sums = (
        Target.objects.filter(unit__province_id=province.pk, unit__level=Level.COMMUNE, year=year)
        .values("unit__office_memberships__office_id", "kind")
        .annotate(total=Sum("value"))
    )
    totals: dict[int | None, TargetTotals] = {}
    for s in sums:
        totals.setdefault(s["unit__office_memberships__office_id"], TargetTotals()).put(
            s["kind"], s["total"]
        )
    return totals


def office_targets(*, offices: Iterable[GrassrootsOffice], year: int) -> dict[int, TargetTotals]:
    """The offices' own targets for the year, by office id (one query)."""
    targets: dict[int, TargetTotals] = {}
    for t in OfficeTarget.objects.filter(office__in=offices, year=year):
        targets.setdefault(t.office_id, TargetTotals()).put(t.kind, t.value, t.deadline_month)
    return targets


@dataclass
class OfficeRow:
    """One line of a province's office list: an office, or (office None) the communes the
    province serves itself, whose targets it gives them directly."""

    group: EntryGroup
    communes: int
    targets: TargetTotals  # the office's own; for the self-served line, its communes' sum
    communes_targets: TargetTotals  # what its communes' targets add up to

    @property
    def unallocated_participants(self) -> int | None:
        """The office's target minus its communes' (positive: not all shared out yet)."""
        if self.group.office is None or self.targets.participants is None:
            return None
        return self.targets.participants - (self.communes_targets.participants or 0)

    @property
    def unallocated_new(self) -> int | None:
        if self.group.office is None or self.targets.new_participants is None:
            return None
        return self.targets.new_participants - (self.communes_targets.new_participants or 0)


@dataclass
class OfficeOverview:
    province: Unit
    year: int
    rows: list[OfficeRow]
    province_targets: TargetTotals
    # the deadline of an office whose target has none of its own: the province's
    inherited: InheritedDeadline = field(default_factory=lambda: inherited_deadline([]))

    @property
    def communes(self) -> int:
        return sum(r.communes for r in self.rows)

    @property
    def allocated(self) -> TargetTotals:
        """What the province has given the level below: its offices' targets and those of the
        communes it serves itself."""
        return TargetTotals(
            _total(r.targets.participants for r in self.rows),
            _total(r.targets.new_participants for r in self.rows),
        )

    @property
    def unallocated_participants(self) -> int | None:
        if self.province_targets.participants is None:
            return None
        return self.province_targets.participants - (self.allocated.participants or 0)

    @property
    def unallocated_new(self) -> int | None:
        if self.province_targets.new_participants is None:
            return None
        return self.province_targets.new_participants - (self.allocated.new_participants or 0)


def office_overview(*, province: Unit, year: int) -> OfficeOverview:
    """A province's offices, each with its own targets and what its communes' add up to, then
    the communes the province serves itself, against the province's target and deadline: five
    queries."""
    sizes = list(province_offices(province=province))
    own_targets = office_targets(offices=[s.office for s in sizes], year=year)
    commune_totals = office_commune_totals(province=province, year=year)
    rows = [
        OfficeRow(
            EntryGroup(unit=province, office=s.office),
            s.communes,
            own_targets.get(s.office.pk, TargetTotals()),
            commune_totals.get(s.office.pk, TargetTotals()),
        )
        for s in sizes
    ]
    own = EntryGroup(unit=province)
    self_served = commune_totals.get(None, TargetTotals())
    rows.append(OfficeRow(own, own.communes().count(), self_served, self_served))
    province_targets = TargetTotals()
    province_own, deadlines = _targets_with_ancestors([province.pk], [], year=year)
    for target in province_own:
        province_targets.put(target.kind, target.value, target.deadline_month)
    inherited = inherited_deadline(
        [
            (Level.PROVINCE, deadlines.get(province.pk)),
            (Level.NATION, deadlines.get(Level.NATION)),
        ]
    )
    return OfficeOverview(province, year, rows, province_targets, inherited)


def office_target_allocation(*, office: GrassrootsOffice, year: int) -> TargetAllocation:
    """An office's targets against its communes' (three queries); the office's own line is a
    row without a unit."""
    group = EntryGroup(unit=office.province, office=office)
    communes = list(group.communes())
    rows = {c.pk: AllocationRow(unit=c) for c in communes}
    own_targets, deadlines = _targets_with_ancestors(rows, [office.province_id], year=year)
    # The office and its communes take the province's deadline (today's map has no districts;
    # the office's own deadline is shown, it drives no figure).
    province_inherit = inherited_deadline(
        [
            (Level.PROVINCE, deadlines.get(office.province_id)),
            (Level.NATION, deadlines.get(Level.NATION)),
        ]
    )
    for target in own_targets:
        _put_target(rows[target.unit_id], target)
    for row in rows.values():
        row.inherited = province_inherit
    own = office_targets(offices=[office], year=year).get(office.pk, TargetTotals())
    parent_row = AllocationRow(
        unit=None,
        participants=own.participants,
        new_participants=own.new_participants,
        deadline_month=own.deadline_month,
        inherited=province_inherit,
    )
    return TargetAllocation(
        parent=office.province,
        year=year,
        parent_row=parent_row,
        rows=[rows[c.pk] for c in communes],
        office=office,
    )


def units_under(unit: Unit) -> QuerySet[Unit]:
    """The unit and every unit below it (province level and down), with what access checks."""
    return (
        Unit.objects.within(unit)
        .filter(level__gte=Level.PROVINCE)
        .only("id", "level", "province_id", "valid_from", "valid_until")
    )


def units_by_ids(ids: list[int]) -> QuerySet[Unit]:
    return Unit.objects.filter(pk__in=ids)
