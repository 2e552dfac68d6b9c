"""Celery tasks: thin wrappers that call the services and retry on transient database errors."""

from typing import Any

from celery import shared_task
from django.db import OperationalError

from progress import services

# ignore_result: nobody reads these results, and storing them made every save wait on Redis
# (about 20 s of retries) while Redis was down (loadtests/faults/redis_outage.py).
RETRY: dict[str, Any] = {
    "ignore_result": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**RETRY)
def recompute_province(province_id: int, year: int) -> bool:
    """Recompute one province-year unless a recompute since the last save covered it already.

    Returns whether it ran (False: coalesced into an earlier recompute of the same burst).
    """
    result = services.recompute_province(province_id=province_id, year=year, only_if_pending=True)
    return not result.skipped


@shared_task(**RETRY)
def recompute_all(year: int | None = None) -> list[int]:
    """The nightly full recompute (Celery beat): every year, every province."""
    return services.recompute_all(year=year)
