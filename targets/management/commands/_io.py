"""What the import and export commands share: who acts, and how a checked file is reported."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from targets.imports import Preview

SHOWN_PROBLEMS = 50


def acting_user(username: str) -> User:
    """Imports are written in someone's name (the audit says who); access is checked for them."""
    try:
        return get_user_model().objects.select_related("profile").get(username=username)
    except get_user_model().DoesNotExist:
        raise CommandError(f"No user {username!r}.") from None


def report(command: BaseCommand, preview: Preview) -> None:
    summary = preview.summary
    command.stdout.write(
        f"{len(preview.rows)} rows: {summary['ok']} fine, {summary['warning']} with warnings, "
        f"{summary['error']} with errors, {summary['unchanged']} unchanged, "
        f"{summary['empty']} blank"
    )
    problems = [row for row in preview.rows if row.errors or row.warnings]
    for row in problems[:SHOWN_PROBLEMS]:
        label = "ERROR" if row.errors else "warning"
        command.stdout.write(f"  line {row.line}: {label}: {' '.join(row.messages)}")
    if len(problems) > SHOWN_PROBLEMS:
        command.stdout.write(f"  ... and {len(problems) - SHOWN_PROBLEMS} more")
