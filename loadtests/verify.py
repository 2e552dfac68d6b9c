"""After a rush: wait for the worker to drain, then check that nothing was lost.

- counts: every count the load generator saved and got acknowledged is in the database exactly
  (when a later attempt's outcome is unknown, either value is accepted);
- progress: every Progress row equals what a fresh recompute gives (computed in a transaction
  that is rolled back, so the check changes nothing).
"""

from __future__ import annotations

import time

from django.db import close_old_connections, transaction

from loadtests.loadgen import Results
from progress import services
from progress.figures import FIGURES
from progress.models import Progress, RecomputeState
from progress.selectors import PENDING
from targets.models import MonthlyCount

COMPARED = ["level", "parent_id", *FIGURES]


def pending_provinces() -> int:
    close_old_connections()
    return RecomputeState.objects.filter(PENDING).count()


def wait_drained(*, timeout: float = 180, settle: float = 3) -> tuple[int, float]:
    """Wait until no province-year waits for its recompute (for `settle` seconds running).
    Returns (provinces still pending, seconds waited)."""
    started = time.monotonic()
    calm_since = None
    while time.monotonic() - started < timeout:
        try:
            pending = pending_provinces()
        except Exception:  # the database may be coming back after a fault
            pending = -1
        if pending == 0:
            calm_since = calm_since or time.monotonic()
            if time.monotonic() - calm_since >= settle:
                return 0, time.monotonic() - started
        else:
            calm_since = None
        time.sleep(0.5)
    return pending_provinces(), time.monotonic() - started


def check_counts(results: Results, *, year: int, month: int) -> dict[str, int]:
    close_old_connections()
    stored = {
        cid: (p, n)
        for cid, p, n in MonthlyCount.objects.filter(
            year=year, month=month, commune_id__in=list(results.ledger)
        ).values_list("commune_id", "participants", "new_participants")
    }
    checked = lost = ambiguous = 0
    for cid, attempts in results.ledger.items():
        acked = [i for i, a in enumerate(attempts) if a.outcome == "acked"]
        if not acked:
            continue  # never acknowledged: nothing was promised
        last = acked[-1]
        allowed = {(a.participants, a.new) for a in attempts[last:]}
        if len(allowed) > 1:
            ambiguous += 1
        checked += 1
        if stored.get(cid) not in allowed:
            lost += 1
    return {"checked": checked, "lost": lost, "ambiguous": ambiguous}


def _snapshot() -> dict[tuple, tuple]:
    return {
        (row[0], row[1], row[2]): row[3:]
        for row in Progress.objects.values_list("unit_id", "year", "month", *COMPARED).iterator(
            chunk_size=20_000
        )
    }


def check_progress() -> dict[str, int]:
    """Progress rows that differ from a fresh recompute (missing or extra rows count too)."""
    close_old_connections()
    now = _snapshot()
    with transaction.atomic():
        services.recompute_all()
        fresh = _snapshot()
        transaction.set_rollback(True)
    keys = sorted(k for k in now.keys() | fresh.keys() if now.get(k) != fresh.get(k))
    for key in keys[:8]:
        a, b = now.get(key), fresh.get(key)
        fields = (
            "row missing"
            if a is None
            else "extra row"
            if b is None
            else ", ".join(
                f"{name} {x} != {y}" for name, x, y in zip(COMPARED, a, b, strict=True) if x != y
            )
        )
        print(f"  differs: unit {key[0]} {key[2]:02d}/{key[1]}: {fields} (stored != fresh)")
    return {"rows": len(fresh), "differing": len(keys)}


def report(results: Results, *, year: int, month: int, drain_timeout: float = 180) -> dict:
    pending, waited = wait_drained(timeout=drain_timeout)
    print(f"worker drained in {waited:.1f} s; provinces still pending: {pending}")
    counts = check_counts(results, year=year, month=month)
    print(
        f"counts checked: {counts['checked']} communes acknowledged; counts lost: {counts['lost']}"
        f" (ambiguous after an error: {counts['ambiguous']})"
    )
    progress = check_progress()
    print(
        f"progress rows differing from a fresh recompute: {progress['differing']} of "
        f"{progress['rows']}"
    )
    return {"pending": pending, **counts, **{f"progress_{k}": v for k, v in progress.items()}}
