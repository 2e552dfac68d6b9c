"""Recomputing the progress table. (Stub: the progress-engine work fills it in.)"""

from django.db import transaction
from django.utils import timezone

from progress.models import RecomputeState


def request_recompute(*, province_id: int, year: int) -> None:
    """Mark a province-year as changed and queue its recompute once the transaction commits.

    Call it inside the transaction that saved counts or targets.
    """
    RecomputeState.objects.update_or_create(
        province_id=province_id, year=year, defaults={"requested_at": timezone.now()}
    )

    def enqueue():
        from progress.tasks import recompute_province

        recompute_province.delay(province_id, year)

    transaction.on_commit(enqueue)


def recompute_province(*, province_id: int, year: int) -> None:
    """Recompute every progress row of one province (and the nation) for one year."""
    raise NotImplementedError


def recompute_all(*, year: int | None = None) -> None:
    """Recompute every province for a year (every year with data when None)."""
    raise NotImplementedError
