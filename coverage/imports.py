"""Importing labour forces and coverage targets from CSV/.xlsx with the machinery of
targets/imports.py (reading, header mapping, unit lookup, preview rows): one line per unit and
year: level, code, name, year, labour force, source, coverage target (%)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bhxh_dashboard.parsing import ParseError
from coverage.models import CoverageTarget, LabourForce, LabourForceSource
from coverage.services import CoverageEntry, coverage_save, parse_pct
from provinces import access
from provinces.models import Unit
from provinces.search import search_key
from targets.imports import (
    Column,
    ImportRefused,
    ImportResult,
    Preview,
    Row,
    _check_unit,
    _read_int,
    _read_period,
    _rows,
    _target_unit,
    _units_by_code,
    normalize_code,
    parse_level,
    read_table,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

LABEL_LABOUR = gettext_lazy("Lực lượng lao động trong độ tuổi")
LABEL_TARGET = gettext_lazy("Mục tiêu bao phủ (%)")

COVERAGE_COLUMNS = (
    Column("level", gettext_lazy("Cấp"), ("cap", "level")),
    Column("code", gettext_lazy("Mã đơn vị"), ("ma don vi", "ma", "unit code", "code")),
    Column("name", gettext_lazy("Tên đơn vị"), ("ten don vi", "ten", "name"), required=False),
    Column("year", gettext_lazy("Năm"), ("nam", "year")),
    Column(
        "labour_force",
        LABEL_LABOUR,
        ("luc luong lao dong", "so lao dong", "labour force", "working-age labour force"),
    ),
    Column("source", gettext_lazy("Nguồn"), ("nguon", "source"), required=False),
    Column(
        "coverage_target",
        LABEL_TARGET,
        ("muc tieu bao phu", "muc tieu bao phu %", "coverage target", "coverage target %"),
        required=False,
    ),
)

# The "Nguồn" column: what people type for each source (blank: the survey).
SOURCE_WORDS = {
    LabourForceSource.SURVEY: ("", "survey", "dieu tra", "tong cuc thong ke", "cuc thong ke"),
    LabourForceSource.PROVINCE: ("province", "tinh", "so lieu cua tinh"),
}


def _source(text: str) -> str | None:
    key = search_key(text)
    for source, words in SOURCE_WORDS.items():
        if key in words or key == search_key(str(source.label)):
            return source
    return None


def preview_coverage(data: bytes, filename: str, *, user: User) -> Preview:
    """Read and check a file of labour forces and coverage targets; nothing is written."""
    rows = _rows(read_table(data, filename), COVERAGE_COLUMNS)
    wanted: dict[int, tuple[int, str]] = {}
    for row in rows:
        if not row.cells.get("labour_force") and not row.cells.get("coverage_target"):
            row.empty = True
            continue
        level = parse_level(row.cells.get("level", ""))
        code = normalize_code(row.cells.get("code", ""), level) if level is not None else None
        if level is None or code is None:
            row.errors.append(
                _("Mã đơn vị “%(code)s” không hợp lệ.") % {"code": row.cells.get("code", "")}
            )
            continue
        wanted[row.line] = (level, code)
    query = Q(pk__in=[])
    for level, code in wanted.values():
        query |= Q(level=level, code=code)
    units = _units_by_code(Unit.objects.filter(query))
    seen: dict[tuple[int, int], int] = {}
    for row in rows:
        if row.empty or row.line not in wanted:
            continue
        _read_period(row, with_month=False)
        same_code = units.get(wanted[row.line], [])
        unit = _target_unit(row, same_code, row.year, user=user) if row.year else None
        if unit is not None or not same_code:
            _check_unit(
                row,
                unit,
                row.cells.get("code", ""),
                lambda u: access.can_enter_labour_force(user, u),
                user,
            )
        row.values = {"labour_force": _read_int(row, "labour_force", LABEL_LABOUR)}
        try:
            parse_pct(row.cells.get("coverage_target", ""))
        except ParseError as exc:
            row.errors.append(f"{LABEL_TARGET}: {exc}")
        if _source(row.cells.get("source", "")) is None:
            row.errors.append(
                _("Nguồn “%(source)s” không hợp lệ.") % {"source": row.cells["source"]}
            )
        if row.unit and row.year:
            key = (row.unit.pk, row.year)
            if key in seen:
                row.errors.append(
                    _("Trùng với dòng %(line)s (cùng đơn vị, cùng năm).") % {"line": seen[key]}
                )
            seen.setdefault(key, row.line)
    _mark_unchanged([r for r in rows if not r.errors and not r.empty])
    return Preview("coverage", rows, COVERAGE_COLUMNS)


def _mark_unchanged(rows: list[Row]) -> None:
    units = {r.checked_unit.pk for r in rows}
    years = {r.checked_year for r in rows}
    stored = {
        (u, y): v
        for u, y, v in LabourForce.objects.filter(unit_id__in=units, year__in=years).values_list(
            "unit_id", "year", "value"
        )
    }
    targets = {
        (u, y): p
        for u, y, p in CoverageTarget.objects.filter(unit_id__in=units, year__in=years).values_list(
            "unit_id", "year", "pct"
        )
    }
    for row in rows:
        key = (row.checked_unit.pk, row.checked_year)
        row.unchanged = stored.get(key) == row.values["labour_force"] and targets.get(
            key
        ) == parse_pct(row.cells.get("coverage_target", ""))
        if row.read_only and not row.unchanged:
            row.errors.append(
                _("%(unit)s (mã %(code)s) ngoài phạm vi bạn được nhập.")
                % {"unit": row.checked_unit.full_name, "code": row.checked_unit.code}
            )


def commit_coverage(preview: Preview, *, user: User) -> ImportResult:
    """Write a checked file through coverage_save, one call per year, all or nothing."""
    if preview.has_errors:
        raise ImportRefused([_("Tệp còn lỗi, chưa ghi gì.")])
    by_year: dict[int, list[Row]] = {}
    for row in preview.rows_to_write:
        by_year.setdefault(row.checked_year, []).append(row)
    result = ImportResult(unchanged=preview.count("unchanged"))
    with transaction.atomic():
        for year, rows in sorted(by_year.items()):
            entries = [
                CoverageEntry(
                    unit_id=r.checked_unit.pk,
                    labour_force=r.values["labour_force"],
                    source=_source(r.cells.get("source", "")) or LabourForceSource.SURVEY,
                    coverage_target=r.cells.get("coverage_target", ""),
                )
                for r in rows
            ]
            saved = coverage_save(user=user, year=year, entries=entries, source="import")
            if not saved.saved:
                lines = {r.checked_unit.pk: r.line for r in rows}
                raise ImportRefused(
                    [
                        _("Dòng %(line)s: %(message)s")
                        % {"line": lines.get(uid, "?"), "message": m}
                        for uid, by_field in saved.errors.items()
                        for messages in by_field.values()
                        for m in messages
                    ]
                )
            result.updated += saved.changed
    return result
