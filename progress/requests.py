"""Requests for a recompute, made by the transaction that saved counts or targets.

Coalescing: a save queues ``tasks.recompute_province`` with a short countdown
(``PROGRESS_RECOMPUTE_DELAY``, 0.5 s); the task does nothing when the state shows a recompute
that started after the last request has finished, so a burst of saves from one province costs
one or two recomputes, not one per save.

One transaction queues one recompute per province-year however many times it asks: the state
upsert returns the transaction's id (``pg_current_xact_id()``, the top-level one even inside
savepoints), and the keys already queued by that transaction are remembered per thread.
"""

from __future__ import annotations

import logging
import threading

from django.db import connection, transaction

from bhxh_dashboard import clock
from progress.models import RecomputeState
from provinces.models import Unit

logger = logging.getLogger(__name__)

# This thread's current transaction id and the keys it has queued (only the latest transaction's
# are kept: once a new one asks, the old one has committed or rolled back).
_queued = threading.local()


def request_recompute(*, province_id: int | None, year: int) -> None:
    """Mark a province-year as changed and queue its recompute once the transaction commits.

    Call it inside the transaction that saved counts or targets. province_id None means the
    nation's own target changed: every province inherits its deadline, so all are recomputed.
    Queuing never fails the save: when the broker is down the error is logged, the state stays
    pending, and the next save or the nightly full recompute catches up.
    """
    transaction_id = _mark_requested(province_id=province_id, year=year)
    key = (province_id, year)
    if transaction_id is not None:
        if getattr(_queued, "transaction_id", None) != transaction_id:
            _queued.transaction_id, _queued.keys = transaction_id, set()
        if key in _queued.keys:
            return  # already queued by this transaction: one recompute per province-year
        _queued.keys.add(key)

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

    transaction.on_commit(enqueue)


def debounce_seconds() -> float:
    """Saves in a burst within this delay share one recompute (later tasks find nothing to do)."""
    from django.conf import settings

    return getattr(settings, "PROGRESS_RECOMPUTE_DELAY", 0.5)


def _mark_requested(*, province_id: int | None, year: int) -> int | None:
    """Bump the province-years' requested_at; returns the transaction's id on PostgreSQL."""
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
        return None
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
            RETURNING pg_current_xact_id()::text
            """,
            [year, provinces],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


# ---------------------------------------------------------------------------------------------
# Recomputes
# ---------------------------------------------------------------------------------------------
