"""Export the counts (or targets) of a unit's subtree for a range of years, as CSV or Excel.

The file has the columns the import reads, so it can be edited and imported back. It begins with
the title block the pages' export writes (unit, period, map, when, by whom), which the import
skips; "by whom" is `--user`'s name, else the command and the system account that ran it.
"""

import getpass
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from bhxh_dashboard import clock
from bhxh_dashboard.formatting import user_label
from provinces.access import unit_by_url_code
from provinces.models import Unit
from provinces.selectors import map_label
from targets import exports
from targets.management.commands._io import acting_user


class Command(BaseCommand):
    help = "Export counts or targets of a unit (vn, p24, d218, ...) for a range of years."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("unit", help='url_code of the unit: "vn", "p24", "d218", ...')
        parser.add_argument("--from-year", type=int, required=True)
        parser.add_argument("--to-year", type=int)
        parser.add_argument("--targets", action="store_true", help="Targets instead of counts.")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("-o", "--output", type=Path, help="File to write (default: stdout).")
        parser.add_argument(
            "--user", help="Whose name the title block gives as exporting (default: the command)."
        )

    def handle(
        self,
        *args: Any,
        unit: str,
        from_year: int,
        to_year: int | None,
        targets: bool,
        format: str,
        output: Path | None,
        user: str | None = None,
        **options: Any,
    ) -> None:
        translation.activate("vi")
        try:
            scope = unit_by_url_code(unit)
        except (Http404, Unit.DoesNotExist):
            raise CommandError(f"No unit {unit!r}.") from None
        year_to = max(to_year or from_year, from_year)
        kind = "targets" if targets else "counts"
        rows_of = exports.target_rows if targets else exports.count_rows
        # The same block as the pages' export (targets.io_views._export): the period written
        # "2022–2023", or one year.
        period = str(from_year) if year_to == from_year else f"{from_year}–{year_to}"
        title = exports.FileTitle(
            unit=scope.full_name,
            period=period,
            map=map_label(scope),
            by=user_label(acting_user(user))
            if user
            else _("Lệnh export_counts (%(account)s)") % {"account": _system_account()},
            generated_at=clock.now(),
        )
        data, _type = exports.render(
            kind,
            format,
            rows_of(scope=scope, year_from=from_year, year_to=year_to),
            title=title,
        )
        if output is None:
            sys.stdout.buffer.write(data)
        else:
            output.write_bytes(data)
            self.stderr.write(f"Wrote {output} ({len(data):,} bytes).")


def _system_account() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for the process's uid (a bare container)
        return "?"
