"""Export writes the columns the import reads: an export imported back changes nothing."""

import pytest

from targets.exports import count_rows, render, target_rows
from targets.imports import (
    commit_counts,
    commit_targets,
    preview_counts,
    preview_targets,
    read_table,
)
from targets.models import ChangeLog, MonthlyCount, Target


def snapshot():
    return (
        sorted(
            MonthlyCount.objects.values_list(
                "commune_id", "year", "month", "participants", "new_participants", "version"
            )
        ),
        sorted(Target.objects.values_list("unit_id", "year", "kind", "value", "deadline_month")),
        ChangeLog.objects.count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_of_counts_imports_back_unchanged(demo, fmt):
    before = snapshot()
    data, _type = render(
        "counts", fmt, count_rows(scope=demo.luc_nam, year_from=2022, year_to=2023)
    )
    preview = preview_counts(data, f"x.{fmt}", user=demo.clerk)
    assert len(preview.rows) == 24 * 17  # 24 communes, Jan 2022 to May 2023
    assert {row.status for row in preview.rows} == {"unchanged"}
    commit_counts(preview, user=demo.clerk)
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_of_targets_imports_back_unchanged_even_lines_the_user_cannot_set(demo, fmt):
    before = snapshot()
    data, _type = render(
        "targets", fmt, target_rows(scope=demo.bac_giang, year_from=2022, year_to=2023)
    )
    preview = preview_targets(data, f"x.{fmt}", user=demo.officer)
    # The province's own lines are there, read-only for the officer, and unchanged.
    assert preview.rows[0].cells["code"] == "24"
    assert {row.status for row in preview.rows} == {"unchanged"}
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_inherited_deadline_is_exported_blank_and_imports_back_unchanged(demo, fmt):
    Target.objects.filter(unit=demo.luc_nam, year=2023).update(deadline_month=None)
    before = snapshot()
    data, _type = render(
        "targets", fmt, target_rows(scope=demo.luc_nam, year_from=2023, year_to=2023)
    )
    table = read_table(data, f"x.{fmt}")
    lines = {row[1]: [*row, "", ""][:7] for row in table[1:]}  # Excel drops a trailing blank
    assert lines["218"][6] == ""  # Lục Nam: none of its own, not its October
    assert {row[6] for code, row in lines.items() if code != "218"} == {"10"}
    preview = preview_targets(data, f"x.{fmt}", user=demo.officer)
    assert {row.status for row in preview.rows} == {"unchanged"}
    commit_targets(preview, user=demo.officer)
    assert snapshot() == before


@pytest.mark.django_db
def test_the_csv_export_is_what_excel_in_vietnam_opens(demo):
    data, content_type = render(
        "counts", "csv", count_rows(scope=demo.luc_nam, year_from=2023, year_to=2023)
    )
    assert data.startswith("\ufeff".encode())
    header, first = data.decode("utf-8-sig").splitlines()[:2]
    assert header == "Mã xã;Tên xã;Năm;Tháng;Số người tham gia;Phát triển mới"
    assert first.startswith(demo.luc_nam.children.order_by("code").first().code + ";")
    assert content_type.startswith("text/csv")


@pytest.mark.django_db
def test_the_excel_export_keeps_codes_as_text_with_their_zeros(demo):
    data, _type = render(
        "counts", "xlsx", count_rows(scope=demo.bac_giang, year_from=2023, year_to=2023)
    )
    rows = read_table(data, "x.xlsx")
    assert rows[1][0].startswith("0") and len(rows[1][0]) == 5
