import time
from argparse import ArgumentParser
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from targets.demo import (
    DEMO_PASSWORD,
    demo_loaded,
    load_demo,
    load_demo_today,
    today_demo_loaded,
    today_demo_provinces,
    why_not_a_demo_database,
)


class Command(BaseCommand):
    help = (
        "Load the seeded demo (Bắc Giang 2023 and a few provinces; today's Bắc Ninh, Lạng Sơn and "
        "Đồng Tháp up to the latest closed month) and the demo users."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the demo users exist already (keeps data entered since); a "
            "demo loaded before it had today's map gets only today's part, once.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even into a database that is not the demo's (users of its own, or a "
            "production site's PostgreSQL): the demo users' password is published.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["if_empty"] and demo_loaded():
            if today_demo_loaded() or not today_demo_provinces():
                self.stdout.write("demo already loaded; kept as it is")
                return
            self.stdout.write("demo already loaded; adding today's map to it")
            _refuse_unless_demo_database(force=options["force"])
            result = load_demo_today()
        else:
            _refuse_unless_demo_database(force=options["force"])
            result = load_demo()
        self.stdout.write(f"monthly counts {result.counts}, targets {result.targets}")
        recompute = _recompute_function()
        if recompute:
            recompute()
            self.stdout.write("progress figures recomputed")
        for username, role in result.users:
            self.stdout.write(f"user {username:10} password {DEMO_PASSWORD}  ({role})")
        self.stdout.write(f"done in {time.perf_counter() - started:.1f} s")


def _recompute_function() -> Callable[[], list[int]] | None:
    """The progress engine's full recompute, once it exists."""
    try:
        from progress.services import recompute_all
    except ImportError:
        return None
    return recompute_all


def _refuse_unless_demo_database(*, force: bool) -> None:
    reason = None if force else why_not_a_demo_database()
    if reason:
        raise CommandError(
            f"Not loading the demo: {reason}. Its users' password ({DEMO_PASSWORD}) is "
            "published; --force loads it all the same."
        )
