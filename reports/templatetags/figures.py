"""{{ value|num }} 52.139 · {{ value|pct }} 84,65% · {{ value|signed }} +4.934 · {{ gap|absolute }}
· {% period y m %}
· {{ row|light:"new" }} {{ row|lights }} {{ row|reporting_rate }} {{ row|pace_so_far }}."""

from decimal import Decimal
from typing import Any, cast

from django import template
from django.conf import settings
from django.templatetags.static import static

from bhxh_dashboard import formatting
from progress import readings
from reports.tables import LIGHT_LABELS, Light, row_lights

register = template.Library()

# What a template passes: a figure from a progress row (None when unknown), decimals as typed.
Figure = int | float | Decimal | None


@register.filter
def num(value: Figure, decimals: int | str = 0) -> str:
    return formatting.number(value, int(decimals))


@register.filter
def pct(value: Figure, decimals: int | str = 2) -> str:
    return formatting.percent(value, int(decimals))


@register.filter
def signed(value: Figure, decimals: int | str = 0) -> str:
    return formatting.signed(value, int(decimals))


@register.filter
def points(value: Figure) -> str:
    """+0,31 điểm %: a change of coverage."""
    return formatting.points(value)


@register.filter
def change_value(change: Any, which: str = "new") -> str:
    """A change-history value as its field reads: a coverage target is stored in hundredths of
    a percent (4,50% is 450)."""
    value = change.old_value if which == "old" else change.new_value
    if change.field == "coverage_target" and value is not None:
        return formatting.percent(Decimal(value) / 100)
    return formatting.number(value)


@register.filter
def absolute(value: Figure) -> Figure:
    """A gap's size, for "thiếu 120" / "vượt 120" beside its direction."""
    if value is None:
        return None
    return -value if value < 0 else value


@register.simple_tag
def define(slug: str, label: str | None = None) -> str:
    """A figure's label that leads to its one-line definition (a tooltip, and the anchor on the
    definitions page): {% define "completion" %} or {% define "target" label %}."""
    from django.urls import reverse
    from django.utils.html import format_html

    from progress.definitions import BY_SLUG

    definition = BY_SLUG[slug]
    return format_html(
        '<a class="define" href="{}#{}" title="{}">{}</a>',
        reverse("reports:definitions"),
        slug,
        definition.text,
        label if label is not None else definition.term,
    )


@register.simple_tag
def period(year: int, month: int) -> str:
    return formatting.month_label(year, month)


# Read-time figures of a progress row (progress.readings defines them) -------------------------


@register.filter
def light(row: Any, kind: str = readings.PARTICIPANTS) -> Light | None:
    """{{ row|light:"new" }}: the light of the unit's target of that kind; None without one."""
    if kind not in readings.KINDS:
        return None
    of = cast(readings.Kind, kind)
    if not readings.has_target(row, of):
        return None
    colour = readings.light(row, of)
    return Light(colour, str(LIGHT_LABELS[colour]))


@register.filter
def lights(row: Any) -> list[Light]:
    """Every light of the unit, each naming its target (the children tables)."""
    return row_lights(row)


@register.filter
def reporting_rate(row: Any) -> float | None:
    return readings.reporting_rate(row)


@register.filter
def pace_so_far(row: Any) -> int | None:
    return readings.pace_so_far(row)


@register.simple_tag
def plotly_js() -> str:
    """The URL of the plotly.js bundle the pages load (settings.PLOTLY_JS: the basic bundle when
    installed, else the plotly package's full one)."""
    return static(settings.PLOTLY_JS)
