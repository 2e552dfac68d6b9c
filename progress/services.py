"""Recomputing the progress table: which provinces and years, on which engine, under which locks.

The figures are defined in progress/figures.py; progress/sql_engine.py computes them on
PostgreSQL and progress/python_engine.py elsewhere. A full recompute splits the provinces over
``PROGRESS_RECOMPUTE_CONNECTIONS`` connections (2) working at once, then sums the nation from
their rows. Requests and coalescing are in progress/requests.py, the state rows in
progress/freshness.py.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import repeat
from types import ModuleType

from django.db import connection, transaction
from django.db.models import Count, Q

from bhxh_dashboard import clock
from outreach import figures as channel_figures  # the channel figures, recomputed alongside
from progress import freshness, python_engine, sql_engine
from progress.models import Progress, RecomputeState
from provinces.models import Level, Succession, Unit
from targets.models import MonthlyCount

# pg_advisory_xact_lock(key1, key2): key1 namespaces our locks by year, key2 is the province
# (0 for the nation rows).
LOCK_NAMESPACE = 0x50520000


def engine_for(vendor: str) -> ModuleType:
    """The engine of the database in use: set-wise SQL on PostgreSQL, the Python twin elsewhere.

    An engine is a module with prepare(), compute_units(...) and compute_nation(...); tests pass
    python_engine explicitly to check one against the other on the same PostgreSQL data.
    """
    return sql_engine if vendor == "postgresql" else python_engine


@dataclass
class RecomputeResult:
    skipped: bool = False
    years: tuple[int, ...] = ()


def recompute_province(
    *, province_id: int, year: int, only_if_pending: bool = False, engine: ModuleType | None = None
) -> RecomputeResult:
    """Recompute every progress row of one province (and the nation) for one year.

    The next year is recomputed too when the province has counts in it, since its comparisons
    read this year's counts; so is the new province that took over an old one. With ``only_if_pending`` (the Celery task) nothing is done when a
    recompute that started after the last request has finished already: that is how a burst of
    saves coalesces.
    """
    if only_if_pending:
        state = (
            RecomputeState.objects.filter(province_id=province_id, year=year)
            .values_list("requested_at", "computed_at")
            .first()
        )
        if state and state[0] and state[1] and state[1] >= state[0]:
            return RecomputeResult(skipped=True)
    # An old province's counts are carried onto the new province that took it over (its
    # comparisons and its 2025 trend read them): that one is recomputed with it.
    province_ids = [
        province_id,
        *Succession.objects.filter(
            predecessor_id=province_id, predecessor__level=Level.PROVINCE
        ).values_list("successor_id", flat=True),
    ]
    # The next year's comparisons read this year's counts; it has rows only once it has counts.
    next_year = MonthlyCount.objects.filter(commune__province_id__in=province_ids, year=year + 1)
    years = (year, year + 1) if next_year.exists() else (year,)
    _recompute(province_ids=province_ids, years=years, engine=engine)
    return RecomputeResult(years=years)


def years_with_data(*, province_id: int | None = None) -> list[int]:
    """Years with counts or progress rows (rows of a year whose counts went must be removed)."""
    counts, rows = MonthlyCount.objects.all(), Progress.objects.all()
    if province_id is not None:
        counts = counts.filter(commune__province_id=province_id)
        rows = rows.filter(unit_id=province_id)
    return sorted(
        set(counts.values_list("year", flat=True).distinct())
        | set(rows.values_list("year", flat=True).distinct())
    )


def recompute_all(*, year: int | None = None, engine: ModuleType | None = None) -> list[int]:
    """Recompute every province for a year (every year with data, oldest first, when None).

    The provinces are split over PROGRESS_RECOMPUTE_CONNECTIONS connections working at once (one
    statement each, on its own core of the database), then the nation rows are summed from them.
    """
    years = [year] if year is not None else years_with_data()
    engine = engine or engine_for(connection.vendor)
    for each in years:
        groups = _province_groups(engine, each)
        if groups is None:
            _recompute(province_ids=None, years=(each,), engine=engine)
            continue
        with ThreadPoolExecutor(len(groups)) as pool:
            list(pool.map(_recompute_in_own_connection, groups, repeat((each,)), repeat(engine)))
        _recompute(province_ids=[], years=(each,), engine=engine)
    return years


def _province_groups(engine: ModuleType, year: int) -> list[list[int]] | None:
    """Runs of the provinces in force during `year` (in id order, so their communes' ids are
    runs too) with about the same number of communes each, one per connection; None when the
    recompute must stay on this connection: one is configured, or a transaction is open here
    whose data other connections would not see (tests, a caller's atomic block), or the Python
    twin computes. Only the year's map counts: splitting both maps' communes put all of 2026 on
    one connection (the other had only old provinces, with nothing to do)."""
    from django.conf import settings

    wanted = settings.PROGRESS_RECOMPUTE_CONNECTIONS
    if wanted < 2 or connection.in_atomic_block or engine is not sql_engine:
        return None
    communes = dict(
        Unit.objects.communes()
        .values("province_id")
        .annotate(n=Count("pk"))
        .values_list("province_id", "n")
    )
    in_year = (Q(valid_from__isnull=True) | Q(valid_from__lte=dt.date(year, 12, 31))) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=dt.date(year, 1, 1))
    )
    provinces = list(
        Unit.objects.provinces().filter(in_year).order_by("pk").values_list("pk", flat=True)
    )
    total = sum(communes.get(p, 0) for p in provinces) or 1
    groups: list[list[int]] = [[]]
    filled = 0
    for province in provinces:
        size = communes.get(province, 0)
        # A province goes to the next group when most of it lies past this group's share.
        past_share = filled + size / 2 > total * len(groups) / wanted
        if groups[-1] and past_share and len(groups) < wanted:
            groups.append([])
        groups[-1].append(province)
        filled += size
    return [group for group in groups if group] or None


def _recompute_in_own_connection(
    province_ids: list[int], years: tuple[int, ...], engine: ModuleType
) -> None:
    try:
        _recompute(province_ids=province_ids, years=years, with_nation=False, engine=engine)
    finally:
        connection.close()  # this thread's own connection


def _recompute(
    *,
    province_ids: list[int] | None,
    years: tuple[int, ...],
    with_nation: bool = True,
    engine: ModuleType | None = None,
) -> None:
    """province_ids None means every province, in one statement (not one per province); an empty
    list only the nation rows (after the provinces were recomputed in groups)."""
    nation = Unit.objects.filter(level=Level.NATION).values_list("pk", flat=True).first()
    if nation is None:
        return
    all_ids = list(
        Unit.objects.provinces().order_by("pk").values_list("pk", flat=True)
        if province_ids is None
        else sorted(province_ids)
    )
    engine = engine or engine_for(connection.vendor)
    barrier = freshness.barrier(province_ids=all_ids, years=years) if all_ids else None
    now = clock.now()
    with transaction.atomic():
        engine.prepare()
        if all_ids:
            _lock(all_ids, years)
            engine.compute_units(province_ids=province_ids, years=years, nation=nation, now=now)
            channel_figures.compute_units(
                province_ids=province_ids, years=years, nation=nation, now=now
            )
        if with_nation:
            _lock([0], years)
            engine.compute_nation(years=years, nation=nation, now=now)
            channel_figures.compute_nation(years=years, nation=nation, now=now)
        if all_ids:
            freshness.mark_computed(province_ids=all_ids, years=years, barrier=barrier)


def _lock(keys: list[int], years: tuple[int, ...]) -> None:
    """Advisory locks on province-years (0: the nation), always taken in (year, key) order.

    SQLite has one writer at a time and no advisory locks: nothing to take there."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT pg_advisory_xact_lock(%s + y, k) FROM (
                SELECT y, k FROM unnest(%s::int[]) y CROSS JOIN unnest(%s::int[]) k
                ORDER BY y, k OFFSET 0) ordered
            """,
            [LOCK_NAMESPACE, list(years), keys],
        )
        cursor.fetchall()
