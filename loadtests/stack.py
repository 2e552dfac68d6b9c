"""The load test's own servers: PostgreSQL, Redis, gunicorn and a Celery worker, on loopback.

Nothing here touches the machine's shared PostgreSQL (5432) or Redis (6379): the stack initdb's a
fresh cluster in a temporary directory and starts its own redis-server, so faults (stopping Redis,
restarting PostgreSQL, killing the worker) disturb nobody else. Every process is started in its own
session and stopped by its pid when the stack closes, also on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PG_BIN = Path(os.environ.get("LOADTEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _wait(check, *, what: str, timeout: float = 60, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")


def _as_postgres(*args: str) -> list[str]:
    """initdb and the server refuse to run as root; run them as the postgres user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return list(args)


@dataclass
class Stack:
    pg_port: int = 5440
    redis_port: int = 6390
    web_port: int = 8100
    web_workers: int = 3
    celery_concurrency: int = 2
    keep: bool = False
    tmp: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bhxh-load-")))
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    pg_running: bool = False

    # -- addresses ------------------------------------------------------------------------------

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/bhxh_load"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="loadtests.settings",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            DEBUG="0",
            SECRET_KEY="load-test-only-" + "x" * 50,
            SECURE_SSL_REDIRECT="0",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            LOADTEST_STATIC_ROOT=str(self.tmp / "static"),
            PYTHONPATH=str(ROOT),
        )
        return env

    def configure_this_process(self) -> None:
        """Point this (the harness) process's Django at the stack, before django.setup()."""
        os.environ.update(
            {k: v for k, v in self.env().items() if k != "PYTHONPATH" and k.isupper()}
        )
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))

    # -- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> Stack:
        try:
            for name, port in (
                ("PostgreSQL", self.pg_port),
                ("Redis", self.redis_port),
                ("gunicorn", self.web_port),
            ):
                if not _port_free(port):
                    raise RuntimeError(f"port {port} for the load test's {name} is taken")
            self._install_signal_handlers()
            self.start_postgres(init=True)
            self.start_redis()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _install_signal_handlers(self) -> None:
        def stop(signum, frame):
            raise SystemExit(128 + signum)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGHUP, stop)

    def close(self) -> None:
        # Workers first, then the web, Redis last; anything else started (a restarted worker) too.
        order = sorted(self.procs, key=lambda n: (n != "redis", n.startswith("celery")))
        for name in reversed(order):
            self.stop(name)
        if self.pg_running:
            self.stop_postgres()
        if self.keep:
            print(f"kept {self.tmp} (logs and data)")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _spawn(self, name: str, args: list[str], **kwargs) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 (closed with the stack dir)
        proc = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=ROOT,
            **kwargs,
        )
        self.procs[name] = proc
        return proc

    def stop(self, name: str, *, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        """Stop one process we started (and its children, in its own process group)."""
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.tmp / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    # -- PostgreSQL -----------------------------------------------------------------------------

    def start_postgres(self, *, init: bool = False) -> None:
        data = self.tmp / "pg"
        if init:
            os.chmod(self.tmp, 0o755)
            if os.geteuid() == 0:
                shutil.chown(self.tmp, "postgres")
            subprocess.run(
                _as_postgres(
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ),
                check=True,
                stdout=subprocess.DEVNULL,
            )
        options = (
            f"-p {self.pg_port} -k {self.tmp} -c listen_addresses=127.0.0.1 "
            "-c max_connections=100 -c shared_buffers=256MB"
        )
        subprocess.run(
            _as_postgres(
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(self.tmp / "postgres.log"),
                "-o",
                options,
                "-w",
                "start",
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.pg_running = True
        if init:
            subprocess.run(
                [
                    "createdb",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.pg_port),
                    "-U",
                    "postgres",
                    "bhxh_load",
                ],
                check=True,
            )

    def stop_postgres(self, *, mode: str = "fast") -> None:
        subprocess.run(
            _as_postgres(
                str(PG_BIN / "pg_ctl"), "-D", str(self.tmp / "pg"), "-m", mode, "-w", "stop"
            ),
            check=False,
            stdout=subprocess.DEVNULL,
        )
        self.pg_running = False

    def restart_postgres(self) -> None:
        self.stop_postgres()
        self.start_postgres()

    # -- Redis ----------------------------------------------------------------------------------

    def start_redis(self) -> None:
        self._spawn(
            "redis",
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
        )
        _wait(lambda: not _port_free(self.redis_port), what="redis-server")

    # -- web and worker -------------------------------------------------------------------------

    def manage(self, *args: str) -> None:
        subprocess.run(
            [str(VENV_BIN / "python"), "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start_web(self) -> None:
        self._spawn(
            "gunicorn",
            [
                str(VENV_BIN / "gunicorn"),
                "bhxh_dashboard.wsgi",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                str(self.web_workers),
                "--timeout",
                "60",
                "--graceful-timeout",
                "60",
                "--backlog",
                "2048",
            ],
            env=self.env(),
        )

        def healthy() -> bool:
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False

        _wait(healthy, what="gunicorn", timeout=60)

    def stop_web(self) -> None:
        """Graceful stop: requests already inside gunicorn finish; a save the load generator
        gave up on may still commit, and the checks must see it (they run after this)."""
        self.stop("gunicorn", timeout=90)

    def start_worker(self, name: str = "celery") -> None:
        log = self.tmp / f"{name}.log"
        offset = log.stat().st_size if log.exists() else 0
        self._spawn(
            name,
            [
                str(VENV_BIN / "celery"),
                "-A",
                "bhxh_dashboard",
                "worker",
                "-l",
                "info",
                "-c",
                str(self.celery_concurrency),
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"load-{time.monotonic_ns()}@%h",
            ],
            env=self.env(),
        )

        def ready() -> bool:
            with open(log, "rb") as f:
                f.seek(offset)
                return b"ready." in f.read()

        _wait(ready, what="the Celery worker", timeout=60)

    def worker_children(self, name: str = "celery") -> list[int]:
        """Pids of the Celery worker's pool processes (the prefork children)."""
        proc = self.procs[name]
        path = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []
