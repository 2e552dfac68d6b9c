"""One grammar for the numbers and months people give the product: typed in the entry grid, read
from an uploaded file, or asked for in an API query. What one accepts, all accept.

A count (participants, new participants, a target) is a whole number from 0 to MAX_COUNT:
- an int, or a float with nothing after the point (Excel hands a number cell over as 1234.0);
- text, with the spaces around it ignored (no-break spaces too), written as
  - plain digits: "1234";
  - digits in groups of three separated by ".", "," or a space: "1.234" (Vietnamese), "1,234"
    (English), "1 234". A count is never a fraction, so three digits after a mark are always
    thousands: "1.234" is 1234 and "1.000" is 1000;
  - plain digits, a decimal mark and zeros only: "12.0", "12,00" (a spreadsheet saved as CSV).
Blank (None, "", spaces) is None: the caller says whether a blank is allowed. Anything else is
refused with a message that names what was given: a fraction ("12,5"), a sign ("-4", "−4", "-0",
"+4"), words, "1e3", more than MAX_COUNT.

A year is a count from 2000 to 2100 and a month number a count from 1 to 12 (files have them in
two columns). A month in one piece (the grid's `?thang=`, the reopen form, <input type="month">)
is "YYYY-MM": "2023-06".

Every error is a ParseError (a ValueError) whose text is the translated message for the reader.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from bhxh_dashboard.formatting import number

MAX_COUNT = 10_000_000  # far above any commune or province; catches a pasted phone number
FIRST_YEAR, LAST_YEAR = 2000, 2100

_PLAIN = re.compile(r"[0-9]+")
_GROUPED = re.compile(r"[0-9]{1,3}(?:[., ][0-9]{3})+")
_ZERO_FRACTION = re.compile(r"([0-9]+)[.,]0+")
_NEGATIVE = re.compile(r"[-−] ?(.+)")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


class ParseError(ValueError):
    """A value outside the grammar; str() is the message to show."""


def _digits(text: str) -> int | None:
    """The number written in `text` by the grammar above, or None when it is not one."""
    if _PLAIN.fullmatch(text):
        digits = text
    elif _GROUPED.fullmatch(text):
        digits = re.sub(r"[., ]", "", text)
    elif match := _ZERO_FRACTION.fullmatch(text):
        digits = match[1]
    else:
        return None
    digits = digits.lstrip("0") or "0"
    # A pasted run of thousands of digits is too large; int() would refuse it with a ValueError.
    return int(digits) if len(digits) <= 18 else MAX_COUNT + 1


def parse_count(value: object) -> int | None:
    """A whole number from 0 to MAX_COUNT, or None for a blank; raises ParseError."""
    if value is None:
        return None
    shown = value
    if isinstance(value, int) and not isinstance(value, bool):
        result = value
    elif isinstance(value, float) and value.is_integer():
        result = int(value)
    elif isinstance(value, (bool, float)):
        result = None
    else:
        shown = re.sub(r"\s+", " ", str(value)).strip()
        if not shown:
            return None
        result = _digits(shown)
        negative = _NEGATIVE.fullmatch(shown)
        if result is None and negative and _digits(negative[1]) is not None:
            result = -1
    if result is None:
        raise ParseError(_("“%(value)s” không phải số nguyên.") % {"value": shown})
    if result < 0:
        raise ParseError(_("“%(value)s” là số âm.") % {"value": shown})
    if result > MAX_COUNT:
        raise ParseError(
            _("“%(value)s” quá lớn (tối đa %(max)s).") % {"value": shown, "max": number(MAX_COUNT)}
        )
    return result


def _in_range(value: object, first: int, last: int) -> int | None:
    result = parse_count(value)
    if result is not None and not first <= result <= last:
        raise ParseError(
            _("“%(value)s” phải từ %(first)s đến %(last)s.")
            % {"value": result, "first": first, "last": last}
        )
    return result


def parse_year(value: object) -> int | None:
    """A year from FIRST_YEAR to LAST_YEAR, written as a count; None for a blank."""
    return _in_range(value, FIRST_YEAR, LAST_YEAR)


def parse_month_number(value: object) -> int | None:
    """A month from 1 to 12, written as a count; None for a blank."""
    return _in_range(value, 1, 12)


def parse_month(text: str | None) -> tuple[int, int] | None:
    """ "2023-06" -> (2023, 6); None for a blank; raises ParseError for anything else."""
    text = (text or "").strip()
    if not text:
        return None
    match = _MONTH.fullmatch(text)
    try:
        if match:
            year, month = parse_year(match[1]), parse_month_number(match[2])
            if year is not None and month is not None:  # four and two digits: never blank
                return year, month
    except ParseError:
        pass
    raise ParseError(_("Tháng không hợp lệ."))
