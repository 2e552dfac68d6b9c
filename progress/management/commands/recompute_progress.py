import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from progress import services
from provinces.models import Unit


class Command(BaseCommand):
    help = "Recompute the progress table now, in this process (every year and province by default)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--year", type=int, help="Only this year.")
        parser.add_argument("--province", help="Only this province, by its code (e.g. 24).")

    def handle(
        self, *args: Any, year: int | None = None, province: str | None = None, **options: Any
    ) -> None:
        started = time.perf_counter()
        if province is None:
            years = services.recompute_all(year=year)
            done = f"every province, years {', '.join(map(str, years)) or '(none)'}"
        else:
            unit = Unit.objects.provinces().filter(code=province.zfill(2)).first()
            if unit is None:
                raise CommandError(f"No province with the code {province!r}.")
            years = services.years_with_data(province_id=unit.pk) if year is None else [year]
            for each in years:
                services.recompute_province(province_id=unit.pk, year=each)
            done = f"{unit.name}, years {', '.join(map(str, years)) or '(none)'}"
        self.stdout.write(f"recomputed {done} in {time.perf_counter() - started:.2f} s")
