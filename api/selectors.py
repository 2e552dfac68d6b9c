"""Reads for the API: a unit's progress rows, those of the units below it, a user's token."""

import datetime as dt

from django.contrib.auth.models import User
from django.db.models import QuerySet

from api.models import ApiToken, key_hash
from progress.models import Progress
from provinces.models import Level, Unit


def unit_progress(*, unit: Unit, year: int, month: int | None = None) -> QuerySet[Progress]:
    """The unit's rows for the year (or one month), oldest first."""
    rows = Progress.objects.filter(unit=unit, year=year)
    if month is not None:
        rows = rows.filter(month=month)
    return rows.select_related("unit").order_by("month")


def children_progress(*, unit: Unit, year: int, month: int, level: int) -> QuerySet[Progress]:
    """The rows of every unit of `level` below `unit` for one month, by code; none when no unit
    of that level is below it."""
    if level <= unit.level or level > Level.COMMUNE:
        return Progress.objects.none()
    rows = Progress.objects.filter(year=year, month=month, level=level)
    if level == unit.level + 1:
        rows = rows.filter(parent=unit)
    elif unit.level == Level.PROVINCE:
        rows = rows.filter(unit__province_id=unit.pk)
    elif unit.level == Level.DISTRICT:
        rows = rows.filter(unit__district_id=unit.pk)
    return rows.select_related("unit").order_by("unit__code")


def token_of(*, user: User) -> ApiToken | None:
    """The user's API token, if they have one (expired or not)."""
    return ApiToken.objects.filter(user=user).first()


def token_for_key(*, key: str, now: dt.datetime) -> ApiToken | None:
    """The unexpired token of this key, with its user; None for a wrong or expired key."""
    return (
        ApiToken.objects.select_related("user")
        .filter(key_hash=key_hash(key), expires__gt=now)
        .first()
    )
