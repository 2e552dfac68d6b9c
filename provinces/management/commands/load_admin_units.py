import time
from typing import Any

from django.core.management.base import BaseCommand

from provinces.loader import load_admin_units, load_new_map
from provinces.models import Level


class Command(BaseCommand):
    help = (
        "Load or update both maps (idempotent): the 63 provinces, 696 districts and 10,051 "
        "communes in force until 30/06/2025, today's 34 provinces and 3,321 communes, and the "
        "crosswalk between them."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        old = load_admin_units()
        self.stdout.write("map until 30/06/2025:")
        for level in (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE):
            self.stdout.write(
                f"  {Level(level).name.lower():9} total {old.total[level]:6}  "
                f"created {old.created[level]:6}  updated {old.updated[level]:6}"
            )
        new = load_new_map()
        self.stdout.write("map from 01/07/2025:")
        for level in (Level.PROVINCE, Level.COMMUNE):
            self.stdout.write(
                f"  {Level(level).name.lower():9} total {new.total[level]:6}  "
                f"created {new.created[level]:6}  updated {new.updated[level]:6}"
            )
        self.stdout.write(f"crosswalk: {new.successions} old -> new links")
        self.stdout.write(f"done in {time.perf_counter() - started:.1f} s")
