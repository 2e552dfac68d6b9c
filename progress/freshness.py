"""Freshness of the stored figures: the state rows a recompute passes and marks.

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

from django.db import connection, transaction

from bhxh_dashboard import clock
from progress.models import RecomputeState


def barrier(*, province_ids: list[int], years: tuple[int, ...]) -> dt.datetime:
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


def mark_computed(
    *, province_ids: list[int], years: tuple[int, ...], barrier: dt.datetime | None
) -> None:
    """The recompute that passed `barrier` is done: its provinces' figures are as of then."""
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
