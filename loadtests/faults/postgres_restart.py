"""Fault: PostgreSQL restarted in the middle of the rush (pg_ctl stop -m fast, then start).

    .venv/bin/python -m loadtests.faults.postgres_restart [--duration 60] [--at 25]

Expected: requests during the outage fail (counted), then the web recovers without a restart of
its own (persistent connections are health-checked: CONN_HEALTH_CHECKS), the worker's recompute
retries on OperationalError, office staff who got an error save again, and nothing is lost.
Fails when any request answered a second after PostgreSQL is back failed.
"""

from __future__ import annotations

import sys

from loadtests.faults.common import fault_parser, run_with_fault

GRACE = 1.0  # seconds after pg_ctl reports the server up


def main() -> int:
    args = fault_parser(__doc__.splitlines()[0], duration=60, at=25).parse_args()

    def fault(stack, data, results, reserved) -> dict:
        down = results.elapsed()
        stack.restart_postgres()
        up = results.elapsed()
        print(f"[{down:5.1f} s] PostgreSQL restarted, up again at {up:5.1f} s", flush=True)
        return {"down": down, "up": up}

    def after(stack, data, results, timings) -> dict:
        down, up = timings["down"], timings["up"]
        # By the time the answer came back: a request queued before the restart is served (or
        # fails) when a gunicorn worker takes it, which under this load is seconds later.
        errors = [r for r in results.records if not r.ok]
        late = [r for r in errors if r.t1 >= up + GRACE]
        for label, start, end in (
            ("answered before the restart", 0, down),
            ("answered during the restart", down, up + GRACE),
            ("answered after the restart", up + GRACE, 1e9),
        ):
            rs = [r for r in results.records if start <= r.t1 < end]
            print(f"{label:>30}: {sum(not r.ok for r in rs)} errors of {len(rs)} requests")
        if errors:
            print(
                f"errors answered from {min(r.t1 for r in errors):.1f} s to "
                f"{max(r.t1 for r in errors):.1f} s (PostgreSQL down at {down:.1f} s, up at "
                f"{up:.1f} s)"
            )
        for r in late[:5]:
            print(f"  after the restart: {r.kind} answered at {r.t1:.1f} s: {r.error}")
        after_total = sum(1 for r in results.records if r.t1 >= up + GRACE)
        return {"failed": bool(late) or after_total == 0}

    return run_with_fault(args, fault, after=after)


if __name__ == "__main__":
    sys.exit(main())
