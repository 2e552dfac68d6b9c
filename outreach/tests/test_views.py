"""The outreach pages and API as each kind of user: anonymous, another province or district, the
right user; the grid's all-or-nothing save and its messages; the event form."""

import pytest
from django.db.models import Sum

from outreach.models import ChannelCount, OrgKind, OrgReporter, OutreachEvent
from outreach.tests.conftest import org_of
from progress.models import Progress
from provinces.models import Profile, Role

pytestmark = pytest.mark.django_db


def urls(demo):
    g = org_of(demo.bac_giang).url_code
    return [
        "/kenh-thu/p24/?thang=2023-05",
        "/kenh-thu/d218/",
        "/kenh-thu/nhap/d218/?thang=2023-06",
        "/kenh-thu/hoi-nghi/d218/",
        f"/kenh-thu/nhap/{g}/?thang=2023-06",
        f"/kenh-thu/hoi-nghi/{g}/",
        "/api/v1/units/p24/channels/?year=2023&month=5",
    ]


def test_anonymous_is_sent_to_sign_in(client, demo):
    for url in urls(demo):
        response = client.get(url)
        assert response.status_code in (302, 401, 403), url
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"]


def test_another_provinces_users_get_404(client, demo):
    for user in (demo.other_officer, demo.other_clerk):
        client.force_login(user)
        for url in urls(demo):
            assert client.get(url).status_code == 404, (user, url)


def test_another_districts_staff_get_404_for_luc_nams_pages(client, demo):
    client.force_login(demo.neighbour_clerk)
    for url in urls(demo)[1:4]:
        assert client.get(url).status_code == 404, url


def test_the_officer_reads_the_provinces_channels_adding_up_to_its_new_participants(client, demo):
    client.force_login(demo.officer)
    response = client.get("/kenh-thu/p24/?thang=2023-05")
    assert response.status_code == 200
    html = response.content.decode()
    progress = Progress.objects.get(unit=demo.bac_giang, year=2023, month=5)
    ytd = Progress.objects.filter(unit=demo.bac_giang, year=2023, month__lte=5).aggregate(
        n=Sum("new_in_month")
    )["n"]
    assert f'id="total-in-month">{progress.new_in_month:,}'.replace(",", ".") in html
    assert f'id="total-ytd">{ytd:,}'.replace(",", ".") in html
    for label in ("Bưu điện", "BHXH trực tiếp thu", "Chưa phân bổ", "Tỷ lệ chuyển đổi"):
        assert label in html
    # The unit page links to it.
    assert (
        "/kenh-thu/p24/?thang=2023-05" in client.get("/u/p24/?year=2023&month=5").content.decode()
    )


def test_todays_province_page_and_api(client, demo):
    client.force_login(demo.today_officer)
    assert client.get("/kenh-thu/t24/").status_code == 200
    data = client.get("/api/v1/units/t24/channels/?year=2026&month=11").json()
    assert (
        data["new_in_month"]
        == Progress.objects.get(unit=demo.bac_ninh, year=2026, month=11).new_in_month
    )
    assert sum(c["new_in_month"] for c in data["channels"]) == data["new_in_month"]
    assert data["events"]["held"] > 0 and data["organisations"]


def test_the_officer_reads_luc_nams_grid_but_cannot_save_it(client, demo, june):
    client.force_login(demo.officer)
    assert client.get("/kenh-thu/nhap/d218/?thang=2023-06").status_code == 200
    a = june.communes[0]
    response = client.post(
        "/kenh-thu/nhap/d218/", {"thang": "2023-06", f"c_{a.pk}_{june.post.pk}": "3"}
    )
    assert response.status_code == 403
    assert not ChannelCount.objects.filter(year=2023, month=6).exists()


def test_district_staff_save_a_month_and_see_what_is_left_not_attributed(client, demo, june):
    client.force_login(demo.clerk)
    a, b = june.communes[:2]
    response = client.post(
        "/kenh-thu/nhap/d218/",
        {
            "thang": "2023-06",
            f"c_{a.pk}_{june.post.pk}": "9",
            f"c_{a.pk}_{june.bhxh.pk}": "2",
            f"c_{b.pk}_{june.post.pk}": "15",
        },
    )
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "Đã lưu phân bổ theo kênh tháng 06/2023" in html
    assert f'data-not-attributed="{a.pk}">4<' in html
    assert f'data-not-attributed="{b.pk}">0<' in html


def test_an_attribution_above_the_communes_figure_is_shown_and_nothing_saved(client, demo, june):
    client.force_login(demo.clerk)
    a, b = june.communes[:2]
    response = client.post(
        "/kenh-thu/nhap/d218/",
        {
            "thang": "2023-06",
            f"c_{a.pk}_{june.post.pk}": "12",
            f"c_{a.pk}_{june.bhxh.pk}": "1.234",
            f"c_{b.pk}_{june.post.pk}": "abc",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Chưa lưu: 2 xã có lỗi" in html
    assert "Các kênh cộng lại 1.246 người, nhiều hơn số phát triển mới" in html
    assert "(15 người)" in html
    assert "“abc” không phải số nguyên." in html
    assert 'value="1.234"' in html  # what was typed is shown back
    assert not ChannelCount.objects.filter(year=2023, month=6).exists()


def test_an_event_is_recorded_and_a_wrong_one_explained(client, demo):
    client.force_login(demo.clerk)
    commune = demo.luc_nam.children.order_by("code").first()
    # Old Lục Nam's communes are in force until 30/06/2025: the form offers them on their days.
    post = org_of(demo.bac_giang)
    form = {
        "commune": commune.pk,
        "organiser": post.pk,
        "kind": "customer",
        "held_on": "10/06/2023",
        "attendees": "80",
        "sign_ups": "95",
    }
    page = client.get("/kenh-thu/hoi-nghi/d218/")
    assert page.status_code == 200
    response = client.post("/kenh-thu/hoi-nghi/d218/", form)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Số người đăng ký tại chỗ (95) không thể lớn hơn số người dự (80)." in html
    form["sign_ups"] = "12"
    response = client.post("/kenh-thu/hoi-nghi/d218/", form)
    assert response.status_code == 302
    assert OutreachEvent.objects.filter(commune=commune, attendees=80, sign_ups=12).exists()


def test_an_organisations_reporter_enters_its_own_grid_only(client, demo, june, django_user_model):
    user = django_user_model.objects.create_user(username="bd", password="pw")
    Profile.objects.create(user=user, role=Role.ORG_REPORTER, unit=demo.bac_giang)
    OrgReporter.objects.create(user=user, org=june.post)
    client.force_login(user)
    own = f"/kenh-thu/nhap/{june.post.url_code}/"
    other = f"/kenh-thu/nhap/{org_of(demo.bac_giang, OrgKind.FARMERS).url_code}/"
    a = june.communes[0]
    assert client.get(own + "?thang=2023-06").status_code == 200
    assert own in client.get("/nhap-lieu/").content.decode()  # the entry menu leads there
    response = client.post(own, {"thang": "2023-06", f"c_{a.pk}_{june.post.pk}": "5"})
    assert response.status_code == 302
    assert (
        ChannelCount.objects.get(commune=a, org=june.post, year=2023, month=6).new_participants == 5
    )
    # The other organisations' figures count in what is left not attributed: 15 - 5 - 3.
    ChannelCount.objects.create(commune=a, org=june.bhxh, year=2023, month=6, new_participants=3)
    html = client.get(own + "?thang=2023-06").content.decode()
    assert f'data-not-attributed="{a.pk}">7<' in html
    assert client.post(other, {"thang": "2023-06"}).status_code == 403
    assert client.post("/kenh-thu/nhap/d218/", {"thang": "2023-06"}).status_code == 403


def test_a_commune_without_a_collection_point_is_counted(client, demo):
    from outreach.models import CollectionPoint

    commune = demo.luc_nam.children.order_by("code").first()
    CollectionPoint.objects.filter(commune=commune).delete()
    client.force_login(demo.clerk)
    html = client.get("/kenh-thu/d218/?thang=2023-05").content.decode()
    assert 'href="/kenh-thu/nhap/d218/"' in html  # the clerk enters Lục Nam's channels
    total = demo.luc_nam.children.count()
    assert f"1/{total} xã chưa có điểm thu đang hoạt động." in html
    assert commune.name in html


def test_the_channels_page_reads_in_english(client, demo):
    from django.conf import settings

    client.force_login(demo.officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/kenh-thu/p24/?thang=2023-05").content.decode()
    for label in ("Channels and events", "Not attributed", "Post office", "Conversion"):
        assert label in html
    assert "Kênh thu và hội nghị" not in html


@pytest.mark.parametrize("url", ["/kenh-thu/p24/?thang=2023-05", "/kenh-thu/d218/?thang=2023-05"])
def test_the_channels_page_reads_in_a_handful_of_queries(
    client, demo, url, django_assert_max_num_queries
):
    client.force_login(demo.officer)
    with django_assert_max_num_queries(25):
        assert client.get(url).status_code == 200
