import time
from typing import Any

from django.core.management.base import BaseCommand

from provinces.loader import load_admin_units
from provinces.models import Level


class Command(BaseCommand):
    help = "Load or update the 63 provinces, 696 districts and 10,051 communes (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        result = load_admin_units()
        for level in (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE):
            self.stdout.write(
                f"{Level(level).name.lower():9} total {result.total[level]:6}  "
                f"created {result.created[level]:6}  updated {result.updated[level]:6}"
            )
        self.stdout.write(f"done in {time.perf_counter() - started:.1f} s")
