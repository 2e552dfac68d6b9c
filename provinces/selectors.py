"""Reads of the tree across the reform: which map a unit is on, what it came from, what took it
over; and on today's map, the grassroots offices and the communes each entry grid holds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from provinces.models import (
    NEW_MAP_FROM,
    OLD_MAP_UNTIL,
    GrassrootsOffice,
    Level,
    Share,
    Succession,
    Unit,
)


def vn_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")  # 30/06/2025, in either language


@dataclass(frozen=True)
class Related:
    """A predecessor or successor as a page shows it: linked only when the reader may open it."""

    unit: Unit
    part: bool  # only part of the old unit went over
    visible: bool


@dataclass(frozen=True)
class Lineage:
    map_label: str
    predecessors: list[Related]
    successors: list[Related]


def map_label(unit: Unit) -> str:
    """Which map a unit belongs to, as every page says it."""
    if unit.valid_until is not None:
        return _("Địa giới hành chính đến %(day)s") % {"day": vn_date(unit.valid_until)}
    if unit.valid_from is not None:
        return _("Địa giới hành chính từ %(day)s") % {"day": vn_date(unit.valid_from)}
    return ""


def period_map_label(year: int, month: int) -> str:
    """The map a period's figures are on (the nation's pages, which belong to both)."""
    from bhxh_dashboard.months import cutoff_date

    if cutoff_date(year, month) <= OLD_MAP_UNTIL:
        return _("Địa giới hành chính đến %(day)s") % {"day": vn_date(OLD_MAP_UNTIL)}
    return _("Địa giới hành chính từ %(day)s") % {"day": vn_date(NEW_MAP_FROM)}


def not_in_force_message(unit: Unit, day: dt.date) -> str:
    """Why a code cannot be used for a period, and what to use instead (its successors)."""
    params = {"unit": unit.full_name, "code": unit.code}
    if unit.valid_until is not None and unit.valid_until < day:
        successors = [s.successor for s in unit.successions.all()]
        params["day"] = (unit.valid_until + dt.timedelta(days=1)).strftime("%d/%m/%Y")
        if not successors and unit.level == Level.DISTRICT:
            return (
                _("%(unit)s (mã %(code)s) không còn từ %(day)s: từ đó không còn cấp huyện.")
                % params
            )
        if not successors:
            return _("%(unit)s (mã %(code)s) không còn từ %(day)s.") % params
        params["successors"] = ", ".join(
            _("%(unit)s (mã %(code)s)") % {"unit": s.full_name, "code": s.code} for s in successors
        )
        return (
            _(
                "%(unit)s (mã %(code)s) không còn từ %(day)s, nay thuộc %(successors)s. "
                "Hãy dùng mã mới."
            )
            % params
        )
    assert unit.valid_from is not None
    params["day"] = unit.valid_from.strftime("%d/%m/%Y")
    return (
        _("%(unit)s (mã %(code)s) chỉ có từ %(day)s; số liệu trước đó dùng mã của địa giới cũ.")
        % params
    )


def compares_across(unit: Unit, year: int, month: int) -> bool:
    """Whether a month's comparisons reach before the unit's map (the same month last year is on
    the old map): they are then the old units' figures carried onto this one."""
    from bhxh_dashboard.months import cutoff_date

    return unit.valid_from is not None and cutoff_date(year - 1, month) < unit.valid_from


def lineage(unit: Unit, *, can_view: Callable[[Unit], bool]) -> Lineage:
    """The unit's predecessors (today's units) or successors (old units), two queries at most.

    An old district took no part in the crosswalk itself (only its communes did, and the island
    districts): its successors are those of its communes.
    """
    if unit.level == Level.NATION:
        return Lineage("", [], [])
    predecessors: list[Related] = []
    successors: list[Related] = []
    if unit.is_new_map:
        links = (
            Succession.objects.filter(successor=unit)
            .select_related("predecessor")
            .order_by("predecessor__code")
        )
        predecessors = [
            Related(s.predecessor, s.share == Share.PART, can_view(s.predecessor)) for s in links
        ]
    else:
        links = Succession.objects.filter(
            Q(predecessor=unit) | Q(predecessor__district=unit, predecessor__level=Level.COMMUNE)
            if unit.level == Level.DISTRICT
            else Q(predecessor=unit)
        ).select_related("successor")
        seen: dict[int, Related] = {}
        for s in links.order_by("successor__code"):
            part = s.share == Share.PART or unit.level == Level.DISTRICT
            seen.setdefault(s.successor_id, Related(s.successor, part, can_view(s.successor)))
        successors = list(seen.values())
    return Lineage(map_label(unit), predecessors, successors)


# ---------------------------------------------------------------------------------------------
# Grassroots offices and entry groups (today's map)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryGroup:
    """The communes one entry grid holds: an old district's, a grassroots office's, or those of a
    province of today's map that no office serves (the provincial office serves them itself)."""

    unit: Unit  # the district; or the province, of the office or serving the communes itself
    office: GrassrootsOffice | None = None

    @property
    def url_code(self) -> str:
        return self.office.url_code if self.office is not None else self.unit.url_code

    @property
    def is_self_served(self) -> bool:
        return self.office is None and self.unit.level == Level.PROVINCE

    @property
    def name(self) -> str:
        if self.office is not None:
            return self.office.name
        if self.is_self_served:
            return _("Xã do BHXH %(province)s phục vụ") % {"province": self.unit.name}
        return self.unit.name

    @property
    def full_name(self) -> str:
        if self.office is not None:
            return f"{self.office.name} ({self.unit.name})"
        return self.name if self.is_self_served else self.unit.full_name

    def communes(self) -> QuerySet[Unit]:
        """The group's communes, by code."""
        communes = Unit.objects.communes().order_by("code")
        if self.office is not None:
            return communes.filter(office_memberships__office=self.office)
        if self.is_self_served:
            return communes.filter(province_id=self.unit.pk, office_memberships__isnull=True)
        return communes.filter(district_id=self.unit.pk)


@dataclass(frozen=True)
class OfficeSize:
    office: GrassrootsOffice
    communes: int


def province_offices(*, province: Unit) -> list[OfficeSize]:
    """A province's grassroots offices by code, each with its number of communes (one query)."""
    offices = (
        GrassrootsOffice.objects.filter(province=province)
        .annotate(commune_count=Count("memberships"))
        .order_by("code")
    )
    return [OfficeSize(o, o.commune_count) for o in offices]


def assignable_communes(
    *, province: Unit, office: GrassrootsOffice | None = None
) -> QuerySet[Unit]:
    """The province's communes no other office serves: what an office's form offers."""
    free = Q(office_memberships__isnull=True)
    if office is not None:
        free |= Q(office_memberships__office=office)
    return Unit.objects.communes().filter(free, province_id=province.pk).order_by("code")
