"""Coverage entry pages: the labour force and coverage target of a unit and its children for a
year, typed on a grid or imported from a file (preview, then all or nothing)."""

from __future__ import annotations

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
from bhxh_dashboard.uploads import MAX_UPLOAD_BYTES, upload_too_large
from coverage import selectors, services
from coverage.forms import coverage_grid_entries
from coverage.imports import commit_coverage, preview_coverage
from coverage.models import LabourForceSource
from provinces.access import can_enter_labour_force, get_visible_unit_or_404
from provinces.models import Level, Unit
from targets.forms import parse_year_param
from targets.import_jobs import (
    FULL_LISTING_ROWS,
    MAX_LISTED_PROBLEMS,
    keep_problems,
    preview_key,
    rows_listed,
    stash,
    unstash,
)
from targets.imports import ImportFileError, ImportRefused
from targets.io_views import problems_file


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


TEMPLATE = "coverage/import.html"
KIND = "coverage"


@login_required
@require_http_methods(["GET", "POST"])
def coverage_import(request: SignedInRequest, code: str) -> HttpResponse:
    """A file of labour forces and coverage targets: upload, preview (nothing written), import.

    As the counts import (targets/import_jobs.py): only a file that can be imported is kept, one
    per user (a new upload replaces it), compressed, until "Import"; the page lists at most the
    first problem lines, the rest in a file to download (`?loi=1`)."""
    unit = _grid_unit(request, code)
    if not can_enter_labour_force(request.user, unit) and not any(
        can_enter_labour_force(request.user, u)
        for u in selectors.units_of_year(unit, clock.today().year)
    ):
        raise PermissionDenied
    if request.method == "GET" and request.GET.get("loi"):
        return problems_file(request, KIND, unit.url_code)
    back_url = reverse("coverage:grid", kwargs={"code": unit.url_code})
    context: dict[str, Any] = {"unit": unit, "back_url": back_url}
    if request.method != "POST":
        return render(request, TEMPLATE, context)
    user_id = request.user.pk
    upload = request.FILES.get("file")
    if upload_too_large(request) or (upload is not None and (upload.size or 0) > MAX_UPLOAD_BYTES):
        context["file_error"] = _("Tệp lớn hơn 10 MB.")
        return render(request, TEMPLATE, context, status=413)
    token = request.POST.get("token", "")
    if upload is not None:
        cache.delete(preview_key(user_id))
        name, data = upload.name or "", upload.read()
    else:
        stored = unstash(user_id, KIND, unit.url_code, token)
        if stored is None:
            context["file_error"] = _("Bản xem trước đã hết hạn; hãy tải tệp lên lại.")
            return render(request, TEMPLATE, context, status=400)
        name, data = stored
    try:
        preview = preview_coverage(data, name, user=request.user)
    except ImportFileError as exc:
        cache.delete(preview_key(user_id))
        context["file_error"] = str(exc)
        return render(request, TEMPLATE, context)
    if preview.has_errors or not preview.rows_to_write:
        cache.delete(preview_key(user_id))  # nothing to import from it: nothing is kept
        token = ""
    elif upload is not None:
        token = stash(user_id, KIND, unit.url_code, name, data)
    context.update(preview=preview, token=token, filename=name)
    if "commit" in request.POST and token and not preview.has_errors:
        try:
            result = commit_coverage(preview, user=request.user)
        except ImportRefused as exc:
            context["commit_errors"] = exc.messages
            return render(request, TEMPLATE, context)
        cache.delete(preview_key(user_id))
        messages.success(
            request,
            _("Đã nhập tệp %(name)s: %(n)s dòng được ghi, %(same)s dòng không đổi.")
            % {"name": name, "n": result.updated, "same": result.unchanged},
        )
        return HttpResponseRedirect(back_url)
    problems = keep_problems(user_id, KIND, unit.url_code, preview)
    context.update(
        rows_listed=rows_listed(preview),
        problem_count=problems,
        problems_url="?loi=1" if problems > MAX_LISTED_PROBLEMS else "",
        full_listing_rows=FULL_LISTING_ROWS,
        max_listed_problems=MAX_LISTED_PROBLEMS,
    )
    return render(request, TEMPLATE, context)
