"""The channel figures: who brought each unit's new participants in, by month.

Stored in ChannelFigure, one row per unit above the commune (nation, provinces of both maps,
districts), year, month and organisation, recomputed set-wise with the progress table (progress/services.py calls compute_units and
compute_nation in the same transaction, under the same locks):

- new_in_month: the new participants the organisation brought in the unit's communes that month
  (ChannelCount summed); the row with no organisation is the part not attributed ("chưa phân
  bổ"): each reported commune's new participants (MonthlyCount) minus what its channels add up
  to. So a unit's rows of a month add up to its new participants of the month (progress
  new_in_month), at every level; a remainder is never dropped. Rows are written only where
  something is: an organisation that brought nobody, a commune fully attributed have none.
- carried: a province of today's map's months before 01/07/2025 sum the old communes whose
  default successor is one of its communes (as the progress engine carries counts), so its trend
  goes back across the reform; the nation sums its provinces' own rows only.
- A commune's figures are its own rows (ChannelCount and MonthlyCount, and for one of today's
  communes those of the old communes it carries on), read as they are by outreach/selectors.py
  with the same definitions: storing them again would quadruple the table (a row per commune,
  month and organisation) for figures one indexed query gives.
- new_ytd: new_in_month summed from January to this month.
- target: the organisation's own ChannelTarget at this unit for the year; completion_pct =
  new_ytd / target in % (2 decimals), gap = max(target - new_ytd, 0), required_pace =
  ceil(gap / (12 - month)) (0 when the gap is 0, NULL in December with a gap left), as the
  progress figures of a unit's new-participants target.

Written set-wise, as an upsert: the fresh rows of exactly the provinces and years asked (one
grouped query, plain GROUP BY and window functions) are inserted where new, update a stored row
only where a figure differs (the natural key: unit, year, month, organisation, NULL for the part
not attributed, one unique index with NULLS NOT DISTINCT), and the stored rows of those
provinces and years that the fresh ones no longer have are deleted. So recomputing twice writes
nothing, and a grid save rewrites only the rows it moved: the province's (its units' months from
the one saved on, since the year-to-date sums follow) and the nation's. On PostgreSQL that is
one statement per year (INSERT ... ON CONFLICT DO UPDATE ... WHERE and a DELETE ... NOT EXISTS
as data-modifying CTEs over the same fresh rows); on SQLite (the embedded default of `make run`)
the fresh rows go to a temporary table, then UPDATE ... FROM, INSERT and DELETE ... NOT EXISTS.

Cost: a year's channel counts are read once for the rows and once for each commune's sum, in
commune order from an index holding what is read (channel_count_year_commune), each scan joined
at once to the communes recomputed; the succession join (carried) is only made in a year where
some default successor is valid already (none before the reform).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection

from outreach.models import ChannelFigure

TABLE = ChannelFigure._meta.db_table

# The communes read, each with its district, province and (in a year where old communes carry
# onto today's provinces) the province of its default successor: (id, district_id, province_id,
# carry_id).
_COMMUNES = """
communes AS (
    SELECT c.id, c.district_id, c.province_id, {carry_id} AS carry_id
    FROM provinces_unit c {carry_join}
    WHERE {scope_communes}
)"""
_CARRY_JOIN = """
    LEFT JOIN provinces_succession su ON su.predecessor_id = c.id AND su.is_default
    LEFT JOIN provinces_unit s ON s.id = su.successor_id AND s.valid_from <= %(year_end)s"""

# Each commune's channel rows and its remainder (its new participants less what its channels
# add up to, where it reported them), summed by district, province and carry province in one
# aggregation; each branch keeps only the communes read (a hash join) before any work is done.
_BASE = """
by_commune AS (
    SELECT district_id, province_id, carry_id, month, org_id, sum(n) AS n FROM (
        SELECT c.district_id, c.province_id, c.carry_id, cc.month, cc.org_id,
            cc.new_participants AS n
        FROM outreach_channelcount cc JOIN communes c ON c.id = cc.commune_id
        WHERE cc.year = %(year)s
        UNION ALL
        SELECT c.district_id, c.province_id, c.carry_id, mc.month, CAST(NULL AS integer),
            mc.new_participants - coalesce(a.s, 0)
        FROM targets_monthlycount mc JOIN communes c ON c.id = mc.commune_id
        LEFT JOIN (
            SELECT cc.commune_id, cc.month, sum(cc.new_participants) AS s
            FROM outreach_channelcount cc{scope_a}
            WHERE cc.year = %(year)s GROUP BY cc.commune_id, cc.month
        ) a ON a.commune_id = mc.commune_id AND a.month = mc.month
        WHERE mc.year = %(year)s AND mc.new_participants - coalesce(a.s, 0) <> 0
    ) b
    GROUP BY district_id, province_id, carry_id, month, org_id
),
placed AS (
    SELECT district_id AS unit_id, 2 AS level, province_id AS parent_id, province_id, month,
        org_id, 0 AS carried, n
    FROM by_commune WHERE district_id IS NOT NULL AND {scope_own}
    UNION ALL
    SELECT province_id, 1, %(nation)s, province_id, month, org_id, 0, n
    FROM by_commune WHERE {scope_own}{carry_placed}
),
grouped AS (
    SELECT unit_id, level, parent_id, province_id, month, org_id, max(carried) AS carried,
        sum(n) AS n
    FROM placed GROUP BY unit_id, level, parent_id, province_id, month, org_id
)"""
_CARRY_PLACED = """
    UNION ALL
    SELECT carry_id, 1, %(nation)s, carry_id, month, org_id, 1, n
    FROM by_commune WHERE carry_id IS NOT NULL AND {scope_carry}"""

_NATION = """
grouped AS (
    SELECT %(nation)s AS unit_id, 0 AS level, CAST(NULL AS integer) AS parent_id,
        CAST(NULL AS integer) AS province_id, month, org_id, 0 AS carried,
        sum(new_in_month) AS n
    FROM outreach_channelfigure
    WHERE level = 1 AND year = %(year)s AND carried = %(no)s
    GROUP BY month, org_id
)"""

# The fresh rows, from `grouped` (unit_id, level, parent_id, province_id, month, org_id, carried,
# n): the year-to-date sums and the organisation's target figures.
_FRESH = """
WITH {grouped},
w AS (
    SELECT g.*, CAST(sum(g.n) OVER (
        PARTITION BY g.unit_id, g.org_id ORDER BY g.month ROWS UNBOUNDED PRECEDING) AS bigint)
        AS ytd
    FROM grouped g
),
f AS (
    SELECT w.*, t.value AS target,
        CASE WHEN t.value > w.ytd THEN t.value - w.ytd ELSE 0 END AS gap0
    FROM w LEFT JOIN outreach_channeltarget t
        ON t.org_id = w.org_id AND t.unit_id = w.unit_id AND t.year = %(year)s
),
fresh AS (
    SELECT unit_id, level, parent_id, province_id, %(year)s AS year, month, org_id,
        carried = 1 AS carried, n AS new_in_month, ytd AS new_ytd, target,
        CASE WHEN target > 0 THEN round(100.0 * ytd / target, 2) END AS completion_pct,
        CASE WHEN target IS NOT NULL THEN gap0 END AS gap,
        CASE WHEN target IS NULL THEN NULL
             WHEN gap0 = 0 THEN 0
             WHEN month < 12 THEN (gap0 + 12 - month - 1) / (12 - month)
        END AS required_pace
    FROM f
)"""

KEY = ("unit_id", "year", "month", "org_id")
VALUES = ("level", "parent_id", "province_id", "carried", "new_in_month", "new_ytd", "target",
          "completion_pct", "gap", "required_pace")  # fmt: skip
COLUMNS = ", ".join((*KEY, *VALUES))
# A stored row `t` and a fresh row `f` of the same key (org_id NULL: the part not attributed).
SAME_KEY = (
    "f.unit_id = t.unit_id AND f.year = t.year AND f.month = t.month "
    "AND coalesce(f.org_id, 0) = coalesce(t.org_id, 0)"
)

# PostgreSQL: one statement. Which fresh rows are new or changed, and which stored rows are
# gone, are set differences (EXCEPT: hashed or sorted, never a loop over the stored rows for
# each fresh one, whatever the table's statistics say; NULLs compare equal), so an unchanged
# row is neither written nor locked. The data-modifying CTEs see the table as it was: the upsert
# touches only keys of the fresh rows, the delete only the others.
_UPSERT_PG = (
    _FRESH
    + f""",
stored AS (
    SELECT {COLUMNS} FROM {TABLE} t WHERE t.year = %(year)s AND {{scope_t}}
),
changed AS (
    SELECT {COLUMNS} FROM fresh EXCEPT SELECT {COLUMNS} FROM stored
),
gone AS (
    SELECT unit_id, month, coalesce(org_id, 0) AS org FROM stored
    EXCEPT SELECT unit_id, month, coalesce(org_id, 0) FROM fresh
),
upserted AS (
    INSERT INTO {TABLE} AS t ({COLUMNS}, computed_at)
    SELECT {COLUMNS}, %(now)s FROM changed
    ON CONFLICT ({", ".join(KEY)}) DO UPDATE SET
        {", ".join(f"{c} = excluded.{c}" for c in VALUES)}, computed_at = excluded.computed_at
    WHERE ({", ".join(f"t.{c}" for c in VALUES)})
        IS DISTINCT FROM ({", ".join(f"excluded.{c}" for c in VALUES)})
    RETURNING 1
),
deleted AS (
    DELETE FROM {TABLE} t USING gone g
    WHERE t.year = %(year)s AND t.unit_id = g.unit_id AND t.month = g.month
      AND coalesce(t.org_id, 0) = g.org
    RETURNING 1
)
SELECT (SELECT count(*) FROM upserted) + (SELECT count(*) FROM deleted)
"""
)

# SQLite (where the unique constraint with NULLS NOT DISTINCT is not created): the fresh rows in
# a temporary table indexed by the key, then an update of the stored rows in scope that differ,
# an insert of the keys not stored (a set difference) and a delete of the rows gone.
_FRESH_TABLE = "outreach_channelfigure_fresh"
_SQLITE_STEPS = (
    f"CREATE TEMP TABLE {_FRESH_TABLE} AS " + _FRESH + f" SELECT {COLUMNS} FROM fresh",
    f"CREATE INDEX {_FRESH_TABLE}_key ON {_FRESH_TABLE} (unit_id, year, month, org_id)",
    f"""UPDATE {TABLE} AS t SET
        {", ".join(f"{c} = f.{c}" for c in VALUES)}, computed_at = %(now)s
    FROM {_FRESH_TABLE} f
    WHERE t.year = %(year)s AND {{scope_t}} AND {SAME_KEY}
      AND ({", ".join(f"t.{c}" for c in VALUES)}) IS NOT ({", ".join(f"f.{c}" for c in VALUES)})""",
    f"""INSERT INTO {TABLE} ({COLUMNS}, computed_at)
    SELECT {COLUMNS}, %(now)s FROM {_FRESH_TABLE} f
    WHERE (f.unit_id, f.month, coalesce(f.org_id, 0)) IN (
        SELECT unit_id, month, coalesce(org_id, 0) FROM {_FRESH_TABLE}
        EXCEPT
        SELECT unit_id, month, coalesce(org_id, 0) FROM {TABLE} WHERE year = %(year)s)""",
    f"""DELETE FROM {TABLE} AS t
    WHERE t.year = %(year)s AND {{scope_t}}
      AND NOT EXISTS (SELECT 1 FROM {_FRESH_TABLE} f WHERE {SAME_KEY})""",
    f"DROP TABLE {_FRESH_TABLE}",
)


def _upsert(grouped: str, scope_t: str, params: dict[str, Any]) -> int:
    """Write the fresh rows of one year; the rows written (inserted, updated, deleted)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_UPSERT_PG.format(grouped=grouped, scope_t=scope_t), params)
            return int(cursor.fetchone()[0])
        written = 0
        for step in _SQLITE_STEPS:
            cursor.execute(step.format(grouped=grouped, scope_t=scope_t), params)
            written += (
                max(cursor.rowcount, 0) if step.startswith(("UPDATE", "INSERT", "DELETE")) else 0
            )
        return written


def _ids(ids: list[int]) -> str:
    return ", ".join(str(int(i)) for i in ids) or "NULL"


def compute_units(
    *, province_ids: list[int] | None, years: tuple[int, ...], nation: int, now: dt.datetime
) -> int:
    """Bring the channel rows of the provinces' units (every province when None) for the years
    up to date: their own communes' figures and those carried onto them from old communes. The
    rows written (inserted, updated, deleted)."""
    total = 0
    for year in years:
        year_end = dt.date(year, 12, 31)
        carry = _carries(year_end)
        if province_ids is None:
            scope_communes = scope_own = scope_carry = "true"
            scope_t = "t.province_id IS NOT NULL"
        else:
            ids = _ids(province_ids)
            scope_own = f"province_id IN ({ids})"
            scope_carry = f"carry_id IN ({ids})"
            scope_communes = f"c.province_id IN ({ids})" + (
                f" OR s.province_id IN ({ids})" if carry else ""
            )
            scope_t = f"t.province_id IN ({ids})"
        communes = _COMMUNES.format(
            carry_id="s.province_id" if carry else "CAST(NULL AS bigint)",
            carry_join=_CARRY_JOIN if carry else "",
            scope_communes=scope_communes,
        )
        base = _BASE.format(
            scope_a="" if province_ids is None else " JOIN communes c ON c.id = cc.commune_id",
            scope_own=scope_own,
            carry_placed=_CARRY_PLACED.format(scope_carry=scope_carry) if carry else "",
        )
        total += _upsert(
            f"{communes.strip()},\n{base.strip()}",
            scope_t,
            {"year": year, "year_end": year_end, "nation": nation, "now": now},
        )
    return total


def _carries(year_end: dt.date) -> bool:
    """Whether old communes can carry onto today's provinces in a year ending on `year_end`:
    some commune's default successor is valid by then (before the reform none is)."""
    from provinces.models import Succession

    return Succession.objects.filter(is_default=True, successor__valid_from__lte=year_end).exists()


def compute_nation(*, years: tuple[int, ...], nation: int, now: dt.datetime) -> int:
    """The nation's rows: its provinces' own rows summed (after the provinces were computed).
    The rows written."""
    return sum(
        _upsert(
            _NATION.strip(),
            "t.level = 0",
            {"year": year, "nation": nation, "now": now, "no": False},
        )
        for year in years
    )
