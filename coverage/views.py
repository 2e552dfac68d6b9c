"""Coverage entry pages: the labour force and coverage target of a unit and its children for a
year, typed on a grid or imported from a file (preview, then all or nothing)."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bhxh_dashboard import clock
from bhxh_dashboard.formatting import number
from bhxh_dashboard.http import SignedInRequest
from coverage import selectors, services
from coverage.forms import coverage_grid_entries
from coverage.imports import commit_coverage, preview_coverage
from coverage.models import LabourForceSource
from provinces.access import can_enter_labour_force, get_visible_unit_or_404
from provinces.models import Level, Unit
from targets.forms import parse_year_param
from targets.imports import ImportFileError, ImportRefused
from targets.io_views import MAX_UPLOAD_BYTES, PREVIEW_TTL


def _grid_unit(request: SignedInRequest, code: str) -> Unit:
    unit = get_visible_unit_or_404(request.user, code)
    if unit.level not in (Level.NATION, Level.PROVINCE, Level.DISTRICT):
        raise Http404("Not a unit with children")
    return unit


@login_required
@require_http_methods(["GET", "POST"])
def coverage_grid(request: SignedInRequest, code: str) -> HttpResponse:
    """The labour force (with its source and entry date) and coverage target of a unit and its
    children for a year; the rows the user may write are inputs."""
    unit = _grid_unit(request, code)
    year = parse_year_param(request.GET.get("nam") or request.POST.get("nam"), clock.today().year)
    units = [unit, *selectors.units_of_year(unit, year)]
    editable = [u.pk for u in units if can_enter_labour_force(request.user, u)]
    result: services.CoverageSaveResult | None = None
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        result = services.coverage_save(
            user=request.user, year=year, entries=coverage_grid_entries(request.POST, editable)
        )
        if result.saved:
            messages.success(
                request,
                _("Đã lưu số lao động và mục tiêu bao phủ năm %(year)s (%(n)s thay đổi).")
                % {"year": year, "n": result.changed},
            )
            url = reverse("coverage:grid", kwargs={"code": unit.url_code})
            return HttpResponseRedirect(f"{url}?nam={year}")
    most = services.most_participants([u.pk for u in units], year)
    rows: list[dict[str, Any]] = []
    for row in selectors.coverage_rows(units=units, year=year):
        uid = row.unit.pk
        typed = request.POST if result is not None else None
        rows.append(
            {
                "row": row,
                "editable": uid in editable,
                "participants": most.get(uid),
                "lf": typed.get(f"lf-{uid}", "")
                if typed
                else (number(row.labour_force.value) if row.labour_force else ""),
                "src": typed.get(f"src-{uid}", "")
                if typed
                else (row.labour_force.source if row.labour_force else LabourForceSource.SURVEY),
                "ct": typed.get(f"ct-{uid}", "")
                if typed
                else (number(row.coverage_target, 2) if row.coverage_target else ""),
                "errors": result.errors.get(uid, {}) if result else {},
            }
        )
    context = {
        "unit": unit,
        "year": year,
        "years": range(year - 3, year + 6),
        "rows": rows,
        "sources": LabourForceSource.choices,
        "can_edit": bool(editable),
        "result": result,
    }
    return render(request, "coverage/grid.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def coverage_import(request: SignedInRequest, code: str) -> HttpResponse:
    """A file of labour forces and coverage targets: upload, preview (nothing written), import."""
    unit = _grid_unit(request, code)
    if not can_enter_labour_force(request.user, unit) and not any(
        can_enter_labour_force(request.user, u)
        for u in selectors.units_of_year(unit, clock.today().year)
    ):
        raise PermissionDenied
    back_url = reverse("coverage:grid", kwargs={"code": unit.url_code})
    context: dict[str, Any] = {"unit": unit, "back_url": back_url}
    if request.method == "POST":
        token = request.POST.get("token", "")
        upload = request.FILES.get("file")
        if upload is not None:
            if (upload.size or 0) > MAX_UPLOAD_BYTES:
                context["file_error"] = _("Tệp lớn hơn 10 MB.")
                return render(request, "coverage/import.html", context)
            token = secrets.token_urlsafe(16)
            cache.set(
                f"coverage-import:{token}",
                {
                    "user": request.user.pk,
                    "scope": unit.url_code,
                    "name": upload.name,
                    "data": upload.read(),
                },
                PREVIEW_TTL,
            )
        stored = cache.get(f"coverage-import:{token}") if token else None
        if not stored or stored["user"] != request.user.pk or stored["scope"] != unit.url_code:
            context["file_error"] = _("Bản xem trước đã hết hạn; hãy tải tệp lên lại.")
            return render(request, "coverage/import.html", context, status=400)
        try:
            preview = preview_coverage(stored["data"], stored["name"], user=request.user)
        except ImportFileError as exc:
            context["file_error"] = str(exc)
            return render(request, "coverage/import.html", context)
        context.update(preview=preview, token=token, filename=stored["name"])
        if "commit" in request.POST and not preview.has_errors:
            try:
                result = commit_coverage(preview, user=request.user)
            except ImportRefused as exc:
                context["commit_errors"] = exc.messages
                return render(request, "coverage/import.html", context)
            cache.delete(f"coverage-import:{token}")
            messages.success(
                request,
                _("Đã nhập tệp %(name)s: %(n)s dòng được ghi, %(same)s dòng không đổi.")
                % {"name": stored["name"], "n": result.updated, "same": result.unchanged},
            )
            return HttpResponseRedirect(back_url)
    return render(request, "coverage/import.html", context)
