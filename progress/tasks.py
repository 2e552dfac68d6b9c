from celery import shared_task

from progress import services


@shared_task
def recompute_province(province_id: int, year: int) -> None:
    services.recompute_province(province_id=province_id, year=year)
