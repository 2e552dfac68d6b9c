"""Reading configuration from the environment, with errors a person can act on."""

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a yes/no value (use 1 or 0).")


def env_int(name: str, *, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number of at least {minimum}.")
    return value


def env_list(name: str, *, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_database_url(base_dir: Path) -> dict[str, Any]:
    """DATABASE_URL as Django settings; a SQLite file in the project when it is not set."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": base_dir / "db.sqlite3"}
    scheme = urlparse(url).scheme
    if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL has the scheme {scheme or '(none)'!r}; expected "
            "postgres://user@host:5432/name or sqlite:///path."
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be read: {exc}") from None
    if config["ENGINE"].endswith("postgresql"):
        # Fail fast when the server is down instead of hanging the request.
        config.setdefault("OPTIONS", {})["connect_timeout"] = 5
    return dict(config)


def parse_redis_url() -> str:
    """REDIS_URL, or '' when not set (Celery then runs tasks in-process)."""
    url = os.environ.get("REDIS_URL", "").strip()
    if url and urlparse(url).scheme not in {"redis", "rediss"}:
        raise ImproperlyConfigured(
            f"REDIS_URL={url!r} is not a Redis address; expected redis://host:6379/0."
        )
    return url
