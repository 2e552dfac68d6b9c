"""Every visible word in the reader's language: no English left on Vietnamese pages (the
django-tables2 pager said "previous"/"next"), none of the pager or error pages in Vietnamese on
English ones, and an empty search that says the search found nothing."""

import re

import pytest
from django.conf import settings

from tests.test_translations import ENGLISH_PAGES, english, leftover_vietnamese

pytestmark = pytest.mark.django_db

# English words that are no Vietnamese syllable: seen on a Vietnamese page, they are leftovers.
ENGLISH_WORDS = {
    "next", "previous", "the", "and", "page", "search", "download", "results", "error",
    "forbidden", "found", "submit", "save", "cancel", "loading", "please", "login", "logout",
    "password", "username", "none", "total", "month", "year", "target", "district", "commune",
}  # fmt: skip

LONG_TABLE = "/u/t24/"  # today's Bắc Ninh: some 99 communes, four pages of 25


def visible_words(html: str) -> list[str]:
    """The words a reader sees or hears: text, and the title/aria-label/placeholder/alt values."""
    # Scripts, styles and code (an API address written as an example) are not prose.
    html = re.sub(r"<(script|style|code)\b.*?</\1>", " ", html, flags=re.S)
    said = re.findall(r'(?:title|aria-label|placeholder|alt)="([^"]*)"', html)
    text = re.sub(r"<[^>]+>", " ", html)
    return re.findall(r"[A-Za-z]+", " ".join([text, *said]))


def leftover_english(html: str) -> list[str]:
    return sorted({w for w in visible_words(html) if w.lower() in ENGLISH_WORDS})


def vietnamese(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    return client


def test_the_pager_of_a_long_table_speaks_the_readers_language(client, demo):
    html = vietnamese(client, demo.today_officer).get(LONG_TABLE).content.decode()
    assert "Trang sau →" in html and 'aria-current="page">1<' in html
    assert leftover_english(html) == []
    html = client.get(LONG_TABLE + "?page=2").content.decode()
    assert "← Trang trước" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(LONG_TABLE + "?page=2").content.decode()
    assert "← Previous" in html and "Next →" in html and "Trang sau" not in html


def test_vietnamese_pages_have_no_english_left(client, demo):
    pages = [*ENGLISH_PAGES, ("today_officer", LONG_TABLE), ("clerk", "/khong-co-trang/")]
    problems = {}
    for who, url in pages:
        html = vietnamese(client, getattr(demo, who)).get(url).content.decode()
        left = leftover_english(html)
        if '<html lang="vi">' not in html or left:
            problems[url] = left
    assert problems == {}


def test_english_error_and_pager_pages_have_no_vietnamese_left(client, demo):
    for who, url in [
        ("today_officer", LONG_TABLE + "?page=2"),
        ("clerk", "/khong-co-trang/"),
        ("manager", "/nhap-lieu/"),
    ]:
        html = english(client, getattr(demo, who)).get(url).content.decode()
        assert leftover_vietnamese(html, demo) == [], url


def test_a_search_that_finds_nothing_says_so_and_offers_the_search_of_every_level(client, demo):
    html = vietnamese(client, demo.officer).get("/u/p24/?q=doi+ngo").content.decode()
    assert "Không có đơn vị nào của Tỉnh Bắc Giang khớp với “doi ngo”." in html
    assert "Chưa có số liệu cho kỳ này." not in html
    assert 'href="/tim-kiem/?q=doi%20ngo"' in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/u/p24/?q=doi+ngo").content.decode()
    assert "No unit of" in html and "matches “doi ngo”" in html
