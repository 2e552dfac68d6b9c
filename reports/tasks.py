"""Celery tasks of the reports app: thin, they load by id and call reports.pdf."""

from typing import Any

from celery import shared_task
from celery.signals import worker_process_init, worker_ready

from reports import pdf


@shared_task(acks_late=True)
def build_summary_pdf(pdf_id: int) -> None:
    """Build a queued summary PDF (nation, province or district)."""
    pdf.summary_pdf_build(pdf_id=pdf_id)


@worker_ready.connect
def _warm_kaleido_in_solo_worker(sender: object = None, **kwargs: Any) -> None:
    # The solo and threads pools run tasks in the worker process itself: start its one chart
    # browser now, so the first summary does not pay the ~3 s cold start.
    pool = getattr(getattr(sender, "pool_cls", None), "__module__", "") or ""
    if pool.endswith(("solo", "threads")):
        pdf.warm_up_charts()


@worker_process_init.connect
def _warm_kaleido_in_pool_process(**kwargs: Any) -> None:
    # A prefork child starts its own chart browser as soon as it is forked (never in the parent:
    # a browser thread does not survive fork()), so the first summary after a start is not the
    # slow one; every summary is built by the worker.
    pdf.warm_up_charts()
