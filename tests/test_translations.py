"""The English interface: every message translated, placeholders intact, no Vietnamese left on
English pages apart from the names of places and people."""

import re
import shutil
import subprocess
from pathlib import Path
from typing import TypedDict

import pytest
from django.conf import settings
from django.utils import translation

from provinces.models import Unit
from provinces.search import search_key
from targets.imports import COUNT_COLUMNS, LEVEL_LABEL, LEVEL_WORDS, TARGET_COLUMNS
from targets.models import MonthReopening

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"

# Letters only Vietnamese uses (English text has none of them).
VIETNAMESE = re.compile(r"[àáâãèéêìíòóôõùúýăđĩũơưÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝĂĐĨŨƠƯ\u1ea0-\u1ef9]")


class PoEntry(TypedDict):
    flags: set[str]
    msgid: str
    msgstr: dict[str, str]  # msgstr or msgstr[n] -> the text


def po_entries(text: str) -> list[PoEntry]:
    """The catalogue's live entries: msgid, the msgstr values and the flags of each.

    Obsolete entries (#~) are not loaded by anyone and are skipped.
    """
    entries: list[PoEntry] = []
    entry: PoEntry | None = None
    field: str | None = None
    for line in text.splitlines():
        if not line.strip():
            entry, field = None, None
            continue
        if line.startswith("#~"):
            continue
        if entry is None:
            entry = {"flags": set(), "msgid": "", "msgstr": {}}
            entries.append(entry)
        if line.startswith("#,"):
            entry["flags"] |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = line[1:-1]
            if field == "msgid":
                entry["msgid"] += value
            elif field is not None:
                entry["msgstr"][field] += value
        else:
            keyword, _, value = line.partition(" ")
            value = value[1:-1]
            if keyword == "msgid":
                field, entry["msgid"] = "msgid", value
            elif keyword == "msgid_plural":
                field = None  # only what the reader sees (msgstr) is checked against it
            elif keyword.startswith("msgstr"):
                field = keyword
                entry["msgstr"][field] = value
    return [e for e in entries if e["msgstr"]]


def test_the_po_parser_sees_empty_and_fuzzy_entries():
    entries = po_entries(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        'msgid "Năm"\nmsgstr ""\n\n'
        '#, fuzzy, python-format\nmsgid "Tháng %(m)s"\nmsgstr "Month %(m)s"\n\n'
        'msgid "%(n)s dòng"\nmsgid_plural "%(n)s dòng"\nmsgstr[0] "%(n)s row"\nmsgstr[1] ""\n\n'
        '#~ msgid "cũ"\n#~ msgstr ""\n'
    )
    assert [e["msgid"] for e in entries] == ["", "Năm", "Tháng %(m)s", "%(n)s dòng"]
    assert entries[1]["msgstr"] == {"msgstr": ""}
    assert "fuzzy" in entries[2]["flags"]
    assert entries[3]["msgstr"]["msgstr[1]"] == ""


def test_every_english_message_is_translated_and_checked():
    entries = po_entries(PO.read_text(encoding="utf-8"))
    assert len(entries) > 300  # the whole interface, not an empty file
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == "" and "Language: en" in header["msgstr"]["msgstr"]
    empty = [e["msgid"] for e in messages if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not empty, f"untranslated in {PO.name}: {empty}"
    assert not fuzzy, f"fuzzy (unchecked) in {PO.name}: {fuzzy}"


def test_english_messages_keep_their_placeholders():
    """msgfmt --check-format: the check compilemessages runs, so a broken entry fails here too."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("gettext's msgfmt is not installed")
    result = subprocess.run(
        [msgfmt, "--check-format", "--check-header", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_english_import_headers_are_read_back_in_either_language():
    """A template downloaded in English and uploaded by someone working in Vietnamese still
    imports: each English header and level word is one of the accepted aliases."""
    with translation.override("en"):
        for column in (*COUNT_COLUMNS, *TARGET_COLUMNS):
            assert search_key(str(column.label)) in column.aliases, (column.key, column.label)
        for level, label in LEVEL_LABEL.items():
            assert search_key(str(label)) in LEVEL_WORDS[level], (level, label)


# --- Pages in English ---------------------------------------------------------------------------


def english(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def leftover_vietnamese(html: str, demo) -> list[str]:
    """Vietnamese words on the page once names (units, people, reopening reasons) are taken out."""
    html = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)
    names = set()
    # Bắc Giang's units, and those of today's Bắc Ninh that its pages link to (nay thuộc ...).
    units = (
        Unit.objects.within(demo.bac_giang)
        | Unit.objects.within(demo.bac_ninh)
        | Unit.objects.provinces()
    )
    for unit in units.only("name", "full_name"):
        names |= {unit.full_name, unit.name}
    people = (demo.national, demo.officer, demo.clerk, demo.manager, demo.today_officer)
    names |= {u.get_full_name() for u in people}
    names |= set(MonthReopening.objects.values_list("reason", flat=True))
    for name in sorted(filter(None, names), key=len, reverse=True):
        html = html.replace(name, "")
    return sorted({m.group(0) for m in re.finditer(r"\S*" + VIETNAMESE.pattern + r"\S*", html)})


@pytest.mark.django_db
def test_the_province_dashboard_reads_in_english(client, demo):
    html = english(client, demo.officer).get("/u/p24/?year=2023&month=5").content.decode()
    assert '<html lang="en">' in html, "is locale/en compiled (make / compilemessages)?"
    for label in (
        "Participants",
        "Target for</a> 2023",  # the label leads to its definition
        "Completion",
        "Still to develop",
        "Required pace",
        "per month over the 5 months left",
        "vs last month",
        "vs end of last year",
        "Year on year",
        "Ranking by completion",
        "% of target",
    ):
        assert label in html, label
    # The Bắc Giang letter's figures, written the English way.
    for figure in ("44,134", "52,139", "84.65%", "8,005", "1,601", "+4,934", "+3,036"):
        assert figure in html, figure
    assert leftover_vietnamese(html, demo) == []


@pytest.mark.django_db
def test_the_same_page_stays_vietnamese_without_the_choice(client, demo):
    client.force_login(demo.officer)
    html = client.get("/u/p24/?year=2023&month=5", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Tỷ lệ hoàn thành" in html and "84,65%" in html and "Completion" not in html


ENGLISH_PAGES = [
    ("officer", "/u/d218/?year=2023&month=5"),
    ("officer", "/u/d218/bao-cao/?year=2023&month=5"),
    ("clerk", "/u/c07444/?year=2023&month=5"),
    ("clerk", "/nhap-lieu/so-lieu/d218/"),
    ("clerk", "/nhap-lieu/lich-su/c07444/"),
    ("clerk", "/nhap-lieu/nhap-tep/so-lieu/d218/"),
    ("clerk", "/nhap-lieu/xuat/d218/"),
    ("today_officer", "/nhap-lieu/nhap-tep/so-lieu/t24/"),
    ("today_officer", "/nhap-lieu/xuat/so-lieu/t24/"),
    ("officer", "/nhap-lieu/chi-tieu/p24/"),
    ("officer", "/nhap-lieu/chi-tieu/d218/"),
    ("officer", "/nhap-lieu/nhap-tep/chi-tieu/p24/"),
    ("officer", "/nhap-lieu/mo-lai-thang/p24/"),
    ("officer", "/api/token/"),
    ("national", "/u/vn/?year=2023&month=5"),
    ("national", "/u/vn/ban-do/?year=2023&month=5"),
    ("today_officer", "/u/t24/ban-do/?year=2026&month=5"),
    ("today_officer", "/tim-kiem/?q=huyen luc nam"),
]


@pytest.mark.django_db
def test_english_pages_have_no_vietnamese_left(client, demo):
    """One walk over the pages (the demo data takes seconds to load; the pages, milliseconds)."""
    problems = {}
    for who, url in ENGLISH_PAGES:
        response = english(client, getattr(demo, who)).get(url)
        html = response.content.decode()
        left = leftover_vietnamese(html, demo)
        # Years are not figures: no "2,023" in pickers or form values.
        years = re.findall(r'value="2[.,]0\d\d|>2[.,]0\d\d</option>', html)
        if response.status_code != 200 or '<html lang="en">' not in html or left or years:
            problems[url] = (response.status_code, left, years)
    assert problems == {}


@pytest.mark.django_db
def test_the_nation_is_named_in_the_readers_language(client, demo):
    html = english(client, demo.national).get("/u/vn/?year=2023&month=5").content.decode()
    assert "Nationwide" in html and "Toàn quốc" not in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    assert "Toàn quốc" in client.get("/u/vn/?year=2023&month=5").content.decode()


@pytest.mark.django_db
def test_the_sign_in_page_reads_in_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    html = client.post("/accounts/login/", {"username": "x", "password": "y"}).content.decode()
    assert "Wrong username or password." in html and "Sign in" in html
    assert not VIETNAMESE.search(re.sub(r"<script\b.*?</script>", "", html, flags=re.S))
