#!/usr/bin/env python
"""Speed of the dashboard pages. Prints figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> REDIS_URL=redis://127.0.0.1:6379/<n> \
        .venv/bin/python scripts/bench_dashboard.py [--setup] [--duration 10] [--no-browser]

Default (the demo): on the database DATABASE_URL names, which holds the demo (`--setup` runs
migrate, load_admin_units and `load_demo --if-empty` first), against gunicorn with production
settings (DEBUG off, 2 sync workers, collected and compressed static files, its own port):
1. under wrk on loopback, requests/s of today's Bắc Ninh province page (/u/t24/, signed in as
   `bacninh`) beside /healthz on the same server, and their ratio (issue 15: 0.10x before);
2. whether a repeat visit is answered 304 Not Modified (If-None-Match / If-Modified-Since);
3. in Chromium (Playwright, /usr/bin/chromium): the time from submitting the login form to a
   settled province page (every chart drawn, the network idle), and the bytes transferred on
   that first visit and on a repeat visit of the same page.
Needs `wrk` (apt-get install -y wrk): without it the load test says so and is skipped.

--national: the older benchmark on national-scale synthetic data in a database of its own,
`<db>_dashbench` (the generator of `manage.py bench_progress`; --reuse keeps an existing one,
--keep does not drop it): median server time of the pages through Django's request cycle, and
wrk on Hà Nội's page.
"""

import argparse
import contextlib
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
from collections.abc import Iterator
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


def session_for(username: str) -> str:
    """A signed-in session of `username` (the in-process client and gunicorn share SECRET_KEY)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client.cookies["sessionid"].value


@contextlib.contextmanager
def gunicorn(db_url: str, workers: int = 2) -> Iterator[str]:
    """gunicorn with production settings on a port of its own; yields its base URL.

    Plain HTTP on loopback: the cookies drop their Secure flag and the HTTPS redirect is off
    (in production TLS ends at the proxy in front of gunicorn); everything else is as deployed.
    """
    work = Path(tempfile.mkdtemp(prefix="dashbench-"))
    # Collected once and kept between runs, by the static files' content (compressing plotly.js
    # takes a minute).
    static = Path(tempfile.gettempdir()) / f"bhxh-dashbench-static-{static_fingerprint()}"
    (work / "bench_settings.py").write_text(
        "from bhxh_dashboard.settings import *  # noqa\n"
        f"STATIC_ROOT = {str(static)!r}\n"
        "SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False\n"
        "SECURE_HSTS_SECONDS = 0\n"
    )
    env = dict(
        os.environ,
        DATABASE_URL=db_url,
        DEBUG="0",
        SECRET_KEY=os.environ["SECRET_KEY"],  # the key that signed the sessions
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SETTINGS_MODULE="bench_settings",
        PYTHONPATH=f"{work}:{ROOT}",
    )
    if not (static / "staticfiles.json").exists():
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
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def static_fingerprint() -> str:
    import hashlib

    digest = hashlib.sha256()
    from django.conf import settings

    digest.update(settings.PLOTLY_JS.encode())  # the basic bundle installed or not
    for path in sorted((ROOT / "static").rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def fetch(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """GET without following redirects: (status, headers, body)."""
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers)) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wrk(base: str, targets: dict[str, str], session: str, duration: int, connections: int):
    """requests/s and latency of each target under wrk; None when wrk is not installed."""
    if not shutil.which("wrk"):
        print("\nwrk is NOT installed (apt-get install -y wrk): the load test is skipped")
        return None
    work = Path(tempfile.mkdtemp(prefix="dashbench-wrk-"))
    (work / "p95.lua").write_text(WRK_LUA)
    results = {}
    print(
        f"\nwrk on loopback, gunicorn 2 sync workers, {connections} connections, "
        f"{duration} s each (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores,"
        " shared with wrk and PostgreSQL):"
    )
    try:
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
            subprocess.run(command[:3] + ["-d2s"] + command[4:], capture_output=True)  # warm
            out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            figures = json.loads(out.strip().splitlines()[-1])
            figures["rps"] = figures["requests"] / figures["seconds"]
            results[label] = figures
            print(
                f"  {label:28} {figures['rps']:8.1f} req/s   p50 {figures['p50_ms']:7.1f} ms"
                f"   p95 {figures['p95_ms']:7.1f} ms   non-2xx {figures['non2xx']}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


def load_test(db_url: str, duration: int, connections: int) -> None:
    """The national-scale variant: Hà Nội's page beside /healthz."""
    session = session_for(users()["bench-hanoi"].username)
    with gunicorn(db_url) as base:
        status, _headers, body = fetch(base + "/u/p01/", {"Cookie": f"sessionid={session}"})
        assert status == 200 and "Hà Nội" in body.decode(), status
        results = wrk(
            base,
            {"/healthz": "/healthz", "province page /u/p01/": "/u/p01/"},
            session,
            duration,
            connections,
        )
    if results:
        page, trivial = results["province page /u/p01/"], results["/healthz"]
        print(f"  ratio province/healthz: throughput {page['rps'] / trivial['rps']:.2f}x")


# --- The demo: what a provincial officer notices ------------------------------------------------

DEMO_USER, DEMO_PASSWORD = "bacninh", "bhxh-demo-2023"
DEMO_PAGE = "/u/t24/"
BEFORE = {
    "ratio": "0.10x (29.9 vs 284.4 req/s)",
    "settled": "4-9 s",
    "bytes": "4.8 MB plotly.min.js",
}


def repeat_visit(base: str, session: str) -> None:
    cookie = {"Cookie": f"sessionid={session}"}
    status, headers, body = fetch(base + DEMO_PAGE, cookie)
    assert status == 200, status
    validators = {}
    if headers.get("ETag"):
        validators["If-None-Match"] = headers["ETag"]
    if headers.get("Last-Modified"):
        validators["If-Modified-Since"] = headers["Last-Modified"]
    again, again_headers, again_body = fetch(base + DEMO_PAGE, {**cookie, **validators})
    print(
        f"\nRepeat visit of {DEMO_PAGE}: first {status} ({len(body) / 1024:.0f} KiB,"
        f" ETag {headers.get('ETag', 'none')}, Cache-Control {headers.get('Cache-Control', 'none')});"
        f" repeat with {', '.join(validators) or 'no validator'}: {again}"
        f" ({len(again_body)} bytes)"
        + ("  -> 304 Not Modified" if again == 304 else "  -> NOT 304")
    )


def browser_visit(base: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            transferred = {"bytes": 0, "requests": 0}

            def finished(event: dict) -> None:
                transferred["bytes"] += event.get("encodedDataLength", 0)
                transferred["requests"] += 1

            cdp.on("Network.loadingFinished", finished)
            page.goto(base + "/accounts/login/?next=" + DEMO_PAGE)
            page.fill("#id_username", DEMO_USER)
            page.fill("#id_password", DEMO_PASSWORD)
            transferred.update(bytes=0, requests=0)
            started = time.perf_counter()
            page.click("button.primary[type=submit]")
            settled = settle(page)
            first_s = time.perf_counter() - started
            first = dict(transferred)

            transferred.update(bytes=0, requests=0)
            started = time.perf_counter()
            page.goto(base + DEMO_PAGE)
            settle(page)
            repeat_s = time.perf_counter() - started
            repeat = dict(transferred)
        finally:
            browser.close()
    print(
        f"\nChromium, signed in as {DEMO_USER}:\n"
        f"  login submitted -> settled {DEMO_PAGE} ({settled} charts drawn): {first_s:.2f} s,"
        f" {first['bytes'] / 1024:,.0f} KiB in {first['requests']} responses\n"
        f"  repeat visit of {DEMO_PAGE} -> settled: {repeat_s:.2f} s,"
        f" {repeat['bytes'] / 1024:,.0f} KiB in {repeat['requests']} responses"
    )


def settle(page) -> int:
    """Wait until the province page has drawn every chart and the network is idle."""
    page.wait_for_url("**" + DEMO_PAGE + "**", timeout=60_000)
    page.wait_for_load_state("networkidle", timeout=60_000)
    page.wait_for_function(
        "[...document.querySelectorAll('[data-chart]')].every(e => e.dataset.drawn === '1')",
        timeout=60_000,
    )
    return page.locator("[data-chart]").count()


def demo(args: argparse.Namespace) -> None:
    from django.core.management import call_command

    if args.setup:
        call_command("migrate", verbosity=0)
        call_command("load_admin_units", verbosity=0)
        call_command("load_demo", if_empty=True, verbosity=0)
    session = session_for(DEMO_USER)
    print(
        f"Before (issue 15): {BEFORE['ratio']}, {BEFORE['settled']} to a settled page,"
        f" {BEFORE['bytes']} on every page."
    )
    with gunicorn(os.environ["DATABASE_URL"]) as base:
        status, _headers, body = fetch(base + DEMO_PAGE, {"Cookie": f"sessionid={session}"})
        assert status == 200 and "Bắc Ninh" in body.decode(), status  # the page, not a login
        if not args.no_load:
            results = wrk(
                base,
                {"/healthz": "/healthz", f"province page {DEMO_PAGE}": DEMO_PAGE},
                session,
                args.duration,
                args.connections,
            )
            if results:
                page, trivial = results[f"province page {DEMO_PAGE}"], results["/healthz"]
                print(
                    f"  ratio province/healthz: throughput {page['rps'] / trivial['rps']:.2f}x"
                    f" ({page['rps']:.1f} vs {trivial['rps']:.1f} req/s; aim 0.5x or better)"
                )
        repeat_visit(base, session)
        if not args.no_browser:
            browser_visit(base)


def national(args: argparse.Namespace) -> None:
    source = os.environ["DATABASE_URL"]
    db_url, name = bench_url(source)
    exists = database_exists(source, name)
    if not (args.reuse and exists):
        admin_execute(source, f'DROP DATABASE IF EXISTS "{name}"')
        admin_execute(source, f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = db_url
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--setup", action="store_true", help="migrate and load the demo first")
    parser.add_argument("--national", action="store_true", help="national synthetic data instead")
    parser.add_argument("--reuse", action="store_true", help="--national: reuse its database")
    parser.add_argument("--keep", action="store_true", help="--national: keep its database")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--no-load", action="store_true", help="skip the wrk load test")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium visit")
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (postgres://user@host:5432/name).")
    # The in-process client makes the sessions gunicorn reads: one signing key.
    os.environ["SECRET_KEY"] = "bench-dashboard-only-" + "k" * 50
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bhxh_dashboard.settings")
    if args.national:
        national(args)
        return
    import django

    django.setup()
    demo(args)


if __name__ == "__main__":
    main()
