"""Reads of the tree across the reform: which map a unit is on, what it came from, what took it
over; and on today's map, the grassroots offices and the communes each entry grid holds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from bhxh_dashboard.formatting import day_label
from provinces.models import (
    NEW_MAP_FROM,
    OLD_MAP_UNTIL,
    GrassrootsOffice,
    Level,
    Share,
    Succession,
    Unit,
    UnitName,
)


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
        return _("Địa giới hành chính đến %(day)s") % {"day": day_label(unit.valid_until)}
    if unit.valid_from is not None:
        return _("Địa giới hành chính từ %(day)s") % {"day": day_label(unit.valid_from)}
    return ""


def period_map_label(year: int, month: int) -> str:
    """The map a period's figures are on (the nation's pages, which belong to both)."""
    from bhxh_dashboard.months import cutoff_date

    if cutoff_date(year, month) <= OLD_MAP_UNTIL:
        return _("Địa giới hành chính đến %(day)s") % {"day": day_label(OLD_MAP_UNTIL)}
    return _("Địa giới hành chính từ %(day)s") % {"day": day_label(NEW_MAP_FROM)}


def not_in_force_message(unit: Unit, day: dt.date) -> str:
    """Why a code cannot be used for a period, and what to use instead (its successors)."""
    params = {"unit": unit.full_name, "code": unit.code}
    if unit.valid_until is not None and unit.valid_until < day:
        successors = [s.successor for s in unit.successions.all()]
        params["day"] = day_label(unit.valid_until + dt.timedelta(days=1))
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
    params["day"] = day_label(unit.valid_from)
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


@dataclass(frozen=True)
class Found:
    """A unit a search found, with its map and, for an old unit, the units that took it over."""

    unit: Unit
    map_label: str
    successors: list[Related]

    @property
    def period(self) -> str:
        """The period the unit is in force, short: "đến 30/06/2025", "từ 01/07/2025"."""
        return period_label(self.unit)

    @property
    def parents(self) -> str:
        return parents_label(self.unit)


def period_label(unit: Unit) -> str:
    if unit.valid_until is not None:
        return _("đến %(day)s") % {"day": day_label(unit.valid_until)}
    if unit.valid_from is not None:
        return _("từ %(day)s") % {"day": day_label(unit.valid_from)}
    return ""


def parents_label(unit: Unit) -> str:
    """The units above one, nearest first ("Huyện Lục Nam, Tỉnh Bắc Giang"), from its loaded
    parent and province (no query when they are selected with it)."""
    if unit.level <= Level.PROVINCE:
        return ""
    names = []
    if unit.parent is not None and unit.parent_id != unit.province_id:
        names.append(unit.parent.full_name)
    if unit.province is not None:
        names.append(unit.province.full_name)
    return ", ".join(names)


SEARCH_LIMIT = 30


def matching_units(text: str, *, root: Unit, limit: int) -> list[Unit]:
    """Units of either map under `root` whose name matches `text` (provinces.search), best
    first: the name exactly, then names starting with it, then the rest; within each, the
    higher level and today's map first. One query, bounded by `limit`."""
    from provinces.search import query_compact, search_key

    key, compact = search_key(text), query_compact(text)
    rank = Case(
        When(Q(search_key=key) | Q(search_compact=compact), then=Value(0)),
        When(search_compact__endswith=compact, then=Value(0)),
        When(Q(search_key__startswith=key) | Q(search_compact__startswith=compact), then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return list(
        Unit.objects.readable_from(root)
        .filter(level__gte=Level.PROVINCE)
        .search(text)
        .annotate(rank=rank)
        .select_related("parent", "province")
        .order_by("rank", "level", F("valid_from").desc(nulls_last=True), "name", "code")[:limit]
    )


def search_units(text: str, *, root: Unit, can_view: Callable[[Unit], bool]) -> list[Found]:
    """Units of either map under `root` whose name matches (with or without diacritics: "luc
    nam", "bac giang"; see matching_units), each old one with its successors: two queries."""
    units = matching_units(text, root=root, limit=SEARCH_LIMIT)
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
