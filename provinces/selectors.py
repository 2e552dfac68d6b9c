"""Reads of the tree across the reform: which map a unit is on, what it came from, what took it over."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from provinces.models import NEW_MAP_FROM, OLD_MAP_UNTIL, Level, Share, Succession, Unit, UnitName


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


@dataclass(frozen=True)
class Found:
    """A unit a search found, with its map and, for an old unit, the units that took it over."""

    unit: Unit
    map_label: str
    successors: list[Related]


SEARCH_LIMIT = 30


def search_units(text: str, *, root: Unit, can_view: Callable[[Unit], bool]) -> list[Found]:
    """Units of either map under `root` whose name matches (with or without diacritics: "luc
    nam", "bac giang"), today's first, each old one with its successors: two queries."""
    units = list(
        Unit.objects.within(root)
        .filter(level__gte=Level.PROVINCE)
        .search(text)
        .select_related("parent")
        .order_by(F("valid_from").desc(nulls_last=True), "level", "name", "code")[:SEARCH_LIMIT]
    )
    old = [u for u in units if u.valid_until is not None]
    districts = [u.pk for u in old if u.level == Level.DISTRICT]
    links = Succession.objects.filter(
        Q(predecessor__in=old)
        | Q(predecessor__district_id__in=districts, predecessor__level=Level.COMMUNE)
    ).select_related("predecessor", "successor")
    old_ids, district_ids = {u.pk for u in old}, set(districts)
    taken_over: dict[int, dict[int, Related]] = {}
    for s in links.order_by("successor__code"):
        owners = [(s.predecessor_id, s.share == Share.PART)] if s.predecessor_id in old_ids else []
        district = s.predecessor.district_id
        if s.predecessor.level == Level.COMMUNE and district in district_ids:
            # an old district's successors are those of its communes (each only in part)
            owners.append((district, True))
        for owner, part in owners:
            taken_over.setdefault(owner, {}).setdefault(
                s.successor_id, Related(s.successor, part, can_view(s.successor))
            )
    return [Found(u, map_label(u), list(taken_over.get(u.pk, {}).values())) for u in units]


def crosswalk_rows(root: Unit) -> QuerySet[Succession]:
    """The commune crosswalk under `root` (the nation or a province of today's map): every old
    commune with the commune(s) of today's map it went to, in one query."""
    links = Succession.objects.filter(predecessor__level=Level.COMMUNE).select_related(
        "predecessor__province", "predecessor__district", "successor__province"
    )
    if root.level == Level.PROVINCE:
        links = links.filter(successor__province=root)
    return links.order_by("successor__province__code", "successor__code", "predecessor__code")


def name_on(unit: Unit, day: dt.date) -> str:
    """The unit's full name as it was on `day`: today's units' names are dated (UnitName), the
    old map's are not. One query for a unit of today's map, none for an old one."""
    if unit.valid_from is None:
        return unit.full_name
    named = (
        UnitName.objects.filter(unit=unit, valid_from__lte=day)
        .order_by("-valid_from")
        .values_list("full_name", flat=True)
        .first()
    )
    return named or unit.full_name
