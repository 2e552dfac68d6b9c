"""Reads of the progress engine's state: which province-years wait for their recompute.

What a page shows of it ("figures as of", pending) is progress.readings.freshness."""

from __future__ import annotations

from django.db.models import F, Q

PENDING = Q(requested_at__isnull=False) & (
    Q(computed_at__isnull=True) | Q(requested_at__gt=F("computed_at"))
)
