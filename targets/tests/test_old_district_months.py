"""District staff of an old district keep their district's months before the reform: the month
picker offers no month after 30/06/2025, and a save of a later month is refused."""

import re

import pytest

from targets.models import MonthlyCount
from targets.services import CountEntry, counts_save

pytestmark = pytest.mark.django_db


def picker_months(html: str) -> list[str]:
    return re.findall(r'<option value="(\d{4}-\d\d)"', html)


def test_the_month_picker_of_an_old_district_ends_with_june_2025(client, demo):
    client.force_login(demo.clerk)
    months = picker_months(client.get("/nhap-lieu/so-lieu/d218/").content.decode())
    assert months[0] == "2025-06" and "2023-06" in months  # the demo's reopened month
    assert all(m <= "2025-06" for m in months)
    assert "2026-11" not in months and "2025-07" not in months


def test_a_later_month_shows_the_old_districts_month_and_says_why(client, demo):
    client.force_login(demo.clerk)
    html = client.get("/nhap-lieu/so-lieu/d218/?thang=2026-11").content.decode()
    assert "Tháng 11/2026 ngoài thời gian hiệu lực của Huyện Lục Nam" in html
    assert "Số liệu tháng 06/2023" in html  # the reopened month, still entered as before


def test_a_save_of_an_old_commune_after_the_reform_is_refused(demo):
    commune = demo.luc_nam.children.order_by("code").first()
    result = counts_save(
        user=demo.clerk, year=2026, month=11, entries=[CountEntry(commune.pk, 10, 1)]
    )
    assert not result.saved
    assert "không còn từ 01/07/2025" in " ".join(result.errors[commune.pk]["__all__"])
    assert not MonthlyCount.objects.filter(commune=commune, year=2026).exists()


def test_posting_a_later_month_to_the_old_districts_grid_saves_nothing(client, demo):
    commune = demo.luc_nam.children.order_by("code").first()
    before = list(MonthlyCount.objects.filter(commune=commune).values_list("year", "month"))
    client.force_login(demo.clerk)
    data = {"thang": "2026-11", "save": "1", f"p_{commune.pk}": "10", f"n_{commune.pk}": "1"}
    html = client.post("/nhap-lieu/so-lieu/d218/", data).content.decode()
    assert "không còn từ 01/07/2025" in html
    # nothing written, neither November 2026 nor the month the grid fell back to
    after = list(MonthlyCount.objects.filter(commune=commune).values_list("year", "month"))
    assert after == before and (2026, 11) not in after
