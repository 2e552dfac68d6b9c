#!/usr/bin/env python
"""Speed of the dashboard pages on national-scale data. Prints figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> REDIS_URL=redis://127.0.0.1:6379/<n> \
        .venv/bin/python scripts/bench_dashboard.py [--reuse] [--keep] [--requests 40] [--duration 15]

1. Builds a database of its own, `<db>_dashbench`: the whole administrative tree (63 provinces,
   696 districts, 10,051 communes), three years of synthetic monthly counts and targets (the
   generator of `manage.py bench_progress`), then the progress table with recompute_all.
   --reuse keeps an existing one; --keep does not drop it at the end.
2. Median server time of the national overview, a province page, a district page, the reporting
   status and the CSV export, through Django's full request cycle in this process (test Client:
   middleware, session, templates, charts), with the number of queries.
3. Under wrk on loopback, against gunicorn with 2 workers (DEBUG off, collected static files):
   requests/s and p95 of the province page beside /healthz on the same server, and their ratio.
   Needs `wrk` (apt-get install -y wrk).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = {
    "national overview /u/vn/": "/u/vn/",
    "province page /u/p01/ (30 districts)": "/u/p01/",
    "district page /u/d001/": "/u/d001/",
    "reporting status /u/p01/bao-cao/": "/u/p01/bao-cao/",
    "reporting status /u/vn/bao-cao/ (10,051)": "/u/vn/bao-cao/",
    "province CSV export": "/u/p01/?_export=csv",
    "province page, charts not cached": "/u/p01/?nocache",
    "national overview, charts not cached": "/u/vn/?nocache",
}
WRK_LUA = """
done = function(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format('{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f,'
    .. ' "p99_ms": %.2f, "non2xx": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, non2xx,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def bench_url(url: str) -> tuple[str, str]:
    parts = urlparse(url)
    name = parts.path.lstrip("/") + "_dashbench"
    return urlunparse(parts._replace(path="/" + name)), name


def admin_execute(url: str, sql: str) -> None:
    import psycopg

    parts = urlparse(url)
    with psycopg.connect(urlunparse(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(sql)


def database_exists(url: str, name: str) -> bool:
    import psycopg

    parts = urlparse(url)
    with psycopg.connect(urlunparse(parts._replace(path="/postgres")), autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        return row is not None


def build(reuse: bool) -> None:
    from django.core.management import call_command

    from progress.management.commands.bench_progress import YEARS
    from progress.management.commands.bench_progress import Command as BenchProgress
    from progress.models import Progress
    from progress.services import recompute_all

    call_command("migrate", verbosity=0)
    if reuse and Progress.objects.exists():
        print(f"reusing {Progress.objects.count():,} progress rows")
        return
    BenchProgress().build()
    for year in YEARS:
        started = time.perf_counter()
        recompute_all(year=year)
        print(f"recompute_all({year}): {time.perf_counter() - started:.1f} s")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"{Progress.objects.count():,} progress rows")


def users():
    from django.contrib.auth import get_user_model

    from provinces.models import Level, Profile, Role, Unit

    made = {}
    for username, role, (level, code) in [
        ("bench-national", Role.NATIONAL_VIEWER, (Level.NATION, "VN")),
        ("bench-hanoi", Role.PROVINCIAL_OFFICER, (Level.PROVINCE, "01")),
    ]:
        user, _ = get_user_model().objects.get_or_create(username=username)
        Profile.objects.update_or_create(
            user=user, defaults={"role": role, "unit": Unit.objects.get(level=level, code=code)}
        )
        made[username] = user
    return made


def server_times(requests: int) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    people = users()
    print(f"\nServer time through Django's request cycle, {requests} requests each (ms):")
    print(f"  (load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; 'cpu med' is")
    print("   this process's CPU time, which waiting for a busy CPU does not inflate)")
    print(
        f"  {'page':42} {'median':>8} {'p95':>8} {'min':>8} {'cpu med':>8} {'queries':>8} {'KiB':>6}"
    )
    for label, url in PAGES.items():
        client = Client()
        client.force_login(people["bench-national" if "/vn/" in url else "bench-hanoi"])
        for _ in range(3):  # warm: template loading, first connection
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        times, cpu = [], []
        for _ in range(requests):
            if "nocache" in url:
                cache.clear()  # the figure cache: this bench's own Redis DB (or local memory)
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(
            f"  {label:42} {statistics.median(times):8.1f} {p95:8.1f} {times[0]:8.1f}"
            f" {statistics.median(cpu):8.1f}"
            f" {len(queries):8d} {len(response.content) / 1024:6.0f}"
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_test(db_url: str, duration: int, connections: int) -> None:
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import Client

    if not shutil.which("wrk"):
        print("\nwrk is not installed (apt-get install -y wrk): load test skipped")
        return
    officer = users()["bench-hanoi"]
    client = Client()
    client.force_login(officer)
    session = client.cookies["sessionid"].value
    assert SessionStore(session_key=session).exists(session)

    work = Path(tempfile.mkdtemp(prefix="dashbench-"))
    # Collected once and kept between runs (remove it after changing static files).
    static = Path(tempfile.gettempdir()) / "bhxh-dashbench-static"
    (work / "bench_settings.py").write_text(
        f"from bhxh_dashboard.settings import *  # noqa\nSTATIC_ROOT = {str(static)!r}\n"
    )
    (work / "p95.lua").write_text(WRK_LUA)
    env = dict(
        os.environ,
        DATABASE_URL=db_url,
        DEBUG="0",
        SECRET_KEY=os.environ["SECRET_KEY"],  # the key that signed the session below
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SETTINGS_MODULE="bench_settings",
        PYTHONPATH=f"{work}:{ROOT}",
    )
    if not (static / "staticfiles.json").exists():  # compressing plotly.js takes minutes
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "bhxh_dashboard.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.3)
        import urllib.request

        check = urllib.request.Request(base + "/u/p01/", headers={"Cookie": f"sessionid={session}"})
        with urllib.request.urlopen(check) as response:  # must be the page, not a login redirect
            body = response.read().decode()
            assert response.status == 200 and "Hà Nội" in body, response.status
            assert response.geturl().endswith("/u/p01/"), response.geturl()
        results = {}
        targets = {"/healthz": "/healthz", "province page /u/p01/": "/u/p01/"}
        print(
            f"\nwrk on loopback, gunicorn 2 sync workers, {connections} connections, "
            f"{duration} s each (the 2 cores are shared with wrk and PostgreSQL):"
        )
        for label, path in targets.items():
            command = [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{duration}s",
                "-s",
                str(work / "p95.lua"),
                "-H",
                f"Cookie: sessionid={session}",
                base + path,
            ]
            subprocess.run(command[:4] + ["-d2s"] + command[5:], capture_output=True)  # warm
            out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            figures = json.loads(out.strip().splitlines()[-1])
            figures["rps"] = figures["requests"] / figures["seconds"]
            results[label] = figures
            print(
                f"  {label:24} {figures['rps']:8.1f} req/s   p50 {figures['p50_ms']:7.1f} ms"
                f"   p95 {figures['p95_ms']:7.1f} ms   non-2xx {figures['non2xx']}"
            )
        page, trivial = results["province page /u/p01/"], results["/healthz"]
        print(
            f"  ratio province/healthz: throughput {page['rps'] / trivial['rps']:.2f}x,"
            f" p95 {page['p95_ms'] / trivial['p95_ms']:.1f}x"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="reuse an existing bench database")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--duration", type=int, default=15, help="seconds of each wrk run")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--no-load", action="store_true", help="skip the wrk load test")
    args = parser.parse_args()

    source = os.environ.get("DATABASE_URL", "")
    if not source.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (postgres://user@host:5432/name).")
    db_url, name = bench_url(source)
    exists = database_exists(source, name)
    if not (args.reuse and exists):
        admin_execute(source, f'DROP DATABASE IF EXISTS "{name}"')
        admin_execute(source, f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = db_url
    # The in-process client makes the session that wrk sends to gunicorn: one signing key.
    os.environ["SECRET_KEY"] = "bench-dashboard-only-" + "k" * 50
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bhxh_dashboard.settings")
    import django

    django.setup()
    from django.db import connections

    try:
        build(args.reuse)
        server_times(args.requests)
        if not args.no_load:
            load_test(db_url, args.duration, args.connections)
    finally:
        connections.close_all()
        if not args.keep:
            admin_execute(source, f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main()
