"""A shorter rush with a fault injected from a thread at a set second, then the usual checks."""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING

from loadtests import loadgen
from loadtests.harness import parser, rush_stack
from loadtests.loadgen import Results

if TYPE_CHECKING:
    from loadtests.prepare import Actor


def fault_parser(description: str, *, duration: float, at: float):
    # A lighter rush than run_rush's: on 2 cores the full one saturates the web, and a fault's
    # own errors would drown in timeouts.
    p = parser(description, duration=duration, staff=150, officers=60)
    p.add_argument("--at", type=float, default=at, help="second of the rush the fault starts")
    return p


def run_with_fault(
    args,
    fault: Callable[..., dict],
    *,
    reserve: Callable[[Actor], bool] | None = None,
    after: Callable[..., dict] | None = None,
) -> int:
    """Rush with `fault(stack, data, results, reserved)` started at args.at seconds; it returns
    its timings and findings. Office staff for whom `reserve` is true are kept out of the rush
    for the fault's own use. `after(stack, data, results, timings)` runs once traffic has stopped."""
    with rush_stack(args) as (stack, data):
        from loadtests import verify

        reserved = [a for a in data.staff if reserve and reserve(a)]
        staff = [a for a in data.staff if not (reserve and reserve(a))][: args.staff]
        results = Results(started=time.monotonic())
        timings: dict = {}

        def inject() -> None:
            time.sleep(max(0.0, args.at - results.elapsed()))
            try:
                timings.update(fault(stack, data, results, reserved))
            except Exception:
                traceback.print_exc()
                timings["fault_error"] = True

        print(
            f"rush: {len(staff)} office staff, {len(data.officers)} officers, "
            f"{args.duration:.0f} s; fault at {args.at:.0f} s",
            flush=True,
        )
        thread = threading.Thread(target=inject, daemon=True)
        thread.start()
        loadgen.run(
            data,
            stack.base_url,
            duration=args.duration,
            staff=staff,
            officers=data.officers,
            results=results,
        )
        thread.join(300)
        print(loadgen.summary(results), flush=True)
        stack.stop_web()
        if after is not None:
            timings.update(after(stack, data, results, timings) or {})
        outcome = verify.report(results, year=data.year, month=data.month)
    failed = (
        timings.get("fault_error")
        or timings.get("failed")
        or outcome["lost"]
        or outcome["progress_differing"]
        or outcome["pending"]
    )
    print("FAULT TEST FAILED" if failed else "fault test: nothing lost")
    return 1 if failed else 0


def window_line(results: Results, label: str, start: float, end: float) -> str:
    errors, total = loadgen.errors_in(results, start, end)
    return f"{label:>28}: {errors} errors of {total} requests"
