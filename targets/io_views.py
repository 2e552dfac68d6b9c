"""Pages to import counts and targets from files (with a preview), download templates, export.

Outside the user's scope: 404. Inside it without the right to write: 403. The counts files are an
entry grid's (an old district, a grassroots office, the communes a province serves itself): its
enterers import, and its readers download them, grassroots staff only their own office's. The
uploaded file, when it can be imported, is kept server-side in the cache between the preview and
the import (one per user), under a random token bound to the user and the page; the import reads
it again and checks it again, so what is written is what the checks passed at that moment, not a
stale preview. A file with errors is not kept: its problems are listed (the first ones on the
page, all in a file to download).
"""

from __future__ import annotations

import secrets
import zlib
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bhxh_dashboard import clock
from bhxh_dashboard.formatting import month_label, user_label
from bhxh_dashboard.http import SignedInRequest
from bhxh_dashboard.uploads import MAX_UPLOAD_BYTES, upload_too_large
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

PREVIEW_TTL = 60 * 60  # an hour to look at the preview and press "Import"
PROBLEMS_TTL = 15 * 60  # the full list of a file's problems, to download from its preview
# Beyond this many rows the preview lists only the rows with something to say, and of those
# only the first MAX_LISTED_PROBLEMS (the rest are in a file to download).
FULL_LISTING_ROWS = 300
MAX_LISTED_PROBLEMS = 200


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


def _preview_key(request: SignedInRequest) -> str:
    # One stored preview per user: a new upload replaces the last one.
    return f"import:{request.user.pk}"


def _problems_key(request: SignedInRequest) -> str:
    return f"import-problems:{request.user.pk}"


def _stash(request: SignedInRequest, kind: str, scope: str, name: str, data: bytes) -> str:
    """Keep a committable file until "Import" is pressed, under a token for this user's page."""
    token = secrets.token_urlsafe(16)
    cache.set(
        _preview_key(request),
        {
            "token": token,
            "user": request.user.pk,
            "kind": kind,
            "scope": scope,
            "name": name,
            "data": data,
        },
        PREVIEW_TTL,
    )
    return token


def _unstash(request: SignedInRequest, kind: str, scope: str, token: str) -> dict[str, Any] | None:
    stored = cache.get(_preview_key(request)) if token else None
    if (
        not stored
        or not secrets.compare_digest(stored.get("token", ""), token)
        or stored["user"] != request.user.pk
        or stored["kind"] != kind
        or stored.get("scope") != scope
    ):
        return None
    return stored


def _keep_problems(request: SignedInRequest, kind: str, scope: str, preview: Preview) -> int:
    """The file's lines with an error or a warning, kept a short while as a CSV to download
    when the page lists only the first ones; their number."""
    problems = [row for row in preview.rows if row.status in ("error", "warning")]
    if len(problems) > MAX_LISTED_PROBLEMS:
        data = exports.write_problems(preview.columns, problems)
        cache.set(
            _problems_key(request),
            {"kind": kind, "scope": scope, "data": zlib.compress(data)},
            PROBLEMS_TTL,
        )
    return len(problems)


def _problems_file(request: SignedInRequest, kind: str, scope: str) -> HttpResponse:
    stored = cache.get(_problems_key(request))
    if not stored or stored["kind"] != kind or stored["scope"] != scope:
        raise Http404("No list of problems kept for this page")
    return _file_response(zlib.decompress(stored["data"]), exports.CSV_CONTENT_TYPE, "dong-loi.csv")


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
    counts for an entry grid's communes (`group`), targets below `unit`.

    Only a preview that can be imported is kept (one per user, replaced by the next upload);
    the page lists at most MAX_LISTED_PROBLEMS problem lines, the rest are in `?loi=1`."""
    commit = commit_counts if kind == "counts" else commit_targets
    scope = group.url_code if group is not None else unit.url_code
    if request.method == "GET" and request.GET.get("loi"):
        return _problems_file(request, kind, scope)

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
        "max_listed_problems": MAX_LISTED_PROBLEMS,
    }
    if kind == "counts":
        context["months"] = entry_months(province_id=province_id_of(unit), unit=unit)
    else:
        context["years"] = _template_years()

    if request.method == "POST":
        token = request.POST.get("token", "")
        upload = request.FILES.get("file")
        if upload_too_large(request) or (
            upload is not None and (upload.size or 0) > MAX_UPLOAD_BYTES
        ):
            context["file_error"] = _("Tệp lớn hơn 10 MB.")
            return render(request, "targets/import.html", context, status=413)
        if upload is not None:
            cache.delete(_preview_key(request))
            name, data = upload.name or "", upload.read()
        else:
            stored = _unstash(request, kind, scope, token)
            if stored is None:
                context["file_error"] = (
                    _("Hãy chọn một tệp CSV hoặc Excel (.xlsx).")
                    if "preview" in request.POST
                    else _("Bản xem trước đã hết hạn; hãy tải tệp lên lại.")
                )
                return render(request, "targets/import.html", context, status=400)
            name, data = stored["name"], stored["data"]
        try:
            preview = preview_file(data, name)
        except ImportFileError as exc:
            cache.delete(_preview_key(request))
            context["file_error"] = str(exc)
            return render(request, "targets/import.html", context)
        if preview.has_errors or not preview.rows_to_write:
            # Nothing to import from it: nothing is kept.
            cache.delete(_preview_key(request))
            token = ""
        elif upload is not None:
            token = _stash(request, kind, scope, name, data)
        context.update(preview=preview, token=token, filename=name)
        if "commit" in request.POST and token and not preview.has_errors:
            try:
                result = commit(preview, user=request.user)
            except ImportRefused as exc:
                context["commit_errors"] = exc.messages
                return render(request, "targets/import.html", context)
            cache.delete(_preview_key(request))
            messages.success(
                request,
                _("Đã nhập tệp %(name)s: %(n)s dòng được ghi, %(same)s dòng không đổi.")
                % {
                    "name": name,
                    "n": result.created + result.updated,
                    "same": result.unchanged,
                },
            )
            months = {(r.year, r.month) for r in preview.rows_to_write if r.month}
            if len(months) == 1:  # land on the month just imported
                (year, month), *_rest = months
                back_url += f"?thang={year}-{month:02d}"
            return redirect(back_url)
        problems = _keep_problems(request, kind, scope, preview)
        context["problem_count"] = problems
        context["problems_url"] = "?loi=1" if problems > MAX_LISTED_PROBLEMS else ""
        if len(preview.rows) <= FULL_LISTING_ROWS:
            context["rows_listed"] = preview.rows
        else:
            context["rows_listed"] = [
                row for row in preview.rows if row.status in ("error", "warning")
            ][:MAX_LISTED_PROBLEMS]
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
