"""Import a CSV or Excel file of monthly counts (any number of provinces and months).

The same checks and the same service as the page: all or nothing, audited as source "import",
the recompute of each touched province-year queued. `--reopen-closed` loads history: closed
months are reopened first (month_reopen, audited), which only superusers and the province's
officers may do.
"""

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from targets.imports import ImportFileError, ImportRefused, commit_counts, preview_counts
from targets.management.commands._io import acting_user, report


class Command(BaseCommand):
    help = "Import monthly counts from a CSV or .xlsx file, all or nothing."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="Who imports (access and audit).")
        parser.add_argument(
            "--reopen-closed",
            action="store_true",
            help="Reopen closed months first (loading history).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")

    def handle(
        self,
        *args: Any,
        file: Path,
        user: str,
        reopen_closed: bool,
        dry_run: bool,
        **options: Any,
    ) -> None:
        translation.activate("vi")
        acting = acting_user(user)
        started = time.perf_counter()
        try:
            preview = preview_counts(
                file.read_bytes(), file.name, user=acting, reopen_closed=reopen_closed
            )
        except (ImportFileError, OSError) as exc:
            raise CommandError(str(exc)) from None
        report(self, preview)
        self.stdout.write(f"Checked in {time.perf_counter() - started:.1f} s.")
        if preview.has_errors:
            raise CommandError("The file has errors: nothing was written.")
        if dry_run:
            self.stdout.write("Dry run: nothing written.")
            return
        started = time.perf_counter()
        try:
            result = commit_counts(preview, user=acting, reopen_closed=reopen_closed)
        except ImportRefused as exc:
            raise CommandError("Nothing was written: " + "; ".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.months} months: {result.created} created, "
                f"{result.updated} updated, {result.unchanged} unchanged, "
                f"in {time.perf_counter() - started:.1f} s."
            )
        )
