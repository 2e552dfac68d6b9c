"""Export of monthly counts and targets as CSV or Excel, in exactly the columns the import reads.

CSV is written UTF-8 with a BOM and `;` between cells, what Excel expects on a Vietnamese Windows
(whose list separator is `;`); numbers are plain digits so no reader mistakes "1.234" for a
fraction. Codes are text, so "00004" keeps its zeros in Excel.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet

from provinces.models import Level, Unit
from provinces.selectors import EntryGroup
from targets.imports import COUNT_COLUMNS, LEVEL_LABEL, TARGET_COLUMNS, Column
from targets.models import MonthlyCount, Target, TargetKind

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def count_rows(*, scope: Unit | EntryGroup, year_from: int, year_to: int) -> Iterator[list]:
    """Every stored count of the communes under `scope` (a unit, or an entry grid's communes),
    by commune then month (one query)."""
    communes = (
        scope.communes() if isinstance(scope, EntryGroup) else Unit.objects.within(scope).communes()
    )
    counts = (
        MonthlyCount.objects.filter(
            commune__in=communes,
            year__gte=year_from,
            year__lte=year_to,
        )
        .order_by("commune__code", "year", "month")
        .values_list(
            "commune__code",
            "commune__full_name",
            "year",
            "month",
            "participants",
            "new_participants",
        )
    )
    for row in counts.iterator(chunk_size=5000):
        yield list(row)


def count_template_rows(*, communes: QuerySet[Unit], year: int, month: int) -> Iterator[list]:
    """One blank line per commune for the month, its figures filled in where already stored."""
    stored = {
        c: (p, n)
        for c, p, n in MonthlyCount.objects.filter(
            commune__in=communes, year=year, month=month
        ).values_list("commune_id", "participants", "new_participants")
    }
    for commune in communes.order_by("code").only("id", "code", "full_name"):
        participants, new = stored.get(commune.pk, ("", ""))
        yield [commune.code, commune.full_name, year, month, participants, new]


def _target_units(scope: Unit) -> QuerySet[Unit]:
    return Unit.objects.within(scope).filter(level__gte=Level.PROVINCE)


def target_rows(*, scope: Unit, year_from: int, year_to: int) -> Iterator[list]:
    """One line per unit and year that has a target, under `scope` (one query)."""
    targets = (
        Target.objects.filter(unit__in=_target_units(scope), year__gte=year_from, year__lte=year_to)
        .order_by("unit__level", "unit__code", "year")
        .values_list(
            "unit_id",
            "unit__level",
            "unit__code",
            "unit__full_name",
            "year",
            "kind",
            "value",
            "deadline_month",
        )
    )
    yield from _target_lines(targets)


def _target_lines(
    targets: Iterable[tuple[int, int, str, str, int, str, int, int | None]],
) -> Iterator[list]:
    current_key: tuple[int, int] | None = None
    line: list[str | int] = []  # filled by the first target
    for unit_id, level, code, name, year, kind, value, own_deadline in targets:
        # no deadline of its own (it takes its ancestor's) is written blank, as the import reads it
        deadline = "" if own_deadline is None else own_deadline
        if (unit_id, year) != current_key:
            if line:
                yield line
            current_key = (unit_id, year)
            line = [str(LEVEL_LABEL[level]), code, name, year, "", "", deadline]
        line[4 if kind == TargetKind.PARTICIPANTS else 5] = value
        if kind == TargetKind.PARTICIPANTS:
            line[6] = deadline  # the participants target's deadline drives the pace
    if line:
        yield line


def target_template_rows(*, units: QuerySet[Unit], year: int) -> Iterator[list]:
    """Every unit the user sets targets for, with this year's targets where already set."""
    listed = list(units.order_by("level", "code").only("id", "level", "code", "full_name"))
    stored: dict[tuple[int, str], tuple[int, int | None]] = {}
    for unit_id, kind, value, deadline_month in Target.objects.filter(
        unit__in=listed, year=year
    ).values_list("unit_id", "kind", "value", "deadline_month"):
        stored[(unit_id, kind)] = (value, deadline_month)
    for unit in listed:
        participants = stored.get((unit.pk, TargetKind.PARTICIPANTS))
        new = stored.get((unit.pk, TargetKind.NEW_PARTICIPANTS))
        deadline = (participants or new or ("", None))[1]
        yield [
            str(LEVEL_LABEL[unit.level]),
            unit.code,
            unit.full_name,
            year,
            participants[0] if participants else "",
            new[0] if new else "",
            "" if deadline is None else deadline,  # blank: the ancestor's, as in the grid
        ]


def write_csv(columns: Iterable[Column], rows: Iterable[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(c.label) for c in columns])
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_xlsx(columns: Iterable[Column], rows: Iterable[list], *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    columns = list(columns)
    code_index = next(i for i, c in enumerate(columns) if c.key == "code")
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = 28 if code_index == 0 else 10
    sheet.column_dimensions["C"].width = 28
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.label))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        values = [None if v == "" else v for v in row]
        code = WriteOnlyCell(sheet, value=str(values[code_index]))
        code.number_format = "@"  # text, so leading zeros stay
        values[code_index] = code
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def render(kind: str, fmt: str, rows: Iterable[list]) -> tuple[bytes, str]:
    """The file's bytes and content type for `kind` ("counts"/"targets") in `fmt` (csv/xlsx)."""
    columns = COUNT_COLUMNS if kind == "counts" else TARGET_COLUMNS
    if fmt == "xlsx":
        title = "So lieu thang" if kind == "counts" else "Chi tieu"
        return write_xlsx(columns, rows, title=title), XLSX_CONTENT_TYPE
    return write_csv(columns, rows), CSV_CONTENT_TYPE
