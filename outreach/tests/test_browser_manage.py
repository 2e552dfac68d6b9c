"""A provincial officer of today's Bắc Ninh sets an organisation's target and opens a collection
point from the channel page, in a real browser, then sees both on the channel page; the network
pages pass axe (WCAG 2.1 AA) as they are."""

import math

import pytest
from django.db.models import Sum

from bhxh_dashboard.formatting import number
from conftest import login, screenshot
from outreach.models import ChannelCount, CollectionPoint, OrgKind
from outreach.tests.conftest import org_of
from progress.services import recompute_province
from provinces.models import Level, Unit
from tests.test_accessibility import _axe_path, _check


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_officer_sets_a_target_and_opens_a_point_then_sees_them_on_the_channel_page(page, demo):
    viettel = org_of(demo.bac_ninh, OrgKind.VIETTEL)
    commune = (
        Unit.objects.filter(province=demo.bac_ninh, level=Level.COMMUNE)
        .exclude(collection_points__org=viettel)
        .order_by("code")
        .first()
    )
    page.context.add_init_script(path=str(_axe_path()))
    base = page.live_server.url
    login(page, "bacninh", demo.password)
    page.goto(base + "/kenh-thu/t24/")
    row = page.locator("#network-table tr", has_text=viettel.name)
    points_before = int(row.locator("td").first.inner_text())

    page.locator("#network-links").get_by_role("link", name="Chỉ tiêu kênh thu").click()
    page.wait_for_load_state("networkidle")
    assert "Chỉ tiêu kênh thu năm 2026" in page.locator("h1").inner_text()
    cell = f"#ct_{demo.bac_ninh.pk}_{viettel.pk}"
    page.fill(cell, "9.999x")
    page.get_by_role("button", name="Lưu chỉ tiêu kênh thu").click()
    page.wait_for_load_state("networkidle")
    assert (
        "“9.999x” không phải số nguyên."
        in page.locator(f"#e_ct_{demo.bac_ninh.pk}_{viettel.pk}").inner_text()
    )
    screenshot(page, "manage-1-target-refused")
    ytd = ChannelCount.objects.filter(
        org=viettel, commune__province=demo.bac_ninh, year=2026, month__lte=11
    ).aggregate(n=Sum("new_participants"))["n"]
    target = 2 * ytd
    page.fill(cell, str(target))
    page.get_by_role("button", name="Lưu chỉ tiêu kênh thu").click()
    page.wait_for_load_state("networkidle")
    assert (
        "Đã lưu chỉ tiêu kênh thu năm 2026 (1 thay đổi)" in page.locator(".messages").inner_text()
    )
    _check(page, "channel targets", found := {})

    page.locator(".network-nav").get_by_role("link", name="Điểm thu", exact=True).click()
    page.wait_for_load_state("networkidle")
    page.select_option("#id_add-org", str(viettel.pk))
    page.select_option("#id_add-commune", str(commune.pk))
    page.fill("#id_add-name", "Điểm thu Viettel mới")
    page.fill("#id_add-active_from", "2026-11-01")
    page.get_by_role("button", name="Thêm điểm thu").click()
    page.wait_for_load_state("networkidle")
    assert "Đã thêm điểm thu." in page.locator(".messages").inner_text()
    assert "Điểm thu Viettel mới" in page.locator("#points-table").inner_text()
    assert CollectionPoint.objects.filter(org=viettel, commune=commune).count() == 1
    _check(page, "collection points", found)
    page.locator(".network-nav").get_by_role("link", name="Nhân viên thu", exact=True).click()
    page.wait_for_load_state("networkidle")
    _check(page, "collection staff", found)

    # The worker's recompute, queued by the save (no worker runs beside the browser tests).
    recompute_province(province_id=demo.bac_ninh.pk, year=2026)
    page.goto(base + "/kenh-thu/t24/")
    row = page.locator("#org-targets tr", has_text=viettel.name)
    cells = row.locator("td").all_inner_texts()
    gap = target - ytd
    assert cells[:4] == [number(ytd), number(target), "50,00%", number(gap)]
    assert cells[4] == number(math.ceil(gap / 1))  # December is the only month left
    row = page.locator("#network-table tr", has_text=viettel.name)
    assert int(row.locator("td").first.inner_text()) == points_before + 1
    screenshot(page, "manage-2-channel-page")
    assert not found, found
