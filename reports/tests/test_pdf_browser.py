"""A manager and a national viewer get their PDF summaries in a real browser."""

import subprocess

import pytest

from conftest import login, screenshot
from reports import pdf
from reports.models import SummaryPdf


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_manager_downloads_the_province_summary_from_the_page(page, demo, tmp_path):
    login(page, "lanhdao", demo.password)
    page.goto(page.live_server.url + "/u/p24/?year=2023&month=5")
    screenshot(page, "pdf-button-province")
    page.get_by_role("button", name="Tạo bản PDF").click()  # built by the worker (eager here)
    link = page.locator(".pdf-download .pdf-ready-link")
    link.wait_for(state="visible", timeout=180_000)  # static/js/pdf_status.js shows it when ready
    screenshot(page, "pdf-button-province-ready")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "bhxh-tu-nguyen-p24-2023-05.pdf"
    text = subprocess.run(
        ["pdftotext", download.path(), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Tỉnh Bắc Giang" in text and "44.134" in text


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_national_page_shows_the_download_link_once_the_worker_is_done(page, demo):
    # As if the build were queued and the worker still at it.
    queued = SummaryPdf.objects.create(
        unit=demo.nation,
        year=2023,
        month=5,
        language="vi",
        data_version=pdf.data_state(unit=demo.nation, year=2023).version,
        created_by=demo.national,
    )
    login(page, "quocgia", demo.password)
    page.goto(page.live_server.url + "/u/vn/?year=2023&month=5")
    assert page.locator(".pdf-status").inner_text() == "Đang tạo bản PDF tóm tắt…"
    link = page.locator(".pdf-download .pdf-ready-link")
    assert link.is_hidden()

    pdf.summary_pdf_build(pdf_id=queued.pk)  # the worker finishes
    link.wait_for(state="visible", timeout=15_000)  # static/js/pdf_status.js polls
    assert page.locator(".pdf-progress").is_hidden()
    assert link.get_attribute("href") == "/u/vn/pdf/?year=2023&month=5"
    screenshot(page, "pdf-button-national-ready")
