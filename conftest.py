"""Fixtures shared by every app's tests: the real Bắc Giang subtree with its demo figures, and
today's Bắc Ninh and Lạng Sơn (the map since July 2025) with theirs."""

import datetime as dt
import os
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _own_redis_database_per_xdist_worker() -> None:
    """`make test` runs the suite in pytest-xdist workers; pytest-django gives each its own test
    database (test_bhxh_gw0, ...), and this gives each its own Redis database (15, 14, ...), so a
    worker's Celery queue, purge, ping and cache never reach another's. Django's caches and the
    Celery app read these settings lazily, after this module is imported; the environment is
    what the subprocesses (the Celery worker, manage.py runs) inherit."""
    from urllib.parse import urlsplit

    from django.conf import settings

    worker, url = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get("REDIS_URL")
    if not worker or not url:
        return
    parts = urlsplit(url)
    number = (int(parts.path.strip("/") or 0) - int(worker.removeprefix("gw"))) % 16
    own = parts._replace(path=f"/{number}").geturl()
    os.environ["REDIS_URL"] = own
    settings.REDIS_URL = settings.REDIS_CACHE_URL = own
    settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = own
    settings.CACHES["default"]["LOCATION"] = own


_own_redis_database_per_xdist_worker()

BAC_GIANG, LANG_SON, OLD_BAC_NINH = 24, 20, 27
# Today's provinces of the shared world: Bắc Ninh (old Bắc Giang + old Bắc Ninh) and Lạng Sơn.
TODAY_BAC_NINH, TODAY_LANG_SON = "24", "20"

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# The suite's "now": the middle of a month, when no month's normal entry window is open, so the
# demo's reopened June 2023 is the month the grid opens on. A test that needs another moment
# moves the clock itself (the `travel` fixture: `travel.move_to(...)`).
SUITE_NOW = dt.datetime(2026, 12, 15, 10, 0, tzinfo=VIETNAM)


@pytest.fixture(autouse=True)
def travel(request):
    """Every test runs at SUITE_NOW, whatever the machine's date; the clock ticks from there.

    time-machine patches the process, so the live server's threads see the same time. Tests with
    a real Celery worker keep the machine's clock: the worker is another process, and a task
    queued with a countdown from a clock ahead of the worker's would wait days.
    """
    if request.node.get_closest_marker("worker"):
        yield None
        return
    with time_machine.travel(SUITE_NOW, tick=True) as traveller:
        yield traveller


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 costs about 0.3 s a hash here, and every test makes or signs in several users.

    tests/test_login_security.py checks the production hasher itself.
    """
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True, scope="session")
def _plain_http():
    """The test client and the live server speak plain http: with DEBUG off (the default) the
    settings would redirect to https and send cookies only over https. Session-wide, before the
    live server builds its middleware (SecurityMiddleware reads the redirect setting once)."""
    from django.test import override_settings

    with override_settings(
        SECURE_SSL_REDIRECT=False, SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False
    ):
        yield


@pytest.fixture(autouse=True)
def _vietnamese_after_each_test():
    """A request in English leaves English active in this thread (the locale middleware does not
    switch back): the next test must start in the site's default language again."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Tasks run in-process in ordinary tests; tests marked `worker` use a real worker instead."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from bhxh_dashboard.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


def load_tree(*province_codes: int):
    from provinces.loader import load_admin_units, read_package_tree

    wanted = set(province_codes)
    return load_admin_units([p for p in read_package_tree() if p["code"] in wanted])


@pytest.fixture(scope="session")
def demo_world(django_db_setup, django_db_blocker):
    """The demo, built and committed once per session (it used to be rebuilt for every test).

    Tests that use it run in a transaction that is rolled back, so each starts from the same
    world. pytest-django runs the transactional tests (live server, Celery worker) last; their
    flush empties the database, and `demo` builds the world again for each of them.
    """
    from django.test import override_settings

    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        _build_demo_world()
        _DEMO_SNAPSHOT.update(_snapshot_tables())


# Every table's rows as COPY text, taken once the world is built: a transactional test restores
# the world from it in about 0.2 s instead of building it again (about 3 s).
_DEMO_SNAPSHOT: dict[str, bytes] = {}


def _data_tables() -> list[str]:
    from django.db import connection

    return [
        t
        for t in connection.introspection.django_table_names(only_existing=True)
        if not t.startswith(("django_content_type", "auth_permission", "django_migrations"))
    ]


def _snapshot_tables() -> dict[str, bytes]:
    from django.db import connection

    if connection.vendor != "postgresql":
        return {}
    snapshot = {}
    with connection.cursor() as cursor:
        for table in _data_tables():
            name = connection.ops.quote_name(table)
            with cursor.copy(f"COPY {name} TO STDOUT") as copy:
                snapshot[table] = b"".join(bytes(block) for block in copy)
    return snapshot


def _restore_snapshot() -> None:
    """Write the session's world back into emptied tables (foreign keys are deferred in Django's
    PostgreSQL schema, so the order does not matter), then move each sequence past the ids."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for table, data in _DEMO_SNAPSHOT.items():
            if data:
                with cursor.copy(f"COPY {connection.ops.quote_name(table)} FROM STDIN") as copy:
                    copy.write(data)
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(sql)


def _build_demo_world() -> None:
    """What `make run` shows, on part of the tree, at SUITE_NOW (the demo's today's-map months
    run up to the latest closed month by the clock, and this is built before any test's own
    clock is set)."""
    from django.contrib.auth import get_user_model

    from progress.services import recompute_all
    from provinces.loader import load_new_map
    from provinces.models import Level, Profile, Role, Unit
    from targets.demo import load_demo

    load_tree(BAC_GIANG, LANG_SON, OLD_BAC_NINH)
    load_new_map({TODAY_BAC_NINH, TODAY_LANG_SON})
    with time_machine.travel(SUITE_NOW, tick=True):
        load_demo()
        recompute_all()  # every test sees the progress table, as after `manage.py load_demo`
    User = get_user_model()
    lang_son = Unit.objects.get(level=Level.PROVINCE, code="20", valid_from__isnull=True)
    lang_son_first_district = lang_son.children.order_by("code").first()
    assert lang_son_first_district is not None  # the loaded Lạng Sơn tree has districts
    for username, role, unit in [
        ("langson", Role.PROVINCIAL_OFFICER, lang_son),
        ("langson_huyen", Role.DISTRICT_STAFF, lang_son_first_district),
        ("tpbacgiang", Role.DISTRICT_STAFF, Unit.objects.get(level=Level.DISTRICT, code="213")),
    ]:
        user = User.objects.create_user(username=username, password="pw-" + username)
        Profile.objects.create(user=user, role=role, unit=unit)
    User.objects.create_user(username="nobody", password="pw-nobody")


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return (
        "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
        or bool(marker and marker.kwargs.get("transaction"))
    )


@pytest.fixture
def demo(demo_world, db, request):
    """Bắc Giang and Lạng Sơn from the real tree, the seeded demo figures and the demo users;
    today's Bắc Ninh and Lạng Sơn with theirs (up to November 2026 at SUITE_NOW).

    Returns the units and users tests need by name: bac_giang, luc_nam (the demo district),
    another_district (of Bắc Giang), lang_son (another province), bac_ninh (today's Bắc Ninh,
    t24), and the users national, officer, clerk (district staff of Lục Nam), manager,
    other_officer and other_clerk (of Lạng Sơn), today_officer and today_manager (of today's
    Bắc Ninh), and nobody (signed in, no role).
    """
    from django.contrib.auth import get_user_model

    from provinces.models import Level, Unit

    User = get_user_model()
    if not User.objects.filter(username="nobody").exists():
        # A transactional test ran before and flushed the session's world.
        if not _is_transactional(request):
            pytest.fail("the demo world is gone: a test outside a transaction deleted it")
        if _DEMO_SNAPSHOT:
            _restore_snapshot()
        else:
            _build_demo_world()
    users = {u.username: u for u in User.objects.all()}
    old_map = Unit.objects.filter(valid_from__isnull=True)
    lang_son = old_map.get(level=Level.PROVINCE, code="20")
    return SimpleNamespace(
        nation=Unit.objects.get(level=Level.NATION),
        bac_giang=old_map.get(level=Level.PROVINCE, code="24"),
        luc_nam=Unit.objects.get(level=Level.DISTRICT, code="218"),
        another_district=Unit.objects.get(level=Level.DISTRICT, code="213"),
        lang_son=lang_son,
        lang_son_district=lang_son.children.order_by("code").first(),
        bac_ninh=Unit.objects.get(level=Level.PROVINCE, code="24", valid_from__isnull=False),
        national=users["quocgia"],
        officer=users["bacgiang"],
        clerk=users["lucnam"],
        manager=users["lanhdao"],
        today_officer=users["bacninh"],
        today_manager=users["lanhdao-bacninh"],
        other_officer=users["langson"],
        other_clerk=users["langson_huyen"],
        neighbour_clerk=users["tpbacgiang"],
        nobody=users["nobody"],
        password="bhxh-demo-2023",
    )


@pytest.fixture
def offices(db):
    """Today's Bắc Ninh with two grassroots offices and a user per role (offices_world)."""
    from provinces.tests.offices_world import build_office_world

    return build_office_world()


@pytest.fixture(autouse=True)
def _empty_world_unless_demo(request):
    """A database test that does not ask for the demo starts from an empty database, as before
    the demo was shared: the session's world is truncated inside the test's transaction, and the
    rollback brings it back. A transactional test flushes at its end anyway."""
    marker = request.node.get_closest_marker("django_db")
    uses_db = marker is not None or "db" in request.fixturenames or _is_transactional(request)
    if not uses_db or "demo" in request.fixturenames or "demo_world" in request.fixturenames:
        return
    request.getfixturevalue("transactional_db" if _is_transactional(request) else "db")
    from django.db import connection

    tables = _data_tables()
    if connection.vendor == "postgresql" and tables:
        with connection.cursor() as cursor:
            quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
            cursor.execute(f"TRUNCATE {quoted} CASCADE")


@pytest.fixture
def celery_worker_process(transactional_db, settings, request):
    """A real `celery worker` process on the test database and the test Redis.

    Yields the Celery app with eager mode off, so `.delay()` goes through Redis to the worker.
    The solo pool unless the test says `@pytest.mark.worker(pool="prefork")` (production's pool,
    one process: the one that enforces tasks' time limits).
    """
    import subprocess
    import sys
    import time

    from django.db import connection

    from bhxh_dashboard.celery import app

    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: `make test` sets it")
    db = connection.settings_dict
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=settings.REDIS_URL,
    )
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.control.purge()
    hostname = f"test-{os.getpid()}@%h"
    marker = request.node.get_closest_marker("worker")
    pool = (marker.kwargs.get("pool") if marker else None) or "solo"
    pool_args = ["-P", pool] + (["-c", "1"] if pool == "prefork" else [])
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bhxh_dashboard",
            "worker",
            *pool_args,
            "-l",
            "warning",
            "-n",
            hostname,
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if app.control.ping(timeout=0.5):
                break
            if worker.poll() is not None:
                pytest.fail("the Celery worker exited at start")
        else:
            pytest.fail("the Celery worker did not answer within 30 s")
        yield app
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
        app.conf.task_always_eager = True


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (no browser download: executable_path)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page; fails the test on console errors or failed requests of our server."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on(
        "requestfailed",
        lambda r: r.url.startswith(live_server.url) and problems.append(f"failed: {r.url}"),
    )
    page.live_server = live_server
    page.problems = problems
    yield page
    context.close()
    assert not problems, problems


def login(page, username, password):
    """Sign in through the real login form, as a person would."""
    page.goto(page.live_server.url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form [type=submit]")
    page.wait_for_load_state("networkidle")


SCREENSHOTS = os.environ.get("SCREENSHOT_DIR", "/tmp/bhxh-screenshots")


def screenshot(page, name):
    """Keep a screenshot of what the test saw, to look at by eye (SCREENSHOT_DIR)."""
    os.makedirs(SCREENSHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


@pytest.fixture(autouse=True)
def _no_kept_page_parts():
    """Each test renders the dashboard's data parts and charts afresh (reports/conditional.py and
    the figure cache keep them by data version, which tests that write progress rows directly do
    not move). Only those keys go:
    the same Redis database carries the Celery queue of the worker tests."""
    from django.core.cache import cache

    client = getattr(cache, "_cache", None)
    if client is None or not hasattr(client, "get_client"):
        cache.clear()  # local memory: nothing else is in it
        return
    redis = client.get_client(write=True)
    keys = list(redis.scan_iter(match="*reports:*", count=1000))
    if keys:
        redis.delete(*keys)
