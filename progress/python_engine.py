"""The Python twin: the rules of progress/figures.py one unit at a time, with the ORM.

It computes on SQLite (the newcomer's default database) and is the tests' independent oracle for
progress/sql_engine.py, on PostgreSQL too.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Q

from bhxh_dashboard.months import cutoff_date, months_before
from coverage.models import CoverageTarget, LabourForce
from progress.figures import ESTIMATE_MONTHS, MONTHS, ROW_FIELDS
from progress.models import Progress
from provinces.models import Level, Succession, Unit
from targets.models import MonthlyCount, Target, TargetKind

NAME = "python"


def prepare() -> None:
    """Nothing to set: the twin writes through the ORM."""


def _round2(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    value = Decimal(100 * numerator) / Decimal(denominator)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _round_half_away(value: Fraction) -> int:
    sign = -1 if value < 0 else 1
    return sign * int(abs(value) + Fraction(1, 2))


EMPTY_MONTH: tuple[int | None, int | None, int, int | None, int | None, int] = (
    None,
    None,
    0,
    None,
    None,
    0,
)


def derive_rows(
    series: dict[int, tuple[int | None, int | None, int, int | None, int | None, int]],
    meta: dict,
) -> list[dict]:
    """Every figure of twelve months of one unit-year.

    series: month -> (participants, new, communes reported, same month last year, participants
    reported, communes estimated) and meta holds
    communes_total, target, target_new, deadline, children_target(_new). Pure: no database.
    """
    p_dec = series.get(12, EMPTY_MONTH)[3]
    coverage_target = meta.get("coverage_target")
    rows: list[dict] = []
    ytd: int | None = None
    prev: int | None = None
    points: list[tuple[int, int]] = [(0, p_dec)] if p_dec is not None else []
    target, deadline = meta["target"], meta["deadline"]
    for month in MONTHS:
        p, n, reported, p_last, p_reported, estimated = series.get(month, EMPTY_MONTH)
        if n is not None:
            ytd = (ytd or 0) + n
        if p is not None:
            points.append((month, p))
        before = p_dec if month == 1 else prev
        months_left = max(deadline - month, 0)
        completion: Decimal | None = None
        gap = over = pace = None
        if p is not None and target is not None:
            completion, gap, over = _round2(p, target), max(target - p, 0), max(p - target, 0)
            if target - p <= 0:
                pace = 0
            elif months_left > 0:
                pace = -(-(target - p) // months_left)
        projected = None
        if p is not None and len(points) >= 2:
            k = len(points)
            sx = sum(x for x, _ in points)
            sxx = sum(x * x for x, _ in points)
            sy = sum(y for _, y in points)
            sxy = sum(x * y for x, y in points)
            denom = k * sxx - sx * sx
            if denom:
                projected = _round_half_away(
                    Fraction(p * denom + (k * sxy - sx * sy) * (12 - month), denom)
                )
        rows.append(
            {
                "month": month,
                "participants": p,
                "change_vs_prev_month": _minus(p, before),
                "change_vs_prev_year_end": _minus(p, p_dec),
                "same_month_last_year": p_last,
                "change_yoy": _minus(p, p_last),
                "change_yoy_pct": _round2(p - p_last, p_last) if p is not None and p_last else None,
                "target": target,
                "children_target": meta["children_target"],
                "completion_pct": completion,
                "gap": gap,
                "over_target": over,
                "new_in_month": n,
                "new_ytd": ytd if n is not None else None,
                "target_new": meta["target_new"],
                "children_target_new": meta["children_target_new"],
                "completion_new_pct": _round2(ytd, meta["target_new"])
                if n is not None and ytd is not None and meta["target_new"]
                else None,
                "deadline_month": deadline,
                "months_left": months_left,
                "required_pace": pace,
                "projected_year_end": projected,
                "communes_reported": reported,
                "participants_reported": p_reported,
                "communes_estimated": estimated,
                "communes_total": meta["communes_by_month"][month]
                if "communes_by_month" in meta
                else meta["communes_total"],
            }
        )
        rows[-1].update(_coverage(p, p_last, month, meta, coverage_target))
        prev = p
    return rows


def _coverage(
    p: int | None, p_last: int | None, month: int, meta: dict, target: Decimal | None
) -> dict:
    """The coverage figures of one month: the unit's own labour force, else the month's sum."""
    own, summed_by_month = meta.get("labour_force"), meta.get("labour_force_by_month", {})
    lf = own if own is not None else summed_by_month.get(month)
    summed = meta.get("labour_force_summed", False) if own is not None else lf is not None
    lf_last = meta.get("labour_force_last")
    if lf_last is None:
        lf_last = meta.get("labour_force_last_by_month", {}).get(month)
    coverage = _round2(p, lf) if p is not None and lf else None
    last = _round2(p_last, lf_last) if p_last is not None and lf_last else None
    people = None
    if target is not None and lf is not None:
        people = math.ceil(target * lf / 100)
    return {
        "labour_force": lf,
        "labour_force_summed": summed,
        "labour_force_last_year": lf_last,
        "coverage_pct": coverage,
        "coverage_change_pp": coverage - last
        if coverage is not None and last is not None
        else None,
        "coverage_target_pct": target,
        "coverage_target_participants": people,
        "coverage_completion_pct": _round2(p, people) if p is not None and people else None,
        "coverage_gap": max(people - p, 0) if p is not None and people is not None else None,
    }


def _minus(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a - b


def _last_reported(
    cells: dict[tuple[int, int, int], list[int]], commune: int, year: int, month: int
) -> int | None:
    """The participants of the commune's nearest month reported in the ESTIMATE_MONTHS before."""
    for period in months_before(year, month, ESTIMATE_MONTHS):
        cell = cells.get((commune, *period))
        if cell is not None:
            return cell[0]
    return None


def _add(a: int | None, b: int | None) -> int | None:
    return b if a is None else (a if b is None else a + b)


def compute_units(
    *, province_ids: list[int] | None, years: tuple[int, ...], nation: int, now: dt.datetime
) -> None:
    """Every row of the provinces' units (all provinces when None) for the years."""
    in_scope = Unit.objects.filter(level__gte=Level.PROVINCE)
    if province_ids is not None:
        in_scope = in_scope.filter(province_id__in=province_ids)
    # (id, level, parent, province, district) of every unit in scope
    units: list[tuple[int, int, int, int, int]] = list(
        in_scope.values_list("pk", "level", "parent_id", "province_id", "district_id")
    )
    unit_ids = {u[0] for u in units}
    periods = {
        pk: (start, end)
        for pk, start, end in in_scope.values_list("pk", "valid_from", "valid_until")
    }
    commune_of = {u[0]: u for u in units if u[1] == Level.COMMUNE}
    # Across the reform a commune also sums the old communes it is the default successor of,
    # for the months they were in force: old id -> (its successor, its last day in force).
    carried = {
        old: (new, until)
        for old, new, until in Succession.objects.filter(
            is_default=True, predecessor__level=Level.COMMUNE, successor_id__in=commune_of
        ).values_list("predecessor_id", "successor_id", "predecessor__valid_until")
    }
    wanted_years = set(years) | {y - 1 for y in years}
    # Last year's January-March may carry a figure from the October-December before it.
    counts = MonthlyCount.objects.filter(
        Q(year__in=wanted_years)
        | Q(year__in={y - 2 for y in years}, month__gt=12 - ESTIMATE_MONTHS),
        commune_id__in=set(commune_of) | set(carried),
    )
    # (commune, year, month) -> [participants, new, reported]: its own counts and those it carries
    cells: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    own_active: set[tuple[int, int]] = set()  # (province, year) with counts of its own communes
    for commune_id, year, month, p, n in counts.values_list(
        "commune_id", "year", "month", "participants", "new_participants"
    ):
        sums = []
        if commune_id in commune_of:
            sums.append(commune_id)
            own_active.add((commune_of[commune_id][3], year))
        if commune_id in carried:
            successor, until = carried[commune_id]
            if until is None or cutoff_date(year, month) <= until:
                sums.append(successor)
        for commune in sums:
            cell = cells[(commune, year, month)]
            cell[0] += p
            cell[1] += n
            cell[2] += 1
    # A month is being reported in a province when any of its communes reported it.
    being_reported = {(commune_of[c][3], y, m) for c, y, m in cells}
    # (unit, year, month) -> [participants, new, reported, participants reported, estimated]
    agg: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for commune, (_, _, _, province_id, district_id) in commune_of.items():
        for year in wanted_years:
            for month in MONTHS:
                reported = cells.get((commune, year, month))
                estimate = None
                ended = periods[commune][1]
                if (
                    reported is None
                    and (province_id, year, month) in being_reported
                    # a commune merged away no longer counts (one not in force yet still
                    # carries the old communes it took over)
                    and (ended is None or cutoff_date(year, month) <= ended)
                ):
                    estimate = _last_reported(cells, commune, year, month)
                    if estimate is None:
                        continue
                elif reported is None:
                    continue
                for unit_id in (commune, district_id, province_id):
                    if unit_id is None:  # today's communes have no district
                        continue
                    into = agg[(unit_id, year, month)]
                    if reported is not None:
                        into[0] += reported[0]
                        into[1] += reported[1]
                        into[2] += reported[2]
                        into[3] += reported[0]
                    else:
                        assert estimate is not None
                        into[0] += estimate
                        into[4] += 1
    totals: dict[int, int] = defaultdict(int)
    for commune_id, (_, _, _, province_id, district_id) in commune_of.items():
        for unit_id in (commune_id, district_id, province_id):
            totals[unit_id] += 1
    targets = _python_targets(years, unit_ids | {nation})
    labour = _labour_forces(years, unit_ids)
    coverage_targets = _coverage_targets(years, unit_ids | {nation})
    parent_of = {u[0]: u[2] for u in units}
    rows = []
    for year in years:
        active = {u[3] for u in units if (u[3], year) in own_active}
        for unit_id, level, parent_id, province_id, district_id in units:
            if province_id not in active:
                continue
            series = {}
            for m in MONTHS:
                cur, last = agg.get((unit_id, year, m)), agg.get((unit_id, year - 1, m))
                # no figure without a report or an estimate; new sign-ups only as reported
                known = cur is not None and cur[2] > 0
                series[m] = (
                    cur[0] if cur else None,
                    cur[1] if cur and known else None,
                    cur[2] if cur else 0,
                    last[0] if last else None,
                    cur[3] if cur and known else None,
                    cur[4] if cur else 0,
                )
            own = targets.get((unit_id, year), {})
            # The unit's participants target's deadline, else the nearest ancestor's: a target
            # with a NULL deadline (or none) passes on, as coalesce() in sql_engine's `meta`.
            deadline = next(
                (
                    targets[(u, year)]["deadline"]
                    for u in (unit_id, district_id, province_id, nation)
                    if targets.get((u, year), {}).get("deadline") is not None
                ),
                12,
            )
            children = [
                t for (u, y), t in targets.items() if y == year and parent_of.get(u) == unit_id
            ]
            meta = {
                "communes_total": totals.get(unit_id, 0),
                "target": own.get("target"),
                "target_new": own.get("target_new"),
                "deadline": deadline,
                "children_target": _sum_known(t.get("target") for t in children),
                "children_target_new": _sum_known(t.get("target_new") for t in children),
                "labour_force": labour.get((unit_id, year), (None, False))[0],
                "labour_force_summed": labour.get((unit_id, year), (None, False))[1],
                "labour_force_last": labour.get((unit_id, year - 1), (None, False))[0],
                "coverage_target": coverage_targets.get((unit_id, year)),
            }
            start, end = periods[unit_id]
            for row in derive_rows(series, meta):
                # only the months the unit is in force (the ones before still feed comparisons)
                cutoff = cutoff_date(year, row["month"])
                if (start and cutoff < start) or (end and end < cutoff):
                    continue
                rows.append(
                    Progress(
                        unit_id=unit_id,
                        level=level,
                        parent_id=parent_id,
                        year=year,
                        computed_at=now,
                        **row,
                    )
                )
        Progress.objects.filter(unit_id__in=unit_ids, year=year).exclude(
            unit__province_id__in=active
        ).delete()
    _upsert(rows)


def _labour_forces(
    years: Iterable[int], unit_ids: set[int]
) -> dict[tuple[int, int], tuple[int, bool]]:
    """(unit, year) -> (labour force, summed?) for the years and the years before: each unit's
    own, else for a province of today's map the sum of the old provinces it took over, when
    every one of them has a figure."""
    wanted = set(years) | {y - 1 for y in years}
    taken_over: dict[int, list[int]] = defaultdict(list)
    for old, new in Succession.objects.filter(
        successor_id__in=unit_ids,
        successor__level=Level.PROVINCE,
        predecessor__level=Level.PROVINCE,
    ).values_list("predecessor_id", "successor_id"):
        taken_over[new].append(old)
    readable = unit_ids | {old for olds in taken_over.values() for old in olds}
    stored = {
        (unit_id, year): value
        for unit_id, year, value in LabourForce.objects.filter(
            year__in=wanted, unit_id__in=readable
        ).values_list("unit_id", "year", "value")
    }
    found: dict[tuple[int, int], tuple[int, bool]] = {
        key: (value, False) for key, value in stored.items() if key[0] in unit_ids
    }
    for new, olds in taken_over.items():
        for year in wanted:
            parts = [stored.get((old, year)) for old in olds]
            if (new, year) not in found and all(v is not None for v in parts):
                found[(new, year)] = (sum(v for v in parts if v is not None), True)
    return found


def _coverage_targets(years: Iterable[int], unit_ids: set[int]) -> dict[tuple[int, int], Decimal]:
    return {
        (unit_id, year): pct
        for unit_id, year, pct in CoverageTarget.objects.filter(
            year__in=years, unit_id__in=unit_ids
        ).values_list("unit_id", "year", "pct")
    }


def _sum_known(values: Iterable[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _python_targets(years: Iterable[int], unit_ids: Iterable[int]) -> dict[tuple[int, int], dict]:
    targets: dict[tuple[int, int], dict] = defaultdict(dict)
    for unit_id, year, kind, value, deadline in Target.objects.filter(
        year__in=years, unit_id__in=unit_ids
    ).values_list("unit_id", "year", "kind", "value", "deadline_month"):
        if kind == TargetKind.PARTICIPANTS:
            targets[(unit_id, year)].update(target=value, deadline=deadline)
        else:
            targets[(unit_id, year)]["target_new"] = value
    return targets


def compute_nation(*, years: tuple[int, ...], nation: int, now: dt.datetime) -> None:
    """The nation's rows: the sum of the provinces' rows, derived with the same rules."""
    communes = list(Unit.objects.communes().values_list("valid_from", "valid_until"))
    rows = []
    for year in years:
        series: dict[int, list] = {}
        # month -> the provinces' labour force (this year, last year), None once one has none
        labour: dict[int, list[int | None]] = {}
        for (
            month,
            p,
            n,
            reported,
            p_last,
            p_reported,
            estimated,
            lf,
            lf_last,
        ) in Progress.objects.filter(level=Level.PROVINCE, year=year).values_list(
            "month",
            "participants",
            "new_in_month",
            "communes_reported",
            "same_month_last_year",
            "participants_reported",
            "communes_estimated",
            "labour_force",
            "labour_force_last_year",
        ):
            sums = labour.setdefault(month, [0, 0])
            sums[0] = None if lf is None or sums[0] is None else sums[0] + lf
            sums[1] = None if lf_last is None or sums[1] is None else sums[1] + lf_last
            cell = series.setdefault(month, [None, None, 0, None, None, 0])
            cell[0], cell[1] = _add(cell[0], p), _add(cell[1], n)
            cell[2] += reported
            cell[3] = _add(cell[3], p_last)
            cell[4] = _add(cell[4], p_reported)
            cell[5] += estimated
        if not series:
            Progress.objects.filter(level=Level.NATION, year=year).delete()
            continue
        own = _python_targets([year], [nation]).get((nation, year), {})
        own_labour = _labour_forces([year], {nation})
        provinces = Target.objects.filter(year=year, unit__level=Level.PROVINCE)
        meta = {
            # every commune of the map in force at the month's cut-off
            "communes_by_month": {
                m: sum(
                    1
                    for start, end in communes
                    if (start is None or start <= cutoff_date(year, m))
                    and (end is None or cutoff_date(year, m) <= end)
                )
                for m in MONTHS
            },
            "target": own.get("target"),
            "target_new": own.get("target_new"),
            "deadline": 12 if own.get("deadline") is None else own["deadline"],
            "children_target": _sum_known(
                provinces.filter(kind=TargetKind.PARTICIPANTS).values_list("value", flat=True)
            ),
            "children_target_new": _sum_known(
                provinces.filter(kind=TargetKind.NEW_PARTICIPANTS).values_list("value", flat=True)
            ),
            "labour_force": own_labour.get((nation, year), (None, False))[0],
            "labour_force_last": own_labour.get((nation, year - 1), (None, False))[0],
            "labour_force_by_month": {m: v[0] for m, v in labour.items()},
            "labour_force_last_by_month": {m: v[1] for m, v in labour.items()},
            "coverage_target": _coverage_targets([year], {nation}).get((nation, year)),
        }
        for row in derive_rows({m: tuple(v) for m, v in series.items()}, meta):
            rows.append(
                Progress(
                    unit_id=nation,
                    level=Level.NATION,
                    parent_id=None,
                    year=year,
                    computed_at=now,
                    **row,
                )
            )
    _upsert(rows)


def _upsert(rows: list[Progress]) -> None:
    Progress.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["unit", "year", "month"],
        update_fields=[*ROW_FIELDS, "computed_at"],
    )
