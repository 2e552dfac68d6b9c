import pytest
from django.db.models import Sum

from targets.models import MonthlyCount, Target, TargetKind


def province_total(province, year, month):
    return MonthlyCount.objects.filter(
        commune__province=province, year=year, month=month
    ).aggregate(total=Sum("participants"))["total"]


@pytest.mark.django_db
def test_demo_reproduces_bac_giang_figures_of_domain_md(demo):
    assert province_total(demo.bac_giang, 2022, 12) == 41_098
    assert province_total(demo.bac_giang, 2023, 4) == 39_200
    assert province_total(demo.bac_giang, 2023, 5) == 44_134
    target = Target.objects.get(unit=demo.bac_giang, year=2023, kind=TargetKind.PARTICIPANTS)
    assert (target.value, target.deadline_month) == (52_139, 10)
    # The province's target is fully allocated to its districts.
    allocated = Target.objects.filter(
        unit__parent=demo.bac_giang, year=2023, kind=TargetKind.PARTICIPANTS
    ).aggregate(total=Sum("value"))["total"]
    assert allocated == 52_139


@pytest.mark.django_db
def test_demo_users_sign_in_and_land_on_their_scope(client, demo):
    landing = {
        "quocgia": "/u/vn/",
        "bacgiang": "/u/p24/",
        "lucnam": "/u/d218/",
        "lanhdao": "/u/p24/",
    }
    for username, page in landing.items():
        client.logout()
        response = client.post(
            "/accounts/login/", {"username": username, "password": demo.password}, follow=True
        )
        assert response.redirect_chain[-1][0] == page, username
        assert response.status_code == 200
