"""Recomputing the progress table: every figure of DOMAIN.md, for every unit, set-wise.

How the figures are defined (one row per unit, year and month 1..12):

- Rows exist for a province-year when at least one of its communes reported in that year; then
  every unit of the province (province, districts, communes) gets all twelve months, and a month
  nobody in the unit reported has ``participants`` NULL and ``communes_reported`` 0. The nation
  gets twelve rows for every year in which any province has rows.
- participants, new_in_month: the sum over the unit's communes that reported that month (like
  DHIS2); communes_reported / communes_total is the reporting rate shown beside it.
- change_vs_prev_month: participants minus the unit's participants the month before (December of
  the previous year for January); change_vs_prev_year_end: minus December of the previous year;
  same_month_last_year, change_yoy, change_yoy_pct (2 decimals): against the same month a year
  earlier. NULL whenever one side is unknown.
- target / target_new: the unit's own Target (participants / new). children_target(_new): what
  the targets of its direct children add up to (NULL when none has one), stored beside the own
  target whether or not that exists, so a page can say "no target; districts add up to N".
- completion_pct = participants / target, completion_new_pct = new_ytd / target_new, both in %,
  rounded half away from zero to 2 decimals; only against the unit's own target.
- gap = max(target - participants, 0), over_target = max(participants - target, 0): one of them
  is always 0, and participants + gap - over_target = target.
- deadline_month: from the unit's participants target, else the nearest ancestor's (district,
  province, nation), else 12. months_left = max(deadline - month, 0): at the end of May with an
  October deadline, June..October = 5.
- required_pace = ceil(gap / months_left): an officer needs a figure that, met every month,
  reaches the target (8,005 over 5 months is 1,601 exactly; 8,006 would need 1,602). 0 when the
  gap is 0; NULL once the deadline month is reached with a gap left (no month remains).
- projected_year_end: the least-squares trend line through the unit's known participants from
  December of the previous year to this month, continued from this month's figure to December:
  round(participants + slope * (12 - month)). NULL with fewer than two known points.
- new_ytd: the sum of new_in_month from January to this month; NULL for a month the unit has
  not reported (a page should not show January..May's sum as June's).

Nation rows are the sum of the provinces' rows of the same year and month (recomputed set-wise
after every province recompute), then derived with the same rules: its December of last year is
the sum of the provinces' same_month_last_year of December, so a province with no count yet this
year is not in the nation's comparisons; communes_total counts every commune of the country.
The nation's own target (a Target on the nation unit) is optional; children_target sums the
provinces' targets. A province recompute also recomputes the next year when that has counts,
since its comparisons read this year's.

Coalescing: a save queues ``tasks.recompute_province`` with a short countdown
(``PROGRESS_RECOMPUTE_DELAY``, 0.5 s); the task does nothing when the state shows a recompute
that started after the last request has finished, so a burst of saves from one province costs
one or two recomputes, not one per save.

A recompute is one MERGE statement per level (units, then the nation): its source is one grouped
query (``GROUP BY ... ROLLUP(district, commune)`` over the monthly counts, plus window functions
for the comparisons), joined once with the stored rows of the year; only new rows are inserted
and only rows whose figures changed are updated, so recomputing twice writes nothing and a save
rewrites only the months it moved. The table keeps free room on each page (fillfactor 70) so
those rewrites are HOT updates, and has no database foreign keys (see models.Progress). A full
recompute splits the provinces over ``PROGRESS_RECOMPUTE_CONNECTIONS`` connections (2) working
at once, then sums the nation from their rows. A pure-Python twin of the same rules runs on
SQLite (the newcomer's default database) and serves the tests as an independent oracle.

Concurrency: a recompute of a province-year holds ``pg_advisory_xact_lock`` on it, and the nation
rows are recomputed under a lock of their own taken after the provinces' rows are written, so two
recomputes at once serialise where they overlap and the last one sees every committed row.
Freshness (``RecomputeState``): a save bumps ``requested_at`` in its own transaction; a recompute
first passes a barrier (an upsert of the state row, which waits for in-flight saves to commit),
reads the clock, and when done sets ``computed_at`` to that time. A save that commits later gets
a ``requested_at`` strictly after it, so the page says "update pending" until its own recompute.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import repeat

from django.db import connection, transaction
from django.db.models import Count

from bhxh_dashboard import clock
from progress.models import Progress, RecomputeState
from provinces.models import Level, Unit
from targets.models import MonthlyCount, Target, TargetKind

logger = logging.getLogger(__name__)

MONTHS = range(1, 13)
# pg_advisory_xact_lock(key1, key2): key1 namespaces our locks by year, key2 is the province
# (0 for the nation rows).
LOCK_NAMESPACE = 0x50520000

FIGURES = [
    "participants",
    "change_vs_prev_month",
    "change_vs_prev_year_end",
    "same_month_last_year",
    "change_yoy",
    "change_yoy_pct",
    "target",
    "children_target",
    "completion_pct",
    "gap",
    "over_target",
    "new_in_month",
    "new_ytd",
    "target_new",
    "children_target_new",
    "completion_new_pct",
    "deadline_month",
    "months_left",
    "required_pace",
    "projected_year_end",
    "communes_reported",
    "communes_total",
]
ROW_FIELDS = ["level", "parent_id", *FIGURES]


# ---------------------------------------------------------------------------------------------
# Requests (called by the saving transaction)
# ---------------------------------------------------------------------------------------------


def request_recompute(*, province_id: int | None, year: int) -> None:
    """Mark a province-year as changed and queue its recompute once the transaction commits.

    Call it inside the transaction that saved counts or targets. province_id None means the
    nation's own target changed: every province inherits its deadline, so all are recomputed.
    Queuing never fails the save: when the broker is down the error is logged, the state stays
    pending, and the next save or the nightly full recompute catches up.
    """
    _mark_requested(province_id=province_id, year=year)
    key = ("progress-recompute", province_id, year)
    if any(getattr(item[1], "progress_key", None) == key for item in connection.run_on_commit):
        return  # already queued by this transaction: one recompute per province-year and save

    def enqueue() -> None:
        from progress import tasks

        try:
            if province_id is None:
                tasks.recompute_all.apply_async(kwargs={"year": year})
            else:
                tasks.recompute_province.apply_async(
                    (province_id, year), countdown=debounce_seconds()
                )
        except Exception:  # the broker's errors vary by transport; none may fail a saved form
            logger.exception(
                "could not queue the progress recompute of province %s, %s; it stays pending",
                province_id,
                year,
            )

    enqueue.progress_key = key
    transaction.on_commit(enqueue)


def debounce_seconds() -> float:
    """Saves in a burst within this delay share one recompute (later tasks find nothing to do)."""
    from django.conf import settings

    return getattr(settings, "PROGRESS_RECOMPUTE_DELAY", 0.5)


def _mark_requested(*, province_id: int | None, year: int) -> None:
    provinces = (
        list(Unit.objects.provinces().values_list("pk", flat=True))
        if province_id is None
        else [province_id]
    )
    if connection.vendor != "postgresql":
        for each in provinces:
            RecomputeState.objects.update_or_create(
                province_id=each, year=year, defaults={"requested_at": clock.now()}
            )
        return
    # Strictly after the last request and the last recompute's barrier, so a save that commits
    # after a recompute started is never taken as covered by it (clock ties included).
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO progress_recomputestate AS s (province_id, year, requested_at, data_version)
            SELECT p, %s, clock_timestamp(), 0 FROM unnest(%s::bigint[]) p ORDER BY p
            ON CONFLICT (province_id, year) DO UPDATE SET requested_at = GREATEST(
                clock_timestamp(),
                s.requested_at + interval '1 microsecond',
                s.computed_at + interval '1 microsecond')
            """,
            [year, provinces],
        )


# ---------------------------------------------------------------------------------------------
# Recomputes
# ---------------------------------------------------------------------------------------------


@dataclass
class RecomputeResult:
    skipped: bool = False
    years: tuple[int, ...] = ()


def recompute_province(
    *, province_id: int, year: int, only_if_pending: bool = False
) -> RecomputeResult:
    """Recompute every progress row of one province (and the nation) for one year.

    The next year is recomputed too when the province has counts in it, since its comparisons
    read this year's counts. With ``only_if_pending`` (the Celery task) nothing is done when a
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
    # The next year's comparisons read this year's counts; it has rows only once it has counts.
    next_year = MonthlyCount.objects.filter(commune__province_id=province_id, year=year + 1)
    years = (year, year + 1) if next_year.exists() else (year,)
    _recompute(province_ids=[province_id], years=years)
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


def recompute_all(*, year: int | None = None) -> list[int]:
    """Recompute every province for a year (every year with data, oldest first, when None).

    The provinces are split over PROGRESS_RECOMPUTE_CONNECTIONS connections working at once (one
    statement each, on its own core of the database), then the nation rows are summed from them.
    """
    years = [year] if year is not None else years_with_data()
    groups = _province_groups()
    for each in years:
        if groups is None:
            _recompute(province_ids=None, years=(each,))
            continue
        with ThreadPoolExecutor(len(groups)) as pool:
            list(pool.map(_recompute_in_own_connection, groups, repeat((each,))))
        _recompute(province_ids=[], years=(each,))
    return years


def _province_groups() -> list[list[int]] | None:
    """Runs of provinces (in id order, so their communes' ids are runs too) with about the same
    number of communes each, one per connection; None when the recompute must stay on this
    connection: one is configured, or a transaction is open here whose data other connections
    would not see (tests, a caller's atomic block), or the Python twin computes."""
    from django.conf import settings

    wanted = settings.PROGRESS_RECOMPUTE_CONNECTIONS
    if wanted < 2 or connection.in_atomic_block or not _set_wise_sql():
        return None
    communes = dict(
        Unit.objects.communes()
        .values("province_id")
        .annotate(n=Count("pk"))
        .values_list("province_id", "n")
    )
    provinces = list(Unit.objects.provinces().order_by("pk").values_list("pk", flat=True))
    total = sum(communes.values()) or 1
    groups, filled = [[]], 0
    for province in provinces:
        size = communes.get(province, 0)
        # A province goes to the next group when most of it lies past this group's share.
        past_share = filled + size / 2 > total * len(groups) / wanted
        if groups[-1] and past_share and len(groups) < wanted:
            groups.append([])
        groups[-1].append(province)
        filled += size
    return [group for group in groups if group] or None


def _recompute_in_own_connection(province_ids: list[int], years: tuple[int, ...]) -> None:
    try:
        _recompute(province_ids=province_ids, years=years, with_nation=False)
    finally:
        connection.close()  # this thread's own connection


def _recompute(
    *, province_ids: list[int] | None, years: tuple[int, ...], with_nation: bool = True
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
    barrier = _barrier(province_ids=all_ids, years=years) if all_ids else None
    now = clock.now()
    with transaction.atomic():
        if _set_wise_sql():
            with connection.cursor() as cursor:
                # One big statement: compiling it (JIT) costs more than it saves, and its sorts
                # fit in memory with a little more than the 4 MB default.
                cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
            if all_ids:
                _lock(all_ids, years)
                _sql_units(province_ids=province_ids, years=years, nation=nation, now=now)
            if with_nation:
                _lock([0], years)
                _sql_nation(years=years, nation=nation, now=now)
        else:
            if all_ids:
                _python_units(province_ids=province_ids, years=years, nation=nation, now=now)
            if with_nation:
                _python_nation(years=years, nation=nation, now=now)
        if all_ids:
            _mark_computed(province_ids=all_ids, years=years, barrier=barrier)


def _set_wise_sql() -> bool:
    """PostgreSQL computes in SQL; elsewhere (SQLite) the Python twin does. Tests patch it."""
    return connection.vendor == "postgresql"


def _barrier(*, province_ids: list[int], years: tuple[int, ...]) -> dt.datetime:
    """Wait for saves in flight, then read the clock: everything committed before it is seen.

    The upsert takes the state rows' locks, which a saving transaction holds (from
    request_recompute) until it commits; it runs in its own short transaction so saves are not
    blocked while the recompute runs.
    """
    if connection.vendor != "postgresql":
        return clock.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO progress_recomputestate AS s (province_id, year, data_version)
            SELECT p, y, 0 FROM unnest(%s::bigint[]) p CROSS JOIN unnest(%s::int[]) y
            ORDER BY y, p
            ON CONFLICT (province_id, year) DO UPDATE SET requested_at = s.requested_at
            """,
            [province_ids, list(years)],
        )
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def _lock(keys: list[int], years: tuple[int, ...]) -> None:
    """Advisory locks on province-years (0: the nation), always taken in (year, key) order."""
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


def _mark_computed(*, province_ids: list[int], years: tuple[int, ...], barrier) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE progress_recomputestate
                SET computed_at = GREATEST(computed_at, %s), data_version = data_version + 1
                WHERE province_id = ANY(%s) AND year = ANY(%s)
                """,
                [barrier, province_ids, list(years)],
            )
        return
    now = clock.now()
    existing = {
        (s.province_id, s.year): s
        for s in RecomputeState.objects.filter(province_id__in=province_ids, year__in=years)
    }
    rows = []
    for p in province_ids:
        for y in years:
            state = existing.get((p, y)) or RecomputeState(province_id=p, year=y)
            state.computed_at = max(filter(None, [state.computed_at, now]))
            state.data_version += 1
            rows.append(state)
    RecomputeState.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["province", "year"],
        update_fields=["computed_at", "data_version"],
    )


# ---------------------------------------------------------------------------------------------
# PostgreSQL: one MERGE per level
# ---------------------------------------------------------------------------------------------

# From `series` (unit_id, month, p, n, reported, p_last: twelve dense months per unit) and `meta`
# (each unit's level, parent, communes_total, targets and deadline), derive every figure and
# merge it into the table.
_DERIVE_AND_MERGE = """
WITH {ctes},
win AS (
    SELECT s.*,
        lag(p) OVER w AS p_prev,
        max(p_last) FILTER (WHERE month = 12) OVER (PARTITION BY unit_id) AS p_dec,
        sum(n) OVER w AS new_ytd,
        count(p) OVER w AS k,
        sum(month) FILTER (WHERE p IS NOT NULL) OVER w AS sx,
        sum(p) OVER w AS sy,
        sum(p * month) OVER w AS sxy,
        sum(month * month) FILTER (WHERE p IS NOT NULL) OVER w AS sxx
    FROM series s
    WINDOW w AS (PARTITION BY unit_id ORDER BY month ROWS UNBOUNDED PRECEDING)
),
fig AS (
    SELECT win.*, m.level, m.parent_id, m.communes_total, m.target, m.deadline, m.target_new,
        m.children_target, m.children_target_new,
        CASE WHEN month = 1 THEN p_dec ELSE p_prev END AS p_before,
        greatest(m.deadline - month, 0) AS months_left,
        -- least squares through (0, December last year) and (m, p_m) of this year
        k + (p_dec IS NOT NULL)::int AS pts,
        coalesce(sy, 0) + coalesce(p_dec, 0) AS sy2
    FROM win JOIN meta m ON m.unit_id = win.unit_id
),
out AS (
    SELECT unit_id, level, parent_id, %(year)s AS year, month,
        p AS participants,
        p - p_before AS change_vs_prev_month,
        p - p_dec AS change_vs_prev_year_end,
        p_last AS same_month_last_year,
        p - p_last AS change_yoy,
        round(100.0 * (p - p_last) / nullif(p_last, 0), 2) AS change_yoy_pct,
        target,
        children_target,
        round(100.0 * p / nullif(target, 0), 2) AS completion_pct,
        CASE WHEN p IS NOT NULL AND target IS NOT NULL THEN greatest(target - p, 0) END AS gap,
        CASE WHEN p IS NOT NULL AND target IS NOT NULL THEN greatest(p - target, 0) END
            AS over_target,
        n AS new_in_month,
        CASE WHEN n IS NOT NULL THEN new_ytd END AS new_ytd,
        target_new,
        children_target_new,
        CASE WHEN n IS NOT NULL THEN round(100.0 * new_ytd / nullif(target_new, 0), 2) END
            AS completion_new_pct,
        deadline AS deadline_month,
        months_left,
        CASE WHEN target - p <= 0 THEN 0
             WHEN months_left > 0 THEN (target - p + months_left - 1) / months_left
        END AS required_pace,
        CASE WHEN p IS NOT NULL AND pts >= 2 AND pts * coalesce(sxx, 0) - sx * sx <> 0 THEN
            round((p * (pts * sxx - sx * sx) + (pts * sxy - sx * sy2) * (12 - month))::numeric
                  / (pts * sxx - sx * sx))
        END AS projected_year_end,
        coalesce(reported, 0) AS communes_reported,
        communes_total
    FROM fig
)
MERGE INTO progress_progress t
USING out o ON t.year = %(year)s AND t.unit_id = o.unit_id AND t.month = o.month AND {scope_t}
WHEN MATCHED AND ({old}) IS DISTINCT FROM ({new}) THEN
    UPDATE SET computed_at = %(now)s, {updates}
WHEN NOT MATCHED THEN
    INSERT (unit_id, year, month, computed_at, {columns})
    VALUES (o.unit_id, o.year, o.month, %(now)s, {out_columns})
"""


def _derive_sql(ctes: str, scope_t: str = "true") -> str:
    """The merge of every figure from `ctes` (which define `series` and `meta`) into the table.

    scope_t holds for every stored row of the units in `series`: it lets the planner read only
    those rows (one province's, not the whole country's) when it joins them.

    MERGE joins the fresh rows with the stored ones once, on the (unit, year, month) key:
    a stored row that is unchanged is neither written nor locked (so recomputing twice writes
    nothing), a changed one is updated in place, a new one is a plain insert. Concurrent
    recomputes of the same rows are serialised by the advisory locks, which MERGE needs (it
    does not resolve insert races the way ON CONFLICT does).
    """
    return _DERIVE_AND_MERGE.format(
        ctes=ctes,
        scope_t=scope_t,
        columns=", ".join(ROW_FIELDS),
        updates=", ".join(f"{c} = o.{c}" for c in ROW_FIELDS),
        old=", ".join(f"t.{c}" for c in ROW_FIELDS),
        # No casts to the columns' types: the figures are compared by value (a bigint sum with an
        # integer, a numeric rounded to 2 places with a numeric(9, 2)), and casting costs time.
        new=", ".join(f"o.{c}" for c in ROW_FIELDS),
        out_columns=", ".join(f"o.{c}" for c in ROW_FIELDS),
    )


# Provinces, districts and communes of the provinces in scope, for the years in scope. `agg` is
# the one grouped query: each count row feeds its own year (p, n) and the next (p_last).
_UNITS_BASE = """
    -- Every commune x month of the active provinces, with its counts of this year and the last:
    -- grouped with ROLLUP it gives every unit twelve dense months, reported or not.
    agg AS (
        SELECT m.month, cu.province_id, cu.district_id, cu.id AS commune_id,
            grouping(cu.district_id, cu.id) AS g,
            sum(c.participants) FILTER (WHERE c.year = %(year)s) AS p,
            sum(c.new_participants) FILTER (WHERE c.year = %(year)s) AS n,
            count(*) FILTER (WHERE c.year = %(year)s) AS reported,
            sum(c.participants) FILTER (WHERE c.year = %(year)s - 1) AS p_last
        FROM provinces_unit cu
        CROSS JOIN generate_series(1, 12) m(month)
        LEFT JOIN targets_monthlycount c ON c.commune_id = cu.id AND c.month = m.month::smallint
            AND c.year IN (%(year)s, %(year)s - 1) AND {scope_c}
        WHERE cu.level = 3 AND {scope_cu}
        GROUP BY m.month, cu.province_id, ROLLUP (cu.district_id, cu.id)
    ),
    totals AS (
        SELECT CASE grouping(district_id, id) WHEN 0 THEN id WHEN 1 THEN district_id
                ELSE province_id END AS unit_id, count(*) AS communes_total
        FROM provinces_unit WHERE level = 3 AND {scope}
        GROUP BY province_id, ROLLUP (district_id, id)
    ),
    tg AS (
        SELECT t.unit_id, u.parent_id,
            max(t.value) FILTER (WHERE t.kind = 'participants') AS target,
            max(t.deadline_month) FILTER (WHERE t.kind = 'participants') AS deadline,
            max(t.value) FILTER (WHERE t.kind = 'new') AS target_new
        FROM targets_target t JOIN provinces_unit u ON u.id = t.unit_id
        WHERE t.year = %(year)s AND (u.level = 0 OR {scope_u})
        GROUP BY t.unit_id, u.parent_id
    ),
    ctg AS (
        SELECT parent_id, sum(target) AS children_target, sum(target_new) AS children_target_new
        FROM tg GROUP BY parent_id
    ),
    meta AS (
        SELECT u.id AS unit_id, u.level, u.parent_id,
            coalesce(tot.communes_total, 0) AS communes_total,
            ts.target, ts.target_new,
            coalesce(ts.deadline, td.deadline, tp.deadline,
                     (SELECT deadline FROM tg WHERE unit_id = %(nation)s), 12) AS deadline,
            ctg.children_target, ctg.children_target_new
        FROM provinces_unit u
        LEFT JOIN totals tot ON tot.unit_id = u.id
        LEFT JOIN tg ts ON ts.unit_id = u.id
        LEFT JOIN tg td ON td.unit_id = u.district_id
        LEFT JOIN tg tp ON tp.unit_id = u.province_id
        LEFT JOIN ctg ON ctg.parent_id = u.id
        WHERE u.level >= 1 AND {scope_u}
    ),
    series AS (
        SELECT CASE g WHEN 0 THEN commune_id WHEN 1 THEN district_id ELSE province_id END
                AS unit_id, month::smallint AS month, p, n, reported, p_last
        FROM agg
        UNION ALL  -- the few districts without communes (islands) still get their rows
        SELECT um.unit_id, m.month::smallint, NULL, NULL, 0, NULL
        FROM meta um CROSS JOIN generate_series(1, 12) m(month)
        WHERE um.level = 2 AND um.communes_total = 0
    )
"""

# The nation: the sum of the provinces' rows of the same year and month.
_NATION_BASE = """
    series AS (
        SELECT %(nation)s::bigint AS unit_id, month, sum(participants) AS p,
            sum(new_in_month) AS n, sum(communes_reported) AS reported,
            sum(same_month_last_year) AS p_last
        FROM progress_progress WHERE parent_id = %(nation)s AND year = %(year)s
        GROUP BY month
    ),
    -- Materialized: computed once, not once for each of the twelve months it is joined with.
    meta AS MATERIALIZED (
        SELECT %(nation)s::bigint AS unit_id, 0 AS level, NULL::bigint AS parent_id,
            (SELECT count(*) FROM provinces_unit WHERE level = 3) AS communes_total,
            max(t.value) FILTER (WHERE t.kind = 'participants' AND u.level = 0) AS target,
            coalesce(max(t.deadline_month) FILTER (
                WHERE t.kind = 'participants' AND u.level = 0), 12) AS deadline,
            max(t.value) FILTER (WHERE t.kind = 'new' AND u.level = 0) AS target_new,
            sum(t.value) FILTER (WHERE t.kind = 'participants' AND u.level = 1)
                AS children_target,
            sum(t.value) FILTER (WHERE t.kind = 'new' AND u.level = 1) AS children_target_new
        FROM targets_target t JOIN provinces_unit u ON u.id = t.unit_id
        WHERE t.year = %(year)s AND u.level <= 1
    )
"""


def _scope(column: str, province_ids) -> str:
    return "true" if province_ids is None else f"{column} = ANY(%(provinces)s)"


def _units_base(province_ids) -> str:
    """The units' base query, filtered to the provinces (no filter at all for every province).

    The filter is a literal list the planner can estimate (a subquery it cannot: it then picks
    nested loops over the whole country). The counts are also narrowed to the provinces'
    range of commune ids: a province's communes are loaded together, so their ids are one
    run and the counts index reads only that run (the join with the units keeps it exact
    whatever the ids).
    """
    if province_ids is None:
        return _UNITS_BASE.format(scope="true", scope_u="true", scope_cu="true", scope_c="true")
    return _UNITS_BASE.format(
        scope="province_id = ANY(%(provinces)s)",
        scope_u="u.province_id = ANY(%(provinces)s)",
        scope_cu="cu.province_id = ANY(%(provinces)s)",
        scope_c="c.commune_id BETWEEN %(first_commune)s AND %(last_commune)s",
    )


def _params(province_ids, year, nation, now, communes=(None, None)) -> dict:
    return {
        "provinces": list(province_ids or []),
        "first_commune": communes[0],
        "last_commune": communes[1],
        "year": year,
        "nation": nation,
        "now": now,
    }


def _sql_units(*, province_ids, years, nation, now) -> None:
    with connection.cursor() as cursor:
        for year in years:
            # Rows exist for the provinces with counts this year: one indexed probe each. The
            # range of their communes' ids narrows the read of the counts (see _units_base).
            cursor.execute(
                f"""
                SELECT array_agg(p.id ORDER BY p.id), count(*) = (
                    SELECT count(*) FROM provinces_unit p WHERE level = 1 AND {_scope("p.id", province_ids)}),
                    (SELECT min(id) FROM provinces_unit WHERE level = 3 AND {_scope("province_id", province_ids)}),
                    (SELECT max(id) FROM provinces_unit WHERE level = 3 AND {_scope("province_id", province_ids)})
                FROM provinces_unit p WHERE p.level = 1 AND {_scope("p.id", province_ids)} AND EXISTS (
                    SELECT 1 FROM provinces_unit cu JOIN targets_monthlycount c ON c.commune_id = cu.id
                    WHERE cu.province_id = p.id AND cu.level = 3 AND c.year = %(year)s)
                """,
                {"year": year, "provinces": list(province_ids or [])},
            )
            active, every, *communes = cursor.fetchone()
            if active:
                scope = None if province_ids is None and every else active
                scope_t = (
                    "true"
                    if scope is None
                    else "t.unit_id IN (SELECT id FROM provinces_unit"
                    " WHERE province_id = ANY(%(provinces)s))"
                )
                cursor.execute(
                    _derive_sql(_units_base(scope), scope_t),
                    _params(scope, year, nation, now, communes),
                )
            # A province-year whose counts were all deleted keeps no rows.
            cursor.execute(
                f"""
                DELETE FROM progress_progress t USING provinces_unit u
                WHERE t.unit_id = u.id AND t.year = %(year)s AND u.level >= 1
                  AND {_scope("u.province_id", province_ids)}
                  AND NOT u.province_id = ANY(%(active)s)
                """,
                {"year": year, "provinces": list(province_ids or []), "active": active or []},
            )


def _sql_nation(*, years, nation, now) -> None:
    with connection.cursor() as cursor:
        for year in years:
            params = _params(None, year, nation, now)
            cursor.execute(_derive_sql(_NATION_BASE, "t.unit_id = %(nation)s"), params)
            cursor.execute(
                """
                DELETE FROM progress_progress t WHERE t.unit_id = %(nation)s AND t.year = %(year)s
                  AND NOT EXISTS (SELECT 1 FROM progress_progress p
                                  WHERE p.parent_id = %(nation)s AND p.year = %(year)s)
                """,
                params,
            )


# ---------------------------------------------------------------------------------------------
# Python: the same rules, for SQLite and as the tests' oracle
# ---------------------------------------------------------------------------------------------


def _round2(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    value = Decimal(100 * numerator) / Decimal(denominator)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _round_half_away(value: Fraction) -> int:
    sign = -1 if value < 0 else 1
    return sign * int(abs(value) + Fraction(1, 2))


def derive_rows(
    series: dict[int, tuple[int | None, int | None, int, int | None]],
    meta: dict,
) -> list[dict]:
    """Every figure of twelve months of one unit-year.

    series: month -> (participants, new, communes reported, same month last year) and meta holds
    communes_total, target, target_new, deadline, children_target(_new). Pure: no database.
    """
    p_dec = series.get(12, (None, None, 0, None))[3]
    rows, ytd, prev = [], None, None
    points = [(0, p_dec)] if p_dec is not None else []
    target, deadline = meta["target"], meta["deadline"]
    for month in MONTHS:
        p, n, reported, p_last = series.get(month, (None, None, 0, None))
        if n is not None:
            ytd = (ytd or 0) + n
        if p is not None:
            points.append((month, p))
        before = p_dec if month == 1 else prev
        months_left = max(deadline - month, 0)
        known = p is not None and target is not None
        if known and target - p <= 0:
            pace = 0
        elif known and months_left > 0:
            pace = -(-(target - p) // months_left)
        else:
            pace = None
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
                "completion_pct": _round2(p, target) if known else None,
                "gap": max(target - p, 0) if known else None,
                "over_target": max(p - target, 0) if known else None,
                "new_in_month": n,
                "new_ytd": ytd if n is not None else None,
                "target_new": meta["target_new"],
                "children_target_new": meta["children_target_new"],
                "completion_new_pct": _round2(ytd, meta["target_new"])
                if n is not None and meta["target_new"]
                else None,
                "deadline_month": deadline,
                "months_left": months_left,
                "required_pace": pace,
                "projected_year_end": projected,
                "communes_reported": reported,
                "communes_total": meta["communes_total"],
            }
        )
        prev = p
    return rows


def _minus(a, b):
    return None if a is None or b is None else a - b


def _add(a, b):
    return b if a is None else (a if b is None else a + b)


def _python_units(*, province_ids, years, nation, now) -> None:
    units = Unit.objects.filter(level__gte=Level.PROVINCE)
    if province_ids is not None:
        units = units.filter(province_id__in=province_ids)
    units = list(units.values_list("pk", "level", "parent_id", "province_id", "district_id"))
    unit_ids = {u[0] for u in units}
    commune_of = {u[0]: u for u in units if u[1] == Level.COMMUNE}
    wanted_years = set(years) | {y - 1 for y in years}
    counts = MonthlyCount.objects.filter(year__in=wanted_years, commune_id__in=commune_of)
    # (unit, year, month) -> [participants, new, reported]
    agg: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for commune_id, year, month, p, n in counts.values_list(
        "commune_id", "year", "month", "participants", "new_participants"
    ):
        _, _, _, province_id, district_id = commune_of[commune_id]
        for unit_id in (commune_id, district_id, province_id):
            cell = agg[(unit_id, year, month)]
            cell[0] += p
            cell[1] += n
            cell[2] += 1
    totals: dict[int, int] = defaultdict(int)
    for commune_id, (_, _, _, province_id, district_id) in commune_of.items():
        for unit_id in (commune_id, district_id, province_id):
            totals[unit_id] += 1
    targets = _python_targets(years, unit_ids | {nation})
    parent_of = {u[0]: u[2] for u in units}
    rows = []
    for year in years:
        active = {u[3] for u in units if any((u[3], year, m) in agg for m in MONTHS)}
        for unit_id, level, parent_id, province_id, district_id in units:
            if province_id not in active:
                continue
            series = {}
            for m in MONTHS:
                cur, last = agg.get((unit_id, year, m)), agg.get((unit_id, year - 1, m))
                series[m] = (
                    cur[0] if cur else None,
                    cur[1] if cur else None,
                    cur[2] if cur else 0,
                    last[0] if last else None,
                )
            own = targets.get((unit_id, year), {})
            deadline = next(
                (
                    targets[(u, year)]["deadline"]
                    for u in (unit_id, district_id, province_id, nation)
                    if targets.get((u, year), {}).get("deadline")
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
            }
            for row in derive_rows(series, meta):
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


def _sum_known(values) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _python_targets(years, unit_ids) -> dict[tuple[int, int], dict]:
    targets: dict[tuple[int, int], dict] = defaultdict(dict)
    for unit_id, year, kind, value, deadline in Target.objects.filter(
        year__in=years, unit_id__in=unit_ids
    ).values_list("unit_id", "year", "kind", "value", "deadline_month"):
        if kind == TargetKind.PARTICIPANTS:
            targets[(unit_id, year)].update(target=value, deadline=deadline)
        else:
            targets[(unit_id, year)]["target_new"] = value
    return targets


def _python_nation(*, years, nation, now) -> None:
    communes_total = Unit.objects.communes().count()
    rows = []
    for year in years:
        series: dict[int, list] = {}
        for month, p, n, reported, p_last in Progress.objects.filter(
            level=Level.PROVINCE, year=year
        ).values_list(
            "month", "participants", "new_in_month", "communes_reported", "same_month_last_year"
        ):
            cell = series.setdefault(month, [None, None, 0, None])
            cell[0], cell[1] = _add(cell[0], p), _add(cell[1], n)
            cell[2] += reported
            cell[3] = _add(cell[3], p_last)
        if not series:
            Progress.objects.filter(level=Level.NATION, year=year).delete()
            continue
        own = _python_targets([year], [nation]).get((nation, year), {})
        provinces = Target.objects.filter(year=year, unit__level=Level.PROVINCE)
        meta = {
            "communes_total": communes_total,
            "target": own.get("target"),
            "target_new": own.get("target_new"),
            "deadline": own.get("deadline") or 12,
            "children_target": _sum_known(
                provinces.filter(kind=TargetKind.PARTICIPANTS).values_list("value", flat=True)
            ),
            "children_target_new": _sum_known(
                provinces.filter(kind=TargetKind.NEW_PARTICIPANTS).values_list("value", flat=True)
            ),
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
