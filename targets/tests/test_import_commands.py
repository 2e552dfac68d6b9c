"""The management commands: whole provinces, history (closed months), round trip, all or nothing."""

import pytest
from django.core.management import CommandError, call_command

from targets.models import ChangeLog, MonthlyCount, MonthReopening, Target


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(username="admin", password="pw-admin")


def history_file(tmp_path, demo, *, year=2021, months=(11, 12)):
    lines = ["Mã xã;Tên xã;Năm;Tháng;Số người tham gia;Phát triển mới"]
    for commune in demo.bac_giang.children.model.objects.communes().filter(province=demo.bac_giang):
        for month in months:
            lines.append(f"{int(commune.code)};{commune.name};{year};{month};1.0{month:02d};12")
    path = tmp_path / "history.csv"
    path.write_text("\n".join(lines), encoding="utf-8-sig")
    return path, len(lines) - 1


@pytest.mark.django_db
def test_history_of_a_whole_province_needs_the_closed_months_reopened(tmp_path, demo, superuser):
    path, n = history_file(tmp_path, demo)
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_counts", str(path), user="admin")
    assert not MonthlyCount.objects.filter(year=2021).exists()

    call_command("import_counts", str(path), user="admin", reopen_closed=True)
    assert MonthlyCount.objects.filter(year=2021).count() == n
    assert MonthlyCount.objects.filter(year=2021, month=12).first().participants == 1012
    reopened = MonthReopening.objects.filter(province=demo.bac_giang, year=2021)
    assert sorted(reopened.values_list("month", flat=True)) == [11, 12]
    assert ChangeLog.objects.filter(year=2021, source="import").count() == 2 * n


@pytest.mark.django_db
def test_district_staff_cannot_import_a_whole_province(tmp_path, demo):
    path, _n = history_file(tmp_path, demo, year=2023, months=(6,))
    with pytest.raises(CommandError):
        call_command("import_counts", str(path), user="lucnam")
    assert not MonthlyCount.objects.filter(year=2023, month=6).exists()
    assert not ChangeLog.objects.exists()


@pytest.mark.django_db
def test_export_then_import_with_the_commands_changes_nothing(tmp_path, demo, superuser, capsys):
    before = sorted(MonthlyCount.objects.values_list("id", "participants", "version"))
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"p24.{fmt}"
        call_command("export_counts", "p24", from_year=2022, to_year=2023, format=fmt, output=out)
        call_command("import_counts", str(out), user="admin")
        assert "0 fine, 0 with warnings, 0 with errors" in capsys.readouterr().out
    assert sorted(MonthlyCount.objects.values_list("id", "participants", "version")) == before
    assert not ChangeLog.objects.exists()


@pytest.mark.django_db
def test_targets_round_trip_and_import_with_the_commands(tmp_path, demo, capsys):
    before = sorted(Target.objects.values_list("id", "value", "deadline_month"))
    out = tmp_path / "t.csv"
    call_command("export_counts", "p24", from_year=2023, targets=True, output=out)
    call_command("import_targets", str(out), user="bacgiang")
    assert sorted(Target.objects.values_list("id", "value", "deadline_month")) == before
    text = out.read_text(encoding="utf-8-sig").replace(";2023;", ";2024;")
    out.write_text(text, encoding="utf-8-sig")

    def targets_of(year: int, **where) -> dict:
        rows = Target.objects.filter(year=year, **where)
        return {(t.unit_id, t.kind): (t.value, t.deadline_month) for t in rows}

    # The demo has 2024 targets for the old map's provinces and districts.
    before_2024 = targets_of(2024)
    with pytest.raises(CommandError):  # the province's own line cannot be set by its officer
        call_command("import_targets", str(out), user="bacgiang")
    assert targets_of(2024) == before_2024
    out.write_text("\n".join(line for line in text.splitlines() if ";24;" not in line))
    call_command("import_targets", str(out), user="bacgiang")
    below = {"unit__level__gte": 2, "unit__province": demo.bac_giang}
    assert targets_of(2024, **below) == targets_of(2023, **below)
    # Nothing else changed: the province's own 2024 target, the other provinces'.
    assert {k: v for k, v in targets_of(2024).items() if k not in targets_of(2024, **below)} == {
        k: v for k, v in before_2024.items() if k not in targets_of(2024, **below)
    }


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_commands_export_has_the_title_block_of_the_pages_export(tmp_path, demo, client, fmt):
    """The same block above the header as the page's file: unit, period, map, when, by whom."""
    import io

    from openpyxl import load_workbook

    def title_block(data: bytes) -> list[list[str]]:
        if fmt == "csv":
            lines = data.decode("utf-8-sig").splitlines()[:6]
            return [line.split(";")[:2] for line in lines]
        sheet = load_workbook(io.BytesIO(data)).active
        return [[str(c.value or "") for c in row[:2]] for row in sheet.iter_rows(max_row=6)]

    client.force_login(demo.clerk)
    page = client.get(
        f"/nhap-lieu/xuat/d218/?loai=so-lieu&tu_nam=2022&den_nam=2023&dinh_dang={fmt}"
    )
    out = tmp_path / f"d218.{fmt}"
    call_command(
        "export_counts", "d218", from_year=2022, to_year=2023, format=fmt, output=out, user="lucnam"
    )
    from_page, from_command = title_block(page.content), title_block(out.read_bytes())
    assert from_command[0] == ["Đơn vị", demo.luc_nam.full_name]
    assert from_command[1] == ["Kỳ", "2022–2023"]
    assert from_command[:3] == from_page[:3]  # unit, period, map as the page writes them
    assert from_command[3][0] == from_page[3][0] == "Xuất lúc"
    assert from_command[4] == from_page[4] == ["Người xuất", demo.clerk.get_full_name() or "lucnam"]
    assert from_command[5] == from_page[5]  # then the same header

    # Without --user the block names the command; the file still imports back unchanged.
    call_command("export_counts", "d218", from_year=2023, format=fmt, output=out)
    block = title_block(out.read_bytes())
    assert block[1] == ["Kỳ", "2023"]
    assert block[4][0] == "Người xuất" and block[4][1].startswith("Lệnh export_counts (")
    before = sorted(MonthlyCount.objects.values_list("id", "version"))
    call_command("import_counts", str(out), user="lucnam")
    assert sorted(MonthlyCount.objects.values_list("id", "version")) == before
