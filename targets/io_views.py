"""Pages to import counts and targets from files (with a preview), download templates, export.

Outside the user's scope: 404. Inside it without the right to write: 403. The uploaded file is
kept server-side in the cache between the preview and the import, under a random token bound to
the user; the import reads it again and checks it again, so what is written is what the checks
passed at that moment, not a stale preview.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bhxh_dashboard import clock
from bhxh_dashboard.http import SignedInRequest
from bhxh_dashboard.months import latest_reportable_month
from provinces.access import can_enter_counts, can_set_targets, get_visible_unit_or_404
from provinces.models import Level, Unit
from targets import exports, selectors
from targets.forms import parse_month_param, parse_year_param
from targets.imports import (
    ImportFileError,
    ImportRefused,
    commit_counts,
    commit_targets,
    preview_counts,
    preview_targets,
)
from targets.selectors import entry_months, province_id_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
PREVIEW_TTL = 60 * 60  # an hour to look at the preview and press "Import"
# Beyond this many rows the preview lists only the rows with something to say.
FULL_LISTING_ROWS = 300


def _counts_district(request: SignedInRequest, code: str) -> Unit:
    district = get_visible_unit_or_404(request.user, code)
    if district.level != Level.DISTRICT:
        raise Http404("Not a district")
    if not can_enter_counts(request.user, district):
        raise PermissionDenied
    return district


def _target_units(user: User, unit: Unit) -> QuerySet[Unit]:
    """The units under `unit` whose targets this user sets (the template lists them)."""
    if unit.level not in (Level.PROVINCE, Level.DISTRICT):
        raise Http404("Targets are set from a province or district page")
    allowed = [u.pk for u in selectors.units_under(unit) if can_set_targets(user, u)]
    if not allowed:
        raise PermissionDenied
    return selectors.units_by_ids(allowed)


def _file_response(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------------------------------------
# Import


def _stash(request: SignedInRequest, kind: str, unit: Unit, upload: UploadedFile) -> str:
    token = secrets.token_urlsafe(16)
    cache.set(
        f"import:{token}",
        {
            "user": request.user.pk,
            "kind": kind,
            "unit": unit.pk,
            "name": upload.name,
            "data": upload.read(),
        },
        PREVIEW_TTL,
    )
    return token


def _unstash(request: SignedInRequest, kind: str, unit: Unit, token: str) -> dict[str, Any] | None:
    stored = cache.get(f"import:{token}") if token else None
    if (
        not stored
        or stored["user"] != request.user.pk
        or stored["kind"] != kind
        or stored["unit"] != unit.pk
    ):
        return None
    return stored


def _import_page(
    request: SignedInRequest, *, kind: str, unit: Unit, back_url: str, template_url: str
) -> HttpResponse:
    """Upload -> preview (nothing written) -> import (all or nothing), for both kinds of file."""
    preview_file = preview_counts if kind == "counts" else preview_targets
    commit = commit_counts if kind == "counts" else commit_targets
    context = {
        "kind": kind,
        "unit": unit,
        "back_url": back_url,
        "template_url": template_url,
        "full_listing_rows": FULL_LISTING_ROWS,
    }
    if kind == "counts":
        context["months"] = entry_months(province_id=province_id_of(unit), unit=unit)
    else:
        context["years"] = _template_years()

    if request.method == "POST":
        token = request.POST.get("token", "")
        upload = request.FILES.get("file")
        if upload is not None:
            assert upload.size is not None  # Django's upload handlers always set it
            if upload.size > MAX_UPLOAD_BYTES:
                context["file_error"] = _("Tệp lớn hơn 10 MB.")
                return render(request, "targets/import.html", context)
            token = _stash(request, kind, unit, upload)
        stored = _unstash(request, kind, unit, token)
        if stored is None:
            context["file_error"] = (
                _("Hãy chọn một tệp CSV hoặc Excel (.xlsx).")
                if upload is None and "preview" in request.POST
                else _("Bản xem trước đã hết hạn; hãy tải tệp lên lại.")
            )
            return render(request, "targets/import.html", context, status=400)
        try:
            preview = preview_file(stored["data"], stored["name"], user=request.user)
        except ImportFileError as exc:
            cache.delete(f"import:{token}")
            context["file_error"] = str(exc)
            return render(request, "targets/import.html", context)
        context.update(preview=preview, token=token, filename=stored["name"])
        if "commit" in request.POST and not preview.has_errors:
            try:
                result = commit(preview, user=request.user)
            except ImportRefused as exc:
                context["commit_errors"] = exc.messages
                return render(request, "targets/import.html", context)
            cache.delete(f"import:{token}")
            messages.success(
                request,
                _("Đã nhập tệp %(name)s: %(n)s dòng được ghi, %(same)s dòng không đổi.")
                % {
                    "name": stored["name"],
                    "n": result.created + result.updated,
                    "same": result.unchanged,
                },
            )
            months = {(r.year, r.month) for r in preview.rows_to_write if r.month}
            if len(months) == 1:  # land on the month just imported
                (year, month), *_rest = months
                back_url += f"?thang={year}-{month:02d}"
            return redirect(back_url)
        context["rows_listed"] = [
            row
            for row in preview.rows
            if len(preview.rows) <= FULL_LISTING_ROWS or row.status in ("error", "warning")
        ]
    return render(request, "targets/import.html", context)


def _template_years() -> list[int]:
    this_year = clock.today().year
    return list(range(this_year + 1, this_year - 6, -1))


@login_required
@require_http_methods(["GET", "POST"])
def import_counts(request: SignedInRequest, code: str) -> HttpResponse:
    district = _counts_district(request, code)
    return _import_page(
        request,
        kind="counts",
        unit=district,
        back_url=reverse("targets:counts", kwargs={"code": district.url_code}),
        template_url=reverse("targets:counts_template", kwargs={"code": district.url_code}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_targets(request: SignedInRequest, code: str) -> HttpResponse:
    unit = get_visible_unit_or_404(request.user, code)
    _target_units(request.user, unit)
    return _import_page(
        request,
        kind="targets",
        unit=unit,
        back_url=reverse("targets:targets", kwargs={"code": unit.url_code}),
        template_url=reverse("targets:targets_template", kwargs={"code": unit.url_code}),
    )


# ---------------------------------------------------------------------------------------------
# Templates and export


@login_required
def counts_template(request: SignedInRequest, code: str) -> HttpResponse:
    """The district's communes for one month, figures blank (or as stored), ready to fill in."""
    district = _counts_district(request, code)
    # ?thang=2023-06, as the entry page's month picker writes it.
    year, month = parse_month_param(request.GET.get("thang")) or latest_reportable_month(
        clock.today()
    )
    rows = exports.count_template_rows(
        communes=selectors.communes_of_district(district), year=year, month=month
    )
    fmt = "xlsx" if request.GET.get("dinh_dang") == "xlsx" else "csv"
    data, content_type = exports.render("counts", fmt, rows)
    return _file_response(
        data, content_type, f"mau-so-lieu-{district.url_code}-{year}-{month:02d}.{fmt}"
    )


@login_required
def targets_template(request: SignedInRequest, code: str) -> HttpResponse:
    unit = get_visible_unit_or_404(request.user, code)
    units = _target_units(request.user, unit)
    year = parse_year_param(request.GET.get("nam"), clock.today().year)
    fmt = "xlsx" if request.GET.get("dinh_dang") == "xlsx" else "csv"
    data, content_type = exports.render(
        "targets", fmt, exports.target_template_rows(units=units, year=year)
    )
    return _file_response(data, content_type, f"mau-chi-tieu-{unit.url_code}-{year}.{fmt}")


@login_required
def export(request: SignedInRequest, code: str) -> HttpResponse:
    """Counts or targets of any unit the user may see, for a range of years, as CSV or Excel."""
    unit = get_visible_unit_or_404(request.user, code)
    this_year = clock.today().year
    if "loai" not in request.GET:
        return render(
            request,
            "targets/export.html",
            {"unit": unit, "years": list(range(this_year, this_year - 10, -1))},
        )
    year_from = parse_year_param(request.GET.get("tu_nam"), this_year)
    year_to = max(parse_year_param(request.GET.get("den_nam"), year_from), year_from)
    kind = "targets" if request.GET.get("loai") == "chi-tieu" else "counts"
    fmt = "xlsx" if request.GET.get("dinh_dang") == "xlsx" else "csv"
    rows_of = exports.target_rows if kind == "targets" else exports.count_rows
    data, content_type = exports.render(
        kind, fmt, rows_of(scope=unit, year_from=year_from, year_to=year_to)
    )
    name = "chi-tieu" if kind == "targets" else "so-lieu"
    years = f"{year_from}" if year_from == year_to else f"{year_from}-{year_to}"
    return _file_response(data, content_type, f"{name}-{unit.url_code}-{years}.{fmt}")
