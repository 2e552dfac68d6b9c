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

One statement per province group and year (plus one for the nation), on PostgreSQL and SQLite
alike: plain GROUP BY and window functions.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from outreach.models import ChannelFigure

TABLE = ChannelFigure._meta.db_table

# Each commune's channel rows and its remainder, in scope: (commune_id, month, org_id, n).
_BASE = """
base AS (
    SELECT cc.commune_id, cc.month, cc.org_id, cc.new_participants AS n
    FROM outreach_channelcount cc
    WHERE cc.year = %(year)s AND {scope_base}
    UNION ALL
    SELECT mc.commune_id, mc.month, CAST(NULL AS integer), mc.new_participants - coalesce(a.s, 0)
    FROM targets_monthlycount mc
    LEFT JOIN (
        SELECT commune_id, month, sum(new_participants) AS s FROM outreach_channelcount
        WHERE year = %(year)s GROUP BY commune_id, month
    ) a ON a.commune_id = mc.commune_id AND a.month = mc.month
    WHERE mc.year = %(year)s AND mc.new_participants - coalesce(a.s, 0) <> 0 AND {scope_mc}
),
by_commune AS (
    SELECT c.district_id, c.province_id, b.month, b.org_id, sum(b.n) AS n
    FROM base b JOIN provinces_unit c ON c.id = b.commune_id
    WHERE {scope_own}
    GROUP BY c.district_id, c.province_id, b.month, b.org_id
),
carry AS (
    SELECT s.province_id, b.month, b.org_id, sum(b.n) AS n
    FROM base b
    JOIN provinces_succession su ON su.predecessor_id = b.commune_id AND su.is_default
    JOIN provinces_unit s ON s.id = su.successor_id
    WHERE s.valid_from <= %(year_end)s AND {scope_carry}
    GROUP BY s.province_id, b.month, b.org_id
),
placed AS (
    SELECT district_id AS unit_id, 2 AS level, province_id AS parent_id, province_id, month,
        org_id, 0 AS carried, n
    FROM by_commune WHERE district_id IS NOT NULL
    UNION ALL
    SELECT province_id, 1, %(nation)s, province_id, month, org_id, 0, n FROM by_commune
    UNION ALL
    SELECT province_id, 1, %(nation)s, province_id, month, org_id, 1, n FROM carry
),
grouped AS (
    SELECT unit_id, level, parent_id, province_id, month, org_id, max(carried) AS carried,
        sum(n) AS n
    FROM placed GROUP BY unit_id, level, parent_id, province_id, month, org_id
)"""

_NATION = """
grouped AS (
    SELECT %(nation)s AS unit_id, 0 AS level, CAST(NULL AS integer) AS parent_id,
        CAST(NULL AS integer) AS province_id, month, org_id, 0 AS carried,
        sum(new_in_month) AS n
    FROM outreach_channelfigure
    WHERE level = 1 AND year = %(year)s AND carried = %(no)s
    GROUP BY month, org_id
)"""

_DERIVE_AND_INSERT = """
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
)
INSERT INTO outreach_channelfigure (unit_id, level, parent_id, province_id, year, month, org_id,
    carried, new_in_month, new_ytd, target, completion_pct, gap, required_pace, computed_at)
SELECT unit_id, level, parent_id, province_id, %(year)s, month, org_id, carried = 1, n, ytd,
    target,
    CASE WHEN target > 0 THEN round(100.0 * ytd / target, 2) END,
    CASE WHEN target IS NOT NULL THEN gap0 END,
    CASE WHEN target IS NULL THEN NULL
         WHEN gap0 = 0 THEN 0
         WHEN month < 12 THEN (gap0 + 12 - month - 1) / (12 - month)
    END,
    %(now)s
FROM f
"""


def _ids(ids: list[int]) -> str:
    return ", ".join(str(int(i)) for i in ids) or "NULL"


def compute_units(
    *, province_ids: list[int] | None, years: tuple[int, ...], nation: int, now: dt.datetime
) -> None:
    """Replace the channel rows of the provinces' units (every province when None) for the
    years: their own communes' figures and those carried onto them from old communes."""
    if province_ids is None:
        scope = {
            "scope_base": "true",
            "scope_mc": "true",
            "scope_own": "true",
            "scope_carry": "true",
        }
        delete_scope = "province_id IS NOT NULL"
    else:
        ids = _ids(province_ids)
        # The communes of the provinces, and the old communes carried onto them.
        communes = (
            f"(SELECT id FROM provinces_unit WHERE province_id IN ({ids}) AND level = 3 "
            "UNION ALL SELECT su.predecessor_id FROM provinces_succession su "
            "JOIN provinces_unit s ON s.id = su.successor_id "
            f"WHERE su.is_default AND s.level = 3 AND s.province_id IN ({ids}))"
        )
        scope = {
            "scope_base": f"cc.commune_id IN {communes}",
            "scope_mc": f"mc.commune_id IN {communes}",
            "scope_own": f"c.province_id IN ({ids})",
            "scope_carry": f"s.province_id IN ({ids})",
        }
        delete_scope = f"province_id IN ({ids})"
    sql = _DERIVE_AND_INSERT.format(grouped=_BASE.format(**scope).strip())
    with connection.cursor() as cursor:
        for year in years:
            cursor.execute(f"DELETE FROM {TABLE} WHERE year = %s AND {delete_scope}", [year])
            cursor.execute(
                sql,
                {"year": year, "year_end": dt.date(year, 12, 31), "nation": nation, "now": now},
            )


def compute_nation(*, years: tuple[int, ...], nation: int, now: dt.datetime) -> None:
    """The nation's rows: its provinces' own rows summed (after the provinces were computed)."""
    sql = _DERIVE_AND_INSERT.format(grouped=_NATION.strip())
    with connection.cursor() as cursor:
        for year in years:
            cursor.execute(f"DELETE FROM {TABLE} WHERE year = %s AND level = 0", [year])
            cursor.execute(sql, {"year": year, "nation": nation, "now": now, "no": False})
