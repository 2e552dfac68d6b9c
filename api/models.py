"""API keys: stored as their SHA-256 only, with an expiry; the key itself is shown once."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


def key_hash(key: str) -> str:
    """What is stored of a key: a leaked table gives no usable key."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A user's key for the read-only API (one per user; a new one replaces it)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_token"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    # The key's first characters, so its owner can tell which key a system holds.
    prefix = models.CharField(max_length=8)
    created = models.DateTimeField()
    expires = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(expires__gt=F("created")),
                name="api_token_expires_after_created",
                violation_error_message=_("Khóa phải hết hạn sau lúc tạo."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
