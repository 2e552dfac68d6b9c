"""Bad input beyond the forms: random bytes, CSV-ish text and cell values for the import parser,
random typed values and POST data for the entry grid. Nothing may crash: every outcome is a
value or one of the documented, user-facing errors (ImportFileError, ParseError with a message,
an INVALID/NEEDS_CONFIRMATION save, the grid shown again)."""

from __future__ import annotations

import csv
import io
import random
import struct

import pytest
from django.db import connection
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bhxh_dashboard.parsing import MAX_COUNT, ParseError, parse_count
from provinces.models import Level
from targets import imports
from targets.forms import count_grid_post, parse_month_param
from targets.imports import ImportFileError
from targets.models import MonthlyCount
from targets.services import (
    CountEntry,
    SaveStatus,
    count_warnings,
    counts_save,
    impossible_new_participants,
)

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DB = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Characters that matter to the parser: separators, quotes, digits, signs, spaces of every kind,
# Vietnamese letters, a BOM, control characters.
CSV_ALPHABET = st.sampled_from(
    list(";,\t\n\r\"' .-−+0123456789")
    + list("aăâbcdđeêghiklmnoôơpqrstuưvxyÁẮẦĐỆ")
    + ["\u00a0", "\ufeff", "\x00", "\x0b", "1.234", "Mã xã", "Năm", "Tháng", "Số người tham gia"]
)
csvish = st.lists(CSV_ALPHABET, max_size=200).map("".join)
cell_text = st.one_of(
    st.text(max_size=20),
    st.from_regex(r"^[-−]?\s?\d{1,9}([.,\s\u00a0]\d{1,4})*\s?$", fullmatch=True),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
)


def _valid_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Mã xã", "Tên xã", "Năm", "Tháng", "Số người tham gia", "Phát triển mới"])
    sheet.append(["07210", "Xã A", 2023, 6, 1234, 12.0])
    sheet.append([7213, None, "2023", "06", "1.234", "x"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX = _valid_xlsx()


def _rows_of(table: list[list[str]]) -> None:
    """What preview_counts does with a table before it touches the database."""
    try:
        rows = imports._rows(table, imports.COUNT_COLUMNS)
    except ImportFileError as exc:
        assert str(exc)
        return
    for row in rows:
        imports._read_period(row, with_month=True)
        imports._read_int(row, "participants", "p")
        imports._read_int(row, "new_participants", "n")
        imports.normalize_code(row.cells.get("code", ""), Level.COMMUNE)
        assert all(isinstance(e, str) and e for e in row.errors)
        assert row.year is None or 2000 <= row.year <= 2100
        assert row.month is None or 1 <= row.month <= 12


def _read(data: bytes, filename: str) -> list[list[str]] | None:
    try:
        table = imports.read_table(data, filename)
    except ImportFileError as exc:
        assert str(exc)  # a message a person can act on
        return None
    assert table and all(isinstance(c, str) for row in table for c in row)
    assert all(any(row) for row in table)  # blank rows dropped
    return table


# ---------------------------------------------------------------------------------------------
# The import parser


@FAST
@given(data=st.binary(max_size=400), filename=st.sampled_from(["", "a.csv", "a.xlsx", "a.XLSM"]))
def test_random_bytes_never_crash_the_file_reader(data, filename):
    table = _read(data, filename)
    if table:
        _rows_of(table)


@FAST
@given(data=st.binary(max_size=300))
def test_random_bytes_behind_the_xlsx_magic_are_a_clear_error_or_rows(data):
    _read(imports.XLSX_MAGIC + data, "")


def _central_entries(data: bytes):
    """Offsets of the zip's central directory entries."""
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        yield at
        at = data.find(b"PK\x01\x02", at + 4)


@pytest.mark.parametrize(
    ("field", "offset", "value"),
    [
        ("encrypted flag", 8, 1),  # zipfile: RuntimeError, "password required"
        ("zip version 22.7", 6, 227),  # zipfile: NotImplementedError
    ],
)
def test_zip_damage_the_fuzz_found_is_a_clear_error(field, offset, value):
    data = bytearray(XLSX)
    for entry in _central_entries(XLSX):
        struct.pack_into("<H", data, entry + offset, value)
    with pytest.raises(ImportFileError, match="Tệp Excel bị hỏng"):
        imports.read_table(bytes(data), "so-lieu.xlsx")


@FAST
@given(
    positions=st.lists(st.integers(min_value=0, max_value=len(XLSX) - 1), min_size=1, max_size=8),
    values=st.lists(st.integers(min_value=0, max_value=255), min_size=8, max_size=8),
    cut=st.none() | st.integers(min_value=4, max_value=len(XLSX)),
)
def test_damaged_excel_files_are_a_clear_error_or_rows(positions, values, cut):
    data = bytearray(XLSX)
    for pos, value in zip(positions, values, strict=False):
        data[pos] = value
    table = _read(bytes(data[:cut]), "so-lieu.xlsx")
    if table:
        _rows_of(table)


@FAST
@given(text=csvish, bom=st.booleans(), encoding=st.sampled_from(["utf-8", "utf-16", "cp1258"]))
def test_csv_like_text_never_crashes_the_reader(text, bom, encoding):
    try:
        data = (("\ufeff" if bom else "") + text).encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    table = _read(data, "so-lieu.csv")
    if table:
        _rows_of(table)


@FAST
@given(
    cells=st.lists(st.lists(cell_text, min_size=0, max_size=8), max_size=12),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_files_with_the_right_header_and_random_cells_give_row_errors_not_crashes(cells, delimiter):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(["Mã xã", "Tên xã", "Năm", "Tháng", "Số người tham gia", "Phát triển mới"])
    writer.writerows(cells)
    table = _read(out.getvalue().encode(), "so-lieu.csv")
    # The header row is always there; only a NUL byte makes the whole file unreadable.
    assert table is not None or any("\x00" in c for row in cells for c in row)
    if table:
        _rows_of(table)


@FAST
@given(text=cell_text)
def test_whole_number_cells_are_a_number_blank_or_a_clear_error(text):
    try:
        value = parse_count(text)
    except ParseError as exc:
        assert str(exc)
        return
    assert value is None or (isinstance(value, int) and 0 <= value <= MAX_COUNT)
    assert (value is None) == (not text.strip())


@FAST
@given(
    n=st.integers(min_value=0, max_value=MAX_COUNT), sep=st.sampled_from([".", ",", " ", "\u00a0"])
)
def test_grouped_numbers_read_as_the_number_typed(n, sep):
    grouped = f"{n:,}".replace(",", sep)
    assert parse_count(grouped) == n
    assert parse_count(str(n)) == n
    assert parse_count(f"{n}.0") == n


@FAST
@given(
    text=st.text(max_size=12),
    level=st.sampled_from([Level.PROVINCE, Level.DISTRICT, Level.COMMUNE]),
)
def test_codes_are_normalised_or_refused(text, level):
    code = imports.normalize_code(text, level)
    assert code is None or (code.isdigit() and len(code) == imports.CODE_WIDTH[level])
    assert imports.parse_level(text) in (None, Level.PROVINCE, Level.DISTRICT, Level.COMMUNE)


# ---------------------------------------------------------------------------------------------
# The entry form's cleaning

typed_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**9), max_value=10**9),
    st.floats(allow_nan=True, allow_infinity=True),
    cell_text,
    st.text(max_size=15),
)


@FAST
@given(value=typed_values)
def test_parse_count_gives_a_count_blank_or_a_message(value):
    try:
        parsed = parse_count(value)
    except ParseError as exc:
        assert str(exc)
        return
    assert parsed is None or (isinstance(parsed, int) and 0 <= parsed <= MAX_COUNT)


@FAST
@given(n=st.integers(min_value=0, max_value=MAX_COUNT))
def test_parse_count_reads_plain_and_grouped_numbers(n):
    assert parse_count(str(n)) == n
    assert parse_count(f"{n:,}".replace(",", ".")) == n
    assert parse_count(f" {n:,} ") == n


@FAST
@given(
    participants=st.integers(min_value=0, max_value=MAX_COUNT),
    new=st.integers(min_value=0, max_value=MAX_COUNT),
    before=st.none() | st.integers(min_value=0, max_value=MAX_COUNT),
)
def test_count_warnings_never_crash_and_fall_and_rise_exclude_each_other(participants, new, before):
    previous = (
        None
        if before is None
        else MonthlyCount(participants=before, new_participants=0, year=2023, month=5)
    )
    found = count_warnings(
        commune_id=1,
        participants=participants,
        new_participants=new,
        previous=previous,
        year=2023,
        month=6,
    )
    codes = [w.code for w in found]
    assert not {"fall", "rise"} <= set(codes)
    assert (impossible_new_participants(participants, new) is None) == (new <= participants)
    assert all(w.message for w in found)


post_values = st.dictionaries(
    st.one_of(
        st.sampled_from(["p_1", "n_1", "v_1", "p_2", "n_2", "v_2", "confirm", "confirm_token"]),
        st.text(max_size=8),
    ),
    st.one_of(cell_text, st.text(max_size=10)),
    max_size=10,
)


@FAST
@given(post=post_values, commune_ids=st.lists(st.integers(1, 3), max_size=3, unique=True))
def test_grid_post_data_is_read_without_crashing(post, commune_ids):
    query = QueryDict(mutable=True)
    for key, value in post.items():
        query[key] = value
    data = count_grid_post(query, commune_ids)
    assert {e.commune_id for e in data.entries} <= set(commune_ids)
    assert set(data.expected_versions) == set(commune_ids)
    assert all(isinstance(v, int) for v in data.expected_versions.values())


@FAST
@given(value=st.text(max_size=12))
def test_month_parameter_is_a_valid_month_or_none(value):
    parsed = parse_month_param(value)
    assert parsed is None or (2000 <= parsed[0] <= 2100 and 1 <= parsed[1] <= 12)


# ---------------------------------------------------------------------------------------------
# Through the database and the page

DEMO_MONTH = (2023, 6)  # reopened for Bắc Giang by the demo


@pytest.mark.django_db
def test_random_typed_grids_save_or_are_refused_with_messages(demo):
    communes = list(demo.luc_nam.children.order_by("code").values_list("pk", flat=True))[:6]

    @DB
    @given(values=st.lists(st.tuples(typed_values, typed_values), min_size=6, max_size=6))
    def check(values):
        entries = [CountEntry(cid, p, n) for cid, (p, n) in zip(communes, values, strict=True)]
        result = counts_save(
            user=demo.clerk, year=DEMO_MONTH[0], month=DEMO_MONTH[1], entries=entries
        )
        assert result.status in set(SaveStatus)
        if result.status == SaveStatus.INVALID:
            assert result.errors or result.general_errors
            assert all(m for f in result.errors.values() for ms in f.values() for m in ms)
        if result.status == SaveStatus.NEEDS_CONFIRMATION:
            assert result.warnings
        if result.saved:
            stored = dict(
                MonthlyCount.objects.filter(
                    commune_id__in=communes, year=DEMO_MONTH[0], month=DEMO_MONTH[1]
                ).values_list("commune_id", "participants")
            )
            for cid, (p, _n) in zip(communes, values, strict=True):
                if parse_count(p) is not None:
                    assert stored[cid] == parse_count(p)

    check()


@pytest.mark.django_db
def test_random_post_data_to_the_entry_page_never_gives_a_server_error(demo, client):
    client.force_login(demo.clerk)
    url = f"/nhap-lieu/so-lieu/d{demo.luc_nam.code}/?thang={DEMO_MONTH[0]}-{DEMO_MONTH[1]:02d}"
    communes = list(demo.luc_nam.children.order_by("code").values_list("pk", flat=True))[:4]
    keys = [f"{k}_{c}" for c in communes for k in "pnv"] + ["confirm", "confirm_token", "thang"]

    @DB
    @given(
        post=st.dictionaries(
            st.one_of(st.sampled_from(keys), st.text(max_size=6)),
            st.one_of(cell_text, st.text(max_size=10)),
            max_size=12,
        )
    )
    def check(post):
        response = client.post(url, post)
        assert response.status_code in (200, 302)

    check()


@pytest.mark.django_db
def test_grid_filled_in_as_rendered_saves_when_commune_ids_are_large(client):
    """The browser round trip: the inputs the page renders, filled in and posted back as is.
    With the whole country loaded, commune ids pass 1,000 (and "1.000" with Vietnamese
    thousands separators)."""
    import re

    from conftest import load_tree
    from targets.demo import load_demo

    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('provinces_unit', 'id'), 100000)")
    load_tree(24, 20)
    load_demo()
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="lucnam"))
    url = f"/nhap-lieu/so-lieu/d218/?thang={DEMO_MONTH[0]}-{DEMO_MONTH[1]:02d}"
    page = client.get(url).content.decode()
    names = re.findall(r'name="([pnv]_[^"]+)"[^>]*? value="([^"]*)"', page)
    assert {name[0] for name, _ in names} == {"p", "n", "v"}
    rng = random.Random(1)
    post = {"thang": f"{DEMO_MONTH[0]}-{DEMO_MONTH[1]:02d}", "save": "1", "confirm": "1"}
    for name, value in names:
        if name.startswith("v_"):
            post[name] = value
        else:  # participants 2.000-2.100, new sign-ups fewer (more is an error)
            post[name] = str(
                rng.randint(2000, 2100) if name.startswith("p_") else rng.randint(0, 99)
            )
    response = client.post(url, post)
    token = re.search(r'name="confirm_token" value="([0-9a-f]+)"', response.content.decode())
    if response.status_code == 200 and token:
        response = client.post(url, {**post, "confirm_token": token[1]})
    assert response.status_code == 302
