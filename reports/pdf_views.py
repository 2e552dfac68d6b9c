"""PDF summaries: ask for one to be built by the worker, its status for the page, download.

Access is checked by provinces.access.can_download_reports; outside one's scope is a 404. A
period the unit has no figures for is refused (404 with a message): nothing is built or stored.
"""

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from bhxh_dashboard.formatting import month_label
from bhxh_dashboard.http import SignedInRequest
from provinces.access import can_download_reports, get_visible_unit_or_404
from provinces.models import Level, Unit
from reports import pdf
from reports.models import PdfStatus, SummaryPdf


class PeriodForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100)
    month = forms.IntegerField(min_value=1, max_value=12)


def _unit_for_pdf(request: HttpRequest, code: str) -> Unit:
    unit = get_visible_unit_or_404(request.user, code)
    if unit.level > Level.DISTRICT or not can_download_reports(request.user, unit):
        raise Http404("No summary for this unit")
    return unit


def _period(data: QueryDict) -> tuple[int, int] | None:
    form = PeriodForm(data)
    if not form.is_valid():
        return None
    return form.cleaned_data["year"], form.cleaned_data["month"]


def _no_figures(request: HttpRequest, unit: Unit, year: int, month: int) -> HttpResponse:
    """The period has no figures: said plainly, in a page (or JSON for the page's script)."""
    message = _("Chưa có số liệu của {unit} cho tháng {period}: không có bản PDF tóm tắt.").format(
        unit=unit.full_name, period=month_label(year, month)
    )
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"status": None, "error": message}, status=404)
    context = {"message": message, "page_url": unit.get_absolute_url()}
    return render(request, "reports/pdf_unavailable.html", context, status=404)


def _language(request: HttpRequest) -> str:
    return translation.get_language() or "vi"


def pdf_urls(unit: Unit, year: int, month: int) -> dict[str, str]:
    query = f"?year={year}&month={month}"
    return {
        "download": reverse("reports:pdf", args=[unit.url_code]) + query,
        "request": reverse("reports:pdf_request", args=[unit.url_code]),
        "status": reverse("reports:pdf_status", args=[unit.url_code]) + query,
        "page": unit.get_absolute_url() + query,
    }


def _pdf_response(summary: SummaryPdf) -> HttpResponse:
    # summarypdf_ready_has_content: a summary served is ready, so it holds its PDF.
    assert summary.content is not None
    response = HttpResponse(bytes(summary.content), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{summary.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def summary_pdf(request: SignedInRequest, code: str) -> HttpResponse:
    """The summary PDF of the unit for ?year=&month= once the worker has built it; not built yet,
    the national one sends back to its page, a province's or district's is built now."""
    unit = _unit_for_pdf(request, code)
    period = _period(request.GET)
    if period is None:
        return HttpResponseBadRequest("year and month are required")
    year, month = period
    if not pdf.has_figures(unit=unit, year=year, month=month):
        return _no_figures(request, unit, year, month)
    language = _language(request)
    current = pdf.summary_pdf_current(unit=unit, year=year, month=month, language=language)
    if current is not None and current.status == PdfStatus.READY:
        return _pdf_response(SummaryPdf.objects.get(pk=current.pk))
    if unit.level == Level.NATION:
        return redirect(pdf_urls(unit, year, month)["page"])
    # A direct link to a province or district summary (no script, a bookmark) still gets it,
    # built now; the page asks the worker instead and shows its progress.
    summary = pdf.summary_pdf_get_or_build(
        unit=unit, year=year, month=month, language=language, user=request.user
    )
    return _pdf_response(summary)


@login_required
@require_POST
def summary_pdf_request(request: SignedInRequest, code: str) -> HttpResponse:
    """Queue the build of a summary; back to the page (or JSON for its script), which shows its
    progress."""
    unit = _unit_for_pdf(request, code)
    period = _period(request.POST)
    if period is None:
        return HttpResponseBadRequest("year and month are required")
    year, month = period
    if not pdf.has_figures(unit=unit, year=year, month=month):
        return _no_figures(request, unit, year, month)
    summary = pdf.summary_pdf_request(
        unit=unit, year=year, month=month, language=_language(request), user=request.user
    )
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(_status_payload(unit, year, month, summary))
    return redirect(pdf_urls(unit, year, month)["page"])


def _status_payload(
    unit: Unit, year: int, month: int, summary: SummaryPdf | None
) -> dict[str, Any]:
    status = summary.status if summary else None
    return {
        "status": status,
        "label": str(PdfStatus(status).label) if status else "",
        "download_url": pdf_urls(unit, year, month)["download"]
        if status == PdfStatus.READY
        else None,
    }


@login_required
@require_GET
def summary_pdf_status(request: HttpRequest, code: str) -> HttpResponse:
    """JSON for static/js/pdf_status.js: where the summary of the current figures stands."""
    unit = _unit_for_pdf(request, code)
    period = _period(request.GET)
    if period is None:
        return HttpResponseBadRequest("year and month are required")
    year, month = period
    if not pdf.has_figures(unit=unit, year=year, month=month):
        return _no_figures(request, unit, year, month)
    summary = pdf.summary_pdf_current(
        unit=unit, year=year, month=month, language=_language(request)
    )
    response = JsonResponse(_status_payload(unit, year, month, summary))
    response["Cache-Control"] = "no-store"
    return response
