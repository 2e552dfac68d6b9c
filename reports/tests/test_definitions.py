"""Every figure explains itself: its label leads to a one-line definition, in both languages, on
the pages and in the PDF's notes."""

import pytest
from django.utils import translation
from django.utils.html import escape

from progress.definitions import DEFINITIONS
from reports.tests.test_pdf import pdf_text, pdf_url

pytestmark = pytest.mark.django_db


def test_the_headline_labels_lead_to_their_definitions(client, demo):
    client.force_login(demo.officer)
    html = client.get("/u/p24/?year=2023&month=5").content.decode()
    for slug in ("participants", "target", "completion", "gap", "pace", "vs-month", "yoy"):
        assert f'href="/dinh-nghia/#{slug}"' in html, slug
    completion = next(d for d in DEFINITIONS if d.slug == "completion")
    assert f'title="{escape(str(completion.text))}"' in html
    page = client.get("/dinh-nghia/").content.decode()
    assert client.get("/dinh-nghia/").status_code == 200
    assert all(f'id="{d.slug}"' in page for d in DEFINITIONS)
    assert "Số của tháng đang báo cáo: số các xã đã báo cáo cộng số gần nhất" in page


def test_the_definitions_read_in_english_too(client, demo):
    client.force_login(demo.national)
    client.cookies["django_language"] = "en"
    page = client.get("/dinh-nghia/").content.decode()
    with translation.override("en"):
        for d in DEFINITIONS:
            assert escape(str(d.text)) in page and escape(str(d.term)) in page
    assert "Target minus participants" in page


def test_the_pdf_notes_define_the_figures(client, demo, tmp_path):
    client.force_login(demo.manager)
    text = " ".join(pdf_text(client.get(pdf_url(demo.bac_giang)).content, tmp_path).split())
    assert "Ghi chú: định nghĩa các chỉ số" in text
    assert "Tiến độ cần đạt: Số còn phải phát triển chia cho số tháng còn lại" in text
