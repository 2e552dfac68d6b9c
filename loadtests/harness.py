"""Shared by the rush and the fault scripts: command-line options, the stack, the data."""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from loadtests.stack import Stack

if TYPE_CHECKING:
    # Imported for real after django.setup(): prepare reads the models.
    from loadtests.prepare import RushData


def parser(
    description: str, *, duration: float, staff: int | None = None, officers: int = 200
) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--duration", type=float, default=duration, help="seconds of rush traffic")
    p.add_argument("--staff", type=int, default=staff, help="office staff (default: all ~340)")
    p.add_argument("--officers", type=int, default=officers, help="provincial officers browsing")
    p.add_argument("--web-workers", type=int, default=3, help="gunicorn workers")
    p.add_argument("--pg-port", type=int, default=5440)
    p.add_argument("--redis-port", type=int, default=6390)
    p.add_argument("--web-port", type=int, default=8100)
    p.add_argument("--keep", action="store_true", help="keep the temporary directory and logs")
    return p


@contextlib.contextmanager
def rush_stack(args: argparse.Namespace) -> Iterator[tuple[Stack, RushData]]:
    """Start PostgreSQL and Redis, prepare the data, start gunicorn and the worker; stop all."""
    stack = Stack(
        pg_port=args.pg_port,
        redis_port=args.redis_port,
        web_port=args.web_port,
        web_workers=args.web_workers,
        keep=args.keep,
    )
    with stack:
        started = time.perf_counter()
        stack.configure_this_process()
        import django

        django.setup()
        from loadtests.prepare import prepare

        data = prepare(officers=args.officers)
        stack.start_web()
        stack.start_worker()
        print(
            f"stack up in {time.perf_counter() - started:.0f} s: gunicorn x{stack.web_workers} on "
            f"{stack.base_url}, Celery worker -c {stack.celery_concurrency}, PostgreSQL "
            f":{stack.pg_port}, Redis :{stack.redis_port} (in {stack.tmp})",
            flush=True,
        )
        from loadtests.loadgen import probe

        print(probe(data, stack.base_url), flush=True)
        try:
            yield stack, data
        except BaseException:
            for name in ("gunicorn", "celery"):
                print(f"--- last lines of {name}.log ---\n{stack.log_tail(name)}")
            raise
