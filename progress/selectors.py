"""Reads of the progress engine's state for pages."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.db.models import Count, F, Min, Q

from progress.models import RecomputeState
from provinces.models import Level, Unit

PENDING = Q(requested_at__isnull=False) & (
    Q(computed_at__isnull=True) | Q(requested_at__gt=F("computed_at"))
)


class Freshness(NamedTuple):
    """computed_at: the figures are as of this time; pending: a save waits for its recompute."""

    computed_at: dt.datetime | None
    pending: bool


def freshness(province: int | Unit, year: int) -> Freshness:
    """Freshness of a unit's figures: its province's (every province's for the nation). One query.

    Takes a province id or any unit. For the nation, computed_at is the oldest province's and
    pending is true when any province waits.
    """
    states = RecomputeState.objects.filter(year=year)
    if not isinstance(province, Unit):
        states = states.filter(province_id=province)
    elif province.level != Level.NATION:
        states = states.filter(province_id=province.province_id)
    summary = states.aggregate(oldest=Min("computed_at"), waiting=Count("id", filter=PENDING))
    return Freshness(summary["oldest"], summary["waiting"] > 0)
