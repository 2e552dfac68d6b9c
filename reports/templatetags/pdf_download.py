"""{% pdf_download_state unit year month as pdf %}: what the "Download PDF" include shows.

The include goes into the dashboard's unit page as one line, so it asks for its own state here
rather than from the page's view.
"""

from typing import Any

from django import template
from django.template import Context
from django.utils import translation

from provinces.access import can_download_reports
from provinces.models import Level, Unit
from reports import pdf
from reports.pdf_views import pdf_urls

register = template.Library()


@register.simple_tag(takes_context=True)
def pdf_download_state(
    context: Context, unit: Unit | None, year: int | None, month: int | None
) -> dict[str, Any] | None:
    request = context.get("request")
    if (
        request is None
        or unit is None
        or not year
        or not month
        or unit.level > Level.DISTRICT
        or not can_download_reports(request.user, unit)
    ):
        return None
    if not pdf.has_figures(unit=unit, year=year, month=month):
        return None  # no summary of a period without figures (pdf_views refuses it too)
    language = translation.get_language() or "vi"
    return {
        "urls": pdf_urls(unit, year, month),
        "current": pdf.summary_pdf_current(unit=unit, year=year, month=month, language=language),
    }
