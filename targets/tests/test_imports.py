"""Reading and checking files of counts and targets: each bad input with the message a user sees."""

import datetime as dt
import html
import io
import re

import pytest
from openpyxl import Workbook

from bhxh_dashboard import clock
from targets.imports import (
    ImportFileError,
    ImportRefused,
    commit_counts,
    commit_targets,
    normalize_code,
    preview_counts,
    preview_targets,
    read_table,
)
from targets.models import (
    ChangeField,
    ChangeLog,
    MonthlyCount,
    MonthReopening,
    Target,
    TargetKind,
)

HEADER = "Mã xã;Tên xã;Năm;Tháng;Số người tham gia;Phát triển mới"


def csv_bytes(*lines, header=HEADER, bom=True, sep=";"):
    text = "\r\n".join([header.replace(";", sep), *lines]) + "\r\n"
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def xlsx_bytes(rows):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def june(demo):
    """June 2023 of Bắc Giang reopened, so it can be imported whatever today's date is."""
    for month in (6, 7):
        MonthReopening.objects.create(
            province=demo.bac_giang,
            year=2023,
            month=month,
            open_until=clock.now() + dt.timedelta(days=5),
            reopened_by=demo.officer,
        )
    communes = list(demo.luc_nam.children.order_by("code"))
    may = {
        c.commune_id: c
        for c in MonthlyCount.objects.filter(commune__in=communes, year=2023, month=5)
    }
    return communes, may


def fine_line(commune, may, *, code=None, name=None, month=6, plus=10, sep=";"):
    before = may[commune.pk].participants
    return sep.join(
        [
            code if code is not None else commune.code,
            name if name is not None else commune.full_name,
            "2023",
            str(month),
            str(before + plus),
            str(plus + 5),
        ]
    )


# --- cells --------------------------------------------------------------------------------------


def test_codes_get_their_leading_zeros_back_by_level():
    assert normalize_code("7210", 3) == "07210"
    assert normalize_code("07210", 3) == "07210"
    assert normalize_code("7210.0", 3) == "07210"
    assert normalize_code("24", 1) == "24"
    assert normalize_code("218", 2) == "218"
    assert normalize_code("123456", 3) is None
    assert normalize_code("x12", 3) is None


# --- whole files ----------------------------------------------------------------------------------


def test_csv_with_or_without_bom_and_either_separator_reads_the_same():
    a = read_table(csv_bytes("7210;Xã A;2023;6;1.234;5", bom=True))
    b = read_table(csv_bytes("7210,Xã A,2023,6,1234,5", bom=False, sep=","))
    assert a[0] == b[0] == HEADER.split(";")
    assert a[1][0] == b[1][0] == "7210"


def test_trailing_empty_rows_are_ignored():
    rows = read_table(csv_bytes("7210;Xã A;2023;6;1;0", ";;;;;", "", ";;;;;"))
    assert len(rows) == 2


@pytest.mark.parametrize("encoding", ["cp1258", "latin-1"])
def test_a_file_in_another_encoding_gets_one_clear_message(encoding):
    text = "Ma xa;Ten xa;Nam;Thang;So nguoi tham gia\r\n01234;Đông Hưng;2023;6;5\r\n"
    if encoding == "latin-1":
        text = text.replace("Đông Hưng", "Xã Thái")
    data = text.encode(encoding)
    with pytest.raises(ImportFileError) as exc:
        read_table(data, "counts.csv")
    assert "không được mã hóa UTF-8" in str(exc.value)


@pytest.mark.parametrize(
    "data", [b"PK\x03\x04 this is not really a zip", xlsx_bytes([["a"]])[:200]]
)
def test_a_broken_xlsx_gets_one_clear_message(data):
    with pytest.raises(ImportFileError) as exc:
        read_table(data, "counts.xlsx")
    assert "Tệp Excel bị hỏng" in str(exc.value)


@pytest.mark.django_db
def test_a_file_without_the_needed_columns_says_which_are_missing(demo):
    with pytest.raises(ImportFileError) as exc:
        preview_counts(b"code;name\r\n1;2\r\n", "x.csv", user=demo.clerk)
    assert "Tệp thiếu cột: Năm, Tháng, Số người tham gia" in str(exc.value)


# --- rows -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_clean_file_is_all_fine_and_imports_through_the_entry_service(demo, june):
    communes, may = june
    data = csv_bytes(*[fine_line(c, may) for c in communes[:3]])
    preview = preview_counts(data, "x.csv", user=demo.clerk)
    assert [r.status for r in preview.rows] == ["ok", "ok", "ok"]
    result = commit_counts(preview, user=demo.clerk)
    assert result.created == 3
    saved = MonthlyCount.objects.get(commune=communes[0], year=2023, month=6)
    assert saved.participants == may[communes[0].pk].participants + 10
    assert saved.updated_by == demo.clerk
    log = ChangeLog.objects.filter(unit=communes[0], year=2023, month=6)
    assert {entry.source for entry in log} == {"import"}
    assert log.count() == 2


@pytest.mark.django_db
def test_excel_cells_typed_as_numbers_or_text_and_codes_without_zeros(demo, june):
    communes, may = june
    a, b = communes[:2]
    rows = [
        HEADER.split(";"),
        [int(a.code), a.name, 2023, 6, float(may[a.pk].participants + 3), 8],
        [b.code, b.full_name, "2023", "6", str(may[b.pk].participants + 2), "7"],
        [None] * 6,
        [None] * 6,
    ]
    preview = preview_counts(xlsx_bytes(rows), "x.xlsx", user=demo.clerk)
    assert [(r.status, r.unit) for r in preview.rows] == [("ok", a), ("ok", b)]
    assert preview.rows[0].values == {
        "participants": may[a.pk].participants + 3,
        "new_participants": 8,
    }


def messages_of(preview):
    return [(row.line, row.status, row.messages) for row in preview.rows]


@pytest.mark.django_db
def test_each_bad_row_says_why_in_vietnamese(demo, june):
    communes, may = june
    outside = demo.another_district.children.order_by("code").first()
    lines = [
        fine_line(communes[0], may),  # 2: fine
        "99999;Xã Không Có;2023;6;10;1",  # 3: unknown code
        f"{outside.code};{outside.full_name};2023;6;10;1",  # 4: outside the user's scope
        fine_line(communes[1], may, name="Xã Sai Tên"),  # 5: name does not match
        f"{communes[2].code};{communes[2].name};2023;6;12,5;1",  # 6: not a whole number
        f"{communes[3].code};;2023;6;-4;1",  # 7: negative
        fine_line(communes[0], may, plus=20),  # 8: duplicate of line 2
        f"{communes[4].code};;2099;1;10;1",  # 9: a month in the future
        f"{communes[5].code};;2023;4;10;1",  # 10: a closed month
        f"{communes[6].code};;2023;6;{may[communes[6].pk].participants // 2};0",  # 11: fall
        f"{communes[7].code};;2023;6;249;1250",  # 12: more sign-ups than participants
    ]
    preview = preview_counts(csv_bytes(*lines), "x.csv", user=demo.clerk)
    got = {line: (status, " ".join(msgs)) for line, status, msgs in messages_of(preview)}
    assert got[2] == ("ok", "")
    assert got[3] == ("error", "Không có đơn vị mã “99999”.")
    assert got[4][0] == "error" and "ngoài phạm vi bạn được nhập" in got[4][1]
    assert got[5][0] == "error" and "Tên “Xã Sai Tên” không khớp với mã" in got[5][1]
    assert got[6] == ("error", "Số người tham gia: “12,5” không phải số nguyên.")
    assert got[7] == ("error", "Số người tham gia: “-4” là số âm.")
    assert got[8] == ("error", "Trùng với dòng 2 (cùng xã, cùng tháng).")
    assert got[9][0] == "error" and "Tháng 01/2099 chưa đến ngày chốt số liệu" in got[9][1]
    assert got[10] == ("error", "Tháng 04/2023 đã khoá sổ ngày 05/05/2023.")
    assert got[11][0] == "warning"
    assert "Số người tham gia giảm 50% so với tháng trước" in got[11][1]
    assert got[12] == (
        "error",
        "Số phát triển mới (1.250) không thể lớn hơn số người tham gia cuối tháng (249): "
        "người mới tham gia trong tháng đã nằm trong số người tham gia.",
    )
    assert preview.has_errors
    with pytest.raises(ImportRefused):
        commit_counts(preview, user=demo.clerk)
    assert not MonthlyCount.objects.filter(year=2023, month=6).exists()


@pytest.mark.django_db
def test_names_match_without_diacritics_short_or_full(demo, june):
    communes, may = june
    c = communes[0]
    from provinces.search import search_key

    lines = [
        fine_line(c, may, name=search_key(c.name).upper()),
        fine_line(communes[1], may, name=communes[1].full_name.lower()),
        fine_line(communes[2], may, name=""),
    ]
    preview = preview_counts(csv_bytes(*lines), "x.csv", user=demo.clerk)
    assert [r.status for r in preview.rows] == ["ok", "ok", "ok"]


@pytest.mark.django_db
def test_warnings_compare_with_the_previous_month_in_the_same_file(demo, june):
    communes, may = june
    c = communes[0]
    june_value = may[c.pk].participants + 10
    lines = [
        fine_line(c, may),
        f"{c.code};;2023;7;{june_value * 3};{june_value * 2}",  # triples June's figure
    ]
    preview = preview_counts(csv_bytes(*lines), "x.csv", user=demo.clerk)
    assert preview.rows[0].status == "ok"
    assert preview.rows[1].status == "warning"
    assert "tăng 200% so với tháng trước" in preview.rows[1].warnings[0]
    # Warnings shown in the preview count as confirmed when the user imports.
    result = commit_counts(preview, user=demo.clerk)
    assert (result.created, result.months) == (2, 2)


@pytest.mark.django_db
def test_blank_template_lines_are_skipped_not_errors(demo, june):
    communes, may = june
    lines = [fine_line(communes[0], may), f"{communes[1].code};{communes[1].full_name};2023;6;;"]
    preview = preview_counts(csv_bytes(*lines), "x.csv", user=demo.clerk)
    assert [r.status for r in preview.rows] == ["ok", "empty"]
    assert len(preview.rows_to_write) == 1


@pytest.mark.django_db
def test_an_import_by_a_user_outside_the_scope_writes_nothing(demo, june):
    communes, may = june
    data = csv_bytes(*[fine_line(c, may) for c in communes[:3]])
    for user in (demo.neighbour_clerk, demo.other_clerk, demo.officer, demo.nobody):
        preview = preview_counts(data, "x.csv", user=user)
        assert all(r.status == "error" for r in preview.rows)
        with pytest.raises(ImportRefused):
            commit_counts(preview, user=user)
    assert not MonthlyCount.objects.filter(year=2023, month=6).exists()
    assert not ChangeLog.objects.exists()


@pytest.mark.django_db
def test_all_or_nothing_when_a_later_month_is_refused_by_the_service(demo, june):
    communes, may = june
    data = csv_bytes(fine_line(communes[0], may), fine_line(communes[1], may, month=7))
    preview = preview_counts(data, "x.csv", user=demo.clerk)
    assert not preview.has_errors
    # The July reopening ends between the preview and the import: June must not be written.
    MonthReopening.objects.filter(month=7).update(open_until=clock.now())
    with pytest.raises(ImportRefused) as exc:
        commit_counts(preview, user=demo.clerk)
    assert "07/2023" in " ".join(exc.value.messages)
    assert not MonthlyCount.objects.filter(year=2023, month__in=(6, 7)).exists()


# --- targets --------------------------------------------------------------------------------------

TARGET_HEADER = (
    "Cấp;Mã đơn vị;Tên đơn vị;Năm;Chỉ tiêu số người tham gia;Chỉ tiêu phát triển mới;"
    "Tháng hoàn thành"
)


@pytest.mark.django_db
def test_targets_import_and_a_blank_cell_keeps_the_stored_target(demo):
    commune = demo.luc_nam.children.order_by("code").first()
    Target.objects.create(unit=demo.luc_nam, year=2024, kind=TargetKind.NEW_PARTICIPANTS, value=99)
    data = csv_bytes(
        "Huyện;218;Lục Nam;2024;4.500;;10",
        f"xa;{int(commune.code)};{commune.name};2024;300;50;",
        header=TARGET_HEADER,
    )
    preview = preview_targets(data, "t.csv", user=demo.officer)
    assert [r.status for r in preview.rows] == ["ok", "ok"]
    commit_targets(preview, user=demo.officer)
    got = {
        (t.unit_id, t.kind): (t.value, t.deadline_month) for t in Target.objects.filter(year=2024)
    }
    assert got[(demo.luc_nam.pk, TargetKind.PARTICIPANTS)] == (4500, 10)
    assert got[(demo.luc_nam.pk, TargetKind.NEW_PARTICIPANTS)] == (99, 10)
    # a blank deadline is none of its own: the commune takes its district's when computed
    assert got[(commune.pk, TargetKind.NEW_PARTICIPANTS)] == (50, None)
    assert set(ChangeLog.objects.values_list("source", flat=True)) == {"import"}


@pytest.mark.django_db
def test_a_target_file_with_a_blank_deadline_stores_none_of_its_own(demo):
    Target.objects.create(
        unit=demo.luc_nam, year=2024, kind=TargetKind.NEW_PARTICIPANTS, value=99, deadline_month=8
    )
    data = csv_bytes("Huyện;218;Lục Nam;2024;4.500;120;", header=TARGET_HEADER)
    preview = preview_targets(data, "t.csv", user=demo.officer)
    assert [r.status for r in preview.rows] == ["ok"]
    commit_targets(preview, user=demo.officer)
    assert dict(
        Target.objects.filter(unit=demo.luc_nam, year=2024).values_list("kind", "deadline_month")
    ) == {TargetKind.PARTICIPANTS: None, TargetKind.NEW_PARTICIPANTS: None}
    # the audit says "inherit" as NULL
    log = ChangeLog.objects.get(unit=demo.luc_nam, field=ChangeField.DEADLINE_MONTH)
    assert (log.new_value, log.source) == (None, "import")


@pytest.mark.django_db
def test_a_target_file_without_the_deadline_column_keeps_the_deadlines(demo):
    Target.objects.create(
        unit=demo.luc_nam, year=2024, kind=TargetKind.NEW_PARTICIPANTS, value=99, deadline_month=8
    )
    header = TARGET_HEADER.rsplit(";", 1)[0]
    unchanged = preview_targets(
        csv_bytes("Huyện;218;Lục Nam;2024;;99", header=header), "t.csv", user=demo.officer
    )
    assert [r.status for r in unchanged.rows] == ["unchanged"]
    preview = preview_targets(
        csv_bytes("Huyện;218;Lục Nam;2024;;120", header=header), "t.csv", user=demo.officer
    )
    commit_targets(preview, user=demo.officer)
    target = Target.objects.get(unit=demo.luc_nam, year=2024, kind=TargetKind.NEW_PARTICIPANTS)
    assert (target.value, target.deadline_month) == (120, 8)


@pytest.mark.django_db
def test_targets_outside_the_scope_or_with_a_bad_level_are_errors(demo):
    data = csv_bytes(
        f"Huyện;{demo.lang_son_district.code};;2024;100;;",
        "Tỉnh;24;Bắc Giang;2024;100;;",
        "Thôn;218;;2024;100;;",
        "Huyện;218;Lục Nam;2024;100;;13",
        header=TARGET_HEADER,
    )
    before = sorted(Target.objects.filter(year=2024).values_list("id", "value", "deadline_month"))
    preview = preview_targets(data, "t.csv", user=demo.officer)
    got = [(r.status, " ".join(r.messages)) for r in preview.rows]
    assert "ngoài phạm vi bạn được nhập" in got[0][1]
    assert "ngoài phạm vi bạn được nhập" in got[1][1]  # the province's own target comes from above
    assert got[2] == ("error", "Cấp “Thôn” không hợp lệ (Tỉnh, Huyện hoặc Xã).")
    assert got[3] == ("error", "Tháng hoàn thành: “13” phải từ 1 đến 12.")
    with pytest.raises(ImportRefused):
        commit_targets(preview, user=demo.officer)
    after = sorted(Target.objects.filter(year=2024).values_list("id", "value", "deadline_month"))
    assert after == before  # the demo's 2024 targets, untouched


# --- one grammar ----------------------------------------------------------------------------------

# What people type or files carry, and what it reads as (None: refused).
TYPED = {
    "1.234": 1234,
    "1,234": 1234,
    " 1 234 ": 1234,
    "1234": 1234,
    "1.000": 1000,
    "12.0": 12,
    "12,00": 12,
    "12,5": None,
    "1.23": None,
    "-4": None,
    "−4": None,
    "+4": None,
    "1e3": None,
    "mười": None,
    "10.000.001": None,
}


@pytest.mark.django_db
def test_the_grid_and_the_import_accept_and_refuse_the_same_figures(client, demo, june):
    """Each value typed in a grid cell and the same value in a file cell: both refuse it with the
    same message, or both read the same number (the file, imported after the grid saved, is
    unchanged line for line)."""
    communes, may = june
    assert len(communes) >= len(TYPED)
    typed = dict(zip((c.pk for c in communes), TYPED, strict=False))
    client.force_login(demo.clerk)
    grid = {"thang": "2023-06", "save": "1", "confirm": "1"}
    for commune in communes:
        grid[f"v_{commune.pk}"] = "0"
        grid[f"p_{commune.pk}"] = typed.get(commune.pk, "")
        grid[f"n_{commune.pk}"] = "0" if commune.pk in typed else ""
    page = client.post("/nhap-lieu/so-lieu/d218/?thang=2023-06", grid).content.decode()
    lines = [f"{c.code};;2023;6;{typed[c.pk]};0" for c in communes if c.pk in typed]
    preview = preview_counts(csv_bytes(*lines), "x.csv", user=demo.clerk)
    for row, (commune_id, text) in zip(preview.rows, typed.items(), strict=True):
        grid_error = re.search(rf'id="e_p_{commune_id}">([^<]*)<', page)
        file_errors = [m.removeprefix("Số người tham gia: ") for m in row.errors]
        if TYPED[text] is None:
            assert grid_error is not None and file_errors == [html.unescape(grid_error[1])], text
        else:
            assert grid_error is None and not file_errors, text
            assert row.values["participants"] == TYPED[text], text

    # The accepted values alone: the grid saves them, and the same file then changes nothing.
    accepted = {cid: text for cid, text in typed.items() if TYPED[text] is not None}
    for commune_id in typed:
        grid[f"p_{commune_id}"] = accepted.get(commune_id, "")
        grid[f"n_{commune_id}"] = "0" if commune_id in accepted else ""
    response = client.post("/nhap-lieu/so-lieu/d218/?thang=2023-06", grid)
    token = re.search(r'name="confirm_token" value="([0-9a-f]+)"', response.content.decode())
    if token:  # the values are far from May's: confirm the warnings as the page asks
        response = client.post(
            "/nhap-lieu/so-lieu/d218/?thang=2023-06", {**grid, "confirm_token": token[1]}
        )
    assert response.status_code == 302
    stored = dict(
        MonthlyCount.objects.filter(year=2023, month=6).values_list("commune_id", "participants")
    )
    assert stored == {cid: TYPED[text] for cid, text in accepted.items()}
    code = {c.pk: c.code for c in communes}
    again = preview_counts(
        csv_bytes(*[f"{code[cid]};;2023;6;{text};0" for cid, text in accepted.items()]),
        "x.csv",
        user=demo.clerk,
    )
    assert [r.status for r in again.rows] == ["unchanged"] * len(accepted)


@pytest.mark.django_db
def test_a_code_on_both_maps_names_the_unit_of_the_lines_period(demo, june):
    """Many communes of today's map kept an old commune's code (and 24 was Bắc Giang and is
    today's Bắc Ninh): a line names the unit of the map in force at its month or year."""
    from provinces.models import Unit

    communes, may = june
    new_codes = set(
        Unit.objects.communes().filter(valid_from__isnull=False).values_list("code", flat=True)
    )
    old = next(c for c in communes if c.code in new_codes)
    new = Unit.objects.get(level=old.level, code=old.code, valid_from__isnull=False)
    june_line = f"{old.code};{old.name};2023;6;{may[old.pk].participants + 5};15"
    preview = preview_counts(csv_bytes(june_line), "x.csv", user=demo.clerk)
    assert [(r.status, r.unit) for r in preview.rows] == [("ok", old)]
    november = csv_bytes(f"{new.code};{new.name};2026;11;100;5")
    assert preview_counts(november, "x.csv", user=demo.clerk).rows[0].unit == new

    # Targets: 2024 is the old map's, 2026 today's; 2025 had both: the one the user may set.
    def target_unit(user, year, unit):
        line = f"Xã;{unit.code};{unit.name};{year};100;;12"
        return preview_targets(csv_bytes(line, header=TARGET_HEADER), "t.csv", user=user).rows[0]

    assert target_unit(demo.officer, 2024, old).unit == old
    assert target_unit(demo.today_officer, 2026, new).unit == new
    assert target_unit(demo.officer, 2025, old).unit == old
    assert target_unit(demo.today_officer, 2025, new).unit == new
    assert target_unit(demo.today_officer, 2026, new).status == "ok"
