"""Fault: PostgreSQL restarted in the middle of the rush (pg_ctl stop -m fast, then start).

    .venv/bin/python -m loadtests.faults.postgres_restart [--duration 60] [--at 25]

Expected: requests during the outage fail (counted), then the web recovers without a restart of
its own (persistent connections are health-checked: CONN_HEALTH_CHECKS), the worker's recompute
retries on OperationalError, district staff who got an error save again, and nothing is lost.
Fails when any request that starts a second after PostgreSQL is back fails.
"""

from __future__ import annotations

import sys

from loadtests.faults.common import fault_parser, run_with_fault, window_line

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
        print(window_line(results, "before the restart", 0, down))
        print(window_line(results, "during the restart", down, up + GRACE))
        print(window_line(results, "after the restart", up + GRACE, 1e9))
        late = [r for r in results.records if r.t0 >= up + GRACE and not r.ok]
        for r in late[:5]:
            print(f"  after the restart: {r.kind} at {r.t0:.1f} s: {r.error}")
        after_total = sum(1 for r in results.records if r.t0 >= up + GRACE)
        return {"failed": bool(late) or after_total == 0}

    return run_with_fault(args, fault, after=after)


if __name__ == "__main__":
    sys.exit(main())
