"""{{ value|num }} 52.139 · {{ value|pct }} 84,65% · {{ value|signed }} +4.934 · {{ gap|absolute }}
· {% period y m %}."""

from decimal import Decimal

from django import template

from bhxh_dashboard import formatting

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
def absolute(value: Figure) -> Figure:
    """A gap's size, for "thiếu 120" / "vượt 120" beside its direction."""
    if value is None:
        return None
    return -value if value < 0 else value


@register.simple_tag
def period(year: int, month: int) -> str:
    return formatting.month_label(year, month)
