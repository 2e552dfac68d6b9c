"""Export the counts (or targets) of a unit's subtree for a range of years, as CSV or Excel.

The file has the columns the import reads, so it can be edited and imported back.
"""

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils import translation

from provinces.access import unit_by_url_code
from provinces.models import Unit
from targets import exports


class Command(BaseCommand):
    help = "Export counts or targets of a unit (vn, p24, d218, ...) for a range of years."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("unit", help='url_code of the unit: "vn", "p24", "d218", ...')
        parser.add_argument("--from-year", type=int, required=True)
        parser.add_argument("--to-year", type=int)
        parser.add_argument("--targets", action="store_true", help="Targets instead of counts.")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("-o", "--output", type=Path, help="File to write (default: stdout).")

    def handle(
        self,
        *args: Any,
        unit: str,
        from_year: int,
        to_year: int | None,
        targets: bool,
        format: str,
        output: Path | None,
        **options: Any,
    ) -> None:
        translation.activate("vi")
        try:
            scope = unit_by_url_code(unit)
        except (Http404, Unit.DoesNotExist):
            raise CommandError(f"No unit {unit!r}.") from None
        kind = "targets" if targets else "counts"
        rows_of = exports.target_rows if targets else exports.count_rows
        data, _type = exports.render(
            kind, format, rows_of(scope=scope, year_from=from_year, year_to=to_year or from_year)
        )
        if output is None:
            sys.stdout.buffer.write(data)
        else:
            output.write_bytes(data)
            self.stderr.write(f"Wrote {output} ({len(data):,} bytes).")
