"""Writes for the API: a user's token."""

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from api.models import ApiToken, key_hash
from bhxh_dashboard import clock


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its key: the key exists only here, to be shown once."""

    token: ApiToken
    key: str


@transaction.atomic
def token_replace(*, user: User) -> IssuedToken:
    """A new key for the user, valid API_TOKEN_DAYS; the old one, if any, stops working at once."""
    ApiToken.objects.filter(user=user).delete()
    key = secrets.token_hex(20)
    created = clock.now()
    token = ApiToken.objects.create(
        user=user,
        key_hash=key_hash(key),
        prefix=key[:8],
        created=created,
        expires=created + dt.timedelta(days=settings.API_TOKEN_DAYS),
    )
    return IssuedToken(token=token, key=key)
