"""Memory and time of reading hostile upload files (issue 16's spreadsheet bombs), before and after.

    DATABASE_URL=... .venv/bin/python scripts/bench_import_limits.py [--before REV]

Builds each file in a temporary directory (small on disk: the bombs are compressed), then reads
it with `targets.imports.read_table` in a fresh child process per case and prints the file's
size, the child's peak memory (max RSS), the wall time and the answer (rows read, or the message).
With `--before REV` it also reads each file with `targets/imports.py` as it was at REV (e.g. the
branch's base), loaded as a separate module, for a before/after table. Nothing touches the
database. Figures depend on the machine: they go in the closing note, not in tests.

`--legal` then uploads the largest legal file (200,000 lines of Lục Nam's June 2023, all
repeated: the issue's 75 MB page) to the counts import page as `lucnam`, through Django's test
client in a fresh child process, on DATABASE_URL (the demo loaded) and REDIS_URL: once checked in
the web process as before (IMPORT_WORKER_ROWS above the file), once as now (the web process keeps
the file and queues the job; the job is then run as the worker runs it, in another child). Each
prints the time and the peak memory of the process that did it.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _base_workbook() -> dict[str, bytes]:
    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _write_xlsx(path: Path, sheet_chunks, shared_chunks=None) -> None:
    """A workbook whose sheet (and shared strings) are streamed into the zip chunk by chunk."""
    parts = _base_workbook()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            if name == "xl/worksheets/sheet1.xml":
                with archive.open(name, "w", force_zip64=True) as part:
                    for chunk in sheet_chunks:
                        part.write(chunk.encode())
            elif name == "[Content_Types].xml" and shared_chunks is not None:
                archive.writestr(
                    name,
                    data.replace(
                        b"</Types>",
                        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                        b"</Types>",
                    ),
                )
            elif name == "xl/_rels/workbook.xml.rels" and shared_chunks is not None:
                archive.writestr(
                    name,
                    data.replace(
                        b"</Relationships>",
                        b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/'
                        b'officeDocument/2006/relationships/sharedStrings" '
                        b'Target="sharedStrings.xml"/></Relationships>',
                    ),
                )
            else:
                archive.writestr(name, data)
        if shared_chunks is not None:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
                for chunk in shared_chunks:
                    part.write(chunk.encode())


def _sheet(dimension: str, rows) -> list:
    head = f'<worksheet xmlns="{NS}">' + (f'<dimension ref="{dimension}"/>' if dimension else "")
    return [head + "<sheetData>", *rows, "</sheetData></worksheet>"]


def build(directory: Path) -> dict[str, Path]:
    files = {}
    # 5,000 rows, one cell in the last column (the 2.2 KB workbook)
    path = directory / "last-column.xlsx"
    _write_xlsx(
        path,
        _sheet(
            "A1:XFD5000",
            [
                '<row r="1"><c r="A1"><v>1</v></c></row>',
                '<row r="5000"><c r="XFD5000"><v>1</v></c></row>',
            ],
        ),
    )
    files["5,000 rows, cell in column XFD"] = path

    # one shared string of 300 MB
    path = directory / "shared-string.xlsx"
    mb = "a" * (1024 * 1024)
    _write_xlsx(
        path,
        _sheet("A1", ['<row r="1"><c r="A1" t="s"><v>0</v></c></row>']),
        [f'<sst xmlns="{NS}" count="1" uniqueCount="1"><si><t>', *([mb] * 300), "</t></si></sst>"],
    )
    files["one 300 MB shared string"] = path

    # a million rows, with and without a dimension saying so
    def million():
        for start in range(1, 1_000_001, 10_000):
            yield "".join(
                f'<row r="{i}"><c r="A{i}"><v>1</v></c></row>' for i in range(start, start + 10_000)
            )

    path = directory / "million.xlsx"
    _write_xlsx(path, _sheet("A1:A1000000", million()))
    files["1,000,000 rows (dimension says so)"] = path
    path = directory / "million-nodim.xlsx"
    _write_xlsx(path, _sheet("", million()))
    files["1,000,000 rows (no dimension)"] = path

    path = directory / "long-cell.csv"
    path.write_text(
        "Mã xã;Tên xã;Năm;Tháng;Số người tham gia\r\n7210;" + "x" * 200_000 + ";2023;6;1\r\n",
        encoding="utf-8-sig",
    )
    files["CSV with a 200,000-character cell"] = path
    return files


CHILD = r"""
import importlib.util, json, os, resource, sys, time
sys.path.insert(0, os.environ["BENCH_ROOT"])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bhxh_dashboard.settings")
import django
django.setup()
from django.utils import translation
translation.activate("vi")
module_path, file_path = sys.argv[1], sys.argv[2]
if module_path == "-":
    from targets import imports as module
else:
    spec = importlib.util.spec_from_file_location("imports_before", module_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
import openpyxl  # imported before timing, as a running server has it
data = open(file_path, "rb").read()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    table = module.read_table(data, os.path.basename(file_path))
    answer = f"read {len(table):,} rows"
except Exception as exc:
    answer = f"{type(exc).__name__}: {exc}"[:110]
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": elapsed, "peak_mb": peak / 1024, "grew_mb": (peak - base) / 1024,
                  "answer": answer}))
"""


def run(module: str, path: Path, limit_seconds: int) -> dict:
    env = {**os.environ, "BENCH_ROOT": str(ROOT)}
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, module, str(path)],
            capture_output=True,
            text=True,
            env=env,
            timeout=limit_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {
            "seconds": limit_seconds,
            "peak_mb": float("nan"),
            "grew_mb": float("nan"),
            "answer": f"still running after {limit_seconds} s (killed)",
        }
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {
            "seconds": float("nan"),
            "peak_mb": float("nan"),
            "grew_mb": float("nan"),
            "answer": f"child died (rc={done.returncode}): {done.stderr.strip()[-100:]}",
        }
    return json.loads(lines[-1])


LEGAL_CHILD = r"""
import json, os, resource, sys, time
sys.path.insert(0, os.environ["BENCH_ROOT"])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bhxh_dashboard.settings")
import django
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from provinces.models import Level, Unit
import openpyxl, targets.import_jobs  # loaded before measuring, as in a running server

mode = sys.argv[1]
user = get_user_model().objects.get(username="lucnam")
if mode == "worker":
    from bhxh_dashboard.celery import app
    app.control.purge()  # the job queued by the "web" child: run here instead
    token = sys.argv[2]
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    targets.import_jobs.run_job(user.pk, token, memory_mb=settings.IMPORT_WORKER_MEMORY_MB)
    state = targets.import_jobs.job_state(user.pk, "counts", "d218", token) or {}
    digest = state.get("digest")
    answer = state.get("error") or (digest and f"preview: {digest.summary}")
else:
    settings.IMPORT_WORKER_ROWS = 10**9 if mode == "sync" else settings.IMPORT_WORKER_ROWS
    communes = list(Unit.objects.get(level=Level.DISTRICT, code="218").children.order_by("code"))
    lines = ["Mã xã;Tên xã;Năm;Tháng;Số người tham gia;Phát triển mới"]
    for i in range(200_000):
        c = communes[i % len(communes)]
        lines.append(f"{c.code};{c.full_name};2023;6;{1000 + i};1")
    data = ("\ufeff" + "\r\n".join(lines)).encode()
    client = Client()
    client.force_login(user)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    response = client.post(
        "/nhap-lieu/nhap-tep/so-lieu/d218/",
        {"file": SimpleUploadedFile("ca-nam.csv", data, "text/csv"), "preview": "1"},
    )
    token = response.get("Location", "").partition("?cho=")[2]
    answer = f"HTTP {response.status_code}, {len(response.content) / 1e6:.1f} MB page" + (
        f", job {token}" if token else ""
    )
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": elapsed, "peak_mb": peak / 1024, "grew_mb": (peak - base) / 1024,
                  "answer": answer, "token": token if mode == "job" else ""}))
"""


def run_legal(mode: str, *extra: str) -> dict:
    env = {**os.environ, "BENCH_ROOT": str(ROOT), "HTTPS": "0"}
    done = subprocess.run(
        [sys.executable, "-c", LEGAL_CHILD, mode, *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"{mode} child died (rc={done.returncode}): {done.stderr[-2000:]}")
    return json.loads(lines[-1])


def legal() -> None:
    print("The largest legal file (200,000 lines, 7.8 MB), uploaded to the counts import page:")
    rows = [("before: checked in the web process", run_legal("sync"))]
    job = run_legal("job")
    rows.append(("now: the web process queues it", job))
    rows.append(("now: the worker's job", run_legal("worker", job["token"])))
    for label, r in rows:
        print(
            f"  {label:<36} {r['seconds']:6.2f} s  peak {r['peak_mb']:5.0f} MB "
            f"(+{r['grew_mb']:.0f} MB)  -> {r['answer']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="a git revision whose targets/imports.py to compare")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per case and version")
    parser.add_argument(
        "--legal", action="store_true", help="only the largest legal file's upload (needs the demo)"
    )
    args = parser.parse_args()
    if args.legal:
        legal()
        return
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        versions = [("after", "-")]
        if args.before:
            old = directory / "imports_before.py"
            old.write_bytes(
                subprocess.run(
                    ["git", "show", f"{args.before}:targets/imports.py"],
                    cwd=ROOT,
                    capture_output=True,
                    check=True,
                ).stdout
            )
            versions.insert(0, (f"before ({args.before})", str(old)))
        started = time.perf_counter()
        files = build(directory)
        print(f"built {len(files)} files in {time.perf_counter() - started:.1f} s\n")
        for name, path in files.items():
            print(f"{name}: {path.stat().st_size / 1024:,.1f} KB on disk")
            for label, module in versions:
                r = run(module, path, args.timeout)
                print(
                    f"  {label:<22} peak {r['peak_mb']:8.0f} MB (+{r['grew_mb']:.0f} MB while "
                    f"reading)  {r['seconds']:7.2f} s  -> {r['answer']}"
                )
            print()


if __name__ == "__main__":
    main()
