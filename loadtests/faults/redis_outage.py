"""Fault: Redis (broker and result store) stopped for 30 s in the middle of the rush.

    .venv/bin/python -m loadtests.faults.redis_outage [--duration 75] [--at 20] [--down 30]

Expected: saves still succeed (queuing the recompute fails fast and is logged; the province stays
"pending"), pages show the pending badge, and after Redis is back the figures catch up: with the
next save of the province, or at the latest with the nightly full recompute, which this script
runs through Celery as beat would. Nothing is lost.
"""

from __future__ import annotations

import sys
import time

from loadtests import loadgen
from loadtests.faults.common import fault_parser, run_with_fault, window_line


def main() -> int:
    p = fault_parser(__doc__.splitlines()[0], duration=75, at=20)
    p.add_argument("--down", type=float, default=30, help="seconds Redis stays down")
    args = p.parse_args()

    def fault(stack, data, results, reserved) -> dict:
        down = results.elapsed()
        stack.stop("redis")
        print(f"[{down:5.1f} s] Redis stopped", flush=True)
        time.sleep(args.down)
        up = results.elapsed()
        stack.start_redis()
        print(f"[{up:5.1f} s] Redis started again (empty: no persistence)", flush=True)
        return {"down": down, "up": up}

    def after(stack, data, results, timings) -> dict:
        from loadtests import verify

        down, up = timings["down"], timings["up"]
        during = [r for r in results.records if down <= r.t0 < up]
        saves = [r for r in during if r.kind in ("save", "confirm")]
        ms = [1000 * (r.t1 - r.t0) for r in saves if r.ok]
        pages = [r for r in during if r.kind in ("province", "district") and r.ok]
        later = [r for r in results.records if r.t0 >= up + 5 and r.kind == "province" and r.ok]
        print(window_line(results, "before the outage", 0, down))
        print(window_line(results, "while Redis was down", down, up))
        print(window_line(results, "after Redis came back", up, 1e9))
        print(
            f"saves while Redis was down: {sum(r.ok for r in saves)} of {len(saves)} succeeded, "
            f"p95 {loadgen.percentile(ms, 95):.0f} ms; officer pages showing 'pending': "
            f"{sum(r.pending_badge for r in pages)} of {len(pages)} (later: "
            f"{sum(r.pending_badge for r in later)} of {len(later)})"
        )
        pending, waited = verify.wait_drained(timeout=60)
        print(f"after the rush, {pending} province-years still pending (waited {waited:.0f} s)")
        caught_up = True
        if pending:
            # What beat's nightly job does; it goes through the broker, which is back now.
            import bhxh_dashboard.celery  # noqa: F401  binds the shared tasks to the app
            from progress.tasks import recompute_all

            started = time.monotonic()
            years = recompute_all.delay().get(timeout=600)
            print(
                f"nightly recompute_all through Celery: years {years} in "
                f"{time.monotonic() - started:.1f} s; pending now: {verify.pending_provinces()}"
            )
            caught_up = verify.pending_provinces() == 0
        failed = not caught_up or any(not r.ok for r in saves)
        return {"failed": failed}

    return run_with_fault(args, fault, after=after)


if __name__ == "__main__":
    sys.exit(main())
