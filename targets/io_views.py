"""Pages to import counts and targets from files (with a preview), download templates, export.

Outside the user's scope: 404. Inside it without the right to write: 403. The counts files are an
entry grid's (an old district, a grassroots office, the communes a province serves itself): its
enterers import, and its readers download them, grassroots staff only their own office's. The
uploaded file is kept server-side in the cache between the preview and the import, under a random
token bound to the user and the page; the import reads it again and checks it again, so what is
written is what the checks passed at that moment, not a stale preview.
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
from bhxh_dashboard.formatting import month_label, user_label
from bhxh_dashboard.http import SignedInRequest
from provinces.access import (
    can_download_group_files,
    can_enter_group_counts,
    can_set_targets,
    get_visible_entry_group_or_404,
    get_visible_unit_or_404,
)
from provinces.models import Level, Unit
from provinces.selectors import EntryGroup, map_label
from targets import exports, selectors
from targets.forms import parse_month_param, parse_year_param
from targets.imports import (
    ImportFileError,
    ImportRefused,
    Preview,
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


def _counts_group(request: SignedInRequest, code: str, *, to_write: bool) -> EntryGroup:
    """The entry grid a counts file is for (an old district, a grassroots office, the communes a
    province serves itself): 404 outside the user's scope; 403 without the right to enter its
    counts (`to_write`), or to download its files."""
    group = get_visible_entry_group_or_404(request.user, code)
    allowed = can_enter_group_counts if to_write else can_download_group_files
    if not allowed(request.user, group):
        raise PermissionDenied
    return group


def _group_month(request: SignedInRequest, group: EntryGroup) -> tuple[int, int]:
    """The month of `?thang=2023-06` (as the pickers write it) while the group's map is in
    force, else the month its grid opens on."""
    picked = parse_month_param(request.GET.get("thang"))
    if picked and selectors.in_unit_lifetime(group.unit, *picked):
        return picked
    return selectors.default_entry_month(
        entry_months(province_id=province_id_of(group.unit), unit=group.unit)
    )


def _target_units(user: User, unit: Unit) -> QuerySet[Unit]:
    """The units under `unit` whose targets this user sets (the template lists them)."""
    if unit.level not in (Level.PROVINCE, Level.DISTRICT):
        raise Http404("Targets are set from a province or district page")
    allowed = [u.pk for u in selectors.units_under(unit) if can_set_targets(user, u)]
    if not allowed:
        raise PermissionDenied
    return selectors.units_by_ids(allowed)


def _file_title(request: SignedInRequest, unit: Unit, name: str, period: str) -> exports.FileTitle:
    """The title block of a file downloaded now by this user."""
    return exports.FileTitle(
        unit=name,
        period=period,
        map=map_label(unit),
        by=user_label(request.user),
        generated_at=clock.now(),
    )


def _file_options(request: SignedInRequest) -> tuple[str, str]:
    """The format (`?dinh_dang=xlsx|csv`) and, for CSV, the separator (`?tach=cham-phay|phay`)."""
    fmt = "xlsx" if request.GET.get("dinh_dang") == "xlsx" else "csv"
    separator = exports.SEPARATORS.get(request.GET.get("tach", ""), ";")
    return fmt, separator


def _file_response(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------------------------------------
# Import


def _stash(request: SignedInRequest, kind: str, scope: str, upload: UploadedFile) -> str:
    token = secrets.token_urlsafe(16)
    cache.set(
        f"import:{token}",
        {
            "user": request.user.pk,
            "kind": kind,
            "scope": scope,
            "name": upload.name,
            "data": upload.read(),
        },
        PREVIEW_TTL,
    )
    return token


def _unstash(request: SignedInRequest, kind: str, scope: str, token: str) -> dict[str, Any] | None:
    stored = cache.get(f"import:{token}") if token else None
    if (
        not stored
        or stored["user"] != request.user.pk
        or stored["kind"] != kind
        or stored.get("scope") != scope  # a preview stashed before the scope was kept: stale
    ):
        return None
    return stored


def _import_page(
    request: SignedInRequest,
    *,
    kind: str,
    unit: Unit,
    back_url: str,
    template_url: str,
    group: EntryGroup | None = None,
) -> HttpResponse:
    """Upload -> preview (nothing written) -> import (all or nothing), for both kinds of file:
    counts for an entry grid's communes (`group`), targets below `unit`."""
    commit = commit_counts if kind == "counts" else commit_targets
    scope = group.url_code if group is not None else unit.url_code

    def preview_file(data: bytes, name: str) -> Preview:
        if kind == "counts":
            return preview_counts(data, name, user=request.user, group=group)
        return preview_targets(data, name, user=request.user)

    context = {
        "kind": kind,
        "unit": unit,
        "group": group,
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
            token = _stash(request, kind, scope, upload)
        stored = _unstash(request, kind, scope, token)
        if stored is None:
            context["file_error"] = (
                _("Hãy chọn một tệp CSV hoặc Excel (.xlsx).")
                if upload is None and "preview" in request.POST
                else _("Bản xem trước đã hết hạn; hãy tải tệp lên lại.")
            )
            return render(request, "targets/import.html", context, status=400)
        try:
            preview = preview_file(stored["data"], stored["name"])
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
    """A file of counts for an entry grid's communes: an old district's, an office's, or those
    a province of today's map serves itself."""
    group = _counts_group(request, code, to_write=True)
    return _import_page(
        request,
        kind="counts",
        unit=group.unit,
        group=group,
        back_url=reverse("targets:counts", kwargs={"code": group.url_code}),
        template_url=reverse("targets:counts_template", kwargs={"code": group.url_code}),
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
    """An entry grid's communes for one month, figures blank (or as stored), ready to fill in."""
    group = _counts_group(request, code, to_write=False)
    year, month = _group_month(request, group)
    rows = exports.count_template_rows(communes=group.communes(), year=year, month=month)
    fmt, separator = _file_options(request)
    title = _file_title(request, group.unit, group.full_name, month_label(year, month))
    data, content_type = exports.render("counts", fmt, rows, title=title, separator=separator)
    return _file_response(
        data, content_type, f"mau-so-lieu-{group.url_code}-{year}-{month:02d}.{fmt}"
    )


@login_required
def targets_template(request: SignedInRequest, code: str) -> HttpResponse:
    unit = get_visible_unit_or_404(request.user, code)
    units = _target_units(request.user, unit)
    year = parse_year_param(request.GET.get("nam"), clock.today().year)
    fmt, separator = _file_options(request)
    data, content_type = exports.render(
        "targets",
        fmt,
        exports.target_template_rows(units=units, year=year),
        title=_file_title(request, unit, unit.full_name, str(year)),
        separator=separator,
    )
    return _file_response(data, content_type, f"mau-chi-tieu-{unit.url_code}-{year}.{fmt}")


@login_required
def export(request: SignedInRequest, code: str) -> HttpResponse:
    """Counts or targets of any unit the user may see, for a range of years, as CSV or Excel."""
    unit = get_visible_unit_or_404(request.user, code)
    return _export(request, scope=unit, url_code=unit.url_code, name=unit.full_name)


@login_required
def counts_export(request: SignedInRequest, code: str) -> HttpResponse:
    """The counts of an entry grid's communes (an old district's, an office's, those a province
    serves itself), in the columns its import reads back unchanged."""
    group = _counts_group(request, code, to_write=False)
    return _export(request, scope=group, url_code=group.url_code, name=group.full_name)


def _export(
    request: SignedInRequest, *, scope: Unit | EntryGroup, url_code: str, name: str
) -> HttpResponse:
    """The export form, or the file it asks for: a unit's counts or targets, a grid's counts."""
    this_year = clock.today().year
    counts_only = isinstance(scope, EntryGroup)
    if "loai" not in request.GET:
        return render(
            request,
            "targets/export.html",
            {
                "scope_name": name,
                "counts_only": counts_only,
                "years": list(range(this_year, this_year - 10, -1)),
            },
        )
    year_from = parse_year_param(request.GET.get("tu_nam"), this_year)
    year_to = max(parse_year_param(request.GET.get("den_nam"), year_from), year_from)
    fmt, separator = _file_options(request)
    if request.GET.get("loai") == "chi-tieu" and isinstance(scope, Unit):
        kind, rows = (
            "targets",
            exports.target_rows(scope=scope, year_from=year_from, year_to=year_to),
        )
    else:
        kind, rows = "counts", exports.count_rows(scope=scope, year_from=year_from, year_to=year_to)
    years = f"{year_from}" if year_from == year_to else f"{year_from}-{year_to}"
    unit = scope.unit if isinstance(scope, EntryGroup) else scope
    title = _file_title(request, unit, name, years.replace("-", "–"))
    data, content_type = exports.render(kind, fmt, rows, title=title, separator=separator)
    file_kind = "chi-tieu" if kind == "targets" else "so-lieu"
    return _file_response(data, content_type, f"{file_kind}-{url_code}-{years}.{fmt}")
