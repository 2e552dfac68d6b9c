"""`Authorization: Token <key>` checked against the stored hashes and their expiry."""

from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from api import selectors
from api.models import ApiToken
from bhxh_dashboard import clock


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's token header, read against ApiToken (hashed, expiring) instead of authtoken."""

    keyword = "Token"

    def authenticate_credentials(self, key: Any) -> tuple[User, ApiToken]:
        token = selectors.token_for_key(key=str(key), now=clock.now())
        if token is None:
            raise AuthenticationFailed(_("Khóa API không đúng hoặc đã hết hạn."))
        if not token.user.is_active:
            raise AuthenticationFailed(_("Tài khoản đã bị khóa."))
        return token.user, token
