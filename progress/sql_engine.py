"""The PostgreSQL engine: every figure of progress/figures.py, set-wise, one MERGE per level.

A recompute is one MERGE statement per level (units, then the nation): its source is one grouped
query (each commune's counts summed by month once, its carried ones too, then
``GROUP BY ... ROLLUP(district, commune)`` over the commune x month grid of the months that
matter, plus window functions for the comparisons), joined once with the stored rows of the year
(read through the unique index, in order); only new rows are inserted
and only rows whose figures changed are updated, so recomputing twice writes nothing and a save
rewrites only the months it moved. The table keeps free room on each page (fillfactor 70) so
those rewrites are HOT updates, and has no database foreign keys (see models.Progress). A full
recompute splits the provinces over ``PROGRESS_RECOMPUTE_CONNECTIONS`` connections (2) working
at once, then sums the nation from their rows.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from progress.figures import ESTIMATE_MONTHS, ROW_FIELDS

NAME = "sql"


def prepare() -> None:
    """Settings for the recompute's transaction."""
    with connection.cursor() as cursor:
        # One big statement: compiling it (JIT) costs more than it saves, and its sorts fit in
        # memory with a little more than the 4 MB default.
        cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")


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
    SELECT win.*, m.level, m.parent_id, coalesce(win.ct, m.communes_total) AS communes_total,
        m.target, m.deadline, m.target_new,
        m.children_target, m.children_target_new, m.valid_from, m.valid_until,
        -- the unit's own labour force first, else what series summed (the nation's provinces)
        coalesce(m.labour_force, win.lf) AS lab,
        CASE WHEN m.labour_force IS NOT NULL THEN m.labour_force_summed
             ELSE win.lf IS NOT NULL END AS lab_summed,
        coalesce(m.labour_force_last, win.lf_last) AS lab_last, m.coverage_target,
        ceil(m.coverage_target * coalesce(m.labour_force, win.lf) / 100) AS cov_people,
        make_date(%(year)s, month, CASE WHEN month = 12 THEN 31 ELSE 25 END) AS cutoff,
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
        communes_total,
        p_reported AS participants_reported,
        coalesce(estimated, 0) AS communes_estimated,
        lab AS labour_force,
        lab_summed AS labour_force_summed,
        lab_last AS labour_force_last_year,
        round(100.0 * p / lab, 2) AS coverage_pct,
        round(100.0 * p / lab, 2) - round(100.0 * p_last / lab_last, 2) AS coverage_change_pp,
        coverage_target AS coverage_target_pct,
        cov_people AS coverage_target_participants,
        round(100.0 * p / nullif(cov_people, 0), 2) AS coverage_completion_pct,
        CASE WHEN p IS NOT NULL AND cov_people IS NOT NULL THEN greatest(cov_people - p, 0) END
            AS coverage_gap
    FROM fig
    -- a unit has the rows of the months it is in force (the old map's end in June 2025, today's
    -- from July); the months before are still read for its comparisons
    WHERE (valid_from IS NULL OR valid_from <= cutoff)
      AND (valid_until IS NULL OR valid_until >= cutoff)
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
    those rows (one province's, not the whole country's) when it joins them. For provinces it
    is a sorted array of their units' ids: the (unit, year, month) index then reads just this
    year's rows of those units, already in the order the figures come in (a semi-join with the
    units read every year's rows of the whole country and sorted them).

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
    -- Whose counts a commune sums: its own, and across the reform those of the old communes it
    -- carries on (it is their default successor) for the months they were in force, so that
    -- today's units compare with the same ground before July 2025 ("quy đổi theo địa giới mới").
    carry AS (
        SELECT cu.id AS commune_id, cu.id AS source_id, NULL::date AS source_until,
            cu.valid_from, cu.valid_until, cu.province_id
        FROM provinces_unit cu WHERE cu.level = 3 AND {scope_cu}
        UNION ALL
        SELECT s.successor_id, s.predecessor_id, pu.valid_until, cu.valid_from, cu.valid_until,
            cu.province_id
        FROM provinces_succession s
        JOIN provinces_unit pu ON pu.id = s.predecessor_id AND pu.level = 3
        JOIN provinces_unit cu ON cu.id = s.successor_id
        WHERE s.is_default AND {scope_cu}
    ),
    -- Each commune's sums by month, once: its own counts and the carried ones of the old communes
    -- it carries on (several rows for one commune-month across the reform, one otherwise).
    cm AS (
        SELECT k.commune_id, k.province_id, c.month,
            -- integers, so that the sums above them are bigint (a sum of bigint is numeric)
            sum(c.participants) FILTER (WHERE c.year = %(year)s)::int AS p,
            sum(c.new_participants) FILTER (WHERE c.year = %(year)s)::int AS n,
            count(*) FILTER (WHERE c.year = %(year)s)::int AS reported,
            sum(c.participants) FILTER (WHERE c.year = %(year)s - 1)::int AS p_last
        FROM carry k JOIN targets_monthlycount c ON c.commune_id = k.source_id
            AND c.year IN (%(year)s, %(year)s - 1) AND {scope_c}
            AND (k.source_until IS NULL OR k.source_until >= make_date(
                c.year, c.month, CASE WHEN c.month = 12 THEN 31 ELSE 25 END))
            -- last year's January-November give only same_month_last_year, of a month
            -- that has a row only if the commune is in force then (2025: the old communes'
            -- July-November, the carried January-June of today's)
            AND (c.year = %(year)s OR c.month = 12
                 OR ((k.valid_from IS NULL OR k.valid_from <= make_date(%(year)s, c.month, 25))
                     AND (k.valid_until IS NULL
                          OR k.valid_until >= make_date(%(year)s, c.month, 25))))
        GROUP BY k.commune_id, k.province_id, c.month
    ),
    totals AS (
        SELECT CASE grouping(district_id, id) WHEN 0 THEN id WHEN 1 THEN district_id
                ELSE province_id END AS unit_id, count(*) AS communes_total
        FROM provinces_unit WHERE level = 3 AND {scope}
        GROUP BY province_id, ROLLUP (district_id, id)
    ),
    -- Months being reported (số ước): a province-month (this year's, or last year's for the
    -- comparisons) that some of its communes reported but not all. ym = year * 12 + month, so
    -- that ym - 1 is the month before across a new year.
    gate AS (
        SELECT g.province_id, v.ym FROM (
            SELECT province_id, month, count(p) AS now, count(p_last) AS before
            FROM cm GROUP BY province_id, month
        ) g
        CROSS JOIN LATERAL (VALUES (%(year)s * 12 + g.month, g.now),
                                   ((%(year)s - 1) * 12 + g.month, g.before)) v(ym, n)
        JOIN totals pt ON pt.unit_id = g.province_id  -- the province's communes
        WHERE v.n > 0 AND v.n < pt.communes_total
    ),
    -- In such a month each commune still in force that has not reported carries the figure of
    -- the nearest month it reported in the ESTIMATE_MONTHS before (its carried counts too).
    missing AS (
        SELECT cu.id AS commune_id, g.ym
        FROM gate g JOIN provinces_unit cu ON cu.province_id = g.province_id AND cu.level = 3
        WHERE (cu.valid_until IS NULL OR cu.valid_until >= make_date(
                (g.ym - 1) / 12, (g.ym - 1) %% 12 + 1,
                CASE WHEN (g.ym - 1) %% 12 + 1 = 12 THEN 31 ELSE 25 END))
          -- last year's months as cm reads them (see p_last)
          AND (g.ym > %(year)s * 12 OR g.ym %% 12 = 0
               OR ((cu.valid_from IS NULL OR cu.valid_from <= make_date(
                        %(year)s, (g.ym - 1) %% 12 + 1, 25))
                   AND (cu.valid_until IS NULL OR cu.valid_until >= make_date(
                        %(year)s, (g.ym - 1) %% 12 + 1, 25))))
        -- set differences, hashed or sorted: never a loop over cm for each candidate (which
        -- the planner may pick on a table without statistics)
        EXCEPT
        SELECT commune_id, %(year)s * 12 + month FROM cm WHERE p IS NOT NULL
        EXCEPT
        SELECT commune_id, (%(year)s - 1) * 12 + month FROM cm WHERE p_last IS NOT NULL
    ),
    -- The missing communes look back one by one through the counts' index (OFFSET 0 keeps
    -- each a probe: flattened, the planner may hash every count of the country, or scan the
    -- successions for each count on tables without statistics): their own counts and those of
    -- the old communes they carry on; the nearest month found is the estimate.
    found AS (
        SELECT mi.commune_id, mi.ym, c.from_ym, c.participants
        FROM missing mi
        JOIN carry k ON k.commune_id = mi.commune_id
        CROSS JOIN LATERAL (
            SELECT c.year * 12 + c.month AS from_ym, c.participants
            FROM targets_monthlycount c
            WHERE c.commune_id = k.source_id
              AND c.year BETWEEN (mi.ym - 1) / 12 - 1 AND (mi.ym - 1) / 12
              AND c.year * 12 + c.month BETWEEN mi.ym - %(estimate_months)s AND mi.ym - 1
              AND (k.source_until IS NULL OR k.source_until >= make_date(
                  c.year, c.month, CASE WHEN c.month = 12 THEN 31 ELSE 25 END))
            OFFSET 0
        ) c
    ),
    est AS (
        SELECT f.commune_id, f.ym, sum(f.participants)::int AS p
        FROM found f
        JOIN (SELECT commune_id, ym, max(from_ym) AS from_ym FROM found GROUP BY commune_id, ym)
            nearest USING (commune_id, ym, from_ym)
        GROUP BY f.commune_id, f.ym
    ),
    -- The last month of the year each unit is in force at the cut-off (0: none). A unit's
    -- months after it are never shown and feed nothing (the comparisons look back), except
    -- December's last year, which every month compares with.
    last_month AS (
        SELECT u.id AS unit_id, (
            SELECT coalesce(max(m.month), 0) FROM generate_series(1, 12) m(month)
            WHERE (u.valid_from IS NULL OR u.valid_from <= make_date(
                    %(year)s, m.month, CASE WHEN m.month = 12 THEN 31 ELSE 25 END))
              AND (u.valid_until IS NULL OR u.valid_until >= make_date(
                    %(year)s, m.month, CASE WHEN m.month = 12 THEN 31 ELSE 25 END))
        ) AS month
        FROM provinces_unit u WHERE u.level >= 1 AND {scope_u}
    ),
    -- Every commune x month, reported or not, rolled up to districts and provinces: the months
    -- that matter, those up to the last one its commune, district or province is in force
    -- (2025: the old map's January to June) and December.
    agg AS (
        SELECT m.month, cu.province_id, cu.district_id, cu.id AS commune_id,
            grouping(cu.district_id, cu.id) AS g,
            sum(coalesce(cm.p, e.p)) AS p, sum(cm.n) AS n,
            coalesce(sum(cm.reported), 0) AS reported,
            sum(coalesce(cm.p_last, el.p)) AS p_last,
            sum(cm.p) AS p_reported, count(e.p) AS estimated
        FROM provinces_unit cu
        JOIN last_month lc ON lc.unit_id = cu.id
        LEFT JOIN last_month ld ON ld.unit_id = cu.district_id
        JOIN last_month lp ON lp.unit_id = cu.province_id
        CROSS JOIN generate_series(1, 12) m(month)
        LEFT JOIN cm ON cm.commune_id = cu.id AND cm.month = m.month::smallint
        LEFT JOIN est e ON e.commune_id = cu.id AND e.ym = %(year)s * 12 + m.month
        LEFT JOIN est el ON el.commune_id = cu.id AND el.ym = (%(year)s - 1) * 12 + m.month
            AND (m.month = 12
                 OR ((cu.valid_from IS NULL OR cu.valid_from <= make_date(%(year)s, m.month, 25))
                     AND (cu.valid_until IS NULL
                          OR cu.valid_until >= make_date(%(year)s, m.month, 25))))
        WHERE cu.level = 3 AND {scope_cu}
          AND (m.month = 12 OR m.month <= greatest(lc.month, ld.month, lp.month))
        GROUP BY m.month, cu.province_id, ROLLUP (cu.district_id, cu.id)
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
    -- The labour force of this year and the last: each unit's own figure, and a province of
    -- today's map without one takes the sum of the old provinces it took over, every one known.
    lfy AS (
        SELECT l.unit_id, l.year, l.value, false AS summed
        FROM coverage_labourforce l JOIN provinces_unit u ON u.id = l.unit_id
        WHERE l.year IN (%(year)s, %(year)s - 1) AND u.level >= 1 AND {scope_u}
        UNION ALL
        SELECT s.successor_id, y.year, sum(l.value), true
        FROM provinces_succession s
        JOIN provinces_unit u ON u.id = s.successor_id AND u.level = 1
        JOIN provinces_unit pu ON pu.id = s.predecessor_id AND pu.level = 1
        CROSS JOIN (VALUES (%(year)s), (%(year)s - 1)) y(year)
        LEFT JOIN coverage_labourforce l ON l.unit_id = s.predecessor_id AND l.year = y.year
        WHERE {scope_u} AND NOT EXISTS (
            SELECT 1 FROM coverage_labourforce o WHERE o.unit_id = s.successor_id
              AND o.year = y.year)
        GROUP BY s.successor_id, y.year HAVING count(l.value) = count(*)
    ),
    meta AS (
        SELECT u.id AS unit_id, u.level, u.parent_id, u.valid_from, u.valid_until,
            coalesce(tot.communes_total, 0) AS communes_total,
            lc.value AS labour_force, coalesce(lc.summed, false) AS labour_force_summed,
            ll.value AS labour_force_last, ct.pct AS coverage_target,
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
        LEFT JOIN lfy lc ON lc.unit_id = u.id AND lc.year = %(year)s
        LEFT JOIN lfy ll ON ll.unit_id = u.id AND ll.year = %(year)s - 1
        LEFT JOIN coverage_coveragetarget ct ON ct.unit_id = u.id AND ct.year = %(year)s
        WHERE u.level >= 1 AND {scope_u}
    ),
    series AS (
        SELECT CASE g WHEN 0 THEN commune_id WHEN 1 THEN district_id ELSE province_id END
                AS unit_id, month::smallint AS month, p, n, reported, p_last, NULL::bigint AS ct,
            p_reported, estimated, NULL::bigint AS lf, NULL::bigint AS lf_last
        FROM agg
        UNION ALL  -- the few districts without communes (islands) still get their rows
        SELECT um.unit_id, m.month::smallint, NULL, NULL, 0, NULL, NULL, NULL, 0, NULL, NULL
        FROM meta um CROSS JOIN generate_series(1, 12) m(month)
        WHERE um.level = 2 AND um.communes_total = 0
    )
"""

# The nation: the sum of the provinces' rows of the same year and month.
_NATION_BASE = """
    series AS (
        -- twelve dense months: in 2025 no province has rows in every month
        SELECT %(nation)s::bigint AS unit_id, m.month::smallint AS month, sum(participants) AS p,
            sum(new_in_month) AS n, coalesce(sum(communes_reported), 0) AS reported,
            sum(same_month_last_year) AS p_last,
            sum(participants_reported) AS p_reported,
            coalesce(sum(communes_estimated), 0) AS estimated,
            -- the provinces' labour force, when every province row of the month has one
            CASE WHEN count(pp.labour_force) = count(pp.id) THEN sum(pp.labour_force) END AS lf,
            CASE WHEN count(pp.labour_force_last_year) = count(pp.id)
                THEN sum(pp.labour_force_last_year) END AS lf_last,
            -- every commune of the map in force at the month's cut-off (10,051 up to June 2025,
            -- 3,321 since July)
            (SELECT count(*) FROM provinces_unit u WHERE u.level = 3
                AND (u.valid_from IS NULL OR u.valid_from <= make_date(%(year)s, m.month,
                     CASE WHEN m.month = 12 THEN 31 ELSE 25 END))
                AND (u.valid_until IS NULL OR u.valid_until >= make_date(%(year)s, m.month,
                     CASE WHEN m.month = 12 THEN 31 ELSE 25 END))) AS ct
        FROM generate_series(1, 12) m(month)
        LEFT JOIN progress_progress pp ON pp.parent_id = %(nation)s AND pp.year = %(year)s
            AND pp.month = m.month
        GROUP BY m.month
    ),
    -- Materialized: computed once, not once for each of the twelve months it is joined with.
    meta AS MATERIALIZED (
        SELECT %(nation)s::bigint AS unit_id, 0 AS level, NULL::bigint AS parent_id,
            NULL::date AS valid_from, NULL::date AS valid_until,
            NULL::bigint AS communes_total,  -- per month, in series
            max(t.value) FILTER (WHERE t.kind = 'participants' AND u.level = 0) AS target,
            coalesce(max(t.deadline_month) FILTER (
                WHERE t.kind = 'participants' AND u.level = 0), 12) AS deadline,
            max(t.value) FILTER (WHERE t.kind = 'new' AND u.level = 0) AS target_new,
            sum(t.value) FILTER (WHERE t.kind = 'participants' AND u.level = 1)
                AS children_target,
            sum(t.value) FILTER (WHERE t.kind = 'new' AND u.level = 1) AS children_target_new,
            (SELECT value FROM coverage_labourforce
             WHERE unit_id = %(nation)s AND year = %(year)s) AS labour_force,
            false AS labour_force_summed,
            (SELECT value FROM coverage_labourforce
             WHERE unit_id = %(nation)s AND year = %(year)s - 1) AS labour_force_last,
            (SELECT pct FROM coverage_coveragetarget
             WHERE unit_id = %(nation)s AND year = %(year)s) AS coverage_target
        FROM targets_target t JOIN provinces_unit u ON u.id = t.unit_id
        WHERE t.year = %(year)s AND u.level <= 1
    )
"""


def _scope(column: str, province_ids: list[int] | None) -> str:
    return "true" if province_ids is None else f"{column} = ANY(%(provinces)s)"


def _units_base(province_ids: list[int] | None) -> str:
    """The units' base query, filtered to the provinces (no filter at all for every province).

    The filter is a literal list the planner can estimate (a subquery it cannot: it then picks
    nested loops over the whole country). The counts are also narrowed to the provinces'
    range of commune ids, and to the range of the old communes they carry on: a province's
    communes are loaded together, so their ids are one run and the counts index reads only
    that run (the join with the units keeps it exact whatever the ids).
    """
    if province_ids is None:
        return _UNITS_BASE.format(scope="true", scope_u="true", scope_cu="true", scope_c="true")
    return _UNITS_BASE.format(
        scope="province_id = ANY(%(provinces)s)",
        scope_u="u.province_id = ANY(%(provinces)s)",
        scope_cu="cu.province_id = ANY(%(provinces)s)",
        scope_c="(c.commune_id BETWEEN %(first_commune)s AND %(last_commune)s"
        " OR c.commune_id BETWEEN %(first_carried)s AND %(last_carried)s)",
    )


def _params(
    province_ids: list[int] | None,
    year: int,
    nation: int,
    now: dt.datetime,
    communes: tuple[int | None, ...] = (None, None, None, None),
) -> dict:
    return {
        "provinces": list(province_ids or []),
        "first_commune": communes[0],
        "last_commune": communes[1],
        "first_carried": communes[2],
        "last_carried": communes[3],
        "year": year,
        "nation": nation,
        "now": now,
        "estimate_months": ESTIMATE_MONTHS,
    }


def compute_units(
    *, province_ids: list[int] | None, years: tuple[int, ...], nation: int, now: dt.datetime
) -> None:
    """Every row of the provinces' units (all provinces when None) for the years."""
    with connection.cursor() as cursor:
        for year in years:
            # Rows exist for the provinces with counts this year: one indexed probe each. The
            # range of their communes' ids narrows the read of the counts (see _units_base).
            cursor.execute(
                f"""
                SELECT array_agg(p.id ORDER BY p.id), count(*) = (
                    SELECT count(*) FROM provinces_unit p WHERE level = 1 AND {_scope("p.id", province_ids)}),
                    (SELECT min(id) FROM provinces_unit WHERE level = 3 AND {_scope("province_id", province_ids)}),
                    (SELECT max(id) FROM provinces_unit WHERE level = 3 AND {_scope("province_id", province_ids)}),
                    (SELECT array[min(s.predecessor_id), max(s.predecessor_id)]
                     FROM provinces_succession s JOIN provinces_unit u ON u.id = s.successor_id
                     WHERE u.level = 3 AND s.is_default AND {_scope("u.province_id", province_ids)})
                FROM provinces_unit p WHERE p.level = 1 AND {_scope("p.id", province_ids)} AND EXISTS (
                    SELECT 1 FROM provinces_unit cu JOIN targets_monthlycount c ON c.commune_id = cu.id
                    WHERE cu.province_id = p.id AND cu.level = 3 AND c.year = %(year)s)
                """,
                {"year": year, "provinces": list(province_ids or [])},
            )
            active, every, first_commune, last_commune, carried = cursor.fetchone()
            if active:
                scope = None if province_ids is None and every else active
                scope_t = (
                    "true"
                    if scope is None
                    else "t.unit_id = ANY(ARRAY(SELECT id FROM provinces_unit"
                    " WHERE province_id = ANY(%(provinces)s) ORDER BY id))"
                )
                cursor.execute(
                    _derive_sql(_units_base(scope), scope_t),
                    _params(scope, year, nation, now, (first_commune, last_commune, *carried)),
                )
            # A province-year whose counts were all deleted keeps no rows.
            cursor.execute(
                f"""
                DELETE FROM progress_progress t
                WHERE t.year = %(year)s AND t.unit_id = ANY(ARRAY(
                    SELECT u.id FROM provinces_unit u WHERE u.level >= 1
                      AND {_scope("u.province_id", province_ids)}
                      AND NOT u.province_id = ANY(%(active)s)))
                """,
                {"year": year, "provinces": list(province_ids or []), "active": active or []},
            )


def compute_nation(*, years: tuple[int, ...], nation: int, now: dt.datetime) -> None:
    """The nation's rows: the sum of the provinces' rows, derived with the same rules."""
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
