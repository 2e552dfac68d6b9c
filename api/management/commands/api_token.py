"""Print a user's API token, creating it if needed (`--reset` replaces it)."""

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api import selectors, services


class Command(BaseCommand):
    help = "Print the API token of a user, creating it when missing."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--reset", action="store_true", help="Replace the existing token.")

    def handle(self, *args: Any, username: str, reset: bool, **options: Any) -> None:
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user {username!r}.") from None
        token = selectors.token_of(user=user)
        if reset or token is None:
            token = services.token_replace(user=user)
        self.stdout.write(token.key)
