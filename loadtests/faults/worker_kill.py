"""Fault: the Celery worker's pool processes killed (SIGKILL) in the middle of a recompute.

    .venv/bin/python -m loadtests.faults.worker_kill [--duration 75] [--at 15]

To kill it *in the middle* every time, the script holds the advisory lock the recompute of one
province takes (progress.services._lock), saves that province's counts through the web, waits
until the worker's recompute is inside its transaction waiting for the lock, SIGKILLs the pool
processes, then releases the lock. With acks_late and reject_on_worker_lost the message goes back
to the queue and a new pool process runs the task again. The province is kept out of the rush, so
only that re-run can bring its figures up to date: it must end not pending and equal to a fresh
recompute. The rush goes on around it.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from collections import defaultdict

from loadtests import loadgen
from loadtests.faults.common import fault_parser, run_with_fault

LOG_LINE = re.compile(r"Task (progress\.tasks\.\w+)\[([0-9a-f-]+)\] (received|succeeded)")


def main() -> int:
    args = fault_parser(__doc__.splitlines()[0], duration=75, at=15).parse_args()
    chosen: dict = {}

    def reserve(actor) -> bool:
        # A province of its own for the fault: today's An Giang (91).
        chosen.setdefault("province", "91")
        return actor.province_code == chosen["province"]

    def fault(stack, data, results, reserved) -> dict:
        import psycopg
        from django.db import close_old_connections

        from progress.services import LOCK_NAMESPACE
        from provinces.models import Unit

        close_old_connections()
        province = Unit.objects.provinces().get(code=chosen["province"], valid_from__isnull=False)
        keys = (LOCK_NAMESPACE + data.year, province.pk)
        holder = psycopg.connect(
            f"host=127.0.0.1 port={stack.pg_port} user=postgres dbname=bhxh_load",
            autocommit=True,
        )
        holder.execute("SELECT pg_advisory_lock(%s, %s)", keys)
        saved_at = results.elapsed()
        browser = loadgen.Browser(stack.base_url, reserved[0], results, stop=_never())
        path = f"/nhap-lieu/so-lieu/{reserved[0].grid_code}/?thang={data.year}-{data.month:02d}"
        page, _ = browser.request("GET", path, "grid")
        assert page is not None, "the grid page did not load"
        found = loadgen.VERSION_INPUT.findall(page.text)
        versions = {int(re.sub(r"\D", "", c)): int(v) for c, v in found}
        values = loadgen._typed_figures(
            loadgen.random.Random(7), list(versions), data.previous, False
        )
        outcome = loadgen._save(browser, path, versions, values, results)
        print(f"[{saved_at:5.1f} s] saved {province.name}'s counts through the web: {outcome}")

        waiting = False
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not waiting:
            row = holder.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                "AND classid = %s AND objid = %s",
                keys,
            ).fetchone()
            assert row is not None  # count(*) always returns one row
            waiting = row[0] > 0
            time.sleep(0.1)
        pids = stack.worker_children()
        killed_at = results.elapsed()
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        print(
            f"[{killed_at:5.1f} s] recompute of {province.name} in progress (waiting for the "
            f"lock: {waiting}); SIGKILL to the worker's pool processes {pids}",
            flush=True,
        )
        time.sleep(1)
        holder.execute("SELECT pg_advisory_unlock(%s, %s)", keys)
        holder.close()
        return {
            "province_id": province.pk,
            "killed_mid_recompute": waiting and bool(pids),
            "save_acked": outcome == "acked",
        }

    def after(stack, data, results, timings) -> dict:
        from loadtests import verify
        from progress.models import RecomputeState

        verify.wait_drained(timeout=120)
        received: defaultdict[str, int] = defaultdict(int)
        succeeded: set[str] = set()
        log = (stack.tmp / "celery.log").read_text(errors="replace")
        for _name, task_id, what in LOG_LINE.findall(log):
            if what == "received":
                received[task_id] += 1
            else:
                succeeded.add(task_id)
        redelivered = [t for t, n in received.items() if n > 1]
        lost_errors = log.count("Task handler raised error: WorkerLostError")
        state = RecomputeState.objects.get(province_id=timings["province_id"], year=data.year)
        assert state.requested_at is not None  # the fault saved this province's counts
        print(
            f"worker lost (WorkerLostError in its log): {lost_errors}; tasks delivered again: "
            f"{len(redelivered)}, of which succeeded: {sum(t in succeeded for t in redelivered)}; "
            f"pool processes now: {stack.worker_children()}"
        )
        print(
            f"killed province: pending={state.pending}, computed_at >= requested_at: "
            f"{bool(state.computed_at and state.computed_at >= state.requested_at)}"
        )
        ok = (
            timings.get("killed_mid_recompute")
            and timings.get("save_acked")
            and redelivered
            and all(t in succeeded for t in redelivered)
            and not state.pending
        )
        return {"failed": not ok}

    return run_with_fault(args, fault, reserve=reserve, after=after)


def _never():
    import threading

    return threading.Event()


if __name__ == "__main__":
    sys.exit(main())
