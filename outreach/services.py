"""Writes of the collection channels: a month's channel split, outreach events.

    channels_save(*, user, year, month, entries, source="form") -> ChannelSaveResult
    event_save(*, user, commune, organiser, kind, held_on, attendees, sign_ups) -> OutreachEvent

Every function checks access itself (provinces.access and outreach.access), so no caller can
skip it; a save is all or nothing, audited (ChannelChange), and asks for the progress recompute
that recomputes the channel figures with the rest.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bhxh_dashboard import clock
from bhxh_dashboard.formatting import day_label, month_label, number
from bhxh_dashboard.months import cutoff_date
from bhxh_dashboard.parsing import ParseError, parse_count
from outreach.access import org_works_in, point_commune_ids, reporter_org_id
from outreach.models import ChannelChange, ChannelCount, CollectionOrg, OutreachEvent
from progress.requests import request_recompute
from provinces.access import enterable_commune_ids
from provinces.models import Level, Unit
from provinces.selectors import not_in_force_message
from targets.models import MonthlyCount
from targets.selectors import WindowState, month_window, province_id_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ROW_ERRORS = "__all__"


@dataclass(frozen=True)
class ChannelEntry:
    """One cell of the channel grid as typed: a commune's new participants brought by one
    organisation in the month. Blank (None or "") removes a stored figure."""

    commune_id: int
    org_id: int
    value: int | str | None


@dataclass
class ChannelSaveResult:
    saved: bool = False
    # commune_id -> str(org_id) or "__all__" -> messages
    errors: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    general_errors: list[str] = field(default_factory=list)
    changed: int = 0

    def add_error(self, commune_id: int, key: str, message: str) -> None:
        self.errors.setdefault(commune_id, {}).setdefault(key, []).append(message)


def over_attribution_message(attributed: int, new_participants: int) -> str | None:
    """The error for channels adding up to more than the commune's new participants, else None."""
    if attributed <= new_participants:
        return None
    return _(
        "Các kênh cộng lại %(attributed)s người, nhiều hơn số phát triển mới của xã trong "
        "tháng (%(new)s người)."
    ) % {"attributed": number(attributed), "new": number(new_participants)}


def no_count_message(year: int, month: int) -> str:
    """The error for channels of a commune whose month has no new participants entered yet."""
    return _(
        "Xã chưa có số liệu tháng %(period)s: nhập số phát triển mới của xã trước khi phân bổ "
        "theo kênh."
    ) % {"period": month_label(year, month)}


def month_days(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first day of a month and its cut-off (a point open between them served it)."""
    return dt.date(year, month, 1), cutoff_date(year, month)


def channels_save(
    *,
    user: User,
    year: int,
    month: int,
    entries: list[ChannelEntry],
    source: str = "form",
) -> ChannelSaveResult:
    """Save many cells of a month's channel split, all or nothing.

    Each value is a count (bhxh_dashboard.parsing) or blank; each commune must be the user's to
    enter (as its counts are), or the cell the user's organisation's, in a commune where it has a
    point open that month; the organisation must work in the commune's province; the month must
    be open for entry; and each commune's channels (stored and typed) must add up to at most its
    new participants of the month. Only changed cells are written, each with an audit row.
    """
    result = ChannelSaveResult()
    if not 1 <= month <= 12:
        result.general_errors.append(_("Tháng phải từ 1 đến 12."))
        return result
    typed: dict[tuple[int, int], int | None] = {}
    for entry in entries:
        key = (entry.commune_id, entry.org_id)
        if key in typed:
            result.add_error(entry.commune_id, str(entry.org_id), _("Ô bị nhập hai lần."))
            continue
        try:
            typed[key] = parse_count(entry.value)
        except ParseError as exc:
            result.add_error(entry.commune_id, str(entry.org_id), str(exc))
            typed[key] = None
    if not typed:
        result.general_errors.append(_("Không có số liệu nào để lưu."))
        return result

    commune_ids = {c for c, _o in typed}
    with transaction.atomic():
        communes = {
            c.pk: c
            for c in Unit.objects.select_for_update(no_key=True)
            .filter(pk__in=commune_ids)
            .only("id", "level", "name", "district_id", "province_id", "valid_from", "valid_until")
        }
        orgs = CollectionOrg.objects.select_related("province").in_bulk({o for _c, o in typed})
        _check_cells(user, typed, communes, orgs, result, year=year, month=month)
        _check_month_open({province_id_of(c) for c in communes.values()}, year, month, result)
        if result.general_errors:
            return result
        # Go on with cells in error (counted as blank), so the sums are checked too.

        stored = {
            (row.commune_id, row.org_id): row
            for row in ChannelCount.objects.filter(
                commune_id__in=commune_ids, year=year, month=month
            )
        }
        new_participants = dict(
            MonthlyCount.objects.filter(
                commune_id__in=commune_ids, year=year, month=month
            ).values_list("commune_id", "new_participants")
        )
        totals: dict[int, int] = defaultdict(int)
        for (commune_id, org_id), stored_row in stored.items():
            if (commune_id, org_id) not in typed:
                totals[commune_id] += stored_row.new_participants
        for (commune_id, _org_id), value in typed.items():
            totals[commune_id] += value or 0
        for commune_id in sorted(commune_ids):
            total = totals.get(commune_id, 0)
            if commune_id not in new_participants:
                if total:
                    result.add_error(commune_id, ROW_ERRORS, no_count_message(year, month))
            elif message := over_attribution_message(total, new_participants[commune_id]):
                result.add_error(commune_id, ROW_ERRORS, message)
        if result.errors:
            return result

        to_write: list[ChannelCount] = []
        to_delete: list[int] = []
        logs: list[ChannelChange] = []
        for (commune_id, org_id), value in typed.items():
            row = stored.get((commune_id, org_id))
            old = row.new_participants if row is not None else None
            if old == value:
                continue
            if value is None:
                assert row is not None
                to_delete.append(row.pk)
            else:
                to_write.append(
                    ChannelCount(
                        commune_id=commune_id,
                        org_id=org_id,
                        year=year,
                        month=month,
                        new_participants=value,
                        updated_by=user,
                    )
                )
            logs.append(
                ChannelChange(
                    commune_id=commune_id,
                    org_id=org_id,
                    year=year,
                    month=month,
                    old_value=old,
                    new_value=value,
                    changed_by=user,
                    source=source,
                )
            )
        if to_write:
            ChannelCount.objects.bulk_create(
                to_write,
                update_conflicts=True,
                unique_fields=["commune", "year", "month", "org"],
                update_fields=["new_participants", "updated_by", "updated_at"],
            )
        if to_delete:
            ChannelCount.objects.filter(pk__in=to_delete).delete()
        ChannelChange.objects.bulk_create(logs)
        result.changed = len(logs)
        for province_id in sorted({province_id_of(communes[log.commune_id]) for log in logs}):
            request_recompute(province_id=province_id, year=year)
        result.saved = True
        return result


def _check_cells(
    user: User,
    typed: dict[tuple[int, int], int | None],
    communes: dict[int, Unit],
    orgs: dict[int, CollectionOrg],
    result: ChannelSaveResult,
    *,
    year: int,
    month: int,
) -> None:
    """Each cell's commune and organisation exist and go together, and the user may enter it."""
    enterable = enterable_commune_ids(user, communes.values())
    reporter_org = reporter_org_id(user)
    first_day, cutoff = month_days(year, month)
    points = (
        point_commune_ids(reporter_org, first_day, cutoff, communes)
        if reporter_org is not None
        else set()
    )
    for commune_id, org_id in typed:
        commune, org = communes.get(commune_id), orgs.get(org_id)
        key = str(org_id)
        if commune is None or commune.level != Level.COMMUNE:
            result.add_error(commune_id, ROW_ERRORS, _("Không tìm thấy xã."))
        elif org is None or not org_works_in(org, commune):
            result.add_error(
                commune_id, key, _("Tổ chức dịch vụ thu không hoạt động ở tỉnh của xã này.")
            )
        elif commune_id not in enterable and not (org_id == reporter_org and commune_id in points):
            message = (
                _("Tổ chức của bạn không có điểm thu ở xã này trong tháng.")
                if org_id == reporter_org
                else _("Bạn không được nhập số liệu của xã này.")
            )
            result.add_error(commune_id, key, message)
        elif not commune.in_force_on(cutoff):
            result.add_error(commune_id, ROW_ERRORS, not_in_force_message(commune, cutoff))


def _check_month_open(
    province_ids: set[int], year: int, month: int, result: ChannelSaveResult
) -> None:
    """The month must be open for entry (or reopened) in every province of the save, as counts."""
    today = clock.today()
    for province_id in sorted(province_ids):
        window = month_window(province_id=province_id, year=year, month=month, today=today)
        if window.state == WindowState.NOT_YET:
            result.general_errors.append(
                _("Chưa đến ngày chốt số liệu tháng %(period)s (%(d)s).")
                % {"period": month_label(year, month), "d": day_label(window.cutoff)}
            )
        elif window.state == WindowState.CLOSED:
            result.general_errors.append(
                _(
                    "Tháng %(period)s đã khoá sổ ngày %(d)s. Đề nghị cán bộ BHXH tỉnh mở lại "
                    "tháng để sửa số liệu."
                )
                % {"period": month_label(year, month), "d": day_label(window.closes_on)}
            )


def sign_ups_message(attendees: int, sign_ups: int) -> str | None:
    """The error for more sign-ups than attendees at an event, else None."""
    if sign_ups <= attendees:
        return None
    return _(
        "Số người đăng ký tại chỗ (%(sign_ups)s) không thể lớn hơn số người dự (%(attendees)s)."
    ) % {"sign_ups": number(sign_ups), "attendees": number(attendees)}


def can_record_event(user: User, commune: Unit, organiser: CollectionOrg, day: dt.date) -> bool:
    """Whoever enters the commune's counts; or the organiser's own reporter, where it has a point
    open that day."""
    if commune.pk in enterable_commune_ids(user, [commune]):
        return True
    return reporter_org_id(user) == organiser.pk and commune.pk in point_commune_ids(
        organiser.pk, day, day, [commune.pk]
    )


def event_save(
    *,
    user: User,
    commune: Unit,
    organiser: CollectionOrg,
    kind: str,
    held_on: dt.date,
    attendees: int,
    sign_ups: int,
) -> OutreachEvent:
    """Record an outreach event; ValidationError (by field) for what is wrong, nothing saved."""
    errors: dict[str, list[str]] = defaultdict(list)
    if commune.level != Level.COMMUNE:
        errors["commune"].append(_("Không tìm thấy xã."))
    elif not org_works_in(organiser, commune):
        errors["organiser"].append(_("Tổ chức dịch vụ thu không hoạt động ở tỉnh của xã này."))
    elif not can_record_event(user, commune, organiser, held_on):
        errors["commune"].append(_("Bạn không được ghi hội nghị ở xã này."))
    if held_on > clock.today():
        errors["held_on"].append(_("Ngày tổ chức chưa đến: chỉ ghi hội nghị đã diễn ra."))
    elif commune.level == Level.COMMUNE and not commune.in_force_on(held_on):
        errors["held_on"].append(not_in_force_message(commune, held_on))
    if message := sign_ups_message(attendees, sign_ups):
        errors["sign_ups"].append(message)
    if errors:
        raise ValidationError(dict(errors))
    with transaction.atomic():
        event = OutreachEvent.objects.create(
            commune=commune,
            organiser=organiser,
            kind=kind,
            held_on=held_on,
            attendees=attendees,
            sign_ups=sign_ups,
            created_by=user,
        )
        # The province's figures move on (its data version): a stored PDF summary, which shows
        # the events against plan, is made again.
        request_recompute(province_id=province_id_of(commune), year=held_on.year)
    return event
