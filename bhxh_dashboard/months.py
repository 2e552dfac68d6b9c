"""The reporting calendar: cut-off days and month arithmetic, in one place for every app."""

import datetime as dt

from django.conf import settings


def cutoff_date(year: int, month: int) -> dt.date:
    """Counts are cut off on the 25th; December closes the year on the 31st (DOMAIN.md)."""
    return dt.date(year, 12, 31) if month == 12 else dt.date(year, month, 25)


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def latest_reportable_month(today: dt.date) -> tuple[int, int]:
    """The most recent month whose cut-off day has come (on 24/12 that is November: December's
    cut-off is the 31st)."""
    year, month = today.year, today.month
    if today < cutoff_date(year, month):
        year, month = previous_month(year, month)
    return year, month


def months_before(year: int, month: int, count: int) -> list[tuple[int, int]]:
    """The `count` months before (year, month), the nearest first."""
    months, period = [], (year, month)
    for _i in range(count):
        period = previous_month(*period)
        months.append(period)
    return months


def closes_on(year: int, month: int) -> dt.date:
    """The last day a month can be entered without a reopening: its cut-off plus
    MONTH_CLOSE_AFTER_DAYS (read at call time, so tests can change it)."""
    return cutoff_date(year, month) + dt.timedelta(days=settings.MONTH_CLOSE_AFTER_DAYS)
