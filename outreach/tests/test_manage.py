"""The network pages of a province (organisations' targets and event plans, collection points,
collection staff and their targets) as each kind of user; their checks, messages and audit; a
target set there in the channel figures."""

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.db.models import Sum

from bhxh_dashboard.formatting import number, percent
from outreach.models import (
    ChannelCount,
    ChannelTarget,
    CollectionPoint,
    CollectionStaff,
    EventPlan,
    OrgKind,
    StaffTarget,
    TargetChange,
)
from outreach.tests.conftest import org_of
from progress.models import RecomputeState
from progress.services import recompute_province
from provinces.models import Level, Unit

pytestmark = pytest.mark.django_db

PAGES = ["/kenh-thu/chi-tieu/p24/?nam=2023", "/kenh-thu/diem-thu/p24/", "/kenh-thu/nhan-vien/p24/"]


def html_of(response) -> str:
    return response.content.decode()


def test_anonymous_is_sent_to_sign_in(client, demo):
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        assert client.post(url, {"action": "add"}).status_code == 302


def test_another_provinces_officer_gets_404(client, demo):
    client.force_login(demo.other_officer)
    for url in PAGES:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"action": "add"}).status_code == 404, url
    # A district is not a province's network.
    client.force_login(demo.officer)
    assert client.get("/kenh-thu/chi-tieu/d218/").status_code == 404


def test_a_manager_reads_them_and_cannot_post(client, demo):
    post = org_of(demo.bac_giang)
    stored = ChannelTarget.objects.get(org=post, unit=demo.bac_giang, year=2023).value
    client.force_login(demo.manager)
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        html = html_of(response)
        assert 'id="read-only"' in html and '<input type="text"' not in html
    assert number(stored) in html_of(client.get(PAGES[0]))
    cell = f"ct_{demo.bac_giang.pk}_{post.pk}"
    assert client.post(PAGES[0], {cell: "5"}).status_code == 403
    assert client.post(PAGES[1], {"action": "add"}).status_code == 403
    assert client.post(PAGES[2], {"action": "targets"}).status_code == 403
    assert ChannelTarget.objects.get(org=post, unit=demo.bac_giang, year=2023).value == stored


def test_the_channel_page_links_to_them(client, demo):
    client.force_login(demo.officer)
    html = html_of(client.get("/kenh-thu/p24/?thang=2023-05"))
    for url in ("/kenh-thu/chi-tieu/p24/?nam=2023", "/kenh-thu/diem-thu/p24/"):
        assert url in html


def _ytd(org, province, year, month):
    return (
        ChannelCount.objects.filter(
            org=org, commune__province=province, year=year, month__lte=month
        ).aggregate(n=Sum("new_participants"))["n"]
        or 0
    )


def test_a_target_set_on_the_page_gives_completion_gap_and_pace_on_the_channel_page(client, demo):
    post = org_of(demo.bac_giang)
    ytd = _ytd(post, demo.bac_giang, 2023, 5)
    assert ytd > 0
    target = 2 * ytd + 7
    client.force_login(demo.officer)
    response = client.post(
        "/kenh-thu/chi-tieu/p24/", {"nam": "2023", f"ct_{demo.bac_giang.pk}_{post.pk}": str(target)}
    )
    assert response.status_code == 302
    assert "Đã lưu chỉ tiêu kênh thu năm 2023 (1 thay đổi)" in html_of(
        client.get(response["Location"])
    )
    assert ChannelTarget.objects.get(org=post, unit=demo.bac_giang, year=2023).value == target
    assert RecomputeState.objects.get(province=demo.bac_giang, year=2023).pending
    # The worker's recompute (queued by the save) writes the target into the channel figures.
    recompute_province(province_id=demo.bac_giang.pk, year=2023)
    html = html_of(client.get("/kenh-thu/p24/?thang=2023-05"))
    gap = target - ytd
    completion = (Decimal(100 * ytd) / target).quantize(Decimal("0.01"))
    expected = "".join(
        f'<td class="num">{v}</td>'
        for v in (
            number(ytd),
            number(target),
            percent(completion),
            number(gap),
            number(math.ceil(gap / 7)),
        )
    )
    assert f'<th scope="row">{post.name}</th>{expected}' in html


def test_commune_targets_event_plans_and_the_audit(client, demo):
    post, viettel = org_of(demo.bac_giang), org_of(demo.bac_giang, OrgKind.VIETTEL)
    commune = demo.luc_nam.children.order_by("code").first()
    province_target = ChannelTarget.objects.get(org=post, unit=demo.bac_giang, year=2023)
    old = ChannelTarget.objects.filter(org=post, unit=commune, year=2023).first()
    old_value = old.value if old else None
    client.force_login(demo.officer)
    assert f'name="ct_{commune.pk}_{post.pk}"' in html_of(
        client.get("/kenh-thu/chi-tieu/p24/?nam=2023&xa=1")
    )
    response = client.post(
        "/kenh-thu/chi-tieu/p24/",
        {
            "nam": "2023",
            "xa": "1",
            f"ct_{commune.pk}_{post.pk}": "1.250",
            f"ep_{viettel.pk}_events": "12",
            f"ep_{viettel.pk}_prospects": "480",
        },
    )
    assert response.status_code == 302
    # A cell not posted is left as it is.
    assert ChannelTarget.objects.get(pk=province_target.pk).value == province_target.value
    assert ChannelTarget.objects.get(org=post, unit=commune, year=2023).value == 1250
    plan = EventPlan.objects.get(unit=demo.bac_giang, org=viettel, year=2023)
    assert (plan.events, plan.prospects, plan.updated_by) == (12, 480, demo.officer)
    changes = {
        (c.field, c.old_value, c.new_value)
        for c in TargetChange.objects.filter(changed_by=demo.officer)
    }
    assert changes == {
        ("channel_target", old_value, 1250),
        ("plan_events", None, 12),
        ("plan_prospects", None, 480),
    }
    # The province's plan is all its rows: the channel page counts Viettel's 12 with the rest.
    planned = EventPlan.objects.filter(unit=demo.bac_giang, year=2023).aggregate(n=Sum("events"))
    html = html_of(client.get("/kenh-thu/p24/?thang=2023-05"))
    assert f" / {number(planned['n'])} (" in html
    # A cell posted empty clears the target (audited); the plan's prospects alone keep events.
    response = client.post(
        "/kenh-thu/chi-tieu/p24/",
        {"nam": "2023", f"ct_{commune.pk}_{post.pk}": "", f"ep_{viettel.pk}_prospects": "500"},
    )
    assert response.status_code == 302
    assert not ChannelTarget.objects.filter(org=post, unit=commune, year=2023).exists()
    assert TargetChange.objects.filter(field="channel_target", old_value=1250, new_value=None)
    plan.refresh_from_db()
    assert (plan.events, plan.prospects) == (12, 500)


@pytest.mark.parametrize(
    "typed, message",
    [
        ("abc", "“abc” không phải số nguyên."),
        ("-5", "“-5” là số âm."),
        ("١٢", "“١٢” không phải số nguyên."),  # digits, but not ASCII ones
        ("12,5", "“12,5” không phải số nguyên."),
    ],
)
def test_a_bad_target_is_explained_and_nothing_saved(client, demo, typed, message):
    post, viettel = org_of(demo.bac_giang), org_of(demo.bac_giang, OrgKind.VIETTEL)
    before = dict(
        ChannelTarget.objects.filter(org__province=demo.bac_giang, year=2023).values_list(
            "pk", "value"
        )
    )
    client.force_login(demo.officer)
    response = client.post(
        "/kenh-thu/chi-tieu/p24/",
        {
            "nam": "2023",
            f"ct_{demo.bac_giang.pk}_{post.pk}": "4",
            f"ct_{demo.bac_giang.pk}_{viettel.pk}": typed,
        },
    )
    html = html_of(response)
    assert response.status_code == 200
    assert "Chưa lưu: có ô chưa hợp lệ" in html and message in html
    assert f'value="{typed}"' in html  # shown back as typed
    after = dict(
        ChannelTarget.objects.filter(org__province=demo.bac_giang, year=2023).values_list(
            "pk", "value"
        )
    )
    assert after == before and not TargetChange.objects.exists()


def test_another_provinces_units_and_plans_without_events_are_refused(client, demo):
    post = org_of(demo.bac_giang)
    lang_son_commune = Unit.objects.filter(province=demo.lang_son, level=Level.COMMUNE).first()
    client.force_login(demo.officer)
    response = client.post(
        "/kenh-thu/chi-tieu/p24/",
        {
            "nam": "2023",
            f"ct_{lang_son_commune.pk}_{post.pk}": "10",
            f"ct_{demo.bac_giang.pk}_{org_of(demo.lang_son).pk}": "10",
            f"ep_{post.pk}_prospects": "300",
        },
    )
    html = html_of(response)
    assert "Đơn vị không thuộc tỉnh này." in html
    assert "Tổ chức dịch vụ thu không thuộc tỉnh này." in html
    assert "Nhập số hội nghị kế hoạch" in html
    assert not ChannelTarget.objects.filter(unit=lang_son_commune, org=post).exists()
    assert not EventPlan.objects.filter(org=post).exists()
    assert not TargetChange.objects.exists()


def _point_form(org, commune, **extra):
    data = {
        "action": "add",
        "add-org": org.pk,
        "add-commune": commune.pk,
        "add-name": "Điểm thu thử",
        "add-active_from": "2026-03-01",
        "add-active_until": "",
    }
    data.update(extra)
    return data


def test_points_added_closed_and_checked(client, demo):
    viettel = org_of(demo.bac_ninh, OrgKind.VIETTEL)
    commune = (
        Unit.objects.filter(province=demo.bac_ninh, level=Level.COMMUNE)
        .exclude(collection_points__org=viettel)
        .order_by("code")
        .first()
    )
    client.force_login(demo.today_officer)
    url = "/kenh-thu/diem-thu/t24/"
    response = client.post(url, _point_form(viettel, commune))
    assert response.status_code == 302
    point = CollectionPoint.objects.get(org=viettel, commune=commune)
    assert (point.active_from, point.active_until) == (dt.date(2026, 3, 1), None)
    html = html_of(client.get(url))
    assert "Đã thêm điểm thu." in html and "Điểm thu thử" in html

    # Dates out of order, closing included.
    response = client.post(url, _point_form(viettel, commune, **{"add-active_until": "2026-02-01"}))
    assert "Ngày ngừng hoạt động (01/02/2026) không được trước ngày bắt đầu (01/03/2026)." in (
        html_of(response)
    )
    response = client.post(
        url, {"action": "close", "close-point": point.pk, "close-active_until": "2026-01-31"}
    )
    assert "không được trước ngày bắt đầu" in html_of(response)
    point.refresh_from_db()
    assert point.active_until is None

    # An old commune serves points only up to 30/06/2025.
    old_commune = demo.luc_nam.children.order_by("code").first()
    response = client.post(url, _point_form(viettel, old_commune))
    assert "không còn từ 01/07/2025" in html_of(response)
    response = client.post(
        url, _point_form(viettel, old_commune, **{"add-active_from": "2024-01-01"})
    )
    assert "chỉ còn đến 30/06/2025" in html_of(response)
    # Another province's commune or organisation is not offered.
    lang_son_commune = Unit.objects.filter(province=demo.lang_son, level=Level.COMMUNE).first()
    response = client.post(url, _point_form(viettel, lang_son_commune))
    assert 'id="e_add-commune"' in html_of(response)
    response = client.post(url, _point_form(org_of(demo.lang_son), commune))
    assert 'id="e_add-org"' in html_of(response)
    assert CollectionPoint.objects.filter(org=viettel, name="Điểm thu thử").count() == 1

    response = client.post(
        url, {"action": "close", "close-point": point.pk, "close-active_until": "2026-06-30"}
    )
    assert response.status_code == 302
    point.refresh_from_db()
    assert point.active_until == dt.date(2026, 6, 30)


def test_staff_added_assigned_and_given_targets(client, demo):
    post, viettel = org_of(demo.bac_ninh), org_of(demo.bac_ninh, OrgKind.VIETTEL)
    point = CollectionPoint.objects.filter(org=post, active_until__isnull=True).first()
    other_point = CollectionPoint.objects.filter(org=viettel, active_until__isnull=True).first()
    taken = CollectionStaff.objects.filter(org=post).first()
    url = "/kenh-thu/nhan-vien/t24/"
    client.force_login(demo.today_officer)
    add = {"action": "add", "add-org": post.pk, "add-name": "Nguyễn Thị Thử"}
    response = client.post(url, {**add, "add-code": taken.code, "add-point": point.pk})
    assert "Tổ chức đã có nhân viên thu mã này." in html_of(response)
    response = client.post(url, {**add, "add-code": "NVT-01", "add-point": other_point.pk})
    assert "Điểm thu thuộc tổ chức khác." in html_of(response)
    assert not CollectionStaff.objects.filter(code="NVT-01").exists()
    response = client.post(url, {**add, "add-code": "NVT-01", "add-point": ""})
    assert response.status_code == 302
    member = CollectionStaff.objects.get(org=post, code="NVT-01")
    assert member.point is None

    response = client.post(
        url, {"action": "assign", "assign-staff": member.pk, "assign-point": other_point.pk}
    )
    assert "Điểm thu thuộc tổ chức khác." in html_of(response)
    response = client.post(
        url, {"action": "assign", "assign-staff": member.pk, "assign-point": point.pk}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.point == point

    stored = StaffTarget.objects.filter(staff=taken, year=2026).first()
    response = client.post(
        url, {"action": "targets", "nam": "2026", f"st_{member.pk}": "120", f"st_{taken.pk}": "x"}
    )
    assert "“x” không phải số nguyên." in html_of(response)
    assert not StaffTarget.objects.filter(staff=member).exists()
    response = client.post(url, {"action": "targets", "nam": "2026", f"st_{member.pk}": "120"})
    assert response.status_code == 302
    assert StaffTarget.objects.get(staff=member, year=2026).value == 120
    # Not posted: unchanged.
    assert StaffTarget.objects.filter(staff=taken, year=2026).first() == stored
    assert TargetChange.objects.get(field="staff_target").new_value == 120
    html = html_of(client.get(url + "?nam=2026"))
    assert f'name="st_{member.pk}" value="120"' in html
