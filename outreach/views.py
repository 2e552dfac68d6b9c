"""The outreach pages: a unit's channels and events, the month's channel split grid, events.

Access as for the counts (provinces.access): outside the user's scope 404; inside it without the
right to write, the page is read-only and a POST is 403. An organisation's grid ("g<id>") is its
own reporter's, for the communes where it has a point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from bhxh_dashboard import clock
from bhxh_dashboard.formatting import month_label
from bhxh_dashboard.http import SignedInRequest
from bhxh_dashboard.months import cutoff_date, latest_reportable_month
from bhxh_dashboard.parsing import ParseError, parse_count
from outreach import selectors, services
from outreach.access import can_manage_network, can_report_for, get_visible_org_or_404
from outreach.forms import EventForm, cell_name, channel_grid_entries
from outreach.models import CollectionOrg, OutreachEvent
from provinces.access import (
    can_enter_group_counts,
    enterable_commune_ids,
    get_visible_entry_group_or_404,
    get_visible_unit_or_404,
)
from provinces.models import Unit
from provinces.selectors import EntryGroup
from targets.forms import parse_month_param
from targets.selectors import MonthWindow, default_entry_month, entry_months, province_id_of


@dataclass
class EntryScope:
    """What an entry page holds: an entry grid's communes and its province's organisations, or
    one organisation's point communes and itself."""

    name: str
    url_code: str
    unit: Unit  # the district or province whose months are offered
    org: CollectionOrg | None
    can_edit: bool
    group: EntryGroup | None = None  # an entry grid's page

    def communes(self, year: int, month: int) -> QuerySet[Unit]:
        if self.org is not None:
            return selectors.org_point_communes(org=self.org, year=year, month=month)
        return self._group_communes

    def orgs(self) -> list[CollectionOrg]:
        return selectors.grid_orgs(province_id=province_id_of(self.unit), only=self.org)

    _group_communes: Any = None


def entry_scope(request: SignedInRequest, code: str) -> EntryScope:
    if code.startswith("g"):
        org = get_visible_org_or_404(request.user, code)
        return EntryScope(
            org.name, org.url_code, org.province, org, can_report_for(request.user, org)
        )
    group = get_visible_entry_group_or_404(request.user, code)
    scope = EntryScope(
        group.full_name,
        group.url_code,
        group.unit,
        None,
        can_enter_group_counts(request.user, group),
        group,
    )
    scope._group_communes = group.communes()
    return scope


def entry_month(
    request: HttpRequest, unit: Unit
) -> tuple[int, int, MonthWindow, list[MonthWindow]]:
    """The month asked for in ?thang= among those offered, else the default (as the counts)."""
    windows = entry_months(province_id=province_id_of(unit), unit=unit)
    picked = parse_month_param(request.GET.get("thang") or request.POST.get("thang"))
    by_month = {(w.year, w.month): w for w in windows}
    year, month = picked if picked in by_month else default_entry_month(windows)
    return year, month, by_month[(year, month)], windows


@login_required
def channel_entry(request: SignedInRequest, code: str) -> HttpResponse:
    """A month's new participants of each commune split by the organisation that brought them."""
    scope = entry_scope(request, code)
    if request.method == "POST" and not scope.can_edit:
        raise PermissionDenied
    year, month, window, windows = entry_month(request, scope.unit)
    communes = list(scope.communes(year, month))
    orgs = scope.orgs()
    rows = selectors.channel_rows(communes=communes, orgs=orgs, year=year, month=month)
    editable = _editable_cells(request, scope, rows, orgs) if window.is_open else set()

    result: services.ChannelSaveResult | None = None
    typed: dict[tuple[int, int], str] = {}
    if request.method == "POST":
        entries, typed = channel_grid_entries(request.POST, sorted(editable))
        result = services.channels_save(user=request.user, year=year, month=month, entries=entries)
        if result.saved:
            messages.success(
                request,
                _("Đã lưu phân bổ theo kênh tháng %(period)s (%(n)s ô thay đổi).")
                % {"period": month_label(year, month), "n": result.changed},
            )
            return HttpResponseRedirect(
                reverse("outreach:entry", kwargs={"code": scope.url_code})
                + f"?thang={year}-{month:02d}"
            )

    shown: list[dict[str, Any]] = []
    for row in rows:
        errors = result.errors.get(row.commune.pk, {}) if result else {}
        cells = []
        attributed = row.others  # organisations not in the columns (an organisation's grid)
        for org in orgs:
            key = (row.commune.pk, org.pk)
            stored = row.cells.get(org.pk)
            value = typed.get(key, "" if stored is None else str(stored))
            attributed += services_count(value)
            cells.append(
                {
                    "org": org,
                    "name": cell_name(*key),
                    "value": value,
                    "editable": key in editable,
                    "errors": errors.get(str(org.pk), []),
                }
            )
        shown.append(
            {
                "row": row,
                "cells": cells,
                "row_errors": errors.get(services.ROW_ERRORS, []),
                "not_attributed": None
                if row.new_participants is None
                else row.new_participants - attributed,
            }
        )
    context = {
        "scope": scope,
        "orgs": orgs,
        "rows": shown,
        "year": year,
        "month": month,
        "window": window,
        "windows": windows,
        "can_edit": bool(editable),
        "result": result,
        "error_count": len(result.errors) if result else 0,
        "total_new": sum(r.new_participants or 0 for r in rows),
        "total_not_attributed": sum(r["not_attributed"] or 0 for r in shown),
    }
    return render(request, "outreach/channel_entry.html", context)


def services_count(text: str) -> int:
    """What a typed cell adds to the row's attributed total as shown (the service decides)."""
    try:
        return parse_count(text) or 0
    except ParseError:
        return 0


def _editable_cells(
    request: SignedInRequest,
    scope: EntryScope,
    rows: list[selectors.ChannelRow],
    orgs: list[CollectionOrg],
) -> set[tuple[int, int]]:
    if not scope.can_edit:
        return set()
    if scope.org is not None:
        return {(r.commune.pk, scope.org.pk) for r in rows}
    enterable = enterable_commune_ids(request.user, [r.commune for r in rows])
    return {(r.commune.pk, o.pk) for r in rows if r.commune.pk in enterable for o in orgs}


@login_required
def events(request: SignedInRequest, code: str) -> HttpResponse:
    """The events held in an entry grid's communes (or by an organisation), and a form to record
    one."""
    scope = entry_scope(request, code)
    if request.method == "POST" and not scope.can_edit:
        raise PermissionDenied
    today = clock.today()
    year, month = latest_reportable_month(today)
    # The grid's communes whatever their map: the service checks each is in force on the day.
    communes = (
        selectors.org_communes(org=scope.org)
        if scope.org is not None
        else scope.communes(today.year, today.month)
    )
    organisers = CollectionOrg.objects.filter(pk__in=[o.pk for o in scope.orgs()])
    form = EventForm(
        request.POST if request.method == "POST" else None,
        communes=communes,
        organisers=organisers,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.event_save(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        else:
            messages.success(request, _("Đã ghi hội nghị."))
            return HttpResponseRedirect(reverse("outreach:events", kwargs={"code": scope.url_code}))
    # The latest recorded first: what was just saved is on top.
    recent = (
        OutreachEvent.objects.filter(
            Q(organiser=scope.org) if scope.org is not None else Q(commune__in=communes)
        )
        .select_related("commune", "organiser")
        .order_by("-id")[:30]
    )
    return render(
        request,
        "outreach/events.html",
        {
            "scope": scope,
            "form": form,
            "can_edit": scope.can_edit,
            "recent": [(e, selectors.pct(e.sign_ups, e.attendees)) for e in recent],
            "year": year,
            "month": month,
        },
    )


@login_required
def unit_channels(request: SignedInRequest, code: str) -> HttpResponse:
    """A unit's new participants by channel (share and trend), organisations against target,
    staff per month, events against plan and conversion, communes without a collection point."""
    unit = get_visible_unit_or_404(request.user, code)
    picked = parse_month_param(request.GET.get("thang"))
    year, month = (
        picked or selectors.latest_channel_month(unit) or latest_reportable_month(clock.today())
    )
    page = selectors.channel_page(unit=unit, year=year, month=month)
    staff, staff_total = selectors.staff_rows(unit=unit, year=year, month=month)
    cutoff = cutoff_date(year, month)
    points = (
        selectors.communes_without_point(unit=unit, day=cutoff)
        if unit.in_force_on(cutoff)
        else None
    )
    max_total = max((t.total for t in page.trend), default=0) or 1
    return render(
        request,
        "outreach/unit.html",
        {
            "unit": unit,
            "year": year,
            "month": month,
            "page": page,
            "max_total": max_total,
            "orgs": selectors.org_progress(unit=unit, year=year, month=month),
            "staff": staff,
            "staff_total": staff_total,
            "staff_months": range(1, month + 1),
            "events": selectors.event_summary(unit=unit, year=year, month=month),
            "points": points,
            "entry_code": selectors.entry_code_for(request.user, unit),
            "network": selectors.network_summary(unit=unit, day=min(cutoff, clock.today())),
            "network_day": min(cutoff, clock.today()),
            "can_manage": can_manage_network(request.user, unit),
        },
    )
