from decimal import Decimal

from django.utils import translation

from bhxh_dashboard import formatting


def test_vietnamese_numbers_use_dots_for_thousands_and_commas_for_decimals():
    with translation.override("vi"):
        assert formatting.number(52139) == "52.139"
        assert formatting.percent(Decimal("84.65")) == "84,65%"
        assert formatting.signed(4934) == "+4.934"
        assert formatting.signed(-1225) == "−1.225"
        assert formatting.number(None) == "–"


def test_english_numbers_use_commas_for_thousands():
    with translation.override("en"):
        assert formatting.number(52139) == "52,139"
        assert formatting.percent(Decimal("84.65")) == "84.65%"


def test_periods_are_month_slash_year():
    assert formatting.month_label(2023, 5) == "05/2023"


def test_people_are_named_by_full_name_else_username(django_user_model):
    named = django_user_model(username="lucnam", first_name="Trần", last_name="Bình")
    assert formatting.user_label(named) == "Trần Bình"
    assert formatting.user_label(django_user_model(username="lucnam")) == "lucnam"
    assert formatting.user_label(None) == ""
