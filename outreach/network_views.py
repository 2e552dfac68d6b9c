"""A province's collection network pages: the organisations' targets and event plans, the
collection points, the collection staff and their targets.

Access as the rest of the channels: outside the user's scope 404; a province's officers write
(outreach.access.can_manage_network), anyone else in scope reads and a POST is 403. The rules
live in outreach.network.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.forms import Form
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from bhxh_dashboard import clock
from bhxh_dashboard.http import SignedInRequest
from outreach import network
from outreach.access import can_manage_network, get_visible_province_or_404
from outreach.forms import PointCloseForm, PointForm, StaffAssignForm, StaffForm
from outreach.models import (
    ChannelTarget,
    CollectionOrg,
    CollectionPoint,
    CollectionStaff,
    EventPlan,
    StaffTarget,
)
from outreach.selectors import grid_orgs
from provinces.models import Level, Unit
from targets.forms import parse_year_param

_CHANNEL_CELL = re.compile(r"ct_([0-9]+)_([0-9]+)")
_PLAN_CELL = re.compile(r"ep_([0-9]+)_(events|prospects)")
_STAFF_CELL = re.compile(r"st_([0-9]+)")


def _province(request: SignedInRequest, code: str) -> tuple[Unit, bool]:
    province = get_visible_province_or_404(request.user, code)
    can_edit = can_manage_network(request.user, province)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    return province, can_edit


def _year(request: SignedInRequest) -> int:
    return parse_year_param(
        request.GET.get("nam") or request.POST.get("nam"), default=clock.today().year
    )


def _communes_of_year(province: Unit, year: int) -> QuerySet[Unit]:
    """The province's communes in force at some time in the year."""
    return (
        Unit.objects.within(province)
        .filter(level=Level.COMMUNE)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=dt.date(year, 12, 31)))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=dt.date(year, 1, 1)))
        .order_by("name", "code")
    )


def _shown(typed: dict[str, str], name: str, stored: int | None) -> str:
    return typed.get(name, "" if stored is None else str(stored))


@login_required
def channel_targets(request: SignedInRequest, code: str) -> HttpResponse:
    """The organisations' yearly targets at the province (and its communes) and event plans."""
    province, can_edit = _province(request, code)
    year = _year(request)
    with_communes = (request.GET.get("xa") or request.POST.get("xa")) == "1"
    orgs = grid_orgs(province_id=province.pk)
    result: network.GridSaveResult | None = None
    typed: dict[str, str] = {}
    if request.method == "POST":
        cells: dict[tuple[int, int], str] = {}
        plans: dict[tuple[int | None, str], str] = {}
        for name in request.POST:
            if match := _CHANNEL_CELL.fullmatch(name):
                cells[(int(match[1]), int(match[2]))] = request.POST[name].strip()
            elif match := _PLAN_CELL.fullmatch(name):
                plans[(int(match[1]) or None, match[2])] = request.POST[name].strip()
            else:
                continue
            typed[name] = request.POST[name].strip()
        result = network.channel_targets_save(
            user=request.user, province=province, year=year, cells=cells, plans=plans
        )
        if result.saved:
            messages.success(
                request,
                _(
                    "Đã lưu chỉ tiêu kênh thu năm %(year)s (%(n)s thay đổi). Số liệu theo kênh "
                    "được tính lại trong giây lát."
                )
                % {"year": year, "n": result.changed},
            )
            return HttpResponseRedirect(
                reverse("outreach:targets", kwargs={"code": province.url_code})
                + f"?nam={year}"
                + ("&xa=1" if with_communes else "")
            )
    errors = result.errors if result else {}
    units = [province, *(_communes_of_year(province, year) if with_communes else [])]
    stored = {
        (unit_id, org_id): value
        for unit_id, org_id, value in ChannelTarget.objects.filter(
            org__province=province, year=year, unit__in=units
        ).values_list("unit_id", "org_id", "value")
    }
    rows: list[dict[str, Any]] = []
    for unit in units:
        cells_shown = []
        for org in orgs:
            name = network.channel_cell_name(unit.pk, org.pk)
            cells_shown.append(
                {
                    "org": org,
                    "name": name,
                    "stored": stored.get((unit.pk, org.pk)),
                    "value": _shown(typed, name, stored.get((unit.pk, org.pk))),
                    "errors": errors.get(name, []),
                }
            )
        rows.append({"unit": unit, "cells": cells_shown})
    plans_stored = {p.org_id: p for p in EventPlan.objects.filter(unit=province, year=year)}
    plan_rows: list[dict[str, Any]] = []
    plan_orgs: list[CollectionOrg | None] = [*orgs, None]
    for plan_org in plan_orgs:
        plan_org_id = plan_org.pk if plan_org else None
        plan = plans_stored.get(plan_org_id)
        row: dict[str, Any] = {"org": plan_org, "plan": plan}
        for what in network.PLAN_FIELDS:
            name = network.plan_cell_name(plan_org_id, what)
            row[what] = {
                "name": name,
                "value": _shown(typed, name, getattr(plan, what) if plan else None),
                "errors": errors.get(name, []),
            }
        plan_rows.append(row)
    totals = {org.pk: sum(stored.get((u.pk, org.pk)) or 0 for u in units[1:]) for org in orgs}
    return render(
        request,
        "outreach/network_targets.html",
        {
            "province": province,
            "year": year,
            "years": range(year - 2, year + 2),
            "orgs": orgs,
            "rows": rows,
            "commune_totals": [totals[o.pk] for o in orgs],
            "with_communes": with_communes,
            "plan_rows": plan_rows,
            "plan_total": {
                "events": sum(p.events for p in plans_stored.values()),
                "prospects": sum(p.prospects for p in plans_stored.values()),
            },
            "can_edit": can_edit,
            "result": result,
            "other_errors": _other_errors(
                errors,
                {c["name"] for r in rows for c in r["cells"]}
                | {r[w]["name"] for r in plan_rows for w in network.PLAN_FIELDS},
            ),
        },
    )


def _other_errors(errors: dict[str, list[str]], shown: set[str]) -> list[str]:
    """The messages of cells the page does not show (a hand-made or out-of-date form)."""
    return sorted({m for name, ms in errors.items() if name not in shown for m in ms})


def _apply(form: Form, action: Any) -> bool:
    """Run a service with a valid form's data; its errors go on the form. True when saved."""
    if not form.is_valid():
        return False
    try:
        action(**form.cleaned_data)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        else:
            for error in exc.messages:
                form.add_error(None, error)
        return False
    return True


def _org_queryset(province: Unit) -> QuerySet[CollectionOrg]:
    return CollectionOrg.objects.filter(province=province).order_by("kind", "name")


def _point_queryset(province: Unit) -> QuerySet[CollectionPoint]:
    return CollectionPoint.objects.filter(org__province=province).select_related("org", "commune")


@login_required
def points(request: SignedInRequest, code: str) -> HttpResponse:
    """The province's collection points by commune; open one, close one."""
    province, can_edit = _province(request, code)
    orgs = _org_queryset(province)
    communes = (
        Unit.objects.readable_from(province).filter(level=Level.COMMUNE).order_by("name", "code")
    )
    action = request.POST.get("action")
    add_form = PointForm(request.POST if action == "add" else None, orgs=orgs, communes=communes)
    close_form = PointCloseForm(
        request.POST if action == "close" else None, points=_point_queryset(province)
    )
    if action == "add" and _apply(
        add_form,
        lambda **data: network.point_add(user=request.user, province=province, **data),
    ):
        messages.success(request, _("Đã thêm điểm thu."))
        return HttpResponseRedirect(request.path)
    if action == "close" and _apply(
        close_form,
        lambda **data: network.point_close(user=request.user, province=province, **data),
    ):
        messages.success(request, _("Đã cập nhật ngày ngừng hoạt động của điểm thu."))
        return HttpResponseRedirect(request.path)
    today = clock.today()
    org_filter = request.GET.get("to_chuc", "")
    shown = _point_queryset(province).annotate(staff_count=Count("staff"))
    if org_filter.isdigit():
        shown = shown.filter(org_id=int(org_filter))
    shown = shown.order_by("commune__name", "commune__code", "org__kind", "active_from")
    return render(
        request,
        "outreach/network_points.html",
        {
            "province": province,
            "orgs": orgs,
            "org_filter": org_filter,
            "points": [(p, p.active_until is None or p.active_until >= today) for p in shown],
            "today": today,
            "add_form": add_form,
            "close_form": close_form,
            "action": action,
            "can_edit": can_edit,
        },
    )


@login_required
def staff(request: SignedInRequest, code: str) -> HttpResponse:
    """The province's collection staff: add one, assign one to a point, their yearly targets."""
    province, can_edit = _province(request, code)
    year = _year(request)
    orgs = _org_queryset(province)
    today = clock.today()
    open_points = (
        _point_queryset(province)
        .filter(Q(active_until__isnull=True) | Q(active_until__gte=today))
        .order_by("commune__name", "name")
    )
    members = (
        CollectionStaff.objects.filter(org__province=province)
        .select_related("org", "point", "point__commune")
        .order_by("org__kind", "org__name", "code")
    )
    action = request.POST.get("action")
    add_form = StaffForm(request.POST if action == "add" else None, orgs=orgs, points=open_points)
    assign_form = StaffAssignForm(
        request.POST if action == "assign" else None, staff=members, points=open_points
    )
    result: network.GridSaveResult | None = None
    typed: dict[str, str] = {}
    if action == "add" and _apply(
        add_form, lambda **data: network.staff_add(user=request.user, province=province, **data)
    ):
        messages.success(request, _("Đã thêm nhân viên thu."))
        return HttpResponseRedirect(request.path + f"?nam={year}")
    if action == "assign" and _apply(
        assign_form,
        lambda **data: network.staff_assign(user=request.user, province=province, **data),
    ):
        messages.success(request, _("Đã gán điểm thu cho nhân viên thu."))
        return HttpResponseRedirect(request.path + f"?nam={year}")
    if action == "targets":
        cells = {}
        for name in request.POST:
            if match := _STAFF_CELL.fullmatch(name):
                cells[int(match[1])] = typed[name] = request.POST[name].strip()
        result = network.staff_targets_save(
            user=request.user, province=province, year=year, cells=cells
        )
        if result.saved:
            messages.success(
                request,
                _("Đã lưu chỉ tiêu nhân viên thu năm %(year)s (%(n)s thay đổi).")
                % {"year": year, "n": result.changed},
            )
            return HttpResponseRedirect(request.path + f"?nam={year}")
    errors = result.errors if result else {}
    targets = dict(
        StaffTarget.objects.filter(staff__org__province=province, year=year).values_list(
            "staff_id", "value"
        )
    )
    rows: list[dict[str, Any]] = []
    for member in members:
        name = network.staff_cell_name(member.pk)
        rows.append(
            {
                "staff": member,
                "name": name,
                "stored": targets.get(member.pk),
                "value": _shown(typed, name, targets.get(member.pk)),
                "errors": errors.get(name, []),
            }
        )
    return render(
        request,
        "outreach/network_staff.html",
        {
            "province": province,
            "year": year,
            "years": range(year - 2, year + 2),
            "rows": rows,
            "add_form": add_form,
            "assign_form": assign_form,
            "action": action,
            "result": result,
            "other_errors": _other_errors(errors, {r["name"] for r in rows}),
            "can_edit": can_edit,
        },
    )
