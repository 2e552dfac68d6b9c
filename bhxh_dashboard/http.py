"""Request types for the views' type hints."""

from django.contrib.auth.models import User
from django.http import HttpRequest


class SignedInRequest(HttpRequest):
    """The request of a login_required view: its user is signed in, never AnonymousUser."""

    user: User
