"""Redis memory taken by import previews (issue 16: ten previews took Redis from 1 to 101 MB).

    DATABASE_URL=... REDIS_URL=redis://127.0.0.1:6379/N .venv/bin/python scripts/bench_redis_previews.py

On a database with the demo loaded, uploads files of the largest size allowed (just under the
10 MB upload limit) to Lục Nam's counts import page through Django's test client, ten times per
case, and prints Redis's `used_memory` before and after each case and what the import keys hold
(`MEMORY USAGE` of each `import*` key). A file of more than IMPORT_WORKER_ROWS lines is checked
by the worker's job: this script runs each job itself right after its upload, as the worker would,
so what is measured is what stays in Redis once the previews are on screen.

Cases: one user previews ten times a 10 MB file with errors (200,000 lines of one month, all
repeated: the issue's attack; nothing can be imported from it); one user previews ten times a
10 MB file that can be imported (Lục Nam's June 2023 and its stored months back to 2022 as
unchanged lines, each with a notes column of random text, which compresses worst); ten users
(temporary superusers, deleted after) each preview that file once. `used_memory` is the whole
Redis server's: other databases on it move it too, the keys' own figure does not.
"""

from __future__ import annotations

import base64
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bhxh_dashboard.settings")
os.environ.setdefault("HTTPS", "0")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.test import Client  # noqa: E402

from bhxh_dashboard.celery import app  # noqa: E402
from bhxh_dashboard.uploads import MAX_UPLOAD_BYTES  # noqa: E402
from provinces.models import Level, Unit  # noqa: E402
from targets import import_jobs  # noqa: E402
from targets.models import MonthlyCount  # noqa: E402

URL = "/nhap-lieu/nhap-tep/so-lieu/d218/"
HEADER = "Mã xã;Tên xã;Năm;Tháng;Số người tham gia;Phát triển mới"
LIMIT = MAX_UPLOAD_BYTES - 64 * 1024  # the largest allowed, with room for the form's parts


def redis():
    return cache._cache.get_client(write=True)


def used_mb() -> float:
    return redis().info("memory")["used_memory"] / 1e6


def import_keys_mb() -> float:
    client = redis()
    return sum(client.memory_usage(k) or 0 for k in client.scan_iter(match="*import*")) / 1e6


def file_with_errors() -> bytes:
    """200,000 lines (the most a file may have) of one month, all repeated, each with a note
    column long enough to bring the file to the size limit."""
    communes = list(Unit.objects.get(level=Level.DISTRICT, code="218").children.order_by("code"))
    lines = [HEADER + ";Ghi chú"]
    for i in range(200_000):
        c = communes[i % len(communes)]
        lines.append(f"{c.code};{c.full_name};2023;6;{1000 + i};1;")
    pad = max(0, (LIMIT - sum(len(x.encode()) + 2 for x in lines)) // 200_000)
    return ("\ufeff" + "\r\n".join(lines[:1] + [x + "n" * pad for x in lines[1:]])).encode()


def committable_file() -> bytes:
    """June 2023 to write (a plausible figure per commune), the stored months as they are, every
    line with a note of random text, up to the size limit."""
    district = Unit.objects.get(level=Level.DISTRICT, code="218")
    stored = list(
        MonthlyCount.objects.filter(commune__parent=district, year__gte=2022)
        .exclude(year=2023, month=6)
        .order_by("commune__code", "year", "month")
        .values_list(
            "commune__code",
            "commune__full_name",
            "year",
            "month",
            "participants",
            "new_participants",
        )
    )
    may = dict(
        MonthlyCount.objects.filter(commune__parent=district, year=2023, month=5).values_list(
            "commune__code", "participants"
        )
    )
    rows = [
        (c.code, c.full_name, 2023, 6, may.get(c.code, 1000) + 3, 3)
        for c in district.children.all()
    ]
    rows += stored
    per_line = LIMIT // (len(rows) + 1)
    notes_chars = max(0, min(per_line - 60, 44 * 1000))
    lines = [HEADER + ";" + ";".join(f"Ghi chú {k}" for k in range(1, 45))]
    for code, name, year, month, p, n in rows:
        note = base64.b64encode(os.urandom(notes_chars)).decode()[:notes_chars]
        cells = [note[k : k + 1000] for k in range(0, len(note), 1000)]
        lines.append(f"{code};{name};{year};{month};{p};{n};" + ";".join(cells))
    return ("\ufeff" + "\r\n".join(lines)).encode()


def preview(client: Client, user: Any, name: str, data: bytes) -> str:
    response = client.post(
        URL, {"file": SimpleUploadedFile(name, data, "text/csv"), "preview": "1"}
    )
    location = response.get("Location", "")
    if "?cho=" in location:  # a large file: run its job as the worker would
        token = location.partition("?cho=")[2]
        app.control.purge()
        import_jobs.run_job(user.pk, token, memory_mb=None)
        state = import_jobs.job_state(user.pk, "counts", "d218", token) or {}
        if state.get("error"):
            return state["error"]
        digest = state["digest"]
        return f"worker: {digest.summary}, kept: {bool(state.get('preview_token'))}"
    context = response.context
    if context is None:
        return f"HTTP {response.status_code}"
    if "file_error" in context:
        return f"HTTP {response.status_code}: {context['file_error']}"
    summary = context["preview"].summary if "preview" in context else {}
    return f"in the request: {summary}, kept: {bool(context.get('token'))}"


def case(title: str, uploads: list[tuple[Client, Any]], name: str, data: bytes) -> None:
    before, keys_before = used_mb(), import_keys_mb()
    answers = {preview(client, user, name, data) for client, user in uploads}
    after, keys_after = used_mb(), import_keys_mb()
    print(f"{title} ({len(data) / 1e6:.1f} MB file, {len(uploads)} previews)")
    print(f"  answers: {'; '.join(sorted(answers))[:300]}")
    print(
        f"  Redis used_memory {before:.1f} -> {after:.1f} MB; import keys "
        f"{keys_before:.1f} -> {keys_after:.1f} MB"
    )


def main() -> None:
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the client then sees the pages' context
    User = get_user_model()
    clerk = User.objects.get(username="lucnam")
    for key in redis().scan_iter(match="*import*"):
        redis().delete(key)
    client = Client()
    client.force_login(clerk)
    print(f"Redis used_memory at start: {used_mb():.1f} MB\n")
    case("One user, a file with errors", [(client, clerk)] * 10, "loi.csv", file_with_errors())
    good = committable_file()
    case("One user, a file that can be imported", [(client, clerk)] * 10, "nhap.csv", good)
    temporary = [
        User.objects.create_superuser(f"bench-redis-{i}", password=None) for i in range(10)
    ]
    try:
        clients = []
        for user in temporary:
            c = Client()
            c.force_login(user)
            clients.append((c, user))
        case("Ten users, each the file that can be imported", clients, "nhap.csv", good)
    finally:
        for user in temporary:
            for key in (import_jobs.preview_key(user.pk), import_jobs.problems_key(user.pk)):
                cache.delete(key)
            user.delete()
        for key in (import_jobs.preview_key(clerk.pk), import_jobs.problems_key(clerk.pk)):
            cache.delete(key)


if __name__ == "__main__":
    main()
