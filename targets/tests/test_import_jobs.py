"""A large import file is read, checked and written by the worker (targets/import_jobs.py): the
page shows its progress, then the same preview as for a small file; past the time or memory
limits it stops with a clear message and nothing is written."""

import time

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from targets.models import ChangeLog, MonthlyCount

HEADER = "Mã xã;Tên xã;Năm;Tháng;Số người tham gia;Phát triển mới"


def import_url():
    return reverse("targets:import_counts", kwargs={"code": "d218"})


def june_file(demo, lines: int, *, start: int = 1000) -> SimpleUploadedFile:
    """June 2023 for Lục Nam's communes, one line each, then again (duplicates) up to `lines`."""
    communes = list(demo.luc_nam.children.order_by("code"))
    rows = [HEADER]
    for i in range(lines):
        commune = communes[i % len(communes)]
        rows.append(f"{commune.code};{commune.full_name};2023;6;{start + i};1")
    data = ("\ufeff" + "\r\n".join(rows)).encode()
    return SimpleUploadedFile("so-lieu.csv", data, content_type="text/csv")


def written():
    return MonthlyCount.objects.count(), ChangeLog.objects.count()


@pytest.mark.django_db
def test_a_small_file_is_still_checked_in_the_request(client, demo, settings):
    settings.IMPORT_WORKER_ROWS = 100
    client.force_login(demo.clerk)
    response = client.post(import_url(), {"file": june_file(demo, 24), "preview": "1"})
    assert response.status_code == 200
    preview = response.context["preview"]
    assert not preview.has_errors and len(preview.rows_to_write) == 24


@pytest.mark.django_db
def test_a_large_file_shows_its_progress_then_its_preview_then_imports(
    client, demo, settings, django_capture_on_commit_callbacks
):
    """The whole way, the worker's part run in-process where the worker would run it."""
    settings.IMPORT_WORKER_ROWS = 10
    client.force_login(demo.clerk)
    before = written()
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(import_url(), {"file": june_file(demo, 24), "preview": "1"})
    assert response.status_code == 302
    job_url = response["Location"]
    assert job_url.startswith(import_url() + "?cho=")
    html = client.get(job_url).content.decode()
    assert "Đang xử lý tệp so-lieu.csv" in html and "Đang chờ đọc tệp…" in html
    assert 'role="status"' in html and "js/import_status.js" in html
    assert client.get(job_url + "&trang-thai=1").json()["state"] == "queued"

    (job,) = queued
    job()  # what the worker does with the queued job
    status = client.get(job_url + "&trang-thai=1").json()
    assert status["state"] == "done"
    preview = client.get(job_url)
    html = preview.content.decode()
    assert "Xem trước: so-lieu.csv" in html and "0 dòng lỗi" in html
    assert "Nhập 24 dòng" in html
    assert written() == before  # a preview writes nothing

    # "Import": checked again and written by the worker, all or nothing; then the grid's page.
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(import_url(), {"token": preview.context["token"], "commit": "1"})
    assert response.status_code == 302 and "?cho=" in response["Location"]
    assert written() == before
    (job,) = queued
    job()
    done = client.get(response["Location"], follow=True)
    assert done.redirect_chain[0][0] == "/nhap-lieu/so-lieu/d218/?thang=2023-06"
    assert "Đã nhập tệp so-lieu.csv: 24 dòng được ghi" in done.content.decode()
    assert (
        MonthlyCount.objects.filter(commune__parent=demo.luc_nam, year=2023, month=6).count() == 24
    )


@pytest.mark.django_db
def test_a_job_no_worker_takes_is_reported_after_five_minutes(client, demo, settings, travel):
    settings.IMPORT_WORKER_ROWS = 10
    client.force_login(demo.clerk)
    job_url = client.post(import_url(), {"file": june_file(demo, 24), "preview": "1"})["Location"]
    assert client.get(job_url + "&trang-thai=1").json()["state"] == "queued"
    travel.shift(301)  # the worker is down: the job was never taken
    response = client.get(job_url)
    assert response.context["file_error"] == (
        "Máy chủ xử lý nền chưa nhận tệp sau 5 phút; chưa ghi gì. Hãy thử lại sau."
    )


@pytest.mark.django_db
def test_a_job_is_only_its_owners_and_its_pages(client, demo, settings, django_user_model):
    settings.IMPORT_WORKER_ROWS = 10
    client.force_login(demo.clerk)
    job_url = client.post(import_url(), {"file": june_file(demo, 24), "preview": "1"})["Location"]
    client.logout()
    assert client.get(job_url).status_code == 302  # to sign in
    client.force_login(demo.other_clerk)  # another province's district staff: not their page
    assert client.get(job_url).status_code == 404
    client.force_login(demo.officer)  # reads Lục Nam, does not enter its counts
    assert client.get(job_url).status_code == 403
    client.force_login(django_user_model.objects.create_superuser("admin", password="pw-admin"))
    response = client.get(job_url)  # may import into this grid, but the job is not theirs
    assert response.status_code == 404
    assert "Bản xem trước đã hết hạn" in response.content.decode()


# --- with a real worker (production's prefork pool, which enforces the time limits) ------------


def follow_job(client, job_url, seconds=120):
    """Poll the job as the page's script does; the labels it showed, in order."""
    labels = []
    deadline = time.monotonic() + seconds
    while True:
        status = client.get(job_url + "&trang-thai=1").json()
        if not labels or labels[-1] != status["label"]:
            labels.append(status["label"])
        if status["state"] in ("done", "failed"):
            return labels
        assert time.monotonic() < deadline, f"the job did not end in {seconds} s: {labels}"
        time.sleep(0.2)


@pytest.mark.worker(pool="prefork")
def test_the_worker_reads_a_large_file_showing_the_rows_read_then_the_preview(
    celery_worker_process, demo, client, settings
):
    settings.IMPORT_WORKER_ROWS = 1000
    client.force_login(demo.clerk)
    before = written()
    response = client.post(import_url(), {"file": june_file(demo, 60_000), "preview": "1"})
    job_url = response["Location"]
    labels = follow_job(client, job_url)
    assert "Đã đọc 60.001 dòng; đang kiểm tra…" in labels, labels  # the header too
    html = client.get(job_url).content.decode()
    # Each commune's first line is checked against May (a jump: to look at), the rest repeat it.
    assert "59.976 dòng lỗi" in html and "24 dòng cần xem lại" in html
    assert "Tệp có 60.000 dòng; chỉ liệt kê các dòng lỗi hoặc cần xem lại." in html
    assert html.count('data-status="error"') + html.count('data-status="warning"') == 200
    assert 'id="problems-download"' in html
    assert "Tệp có lỗi nên chưa thể nhập" in html
    full = client.get(import_url() + "?loi=1")
    assert len(full.content.decode("utf-8-sig").splitlines()) == 1 + 60_000
    assert cache.get(f"import:{demo.clerk.pk}") is None  # not committable: not kept
    assert written() == before


@pytest.mark.worker(pool="prefork")
def test_a_file_past_the_time_limit_stops_with_a_message_and_writes_nothing(
    celery_worker_process, demo, client, settings
):
    settings.IMPORT_WORKER_ROWS = 1000
    settings.IMPORT_WORKER_SECONDS = 1  # the 60,000 lines take some seconds to check
    client.force_login(demo.clerk)
    before = written()
    job_url = client.post(import_url(), {"file": june_file(demo, 60_000), "preview": "1"})[
        "Location"
    ]
    follow_job(client, job_url)
    response = client.get(job_url)
    assert response.context["file_error"] == (
        "Tệp cần hơn 1 giây để đọc và kiểm tra nên đã dừng; chưa ghi gì. "
        "Hãy chia tệp thành nhiều tệp nhỏ hơn rồi tải lên lại."
    )
    assert 'role="alert"' in response.content.decode()
    assert cache.get(f"import:{demo.clerk.pk}") is None
    assert written() == before


def as_xlsx(upload: SimpleUploadedFile) -> SimpleUploadedFile:
    import io

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for line in upload.read().decode("utf-8-sig").splitlines():
        sheet.append(line.split(";"))
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("so-lieu.xlsx", out.getvalue())


@pytest.mark.worker(pool="prefork")
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_past_the_memory_limit_stops_with_a_message_and_writes_nothing(
    celery_worker_process, demo, client, settings, fmt
):
    settings.IMPORT_WORKER_ROWS = 1000
    settings.IMPORT_WORKER_MEMORY_MB = 16  # the 60,000 lines need some tens of megabytes
    client.force_login(demo.clerk)
    before = written()
    upload = june_file(demo, 60_000)
    if fmt == "xlsx":  # not mistaken for a damaged workbook
        upload = as_xlsx(upload)
    job_url = client.post(import_url(), {"file": upload, "preview": "1"})["Location"]
    follow_job(client, job_url)
    response = client.get(job_url)
    assert response.context["file_error"].startswith(
        "Tệp cần quá nhiều bộ nhớ để đọc và kiểm tra nên đã dừng; chưa ghi gì."
    )
    assert written() == before


@pytest.mark.browser
@pytest.mark.worker
def test_the_page_follows_the_workers_job_then_shows_the_preview(
    celery_worker_process, page, demo, settings, tmp_path
):
    from conftest import login, screenshot
    from tests.test_accessibility import _axe_path, _check, _report

    page.context.add_init_script(path=str(_axe_path()))
    settings.IMPORT_WORKER_ROWS = 1000
    path = tmp_path / "ca-nam.csv"
    path.write_bytes(june_file(demo, 60_000).read())
    login(page, "lucnam", demo.password)
    page.goto(page.live_server.url + import_url())
    page.set_input_files("#id_file", str(path))
    page.click("#upload-form [type=submit]")
    page.wait_for_selector("#import-job")
    assert "Đang xử lý tệp ca-nam.csv" in page.locator("#import-job h2").inner_text()
    status = page.locator("#import-job .import-status")
    status.filter(has_text="đang kiểm tra").wait_for(timeout=60_000)  # the script's poll
    assert "Đã đọc 60.001 dòng" in status.inner_text()
    screenshot(page, "import-job-progress")
    found: dict = {}
    _check(page, "import job in progress [vi] lucnam", found)  # WCAG 2.1 AA, both widths
    assert not found, _report(found)
    page.wait_for_selector("#preview", timeout=120_000)  # reloaded when the job is done
    assert "59.976 dòng lỗi" in page.locator("#preview-summary").inner_text()
    assert page.locator("#problems-download").count() == 1
    screenshot(page, "import-job-preview")
