"""Files for Excel and the attacks of issue 16 on imports and grid posts, each with a small file
or request: refused with a clear Vietnamese message, nothing written."""

import io
import re
import zipfile

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from targets import imports
from targets.exports import count_rows, render
from targets.imports import ImportFileError, preview_counts, read_table
from targets.models import ChangeLog, MonthlyCount, Target, TargetKind

pytestmark = pytest.mark.django_db

HEADER = "Mã xã;Tên xã;Năm;Tháng;Số người tham gia;Phát triển mới"
TITLE_LINES = 5  # unit, period, map, generated at, by whom
COUNTS = "/nhap-lieu/so-lieu/d218/"
TARGETS = "/nhap-lieu/chi-tieu/p24/"


def import_url():
    return reverse("targets:import_counts", kwargs={"code": "d218"})


def upload(content: bytes, name="so-lieu.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def counts_written():
    return MonthlyCount.objects.count(), ChangeLog.objects.count()


# --- formula injection ------------------------------------------------------------------------


@pytest.fixture
def formula_commune(demo):
    commune = demo.luc_nam.children.order_by("code").first()
    commune.full_name = '=HYPERLINK("http://example.com","x")'
    commune.save(update_fields=["full_name"])
    return commune


def test_a_formula_like_name_is_quoted_in_csv_and_imports_back_unchanged(demo, formula_commune):
    data, _type = render(
        "counts", "csv", count_rows(scope=demo.luc_nam, year_from=2023, year_to=2023)
    )
    text = data.decode("utf-8-sig")
    assert ";'=HYPERLINK(" in text.replace('"', "")
    assert ";=HYPERLINK" not in text.replace('"', "")
    preview = preview_counts(data, "x.csv", user=demo.clerk)
    assert {row.status for row in preview.rows} == {"unchanged"}


def test_a_formula_like_name_is_a_string_cell_in_xlsx_never_a_formula(demo, formula_commune):
    data, _type = render(
        "counts", "xlsx", count_rows(scope=demo.luc_nam, year_from=2023, year_to=2023)
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # no formula anywhere in the sheet
    sheet = load_workbook(io.BytesIO(data)).active
    names = [c for c in sheet["B"] if c.value == formula_commune.full_name]
    assert names and all(c.data_type == "s" for c in names)
    preview = preview_counts(data, "x.xlsx", user=demo.clerk)
    assert {row.status for row in preview.rows} == {"unchanged"}


def test_the_crosswalk_quotes_formula_like_names(client, demo):
    from provinces.models import Level, Unit

    client.force_login(demo.today_officer)
    url = f"/u/{demo.bac_ninh.url_code}/quy-doi.csv"
    first = client.get(url).content.decode("utf-8-sig").splitlines()[1].split(",")
    Unit.objects.filter(level=Level.COMMUNE, code=first[1], valid_from__isnull=False).update(
        full_name="@SUM(1+1)*cmd"
    )
    text = client.get(url).content.decode("utf-8-sig")
    assert "'@SUM(1+1)*cmd" in text
    assert ",@SUM" not in text


# --- files for Excel ---------------------------------------------------------------------------


def test_the_excel_export_has_a_title_block_a_named_sheet_and_number_formats(client, demo):
    client.force_login(demo.clerk)
    response = client.get(
        reverse("targets:export", kwargs={"code": "d218"})
        + "?loai=so-lieu&tu_nam=2023&den_nam=2023&dinh_dang=xlsx"
    )
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    assert sheet.title == "Số liệu tháng"
    title = [(r[0].value, r[1].value) for r in sheet.iter_rows(max_row=5)]
    assert title[0] == ("Đơn vị", demo.luc_nam.full_name)
    assert title[1] == ("Kỳ", "2023")
    assert title[3][0] == "Xuất lúc" and re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", title[3][1])
    assert title[4] == ("Người xuất", demo.clerk.get_full_name() or demo.clerk.username)
    first = list(sheet.iter_rows(min_row=TITLE_LINES + 2, max_row=TITLE_LINES + 2))[0]
    assert isinstance(first[4].value, int) and first[4].number_format == "#,##0"  # 52.139
    assert first[2].number_format == "0"  # the year: 2023, not 2.023
    assert first[0].number_format == "@" and first[0].value.startswith("0")


def test_a_comma_separated_export_imports_back_unchanged(client, demo):
    client.force_login(demo.clerk)
    response = client.get(
        reverse("targets:export", kwargs={"code": "d218"})
        + "?loai=so-lieu&tu_nam=2023&den_nam=2023&dinh_dang=csv&tach=phay"
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[TITLE_LINES] == HEADER.replace(";", ",")
    before = counts_written()
    preview = preview_counts(response.content, "x.csv", user=demo.clerk)
    assert {row.status for row in preview.rows} == {"unchanged"}
    assert preview.rows[0].line == TITLE_LINES + 2  # the line a spreadsheet shows it on
    assert counts_written() == before


def test_the_progress_table_exports_percentages_as_numbers_with_a_percent_format(client, demo):
    client.force_login(demo.officer)
    base = f"/u/{demo.bac_giang.url_code}/?year=2023&month=5&_export="
    sheet = load_workbook(io.BytesIO(client.get(base + "xlsx").content)).active
    assert sheet.title != "Export Data" and sheet.title.startswith("Tiến độ")
    rows = list(sheet.iter_rows(min_row=TITLE_LINES + 1))
    header = [c.value for c in rows[0]]
    pct = header.index("% kế hoạch")
    cell = rows[1][pct]
    assert isinstance(cell.value, float) and 0 < cell.value < 3 and cell.number_format == "0.00%"
    text = client.get(base + "csv").content.decode("utf-8-sig")
    assert text.startswith("Đơn vị;")
    assert re.search(r";\d+,\d+;", text)  # 84,65: a number under Vietnamese settings


# --- spreadsheet bombs and limits ----------------------------------------------------------------


def xlsx_with(sheet_xml: str, shared: str | None = None) -> bytes:
    """A minimal workbook around a hand-written sheet (and shared strings)."""
    out = io.BytesIO()
    Workbook().save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode()
            archive.writestr(item.filename, data)
        if shared is not None:
            archive.writestr("xl/sharedStrings.xml", shared)
    return result.getvalue()


SHEET = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "{dimension}<sheetData>{rows}</sheetData></worksheet>"
)


def test_a_sheet_declaring_the_last_column_is_refused_before_it_is_read():
    rows = '<row r="5000"><c r="XFD5000" t="n"><v>1</v></c></row>'
    data = xlsx_with(SHEET.format(dimension='<dimension ref="A1:XFD5000"/>', rows=rows))
    assert len(data) < 6000  # the was 2.2 KB
    with pytest.raises(ImportFileError) as exc:
        read_table(data, "bom.xlsx")
    assert "quá nhiều cột" in str(exc.value)


def test_a_sheet_without_dimension_is_read_no_wider_than_the_column_limit():
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c><c r="XFD1"><v>1</v></c></row>'
    table = read_table(xlsx_with(SHEET.format(dimension="", rows=rows)), "wide.xlsx")
    assert table == [["x"] + [""] * (imports.MAX_COLUMNS - 1)]


def test_a_million_row_sheet_is_refused_by_its_dimension():
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>1</v></c></row>' for i in range(1, 50))
    data = xlsx_with(SHEET.format(dimension='<dimension ref="A1:A1000000"/>', rows=rows))
    with pytest.raises(ImportFileError) as exc:
        read_table(data, "rows.xlsx")
    assert str(exc.value) == "Tệp quá lớn: tối đa 200.000 dòng."


def test_reading_stops_one_row_past_the_limit_whatever_the_sheet_says(monkeypatch):
    monkeypatch.setattr(imports, "MAX_SHEET_ROWS", 100)
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>1</v></c></row>' for i in range(1, 5000))
    with pytest.raises(ImportFileError) as exc:
        read_table(xlsx_with(SHEET.format(dimension="", rows=rows)), "rows.xlsx")
    assert "Tệp quá lớn" in str(exc.value)


def test_huge_shared_strings_are_refused_by_their_unpacked_size():
    shared = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        'uniqueCount="1"><si><t>' + "a" * (imports.MAX_PART_XML_BYTES + 10) + "</t></si></sst>"
    )
    data = xlsx_with(SHEET.format(dimension="", rows=""), shared)
    assert len(data) < 200_000  # a few hundred kilobytes on the wire
    with pytest.raises(ImportFileError) as exc:
        read_table(data, "strings.xlsx")
    assert "quá lớn khi giải nén" in str(exc.value)


def test_a_declared_shared_string_count_past_the_limit_is_refused():
    shared = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="9" '
        'uniqueCount="900000000"><si><t>a</t></si></sst>'
    )
    with pytest.raises(ImportFileError):
        read_table(xlsx_with(SHEET.format(dimension="", rows=""), shared), "strings.xlsx")


def test_a_csv_cell_of_200000_characters_gets_a_clear_message_not_a_500(client, demo):
    client.force_login(demo.clerk)
    data = f"\ufeff{HEADER}\r\n7210;{'x' * 200_000};2023;6;1;0\r\n".encode()
    before = counts_written()
    response = client.post(import_url(), {"file": upload(data), "preview": "1"})
    assert response.status_code == 200
    assert "Dòng 2 không đọc được: ô quá dài" in response.context["file_error"]
    assert cache.get(f"import:{demo.clerk.pk}") is None
    assert counts_written() == before


def test_an_upload_past_10_mb_is_cut_off_while_read_with_a_message(client, demo):
    client.force_login(demo.clerk)
    data = HEADER.encode() + b"\r\n" + b"7210;A;2023;6;1;0\r\n" * 600_000  # 11 MB
    response = client.post(import_url(), {"file": upload(data), "preview": "1"})
    assert response.status_code == 413
    assert response.context["file_error"] == "Tệp lớn hơn 10 MB."
    assert cache.get(f"import:{demo.clerk.pk}") is None


# --- stored previews and bounded problem lists --------------------------------------------------


def june_lines(demo, *, bad: int = 0, total: int = 4) -> bytes:
    communes = list(demo.luc_nam.children.order_by("code"))
    lines = [HEADER]
    for i in range(total):
        commune = communes[i % len(communes)]
        value = "12,5" if i < bad else str(1000 + i)
        lines.append(f"{commune.code};{commune.full_name};2023;6;{value};1")
    return ("\ufeff" + "\r\n".join(lines)).encode()


def test_only_a_committable_preview_is_kept_one_per_user(client, demo):
    client.force_login(demo.clerk)
    key = f"import:{demo.clerk.pk}"
    client.post(import_url(), {"file": upload(june_lines(demo)), "preview": "1"})
    first = cache.get(key)
    assert first is not None
    client.post(import_url(), {"file": upload(june_lines(demo, total=3)), "preview": "1"})
    second = cache.get(key)
    assert second["token"] != first["token"]  # replaced, not added
    # The first preview's token no longer imports anything.
    response = client.post(import_url(), {"token": first["token"], "commit": "1"})
    assert response.status_code == 400
    client.post(import_url(), {"file": upload(june_lines(demo, bad=1)), "preview": "1"})
    assert cache.get(key) is None  # a file with errors is not kept at all


def test_a_file_of_many_errors_lists_200_and_offers_the_full_list(client, demo):
    client.force_login(demo.clerk)
    response = client.post(
        import_url(), {"file": upload(june_lines(demo, bad=250, total=320)), "preview": "1"}
    )
    html = response.content.decode()
    assert html.count('data-status="error"') == 200
    assert 'id="problems-download"' in html and "dòng đầu trong 320 dòng" in html
    full = client.get(import_url() + "?loi=1")
    assert full["Content-Disposition"] == 'attachment; filename="dong-loi.csv"'
    lines = full.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 320  # 250 errors and 70 duplicates of a commune
    assert not MonthlyCount.objects.filter(year=2023, month=6).exists()


def test_the_full_list_of_problems_is_only_its_owners(client, demo):
    client.force_login(demo.clerk)
    client.post(
        import_url(), {"file": upload(june_lines(demo, bad=250, total=320)), "preview": "1"}
    )
    client.logout()
    assert client.get(import_url() + "?loi=1").status_code == 302  # to sign in
    client.force_login(demo.other_clerk)
    assert client.get(import_url() + "?loi=1").status_code == 404
    client.force_login(demo.national)  # may read Lục Nam but may not enter its counts
    assert client.get(import_url() + "?loi=1").status_code == 403


# --- grid posts that say what they write ----------------------------------------------------------


def grid_data(demo, month, value="1234", **extra):
    data = {"save": "1", **extra}
    if month is not None:
        data["thang"] = month
    for commune in demo.luc_nam.children.all():
        data[f"p_{commune.pk}"] = value
        data[f"n_{commune.pk}"] = "1"
        data[f"v_{commune.pk}"] = "0"
    return data


@pytest.mark.parametrize("month", ["2027-01", None, "2023-13"])
def test_a_grid_post_for_another_month_is_refused_and_writes_nothing(client, demo, month):
    client.force_login(demo.clerk)
    before = counts_written()
    # Posted to the page without ?thang=, as the attack did: the page opens its default month.
    html = client.post(COUNTS, grid_data(demo, month)).content.decode()
    assert "Chưa lưu:" in html
    assert counts_written() == before


@pytest.mark.parametrize(("typed", "shown"), [("١٢٣", "١٢٣"), ("²", "²"), ("1２3", "1２3")])
def test_digits_other_than_ascii_are_refused_in_vietnamese(client, demo, typed, shown):
    client.force_login(demo.clerk)
    before = counts_written()
    data = grid_data(demo, "2023-06", value=typed)
    data.update({k: "١" for k in data if k.startswith("v_")})  # versions too: no crash
    html = client.post(COUNTS + "?thang=2023-06", data).content.decode()
    assert f"“{shown}” không phải số nguyên." in html
    assert "invalid literal" not in html
    assert counts_written() == before


def test_a_target_post_missing_fields_leaves_those_targets_unchanged(client, demo):
    client.force_login(demo.officer)
    stored = sorted(Target.objects.filter(year=2023).values_list("unit_id", "kind", "value"))
    old = Target.objects.get(unit=demo.luc_nam, year=2023, kind=TargetKind.PARTICIPANTS).value
    # One district's participants field only: no tn_/dl_ for it, nothing for the others.
    response = client.post(
        TARGETS, {"nam": "2023", "save": "1", f"t_{demo.luc_nam.pk}": str(old + 5)}
    )
    assert response.status_code == 302
    after = sorted(Target.objects.filter(year=2023).values_list("unit_id", "kind", "value"))
    changed = [a for a, b in zip(after, stored, strict=True) if a != b]
    assert changed == [(demo.luc_nam.pk, TargetKind.PARTICIPANTS, old + 5)]
    assert len(stored) > 10  # the other districts' targets were there to lose
