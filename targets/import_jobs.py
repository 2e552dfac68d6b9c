"""What the import pages keep between requests, and the import of a large file by the worker.

Every kind of file the pages import (counts, targets, and any other built on
`targets.io_views._import_page`) is named in IMPORTERS: how to check a file (a Preview, nothing
written) and how to write a checked one. A small file is checked in the web request. A file of
more than settings.IMPORT_WORKER_ROWS lines (about two seconds of checking) is read, checked and,
when the person presses "Import", written by the Celery worker (`targets.tasks.run_import_job`),
so that no web process spends a minute and a few hundred megabytes on it:

- the upload is kept in the cache, compressed, one per user (a new upload replaces it, and a job
  still running for the old one stops at its next progress report);
- the job reports the rows it has read, and the page (`?cho=<token>`) shows them, polling the
  same URL for JSON as the PDF box does (static/js/import_status.js);
- its time is bounded by Celery's soft and hard time limits, given with each job (the prefork
  pool the worker runs enforces them): past the soft one the job stops with a message, past the
  hard one the pool kills the process and the page, seeing the job silent past that time, says
  the same; nothing is written either way (a commit runs in one transaction);
- its memory is bounded by the address space of the process running it (RLIMIT_AS, lowered to
  what the process had at the start plus settings.IMPORT_WORKER_MEMORY_MB for the job, then put
  back): past it, allocations fail with MemoryError, which the job reports. Celery's
  `worker_max_memory_per_child` would not do: it replaces a pool process only after its task
  has finished, however much the task took meanwhile. A container's memory limit would kill the
  whole worker, PDF builds included;
- the job is acknowledged when received (not late, unlike the other tasks): a job whose process
  died is not run again and again, the page says it stopped.

When it is done, the page shows the same preview as for a small file (from a digest of it: the
summary, the problem lines listed, the rest in the file to download) and, for a committed file,
the same message on the page it returns to.
"""

from __future__ import annotations

import contextlib
import logging
import resource
import secrets
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from bhxh_dashboard.formatting import number as number_text
from provinces.access import get_visible_entry_group_or_404
from targets import exports
from targets.imports import (
    Column,
    ImportFileError,
    ImportRefused,
    ImportResult,
    Preview,
    Row,
    commit_counts,
    commit_targets,
    preview_counts,
    preview_targets,
    reading_progress,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

PREVIEW_TTL = 60 * 60  # an hour to look at the preview and press "Import"
PROBLEMS_TTL = 15 * 60  # the full list of a file's problems, to download from its preview
JOB_TTL = 60 * 60  # a job's file and state
QUEUE_PATIENCE = 5 * 60  # a job no worker has taken by then is reported as not started
# Beyond this many rows the preview lists only the rows with something to say, and of those
# only the first MAX_LISTED_PROBLEMS (the rest are in a file to download).
FULL_LISTING_ROWS = 300
MAX_LISTED_PROBLEMS = 200


@dataclass(frozen=True)
class Importer:
    """A kind of file: `preview(data, filename, user, scope)` reads and checks it for the page
    of `scope` (the url code of the grid or unit), `commit(preview, user)` writes it."""

    preview: Callable[[bytes, str, User, str], Preview]
    commit: Callable[[Preview, User], ImportResult]


def _preview_counts(data: bytes, name: str, user: User, scope: str) -> Preview:
    return preview_counts(data, name, user=user, group=get_visible_entry_group_or_404(user, scope))


IMPORTERS: dict[str, Importer] = {
    "counts": Importer(_preview_counts, lambda p, user: commit_counts(p, user=user)),
    "targets": Importer(
        lambda data, name, user, scope: preview_targets(data, name, user=user),
        lambda p, user: commit_targets(p, user=user),
    ),
}


# ---------------------------------------------------------------------------------------------
# The preview kept until "Import" (one per user), and the list of a file's problems


def preview_key(user_id: int) -> str:
    # One stored preview per user: a new upload replaces the last one.
    return f"import:{user_id}"


def problems_key(user_id: int) -> str:
    return f"import-problems:{user_id}"


def stash(user_id: int, kind: str, scope: str, name: str, data: bytes) -> str:
    """Keep a committable file (compressed) until "Import" is pressed, under a token for this
    user's page."""
    token = secrets.token_urlsafe(16)
    cache.set(
        preview_key(user_id),
        {
            "token": token,
            "user": user_id,
            "kind": kind,
            "scope": scope,
            "name": name,
            "data": zlib.compress(data, 6),
        },
        PREVIEW_TTL,
    )
    return token


def unstash(user_id: int, kind: str, scope: str, token: str) -> tuple[str, bytes] | None:
    """The kept file's name and bytes, when `token` is this user's page's; else None."""
    stored = cache.get(preview_key(user_id)) if token else None
    if (
        not stored
        or not secrets.compare_digest(stored.get("token", ""), token)
        or stored["user"] != user_id
        or stored["kind"] != kind
        or stored.get("scope") != scope
    ):
        return None
    return stored["name"], zlib.decompress(stored["data"])


def keep_problems(user_id: int, kind: str, scope: str, preview: Preview) -> int:
    """The file's lines with an error or a warning, kept a short while as a CSV to download
    when the page lists only the first ones; their number."""
    problems = [row for row in preview.rows if row.status in ("error", "warning")]
    if len(problems) > MAX_LISTED_PROBLEMS:
        data = exports.write_problems(preview.columns, problems)
        cache.set(
            problems_key(user_id),
            {"kind": kind, "scope": scope, "data": zlib.compress(data)},
            PROBLEMS_TTL,
        )
    return len(problems)


def rows_listed(preview: Preview) -> list[Row]:
    """The rows the page lists: all of a short file, else the first problem lines."""
    if len(preview.rows) <= FULL_LISTING_ROWS:
        return preview.rows
    return [row for row in preview.rows if row.status in ("error", "warning")][:MAX_LISTED_PROBLEMS]


@dataclass
class PreviewDigest:
    """What the preview page shows of a file the worker checked (its rows stay in the worker)."""

    kind: str
    columns: tuple[Column, ...]
    summary: dict[str, int]
    has_errors: bool
    row_count: int
    to_write: int
    rows_listed: list[Row] = field(default_factory=list)
    problem_count: int = 0

    @classmethod
    def of(cls, preview: Preview, problem_count: int) -> PreviewDigest:
        return cls(
            kind=preview.kind,
            columns=preview.columns,
            summary=preview.summary,
            has_errors=preview.has_errors,
            row_count=len(preview.rows),
            to_write=len(preview.rows_to_write),
            rows_listed=rows_listed(preview),
            problem_count=problem_count,
        )


# ---------------------------------------------------------------------------------------------
# Jobs for the worker


def job_key(user_id: int) -> str:
    return f"import-job:{user_id}"


def job_state_key(user_id: int) -> str:
    return f"import-job-state:{user_id}"


def start_job(
    user: User, *, kind: str, scope: str, name: str, data: bytes, commit: bool = False
) -> str:
    """Keep the file for the worker (replacing this user's previous job) and queue its job once
    the request's transaction commits; the job's token."""
    from targets.tasks import run_import_job

    token = secrets.token_urlsafe(16)
    now = time.time()
    cache.set(
        job_key(user.pk),
        {
            "token": token,
            "kind": kind,
            "scope": scope,
            "name": name,
            "data": zlib.compress(data, 1),
            "commit": commit,
            "language": translation.get_language() or settings.LANGUAGE_CODE,
        },
        JOB_TTL,
    )
    soft, hard = settings.IMPORT_WORKER_SECONDS, settings.IMPORT_WORKER_SECONDS + 30
    _set_state(
        user.pk,
        {
            "token": token,
            "kind": kind,
            "scope": scope,
            "name": name,
            "commit": commit,
            "state": "queued",
            "rows": 0,
            "queued_at": now,
            "started_at": None,
            "soft_limit": soft,
            "hard_limit": hard,
        },
    )
    memory = settings.IMPORT_WORKER_MEMORY_MB
    transaction.on_commit(
        lambda: run_import_job.apply_async(
            (user.pk, token, memory), soft_time_limit=soft, time_limit=hard
        )
    )
    return token


def job_state(user_id: int, kind: str, scope: str, token: str) -> dict[str, Any] | None:
    """This user's job for this page, when `token` names it; a job silent past its hard time
    limit (its process was killed) is reported as stopped."""
    state = cache.get(job_state_key(user_id)) if token else None
    if (
        not state
        or not secrets.compare_digest(state["token"], token)
        or state["kind"] != kind
        or state["scope"] != scope
    ):
        return None
    started = state.get("started_at")
    if state["state"] == "queued" and time.time() > state["queued_at"] + QUEUE_PATIENCE:
        error = _("Máy chủ xử lý nền chưa nhận tệp sau %(n)s phút; chưa ghi gì. Hãy thử lại sau.")
        state = {**state, "state": "failed", "error": error % {"n": QUEUE_PATIENCE // 60}}
    if (
        state["state"] not in ("done", "failed")
        and started is not None
        and time.time() > started + state["hard_limit"] + 5
    ):
        state = {**state, "state": "failed", "error": too_slow_message(state["soft_limit"])}
    return state


def _set_state(user_id: int, state: dict[str, Any]) -> None:
    cache.set(job_state_key(user_id), state, JOB_TTL)


def too_slow_message(seconds: int) -> str:
    return _(
        "Tệp cần hơn %(n)s giây để đọc và kiểm tra nên đã dừng; chưa ghi gì. "
        "Hãy chia tệp thành nhiều tệp nhỏ hơn rồi tải lên lại."
    ) % {"n": number_text(seconds)}


def too_large_message() -> str:
    return _(
        "Tệp cần quá nhiều bộ nhớ để đọc và kiểm tra nên đã dừng; chưa ghi gì. "
        "Hãy chia tệp thành nhiều tệp nhỏ hơn rồi tải lên lại."
    )


class _Superseded(Exception):
    """A newer upload replaced this job: it stops, writing nothing."""


@contextlib.contextmanager
def limited_address_space(extra_mb: int | None) -> Iterator[None]:
    """The process may map `extra_mb` more than it has now, until the block ends (then the
    limit is put back). None: no limit (a job run in the web process itself, without a worker:
    its other threads must not feel it)."""
    if extra_mb is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:
        mapped = int(statm.read().split()[0]) * resource.getpagesize()
    limit = mapped + extra_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def run_job(user_id: int, token: str, *, memory_mb: int | None) -> None:
    """The worker's part (targets.tasks.run_import_job): read and check the user's kept file,
    keep a digest of the preview for the page (and the file, when it can be imported), or
    write it when asked to; every outcome ends in the job's state."""
    from celery.exceptions import SoftTimeLimitExceeded
    from django.contrib.auth import get_user_model

    spec = cache.get(job_key(user_id))
    state = cache.get(job_state_key(user_id))
    if not spec or spec["token"] != token or not state or state["token"] != token:
        return  # replaced by a newer upload, or expired
    state.update(state="reading", started_at=time.time())
    _set_state(user_id, state)

    def progress(rows: int, finished: bool) -> None:
        current = cache.get(job_state_key(user_id))
        if not current or current["token"] != token:
            raise _Superseded
        state.update(rows=rows, state="checking" if finished else "reading")
        _set_state(user_id, state)

    user = get_user_model().objects.select_related("profile").get(pk=user_id)
    importer = IMPORTERS[spec["kind"]]
    outcome: dict[str, Any]
    with translation.override(spec["language"]):
        reset = reading_progress.set(progress)
        try:
            with limited_address_space(memory_mb):
                outcome = _check_or_write(user, token, spec, importer)
        except _Superseded:
            return
        except ImportFileError as exc:
            outcome = {"state": "failed", "error": str(exc)}
        except SoftTimeLimitExceeded:
            outcome = {"state": "failed", "error": too_slow_message(state["soft_limit"])}
        except MemoryError:
            outcome = {"state": "failed", "error": too_large_message()}
        except Exception:
            logger.exception("import job of user %s failed", user_id)
            outcome = {
                "state": "failed",
                "error": _("Máy chủ không đọc được tệp do một lỗi; chưa ghi gì. Hãy thử lại sau."),
            }
        finally:
            reading_progress.reset(reset)
    current = cache.get(job_state_key(user_id))
    if not current or current["token"] != token:
        return
    if outcome["state"] == "failed":
        cache.delete(preview_key(user_id))
    state.update(outcome)
    _set_state(user_id, state)
    cache.delete(job_key(user_id))  # the file is kept only as a committable preview


def _check_or_write(
    user: User, token: str, spec: dict[str, Any], importer: Importer
) -> dict[str, Any]:
    kind, scope, name = spec["kind"], spec["scope"], spec["name"]
    data = zlib.decompress(spec["data"])
    preview = importer.preview(data, name, user, scope)
    if spec["commit"] and not preview.has_errors and preview.rows_to_write:
        try:
            result = importer.commit(preview, user)
        except ImportRefused as exc:
            return {
                "state": "done",
                "digest": PreviewDigest.of(preview, keep_problems(user.pk, kind, scope, preview)),
                "commit_errors": exc.messages,
                "preview_token": token_of_kept(user.pk),
            }
        cache.delete(preview_key(user.pk))
        months = sorted(
            {(r.checked_year, r.checked_month) for r in preview.rows_to_write if r.month}
        )
        return {
            "state": "done",
            "committed": {
                "written": result.created + result.updated,
                "unchanged": result.unchanged,
                "months": months,
            },
        }
    preview_token = ""
    if not preview.has_errors and preview.rows_to_write:
        preview_token = stash(user.pk, kind, scope, name, data)
    else:
        cache.delete(preview_key(user.pk))
    return {
        "state": "done",
        "digest": PreviewDigest.of(preview, keep_problems(user.pk, kind, scope, preview)),
        "preview_token": preview_token,
    }


def token_of_kept(user_id: int) -> str:
    stored = cache.get(preview_key(user_id))
    return stored["token"] if stored else ""
