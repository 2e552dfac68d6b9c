"""Print a new API key for a user (`--reset` replaces a valid one; keys are stored hashed, so
an existing key cannot be printed again)."""

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api import selectors, services
from bhxh_dashboard import clock


class Command(BaseCommand):
    help = "Print a new API key for a user (stored hashed: shown only now)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--reset", action="store_true", help="Replace the existing token.")

    def handle(self, *args: Any, username: str, reset: bool, **options: Any) -> None:
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user {username!r}.") from None
        token = selectors.token_of(user=user)
        if token is not None and token.expires > clock.now() and not reset:
            raise CommandError(
                f"{username} has a key already ({token.prefix}…, valid until "
                f"{token.expires:%d/%m/%Y}); only its hash is stored, so it cannot be shown "
                "again. --reset makes a new one (the old one stops working)."
            )
        self.stdout.write(services.token_replace(user=user).key)
