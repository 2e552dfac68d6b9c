import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    # The suite sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; production never does.
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["broker"]["ok"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "mysql//nonsense"}, "DATABASE_URL has the scheme"),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "is not a Redis address"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:1/none"}, "Database unreachable"),
        ({"DEBUG": "maybe"}, "is not a yes/no value"),
        ({"PROGRESS_RECOMPUTE_CONNECTIONS": "two"}, "is not a whole number of at least 1"),
        ({"PROGRESS_RECOMPUTE_CONNECTIONS": "0"}, "is not a whole number of at least 1"),
    ],
)
def test_bad_configuration_gives_one_clear_line(env, message):
    result = run_manage("migrate", "--check", **env)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2


def test_production_settings_pass_the_deploy_check():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="x" * 64 + "production-secret-key-for-the-check",
        ALLOWED_HOSTS="bhxh.example.vn",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_environment_the_project_runs_on_sqlite_and_eager_celery():
    code = (
        "from django.conf import settings;"
        "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER)"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "django.db.backends.sqlite3 True" in result.stdout, result.stderr


def test_docker_compose_matches_the_settings():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis-broker", "redis-cache"} <= set(services)
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://redis-broker:6379")
        assert str(env["DEBUG"]) == "0"
    assert "gunicorn bhxh_dashboard.wsgi" in " ".join(services["web"]["command"])
    assert "worker" in services["worker"]["command"] and "beat" in services["beat"]["command"]
    assert (ROOT / services["web"]["build"]["dockerfile"]).exists()


@pytest.mark.worker
def test_a_real_celery_worker_runs_a_task_through_redis(celery_worker_process):
    from conftest import load_tree
    from provinces.tasks import count_provinces

    load_tree(24, 20)
    result = count_provinces.delay()
    assert result.get(timeout=20) == 2
