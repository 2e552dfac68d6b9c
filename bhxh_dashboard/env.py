"""Reading configuration from the environment, with errors a person can act on."""

import os
import secrets
import time
from ipaddress import IPv4Network, IPv6Network, ip_network
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


def parse_redis_url(name: str = "REDIS_URL") -> str:
    """REDIS_URL (or another such variable), or '' when not set (for REDIS_URL: Celery then runs
    tasks in-process)."""
    url = os.environ.get(name, "").strip()
    if url and urlparse(url).scheme not in {"redis", "rediss"}:
        raise ImproperlyConfigured(
            f"{name}={url!r} is not a Redis address; expected redis://host:6379/0."
        )
    return url


def secret_key(path: Path) -> str:
    """SECRET_KEY from the environment; else this checkout's own random key, kept in `path`
    (gitignored, never in the image) and written on first use. No key is published in the code,
    so a site that forgot to set one still signs with a secret nobody else has."""
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    for _ in range(50):
        try:
            existing = path.read_text().strip()
        except FileNotFoundError:
            existing = None
        if existing:
            return existing
        if existing is None:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue  # another process is writing it: read it on the next round
            except OSError as exc:
                raise ImproperlyConfigured(
                    f"SECRET_KEY is not set and {path} cannot be written ({exc.strerror})."
                ) from None
            key = secrets.token_urlsafe(50)
            with os.fdopen(fd, "w") as f:
                f.write(key)
            return key
        time.sleep(0.02)  # created by another process, not written yet
    raise ImproperlyConfigured(f"SECRET_KEY is not set and {path} stays empty.")


def env_addresses(name: str) -> list[IPv4Network | IPv6Network]:
    """A comma-separated list of addresses or networks (10.0.0.2, 172.30.10.0/24)."""
    networks = []
    for item in env_list(name, default=[]):
        try:
            networks.append(ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not an IP address or network."
            ) from None
    return networks
