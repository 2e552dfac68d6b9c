#!/usr/bin/env python
"""Speed of the PDF summaries. Prints figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python scripts/bench_pdf.py [--runs 5]

Needs a database with the demo (`manage.py load_demo`, which also recomputes the progress table).
The national summary is measured with all 63 provinces: provinces the demo has no figures for get
synthetic progress rows inside a transaction that is rolled back at the end, so nothing is kept.

Prints, in this process (as in a worker or a web process):
- cold start: the first summary of the process, including kaleido's Chromium start; and the
  Chromium start alone;
- a province summary with a warm kaleido (Bắc Giang, 10 districts; Hà Nội, 30 districts), a district
  summary, and the national summary, each the median of --runs builds from the figures to the bytes;
- the download view through Django's request cycle: a cache miss (built in the request) and a hit.
"""

import argparse
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

from bhxh_dashboard import clock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bhxh_dashboard.settings")

YEAR, MONTH = 2023, 5
TARGETS_S = {"province": 2.0, "national": 10.0}


class Rollback(Exception):
    pass


def timed(fn, runs: int) -> tuple[float, float, float, bytes]:
    """Median and worst wall time of `runs` calls, the median CPU time of this process
    (Chromium's share is not in it), and the last result: on a busy machine wall time grows, CPU
    time much less."""
    times, cpu, out = [], [], b""
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(times), max(times), statistics.median(cpu), out


def pages(content: bytes) -> int:
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(content)
        f.flush()
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True).stdout
    return next(
        (int(line.split()[1]) for line in info.splitlines() if line.startswith("Pages:")), 0
    )


def fill_missing_provinces(nation) -> int:
    """Plausible progress rows for every province the demo has no figures for (rolled back)."""

    from progress.models import Progress
    from provinces.models import Unit

    have = set(
        Progress.objects.filter(level=1, year=YEAR, month=MONTH).values_list("unit_id", flat=True)
    )
    rng = random.Random(63)
    rows = []
    for province in Unit.objects.provinces().exclude(pk__in=have):
        target = rng.randrange(20_000, 150_000)
        participants = int(target * rng.uniform(0.6, 1.08))
        year_end = int(participants / rng.uniform(1.0, 1.12))
        last_year = int(participants / rng.uniform(1.1, 1.3))
        gap = max(target - participants, 0)
        rows.append(
            Progress(
                unit=province,
                level=1,
                parent=nation,
                year=YEAR,
                month=MONTH,
                participants=participants,
                change_vs_prev_month=int(participants * rng.uniform(-0.01, 0.04)),
                change_vs_prev_year_end=participants - year_end,
                same_month_last_year=last_year,
                change_yoy=participants - last_year,
                change_yoy_pct=(Decimal(100) * (participants - last_year) / last_year).quantize(
                    Decimal("0.01")
                ),
                target=target,
                completion_pct=(Decimal(100) * participants / target).quantize(Decimal("0.01")),
                gap=gap,
                over_target=participants - target if participants > target else None,
                deadline_month=12,
                months_left=7,
                required_pace=-(-gap // 7) if gap else None,
                communes_reported=rng.randrange(100, 200),
                communes_total=200,
                computed_at=clock.now(),
            )
        )
    Progress.objects.bulk_create(rows)
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import Client
    from django.urls import reverse

    from progress.models import Progress
    from provinces.models import Level, Unit
    from reports import pdf
    from reports.models import SummaryPdf

    nation = Unit.objects.get(level=Level.NATION)
    # the old map's units: the demo's 2023 is on it (codes repeat on today's map)
    old_map = Unit.objects.filter(valid_until__isnull=False)
    bac_giang = old_map.get(level=Level.PROVINCE, code="24")
    ha_noi = old_map.get(level=Level.PROVINCE, code="01")
    luc_nam = old_map.get(level=Level.DISTRICT, code="218")
    if not Progress.objects.filter(unit=bac_giang, year=YEAR, month=MONTH).exists():
        sys.exit("No progress figures for Bắc Giang 05/2023: run `manage.py load_demo` first.")
    user = get_user_model().objects.filter(username="quocgia").first()

    def build(unit):
        return lambda: pdf.render_summary_pdf(
            unit=unit, year=YEAR, month=MONTH, language="vi", user=user
        )

    print(f"PDF summaries, {MONTH:02d}/{YEAR}, median of {args.runs} builds (figures to bytes)")
    load = os.getloadavg()
    print(f"  machine: {os.cpu_count()} CPUs, load average {load[0]:.1f} (figures scale with it)")
    started = time.perf_counter()
    first = build(bac_giang)()
    cold = time.perf_counter() - started
    pdf.renderer.stop()
    started = time.perf_counter()
    pdf.renderer.start()
    chromium = time.perf_counter() - started
    print(f"  cold start: first province summary of the process    {cold:6.2f} s")
    print(f"  cold start: kaleido's Chromium alone                 {chromium:6.2f} s")

    try:
        with transaction.atomic():
            added = fill_missing_provinces(nation)
            results = [
                ("province, warm: Bắc Giang (10 districts)", "province", build(bac_giang)),
                ("province, warm: Hà Nội (30 districts)", "province", build(ha_noi)),
                ("district, warm: Lục Nam (24 communes)", "province", build(luc_nam)),
                (f"national, warm: 63 provinces ({added} synthetic)", "national", build(nation)),
            ]
            for label, kind, fn in results:
                median, worst, cpu, content = timed(fn, args.runs)
                target = TARGETS_S[kind]
                verdict = "ok" if median <= target else "OVER"
                print(
                    f"  {label:<48} {median:6.2f} s (max {worst:.2f}; target <= {target:.0f} s:"
                    f" {verdict}; CPU here {cpu:.2f} s; {len(content) // 1024} KiB,"
                    f" {pages(content)} pages)"
                )

            client = Client()
            manager = get_user_model().objects.get(username="lanhdao")
            client.force_login(manager)
            url = reverse("reports:pdf", args=[bac_giang.url_code]) + f"?year={YEAR}&month={MONTH}"
            SummaryPdf.objects.filter(unit=bac_giang).delete()
            miss, _, _, _ = timed(
                lambda: (SummaryPdf.objects.filter(unit=bac_giang).delete(), client.get(url)),
                args.runs,
            )
            hit, _, _, _ = timed(lambda: client.get(url), args.runs)
            print(f"  download view, cache miss (built in the request)     {miss:6.2f} s")
            print(f"  download view, cache hit                             {hit * 1000:6.1f} ms")
            raise Rollback
    except Rollback:
        pass
    pdf.renderer.stop()
    print(f"  (first PDF {len(first) // 1024} KiB; synthetic rows rolled back)")


if __name__ == "__main__":
    main()
