"""Bulk import of monthly counts and targets from CSV or Excel files: reading, checking, preview.

Reading turns the bytes people really send (UTF-8 with or without BOM, `;` or `,`, "1.234",
codes that lost their leading zeros, Excel cells typed as numbers or text, trailing empty rows)
into rows of text. Checking marks each row fine / warning / error with a reason a user can act on,
using a handful of set-wise queries whatever the file's length. Nothing here writes: committing a
checked preview goes through the entry services (`targets.services`). Numbers, years and months
are read by bhxh_dashboard.parsing, the grammar the entry grid uses too.
"""

from __future__ import annotations

import contextvars
import csv
import functools
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bhxh_dashboard import clock
from bhxh_dashboard.formatting import day_label
from bhxh_dashboard.formatting import number as number_text
from bhxh_dashboard.months import cutoff_date, months_before
from bhxh_dashboard.parsing import ParseError, parse_count, parse_month_number, parse_year
from provinces import access
from provinces.models import Level, Succession, Unit
from provinces.search import search_key
from provinces.selectors import EntryGroup, not_in_force_message
from targets.models import MonthlyCount, MonthReopening, Target, TargetKind
from targets.selectors import WindowState, month_window, province_id_of
from targets.services import (
    WARNING_LOOKBACK_MONTHS,
    CountEntry,
    SaveResult,
    TargetEntry,
    TargetSaveResult,
    count_warnings,
    counts_save,
    impossible_new_participants,
    month_reopen,
    targets_save,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import StrPromise

# Keyed by level (Unit.level is a plain int, Level an IntEnum).
CODE_WIDTH: dict[int, int] = {Level.PROVINCE: 2, Level.DISTRICT: 3, Level.COMMUNE: 5}
XLSX_MAGIC = b"PK\x03\x04"

# Rows kept in a preview past this are refused: a whole country-year is about 127,000.
MAX_ROWS = 200_000
# The header may follow the export's title block: it is looked for among the first rows.
HEADER_SEARCH_ROWS = 12
# Limits read before a file is parsed, so that no upload can make the server work or hold
# memory out of proportion to a legitimate file (a template has at most 7 columns).
MAX_COLUMNS = 50
MAX_CELL_CHARS = 1_000
MAX_SHEET_ROWS = MAX_ROWS + 1_000  # a sheet's rows, blank ones included
MAX_CELLS = MAX_ROWS * 10  # a template line has at most 7 cells
MAX_SHARED_STRINGS = 400_000  # distinct texts: names and codes of at most MAX_ROWS lines
MAX_SHEET_XML_BYTES = 200 * 1024 * 1024  # streamed, row by row
MAX_PART_XML_BYTES = 32 * 1024 * 1024  # read whole by openpyxl (shared strings, styles, ...)
MAX_XLSX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_XLSX_ENTRIES = 500
# Text the export would otherwise leave for a spreadsheet to read as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# Reading reports how many rows it has read, every PROGRESS_EVERY rows and when it has finished,
# to whoever set this (the worker's import job, targets.import_jobs): the page shows it.
reading_progress: contextvars.ContextVar[Callable[[int, bool], None] | None] = (
    contextvars.ContextVar("reading_progress", default=None)
)
PROGRESS_EVERY = 5_000


class ImportFileError(Exception):
    """The file as a whole cannot be read: one clear message, no per-row detail."""


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # lazy translation: the header the export writes in the active language
    aliases: tuple[str, ...]  # search keys also accepted (Vietnamese and English)
    required: bool = True

    def keys(self) -> set[str]:
        return {search_key(str(self.label)), *self.aliases}


COUNT_COLUMNS = (
    Column("code", gettext_lazy("Mã xã"), ("ma xa", "ma", "ma don vi", "commune code", "code")),
    Column(
        "name",
        gettext_lazy("Tên xã"),
        ("ten xa", "ten", "ten don vi", "commune", "commune name", "name"),
        required=False,
    ),
    Column("year", gettext_lazy("Năm"), ("nam", "year")),
    Column("month", gettext_lazy("Tháng"), ("thang", "month")),
    Column(
        "participants",
        gettext_lazy("Số người tham gia"),
        ("so nguoi tham gia", "participants", "so nguoi tham gia cuoi ky"),
    ),
    Column(
        "new_participants",
        gettext_lazy("Phát triển mới"),
        ("phat trien moi", "new participants", "new"),
        required=False,
    ),
)

TARGET_COLUMNS = (
    Column("level", gettext_lazy("Cấp"), ("cap", "level")),
    Column("code", gettext_lazy("Mã đơn vị"), ("ma don vi", "ma", "unit code", "code")),
    Column(
        "name",
        gettext_lazy("Tên đơn vị"),
        ("ten don vi", "ten", "unit", "unit name", "name"),
        required=False,
    ),
    Column("year", gettext_lazy("Năm"), ("nam", "year")),
    Column(
        "participants",
        gettext_lazy("Chỉ tiêu số người tham gia"),
        ("chi tieu so nguoi tham gia", "participants target", "target participants"),
        required=False,
    ),
    Column(
        "new_participants",
        gettext_lazy("Chỉ tiêu phát triển mới"),
        ("chi tieu phat trien moi", "new participants target", "target new participants"),
        required=False,
    ),
    Column(
        "deadline_month",
        gettext_lazy("Tháng hoàn thành"),
        ("thang hoan thanh", "deadline month", "deadline"),
        required=False,
    ),
)

# The "Cấp" column: what the export writes (first) and what else people type.
LEVEL_WORDS = {
    Level.PROVINCE: ("tinh", "1", "province", "tinh/thanh pho", "thanh pho"),
    Level.DISTRICT: ("huyen", "2", "district", "quan/huyen", "quan", "thi xa"),
    Level.COMMUNE: ("xa", "3", "commune", "xa/phuong", "phuong", "thi tran"),
}
LEVEL_LABEL: dict[int, StrPromise] = {
    Level.PROVINCE: gettext_lazy("Tỉnh"),
    Level.DISTRICT: gettext_lazy("Huyện"),
    Level.COMMUNE: gettext_lazy("Xã"),
}


# ---------------------------------------------------------------------------------------------
# Reading files


def read_table(data: bytes, filename: str = "") -> list[list[str]]:
    """The file's rows as lists of text cells, blank rows dropped; the header is among the first
    rows (after the export's title block). Refuses, with one message, a file past the limits
    before reading it whole: see MAX_ROWS, MAX_COLUMNS, MAX_CELL_CHARS and check_xlsx_metadata."""
    is_xlsx = filename.lower().endswith((".xlsx", ".xlsm")) or data[:4] == XLSX_MAGIC
    raw_rows = _read_xlsx(data) if is_xlsx else _read_csv(data)
    rows = []
    progress = reading_progress.get()
    for number, row in enumerate(raw_rows, start=1):
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress(number, False)
        cells = [unquote(cell).strip() for cell in row]
        if any(len(cell) > MAX_CELL_CHARS for cell in cells):
            raise ImportFileError(
                _("Dòng %(line)s có ô dài quá %(n)s ký tự; tệp không đúng mẫu.")
                % {"line": number, "n": number_text(MAX_CELL_CHARS)}
            )
        if any(cells):
            rows.append(cells)
            if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
                raise ImportFileError(_too_many_rows())
    if not rows:
        raise ImportFileError(_("Tệp không có dữ liệu."))
    if progress is not None:
        progress(len(rows), True)
    return rows


_SHEET_PATH = re.compile(r"xl/worksheets/[^/]+\.xml")


def estimated_rows(data: bytes, filename: str = "") -> int:
    """About how many lines a file has, without parsing it: a CSV's line breaks; a workbook's
    first sheet's declared dimension, else its unpacked size at about 100 bytes a row. 0 when
    it cannot tell (a damaged file: read_table says why, quickly)."""
    if not (filename.lower().endswith((".xlsx", ".xlsm")) or data[:4] == XLSX_MAGIC):
        return data.count(b"\n") + 1
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheets = sorted(
                (e for e in archive.infolist() if _SHEET_PATH.fullmatch(e.filename)),
                key=lambda e: (e.filename != "xl/worksheets/sheet1.xml", e.filename),
            )
            if not sheets:
                return 0
            with archive.open(sheets[0]) as part:
                declared = _DIMENSION.search(part.read(4096))
            if declared is not None:
                return int(declared[2])
            return sheets[0].file_size // 100
    except Exception:  # noqa: BLE001 - any damage: read_table gives the message
        return 0


def _too_many_rows() -> str:
    return _("Tệp quá lớn: tối đa %(n)s dòng.") % {"n": number_text(MAX_ROWS)}


def unquote(cell: str) -> str:
    """A cell the export quoted so a spreadsheet keeps it as text ("'=x" -> "=x")."""
    if cell.startswith("'") and cell[1:2] and cell[1] in FORMULA_STARTS:
        return cell[1:]
    return cell


def _read_csv(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _(
                "Tệp không được mã hóa UTF-8. Hãy lưu lại tệp dưới dạng “CSV UTF-8” "
                "hoặc Excel (.xlsx) rồi tải lên lại."
            )
        ) from None
    if "\x00" in text:
        raise ImportFileError(_("Tệp không phải CSV hay Excel (.xlsx)."))
    delimiter = _csv_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if len(row) > MAX_COLUMNS:
                raise ImportFileError(_too_many_columns())
            yield row
    except csv.Error as exc:
        # The reader's own limit on a cell (csv.field_size_limit, 131,072 characters), or a
        # quote left open to the end of the file.
        raise ImportFileError(
            _("Dòng %(line)s không đọc được: ô quá dài hoặc thiếu dấu ngoặc kép đóng.")
            % {"line": reader.line_num}
        ) from exc


def _csv_delimiter(text: str) -> str:
    """`;`, `,` or tab, by the header line (the one with the most separators among the first
    lines, past the export's title block): it has no numbers in it, so counting separators there
    is reliable even when figures are written "1.234" or "1,5"."""
    lines = [line for line in text[:20_000].splitlines()[:HEADER_SEARCH_ROWS] if line.strip()]
    header = max(lines, key=lambda line: sum(line.count(c) for c in ";,\t"), default="")
    delimiter = ";" if header.count(";") > header.count(",") else ","
    if header.count("\t") > max(header.count(";"), header.count(",")):
        delimiter = "\t"
    return delimiter


def _too_many_columns() -> str:
    return _("Tệp có quá nhiều cột (tối đa %(n)s); tệp không đúng mẫu.") % {"n": MAX_COLUMNS}


def check_xlsx_metadata(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook by what its zip says of itself, before any XML is parsed: the sizes
    its entries declare once unpacked (zipfile never unpacks past them), the shared strings'
    declared count and the first sheet's declared dimension."""
    entries = archive.infolist()
    if len(entries) > MAX_XLSX_ENTRIES:
        raise ImportFileError(_xlsx_too_large())
    for entry in entries:
        limit = (
            MAX_SHEET_XML_BYTES
            if entry.filename.startswith("xl/worksheets/")
            else MAX_PART_XML_BYTES
        )
        if entry.file_size > limit:
            raise ImportFileError(_xlsx_too_large())
    if sum(entry.file_size for entry in entries) > MAX_XLSX_UNPACKED_BYTES:
        raise ImportFileError(_xlsx_too_large())
    sheets = [e.filename for e in entries if re.fullmatch(r"xl/worksheets/[^/]+\.xml", e.filename)]
    for sheet in sheets:
        _check_declared_dimension(archive, sheet)
    _count_sheet_tags(archive, sheets)
    names = {entry.filename for entry in entries}
    if "xl/sharedStrings.xml" in names:
        with archive.open("xl/sharedStrings.xml") as part:
            head = part.read(2048).decode("utf-8", "replace")
        declared = re.search(r"""uniqueCount=["'](\d+)""", head)
        if declared and int(declared[1]) > MAX_SHARED_STRINGS:
            raise ImportFileError(_xlsx_too_large())


def _xlsx_too_large() -> str:
    return _(
        "Tệp Excel quá lớn khi giải nén (tối đa %(n)s dòng, %(cols)s cột); "
        "hãy chỉ giữ lại các cột của tệp mẫu."
    ) % {"n": number_text(MAX_ROWS), "cols": MAX_COLUMNS}


def _check_sheet_dimension(sheet: Any) -> None:
    """The sheet's own `<dimension ref="A1:F200">`, read before its rows (it may be missing or
    lie: the count below and the reading stop at the limits anyway)."""
    if (sheet.max_column or 0) > MAX_COLUMNS:
        raise ImportFileError(_too_many_columns())
    if (sheet.max_row or 0) > MAX_SHEET_ROWS:
        raise ImportFileError(_too_many_rows())


_DIMENSION = re.compile(rb"""<(?:\w+:)?dimension\s+ref=["'](?:[A-Z]+[0-9]+:)?([A-Z]+)([0-9]+)""")


def _check_declared_dimension(archive: zipfile.ZipFile, path: str) -> None:
    """A sheet's `<dimension ref="A1:F200">`, at the top of its XML, read before anything else."""
    from openpyxl.utils import column_index_from_string

    with archive.open(path) as part:
        head = part.read(4096)
    declared = _DIMENSION.search(head)
    if declared is None:
        return
    try:
        columns = column_index_from_string(declared[1].decode())
    except ValueError:
        columns = MAX_COLUMNS + 1  # past XFD: no spreadsheet writes it
    if columns > MAX_COLUMNS:
        raise ImportFileError(_too_many_columns())
    if int(declared[2]) > MAX_SHEET_ROWS:
        raise ImportFileError(_too_many_rows())


_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s/>]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s/>]")


def _count_sheet_tags(archive: zipfile.ZipFile, paths: list[str]) -> None:
    """Count the sheets' rows and cells in their raw XML, a megabyte at a time, before openpyxl
    parses any (some hundred times slower per row, and on opening it parses a whole sheet that
    has no dimension): a sheet without one, or whose dimension lies, is refused as soon as it
    passes the limits."""
    rows = cells = 0
    for path in paths:
        tail = b""
        with archive.open(path) as part:
            while chunk := part.read(1 << 20):
                text = tail + chunk
                # A tag cut at the chunk's end is counted with the next chunk.
                cut = max(text.rfind(b"<"), 0)
                rows += len(_ROW_TAG.findall(text, 0, cut))
                cells += len(_CELL_TAG.findall(text, 0, cut))
                tail = text[cut:]
                if rows > MAX_SHEET_ROWS:
                    raise ImportFileError(_too_many_rows())
                if cells > MAX_CELLS:
                    raise ImportFileError(_xlsx_too_large())


def _read_xlsx(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    damaged = _("Tệp Excel bị hỏng hoặc không phải tệp .xlsx; hãy mở và lưu lại rồi tải lên lại.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_xlsx_metadata(archive)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (ImportFileError, MemoryError, SoftTimeLimitExceeded):
        raise
    except Exception as exc:
        # A damaged upload fails in many ways inside zipfile and openpyxl (BadZipFile, zlib.error,
        # EOFError on a cut stream, NotImplementedError on an odd zip version, RuntimeError on
        # an "encrypted" entry, KeyError, XML errors, ... the fuzz test found each); to the
        # person uploading they all mean the same thing. Not the worker's limits (memory,
        # time): its import job says those (targets.import_jobs).
        raise ImportFileError(damaged) from exc
    try:
        sheet = workbook.worksheets[0]
        _check_sheet_dimension(sheet)
        # Bounded both ways: a row is never wider than the dimension says (checked above), or
        # MAX_COLUMNS without one, and reading stops one row past the limit.
        width = sheet.max_column or MAX_COLUMNS
        rows = sheet.iter_rows(max_row=MAX_SHEET_ROWS + 1, max_col=width, values_only=True)
        for number, row in enumerate(rows, start=1):
            if number > MAX_SHEET_ROWS:
                raise ImportFileError(_too_many_rows())
            yield [_cell_text(value) for value in row]
    except (ImportFileError, MemoryError, SoftTimeLimitExceeded):
        raise
    except Exception as exc:  # a zip that opens but whose sheet XML is damaged
        raise ImportFileError(damaged) from exc
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    """Excel numbers come back as int or float (1234.0): write them as the digits one would type."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    return str(value)


# ---------------------------------------------------------------------------------------------
# Cells


def normalize_code(text: str, level: int) -> str | None:
    """ "4", "04", "00004" and "4.0" all name commune "00004"; None when it is not a code."""
    text = text.strip()
    if re.match(r"^\d+\.0+$", text):
        text = text.split(".")[0]
    if not text.isdigit():
        return None
    width = CODE_WIDTH[level]
    return text.zfill(width) if len(text) <= width else None


def parse_level(text: str) -> int | None:
    key = search_key(text)
    for level, words in LEVEL_WORDS.items():
        if key in words or key == search_key(str(LEVEL_LABEL[level])):
            return level
    return None


# A file repeats each commune's name once a month: unidecode each distinct name once.
_key = functools.lru_cache(maxsize=65_536)(search_key)


def name_matches(text: str, unit: Unit) -> bool:
    """Blank, the short name or the full name, with or without diacritics."""
    key = _key(text)
    return not key or key in (_key(unit.name), _key(unit.full_name), unit.search_key)


# ---------------------------------------------------------------------------------------------
# Rows and previews


@dataclass
class Row:
    """One line of the file after checking. `line` is the line number a spreadsheet shows."""

    line: int
    cells: dict[str, str]
    unit: Unit | None = None
    year: int | None = None
    month: int | None = None
    values: dict[str, int | None] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unchanged: bool = False
    empty: bool = False  # a template line left blank: not an error, nothing to write
    columns: tuple[Column, ...] = ()
    read_only: bool = False  # a unit the user may see but not write: only unchanged is fine

    # A row past its own checks has its unit, year and (counts) month; the later steps
    # (unchanged, month window, commit) see only such rows and read them through these.
    @property
    def checked_unit(self) -> Unit:
        assert self.unit is not None, f"line {self.line} has no unit"
        return self.unit

    @property
    def checked_year(self) -> int:
        assert self.year is not None, f"line {self.line} has no year"
        return self.year

    @property
    def checked_month(self) -> int:
        assert self.month is not None, f"line {self.line} has no month"
        return self.month

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        if self.empty:
            return "empty"
        if self.warnings:
            return "warning"
        if self.unchanged:
            return "unchanged"
        return "ok"

    @property
    def cell_list(self) -> list[str]:
        """The cells in the columns' order, as read (codes with their zeros once known)."""
        return [self.cells.get(c.key, "") for c in self.columns]

    @property
    def messages(self) -> list[str]:
        return self.errors + self.warnings


@dataclass
class Preview:
    kind: str  # "counts" or "targets"
    rows: list[Row]
    columns: tuple[Column, ...]

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def has_errors(self) -> bool:
        return any(row.errors for row in self.rows)

    @property
    def rows_to_write(self) -> list[Row]:
        return [row for row in self.rows if row.status in ("ok", "warning")]

    @property
    def summary(self) -> dict[str, int]:
        return {s: self.count(s) for s in ("ok", "warning", "error", "unchanged", "empty")}


def _map_header(header: list[str], columns: Iterable[Column]) -> dict[str, int]:
    """Column key -> index in the file; unknown columns are ignored, missing required ones fail."""
    keys = [search_key(h) for h in header]
    found = {}
    for column in columns:
        accepted = column.keys()
        for i, key in enumerate(keys):
            if key in accepted:
                found[column.key] = i
                break
    missing = [str(c.label) for c in columns if c.required and c.key not in found]
    if missing:
        raise ImportFileError(
            _("Tệp thiếu cột: %(columns)s. Hãy dùng tệp mẫu tải từ trang này.")
            % {"columns": ", ".join(missing)}
        )
    return found


def _rows(table: list[list[str]], columns: tuple[Column, ...]) -> list[Row]:
    header_at, index = _find_header(table, columns)
    if len(table) - header_at - 1 > MAX_ROWS:
        raise ImportFileError(_too_many_rows())
    rows = []
    # Line numbers as a spreadsheet shows them: blank lines were dropped, so count from the file.
    for line, cells in enumerate(table[header_at + 1 :], start=header_at + 2):
        values = {key: (cells[i] if i < len(cells) else "") for key, i in index.items()}
        rows.append(Row(line=line, cells=values, columns=columns))
    return rows


def _find_header(table: list[list[str]], columns: tuple[Column, ...]) -> tuple[int, dict[str, int]]:
    """The header's position and its columns: the first row, or the first after the export's
    title block (unit, period, map, ...) that names every required column."""
    for at, row in enumerate(table[:HEADER_SEARCH_ROWS]):
        try:
            return at, _map_header(row, columns)
        except ImportFileError:
            continue
    return 0, _map_header(table[0], columns)  # raises, naming the columns missing


# Cell names in messages; lazy, so a clean row costs no translation lookup.
LABEL_YEAR = gettext_lazy("Năm")
LABEL_MONTH = gettext_lazy("Tháng")
LABEL_PARTICIPANTS = gettext_lazy("Số người tham gia")
LABEL_NEW = gettext_lazy("Phát triển mới")
LABEL_TARGET = gettext_lazy("Chỉ tiêu số người tham gia")
LABEL_TARGET_NEW = gettext_lazy("Chỉ tiêu phát triển mới")
LABEL_DEADLINE = gettext_lazy("Tháng hoàn thành")


def _read_int(
    row: Row, key: str, label: object, parse: Callable[[str], int | None] = parse_count
) -> int | None:
    """The cell read by `parse`; None when blank or refused (the reason is in row.errors)."""
    try:
        return parse(row.cells.get(key, ""))
    except ParseError as exc:
        row.errors.append(f"{label}: {exc}")
        return None


def _read_period(row: Row, *, with_month: bool) -> None:
    before = len(row.errors)
    row.year = _read_int(row, "year", LABEL_YEAR, parse_year)
    if row.year is None and len(row.errors) == before:
        row.errors.append(_("Thiếu năm."))
    if with_month:
        before = len(row.errors)
        row.month = _read_int(row, "month", LABEL_MONTH, parse_month_number)
        if row.month is None and len(row.errors) == before:
            row.errors.append(_("Thiếu tháng."))


def _check_unit(
    row: Row, unit: Unit | None, code_text: str, allowed: Callable[[Unit], bool], user: User
) -> None:
    if unit is None:
        row.errors.append(_("Không có đơn vị mã “%(code)s”.") % {"code": code_text})
        return
    row.unit = unit
    row.cells["code"] = unit.code
    if not allowed(unit):
        if access.can_view(user, unit):
            # A line the user may read but not write is fine as long as it changes nothing:
            # an officer's export, province line included, must import back cleanly.
            row.read_only = True
        else:
            _out_of_scope(row)
    if not row.errors and not name_matches(row.cells.get("name", ""), unit):
        row.errors.append(
            _("Tên “%(name)s” không khớp với mã %(code)s (%(unit)s).")
            % {"name": row.cells["name"], "code": unit.code, "unit": unit.full_name}
        )


def _units_by_code(units: QuerySet[Unit]) -> dict[tuple[int, str], list[Unit]]:
    """(level, code) -> the units of either map with that code, with their successors (for the
    message about an old code), in two queries."""
    successors = Prefetch(
        "successions",
        queryset=Succession.objects.select_related("successor").order_by(
            "-is_default", "successor__code"
        ),
    )
    found: dict[tuple[int, str], list[Unit]] = {}
    for unit in units.prefetch_related(successors):
        found.setdefault((unit.level, unit.code), []).append(unit)
    return found


def _target_unit(row: Row, same_code: list[Unit], year: int, *, user: User) -> Unit | None:
    """The unit a targets line's code names for its year: one in force during the year; in
    2025, when both maps were, the one the user may set, else today's. None, with the reason,
    when no unit with the code was in force that year."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    in_year = sorted(
        (u for u in same_code if u.in_force_on(first) or u.in_force_on(last)),
        key=lambda u: u.valid_from is not None,  # the old map first, today's last
    )
    settable = [u for u in in_year if access.can_set_targets(user, u)]
    if chosen := settable or in_year:
        return chosen[-1]
    if same_code:
        row.errors.append(not_in_force_message(same_code[0], last))
    return None


def _unit_in_force(row: Row, same_code: list[Unit], day: date) -> Unit | None:
    """The unit with this code in force on `day`; else one clear error naming what to use."""
    unit = next((u for u in same_code if u.in_force_on(day)), None)
    if unit is None and same_code:
        row.errors.append(not_in_force_message(same_code[0], day))
    return unit


def _out_of_scope(row: Row) -> None:
    row.errors.append(
        _("%(unit)s (mã %(code)s) ngoài phạm vi bạn được nhập.")
        % {"unit": row.checked_unit.full_name, "code": row.checked_unit.code}
    )


def _check_in_group(row: Row, unit: Unit, group: EntryGroup, in_group: set[int]) -> None:
    """A commune of another grid is refused even when unchanged: the file is for this one."""
    if unit.pk not in in_group:
        row.errors.append(
            _(
                "%(unit)s (mã %(code)s) không thuộc các xã của trang này (%(group)s); "
                "hãy nhập xã này ở trang của đơn vị phục vụ xã."
            )
            % {"unit": unit.full_name, "code": unit.code, "group": group.name}
        )


def _refuse_read_only_changes(rows: list[Row]) -> None:
    for row in rows:
        if row.read_only and not row.unchanged:
            _out_of_scope(row)


# ---------------------------------------------------------------------------------------------
# Monthly counts


def preview_counts(
    data: bytes,
    filename: str,
    *,
    user: User,
    today: date | None = None,
    reopen_closed: bool = False,
    group: EntryGroup | None = None,
) -> Preview:
    """Read and check a file of monthly counts for `user`; raises ImportFileError for the file.

    `reopen_closed` (history loaded by the management command) accepts closed months: the
    import reopens them first, for users allowed to (see commit_counts). With `group` (the
    page of an entry grid), only that grid's communes: any other is refused, saying so.
    """
    table = read_table(data, filename)
    rows = _rows(table, COUNT_COLUMNS)
    codes: dict[int, str | None] = {}
    for row in rows:
        if not (row.cells.get("participants") or row.cells.get("new_participants")):
            # The template lists every commune; a line left blank is simply not filled in.
            row.empty = True
            continue
        code = normalize_code(row.cells.get("code", ""), Level.COMMUNE)
        if code is None:
            row.errors.append(
                _("Mã xã “%(code)s” không hợp lệ.") % {"code": row.cells.get("code", "")}
            )
        codes[row.line] = code
    # Codes repeat between the two maps: a line's commune is the one in force at its month's
    # cut-off (both maps' communes with these codes come in one query).
    units = _units_by_code(
        Unit.objects.communes().filter(code__in={c for c in codes.values() if c})
    )
    enterable = access.enterable_commune_ids(user, [u for same in units.values() for u in same])
    in_group = set(group.communes().values_list("pk", flat=True)) if group is not None else None

    seen: dict[tuple, int] = {}
    for row in rows:
        if row.empty:
            continue
        _read_period(row, with_month=True)
        if code := codes.get(row.line):
            same_code = units.get((Level.COMMUNE, code), [])
            cutoff = cutoff_date(row.year, row.month) if row.year and row.month else None
            unit = (
                _unit_in_force(row, same_code, cutoff)
                # a month to come is refused for that reason (the month window's check), and
                # one without a period for its own
                if cutoff and cutoff <= clock.today()
                else next(iter(same_code), None)
            )
            if unit is not None or not same_code:
                _check_unit(
                    row,
                    unit,
                    row.cells.get("code", ""),
                    lambda u: u.pk in enterable,
                    user,
                )
            if group is not None and in_group is not None and row.unit and not row.errors:
                _check_in_group(row, row.unit, group, in_group)
        participants = _read_int(row, "participants", LABEL_PARTICIPANTS)
        new = _read_int(row, "new_participants", LABEL_NEW)
        if participants is None and not row.errors:
            row.errors.append(_("Thiếu số người tham gia."))
        if participants is not None:
            impossible = impossible_new_participants(participants, new or 0)
            if impossible:
                row.errors.append(impossible)
        row.values = {"participants": participants, "new_participants": new or 0}
        if row.unit and row.year and row.month:
            key = (row.unit.pk, row.year, row.month)
            if key in seen:
                row.errors.append(
                    _("Trùng với dòng %(line)s (cùng xã, cùng tháng).") % {"line": seen[key]}
                )
            else:
                seen[key] = row.line

    checkable = [r for r in rows if not r.errors and not r.empty]
    _mark_unchanged_counts(checkable)
    _refuse_read_only_changes(checkable)
    _check_months_and_warnings(
        [r for r in checkable if not r.unchanged and not r.errors],
        today=today,
        reopen_closed=reopen_closed,
    )
    return Preview("counts", rows, COUNT_COLUMNS)


def _mark_unchanged_counts(rows: list[Row]) -> None:
    """A row equal to what is stored writes nothing: an export imported back changes nothing."""
    if not rows:
        return
    stored = _stored_counts({r.checked_unit.pk for r in rows}, {r.checked_year for r in rows})
    for row in rows:
        current = stored.get((row.checked_unit.pk, row.checked_year, row.checked_month))
        row.unchanged = current == (row.values["participants"], row.values["new_participants"])


def _stored_counts(
    commune_ids: set[int], years: set[int]
) -> dict[tuple[int, int, int], tuple[int, int]]:
    return {
        (c, y, m): (p, n)
        for c, y, m, p, n in MonthlyCount.objects.filter(
            commune_id__in=commune_ids, year__in=years
        ).values_list("commune_id", "year", "month", "participants", "new_participants")
    }


def _check_months_and_warnings(
    rows: list[Row], *, today: date | None, reopen_closed: bool = False
) -> None:
    """The month window of each province-month, and the entry form's warnings against the
    previous month (taken from the file when it has that month, else from what is stored)."""
    if not rows:
        return
    in_file = {
        (r.checked_unit.pk, r.checked_year, r.checked_month): r.values["participants"] for r in rows
    }
    years = {r.checked_year for r in rows}
    stored = _stored_counts({r.checked_unit.pk for r in rows}, years | {y - 1 for y in years})
    for row in check_month_windows(rows, today=today, reopen_closed=reopen_closed):
        unit, year, month = row.checked_unit, row.checked_year, row.checked_month
        previous = _last_reported(unit.pk, year, month, in_file, stored)
        participants, new = row.values["participants"], row.values["new_participants"]
        assert participants is not None and new is not None  # a checked row has both
        row.warnings += [
            w.message
            for w in count_warnings(
                commune_id=unit.pk,
                participants=participants,
                new_participants=new,
                previous=previous,
                year=year,
                month=month,
            )
        ]


def check_month_windows(
    rows: list[Row], *, today: date | None = None, reopen_closed: bool = False
) -> list[Row]:
    """Refuse, saying why, each row whose month is not open for entry in its unit's province
    (before its cut-off; closed and not reopened, unless `reopen_closed`); the rows left. The
    rows' provinces' reopenings come in one query. The channel split's import uses it too."""
    if not rows:
        return []
    today = today or clock.today()
    periods = {(province_id_of(r.checked_unit), r.checked_year, r.checked_month) for r in rows}
    now = clock.now()
    reopenings: dict[tuple[int, int, int], MonthReopening] = {}
    for reopening in MonthReopening.objects.filter(
        province_id__in={p for p, _y, _m in periods},
        year__in={y for _p, y, _m in periods},
        open_until__gt=now,
    ).order_by("open_until"):
        reopenings[(reopening.province_id, reopening.year, reopening.month)] = reopening
    windows = {
        (p, y, m): month_window(
            province_id=p, year=y, month=m, today=today, reopening=reopenings.get((p, y, m))
        )
        for p, y, m in periods
    }
    left = []
    for row in rows:
        window = windows[(province_id_of(row.checked_unit), row.checked_year, row.checked_month)]
        if window.state == WindowState.NOT_YET:
            row.errors.append(
                _("Tháng %(m)02d/%(y)s chưa đến ngày chốt số liệu (%(d)s).")
                % {"m": row.month, "y": row.year, "d": day_label(window.cutoff)}
            )
            continue
        if window.state == WindowState.CLOSED and not reopen_closed:
            row.errors.append(
                _("Tháng %(m)02d/%(y)s đã khoá sổ ngày %(d)s.")
                % {"m": row.month, "y": row.year, "d": day_label(window.closes_on)}
            )
            continue
        left.append(row)
    return left


class _Previous(NamedTuple):
    """What count_warnings reads of the last reported month's row."""

    participants: int
    year: int
    month: int


def _last_reported(
    commune_id: int,
    year: int,
    month: int,
    in_file: dict[tuple[int, int, int], int | None],
    stored: dict[tuple[int, int, int], tuple[int, int]],
) -> _Previous | None:
    """The commune's last reported month before this one, as the entry form reads it: the
    file's figure for a month, else the stored one, looking back WARNING_LOOKBACK_MONTHS."""
    for y, m in months_before(year, month, WARNING_LOOKBACK_MONTHS):
        before = in_file.get((commune_id, y, m))
        if before is None and (commune_id, y, m) in stored:
            before = stored[(commune_id, y, m)][0]
        if before is not None:
            return _Previous(before, y, m)
    return None


class ImportRefused(Exception):
    """A service refused part of a checked file (it changed since the preview): nothing written."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    months: int = 0


def commit_counts(preview: Preview, *, user: User, reopen_closed: bool = False) -> ImportResult:
    """Write a checked file of counts through counts_save, one call per month, all or nothing.

    Months go in order so each month's warnings compare with the month written before it.
    `reopen_closed` (the management command, for history) reopens closed months first through
    month_reopen, which only superusers and the province's officers may do, with its audit.
    """
    if preview.has_errors:
        raise ImportRefused([_("Tệp còn lỗi, chưa ghi gì.")])
    by_month: dict[tuple[int, int], list[Row]] = {}
    for row in preview.rows_to_write:
        by_month.setdefault((row.checked_year, row.checked_month), []).append(row)
    result = ImportResult(unchanged=preview.count("unchanged"))
    with transaction.atomic():
        if reopen_closed:
            _reopen_closed_months(by_month, user=user)
        for (year, month), rows in sorted(by_month.items()):
            saved = counts_save(
                user=user,
                year=year,
                month=month,
                entries=[
                    CountEntry(
                        commune_id=r.checked_unit.pk,
                        participants=r.values["participants"],
                        new_participants=r.values["new_participants"],
                    )
                    for r in rows
                ],
                confirm_warnings=True,
                source="import",
            )
            if not saved.saved:
                raise ImportRefused(_result_messages(saved, rows, year, month))
            result.created += saved.created
            result.updated += saved.updated
            result.unchanged += saved.unchanged
            result.months += 1
    return result


def _reopen_closed_months(by_month: dict[tuple[int, int], list[Row]], *, user: User) -> None:
    today = clock.today()
    provinces = Unit.objects.in_bulk(
        {province_id_of(r.checked_unit) for rows in by_month.values() for r in rows}
    )
    for (year, month), rows in sorted(by_month.items()):
        for province_id in sorted({province_id_of(r.checked_unit) for r in rows}):
            window = month_window(province_id=province_id, year=year, month=month, today=today)
            if window.state == WindowState.CLOSED:
                month_reopen(
                    user=user,
                    province=provinces[province_id],
                    year=year,
                    month=month,
                    days=1,
                    reason=_("Nhập số liệu lịch sử từ tệp."),
                )


def _result_messages(
    saved: SaveResult | TargetSaveResult, rows: list[Row], year: int, month: int
) -> list[str]:
    lines = {r.checked_unit.pk: r.line for r in rows}
    messages = list(saved.general_errors)
    for commune_id, fields in saved.errors.items():
        for texts in fields.values():
            messages += [
                _("Dòng %(line)s: %(text)s") % {"line": lines.get(commune_id, "?"), "text": t}
                for t in texts
            ]
    for conflict in getattr(saved, "conflicts", []):
        messages.append(
            _("Dòng %(line)s: số liệu vừa được %(who)s sửa.")
            % {"line": lines.get(conflict.commune_id, "?"), "who": conflict.updated_by}
        )
    return messages or [_("Không ghi được số liệu năm %(y)s.") % {"y": year}]


# ---------------------------------------------------------------------------------------------
# Targets


def preview_targets(data: bytes, filename: str, *, user: User) -> Preview:
    """Read and check a file of yearly targets (participants, new participants, deadline)."""
    table = read_table(data, filename)
    rows = _rows(table, TARGET_COLUMNS)
    wanted: dict[int, tuple[int, str]] = {}
    for row in rows:
        if not any(row.cells.get(k) for k in ("participants", "new_participants")):
            row.empty = True
            continue
        level = parse_level(row.cells.get("level", ""))
        if level is None:
            row.errors.append(
                _("Cấp “%(level)s” không hợp lệ (Tỉnh, Huyện hoặc Xã).")
                % {"level": row.cells.get("level", "")}
            )
            continue
        code = normalize_code(row.cells.get("code", ""), level)
        if code is None:
            row.errors.append(
                _("Mã đơn vị “%(code)s” không hợp lệ.") % {"code": row.cells.get("code", "")}
            )
            continue
        wanted[row.line] = (level, code)
    units: dict[tuple[int, str], list[Unit]] = {}
    if wanted:
        query = Q()
        for level in {lv for lv, _c in wanted.values()}:
            query |= Q(level=level, code__in={c for lv, c in wanted.values() if lv == level})
        units = _units_by_code(Unit.objects.filter(query))

    seen: dict[tuple, int] = {}
    for row in rows:
        if row.empty:
            continue
        _read_period(row, with_month=False)
        if row.line in wanted:
            same_code = units.get(wanted[row.line], [])
            unit = (
                _target_unit(row, same_code, row.year, user=user)
                if row.year
                else next(iter(same_code), None)  # the period's own error is reported
            )
            if unit is not None or not same_code:
                _check_unit(
                    row,
                    unit,
                    row.cells.get("code", ""),
                    lambda u: access.can_set_targets(user, u),
                    user,
                )
        row.values = {
            "participants": _read_int(row, "participants", LABEL_TARGET),
            "new_participants": _read_int(row, "new_participants", LABEL_TARGET_NEW),
            "deadline_month": _read_int(row, "deadline_month", LABEL_DEADLINE, parse_month_number),
        }
        if row.unit and row.year:
            key = (row.unit.pk, row.year)
            if key in seen:
                row.errors.append(
                    _("Trùng với dòng %(line)s (cùng đơn vị, cùng năm).") % {"line": seen[key]}
                )
            else:
                seen[key] = row.line
    checkable = [r for r in rows if not r.errors and not r.empty]
    _mark_unchanged_targets(checkable)
    _refuse_read_only_changes(checkable)
    return Preview("targets", rows, TARGET_COLUMNS)


def _mark_unchanged_targets(rows: list[Row]) -> None:
    """Unchanged: every value given equals the stored one, and so does the deadline of the line
    (the participants target's when there is one, as the export writes it; blank is "the
    ancestor's", so it matches a stored NULL). A file without the deadline column keeps them."""
    if not rows:
        return
    stored = {
        (t.unit_id, t.year, t.kind): t
        for t in Target.objects.filter(
            unit_id__in={r.checked_unit.pk for r in rows}, year__in={r.checked_year for r in rows}
        )
    }
    for row in rows:
        found = {
            key: stored.get((row.checked_unit.pk, row.checked_year, kind))
            for key, kind in (
                ("participants", TargetKind.PARTICIPANTS),
                ("new_participants", TargetKind.NEW_PARTICIPANTS),
            )
        }
        same = all(
            row.values[key] is None or (target is not None and target.value == row.values[key])
            for key, target in found.items()
        )
        line_target = found["participants"] or found["new_participants"]
        if "deadline_month" in row.cells and line_target is not None:
            same = same and line_target.deadline_month == row.values["deadline_month"]
        row.unchanged = same


def commit_targets(preview: Preview, *, user: User) -> ImportResult:
    """Write a checked file of targets through targets_save, one call per year, all or nothing.

    A blank target cell keeps the stored target (targets_save would remove it): a file that
    lists only the participants targets must not wipe the new-participants ones. A blank
    deadline is "none of its own" (the ancestor's, as the grid's blank); a file without the
    deadline column keeps the stored deadlines.
    """
    if preview.has_errors:
        raise ImportRefused([_("Tệp còn lỗi, chưa ghi gì.")])
    by_year: dict[int, list[Row]] = {}
    for row in preview.rows_to_write:
        by_year.setdefault(row.checked_year, []).append(row)
    stored = {
        (t.unit_id, t.year, t.kind): t.value
        for t in Target.objects.filter(
            unit_id__in={r.checked_unit.pk for r in preview.rows_to_write}, year__in=by_year
        )
    }
    result = ImportResult(unchanged=preview.count("unchanged"))
    with transaction.atomic():
        for year, rows in sorted(by_year.items()):
            entries = []
            for r in rows:
                values = dict(r.values)
                for key, kind in (
                    ("participants", TargetKind.PARTICIPANTS),
                    ("new_participants", TargetKind.NEW_PARTICIPANTS),
                ):
                    if values[key] is None:
                        values[key] = stored.get((r.checked_unit.pk, year, kind))
                entries.append(
                    TargetEntry(
                        unit_id=r.checked_unit.pk,
                        keep_deadline="deadline_month" not in r.cells,
                        **values,
                    )
                )
            saved = targets_save(user=user, year=year, entries=entries, source="import")
            if not saved.saved:
                raise ImportRefused(_result_messages(saved, rows, year, 1))
            result.updated += saved.changed
            result.months += 1
    return result
