"""Reads for coverage: the labour forces and coverage targets of a unit and its children."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from coverage.models import CoverageTarget, LabourForce
from provinces.models import Level, Succession, Unit


@dataclass
class CoverageRow:
    """One unit's labour force and coverage target for a year, as the page shows them."""

    unit: Unit
    labour_force: LabourForce | None
    coverage_target: Decimal | None
    # A province of today's map without its own figure: the old provinces' sum, when all known.
    summed: int | None = None
    summed_from: tuple[str, ...] = ()


def units_of_year(parent: Unit, year: int) -> QuerySet[Unit]:
    """The parent's children in force during the year (the provinces, for the nation)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return (
        Unit.objects.filter(parent=parent)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=last))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=first))
        .order_by("code", "valid_from")
    )


def coverage_rows(*, units: list[Unit], year: int) -> list[CoverageRow]:
    """Each unit's stored labour force and target; the sum of the old provinces for a province
    of today's map without its own (as the recompute takes it: progress/figures.py)."""
    ids = [u.pk for u in units]
    taken_over: dict[int, list[Unit]] = {}
    for s in Succession.objects.filter(
        successor_id__in=ids, successor__level=Level.PROVINCE, predecessor__level=Level.PROVINCE
    ).select_related("predecessor"):
        taken_over.setdefault(s.successor_id, []).append(s.predecessor)
    old_ids = [p.pk for olds in taken_over.values() for p in olds]
    stored = {
        lf.unit_id: lf
        for lf in LabourForce.objects.filter(unit_id__in=ids + old_ids, year=year).select_related(
            "entered_by"
        )
    }
    targets = dict(
        CoverageTarget.objects.filter(unit_id__in=ids, year=year).values_list("unit_id", "pct")
    )
    rows = []
    for unit in units:
        row = CoverageRow(unit, stored.get(unit.pk), targets.get(unit.pk))
        olds = taken_over.get(unit.pk, [])
        if row.labour_force is None and olds and all(p.pk in stored for p in olds):
            row.summed = sum(stored[p.pk].value for p in olds)
            row.summed_from = tuple(p.name for p in olds)
        rows.append(row)
    return rows


def coverage_path(*, unit: Unit) -> dict[int, Decimal]:
    """The unit's coverage targets by year: the path the chart draws to the last one."""
    return dict(
        CoverageTarget.objects.filter(unit=unit).order_by("year").values_list("year", "pct")
    )


def coverage_trajectory(*, unit: Unit) -> dict[int, Decimal]:
    """year -> the unit's coverage % in the last month of the year that has one."""
    from progress.models import Progress

    found: dict[int, Decimal] = {}
    for year, pct in (
        Progress.objects.filter(unit=unit, coverage_pct__isnull=False)
        .order_by("year", "month")
        .values_list("year", "coverage_pct")
    ):
        if pct is not None:
            found[year] = pct
    return found
