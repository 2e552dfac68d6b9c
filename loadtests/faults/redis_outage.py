"""Fault: Redis (broker and result store) stopped for 30 s in the middle of the rush.

    .venv/bin/python -m loadtests.faults.redis_outage [--duration 75] [--at 20] [--down 30]

Expected: saves still succeed (queuing the recompute fails and is logged; the province stays
"pending"), pages show the pending badge, and after Redis is back the figures catch up: with the
next save of the province, or at the latest with the nightly full recompute, which this script
runs through Celery as beat would. One province (today's Cà Mau, 96) is kept out of the rush and
one of its offices saved only while Redis is down, so it can only catch up through that nightly job. Nothing is lost.
"""

from __future__ import annotations

import re
import sys
import threading
import time

from loadtests import loadgen
from loadtests.faults.common import fault_parser, run_with_fault, window_line

PROVINCE = "96"  # today's Cà Mau


def main() -> int:
    p = fault_parser(__doc__.splitlines()[0], duration=75, at=20)
    p.add_argument("--down", type=float, default=30, help="seconds Redis stays down")
    args = p.parse_args()

    def reserve(actor) -> bool:
        return actor.province_code == PROVINCE

    def fault(stack, data, results, reserved) -> dict:
        down = results.elapsed()
        stack.stop("redis")
        print(f"[{down:5.1f} s] Redis stopped", flush=True)
        acked: list[bool] = []
        saver = threading.Thread(
            target=lambda: acked.append(_save_reserved(stack, data, results, reserved[0])),
            daemon=True,
        )
        saver.start()
        time.sleep(max(0.0, down + args.down - results.elapsed()))
        up = results.elapsed()
        stack.start_redis()
        print(f"[{up:5.1f} s] Redis started again (empty: no persistence)", flush=True)
        saver.join(180)
        return {"down": down, "up": up, "reserved_acked": acked == [True]}

    def after(stack, data, results, timings) -> dict:
        from loadtests import verify
        from progress.models import RecomputeState
        from provinces.models import Unit

        down, up = timings["down"], timings["up"]
        during = [r for r in results.records if down <= r.t0 < up]
        saves = [r for r in during if r.kind in ("save", "confirm")]
        ms = [1000 * (r.t1 - r.t0) for r in saves if r.ok]
        pages = [r for r in during if r.kind in ("province", "commune") and r.ok]
        print(window_line(results, "before the outage", 0, down))
        print(window_line(results, "while Redis was down", down, up))
        print(window_line(results, "after Redis came back", up, 1e9))
        print(
            f"saves while Redis was down: {sum(r.ok for r in saves)} of {len(saves)} succeeded, "
            f"p50 {loadgen.percentile(ms, 50):.0f} ms, p95 {loadgen.percentile(ms, 95):.0f} ms; "
            f"officer pages showing 'pending': {sum(r.pending_badge for r in pages)} of "
            f"{len(pages)}"
        )
        with open(stack.tmp / "gunicorn.log", errors="replace") as log:
            text = log.read()
        print(
            f"web log: 'could not queue the progress recompute' x{text.count('could not queue')}"
            f", result-store reconnect retries x{text.count('Connection to Redis lost: Retry')}"
        )
        pending, waited = verify.wait_drained(timeout=30)
        province = Unit.objects.provinces().get(code=PROVINCE, valid_from__isnull=False)
        state = RecomputeState.objects.get(province_id=province.pk, year=data.year)
        print(
            f"after the rush: {pending} province-years pending (waited {waited:.0f} s); "
            f"{province.name} pending (the badge its pages show): {state.pending}"
        )
        worker = stack.procs.get("celery")
        if worker is None or worker.poll() is not None:
            # Seen with kombu 5.7.0: losing Redis while restoring unacknowledged messages ends
            # the worker ("Unrecoverable error: AttributeError ... 'hostname'"). Production
            # needs a supervisor that restarts it; do what it would.
            print("the Celery worker DIED during the outage; restarting it as a supervisor would")
            stack.procs.pop("celery", None)
            stack.start_worker("celery-restarted")
        # What beat's nightly job does; it goes through the broker, which is back now.
        import bhxh_dashboard.celery  # noqa: F401  binds the shared tasks to the app
        from progress.tasks import recompute_all

        started = time.monotonic()
        # ignore_result=False: this caller waits for it, whatever the task's own setting.
        years = recompute_all.apply_async(ignore_result=False).get(timeout=180)
        state.refresh_from_db()
        print(
            f"nightly recompute_all through Celery: years {years} in "
            f"{time.monotonic() - started:.1f} s; pending now: {verify.pending_provinces()}; "
            f"{province.name} pending: {state.pending}"
        )
        failed = (
            not timings.get("reserved_acked")
            or any(not r.ok for r in saves)
            or state.pending
            or verify.pending_provinces()
        )
        return {"failed": bool(failed)}

    return run_with_fault(args, fault, reserve=reserve, after=after)


def _save_reserved(stack, data, results, actor) -> bool:
    """Save an office of the kept-out province while Redis is down, as its staff would."""
    browser = loadgen.Browser(stack.base_url, actor, results, threading.Event())
    path = f"/nhap-lieu/so-lieu/{actor.grid_code}/?thang={data.year}-{data.month:02d}"
    page = None
    for _attempt in range(3):
        page, _ = browser.request("GET", path, "grid")
        if page is not None:
            break
    if page is None:
        print("could not load the kept-out office's grid while Redis was down")
        return False
    found = loadgen.VERSION_INPUT.findall(page.text)
    versions = {int(re.sub(r"\D", "", c)): int(v) for c, v in found}
    values = loadgen._typed_figures(loadgen.random.Random(9), list(versions), data.previous, False)
    started = time.monotonic()
    outcome = loadgen._save(browser, path, versions, values, results)
    took = time.monotonic() - started
    print(
        f"[{results.elapsed():5.1f} s] saved Cà Mau's office {actor.grid_code} with Redis "
        f"down: {outcome} in {took:.1f} s; its page shows 'pending': {_badge(browser, actor)}",
        flush=True,
    )
    return outcome == "acked"


def _badge(browser, actor) -> bool:
    response, _ = browser.request("GET", f"/u/{actor.province_url}/", "province")
    return response is not None and loadgen.PENDING_BADGE in response.text


if __name__ == "__main__":
    sys.exit(main())
