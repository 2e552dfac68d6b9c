"""{{ value|num }} 52.139 · {{ value|pct }} 84,65% · {{ value|signed }} +4.934 · {% period y m %}."""

from django import template

from bhxh_dashboard import formatting

register = template.Library()


@register.filter
def num(value, decimals=0):
    return formatting.number(value, int(decimals))


@register.filter
def pct(value, decimals=2):
    return formatting.percent(value, int(decimals))


@register.filter
def signed(value, decimals=0):
    return formatting.signed(value, int(decimals))


@register.simple_tag
def period(year, month):
    return formatting.month_label(year, month)
