"""The month-end rush: ~340 grassroots office staff save their grids while 200 officers browse.

    .venv/bin/python -m loadtests.run_rush [--duration 120] [--staff N] [--officers N]

Prints throughput, p95 per request kind and errors, then checks that every acknowledged count is
in the database and every progress row equals a fresh recompute. Exits 1 when anything was lost.
"""

from __future__ import annotations

import sys

from loadtests import loadgen
from loadtests.harness import parser, rush_stack


def main() -> int:
    args = parser(__doc__.splitlines()[0], duration=120).parse_args()
    with rush_stack(args) as (stack, data):
        from loadtests import verify

        staff = data.staff[: args.staff]
        print(
            f"rush: {len(staff)} office staff, {len(data.officers)} officers, "
            f"{args.duration:.0f} s",
            flush=True,
        )
        results = loadgen.run(
            data, stack.base_url, duration=args.duration, staff=staff, officers=data.officers
        )
        print(loadgen.summary(results), flush=True)
        stack.stop_web()
        if results.refusal_sample:
            (stack.tmp / "refused.html").write_text(results.refusal_sample)
        outcome = verify.report(results, year=data.year, month=data.month)
    failed = outcome["lost"] or outcome["progress_differing"] or outcome["pending"]
    print("RUSH FAILED" if failed else "rush: nothing lost")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
