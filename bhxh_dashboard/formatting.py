"""How the product writes things for a reader, in every app: numbers and months the way the
active language writes them (52.139 / 84,65% / 05/2023 in Vietnamese, 52,139 / 84.65% in English)
and people by name. Templates use the `figures` tags (reports/templatetags); Python calls these
functions directly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from django.utils import formats, translation

if TYPE_CHECKING:
    from django.contrib.auth.models import User

DASH = "–"

# A figure as the apps hold it: a count, a percentage or a ratio; None when it is not known.
Figure = int | float | Decimal | None


def number(value: Figure, decimals: int = 0) -> str:
    if value is None:
        return DASH
    if decimals:
        value = round(Decimal(value), decimals)
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def signed(value: Figure, decimals: int = 0) -> str:
    """+4.934 / −1.225 / 0: the sign a reader needs on a change."""
    if value is None:
        return DASH
    # mypy types abs() of a union as object; it keeps the type of each member.
    text = number(cast(Figure, abs(value)), decimals)
    if value > 0:
        return "+" + text
    if value < 0:
        return "−" + text
    return text


def percent(value: Figure, decimals: int = 2) -> str:
    if value is None:
        return DASH
    return number(value, decimals) + "%"


def points(value: Figure) -> str:
    """A change of a percentage, in percentage points: "+0,31 điểm %" (coverage)."""
    from django.utils.translation import gettext

    if value is None:
        return DASH
    return gettext("%(value)s điểm %%") % {"value": signed(value, 2)}


def month_label(year: int, month: int) -> str:
    return f"{month:02d}/{year}"


def day_label(day: dt.date) -> str:
    """31/05/2023, in either language (as the cut-off is written everywhere)."""
    return day.strftime("%d/%m/%Y")


def plotly_separators() -> str:
    """Plotly's `separators` layout value: decimal mark then thousands mark."""
    return ",." if translation.get_language() == "vi" else ".,"


def user_label(user: User | None) -> str:
    """A person as pages and PDFs name them: full name, else username; "" for nobody."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
