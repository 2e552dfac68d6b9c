"""The channel split's file: a template to fill in, and its import with a preview.

The pages of the channel grid (outreach.views.channel_entry) and its access: an entry grid's code
("d218", "o12", "t24") for its staff, an organisation's ("g5") for its own reporter; outside the
user's scope 404, inside it without the right to enter 403. The flow is the counts import's
(targets.io_views): upload -> preview (nothing written) -> import (all or nothing); only a file
that can be imported is kept, in the cache, one per user under a token for this page, and read
and checked again when "Import" is pressed; the problem lines past the first ones are in a file
to download (`?loi=1`). Channel files are small (a grid's communes times its organisations for
a month), so they are read in the request.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bhxh_dashboard.formatting import month_label
from bhxh_dashboard.http import SignedInRequest
from bhxh_dashboard.uploads import MAX_UPLOAD_BYTES, upload_too_large
from outreach import selectors
from outreach.imports import CHANNEL_COLUMNS, commit_channels, preview_channels
from outreach.views import EntryScope, entry_month, entry_scope
from provinces.access import can_download_group_files
from targets import exports
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
from targets.io_views import file_options, file_response, file_title, problems_file

KIND = "channels"
TEMPLATE = "outreach/import.html"


@login_required
@require_http_methods(["GET", "POST"])
def import_channels(request: SignedInRequest, code: str) -> HttpResponse:
    """A file of the channel split for the grid's communes (or the organisation's column)."""
    scope = entry_scope(request, code)
    if not scope.can_edit:
        raise PermissionDenied
    if request.method == "GET" and request.GET.get("loi"):
        return problems_file(request, KIND, scope.url_code)
    back_url = reverse("outreach:entry", kwargs={"code": scope.url_code})
    _year, _month_number, _window, windows = entry_month(request, scope.unit)
    context = {
        "scope": scope,
        "back_url": back_url,
        "template_url": reverse("outreach:channels_template", kwargs={"code": scope.url_code}),
        "months": windows,
        "full_listing_rows": FULL_LISTING_ROWS,
        "max_listed_problems": MAX_LISTED_PROBLEMS,
    }
    if request.method != "POST":
        return render(request, TEMPLATE, context)

    upload = request.FILES.get("file")
    if upload_too_large(request) or (upload is not None and (upload.size or 0) > MAX_UPLOAD_BYTES):
        context["file_error"] = _("Tệp lớn hơn 10 MB.")
        return render(request, TEMPLATE, context, status=413)
    token = request.POST.get("token", "")
    if upload is not None:
        cache.delete(preview_key(request.user.id))
        name, data = upload.name or "", upload.read()
    else:
        stored = unstash(request.user.id, KIND, scope.url_code, token)
        if stored is None:
            context["file_error"] = (
                _("Hãy chọn một tệp CSV hoặc Excel (.xlsx).")
                if "preview" in request.POST
                else _("Bản xem trước đã hết hạn; hãy tải tệp lên lại.")
            )
            return render(request, TEMPLATE, context, status=400)
        name, data = stored
    try:
        preview = preview_channels(data, name, user=request.user, group=scope.group, org=scope.org)
    except ImportFileError as exc:
        cache.delete(preview_key(request.user.id))
        context["file_error"] = str(exc)
        return render(request, TEMPLATE, context)
    if preview.has_errors or not preview.rows_to_write:
        cache.delete(preview_key(request.user.id))  # nothing to import from it: nothing is kept
        token = ""
    elif upload is not None:
        token = stash(request.user.id, KIND, scope.url_code, name, data)
    new_count = sum(1 for r in preview.rows_to_write if r.values["old"] is None)
    context.update(
        preview=preview,
        token=token,
        filename=name,
        new_count=new_count,
        changed_count=len(preview.rows_to_write) - new_count,
    )
    if "commit" in request.POST and token and not preview.has_errors:
        try:
            result = commit_channels(preview, user=request.user)
        except ImportRefused as exc:
            context["commit_errors"] = exc.messages
            return render(request, TEMPLATE, context)
        cache.delete(preview_key(request.user.id))
        messages.success(
            request,
            _("Đã nhập tệp %(name)s: %(n)s dòng được ghi, %(same)s dòng không đổi.")
            % {"name": name, "n": result.created + result.updated, "same": result.unchanged},
        )
        months = {(r.checked_year, r.checked_month) for r in preview.rows_to_write}
        if len(months) == 1:  # land on the month just imported
            ((year, month),) = months
            back_url += f"?thang={year}-{month:02d}"
        return redirect(back_url)
    problems = keep_problems(request.user.id, KIND, scope.url_code, preview)
    context["problem_count"] = problems
    context["problems_url"] = "?loi=1" if problems > MAX_LISTED_PROBLEMS else ""
    context["rows_listed"] = rows_listed(preview)
    return render(request, TEMPLATE, context)


@login_required
def channels_template(request: SignedInRequest, code: str) -> HttpResponse:
    """The grid's communes and organisations for a month (`?thang=`), one line each, the stored
    figures filled in: the file the import reads back unchanged."""
    scope = entry_scope(request, code)
    if scope.group is not None and not can_download_group_files(request.user, scope.group):
        raise PermissionDenied
    year, month, _window, _windows = entry_month(request, scope.unit)
    fmt, separator = file_options(request)
    lines = template_lines(scope, year, month)
    title = file_title(request, scope.unit, scope.name, month_label(year, month))
    if fmt == "xlsx":
        data = exports.table_xlsx(
            [c.label for c in CHANNEL_COLUMNS],
            lines,
            formats=[
                exports.TEXT_FORMAT,
                None,
                exports.PLAIN_FORMAT,
                exports.PLAIN_FORMAT,
                None,
                exports.GROUPED_FORMAT,
            ],
            sheet_name=_("Phân bổ theo kênh"),
            title=title,
            widths=(10, 28, 8, 8, 34, 14),
        )
        content_type = exports.XLSX_CONTENT_TYPE
    else:
        data = exports.write_csv(CHANNEL_COLUMNS, lines, title=title, separator=separator)
        content_type = exports.CSV_CONTENT_TYPE
    return file_response(
        data, content_type, f"mau-kenh-thu-{scope.url_code}-{year}-{month:02d}.{fmt}"
    )


def template_lines(scope: EntryScope, year: int, month: int) -> list[list[object]]:
    """One line per commune and organisation of the grid, as the grid shows them (3 queries)."""
    orgs = scope.orgs()
    rows = selectors.channel_rows(
        communes=list(scope.communes(year, month)), orgs=orgs, year=year, month=month
    )
    return [
        [
            row.commune.code,
            row.commune.full_name,
            year,
            month,
            org.name,
            "" if row.cells.get(org.pk) is None else row.cells[org.pk],
        ]
        for row in rows
        for org in orgs
    ]
