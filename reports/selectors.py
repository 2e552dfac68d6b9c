"""Reads behind the dashboard pages: progress rows of a unit and its children, and who reported.

Every function runs one query whatever the number of rows, so a page's query count is fixed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, F, FilteredRelation, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Concat
from django.urls import reverse

from bhxh_dashboard import clock
from bhxh_dashboard.months import cutoff_date
from progress import readings
from progress.models import Progress
from provinces.models import Level, Unit
from provinces.selectors import EntryGroup
from targets.models import ChangeLog
from targets.selectors import unit_changes


@dataclass(frozen=True)
class Periods:
    """The (year, month) pairs a unit has figures for, newest first, and those still being
    reported (window open, not every commune in): period -> (communes reported, total)."""

    pairs: list[tuple[int, int]]
    in_progress: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)

    @property
    def latest(self) -> tuple[int, int] | None:
        return self.pairs[0] if self.pairs else None

    @property
    def landing(self) -> tuple[int, int] | None:
        """Where a page opens by default: the latest period whose reporting is over (its entry
        window has closed, or every commune reported), else the latest there is."""
        settled = next((p for p in self.pairs if p not in self.in_progress), None)
        return settled or self.latest

    @property
    def years(self) -> list[int]:
        return sorted({y for y, _ in self.pairs}, reverse=True)

    def latest_in(self, year: int) -> int | None:
        return next((m for y, m in self.pairs if y == year), None)


def unit_periods(unit: Unit) -> Periods:
    """Every period with figures for the unit (one query, at most 12 rows a year).

    The engine also writes rows for months not reported yet (targets, no participants): those
    are not a period to show by default.
    """
    rows = (
        Progress.objects.filter(unit=unit, participants__isnull=False)
        .order_by("-year", "-month")
        .values_list("year", "month", "communes_reported", "communes_total")
    )
    today = clock.today()
    pairs, in_progress = [], {}
    for year, month, reported, total in rows:
        pairs.append((year, month))
        if not readings.reporting_is_over(year, month, reported, total, today=today):
            in_progress[(year, month)] = (reported, total)
    return Periods(pairs=pairs, in_progress=in_progress)


def unit_year_rows(unit: Unit, year: int) -> list[Progress]:
    """The unit's own progress rows of one year, January first: the trend and the headline."""
    return list(Progress.objects.filter(unit=unit, year=year).order_by("month"))


def carried_participants(unit: Unit, year: int) -> dict[int, int]:
    """A unit of today's map in a year that began before it: for each month before its map, the
    participants of the old units it carries on (their default successor), one grouped query.

    The engine sums the same counts for the comparisons (progress/figures.py): at province
    level this is exact, no old province was split."""
    if unit.valid_from is None:
        return {}
    months = [m for m in range(1, 13) if cutoff_date(year, m) < unit.valid_from]
    if not months:
        return {}
    rows = (
        Progress.objects.filter(
            unit__successions__successor=unit,
            unit__successions__is_default=True,
            year=year,
            month__in=months,
            participants__isnull=False,
        )
        .values("month")
        .annotate(total=Sum("participants"))
    )
    return {r["month"]: r["total"] for r in rows}


def unit_history(unit: Unit) -> list[Progress]:
    """A unit's progress rows up to its last reported month, newest first (a commune's
    month-by-month history: a month it missed shows as a gap, the months to come do not)."""
    rows = list(Progress.objects.filter(unit=unit).order_by("-year", "-month"))
    while rows and rows[0].participants is None:
        rows.pop(0)
    return rows


def history_up_to(history: list[Progress], year: int, month: int) -> list[Progress]:
    """`unit_history` rows of the page of month (year, month): nothing after that month, and
    from its last reported month down (months it missed show as gaps)."""
    rows = [r for r in history if (r.year, r.month) <= (year, month)]
    while rows and rows[0].participants is None:
        rows.pop(0)
    return rows


def children_progress(unit: Unit) -> QuerySet[Progress]:
    """Progress rows of the unit's children (all periods: the filterset narrows to one month).

    The nation's children are the provinces; every child's name and code come along in the
    same query.
    """
    return (
        Progress.objects.filter(parent=unit)
        .select_related("unit")
        .only(*CHILD_FIELDS)
        .order_by(readings.RANKING_PCT.desc(nulls_last=True), "unit__code")
    )


def unreported_provinces(unit: Unit, year: int, month: int) -> list[Unit]:
    """The nation's provinces in force at the month's cut-off that have no figures that year
    ("chưa báo cáo"), by code; none below the nation, whose children always have rows. One
    query."""
    if unit.level != Level.NATION:
        return []
    with_rows = Progress.objects.filter(parent=unit, year=year, month=month).values("unit_id")
    return list(
        Unit.objects.provinces()
        .in_force(cutoff_date(year, month))
        .exclude(pk__in=with_rows)
        .order_by("code")
    )


def reported_children_totals(
    unit: Unit, year: int, month: int
) -> tuple[int | None, int | None, int]:
    """The participants and participants targets of the unit's children that have figures that
    month, and how many they are (one grouped query)."""
    totals = Progress.objects.filter(
        parent=unit, year=year, month=month, participants__isnull=False, target__isnull=False
    ).aggregate(p=Sum("participants"), t=Sum("target"), n=Count("id"))
    return totals["p"], totals["t"], totals["n"]


CHILD_FIELDS = (
    "unit__id",
    "unit__level",
    "unit__code",
    "unit__valid_from",  # the URL code says which map
    "unit__name",
    "year",
    "month",
    "participants",
    "target",
    "completion_pct",
    "target_new",
    "new_ytd",
    "completion_new_pct",
    "gap",
    "over_target",
    "change_vs_prev_month",
    "change_vs_prev_year_end",
    "change_yoy",
    "change_yoy_pct",
    "required_pace",
    "deadline_month",
    "communes_reported",
    "communes_estimated",
    "participants_reported",
    "communes_total",
    "computed_at",
    "labour_force",  # coverage: the table's column says when there is none
    "coverage_pct",
)


@dataclass
class ReportingGroup:
    """A district (a province for the nation) and its communes that did or did not report."""

    unit_id: int
    code: str
    name: str
    url_code: str
    href: str = ""  # where the group's link goes, when not to its own reporting page
    reported: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.reported) + len(self.missing)


@dataclass
class ReportingStatus:
    unit: Unit
    year: int
    month: int
    cutoff: dt.date
    groups: list[ReportingGroup]

    @property
    def reported(self) -> int:
        return sum(len(g.reported) for g in self.groups)

    @property
    def total(self) -> int:
        return sum(g.total for g in self.groups)

    @property
    def missing(self) -> int:
        return self.total - self.reported

    @property
    def rate(self) -> float | None:
        return readings.reporting_rate(
            {"communes_reported": self.reported, "communes_total": self.total}
        )

    @property
    def report_by(self) -> dt.date | None:
        return readings.report_by(self.year, self.month)


def reporting_status(unit: Unit, year: int, month: int) -> ReportingStatus:
    """Which communes of the unit's subtree have a MonthlyCount for the month: one query.

    Grouped by district, by province for the national view, and by grassroots office on today's
    map (the province's own communes last), each office linking to its entry grid.
    """
    if unit.is_new_map:
        return _reporting_by_office(unit, year, month)
    by_province = unit.level == Level.NATION
    group = "province" if by_province else "district"
    groups: dict[int, ReportingGroup] = {}
    prefix = "p" if by_province else "d"
    for row in _commune_reports(unit, year, month, group, order=f"{group}__code"):
        gid = row[f"{group}_id"]
        g = groups.get(gid)
        if g is None:
            code = row[f"{group}__code"]
            g = groups[gid] = ReportingGroup(gid, code, row[f"{group}__name"], prefix + code)
        (g.reported if row["reported_at"] else g.missing).append(row)
    return ReportingStatus(unit, year, month, cutoff_date(year, month), list(groups.values()))


def _commune_reports(
    unit: Unit, year: int, month: int, group: str, *, order: Any
) -> QuerySet[Unit, dict[str, Any]]:
    """The subtree's communes with their group and when they reported the month (if they did).

    A LEFT JOIN on the month's count (one row per commune and month at most): a hash join over
    the 10,051 communes of the national view, not a subquery per commune.
    """
    return (
        Unit.objects.within(unit)
        .communes()
        .annotate(
            count=FilteredRelation(
                "monthly_counts",
                condition=Q(monthly_counts__year=year, monthly_counts__month=month),
            )
        )
        .order_by(order, "code")
        .values(
            "code",
            "name",
            f"{group}_id",
            f"{group}__code",
            f"{group}__name",
            reported_at=F("count__updated_at"),
            url_code=Concat(
                Case(When(valid_from__isnull=True, then=Value("c")), default=Value("x")),
                "code",
            ),
        )
    )


def _reporting_by_office(unit: Unit, year: int, month: int) -> ReportingStatus:
    """A unit of today's map: its offices' communes, then those its province serves itself."""
    province = unit.province if unit.level == Level.COMMUNE and unit.province else unit
    group = "office_memberships__office"
    groups: dict[int | None, ReportingGroup] = {}
    order = F(f"{group}__code").asc(nulls_last=True)
    for row in _commune_reports(unit, year, month, group, order=order):
        gid = row[f"{group}_id"]
        g = groups.get(gid)
        if g is None:
            own = EntryGroup(unit=province)
            code, name = row[f"{group}__code"] or "", row[f"{group}__name"] or own.name
            g = groups[gid] = ReportingGroup(gid or 0, code, name, f"o{gid}" if gid else "")
            g.href = reverse("targets:counts", kwargs={"code": g.url_code or province.url_code})
            g.href += f"?thang={year}-{month:02d}"
        (g.reported if row["reported_at"] else g.missing).append(row)
    return ReportingStatus(unit, year, month, cutoff_date(year, month), list(groups.values()))


def commune_changes(
    commune: Unit, *, up_to: tuple[int, int] | None = None, limit: int = 100
) -> QuerySet[ChangeLog]:
    """The audit history of a commune's counts, newest first, with who made each (one query).

    `up_to` (year, month): only the changes to figures of that month and before (a year's
    target counts as of its year), for the page of that month."""
    changes = unit_changes(unit=commune, limit=None)
    if up_to is not None:
        year, month = up_to
        changes = changes.filter(
            Q(year__lt=year) | Q(year=year, month__isnull=True) | Q(year=year, month__lte=month)
        )
    return changes[:limit]


# --- the maps (reports/maps.py draws them) ----------------------------------------------------

# Hoàng Sa and Trường Sa are Vietnamese: today's special zones of Đà Nẵng and Khánh Hòa (their
# codes on today's map and the province each belongs to, the same code on both maps).
ISLANDS = (("20333", "48"), ("22736", "56"))


@dataclass(frozen=True)
class MapPlace:
    """A unit drawn on a map, at its centroid, with its progress row of the period (if any)."""

    unit: Unit
    row: Progress | None


@dataclass(frozen=True)
class Island:
    """An archipelago drawn on a map, named with the province it belongs to."""

    zone: Unit  # today's special zone (Đặc khu Hoàng Sa, Đặc khu Trường Sa)
    province: Unit


def map_places(unit: Unit, year: int, month: int) -> list[MapPlace]:
    """What a unit's map draws for a period: the nation's provinces in force then (every one,
    with figures or not), or a province's or district's communes; each with its progress row
    of the month (the map draws those with a centroid, its table lists all). Two queries."""
    if unit.level == Level.NATION:
        units = Unit.objects.provinces().in_force(cutoff_date(year, month))
    else:
        units = Unit.objects.communes().within(unit)
    units = units.order_by("code")
    rows = {
        r.unit_id: r
        for r in Progress.objects.filter(unit__in=units.values("pk"), year=year, month=month)
    }
    return [MapPlace(u, rows.get(u.pk)) for u in units]


def map_islands(unit: Unit) -> list[Island]:
    """The archipelagos a unit's map shows: both on the country's, a province's own on Đà
    Nẵng's and Khánh Hòa's (of either map); placed where today's special zones are. One query
    (none for another province or a district)."""
    wanted = [zone for zone, province in ISLANDS if unit.level == Level.NATION]
    if unit.level == Level.PROVINCE:
        wanted = [zone for zone, province in ISLANDS if province == unit.code]
    if not wanted:
        return []
    zones = Unit.objects.filter(
        level=Level.COMMUNE, code__in=wanted, valid_from__isnull=False, lat__isnull=False
    ).select_related("province")
    islands = []
    for zone in zones:
        province = unit if unit.level == Level.PROVINCE else zone.province
        assert province is not None  # a commune of today's map has its province
        islands.append(Island(zone, province))
    return islands
