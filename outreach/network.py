"""Writes of a province's collection network and its channel targets (the management pages).

    channel_targets_save(*, user, province, year, cells, plans, source="form") -> GridSaveResult
    staff_targets_save(*, user, province, year, cells, source="form") -> GridSaveResult
    point_add(*, user, province, org, commune, name, active_from, active_until) -> CollectionPoint
    point_close(*, user, province, point, active_until) -> CollectionPoint
    staff_add(*, user, province, org, code, name, point) -> CollectionStaff
    staff_assign(*, user, province, staff, point) -> CollectionStaff

The province's officers write (outreach.access.can_manage_network); every function checks it
itself. A grid save reads each cell as a count (bhxh_dashboard.parsing): a blank removes what is
stored, a cell the caller does not pass is left as it is; it is all or nothing, audited
(TargetChange), and a channel target change asks for the province's recompute, which writes the
targets into the channel figures (completion, gap, pace). The other writes raise ValidationError
by field, nothing saved.
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
from bhxh_dashboard.formatting import day_label
from bhxh_dashboard.parsing import FIRST_YEAR, LAST_YEAR, ParseError, parse_count
from outreach.access import can_manage_network, org_works_in
from outreach.models import (
    ChannelTarget,
    CollectionOrg,
    CollectionPoint,
    CollectionStaff,
    EventPlan,
    StaffTarget,
    TargetChange,
    TargetField,
)
from progress.requests import request_recompute
from provinces.models import Level, Unit
from provinces.selectors import not_in_force_message

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PLAN_FIELDS = ("events", "prospects")


@dataclass
class GridSaveResult:
    saved: bool = False
    errors: dict[str, list[str]] = field(default_factory=dict)  # input name -> messages
    general_errors: list[str] = field(default_factory=list)
    changed: int = 0

    def add_error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def channel_cell_name(unit_id: int, org_id: int) -> str:
    return f"ct_{unit_id}_{org_id}"


def plan_cell_name(org_id: int | None, what: str) -> str:
    return f"ep_{org_id or 0}_{what}"


def staff_cell_name(staff_id: int) -> str:
    return f"st_{staff_id}"


def _check_year_and_user(user: User, province: Unit, year: int, result: GridSaveResult) -> None:
    if not can_manage_network(user, province):
        result.general_errors.append(_("Bạn không được giao chỉ tiêu kênh thu của tỉnh này."))
    elif not FIRST_YEAR <= year <= LAST_YEAR:
        result.general_errors.append(_("Năm không hợp lệ."))


def _parse(cells: dict[str, str], result: GridSaveResult) -> dict[str, int | None]:
    parsed: dict[str, int | None] = {}
    for name, text in cells.items():
        try:
            parsed[name] = parse_count(text)
        except ParseError as exc:
            result.add_error(name, str(exc))
    return parsed


def _log(
    logs: list[TargetChange],
    user: User,
    source: str,
    year: int,
    what: TargetField,
    old: int | None,
    new: int | None,
    **where: object,
) -> None:
    logs.append(
        TargetChange(
            **where,
            year=year,
            field=what,
            old_value=old,
            new_value=new,
            changed_by=user,
            source=source,
        )
    )


def channel_targets_save(
    *,
    user: User,
    province: Unit,
    year: int,
    cells: dict[tuple[int, int], str],
    plans: dict[tuple[int | None, str], str],
    source: str = "form",
) -> GridSaveResult:
    """Set organisations' yearly targets at the province and its communes ((unit id, org id) ->
    text) and their event plans ((org id or None, "events" | "prospects") -> text)."""
    result = GridSaveResult()
    _check_year_and_user(user, province, year, result)
    if result.general_errors:
        return result
    if not cells and not plans:
        result.general_errors.append(_("Không có chỉ tiêu nào để lưu."))
        return result
    orgs = {o.pk: o for o in CollectionOrg.objects.filter(province=province)}
    units = {
        u.pk: u
        for u in Unit.objects.within(province).filter(
            pk__in={u for u, _o in cells}, level__in=(Level.PROVINCE, Level.COMMUNE)
        )
    }
    target_values = _parse({channel_cell_name(*k): v for k, v in cells.items()}, result)
    plan_values = _parse({plan_cell_name(*k): v for k, v in plans.items()}, result)
    for unit_id, org_id in cells:
        if unit_id not in units:
            result.add_error(channel_cell_name(unit_id, org_id), _("Đơn vị không thuộc tỉnh này."))
        elif org_id not in orgs:
            result.add_error(
                channel_cell_name(unit_id, org_id),
                _("Tổ chức dịch vụ thu không thuộc tỉnh này."),
            )
    for plan_org, what in plans:
        if what not in PLAN_FIELDS or (plan_org is not None and plan_org not in orgs):
            result.add_error(
                plan_cell_name(plan_org, what), _("Tổ chức dịch vụ thu không thuộc tỉnh này.")
            )

    logs: list[TargetChange] = []
    with transaction.atomic():
        stored_targets = {
            (t.unit_id, t.org_id): t
            for t in ChannelTarget.objects.select_for_update().filter(
                org__province=province, year=year
            )
        }
        stored_plans = {
            p.org_id: p
            for p in EventPlan.objects.select_for_update().filter(unit=province, year=year)
        }
        # An event plan's two cells go together: a cell not posted keeps what is stored.
        plan_rows: dict[int | None, dict[str, int | None]] = defaultdict(dict)
        for plan_org, what in plans:
            name = plan_cell_name(plan_org, what)
            if name in plan_values:
                plan_rows[plan_org][what] = plan_values[name]
        for plan_org, row in plan_rows.items():
            plan = stored_plans.get(plan_org)
            events = row.get("events", plan.events if plan else None)
            prospects = row.get("prospects", plan.prospects if plan else None)
            if events is None and prospects:
                result.add_error(
                    plan_cell_name(plan_org, "events"),
                    _("Nhập số hội nghị kế hoạch (số người cần tiếp cận đi kèm kế hoạch)."),
                )
            row["events"], row["prospects"] = events, prospects
        if result.errors:
            return result

        to_save: list[ChannelTarget] = []
        to_delete: list[int] = []
        for unit_id, org_id in cells:
            value = target_values[channel_cell_name(unit_id, org_id)]
            target = stored_targets.get((unit_id, org_id))
            old = target.value if target else None
            if old == value:
                continue
            if value is None:
                assert target is not None
                to_delete.append(target.pk)
            else:
                to_save.append(
                    ChannelTarget(
                        org_id=org_id, unit_id=unit_id, year=year, value=value, updated_by=user
                    )
                )
            _log(
                logs, user, source, year, TargetField.CHANNEL_TARGET, old, value,
                unit_id=unit_id, org_id=org_id,
            )  # fmt: skip
        if to_save:
            ChannelTarget.objects.bulk_create(
                to_save,
                update_conflicts=True,
                unique_fields=["org", "unit", "year"],
                update_fields=["value", "updated_by", "updated_at"],
            )
        ChannelTarget.objects.filter(pk__in=to_delete).delete()
        targets_changed = bool(logs)

        for plan_org, row in plan_rows.items():
            plan = stored_plans.get(plan_org)
            events, prospects = row["events"], row["prospects"] or 0
            old_events = plan.events if plan else None
            old_prospects = plan.prospects if plan else None
            new_prospects = prospects if events is not None else None
            if (old_events, old_prospects) == (events, new_prospects):
                continue
            if events is None:
                if plan is not None:
                    plan.delete()
            elif plan is None:
                EventPlan.objects.create(
                    unit=province,
                    org_id=plan_org,
                    year=year,
                    events=events,
                    prospects=prospects,
                    updated_by=user,
                )
            else:
                plan.events, plan.prospects, plan.updated_by = events, prospects, user
                plan.save(update_fields=["events", "prospects", "updated_by", "updated_at"])
            for change, old, new in (
                (TargetField.PLAN_EVENTS, old_events, events),
                (TargetField.PLAN_PROSPECTS, old_prospects, new_prospects),
            ):
                if old != new:
                    _log(logs, user, source, year, change, old, new, unit=province, org_id=plan_org)
        TargetChange.objects.bulk_create(logs)
        if targets_changed:
            request_recompute(province_id=province.pk, year=year)
    result.changed = len(logs)
    result.saved = True
    return result


def staff_targets_save(
    *,
    user: User,
    province: Unit,
    year: int,
    cells: dict[int, str],
    source: str = "form",
) -> GridSaveResult:
    """Set the yearly targets of the province's collection staff (staff id -> text)."""
    result = GridSaveResult()
    _check_year_and_user(user, province, year, result)
    if result.general_errors:
        return result
    if not cells:
        result.general_errors.append(_("Không có chỉ tiêu nào để lưu."))
        return result
    values = _parse({staff_cell_name(k): v for k, v in cells.items()}, result)
    staff = set(
        CollectionStaff.objects.filter(org__province=province, pk__in=cells).values_list(
            "pk", flat=True
        )
    )
    for staff_id in cells:
        if staff_id not in staff:
            result.add_error(staff_cell_name(staff_id), _("Nhân viên thu không thuộc tỉnh này."))
    if result.errors:
        return result
    logs: list[TargetChange] = []
    with transaction.atomic():
        stored = {
            t.staff_id: t
            for t in StaffTarget.objects.select_for_update().filter(staff_id__in=cells, year=year)
        }
        to_save, to_delete = [], []
        for staff_id in cells:
            value = values[staff_cell_name(staff_id)]
            target = stored.get(staff_id)
            old = target.value if target else None
            if old == value:
                continue
            if value is None:
                assert target is not None
                to_delete.append(target.pk)
            else:
                to_save.append(
                    StaffTarget(staff_id=staff_id, year=year, value=value, updated_by=user)
                )
            _log(
                logs, user, source, year, TargetField.STAFF_TARGET, old, value,
                unit=province, staff_id=staff_id,
            )  # fmt: skip
        if to_save:
            StaffTarget.objects.bulk_create(
                to_save,
                update_conflicts=True,
                unique_fields=["staff", "year"],
                update_fields=["value", "updated_by", "updated_at"],
            )
        StaffTarget.objects.filter(pk__in=to_delete).delete()
        TargetChange.objects.bulk_create(logs)
    result.changed = len(logs)
    result.saved = True
    return result


# ---------------------------------------------------------------------------------------------
# Points and staff
# ---------------------------------------------------------------------------------------------


def _require_manager(user: User, province: Unit) -> None:
    if not can_manage_network(user, province):
        raise ValidationError(_("Bạn không được quản lý mạng lưới thu của tỉnh này."))


def _dates_errors(
    commune: Unit, active_from: dt.date, active_until: dt.date | None
) -> dict[str, list[str]]:
    """Dates in order, and within the commune's life (an old commune ended on 30/06/2025)."""
    errors: dict[str, list[str]] = defaultdict(list)
    if active_until is not None and active_until < active_from:
        errors["active_until"].append(
            _("Ngày ngừng hoạt động (%(until)s) không được trước ngày bắt đầu (%(from)s).")
            % {"until": day_label(active_until), "from": day_label(active_from)}
        )
    if commune.valid_until is not None and (
        active_until is None or active_until > commune.valid_until
    ):
        errors["active_until"].append(
            _("%(commune)s chỉ còn đến %(day)s: nhập ngày ngừng hoạt động không muộn hơn ngày đó.")
            % {"commune": commune.full_name, "day": day_label(commune.valid_until)}
        )
    return errors


def point_add(
    *,
    user: User,
    province: Unit,
    org: CollectionOrg,
    commune: Unit,
    name: str,
    active_from: dt.date,
    active_until: dt.date | None = None,
) -> CollectionPoint:
    """Open a collection point of one of the province's organisations in a commune: one of the
    province's (or, before 07/2025, of an old province it took over) in force on the first day."""
    _require_manager(user, province)
    errors: dict[str, list[str]] = defaultdict(list)
    if org.province_id != province.pk:
        errors["org"].append(_("Tổ chức dịch vụ thu không thuộc tỉnh này."))
    elif commune.level != Level.COMMUNE or not org_works_in(org, commune):
        errors["commune"].append(_("Xã không thuộc tỉnh của tổ chức dịch vụ thu."))
    elif not commune.in_force_on(active_from):
        errors["active_from"].append(not_in_force_message(commune, active_from))
    if not errors:
        errors.update(_dates_errors(commune, active_from, active_until))
    if not name.strip():
        errors["name"].append(_("Nhập tên điểm thu."))
    if errors:
        raise ValidationError(dict(errors))
    return CollectionPoint.objects.create(
        org=org,
        commune=commune,
        name=name.strip(),
        active_from=active_from,
        active_until=active_until,
    )


def point_close(
    *, user: User, province: Unit, point: CollectionPoint, active_until: dt.date
) -> CollectionPoint:
    """Close a point: it works up to and including `active_until`."""
    _require_manager(user, province)
    if point.org.province_id != province.pk:
        raise ValidationError({"point": [_("Điểm thu không thuộc tỉnh này.")]})
    errors = _dates_errors(point.commune, point.active_from, active_until)
    if errors:
        raise ValidationError(dict(errors))
    point.active_until = active_until
    point.save(update_fields=["active_until"])
    return point


def _point_errors(point: CollectionPoint, org_id: int) -> list[str]:
    if point.org_id != org_id:
        return [_("Điểm thu thuộc tổ chức khác.")]
    if point.active_until is not None and point.active_until < clock.today():
        return [
            _("Điểm thu đã ngừng hoạt động từ %(day)s.")
            % {"day": day_label(point.active_until + dt.timedelta(days=1))}
        ]
    return []


def staff_add(
    *,
    user: User,
    province: Unit,
    org: CollectionOrg,
    code: str,
    name: str,
    point: CollectionPoint | None = None,
) -> CollectionStaff:
    """Add a collection staff member to one of the province's organisations."""
    _require_manager(user, province)
    errors: dict[str, list[str]] = defaultdict(list)
    code, name = code.strip(), name.strip()
    if org.province_id != province.pk:
        errors["org"].append(_("Tổ chức dịch vụ thu không thuộc tỉnh này."))
    elif CollectionStaff.objects.filter(org=org, code=code).exists():
        errors["code"].append(_("Tổ chức đã có nhân viên thu mã này."))
    if not code:
        errors["code"].append(_("Nhập mã nhân viên."))
    if not name:
        errors["name"].append(_("Nhập họ tên nhân viên thu."))
    if point is not None:
        errors["point"].extend(_point_errors(point, org.pk))
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        raise ValidationError(errors)
    return CollectionStaff.objects.create(org=org, code=code, name=name, point=point)


def staff_assign(
    *, user: User, province: Unit, staff: CollectionStaff, point: CollectionPoint | None
) -> CollectionStaff:
    """Assign a staff member to a point of their organisation (None: roaming)."""
    _require_manager(user, province)
    if staff.org.province_id != province.pk:
        raise ValidationError({"staff": [_("Nhân viên thu không thuộc tỉnh này.")]})
    if point is not None and (errors := _point_errors(point, staff.org_id)):
        raise ValidationError({"point": errors})
    staff.point = point
    staff.save(update_fields=["point"])
    return staff
