"""Import of a file of the channel split: a month's new participants of communes by the
collection organisation that brought them, checked row by row and written all or nothing.

The file is read, and its communes, years and months checked, by the counts import's own
functions (targets.imports: read_table and its limits, the header's Vietnamese or English
columns, codes that lost their zeros, the month window); this module adds the organisation
column and the channel rules of the grid (outreach.services): each cell in the page's scope (an
entry grid's communes, or an organisation's own column where it has a point open in the month),
and a commune-month's channels adding up to at most its new participants. Writing goes through
channels_save, one call per month in one transaction: its audit (source "import") and the
progress recompute it asks for are the grid's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bhxh_dashboard import clock
from bhxh_dashboard.formatting import month_label
from bhxh_dashboard.months import cutoff_date
from outreach.access import org_works_in
from outreach.models import ChannelCount, CollectionOrg, CollectionPoint
from outreach.selectors import org_order
from outreach.services import (
    ROW_ERRORS,
    ChannelEntry,
    ChannelSaveResult,
    channels_save,
    month_days,
    no_count_message,
    over_attribution_message,
)
from provinces import access
from provinces.models import Level, Unit
from provinces.search import search_key
from provinces.selectors import EntryGroup
from targets.imports import (
    LABEL_NEW,
    Column,
    ImportRefused,
    ImportResult,
    Preview,
    Row,
    _check_in_group,
    _check_unit,
    _out_of_scope,
    _read_int,
    _read_period,
    _rows,
    _unit_in_force,
    _units_by_code,
    check_month_windows,
    normalize_code,
    read_table,
)
from targets.models import MonthlyCount

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CHANNEL_COLUMNS = (
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
        "org",
        gettext_lazy("Tổ chức"),
        (
            "to chuc",
            "to chuc dich vu thu",
            "ten to chuc",
            "ma to chuc",
            "kenh",
            "kenh thu",
            "organisation",
            "organization",
            "collection organisation",
            "collection organization",
            "org",
            "channel",
        ),
    ),
    Column(
        "new_participants",
        gettext_lazy("Phát triển mới"),
        ("phat trien moi", "new participants", "new"),
    ),
)


def preview_channels(
    data: bytes,
    filename: str,
    *,
    user: User,
    group: EntryGroup | None = None,
    org: CollectionOrg | None = None,
) -> Preview:
    """Read and check a file of the channel split for one page: an entry grid's communes
    (`group`, any organisation of its province), or one organisation's column (`org`, its
    reporter's page: the communes where it has a point open in the row's month). Nothing is
    written; raises ImportFileError for a file that cannot be read at all.

    A row whose figure is blank is a template line not filled in (skipped). Each other row is
    new, changed (its stored figure in values["old"]), unchanged, or in error with the reason.
    """
    if (group is None) == (org is None):
        raise ValueError("a channels file is for an entry grid or an organisation")
    table = read_table(data, filename)
    rows = _rows(table, CHANNEL_COLUMNS)
    unit = group.unit if group is not None else org.province  # type: ignore[union-attr]
    province = unit if unit.level == Level.PROVINCE else unit.province
    assert province is not None, "a district or a province has its province"
    province_orgs = sorted(
        CollectionOrg.objects.filter(province=province).select_related("province"), key=org_order
    )
    orgs_by_key = _org_keys(province_orgs)

    codes: dict[int, str] = {}
    for row in rows:
        if not row.cells.get("new_participants"):
            row.empty = True  # the template lists every commune and organisation
            continue
        code = normalize_code(row.cells.get("code", ""), Level.COMMUNE)
        if code is None:
            row.errors.append(
                _("Mã xã “%(code)s” không hợp lệ.") % {"code": row.cells.get("code", "")}
            )
        else:
            codes[row.line] = code
    # Codes repeat between the two maps: a line's commune is the one in force at its month's
    # cut-off (both maps' communes with these codes in one query), as in the counts import.
    units = _units_by_code(Unit.objects.communes().filter(code__in=set(codes.values())))
    found_units = [u for same in units.values() for u in same]
    if group is not None:
        enterable = access.enterable_commune_ids(user, found_units)
        in_group = set(group.communes().values_list("pk", flat=True))
        in_scope = in_group
    else:
        points = _points(org, found_units)  # type: ignore[arg-type]
        in_scope = set(points)

    seen: dict[tuple[int, int, int, int], int] = {}
    today = clock.today()
    for row in rows:
        if row.empty:
            continue
        _read_period(row, with_month=True)
        value = _read_int(row, "new_participants", LABEL_NEW)
        if code := codes.get(row.line):
            same_code = units.get((Level.COMMUNE, code), [])
            cutoff = cutoff_date(row.year, row.month) if row.year and row.month else None
            commune = (
                _unit_in_force(row, same_code, cutoff)
                if cutoff and cutoff <= today
                # a month to come is refused for that reason (the page's commune if one)
                else next(iter(sorted(same_code, key=lambda u: u.pk not in in_scope)), None)
            )
            if commune is not None or not same_code:
                _check_unit(row, commune, row.cells.get("code", ""), lambda _u: True, user)
        if row.unit is not None and not row.errors:
            if group is not None:
                _check_group_commune(row, row.unit, group, in_group, enterable, user)
            elif row.year and row.month:
                _check_point(row, row.unit, org, points)  # type: ignore[arg-type]
        chosen = _check_org(row, orgs_by_key, province, own=org)
        row.values = {"new_participants": value, "org": chosen.pk if chosen else None, "old": None}
        if row.unit and row.year and row.month and chosen:
            key = (row.unit.pk, row.year, row.month, chosen.pk)
            if key in seen:
                row.errors.append(
                    _("Trùng với dòng %(line)s (cùng xã, cùng tháng, cùng tổ chức).")
                    % {"line": seen[key]}
                )
            else:
                seen[key] = row.line

    checkable = [r for r in rows if not r.errors and not r.empty]
    open_rows = check_month_windows(checkable, today=today)
    _compare_with_stored(open_rows)
    return Preview("channels", rows, CHANNEL_COLUMNS)


def _org_keys(orgs: list[CollectionOrg]) -> dict[str, CollectionOrg]:
    """How a file may name an organisation of the province: its name, with or without
    diacritics and whatever the case, or its id."""
    keys: dict[str, CollectionOrg] = {}
    for org in orgs:
        keys[search_key(org.name)] = org
        keys[str(org.pk)] = org
    return keys


def _check_org(
    row: Row, orgs_by_key: dict[str, CollectionOrg], province: Unit, *, own: CollectionOrg | None
) -> CollectionOrg | None:
    """The organisation a row names, or None with the reason. On an organisation's own page,
    only itself."""
    text = row.cells.get("org", "").strip()
    if not text:
        row.errors.append(_("Thiếu tổ chức dịch vụ thu."))
        return None
    org = orgs_by_key.get(text) if text.isascii() and text.isdigit() else None
    org = org or orgs_by_key.get(search_key(text))
    if org is None:
        row.errors.append(
            _("Không có tổ chức dịch vụ thu “%(org)s” ở %(province)s.")
            % {"org": text, "province": province.full_name}
        )
        return None
    if own is not None and org.pk != own.pk:
        row.errors.append(
            _("Bạn chỉ được nhập số liệu của %(own)s, không nhập số liệu của %(org)s.")
            % {"own": own.name, "org": org.name}
        )
        return None
    if row.unit is not None and not org_works_in(org, row.unit):
        row.errors.append(_("Tổ chức dịch vụ thu không hoạt động ở tỉnh của xã này."))
        return None
    row.cells["org"] = org.name
    return org


def _check_group_commune(
    row: Row,
    unit: Unit,
    group: EntryGroup,
    in_group: set[int],
    enterable: set[int],
    user: User,
) -> None:
    """An entry grid's page takes its own communes, those whose counts the user enters."""
    if unit.pk not in in_group and access.can_view(user, unit):
        _check_in_group(row, unit, group, in_group)
    elif unit.pk not in in_group or unit.pk not in enterable:
        _out_of_scope(row)


def _points(
    org: CollectionOrg, communes: list[Unit]
) -> dict[int, list[tuple[dt.date, dt.date | None]]]:
    """The organisation's points in these communes, when each was open (one query)."""
    found: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for commune_id, start, end in CollectionPoint.objects.filter(
        org=org, commune_id__in=[c.pk for c in communes]
    ).values_list("commune_id", "active_from", "active_until"):
        found[commune_id].append((start, end))
    return found


def _check_point(
    row: Row,
    unit: Unit,
    org: CollectionOrg,
    points: dict[int, list[tuple[dt.date, dt.date | None]]],
) -> None:
    """An organisation's reporter enters the communes where it had a point open in the month
    (as its grid: outreach.access.active_point_q)."""
    first, last = month_days(row.checked_year, row.checked_month)
    if not any(
        start <= last and (end is None or end >= first) for start, end in points.get(unit.pk, [])
    ):
        row.errors.append(
            _(
                "%(org)s không có điểm thu hoạt động ở %(unit)s (mã %(code)s) trong tháng "
                "%(period)s."
            )
            % {
                "org": org.name,
                "unit": unit.full_name,
                "code": unit.code,
                "period": month_label(row.checked_year, row.checked_month),
            }
        )


def _compare_with_stored(rows: list[Row]) -> None:
    """Each row against the stored figure (unchanged, or values["old"]), and each commune-month's
    channels, the stored ones of organisations the file leaves out plus the file's, against the
    commune's new participants of the month (the grid's rule and message). Two queries."""
    if not rows:
        return
    commune_ids = {r.checked_unit.pk for r in rows}
    years = {r.checked_year for r in rows}
    stored: dict[tuple[int, int, int], dict[int, int]] = defaultdict(dict)
    for c, y, m, o, v in ChannelCount.objects.filter(
        commune_id__in=commune_ids, year__in=years
    ).values_list("commune_id", "year", "month", "org_id", "new_participants"):
        stored[(c, y, m)][o] = v
    new_participants = {
        (c, y, m): n
        for c, y, m, n in MonthlyCount.objects.filter(
            commune_id__in=commune_ids, year__in=years
        ).values_list("commune_id", "year", "month", "new_participants")
    }
    by_month: dict[tuple[int, int, int], list[Row]] = defaultdict(list)
    for row in rows:
        key = (row.checked_unit.pk, row.checked_year, row.checked_month)
        by_month[key].append(row)
        old = stored[key].get(_org_id(row))
        row.values["old"] = old
        row.unchanged = old == row.values["new_participants"]
    for key, month_rows in by_month.items():
        in_file = {_org_id(r): r.values["new_participants"] or 0 for r in month_rows}
        total = sum(in_file.values()) + sum(v for o, v in stored[key].items() if o not in in_file)
        if key not in new_participants:
            message = no_count_message(key[1], key[2]) if total else None
        else:
            message = over_attribution_message(total, new_participants[key])
        if message:
            for row in month_rows:
                row.errors.append(message)


def _org_id(row: Row) -> int:
    org_id = row.values["org"]
    assert org_id is not None, f"line {row.line} has no organisation"
    return org_id


def commit_channels(preview: Preview, *, user: User) -> ImportResult:
    """Write a checked file through channels_save, one call per month, all or nothing: its
    checks run again under its locks, each change is audited with source "import", and the
    recompute of the channel figures is asked for as the grid's save asks for it."""
    if preview.has_errors:
        raise ImportRefused([_("Tệp còn lỗi, chưa ghi gì.")])
    by_month: dict[tuple[int, int], list[Row]] = defaultdict(list)
    for row in preview.rows_to_write:
        by_month[(row.checked_year, row.checked_month)].append(row)
    result = ImportResult(unchanged=preview.count("unchanged"))
    with transaction.atomic():
        for (year, month), rows in sorted(by_month.items()):
            saved = channels_save(
                user=user,
                year=year,
                month=month,
                entries=[
                    ChannelEntry(r.checked_unit.pk, _org_id(r), r.values["new_participants"])
                    for r in rows
                ],
                source="import",
            )
            if not saved.saved:
                raise ImportRefused(_save_messages(saved, rows))
            created = sum(1 for r in rows if r.values["old"] is None)
            result.created += created
            result.updated += len(rows) - created
            result.months += 1
    return result


def _save_messages(saved: ChannelSaveResult, rows: list[Row]) -> list[str]:
    """What channels_save refused, by the file's line."""
    lines = {(r.checked_unit.pk, _org_id(r)): r.line for r in rows}
    first_line: dict[int, int] = {}
    for (commune_id, _org), at in sorted(lines.items(), key=lambda item: item[1]):
        first_line.setdefault(commune_id, at)
    messages = list(saved.general_errors)
    for commune_id, cells in saved.errors.items():
        for key, texts in cells.items():
            line = (
                first_line.get(commune_id)
                if key == ROW_ERRORS
                else lines.get((commune_id, int(key)))
            )
            messages += [
                _("Dòng %(line)s: %(text)s") % {"line": line or "?", "text": t} for t in texts
            ]
    return messages or [_("Tệp còn lỗi, chưa ghi gì.")]
