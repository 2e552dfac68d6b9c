"""Celery tasks of the targets app: thin, the work is in targets.import_jobs."""

from celery import shared_task

from targets import import_jobs


# Acknowledged on receipt: a job whose process died (killed at its hard time limit, or out of
# memory) is not delivered again; its page says it stopped. The time limits come with each job.
@shared_task(bind=True, acks_late=False)
def run_import_job(self: object, user_id: int, token: str, memory_mb: int) -> None:
    """Read, check (and when asked, write) a large import file a user uploaded."""
    eager = bool(getattr(getattr(self, "request", None), "is_eager", False))
    # Run in the web process itself (no worker configured): never limit that process's memory.
    import_jobs.run_job(user_id, token, memory_mb=None if eager else memory_mb)
