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

import zlib
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bhxh_dashboard import clock
from bhxh_dashboard.formatting import month_label, user_label
from bhxh_dashboard.formatting import number as number_text
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
from targets.import_jobs import (
    FULL_LISTING_ROWS,
    IMPORTERS,
    MAX_LISTED_PROBLEMS,
    PreviewDigest,
    job_state,
    job_state_key,
    keep_problems,
    preview_key,
    problems_key,
    start_job,
    stash,
    unstash,
)
from targets.imports import ImportFileError, ImportRefused, Preview, estimated_rows
from targets.selectors import entry_months, province_id_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User


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


def file_title(request: SignedInRequest, unit: Unit, name: str, period: str) -> exports.FileTitle:
    """The title block of a file downloaded now by this user."""
    return exports.FileTitle(
        unit=name,
        period=period,
        map=map_label(unit),
        by=user_label(request.user),
        generated_at=clock.now(),
    )


def file_options(request: SignedInRequest) -> tuple[str, str]:
    """The format (`?dinh_dang=xlsx|csv`) and, for CSV, the separator (`?tach=cham-phay|phay`)."""
    fmt = "xlsx" if request.GET.get("dinh_dang") == "xlsx" else "csv"
    separator = exports.SEPARATORS.get(request.GET.get("tach", ""), ";")
    return fmt, separator


def file_response(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------------------------------------
# Import


def problems_file(request: SignedInRequest, kind: str, scope: str) -> HttpResponse:
    stored = cache.get(problems_key(request.user.pk))
    if not stored or stored["kind"] != kind or stored["scope"] != scope:
        raise Http404("No list of problems kept for this page")
    return file_response(zlib.decompress(stored["data"]), exports.CSV_CONTENT_TYPE, "dong-loi.csv")


def _import_page(
    request: SignedInRequest,
    *,
    kind: str,
    unit: Unit,
    back_url: str,
    template_url: str,
    group: EntryGroup | None = None,
) -> HttpResponse:
    """Upload -> preview (nothing written) -> import (all or nothing), for every kind of file
    in targets.import_jobs.IMPORTERS: counts for an entry grid's communes (`group`), targets
    below `unit`, ...

    Only a preview that can be imported is kept (one per user, replaced by the next upload);
    the page lists at most MAX_LISTED_PROBLEMS problem lines, the rest are in `?loi=1`. A file
    of more than settings.IMPORT_WORKER_ROWS lines is read, checked and written by the worker:
    the page follows its job at `?cho=<token>` (import_jobs says how it is bounded)."""
    importer = IMPORTERS[kind]
    scope = group.url_code if group is not None else unit.url_code
    if request.method == "GET" and request.GET.get("loi"):
        return problems_file(request, kind, scope)

    context: dict[str, Any] = {
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

    if request.method == "GET" and "cho" in request.GET:
        return _job_page(request, kind, scope, request.GET["cho"], context, back_url)
    if request.method != "POST":
        return render(request, "targets/import.html", context)

    token = request.POST.get("token", "")
    upload = request.FILES.get("file")
    if upload_too_large(request) or (upload is not None and (upload.size or 0) > MAX_UPLOAD_BYTES):
        context["file_error"] = _("Tệp lớn hơn 10 MB.")
        return render(request, "targets/import.html", context, status=413)
    if upload is not None:
        cache.delete(preview_key(request.user.pk))
        name, data = upload.name or "", upload.read()
    else:
        stored = unstash(request.user.pk, kind, scope, token)
        if stored is None:
            context["file_error"] = (
                _("Hãy chọn một tệp CSV hoặc Excel (.xlsx).")
                if "preview" in request.POST
                else _("Bản xem trước đã hết hạn; hãy tải tệp lên lại.")
            )
            return render(request, "targets/import.html", context, status=400)
        name, data = stored
    committing = upload is None and "commit" in request.POST
    if estimated_rows(data, name) > settings.IMPORT_WORKER_ROWS:
        # Large: the worker reads it (and writes it, when asked); the page follows the job.
        job = start_job(
            request.user, kind=kind, scope=scope, name=name, data=data, commit=committing
        )
        return redirect(f"{request.path}?cho={job}")
    try:
        preview = importer.preview(data, name, request.user, scope)
    except ImportFileError as exc:
        cache.delete(preview_key(request.user.pk))
        context["file_error"] = str(exc)
        return render(request, "targets/import.html", context)
    if preview.has_errors or not preview.rows_to_write:
        # Nothing to import from it: nothing is kept.
        cache.delete(preview_key(request.user.pk))
        token = ""
    elif upload is not None:
        token = stash(request.user.pk, kind, scope, name, data)
    context.update(preview=preview, token=token, filename=name)
    if committing and token and not preview.has_errors:
        try:
            result = importer.commit(preview, request.user)
        except ImportRefused as exc:
            context["commit_errors"] = exc.messages
            return render(
                request, "targets/import.html", _listing(request, context, scope, preview)
            )
        cache.delete(preview_key(request.user.pk))
        months = sorted(
            {(r.checked_year, r.checked_month) for r in preview.rows_to_write if r.month}
        )
        return _imported(
            request, name, result.created + result.updated, result.unchanged, months, back_url
        )
    return render(request, "targets/import.html", _listing(request, context, scope, preview))


def _listing(
    request: SignedInRequest, context: dict[str, Any], scope: str, preview: Preview
) -> dict[str, Any]:
    """The preview's listing, its counts and the link to its full list of problems."""
    problems = keep_problems(request.user.pk, context["kind"], scope, preview)
    return _digest_context(context, PreviewDigest.of(preview, problems))


def _digest_context(context: dict[str, Any], digest: PreviewDigest) -> dict[str, Any]:
    context.setdefault("preview", digest)
    context.update(
        row_count=digest.row_count,
        to_write=digest.to_write,
        rows_listed=digest.rows_listed,
        problem_count=digest.problem_count,
        problems_url="?loi=1" if digest.problem_count > MAX_LISTED_PROBLEMS else "",
    )
    return context


def _imported(
    request: SignedInRequest,
    name: str,
    written: int,
    unchanged: int,
    months: list[tuple[int, int]],
    back_url: str,
) -> HttpResponse:
    messages.success(
        request,
        _("Đã nhập tệp %(name)s: %(n)s dòng được ghi, %(same)s dòng không đổi.")
        % {"name": name, "n": written, "same": unchanged},
    )
    if len(months) == 1:  # land on the month just imported
        (year, month), *_rest = months
        back_url += f"?thang={year}-{month:02d}"
    return redirect(back_url)


def _job_page(
    request: SignedInRequest,
    kind: str,
    scope: str,
    token: str,
    context: dict[str, Any],
    back_url: str,
) -> HttpResponse:
    """A large file's job: its progress (JSON for the page's script when asked), then the
    preview, the import's message, or why it stopped."""
    state = job_state(request.user.pk, kind, scope, token)
    wants_json = "trang-thai" in request.GET  # static/js/import_status.js
    if state is None:
        context["file_error"] = _("Bản xem trước đã hết hạn; hãy tải tệp lên lại.")
        if wants_json:
            return JsonResponse({"state": "failed", "label": context["file_error"]})
        return render(request, "targets/import.html", context, status=404)
    label = _job_label(state)
    if wants_json:
        response = JsonResponse({"state": state["state"], "label": label, "rows": state["rows"]})
        response["Cache-Control"] = "no-store"
        return response
    if state["state"] == "failed":
        context["file_error"] = state["error"]
        return render(request, "targets/import.html", context)
    if state["state"] != "done":
        context.update(job=state, job_label=label, filename=state["name"])
        return render(request, "targets/import.html", context)
    if committed := state.get("committed"):
        cache.delete(job_state_key(request.user.pk))  # the message is shown once
        months = [tuple(m) for m in committed["months"]]
        return _imported(
            request, state["name"], committed["written"], committed["unchanged"], months, back_url
        )
    context.update(
        token=state.get("preview_token", ""),
        filename=state["name"],
        commit_errors=state.get("commit_errors"),
    )
    return render(request, "targets/import.html", _digest_context(context, state["digest"]))


def _job_label(state: dict[str, Any]) -> str:
    if state["state"] == "queued":
        return _("Đang chờ đọc tệp…")
    if state["state"] == "reading":
        return _("Đang đọc tệp: đã đọc %(n)s dòng…") % {"n": number_text(state["rows"])}
    if state["state"] == "checking":
        if state.get("commit"):
            return _("Đã đọc %(n)s dòng; đang kiểm tra và ghi…") % {"n": number_text(state["rows"])}
        return _("Đã đọc %(n)s dòng; đang kiểm tra…") % {"n": number_text(state["rows"])}
    if state["state"] == "failed":
        return str(state.get("error", ""))
    return _("Đã xong.")


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
    fmt, separator = file_options(request)
    title = file_title(request, group.unit, group.full_name, month_label(year, month))
    data, content_type = exports.render("counts", fmt, rows, title=title, separator=separator)
    return file_response(
        data, content_type, f"mau-so-lieu-{group.url_code}-{year}-{month:02d}.{fmt}"
    )


@login_required
def targets_template(request: SignedInRequest, code: str) -> HttpResponse:
    unit = get_visible_unit_or_404(request.user, code)
    units = _target_units(request.user, unit)
    year = parse_year_param(request.GET.get("nam"), clock.today().year)
    fmt, separator = file_options(request)
    data, content_type = exports.render(
        "targets",
        fmt,
        exports.target_template_rows(units=units, year=year),
        title=file_title(request, unit, unit.full_name, str(year)),
        separator=separator,
    )
    return file_response(data, content_type, f"mau-chi-tieu-{unit.url_code}-{year}.{fmt}")


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
    fmt, separator = file_options(request)
    if request.GET.get("loai") == "chi-tieu" and isinstance(scope, Unit):
        kind, rows = (
            "targets",
            exports.target_rows(scope=scope, year_from=year_from, year_to=year_to),
        )
    else:
        kind, rows = "counts", exports.count_rows(scope=scope, year_from=year_from, year_to=year_to)
    years = f"{year_from}" if year_from == year_to else f"{year_from}-{year_to}"
    unit = scope.unit if isinstance(scope, EntryGroup) else scope
    title = file_title(request, unit, name, years.replace("-", "–"))
    data, content_type = exports.render(kind, fmt, rows, title=title, separator=separator)
    file_kind = "chi-tieu" if kind == "targets" else "so-lieu"
    return file_response(data, content_type, f"{file_kind}-{url_code}-{years}.{fmt}")
