"""Server time of saving a 30-commune entry grid (target: under 300 ms).

Run with the project's virtualenv against PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bhxh .venv/bin/python scripts/bench_entry.py

It builds its own throw-away database (bench_<name>, dropped at the end) with Bắc Giang's real
tree and a district of 30 communes, then times, over several rounds:
- counts_save alone (the service: validation, locking, conflict and warning checks, bulk writes,
  history, the recompute request), for a first entry (30 inserts) and a correction (30 updates);
- the whole POST of the grid page through Django's test client (view, form, service, redirect).
The recompute itself runs later in a Celery worker, so queueing it is stubbed out here.
Prints figures only; nothing is asserted.
"""

import os
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

from bhxh_dashboard import clock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bhxh_dashboard.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from scripts.throwaway_db import throwaway_database  # noqa: E402

ROUNDS = 15
COMMUNES = 30


def main() -> None:
    with (
        throwaway_database("bench_"),
        mock.patch("progress.tasks.recompute_province.apply_async"),
    ):
        run()


def ms(samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return (
        f"median {statistics.median(samples) * 1000:6.1f} ms   "
        f"p95 {p95 * 1000:6.1f} ms   min {samples[0] * 1000:6.1f} ms"
    )


def run() -> None:
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.db import reset_queries
    from django.test import Client

    from provinces.loader import load_admin_units, read_package_tree
    from provinces.models import Level, Profile, Role, Unit
    from provinces.testing import make_district
    from targets.models import MonthlyCount, MonthReopening
    from targets.services import CountEntry, counts_save

    load_admin_units([p for p in read_package_tree() if p["code"] == 24])
    province = Unit.objects.get(level=Level.PROVINCE, code="24")
    district = make_district(province, "999", COMMUNES)
    ids = list(
        Unit.objects.communes()
        .filter(district=district)
        .order_by("code")
        .values_list("pk", flat=True)
    )
    User = get_user_model()
    clerk = User.objects.create_user(username="bench", password="bench-pw")
    Profile.objects.create(user=clerk, role=Role.DISTRICT_STAFF, unit=district)
    # Last month's figures, so the warning checks have something to compare with.
    MonthlyCount.objects.bulk_create(
        MonthlyCount(commune_id=cid, year=2023, month=5, participants=300 + i, new_participants=20)
        for i, cid in enumerate(ids)
    )
    months = [(2023, m) for m in range(6, 13)] + [(2024, m) for m in range(1, 13)]
    MonthReopening.objects.bulk_create(
        MonthReopening(
            province=province,
            year=y,
            month=m,
            open_until=clock.now() + dt.timedelta(days=1),
            reason="bench",
            reopened_by=clerk,
        )
        for y, m in months
    )

    inserts: list[float] = []  # seconds per save
    updates: list[float] = []
    noops, queries = [], []
    for round_ in range(ROUNDS):
        year, month = months[round_ % len(months)]
        MonthlyCount.objects.filter(year=year, month=month).delete()
        first = [CountEntry(cid, 300 + i + 3, 10) for i, cid in enumerate(ids)]
        fix = [CountEntry(cid, 300 + i + 4, 11) for i, cid in enumerate(ids)]
        for label, entries, bucket in (("insert", first, inserts), ("update", fix, updates)):
            settings.DEBUG = True
            reset_queries()
            start = time.perf_counter()
            if os.environ.get("BENCH_PROFILE") and round_ == ROUNDS - 1:
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                result = profiler.runcall(
                    counts_save,
                    user=clerk,
                    year=year,
                    month=month,
                    entries=entries,
                    confirm_warnings=True,
                )
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            else:
                result = counts_save(
                    user=clerk, year=year, month=month, entries=entries, confirm_warnings=True
                )
            bucket.append(time.perf_counter() - start)
            queries.append(len(connection.queries))
            if os.environ.get("BENCH_VERBOSE"):
                for q in connection.queries:
                    print(f"    {label} {float(q['time']) * 1000:6.1f} ms  {q['sql'][:90]}")
            settings.DEBUG = False
            assert result.saved, (label, result.errors, result.general_errors)
        start = time.perf_counter()
        counts_save(user=clerk, year=year, month=month, entries=fix)
        noops.append(time.perf_counter() - start)

    client = Client()
    client.force_login(clerk)
    url = f"/nhap-lieu/so-lieu/{district.url_code}/"
    posts = []
    for round_ in range(ROUNDS):
        year, month = months[round_ % len(months)]
        versions = dict(
            MonthlyCount.objects.filter(year=year, month=month).values_list("commune_id", "version")
        )
        data = {"thang": f"{year}-{month:02d}", "save": "1"}
        for i, cid in enumerate(ids):
            data[f"p_{cid}"] = str(300 + i + 5 + round_)
            data[f"n_{cid}"] = str(12 + round_)
            data[f"v_{cid}"] = str(versions.get(cid, 0))
        start = time.perf_counter()
        response = client.post(url + f"?thang={year}-{month:02d}", data)
        posts.append(time.perf_counter() - start)
        assert response.status_code == 302, response.content[:2000]

    print(f"Saving a {COMMUNES}-commune grid, {ROUNDS} rounds, {connection.vendor}:")
    print(f"  counts_save, first entry (inserts):   {ms(inserts)}")
    print(f"  counts_save, correction (updates):    {ms(updates)}")
    print(f"  counts_save, nothing changed:         {ms(noops)}")
    print(f"  POST of the grid page (view+service): {ms(posts)}")
    print(f"  queries per save: {sorted(set(queries))}")


if __name__ == "__main__":
    main()
