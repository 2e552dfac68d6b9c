"""PDF summaries: what a manager reads in them (pdftotext), who may download them, the cache, and
the national summary built by the Celery worker."""

import subprocess
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from progress.models import Progress, RecomputeState
from provinces.models import Level, Unit
from reports import pdf
from reports.models import PdfStatus, SummaryPdf

MAY_2023 = {"year": 2023, "month": 5}


def pdf_text(content: bytes, tmp_path, name="summary.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def pdf_tool(tool: str, content: bytes, tmp_path, *args: str) -> str:
    path = tmp_path / "tool.pdf"
    path.write_bytes(content)
    return subprocess.run(
        [tool, *args, str(path)], capture_output=True, check=True, text=True
    ).stdout


def pdf_url(unit: Unit, **period) -> str:
    period = period or MAY_2023
    return reverse("reports:pdf", args=[unit.url_code]) + "?year={year}&month={month}".format(
        **period
    )


@pytest.fixture
def figures(demo):
    """The demo, whose fixture has recomputed the progress table (Bắc Giang, Lạng Sơn, nation)."""
    assert Progress.objects.filter(unit=demo.bac_giang, year=2023, month=5).exists()
    return demo


@pytest.fixture
def bac_giang_pdf(figures, client, tmp_path):
    client.force_login(figures.manager)
    response = client.get(pdf_url(figures.bac_giang))
    assert response.status_code == 200
    return response


# --- What the Bắc Giang May 2023 summary says ------------------------------------------------------


def test_bac_giang_may_2023_summary_has_the_letters_figures(bac_giang_pdf, figures, tmp_path):
    assert bac_giang_pdf["Content-Type"] == "application/pdf"
    assert 'filename="bhxh-tu-nguyen-p24-2023-05.pdf"' in bac_giang_pdf["Content-Disposition"]
    text = pdf_text(bac_giang_pdf.content, tmp_path)
    assert "Tỉnh Bắc Giang" in text
    assert "Địa giới hành chính đến 30/06/2025" in text  # the map its figures are on
    assert "44.134" in text  # participants at 31/05/2023
    assert "84,65%" in text  # of the 52.139 target
    assert "52.139" in text
    assert "8.005" in text  # still to develop
    assert "1.601" in text  # a month until October
    assert "+4.934" in text and "+3.036" in text  # vs April, vs December 2022
    assert "Chốt số liệu ngày 25/05/2023" in text  # the cut-off, as on the dashboard
    for district in figures.bac_giang.children.all():
        assert district.full_name in text, district.full_name


def test_summary_states_who_generated_it_and_when_the_figures_are_from(figures, client, tmp_path):
    RecomputeState.objects.update_or_create(
        province=figures.bac_giang,
        year=2023,
        defaults={
            "data_version": 3,
            "requested_at": None,
            "computed_at": timezone.make_aware(timezone.datetime(2023, 6, 1, 8, 15)),
        },
    )
    client.force_login(figures.manager)
    text = pdf_text(client.get(pdf_url(figures.bac_giang)).content, tmp_path)
    assert "Lãnh đạo BHXH Bắc Giang" in text  # the manager's full name
    assert "Số liệu tính lúc 08:15 01/06/2023" in text
    assert "Lập lúc " in text
    # Page numbers from CSS counters: "page/pages" on every page (pdftotext ends each with \f).
    pages = text.count("\f")
    assert pages >= 2
    assert [f"Trang {n}/{pages}" in text for n in range(1, pages + 1)] == [True] * pages
    # The running head repeats the unit and the period on the following pages.
    assert "Tỉnh Bắc Giang · Tháng 05/2023" in text


def test_summary_has_the_charts_as_vector_graphics(bac_giang_pdf, tmp_path):
    text = pdf_text(bac_giang_pdf.content, tmp_path)
    # Chart titles and axis ticks are text inside the SVG, so the charts are real vectors...
    assert "Số người tham gia theo tháng, năm 2023" in text
    assert "Xếp hạng tỷ lệ hoàn thành kế hoạch — các huyện, thị xã, thành phố" in text
    assert "50.000" in text  # a tick of the trend's participants axis
    assert "Tiến độ cần đạt: 1.601/tháng" in text  # the trend's legend
    # ...and no raster image stands in for them.
    images = pdf_tool("pdfimages", bac_giang_pdf.content, tmp_path, "-list").splitlines()
    assert images[2:] == [], images  # the header only


def test_summary_fonts_are_embedded_so_diacritics_print_everywhere(bac_giang_pdf, tmp_path):
    path = tmp_path / "fonts.pdf"
    path.write_bytes(bac_giang_pdf.content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows, fonts
    for row in rows:
        emb, sub, uni = row.split()[-5:-2]
        assert (emb, uni) == ("yes", "yes"), row


def test_district_summary_lists_its_communes(figures, client, tmp_path):
    client.force_login(figures.clerk)
    response = client.get(pdf_url(figures.luc_nam))
    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path)
    assert "Huyện Lục Nam" in text
    communes = list(figures.luc_nam.children.all())
    assert len(communes) == 24
    for commune in communes:
        assert commune.full_name in text, commune.full_name
    assert "Kết quả theo xã, phường, thị trấn" in text


@pytest.mark.parametrize(
    "period",
    [{"year": 2023, "month": 9}, {"year": 2070, "month": 3}],
    ids=["a month not reported yet", "a year far ahead"],
)
def test_a_period_without_figures_is_refused_and_nothing_is_stored(
    figures, client, period, django_capture_on_commit_callbacks
):
    client.force_login(figures.manager)
    unit = figures.bac_giang
    message = "Chưa có số liệu của Tỉnh Bắc Giang cho tháng {month:02d}/{year}".format(**period)
    response = client.get(pdf_url(unit, **period))
    assert response.status_code == 404
    assert message in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("reports:pdf_request", args=[unit.url_code]),
            period,
            HTTP_ACCEPT="application/json",
        )
    assert response.status_code == 404
    assert message in response.json()["error"]
    assert callbacks == []  # nothing queued for the worker
    status = reverse("reports:pdf_status", args=[unit.url_code])
    assert client.get(status, period).status_code == 404
    assert not SummaryPdf.objects.exists()


def test_a_page_of_a_period_without_figures_offers_no_pdf(figures, client):
    client.force_login(figures.manager)
    html = client.get(reverse("reports:unit", args=["p24"]) + "?year=2023&month=9").content
    assert b"pdf-download" not in html


def test_summary_reads_a_fixed_number_of_queries(figures, django_assert_num_queries):
    # One for the data version, one for the year's trend, one for the children with their units.
    with django_assert_num_queries(3):
        summary = pdf.summary_data(unit=figures.bac_giang, year=2023, month=5)
    assert len(summary.children) == figures.bac_giang.children.count()
    assert summary.laggards[0].completion_pct == min(c.completion_pct for c in summary.children)


# --- Who may download ----------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(figures, client):
    response = client.get(pdf_url(figures.bac_giang))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["other_officer", "other_clerk", "nobody"])
def test_users_outside_the_province_get_404(figures, client, who):
    client.force_login(getattr(figures, who))
    assert client.get(pdf_url(figures.bac_giang)).status_code == 404
    assert client.get(pdf_url(figures.luc_nam)).status_code == 404
    assert not SummaryPdf.objects.exists()


def test_district_staff_cannot_download_another_districts_summary(figures, client):
    client.force_login(figures.neighbour_clerk)
    assert client.get(pdf_url(figures.luc_nam)).status_code == 404
    assert client.get(pdf_url(figures.bac_giang)).status_code == 404


@pytest.mark.parametrize("who", ["manager", "officer", "other_officer", "clerk"])
def test_only_national_users_reach_the_national_summary(figures, client, who):
    client.force_login(getattr(figures, who))
    assert client.get(pdf_url(figures.nation)).status_code == 404
    response = client.post(reverse("reports:pdf_request", args=["vn"]), MAY_2023)
    assert response.status_code == 404


def test_commune_has_no_summary(figures, client):
    client.force_login(figures.manager)
    commune = figures.luc_nam.children.first()
    assert client.get(pdf_url(commune)).status_code == 404


def test_a_period_is_required(figures, client):
    client.force_login(figures.manager)
    url = reverse("reports:pdf", args=[figures.bac_giang.url_code])
    assert client.get(url).status_code == 400
    assert client.get(url + "?year=2023&month=13").status_code == 400


# --- The cache -----------------------------------------------------------------------------------


def test_summary_is_cached_until_the_figures_change(figures, client, tmp_path):
    client.force_login(figures.manager)
    first = client.get(pdf_url(figures.bac_giang)).content
    assert client.get(pdf_url(figures.bac_giang)).content == first
    assert SummaryPdf.objects.count() == 1

    # A recompute changes the figures and bumps the province's data version.
    Progress.objects.filter(unit=figures.bac_giang, year=2023, month=5).update(participants=45_001)
    state, _ = RecomputeState.objects.get_or_create(province=figures.bac_giang, year=2023)
    state.data_version += 1
    state.save()
    text = pdf_text(client.get(pdf_url(figures.bac_giang)).content, tmp_path)
    assert "45.001" in text
    # The summary of the old figures is gone: it would never be served again.
    assert list(SummaryPdf.objects.values_list("data_version", flat=True)) == [state.data_version]


def test_each_language_has_its_own_summary(figures, client):
    client.force_login(figures.manager)
    client.get(pdf_url(figures.bac_giang))
    client.cookies["django_language"] = "en"
    client.get(pdf_url(figures.bac_giang))
    assert sorted(SummaryPdf.objects.values_list("language", flat=True)) == ["en", "vi"]


# --- The national summary, built by the worker ---------------------------------------------------


def test_national_summary_is_queued_then_offered_for_download(
    figures, client, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(figures.national)
    page = reverse("reports:unit", args=["vn"]) + "?year=2023&month=5"
    status_url = reverse("reports:pdf_status", args=["vn"]) + "?year=2023&month=5"
    assert client.get(status_url).json()["status"] is None
    # Not built yet: the download link goes back to the page, which offers to build it.
    assert client.get(pdf_url(figures.nation))["Location"] == page

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("reports:pdf_request", args=["vn"]), MAY_2023)
    assert response.status_code == 302 and response["Location"] == page
    assert len(callbacks) == 1  # the Celery task, queued once the row is committed

    status = client.get(status_url).json()
    assert status["status"] == PdfStatus.READY
    assert status["download_url"] == pdf_url(figures.nation)
    response = client.get(pdf_url(figures.nation))
    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path)
    assert "Toàn quốc" in text
    for name in ["Tỉnh Bắc Giang", "Tỉnh Lạng Sơn"]:
        assert name in text
    assert "44.134" in text
    assert "Người xem toàn quốc" in text  # who asked for it

    # Asking again for the same figures reuses the PDF rather than building another one.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(reverse("reports:pdf_request", args=["vn"]), MAY_2023)
    assert callbacks == []
    assert SummaryPdf.objects.count() == 1


def test_a_failed_national_build_is_shown_and_can_be_retried(
    figures, client, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(figures.national)

    def broken(**kwargs):
        raise RuntimeError("chromium went away")

    monkeypatch.setattr(pdf, "render_summary_pdf", broken)
    with (
        pytest.raises(RuntimeError),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(reverse("reports:pdf_request", args=["vn"]), MAY_2023)
    failed = SummaryPdf.objects.get()
    assert failed.status == PdfStatus.FAILED
    assert "chromium went away" in failed.error
    monkeypatch.undo()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:pdf_request", args=["vn"]), MAY_2023)
    assert SummaryPdf.objects.get().status == PdfStatus.READY


@pytest.mark.worker
def test_national_summary_is_built_by_the_celery_worker(
    celery_worker_process, figures, client, tmp_path
):
    client.force_login(figures.national)
    response = client.post(reverse("reports:pdf_request", args=["vn"]), MAY_2023)
    assert response.status_code == 302
    status_url = reverse("reports:pdf_status", args=["vn"]) + "?year=2023&month=5"
    deadline = time.monotonic() + 90
    while client.get(status_url).json()["status"] != PdfStatus.READY:
        assert SummaryPdf.objects.get().status != PdfStatus.FAILED, SummaryPdf.objects.get().error
        assert time.monotonic() < deadline, "the worker did not build the PDF in 90 s"
        time.sleep(0.5)
    text = pdf_text(client.get(pdf_url(figures.nation)).content, tmp_path)
    assert "Toàn quốc" in text and "Tỉnh Bắc Giang" in text


# --- Province and district summaries, built by the worker too -------------------------------------


def test_province_summary_is_asked_for_from_the_page_and_its_progress_followed(
    figures, client, django_capture_on_commit_callbacks
):
    client.force_login(figures.manager)
    page_url = reverse("reports:unit", args=["p24"]) + "?year=2023&month=5"
    html = client.get(page_url).content.decode()
    assert "Tạo bản PDF" in html and reverse("reports:pdf_request", args=["p24"]) in html
    assert "js/pdf_status.js" in html

    status_url = reverse("reports:pdf_status", args=["p24"]) + "?year=2023&month=5"
    assert client.get(status_url).json()["status"] is None
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("reports:pdf_request", args=["p24"]), MAY_2023, HTTP_ACCEPT="application/json"
        )
    # Queued: the page's script shows the spinner and polls; a reload shows the same.
    assert response.json()["status"] == PdfStatus.PENDING
    assert client.get(status_url).json()["label"] == "Đang chờ tạo"
    html = client.get(page_url).content.decode()
    assert "Đang tạo bản PDF tóm tắt…" in html and 'class="spinner"' in html

    callbacks[0]()  # the worker builds it
    status = client.get(status_url).json()
    assert status["status"] == PdfStatus.READY
    assert status["download_url"] == pdf_url(figures.bac_giang)
    assert client.get(pdf_url(figures.bac_giang))["Content-Type"] == "application/pdf"
    html = client.get(page_url).content.decode()
    assert "Bản tóm tắt A4 của kỳ đang xem, tạo lúc" in html


def test_a_pool_process_starts_its_chart_browser_when_forked(monkeypatch):
    from celery.signals import worker_process_init

    # A worker imports the tasks modules (autodiscovery), which connects the handler; a test
    # process may not have imported this one yet (pytest-xdist runs tests in any order).
    import reports.tasks  # noqa: F401

    started = []
    monkeypatch.setattr(pdf, "warm_up_charts", lambda **kwargs: started.append(kwargs))
    worker_process_init.send(sender=None)
    assert started == [{}]


@pytest.mark.worker
def test_province_summary_is_built_by_the_celery_worker(
    celery_worker_process, figures, client, tmp_path
):
    client.force_login(figures.manager)
    response = client.post(
        reverse("reports:pdf_request", args=["p24"]), MAY_2023, HTTP_ACCEPT="application/json"
    )
    assert response.json()["status"] == PdfStatus.PENDING
    status_url = reverse("reports:pdf_status", args=["p24"]) + "?year=2023&month=5"
    deadline = time.monotonic() + 90
    while (status := client.get(status_url).json())["status"] != PdfStatus.READY:
        assert status["status"] != PdfStatus.FAILED, SummaryPdf.objects.get().error
        assert time.monotonic() < deadline, "the worker did not build the PDF in 90 s"
        time.sleep(0.5)
    text = pdf_text(client.get(status["download_url"]).content, tmp_path)
    assert "Tỉnh Bắc Giang" in text and "44.134" in text


# --- The button on the pages ---------------------------------------------------------------------


def test_province_page_links_to_its_pdf(figures, client):
    client.force_login(figures.manager)
    page = client.get(reverse("reports:unit", args=["p24"]) + "?year=2023&month=5")
    assert pdf_url(figures.bac_giang).replace("&", "&amp;") in page.content.decode()


def test_national_page_offers_to_build_the_pdf_then_to_download_it(
    figures, client, django_capture_on_commit_callbacks
):
    client.force_login(figures.national)
    page_url = reverse("reports:unit", args=["vn"]) + "?year=2023&month=5"
    html = client.get(page_url).content.decode()
    assert reverse("reports:pdf_request", args=["vn"]) in html
    assert "Tạo bản PDF" in html
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:pdf_request", args=["vn"]), MAY_2023)
    html = client.get(page_url).content.decode()
    assert pdf_url(figures.nation).replace("&", "&amp;") in html
    assert "Bản tóm tắt A4 của kỳ đang xem, tạo lúc" in html


def test_national_page_shows_a_pending_build(figures, client):
    SummaryPdf.objects.create(
        unit=figures.nation,
        year=2023,
        month=5,
        language="vi",
        data_version=pdf.data_state(unit=figures.nation, year=2023).version,
    )
    client.force_login(figures.national)
    html = client.get(reverse("reports:unit", args=["vn"]) + "?year=2023&month=5").content
    assert "Đang tạo bản PDF tóm tắt…" in html.decode()
    assert b"js/pdf_status.js" in html


def test_every_level_is_built_in_the_background():
    assert pdf.builds_in_background(Unit(level=Level.NATION))
    assert pdf.builds_in_background(Unit(level=Level.PROVINCE))
    assert pdf.builds_in_background(Unit(level=Level.DISTRICT))
    assert not pdf.builds_in_background(Unit(level=Level.COMMUNE))


def test_a_summary_on_todays_map_lists_communes_and_says_its_comparisons_are_carried(
    figures, client, tmp_path
):
    client.force_login(figures.today_manager)
    response = client.get(pdf_url(figures.bac_ninh, year=2026, month=5))
    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path)
    assert "Tỉnh Bắc Ninh — Tháng 05/2026" in text
    assert "Địa giới hành chính từ 01/07/2025" in text
    assert "quy đổi theo địa giới mới" in text  # May 2026 against May 2025's old units
    assert "Kết quả theo xã, phường, đặc khu" in text  # no districts on today's map
    assert "huyện" not in text.lower()


@pytest.mark.django_db
def test_a_month_being_reported_is_an_estimate_in_the_pdf(figures, client, tmp_path):
    from progress.tests.test_estimates import save_luc_nam_june

    save_luc_nam_june(figures)
    row = Progress.objects.get(unit=figures.bac_giang, year=2023, month=6)
    client.force_login(figures.manager)
    response = client.get(pdf_url(figures.bac_giang, year=2023, month=6))
    text = " ".join(pdf_text(response.content, tmp_path).split())
    assert f"Số ước tính: {row.communes_estimated} xã chưa báo cáo" in text
    assert f"riêng các xã đã báo cáo (24/{row.communes_total})" in text
    assert "Số người tham gia (ước tính)" in text
