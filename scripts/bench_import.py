"""Time of importing files of monthly counts (targets: 5 s for a province-year, 60 s for the country).

Run with the project's virtualenv against PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bhxh .venv/bin/python scripts/bench_import.py

It builds its own throw-away database (bench_<name>, dropped at the end) with the whole real tree
(63 provinces, 10,051 communes) plus synthetic communes up to 10,600, then times:
1. a whole province-year (Bắc Giang, ~230 communes x 12 months, CSV) end to end through the page
   as a person does it: the upload and preview POST, then the "Import" POST, with the progress
   recompute of the province run in-process (Celery eager) so the figures are up to date at the
   end; once as a first load (inserts) and once as a correction of every figure (updates);
2. 10,600 communes x 12 months through `manage.py import_counts --reopen-closed` (history: every
   month closed, reopened by the command); the recompute is queued for the worker then, so it is
   timed separately (recompute_all for that year).
Prints figures only; nothing is asserted. The load average is printed too: on a shared machine
wall-clock figures grow with it, the CPU seconds of this process much less.
"""

import datetime as dt
import io
import os
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

from bhxh_dashboard import clock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bhxh_dashboard.settings")

import django  # noqa: E402

django.setup()

from scripts.throwaway_db import throwaway_database  # noqa: E402

COMMUNES = 10_600
HEADER = "Mã xã;Tên xã;Năm;Tháng;Số người tham gia;Phát triển mới"


def main() -> None:
    with throwaway_database("bench_io_"):
        run()


def counts_csv(communes, year: int, bump: int = 0) -> bytes:
    """Plausible figures: each commune grows a little every month, with enough sign-ups."""
    lines = [HEADER]
    for i, commune in enumerate(communes):
        base = 80 + (i * 37) % 400
        for month in range(1, 13):
            value = base + 3 * month + bump
            lines.append(f"{commune.code};{commune.name};{year};{month};{value:,};{5 + month}")
    return ("\ufeff" + "\r\n".join(lines).replace(",", ".")).encode()


def seconds(start: float) -> str:
    return f"{time.perf_counter() - start:6.2f} s"


def run() -> None:
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client

    from bhxh_dashboard.celery import app
    from progress.services import recompute_all
    from provinces.loader import load_admin_units, read_package_tree
    from provinces.models import Level, Unit
    from targets.models import ChangeLog, MonthlyCount, MonthReopening

    start = time.perf_counter()
    load_admin_units(read_package_tree())
    _pad_communes(COMMUNES)
    print(f"tree: {Unit.objects.communes().count():,} communes loaded in {seconds(start)}")
    admin = get_user_model().objects.create_superuser(username="bench", password="x")

    # 1. A province-year through the page, recompute included.
    province = Unit.objects.get(level=Level.PROVINCE, code="24")
    district = Unit.objects.get(level=Level.DISTRICT, code="218")
    communes = list(Unit.objects.communes().filter(province=province).order_by("code"))
    year = 2019
    for month in range(1, 13):  # the officer reopened the year for the import
        MonthReopening.objects.create(
            province=province,
            year=year,
            month=month,
            open_until=clock.now() + dt.timedelta(days=1),
            reopened_by=admin,
        )
    client = Client()
    client.force_login(admin)
    page = f"/nhap-lieu/nhap-tep/so-lieu/{district.url_code}/"
    app.conf.task_always_eager = True
    print(f"\n1. {province.full_name}: {len(communes)} communes x 12 months through the page")
    for label, bump in (("first load", 0), ("correction", 7)):
        data = counts_csv(communes, year, bump)
        upload = SimpleUploadedFile("tinh.csv", data, content_type="text/csv")
        t0, cpu0 = time.perf_counter(), time.process_time()
        response = client.post(page, {"file": upload, "preview": "1"})
        preview = response.context["preview"]
        assert not preview.has_errors, [r.messages for r in preview.rows if r.errors][:3]
        t1 = time.perf_counter()
        response = client.post(page, {"token": response.context["token"], "commit": "1"})
        assert response.status_code == 302, response.status_code
        t2 = time.perf_counter()
        print(
            f"   {label:11s}: upload+preview {t1 - t0:5.2f} s, import+recompute {t2 - t1:5.2f} s,"
            f" end to end {t2 - t0:5.2f} s (CPU here {time.process_time() - cpu0:4.2f} s)"
            f"  ({len(preview.rows):,} rows,"
            f" {MonthlyCount.objects.filter(year=year).count():,} counts stored)"
        )

    # 2. The whole country through the command; the recompute is the worker's job then.
    every = list(Unit.objects.communes().order_by("code"))
    year = 2018
    with tempfile.NamedTemporaryFile(suffix=".csv") as f:
        f.write(counts_csv(every, year))
        f.flush()
        rows = len(every) * 12
        print(f"\n2. {len(every):,} communes x 12 months = {rows:,} rows via import_counts")
        with mock.patch("progress.tasks.recompute_province.apply_async") as queued:
            t0, cpu0 = time.perf_counter(), time.process_time()
            out = io.StringIO()
            call_command("import_counts", f.name, user="bench", reopen_closed=True, stdout=out)
            took, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        print(
            f"   import_counts --reopen-closed: {took:6.2f} s ({cpu:.1f} s of it on this process's CPU)"
            f"  ({MonthlyCount.objects.filter(year=year).count():,} counts,"
            f" {ChangeLog.objects.filter(year=year).count():,} history rows,"
            f" {queued.call_count} province recomputes queued)"
        )
        for line in out.getvalue().splitlines():
            if line.startswith(("Checked", "Imported")):
                print("     " + line)
        t0 = time.perf_counter()
        recompute_all(year=year)
        print(f"   then recompute_all(year={year}) in the worker: {seconds(t0)}")
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def _pad_communes(total: int) -> None:
    """Synthetic communes in one extra district so the country has `total` of them."""
    from provinces.models import Level, Unit

    missing = total - Unit.objects.communes().count()
    if missing <= 0:
        return
    from provinces.testing import make_district

    province = Unit.objects.get(level=Level.PROVINCE, code="01")
    make_district(province, "999", missing, first_commune_code=90000)


if __name__ == "__main__":
    main()
