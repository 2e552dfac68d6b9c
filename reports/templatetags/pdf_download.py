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
    state = {"urls": pdf_urls(unit, year, month), "background": pdf.builds_in_background(unit)}
    if state["background"]:
        language = translation.get_language() or "vi"
        state["current"] = pdf.summary_pdf_current(
            unit=unit, year=year, month=month, language=language
        )
    return state
