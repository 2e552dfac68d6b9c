"""National-scale benchmark of the progress engine, in a database of its own that it drops after.

Both maps are built: the old one (63 / 696 / 10,051, counts January 2021 to June 2025) and
today's (34 / 3,321, counts July 2025 to December 2026, each commune about the sum of the old
communes it is the default successor of). Prints the figures the progress-engine issue asks for:
a full national recompute of an old-map year (2023), of 2025 (both maps, the comparisons carried
across the reform) and of a year of today's map (2026), each beside the same aggregation as one
plain ``GROUP BY ROLLUP``; the incremental recompute after one district saves a month; the peak
memory of this process; and save-to-visible with a real worker.
"""

import os
import random
import resource
import statistics
import subprocess
import sys
import threading
import time
from argparse import ArgumentParser
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from unittest import mock

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections, transaction
from django.db.models import F

YEARS = (2021, 2022, 2023)  # the old map's years measured since the first benchmark
OLD_MAP_END = (2025, 6)  # the old map's counts go on to June 2025
NEW_MAP_MONTHS = [(2025, m) for m in range(7, 13)] + [(2026, m) for m in range(1, 13)]
REFORM_YEAR = 2025  # both maps: the old one January-June, today's July-December
NEW_MAP_YEAR = 2026
SEED = 7

PLAIN_ROLLUP = """
    SELECT c.year, c.month, u.province_id, u.district_id, c.commune_id,
        sum(c.participants), sum(c.new_participants), count(*)
    FROM targets_monthlycount c JOIN provinces_unit u ON u.id = c.commune_id
    WHERE c.year IN (%(year)s - 1, %(year)s)
    GROUP BY c.year, c.month, ROLLUP (u.province_id, u.district_id, c.commune_id)
"""


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


class Command(BaseCommand):
    help = "Benchmark the progress recompute on synthetic national data (own database, dropped)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--repeat", type=int, default=5, help="Timed runs of each figure.")
        parser.add_argument("--keep", action="store_true", help="Keep the benchmark database.")
        parser.add_argument(
            "--no-worker", action="store_true", help="Skip save-to-visible (no Redis)."
        )

    def handle(self, *args: Any, repeat: int, keep: bool, no_worker: bool, **options: Any) -> None:
        db = connection.settings_dict
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark needs PostgreSQL (DATABASE_URL).")
        self.bench_name = f"{db['NAME']}_bench"
        self.admin_dsn = psycopg.conninfo.make_conninfo(
            dbname="postgres",
            host=db["HOST"],
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db["PASSWORD"] or None,
        )
        self.repeat = repeat
        with self.bench_database(keep):
            self.build()
            self.measure()
            if not no_worker:
                self.save_to_visible()
            self.stdout.write(f"peak memory of this process (ru_maxrss): {peak_mb():.0f} MB")

    # -- the database -----------------------------------------------------------------------

    @contextmanager
    def bench_database(self, keep: bool) -> Iterator[None]:
        self._admin(f'DROP DATABASE IF EXISTS "{self.bench_name}"')
        self._admin(f'CREATE DATABASE "{self.bench_name}"')
        original = connections["default"].settings_dict["NAME"]
        connections["default"].close()
        connections["default"].settings_dict["NAME"] = self.bench_name
        try:
            call_command("migrate", verbosity=0)
            yield
        finally:
            connections["default"].close()
            connections["default"].settings_dict["NAME"] = original
            if not keep:
                self._admin(f'DROP DATABASE IF EXISTS "{self.bench_name}"')

    def _admin(self, sql: str) -> None:
        with psycopg.connect(self.admin_dsn, autocommit=True) as admin:
            admin.execute(sql)

    # -- the data -----------------------------------------------------------------------------

    def build(self) -> None:
        from bhxh_dashboard.copy import copy_rows
        from provinces.loader import load_admin_units, load_new_map
        from provinces.models import Level, Succession, Unit

        started = time.perf_counter()
        load_admin_units()
        load_new_map()  # all 34 provinces, and the crosswalk from the old map
        nation = Unit.objects.get(level=Level.NATION)
        units = list(
            Unit.objects.exclude(level=Level.NATION).values_list("pk", "level", "valid_from")
        )
        old_communes = [u[0] for u in units if u[1] == Level.COMMUNE and u[2] is None]
        new_communes = [u[0] for u in units if u[1] == Level.COMMUNE and u[2] is not None]
        columns = "commune_id, year, month, participants, new_participants, version, updated_at"
        last: dict[int, int] = {}  # each commune's latest participants

        def step(rng: random.Random, value: int, month: int) -> tuple[int, int]:
            drift = -0.025 if month == 1 else rng.uniform(-0.004, 0.02)
            value = max(int(value * (1 + drift)), 0)
            return value, int(value * rng.uniform(0.008, 0.022)) + max(int(value * drift), 0)

        def row(commune_id: int, year: int, month: int, value: int, new: int) -> tuple:
            return (commune_id, year, month, value, new, 1, "2024-01-01Z")

        def old_counts() -> Iterator[tuple]:
            # 2021-2023 drawn exactly as the first benchmark did, so those figures compare.
            rng = random.Random(SEED)
            for commune_id in old_communes:
                value = rng.randint(40, 600)
                for year in YEARS:
                    for month in range(1, 13):
                        value, new = step(rng, value, month)
                        yield row(commune_id, year, month, value, new)
                last[commune_id] = value
            rng = random.Random(SEED + 1)
            for commune_id in old_communes:
                value = last[commune_id]
                for year in range(YEARS[-1] + 1, OLD_MAP_END[0] + 1):
                    for month in range(1, 13 if year < OLD_MAP_END[0] else OLD_MAP_END[1] + 1):
                        value, new = step(rng, value, month)
                        yield row(commune_id, year, month, value, new)
                last[commune_id] = value

        copy_rows("targets_monthlycount", columns, old_counts())

        # Today's communes start from what the old communes they carry on had in June 2025.
        start = dict.fromkeys(new_communes, 0)
        for old_id, new_id in Succession.objects.filter(
            is_default=True, predecessor__level=Level.COMMUNE
        ).values_list("predecessor_id", "successor_id"):
            start[new_id] += last[old_id]

        def new_counts() -> Iterator[tuple]:
            rng = random.Random(SEED + 2)
            for commune_id in new_communes:
                value = start[commune_id] or rng.randint(40, 600)  # the island zones
                for year, month in NEW_MAP_MONTHS:
                    value, new = step(rng, value, month)
                    yield row(commune_id, year, month, value, new)

        copy_rows("targets_monthlycount", columns, new_counts())
        # Old map: participants targets for every province and district, a new-participants
        # target per province, commune targets in one district of each province (as the demo
        # does), set from January's counts. Today's map (2025 from July's counts, 2026 from
        # January's): every province and every commune.
        with connection.cursor() as cursor:
            for year in range(YEARS[0], OLD_MAP_END[0] + 1):
                cursor.execute(
                    """
                    WITH sums AS (
                        SELECT u.province_id, u.district_id, u.id, sum(c.participants) AS s,
                            grouping(u.district_id, u.id) AS g
                        FROM targets_monthlycount c JOIN provinces_unit u ON u.id = c.commune_id
                        WHERE c.year = %(year)s AND c.month = 1 AND u.valid_from IS NULL
                        GROUP BY u.province_id, ROLLUP (u.district_id, u.id)
                    ),
                    first_district AS (
                        SELECT min(id) AS id FROM provinces_unit WHERE level = 2
                        GROUP BY province_id
                    )
                    INSERT INTO targets_target (unit_id, year, kind, value, deadline_month,
                                                updated_at)
                    SELECT CASE g WHEN 3 THEN province_id WHEN 1 THEN district_id ELSE id END,
                        %(year)s, 'participants', (s * 1.2)::int,
                        CASE g WHEN 3 THEN 10 ELSE 12 END, now()
                    FROM sums
                    WHERE g > 0 OR district_id IN (SELECT id FROM first_district)
                    """,
                    {"year": year},
                )
            for year, month in ((REFORM_YEAR, 7), (NEW_MAP_YEAR, 1)):
                cursor.execute(
                    """
                    WITH sums AS (
                        SELECT u.province_id, u.id, sum(c.participants) AS s, grouping(u.id) AS g
                        FROM targets_monthlycount c JOIN provinces_unit u ON u.id = c.commune_id
                        WHERE c.year = %(year)s AND c.month = %(month)s
                          AND u.valid_from IS NOT NULL
                        GROUP BY u.province_id, ROLLUP (u.id)
                    )
                    INSERT INTO targets_target (unit_id, year, kind, value, deadline_month,
                                                updated_at)
                    SELECT CASE g WHEN 1 THEN province_id ELSE id END, %(year)s, 'participants',
                        (s * 1.2)::int, CASE g WHEN 1 THEN 10 ELSE 12 END, now()
                    FROM sums
                    """,
                    {"year": year, "month": month},
                )
            cursor.execute(
                """
                INSERT INTO targets_target (unit_id, year, kind, value, deadline_month,
                                            updated_at)
                SELECT unit_id, year, 'new', value / 4, 12, now() FROM targets_target
                WHERE kind = 'participants'
                  AND unit_id IN (SELECT id FROM provinces_unit WHERE level = 1)
                """
            )
            # outreach (issue 17): three collection organisations a province, sharing 85% of
            # each commune's new participants of the measured years (the rest not attributed).
            cursor.execute(CHANNEL_ORGS)
            cursor.execute(CHANNEL_ROWS, {"years": [YEARS[-1], REFORM_YEAR, NEW_MAP_YEAR]})
            cursor.execute("ANALYZE")
            cursor.execute("SELECT count(*) FROM targets_monthlycount")
            (count_rows,) = cursor.fetchone()
        self.nation_id = nation.pk
        self.stdout.write(
            f"built the old map ({len([u for u in units if u[2] is None]) - len(old_communes)} "
            f"provinces and districts, {len(old_communes)} communes, counts 01/{YEARS[0]}-"
            f"{OLD_MAP_END[1]:02}/{OLD_MAP_END[0]}) and today's "
            f"({len([u for u in units if u[2] is not None]) - len(new_communes)} provinces, "
            f"{len(new_communes)} communes, counts {NEW_MAP_MONTHS[0][1]:02}/"
            f"{NEW_MAP_MONTHS[0][0]}-12/{NEW_MAP_YEAR}), {count_rows} monthly counts "
            f"in {time.perf_counter() - started:.1f} s; peak memory so far {peak_mb():.0f} MB"
        )

    # -- the figures ----------------------------------------------------------------------------

    def timed(
        self, fn: Callable[[], object], *, setup: Callable[[], object] | None = None
    ) -> list[tuple[float, float]]:
        """(wall, database CPU) seconds of each run: on a busy machine the CPU the database
        server spent is the steadier figure (wall time includes waiting for a core)."""
        times = []
        self.channel_runs: list[tuple[float, int, int, int]] = []
        for _ in range(self.repeat):
            if setup:
                setup()
            with ChannelMeter() as meter:
                cpu, started = self.server_cpu(), time.perf_counter()
                fn()
                times.append((time.perf_counter() - started, self.server_cpu() - cpu))
            self.channel_runs.append(meter.totals())
        return times

    def server_cpu(self) -> float:
        """CPU seconds used so far by the whole PostgreSQL server on this machine: the
        postmaster, its live processes and the ones that ended (their time is added to the
        postmaster's). A full recompute works on several connections at once, so one backend's
        CPU would not be the whole cost."""
        with connection.cursor() as cursor:
            cursor.execute("SHOW data_directory")
            data_directory = cursor.fetchone()[0]
        try:
            with open(os.path.join(data_directory, "postmaster.pid")) as pid_file:
                postmaster = int(pid_file.readline())
            total = 0.0
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry}/stat") as stat:
                        fields = stat.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue  # ended meanwhile
                # fields[1] is the parent pid; [11], [12] own user and system time; [13],
                # [14] those of its children that ended.
                if int(entry) == postmaster:
                    total += sum(int(f) for f in fields[11:15])
                elif int(fields[1]) == postmaster:
                    total += int(fields[11]) + int(fields[12])
        except OSError:
            return float("nan")  # not on this machine, or not readable
        return total / os.sysconf("SC_CLK_TCK")

    def report(
        self,
        label: str,
        runs: Sequence[tuple[float, float]],
        plain: Sequence[tuple[float, float]] | None = None,
    ) -> None:
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        line = (
            f"{label}: wall median {wall * 1000:.0f} ms (best {min(r[0] for r in runs) * 1000:.0f})"
        )
        line += f", database CPU {cpu * 1000:.0f} ms"
        if plain:
            line += (
                f"; x{wall / statistics.median(r[0] for r in plain):.1f} plain SQL by wall,"
                f" x{cpu / statistics.median(r[1] for r in plain):.1f} by CPU"
            )
        self.stdout.write(line)
        self.report_channels()

    def report_channels(self) -> None:
        """The channel figures' part of the runs just timed (outreach/figures.py's
        compute_units + compute_nation inside the recompute), apart from the rest."""
        runs = getattr(self, "channel_runs", [])
        if not runs or not any(r[0] for r in runs):
            return
        wall = statistics.median(r[0] for r in runs)
        ins, upd, dele = (int(statistics.median(r[i] for r in runs)) for i in (1, 2, 3))
        self.stdout.write(
            f"    of which channel figures: wall median {wall * 1000:.0f} ms "
            f"(best {min(r[0] for r in runs) * 1000:.0f}), rows written median "
            f"{ins + upd + dele} ({ins} inserted, {upd} updated, {dele} deleted)"
        )

    def measure(self) -> None:
        from outreach.models import ChannelCount
        from progress import requests, services
        from provinces.models import Unit
        from targets.models import MonthlyCount

        services.recompute_all()  # every year with counts, oldest first
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE progress_progress")  # as autovacuum would
            # and after the channel rows' bulk insert: the recompute reads them from an index
            # alone (outreach/figures.py), which needs the pages marked all-visible.
            cursor.execute("VACUUM ANALYZE outreach_channelcount")
        year = YEARS[-1]
        self.measure_year(year, "old map")
        self.measure_year(REFORM_YEAR, "both maps, comparisons carried across the reform")
        self.measure_year(NEW_MAP_YEAR, "today's map")

        district = Unit.objects.districts().order_by("pk")[100]
        province_id = district.province_id
        assert province_id is not None  # every district stores its province
        communes = list(
            Unit.objects.communes().filter(district=district).values_list("pk", flat=True)
        )

        def district_saves() -> None:
            # The district's communes save May (the channels grid too: one organisation's
            # new participants there, and the commune's new participants with them).
            with transaction.atomic():
                MonthlyCount.objects.filter(commune_id__in=communes, year=year, month=5).update(
                    participants=models_f("participants") + 3,
                    new_participants=models_f("new_participants") + 1,
                )
                ChannelCount.objects.filter(
                    commune_id__in=communes, year=year, month=5, org__kind="post_office"
                ).update(new_participants=models_f("new_participants") + 1)
                requests.request_recompute(province_id=district.province_id, year=year)

        # Time the recompute itself: the queueing the save does on commit is held back here.
        from progress import tasks

        held = mock.patch.object(tasks.recompute_province, "apply_async")
        years: list[tuple[int, ...]] = []

        def incremental() -> None:
            years.append(services.recompute_province(province_id=province_id, year=year).years)

        with held:
            runs = self.timed(incremental, setup=district_saves)
        # The next year is recomputed too (its comparisons read this year), and so is the new
        # province that took the old one over (no rows in the old map's years).
        self.report(
            f"incremental recompute after {district.name} ({len(communes)} communes) saves "
            f"05/{year} (recomputes {', '.join(map(str, years[-1]))})",
            runs,
        )

    def measure_year(self, year: int, what: str) -> None:
        """A full recompute of the year (nothing changed, one month changed everywhere, into an
        empty year) beside the plain ROLLUP of the count rows it reads (the year and the last)."""
        from outreach.models import ChannelFigure
        from progress import services
        from progress.models import Progress
        from targets.models import MonthlyCount

        def plain() -> None:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM ({PLAIN_ROLLUP}) s", {"year": year})
                cursor.fetchall()

        def clear() -> None:
            Progress.objects.filter(year=year).delete()
            ChannelFigure.objects.filter(year=year).delete()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE progress_progress")
                cursor.execute("VACUUM ANALYZE outreach_channelfigure")

        def change_one_month_everywhere() -> None:
            MonthlyCount.objects.filter(year=year, month=6).update(
                participants=models_f("participants") + 1
            )

        full = lambda: services.recompute_all(year=year)  # noqa: E731
        plain_runs = self.timed(plain)
        rows = Progress.objects.filter(year=year).count()
        self.report(f"plain SQL GROUP BY ROLLUP of {year} with {year - 1}", plain_runs)
        self.report(f"full national recompute of {year} ({what}), {rows} rows, nothing changed",
                    self.timed(full), plain_runs)  # fmt: skip
        self.report(f"full national recompute of {year}, 06/{year} changed in every commune",
                    self.timed(full, setup=change_one_month_everywhere), plain_runs)  # fmt: skip
        self.report(f"full national recompute of {year} into an empty year",
                    self.timed(full, setup=clear), plain_runs)  # fmt: skip
        self.report(f"plain SQL of {year} again", self.timed(plain))
        self.measure_channels(year)

    def measure_channels(self, year: int) -> None:
        """The channel figures' part of the recompute (outreach/figures.py), on one connection."""
        from bhxh_dashboard import clock
        from outreach import figures
        from outreach.models import ChannelFigure
        from progress import sql_engine

        def channels() -> None:
            with transaction.atomic():
                sql_engine.prepare()  # the recompute's transaction settings (no JIT, work_mem)
                figures.compute_units(
                    province_ids=None, years=(year,), nation=self.nation_id, now=clock.now()
                )
                figures.compute_nation(years=(year,), nation=self.nation_id, now=clock.now())

        runs = self.timed(channels)
        rows = ChannelFigure.objects.filter(year=year).count()
        self.report(f"channel part alone, full recompute of {year}, {rows} rows", runs)

    @staticmethod
    def eager(on: bool) -> None:
        from bhxh_dashboard.celery import app

        app.conf.task_always_eager = on

    def save_to_visible(self) -> None:
        from bhxh_dashboard.celery import app
        from progress import requests
        from progress.models import Progress
        from provinces.models import Unit
        from targets.models import MonthlyCount

        if not settings.REDIS_URL:
            self.stdout.write("save-to-visible: skipped (REDIS_URL is not set)")
            return
        self.eager(False)
        app.control.purge()
        db = connection.settings_dict
        env = dict(
            os.environ,
            DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
            REDIS_URL=settings.REDIS_URL,
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "bhxh_dashboard", "worker", "-P", "solo",
             "-l", "warning", "-n", f"bench-{os.getpid()}@%h", "--without-gossip",
             "--without-mingle"],
            env=env,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not app.control.ping(timeout=0.5):
                if time.monotonic() > deadline or worker.poll() is not None:
                    raise CommandError("the Celery worker did not start")
            year = YEARS[-1]
            commune = Unit.objects.communes().order_by("pk")[500]
            times = []
            for attempt in range(self.repeat):
                with transaction.atomic():
                    count = MonthlyCount.objects.select_for_update().get(
                        commune=commune, year=year, month=5
                    )
                    count.participants += 10 + attempt
                    count.save(update_fields=["participants"])
                    requests.request_recompute(province_id=commune.province_id, year=year)
                    wanted = count.participants
                saved = time.perf_counter()
                while True:
                    row = Progress.objects.filter(unit=commune, year=year, month=5).first()
                    if row and row.participants == wanted:
                        break
                    if time.perf_counter() - saved > 30:
                        raise CommandError("the figure did not become visible within 30 s")
                    time.sleep(0.01)
                times.append(time.perf_counter() - saved)
            self.stdout.write(
                f"save-to-visible with a real worker: median {statistics.median(times):.2f} s, "
                f"worst {max(times):.2f} s (includes the {requests.debounce_seconds():.1f} s "
                "debounce)"
            )
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()


class ChannelMeter:
    """Times outreach/figures.py's compute_units and compute_nation wherever the recompute
    calls them (its worker threads included) and counts the channel rows they wrote: the
    transaction's own insert, update and delete counters of the table, read before and after
    on the same connection, so any way of writing the rows is counted alike."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.runs: list[tuple[float, int, int, int]] = []

    def __enter__(self) -> "ChannelMeter":
        from outreach import figures

        self.patches = [
            mock.patch.object(figures, name, self.wrap(getattr(figures, name)))
            for name in ("compute_units", "compute_nation")
        ]
        for patch in self.patches:
            patch.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for patch in self.patches:
            patch.stop()

    @staticmethod
    def written() -> tuple[int, int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables "
                "WHERE relname = 'outreach_channelfigure'"
            )
            return cursor.fetchone() or (0, 0, 0)

    def wrap(self, fn: Callable[..., None]) -> Callable[..., None]:
        def timed(**kwargs: Any) -> None:
            before = self.written()
            started = time.perf_counter()
            fn(**kwargs)
            wall = time.perf_counter() - started
            after = self.written()
            ins, upd, dele = (a - b for a, b in zip(after, before, strict=True))
            with self.lock:
                self.runs.append((wall, ins, upd, dele))

        return timed

    def totals(self) -> tuple[float, int, int, int]:
        """Wall time summed (the threads' parts overlap), rows inserted, updated, deleted."""
        return (
            sum(r[0] for r in self.runs),
            sum(r[1] for r in self.runs),
            sum(r[2] for r in self.runs),
            sum(r[3] for r in self.runs),
        )


CHANNEL_ORGS = """
INSERT INTO outreach_collectionorg (province_id, kind, name)
SELECT u.id, k.kind, 'bench ' || k.kind FROM provinces_unit u
CROSS JOIN (VALUES ('post_office'), ('bhxh'), ('womens_union')) k (kind) WHERE u.level = 1
"""
CHANNEL_ROWS = """
INSERT INTO outreach_channelcount (commune_id, org_id, year, month, new_participants,
                                   updated_at)
SELECT c.commune_id, o.id, c.year, c.month,
    floor(c.new_participants * CASE o.kind WHEN 'post_office' THEN 0.5
                                           WHEN 'bhxh' THEN 0.25 ELSE 0.1 END), now()
FROM targets_monthlycount c JOIN provinces_unit u ON u.id = c.commune_id
JOIN outreach_collectionorg o ON o.province_id = u.province_id
WHERE c.year = ANY(%(years)s) AND c.new_participants > 0
"""


def models_f(name: str) -> F:
    return F(name)
