"""Import a CSV or Excel file of yearly targets: the page's checks and service, all or nothing."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from targets.imports import ImportFileError, ImportRefused, commit_targets, preview_targets
from targets.management.commands._io import acting_user, report


class Command(BaseCommand):
    help = "Import yearly targets from a CSV or .xlsx file, all or nothing."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="Who imports (access and audit).")
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")

    def handle(self, *args: Any, file: Path, user: str, dry_run: bool, **options: Any) -> None:
        translation.activate("vi")
        acting = acting_user(user)
        try:
            preview = preview_targets(file.read_bytes(), file.name, user=acting)
        except (ImportFileError, OSError) as exc:
            raise CommandError(str(exc)) from None
        report(self, preview)
        if preview.has_errors:
            raise CommandError("The file has errors: nothing was written.")
        if dry_run:
            self.stdout.write("Dry run: nothing written.")
            return
        try:
            result = commit_targets(preview, user=acting)
        except ImportRefused as exc:
            raise CommandError("Nothing was written: " + "; ".join(exc.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"Imported targets: {result.updated} changed."))
