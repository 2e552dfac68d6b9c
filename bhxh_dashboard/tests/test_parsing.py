"""The one grammar for numbers and months (bhxh_dashboard.parsing)."""

import pytest
from django.utils import translation

from bhxh_dashboard.parsing import (
    MAX_COUNT,
    ParseError,
    parse_count,
    parse_month,
    parse_month_number,
    parse_year,
)


@pytest.mark.parametrize(
    ("given", "count"),
    [
        ("1234", 1234),
        ("1.234", 1234),  # Vietnamese thousands
        ("1,234", 1234),  # English thousands
        (" 1 234 ", 1234),
        ("1\u00a0234", 1234),  # a no-break space, as spreadsheets write it
        ("1.234.567", 1_234_567),
        ("1.000", 1000),  # three digits after a mark are thousands, never a fraction
        ("12.0", 12),  # a whole number a spreadsheet saved as CSV
        ("12,00", 12),
        ("0", 0),
        (1234, 1234),
        (12.0, 12),  # an Excel number cell
        ("10.000.000", MAX_COUNT),
    ],
)
def test_counts_are_read_in_every_form_people_write_them(given, count):
    assert parse_count(given) == count


@pytest.mark.parametrize("blank", [None, "", "   ", "\u00a0"])
def test_a_blank_is_none_not_zero(blank):
    assert parse_count(blank) is None


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("12,5", "“12,5” không phải số nguyên."),
        ("1.23", "“1.23” không phải số nguyên."),
        ("1.2345", "“1.2345” không phải số nguyên."),
        (12.5, "“12.5” không phải số nguyên."),
        ("1e3", "“1e3” không phải số nguyên."),
        ("mười", "“mười” không phải số nguyên."),
        ("+4", "“+4” không phải số nguyên."),
        (True, "“True” không phải số nguyên."),
        ("-4", "“-4” là số âm."),
        ("−1.234", "“−1.234” là số âm."),
        ("-0", "“-0” là số âm."),
        (-4, "“-4” là số âm."),
        ("10.000.001", "“10.000.001” quá lớn (tối đa 10.000.000)."),
        (10**12, "“1000000000000” quá lớn (tối đa 10.000.000)."),
        ("9" * 5000, f"“{'9' * 5000}” quá lớn (tối đa 10.000.000)."),
    ],
)
def test_anything_else_is_refused_with_a_message_naming_it(given, message):
    with pytest.raises(ParseError) as refused:
        parse_count(given)
    assert str(refused.value) == message


def test_messages_follow_the_readers_language():
    with translation.override("en"), pytest.raises(ParseError, match="is not a whole number"):
        parse_count("12,5")


def test_years_and_month_numbers_are_counts_in_their_range():
    assert parse_year("2023") == 2023 and parse_year(2023.0) == 2023
    assert parse_month_number("06") == 6 and parse_month_number("6.0") == 6
    assert parse_year("") is None and parse_month_number(None) is None
    with pytest.raises(ParseError, match="“1999” phải từ 2000 đến 2100."):
        parse_year("1999")
    with pytest.raises(ParseError, match="“13” phải từ 1 đến 12."):
        parse_month_number("13")
    with pytest.raises(ParseError, match="không phải số nguyên"):
        parse_month_number("tháng sáu")


def test_a_month_in_one_piece_is_year_dash_month():
    assert parse_month("2023-06") == (2023, 6)
    assert parse_month(" 2023-12 ") == (2023, 12)
    assert parse_month("") is None and parse_month(None) is None
    for bad in ("2023-6", "2023-13", "2023-00", "1999-01", "06/2023", "2023-06-01", "abc"):
        with pytest.raises(ParseError, match="Tháng không hợp lệ."):
            parse_month(bad)
