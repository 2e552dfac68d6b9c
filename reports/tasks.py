"""Celery tasks of the reports app: thin, they load by id and call reports.pdf."""

from typing import Any

from celery import shared_task
from celery.signals import worker_ready

from reports import pdf


@shared_task(acks_late=True)
def build_summary_pdf(pdf_id: int) -> None:
    """Build a queued summary PDF (the national one: 63 provinces)."""
    pdf.summary_pdf_build(pdf_id=pdf_id)


@worker_ready.connect
def _warm_kaleido_in_solo_worker(sender: object = None, **kwargs: Any) -> None:
    # The solo and threads pools run tasks in the worker process itself: start its one chart
    # browser now, so the first summary does not pay the ~3 s cold start. A prefork child starts
    # its own at its first summary and keeps it (never in the parent: a browser thread does not
    # survive fork()), so children that never build a PDF hold no Chromium.
    pool = getattr(getattr(sender, "pool_cls", None), "__module__", "") or ""
    if pool.endswith(("solo", "threads")):
        pdf.warm_up_charts()
