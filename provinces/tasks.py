from celery import shared_task


@shared_task
def count_provinces() -> int:
    """A trivial task that needs both the broker and the database: used to check a worker."""
    from provinces.models import Unit

    return Unit.objects.provinces().count()
