"""Export of monthly counts and targets as CSV or Excel, in exactly the columns the import reads.

CSV is written UTF-8 with a BOM and `;` between cells (or `,` when asked), what Excel expects on
a Vietnamese Windows (whose list separator is `;`); numbers are plain digits so no reader
mistakes "1.234" for a fraction, whatever its decimal mark. Excel files show figures through
number formats (values stay numbers). Codes are text, so "00004" keeps its zeros. Both begin
with a title block (unit, period, map, when, by whom) that the import skips, and neither lets a
cell starting like a formula become one.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from provinces.models import Level, Unit
from provinces.selectors import EntryGroup
from targets.imports import (
    COUNT_COLUMNS,
    FORMULA_STARTS,
    LEVEL_LABEL,
    TARGET_COLUMNS,
    Column,
    Row,
)
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


# Excel's number formats; the reader's own settings draw them (52.139 under Vietnamese ones).
GROUPED_FORMAT = "#,##0"
PLAIN_FORMAT = "0"
PERCENT_FORMAT = "0.00%"
TEXT_FORMAT = "@"
_FORMATS = {
    "participants": GROUPED_FORMAT,
    "new_participants": GROUPED_FORMAT,
    "year": PLAIN_FORMAT,
    "month": PLAIN_FORMAT,
    "deadline_month": PLAIN_FORMAT,
    "code": TEXT_FORMAT,
}

SEPARATORS = {"cham-phay": ";", "phay": ","}

LINE_COLUMN = Column("line", gettext_lazy("Dòng"), ())
REASONS_COLUMN = Column("reasons", gettext_lazy("Lý do"), ())


def neutralise(value: object) -> object:
    """A text cell that starts like a formula, with a single quote in front (OWASP's advice for
    CSV): unit and user names reach the files, and "=HYPERLINK(...)" must stay text in Excel and
    LibreOffice. The import takes the quote off again (targets.imports.unquote)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class FileTitle:
    """What a file says of itself above its header: whose figures, which period and map, when
    it was written and by whom. The import skips these lines."""

    unit: str
    period: str
    map: str
    by: str
    generated_at: dt.datetime

    def lines(self) -> list[list[str]]:
        at = timezone.localtime(self.generated_at).strftime("%d/%m/%Y %H:%M")
        return [
            [_("Đơn vị"), self.unit],
            [_("Kỳ"), self.period],
            [_("Địa giới"), self.map],
            [_("Xuất lúc"), at],
            [_("Người xuất"), self.by],
        ]


def table_csv(
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    *,
    title: FileTitle | None = None,
    separator: str = ";",
) -> bytes:
    """UTF-8 with a byte-order mark (Excel reads it so), the title block (its line numbers
    kept: no blank line, so the import's line numbers are the spreadsheet's), the header and
    the rows. Whole numbers are plain digits; a fraction takes the decimal mark that
    goes with the separator (a `;` file is for regional settings whose decimal mark is `,`), so
    Excel reads it as a number; formula-like text is quoted."""
    decimal_mark = "," if separator == ";" else "."

    def cell(value: object) -> object:
        if isinstance(value, (float, Decimal)) and not isinstance(value, bool):
            return format(value, "f").replace(".", decimal_mark)
        return neutralise(value)

    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    if title is not None:
        writer.writerows([[cell(v) for v in line] for line in title.lines()])
    writer.writerow([cell(str(v)) for v in header])
    writer.writerows([cell(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def table_xlsx(
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    *,
    formats: Sequence[str | None],
    sheet_name: str,
    title: FileTitle | None = None,
    widths: Sequence[int] = (),
) -> bytes:
    """One named sheet: the title block, the header in bold, then the rows; figures stay numbers
    shown through `formats` (the reader's settings draw 52.139 or 84,65%), text is always a
    string cell, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_name[:31])
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width

    def cell(value: object, number_format: str | None = None, bold: bool = False) -> WriteOnlyCell:
        if isinstance(value, Decimal):
            value = float(value)
        made = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            made.data_type = "s"  # openpyxl would store "=..." as a live formula
            if number_format == TEXT_FORMAT:
                made.number_format = TEXT_FORMAT
        elif number_format:
            made.number_format = number_format
        if bold:
            made.font = Font(bold=True)
        return made

    if title is not None:
        for label, value in title.lines():
            sheet.append([cell(label, bold=True), cell(value)])
    sheet.append([cell(str(v), bold=True) for v in header])
    for row in rows:
        sheet.append(
            [
                None if v is None or v == "" else cell(v, formats[i] if i < len(formats) else None)
                for i, v in enumerate(row)
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write_csv(
    columns: Iterable[Column],
    rows: Iterable[list],
    *,
    title: FileTitle | None = None,
    separator: str = ";",
) -> bytes:
    return table_csv([c.label for c in columns], rows, title=title, separator=separator)


def write_problems(columns: Iterable[Column], rows: Iterable[Row]) -> bytes:
    """A preview's lines with an error or a warning as CSV: the line, its cells, the reasons."""
    return table_csv(
        [LINE_COLUMN.label, *(c.label for c in columns), REASONS_COLUMN.label],
        ([row.line, *row.cell_list, " ".join(row.messages)] for row in rows),
    )


def write_xlsx(
    columns: Iterable[Column],
    rows: Iterable[list],
    *,
    sheet_name: str,
    title: FileTitle | None = None,
) -> bytes:
    """Codes as text (so leading zeros stay), counts with grouped digits, years plain."""
    columns = list(columns)
    code_index = next(i for i, c in enumerate(columns) if c.key == "code")

    def with_text_code(row: list) -> list:
        row = list(row)
        row[code_index] = str(row[code_index])
        return row

    return table_xlsx(
        [c.label for c in columns],
        (with_text_code(row) for row in rows),
        formats=[_FORMATS.get(c.key) for c in columns],
        sheet_name=sheet_name,
        title=title,
        widths=(14, 28 if code_index == 0 else 10, 28),
    )


def render(
    kind: str,
    fmt: str,
    rows: Iterable[list],
    *,
    title: FileTitle | None = None,
    separator: str = ";",
) -> tuple[bytes, str]:
    """The file's bytes and content type for `kind` ("counts"/"targets") in `fmt` (csv/xlsx)."""
    columns = COUNT_COLUMNS if kind == "counts" else TARGET_COLUMNS
    if fmt == "xlsx":
        sheet_name = _("Số liệu tháng") if kind == "counts" else _("Chỉ tiêu")
        return write_xlsx(columns, rows, sheet_name=sheet_name, title=title), XLSX_CONTENT_TYPE
    return write_csv(columns, rows, title=title, separator=separator), CSV_CONTENT_TYPE
