"""Writes for data entry: monthly counts, targets and month reopenings, each with its audit.

Public API (the CSV/Excel import builds on it):

    counts_save(*, user, year, month, entries, expected_versions=None, confirm_warnings=False,
                source="form") -> SaveResult
    targets_save(*, user, year, entries, source="form") -> TargetSaveResult
    office_targets_save(*, user, province, year, entries) -> TargetSaveResult
    month_reopen(*, user, province, year, month, days, reason) -> MonthReopening

Every function checks access itself (provinces.access), so no caller can skip it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from bhxh_dashboard import clock
from bhxh_dashboard.copy import copy_rows
from bhxh_dashboard.formatting import day_label, number, user_label
from bhxh_dashboard.months import cutoff_date, months_before, previous_month
from bhxh_dashboard.parsing import (
    FIRST_YEAR,
    LAST_YEAR,
    ParseError,
    parse_count,
    parse_month_number,
)
from progress.requests import request_recompute
from provinces.access import (
    can_manage_offices,
    can_reopen_month,
    can_set_targets,
    enterable_commune_ids,
)
from provinces.models import GrassrootsOffice, Level, Unit
from provinces.selectors import not_in_force_message
from targets.models import (
    ChangeField,
    ChangeLog,
    MonthlyCount,
    MonthReopening,
    OfficeTarget,
    Target,
    TargetKind,
)
from targets.selectors import WindowState, month_window, open_reopening, province_id_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Warning thresholds against last month's participants (see count_warnings).
FALL_WARNING_RATIO = 0.20
RISE_WARNING_RATIO = 0.50
MAX_REOPEN_DAYS = 60

COUNT_FIELDS = ("participants", "new_participants")
ROW_ERRORS = "__all__"


@dataclass(frozen=True)
class CountEntry:
    """One commune's figures for the month as the user typed them.

    Values may be ints or text, read by bhxh_dashboard.parsing.parse_count ("1.234" is 1234);
    None or "" means missing.
    """

    commune_id: int
    participants: int | str | None
    new_participants: int | str | None = 0


@dataclass(frozen=True)
class CountWarning:
    commune_id: int
    field: str
    code: str  # "fall", "rise", "new_below_rise", "new_above_participants"
    message: str


@dataclass(frozen=True)
class CountConflict:
    """A row someone else changed after the user loaded it: what it holds now, who, when."""

    commune_id: int
    commune_name: str
    participants: int | None
    new_participants: int | None
    version: int
    updated_by: str
    updated_at: dt.datetime | None
    # What the user tried to save, to show side by side and re-apply.
    wanted_participants: int | None
    wanted_new_participants: int | None


class SaveStatus(StrEnum):
    SAVED = "saved"
    INVALID = "invalid"  # values or access or month window: fix and resubmit
    CONFLICT = "conflict"  # someone saved in between: nothing saved, see conflicts
    NEEDS_CONFIRMATION = "needs_confirmation"  # warnings: resubmit with confirm_warnings


@dataclass
class SaveResult:
    status: SaveStatus
    # commune_id -> field ("participants", "new_participants" or "__all__") -> messages
    errors: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    general_errors: list[str] = field(default_factory=list)
    warnings: list[CountWarning] = field(default_factory=list)
    conflicts: list[CountConflict] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # commune_id -> version now stored, so a page can keep editing without reloading.
    versions: dict[int, int] = field(default_factory=dict)

    @property
    def saved(self) -> bool:
        return self.status == SaveStatus.SAVED

    @property
    def warnings_token(self) -> str:
        return warnings_token(self.warnings)

    def add_error(self, commune_id: int, field_name: str, message: str) -> None:
        self.errors.setdefault(commune_id, {}).setdefault(field_name, []).append(message)


def warnings_token(warnings: Iterable[CountWarning]) -> str:
    """A short fingerprint of a set of warnings, so a confirmation covers exactly what was shown."""
    text = "|".join(sorted(f"{w.commune_id}:{w.code}:{w.message}" for w in warnings))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# How far back the warnings look for the last reported month when last month is empty.
WARNING_LOOKBACK_MONTHS = 12


class LastMonth(Protocol):
    """What count_warnings reads of the last reported month before this one: a MonthlyCount,
    or the import's stand-in."""

    @property
    def participants(self) -> int: ...
    @property
    def year(self) -> int: ...
    @property
    def month(self) -> int: ...


def impossible_new_participants(participants: int, new_participants: int) -> str | None:
    """The error for new sign-ups above the month's participants, else None.

    People who signed up this month are in this month's participants, so n > N cannot be:
    an error, never a warning to confirm (the entry form and the file import both refuse it).
    """
    if new_participants <= participants:
        return None
    return _(
        "Số phát triển mới (%(new)s) không thể lớn hơn số người tham gia cuối tháng (%(now)s): "
        "người mới tham gia trong tháng đã nằm trong số người tham gia."
    ) % {"new": number(new_participants), "now": number(participants)}


def count_warnings(
    *,
    commune_id: int,
    participants: int,
    new_participants: int,
    previous: LastMonth | None,
    year: int,
    month: int,
) -> list[CountWarning]:
    """Figures that are possible but suspicious; the user confirms them before saving.

    Against the participants P of the last month the commune reported (last month, or when that
    is empty the latest of the twelve before) and this month's participants N with n new
    sign-ups:
    - fall: N < P x 0.8 (more than 20% stopped paying);
    - rise: N > P x 1.5;
    - new_below_rise: n < N - P, only against last month itself. The stock can only grow
      through sign-ups, so a rise of R in a month needs at least R new participants; across an
      unreported month some of the sign-ups are that month's.
    n > N is an error (impossible_new_participants), not a warning.
    """
    found: list[CountWarning] = []
    if previous is None or not previous.participants:
        return found
    before = previous.participants
    is_last_month = (previous.year, previous.month) == previous_month(year, month)
    against = (
        _("tháng trước")
        if is_last_month
        else _("tháng %(m)02d/%(y)s (tháng báo cáo gần nhất)")
        % {"m": previous.month, "y": previous.year}
    )
    if participants < before * (1 - FALL_WARNING_RATIO):
        found.append(
            CountWarning(
                commune_id,
                "participants",
                "fall",
                _("Số người tham gia giảm %(pct)s%% so với %(against)s (%(before)s → %(now)s).")
                % {
                    "pct": round(100 * (before - participants) / before),
                    "against": against,
                    "before": number(before),
                    "now": number(participants),
                },
            )
        )
    elif participants > before * (1 + RISE_WARNING_RATIO):
        found.append(
            CountWarning(
                commune_id,
                "participants",
                "rise",
                _("Số người tham gia tăng %(pct)s%% so với %(against)s (%(before)s → %(now)s).")
                % {
                    "pct": round(100 * (participants - before) / before),
                    "against": against,
                    "before": number(before),
                    "now": number(participants),
                },
            )
        )
    rise = participants - before
    if is_last_month and rise > 0 and new_participants < rise:
        found.append(
            CountWarning(
                commune_id,
                "new_participants",
                "new_below_rise",
                _(
                    "Tăng %(rise)s người so với tháng trước nhưng chỉ có %(new)s người phát "
                    "triển mới (cần ít nhất %(rise)s)."
                )
                % {"rise": number(rise), "new": number(new_participants)},
            )
        )
    return found


BULK_HISTORY_ROWS = 1000


def _insert_history(logs: list[ChangeLog]) -> None:
    """Write audit rows. A large batch (a file import: two rows per commune and month) goes
    through COPY on PostgreSQL, several times faster than bulk_create's INSERTs."""
    if len(logs) < BULK_HISTORY_ROWS or connection.vendor != "postgresql":
        ChangeLog.objects.bulk_create(logs)
        return
    now = clock.now()
    copy_rows(
        ChangeLog._meta.db_table,
        "unit_id, year, month, field, old_value, new_value, changed_by_id, changed_at, source",
        (
            (
                log.unit_id,
                log.year,
                log.month,
                str(log.field),
                log.old_value,
                log.new_value,
                log.changed_by_id,
                now,
                log.source,
            )
            for log in logs
        ),
    )


def counts_save(
    *,
    user: User,
    year: int,
    month: int,
    entries: list[CountEntry],
    expected_versions: Mapping[int, int] | None = None,
    confirm_warnings: bool | str = False,
    source: str = "form",
) -> SaveResult:
    """Save many communes' counts for one month, all or nothing.

    - Every value must be a whole number >= 0 and the user must be allowed to enter counts for
      every commune (provinces.access.can_enter_commune_counts); else INVALID, nothing saved.
    - The month must be open for each commune's province (selectors.month_window).
    - expected_versions maps commune_id -> MonthlyCount.version the user loaded (0: no row then).
      A row whose version moved and whose stored values differ from the entry is a CONFLICT:
      nothing is saved and each conflict says what is stored now, by whom and when. Communes
      missing from the mapping (or expected_versions=None, e.g. an import) are not checked.
    - Warnings (count_warnings) on rows that change stop the save (NEEDS_CONFIRMATION) unless
      confirm_warnings is True, or is the warnings_token of exactly the warnings found now.
    - Only changed rows are written, with one ChangeLog row per changed field; the progress
      recompute of each affected province is requested inside the transaction.
    A constant handful of queries whatever the number of communes.
    """
    result = SaveResult(status=SaveStatus.INVALID)
    parsed, seen = _read_count_entries(entries, result)
    if not 1 <= month <= 12:
        result.general_errors.append(_("Tháng phải từ 1 đến 12."))
        return result
    if not seen:
        result.general_errors.append(_("Không có số liệu nào để lưu."))
        return result

    with transaction.atomic():
        communes = _lock_communes(seen)
        _check_communes(user, seen, communes, result, year=year, month=month)
        _check_month_open({province_id_of(c) for c in communes.values()}, year, month, result)
        if result.errors or result.general_errors:
            return result

        current, previous = _stored_months(seen, year, month)
        plan = _CountPlan(year=year, month=month, user=user, source=source)
        for commune_id, (participants, new) in parsed.items():
            row = current.get(commune_id)
            if row is not None and (row.participants, row.new_participants) == (participants, new):
                result.unchanged += 1
                result.versions[commune_id] = row.version
                continue
            if expected_versions is not None and commune_id in expected_versions:
                stored_version = row.version if row is not None else 0
                if stored_version != expected_versions[commune_id]:
                    result.conflicts.append(
                        _conflict(communes[commune_id], row, stored_version, participants, new)
                    )
                    continue
            result.warnings += count_warnings(
                commune_id=commune_id,
                participants=participants,
                new_participants=new,
                previous=previous.get(commune_id),
                year=year,
                month=month,
            )
            plan.add(commune_id, row, participants, new)

        if result.conflicts:
            result.status = SaveStatus.CONFLICT
            return result
        if result.warnings and not (
            confirm_warnings is True or confirm_warnings == warnings_token(result.warnings)
        ):
            result.status = SaveStatus.NEEDS_CONFIRMATION
            return result

        plan.write()
        for row in plan.rows:
            result.versions[row.commune_id] = row.version
        result.created, result.updated = len(plan.to_create), len(plan.to_update)
        for province_id in sorted({province_id_of(communes[r.commune_id]) for r in plan.rows}):
            request_recompute(province_id=province_id, year=year)
        result.status = SaveStatus.SAVED
        return result


def _read_count_entries(
    entries: list[CountEntry], result: SaveResult
) -> tuple[dict[int, tuple[int, int]], set[int]]:
    """Each entry's figures read by parse_count, by commune; errors go to `result`. Also the
    set of every commune named, valid or not."""
    parsed: dict[int, tuple[int, int]] = {}
    seen: set[int] = set()
    for entry in entries:
        if entry.commune_id in seen:
            result.add_error(entry.commune_id, ROW_ERRORS, _("Xã bị nhập hai lần."))
            continue
        seen.add(entry.commune_id)
        values: dict[str, int | None] = {}
        for name in COUNT_FIELDS:
            try:
                values[name] = parse_count(getattr(entry, name))
            except ParseError as exc:
                result.add_error(entry.commune_id, name, str(exc))
        if "participants" in values and values["participants"] is None:
            result.add_error(entry.commune_id, "participants", _("Chưa nhập số người tham gia."))
        if entry.commune_id not in result.errors:
            participants = values["participants"]
            assert participants is not None  # a missing or unreadable one is an error above
            new = values["new_participants"] or 0
            impossible = impossible_new_participants(participants, new)
            if impossible:
                result.add_error(entry.commune_id, "new_participants", impossible)
                continue
            parsed[entry.commune_id] = (participants, new)
    return parsed, seen


def _lock_communes(commune_ids: set[int]) -> dict[int, Unit]:
    """The communes, locked: two saves of the same communes (and their inserts) run one after
    the other, without blocking readers. Loads what the access check needs."""
    return {
        c.pk: c
        for c in Unit.objects.select_for_update(no_key=True)
        .filter(pk__in=commune_ids)
        .only("id", "level", "name", "district_id", "province_id", "valid_from", "valid_until")
    }


def _check_communes(
    user: User,
    commune_ids: set[int],
    communes: dict[int, Unit],
    result: SaveResult,
    *,
    year: int,
    month: int,
) -> None:
    """Each commune must exist, be the user's to enter, and be in force at the month's cut-off
    (an old commune's months end with June 2025)."""
    enterable = enterable_commune_ids(user, communes.values())
    cutoff = cutoff_date(year, month)
    for commune_id in commune_ids:
        commune = communes.get(commune_id)
        if commune is None or commune.level != Level.COMMUNE:
            result.add_error(commune_id, ROW_ERRORS, _("Không tìm thấy xã."))
        elif commune_id not in enterable:
            result.add_error(commune_id, ROW_ERRORS, _("Bạn không được nhập số liệu của xã này."))
        elif not commune.in_force_on(cutoff):
            result.add_error(commune_id, ROW_ERRORS, not_in_force_message(commune, cutoff))


def _check_month_open(province_ids: set[int], year: int, month: int, result: SaveResult) -> None:
    """The month must be in its window (or reopened) for every province of the save."""
    today = clock.today()
    for province_id in sorted(province_ids):
        window = month_window(province_id=province_id, year=year, month=month, today=today)
        if window.state == WindowState.NOT_YET:
            result.general_errors.append(
                _("Chưa đến ngày chốt số liệu tháng %(m)02d/%(y)s (%(d)s).")
                % {"m": month, "y": year, "d": day_label(window.cutoff)}
            )
        elif window.state == WindowState.CLOSED:
            result.general_errors.append(
                _(
                    "Tháng %(m)02d/%(y)s đã khoá sổ ngày %(d)s. Đề nghị cán bộ BHXH tỉnh mở "
                    "lại tháng để sửa số liệu."
                )
                % {"m": month, "y": year, "d": day_label(window.closes_on)}
            )


def _stored_months(
    commune_ids: set[int], year: int, month: int
) -> tuple[dict[int, MonthlyCount], dict[int, MonthlyCount]]:
    """This month's stored rows of the communes, and each one's last reported month before it
    (within WARNING_LOOKBACK_MONTHS), in one query."""
    earlier = months_before(year, month, WARNING_LOOKBACK_MONTHS)
    current: dict[int, MonthlyCount] = {}
    previous: dict[int, MonthlyCount] = {}
    rows = (
        MonthlyCount.objects.filter(
            commune_id__in=commune_ids, year__in={year} | {y for y, _m in earlier}
        )
        .select_related("updated_by")
        .order_by("commune_id", "-year", "-month")
    )
    wanted = set(earlier)
    for row in rows:
        if (row.year, row.month) == (year, month):
            current[row.commune_id] = row
        elif (row.year, row.month) in wanted:
            previous.setdefault(row.commune_id, row)  # the nearest first
    return current, previous


def _conflict(
    commune: Unit, row: MonthlyCount | None, version: int, participants: int, new: int
) -> CountConflict:
    return CountConflict(
        commune_id=commune.pk,
        commune_name=commune.name,
        participants=row.participants if row else None,
        new_participants=row.new_participants if row else None,
        version=version,
        updated_by=user_label(row.updated_by) if row else "",
        updated_at=row.updated_at if row else None,
        wanted_participants=participants,
        wanted_new_participants=new,
    )


@dataclass
class _CountPlan:
    """The rows one save creates and updates for a month, and their audit rows."""

    year: int
    month: int
    user: User
    source: str
    to_create: list[MonthlyCount] = field(default_factory=list)
    to_update: list[MonthlyCount] = field(default_factory=list)
    logs: list[ChangeLog] = field(default_factory=list)

    @property
    def rows(self) -> list[MonthlyCount]:
        return self.to_create + self.to_update

    def add(self, commune_id: int, row: MonthlyCount | None, participants: int, new: int) -> None:
        if row is None:
            self.to_create.append(
                MonthlyCount(
                    commune_id=commune_id,
                    year=self.year,
                    month=self.month,
                    participants=participants,
                    new_participants=new,
                    version=1,
                    updated_by=self.user,
                )
            )
            old: dict[str, int | None] = {"participants": None, "new_participants": None}
        else:
            old = {"participants": row.participants, "new_participants": row.new_participants}
            row.participants, row.new_participants = participants, new
            row.version += 1
            self.to_update.append(row)
        for name, value in (("participants", participants), ("new_participants", new)):
            if old[name] != value:
                self.logs.append(
                    ChangeLog(
                        unit_id=commune_id,
                        year=self.year,
                        month=self.month,
                        field=ChangeField(name),
                        old_value=old[name],
                        new_value=value,
                        changed_by=self.user,
                        source=self.source,
                    )
                )

    def write(self) -> None:
        if self.rows:
            # One INSERT ... ON CONFLICT DO UPDATE writes new and changed rows alike: bulk_update's
            # CASE WHEN expressions cost far more Python time than the database spends. The rows
            # are locked above and their versions checked, so the upsert overwrites nothing unseen.
            MonthlyCount.objects.bulk_create(
                self.to_create
                + [
                    MonthlyCount(
                        commune_id=row.commune_id,
                        year=self.year,
                        month=self.month,
                        participants=row.participants,
                        new_participants=row.new_participants,
                        version=row.version,
                        updated_by=self.user,
                    )
                    for row in self.to_update
                ],
                update_conflicts=True,
                unique_fields=["commune", "year", "month"],
                update_fields=[
                    "participants",
                    "new_participants",
                    "version",
                    "updated_by",
                    "updated_at",
                ],
            )
        _insert_history(self.logs)


# ---------------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetEntry:
    """A unit's targets for the year as typed. None or "" for a value means "no target" (an
    existing one is removed); for deadline_month it means "none of its own": the unit takes its
    nearest ancestor's (district, province, nation, else December) when figures are computed.
    keep_deadline leaves the stored deadlines as they are (a file without the deadline column)."""

    unit_id: int
    participants: int | str | None = None
    new_participants: int | str | None = None
    deadline_month: int | str | None = None
    keep_deadline: bool = False

    @property
    def key(self) -> int:
        return self.unit_id


@dataclass(frozen=True)
class OfficeTargetEntry:
    """A grassroots office's targets for the year as typed, read as TargetEntry's are (a blank
    deadline: the province's)."""

    office_id: int
    participants: int | str | None = None
    new_participants: int | str | None = None
    deadline_month: int | str | None = None
    keep_deadline: bool = False

    @property
    def key(self) -> int:
        return self.office_id


@dataclass
class TargetSaveResult:
    saved: bool = False
    errors: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    general_errors: list[str] = field(default_factory=list)
    changed: int = 0

    def add_error(self, unit_id: int, field_name: str, message: str) -> None:
        self.errors.setdefault(unit_id, {}).setdefault(field_name, []).append(message)


TARGET_KINDS = (
    ("participants", TargetKind.PARTICIPANTS, ChangeField.TARGET_PARTICIPANTS),
    ("new_participants", TargetKind.NEW_PARTICIPANTS, ChangeField.TARGET_NEW),
)


def targets_save(
    *, user: User, year: int, entries: list[TargetEntry], source: str = "form"
) -> TargetSaveResult:
    """Set the targets of many units for one year, all or nothing, with the audit.

    Provincial officers set their districts' and communes' targets, superusers the province's
    too (provinces.access.can_set_targets). The deadline month applies to both kinds of a unit.
    """
    result = TargetSaveResult()
    if not FIRST_YEAR <= year <= LAST_YEAR:
        result.general_errors.append(_("Năm không hợp lệ."))
        return result
    parsed = _read_target_entries(entries, result)
    if not parsed:
        result.general_errors.append(_("Không có chỉ tiêu nào để lưu."))
        return result

    with transaction.atomic():
        units = _lock_target_units(user, parsed, result)
        if result.errors:
            return result
        existing = {
            (t.unit_id, t.kind): t for t in Target.objects.filter(unit_id__in=parsed, year=year)
        }
        plan = _TargetPlan(Target, year=year, user=user, source=source, now=clock.now())
        for unit_id, values in parsed.items():
            if plan.add(unit_id, values, existing):
                plan.touched_provinces.add(province_id_of(units[unit_id]))
        plan.write()
        for province_id in sorted(plan.touched_provinces):
            request_recompute(province_id=province_id, year=year)
        result.changed = plan.changed
        result.saved = True
        return result


def _read_target_entries(
    entries: Sequence[TargetEntry | OfficeTargetEntry], result: TargetSaveResult
) -> dict[int, dict[str, int | None]]:
    """Each unit's (or office's) values read by parse_count / parse_month_number, by its id
    (no "deadline_month" when the stored deadlines are kept); errors go to `result`."""
    parsed: dict[int, dict[str, int | None]] = {}
    for entry in entries:
        if entry.key in parsed:
            result.add_error(entry.key, ROW_ERRORS, _("Đơn vị bị nhập hai lần."))
            continue
        values: dict[str, int | None] = {}
        for name in ("participants", "new_participants"):
            try:
                values[name] = parse_count(getattr(entry, name))
            except ParseError as exc:
                result.add_error(entry.key, name, str(exc))
        try:
            if not entry.keep_deadline:
                values["deadline_month"] = parse_month_number(entry.deadline_month)
        except ParseError:
            result.add_error(entry.key, "deadline_month", _("Tháng hoàn thành phải từ 1 đến 12."))
        parsed[entry.key] = values
    return parsed


def _lock_target_units(
    user: User, unit_ids: Collection[int], result: TargetSaveResult
) -> dict[int, Unit]:
    """The units, locked for the save; each one the user may not set is an error."""
    units = {u.pk: u for u in Unit.objects.select_for_update(no_key=True).filter(pk__in=unit_ids)}
    for unit_id in unit_ids:
        unit = units.get(unit_id)
        if unit is None:
            result.add_error(unit_id, ROW_ERRORS, _("Không tìm thấy đơn vị."))
        elif not can_set_targets(user, unit):
            result.add_error(unit_id, ROW_ERRORS, _("Bạn không được giao chỉ tiêu cho đơn vị này."))
    return units


TargetT = TypeVar("TargetT", Target, OfficeTarget)


@dataclass
class _TargetPlan(Generic[TargetT]):
    """The targets one save creates, updates and removes for a year, and their audit rows.

    Keyed by unit id (model Target) or by office id (model OfficeTarget, whose audit rows name
    the office's province as their unit).
    """

    model: type[TargetT]
    year: int
    user: User
    source: str
    now: dt.datetime
    province_id: int | None = None  # an office plan: the province the offices belong to
    to_create: list[TargetT] = field(default_factory=list)
    to_update: list[TargetT] = field(default_factory=list)
    to_delete: list[int] = field(default_factory=list)
    logs: list[ChangeLog] = field(default_factory=list)
    touched_provinces: set[int] = field(default_factory=set)

    def _owner(self, key: int) -> dict[str, int]:
        return {"office_id": key} if self.model is OfficeTarget else {"unit_id": key}

    def log(self, key: int, change_field: ChangeField, old: int | None, new: int | None) -> None:
        where = self._owner(key)
        if self.province_id is not None:
            where["unit_id"] = self.province_id
        self.logs.append(
            ChangeLog(
                **where,
                year=self.year,
                month=None,
                field=change_field,
                old_value=old,
                new_value=new,
                changed_by=self.user,
                source=self.source,
            )
        )

    def add(
        self,
        key: int,
        values: Mapping[str, int | None],
        existing: Mapping[tuple[int, str], TargetT],
    ) -> bool:
        """Plan one unit's targets against the stored ones; True when anything changes."""
        keep_deadline = "deadline_month" not in values
        deadline = values.get("deadline_month")
        deadline_logged = touched = False
        for name, kind, change_field in TARGET_KINDS:
            target = existing.get((key, kind))
            value = values[name]
            if value is None:
                if target is not None:
                    self.to_delete.append(target.pk)
                    self.log(key, change_field, target.value, None)
                    touched = True
                continue
            if target is None:
                target = self.model(
                    **self._owner(key),
                    year=self.year,
                    kind=kind,
                    value=value,
                    deadline_month=deadline,
                    updated_by=self.user,
                )
                self.to_create.append(target)
                self.log(key, change_field, None, value)
                touched = True
                continue
            changed = False
            if target.value != value:
                self.log(key, change_field, target.value, value)
                target.value, changed = value, True
            # None: back to the ancestor's
            if not keep_deadline and target.deadline_month != deadline:
                if not deadline_logged:
                    self.log(key, ChangeField.DEADLINE_MONTH, target.deadline_month, deadline)
                    deadline_logged = True
                target.deadline_month, changed = deadline, True
            if changed:
                target.updated_by, target.updated_at = self.user, self.now
                self.to_update.append(target)
                touched = True
        return touched

    def write(self) -> None:
        if self.to_delete:
            self.model.objects.filter(pk__in=self.to_delete).delete()
        if self.to_create:
            self.model.objects.bulk_create(self.to_create)
        if self.to_update:
            self.model.objects.bulk_update(
                self.to_update, ["value", "deadline_month", "updated_by", "updated_at"]
            )
        if self.logs:
            ChangeLog.objects.bulk_create(self.logs)

    @property
    def changed(self) -> int:
        return len(self.to_create) + len(self.to_update) + len(self.to_delete)


def office_targets_save(
    *, user: User, province: Unit, year: int, entries: list[OfficeTargetEntry]
) -> TargetSaveResult:
    """Set the targets of a province's grassroots offices for one year, all or nothing, with
    the audit. Its provincial officers do (provinces.access.can_manage_offices); errors are
    keyed by office id. Office targets feed no figure, so nothing is recomputed."""
    result = TargetSaveResult()
    if not can_manage_offices(user, province):
        raise PermissionDenied
    if not FIRST_YEAR <= year <= LAST_YEAR:
        result.general_errors.append(_("Năm không hợp lệ."))
        return result
    parsed = _read_target_entries(entries, result)
    with transaction.atomic():
        offices = set(
            GrassrootsOffice.objects.select_for_update(no_key=True)
            .filter(province=province, pk__in=parsed)
            .values_list("pk", flat=True)
        )
        for office_id in parsed.keys() - offices:
            result.add_error(office_id, ROW_ERRORS, _("Không tìm thấy BHXH cơ sở trong tỉnh."))
        if result.errors or not parsed:
            if not parsed:
                result.general_errors.append(_("Không có chỉ tiêu nào để lưu."))
            return result
        existing = {
            (t.office_id, t.kind): t
            for t in OfficeTarget.objects.filter(office_id__in=parsed, year=year)
        }
        plan = _TargetPlan(
            OfficeTarget, year, user, source="form", now=clock.now(), province_id=province.pk
        )
        for office_id, values in parsed.items():
            plan.add(office_id, values, existing)
        plan.write()
        result.changed = plan.changed
        result.saved = True
        return result


# ---------------------------------------------------------------------------------------------
# Month reopening
# ---------------------------------------------------------------------------------------------


def month_reopen(
    *, user: User, province: Unit, year: int, month: int, days: int, reason: str
) -> MonthReopening:
    """Reopen a closed month of a province for `days` days, recording who, when and why.

    Raises PermissionDenied for anyone but the province's officers (and superusers), and
    ValidationError for a month not yet reportable, a month still open, or a bad duration.
    """
    if not can_reopen_month(user, province):
        raise PermissionDenied
    if not 1 <= month <= 12:
        raise ValidationError(_("Tháng phải từ 1 đến 12."))
    if not 1 <= days <= MAX_REOPEN_DAYS:
        raise ValidationError(_("Số ngày mở lại phải từ 1 đến %(max)s.") % {"max": MAX_REOPEN_DAYS})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Cần ghi lý do mở lại tháng."))
    window = month_window(province_id=province.pk, year=year, month=month, reopening=None)
    if window.state == WindowState.NOT_YET:
        raise ValidationError(_("Tháng này chưa đến ngày chốt số liệu."))
    if window.state == WindowState.OPEN:
        raise ValidationError(_("Tháng này đang mở, không cần mở lại."))
    current = open_reopening(province.pk, year, month)
    open_until = clock.now() + dt.timedelta(days=days)
    if current is not None and current.open_until > open_until:
        open_until = current.open_until  # reopening again never shortens a running reopening
    return MonthReopening.objects.create(
        province=province,
        year=year,
        month=month,
        open_until=open_until,
        reason=reason[:300],
        reopened_by=user,
    )
