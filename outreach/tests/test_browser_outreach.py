"""District staff split a month's new participants by channel and record an event, in a real
browser: one sum too high (the message names both numbers), the fix, the save; an event with
more sign-ups than attendees, the fix."""

import pytest

from conftest import login, screenshot
from outreach.models import ChannelCount, OrgKind, OutreachEvent
from outreach.tests.conftest import org_of
from targets.services import counts_save
from targets.tests.conftest import june_entries


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_district_staff_enter_a_month_of_channels_and_an_event(page, demo):
    assert counts_save(
        user=demo.clerk, year=2023, month=6, entries=june_entries(demo.luc_nam)
    ).saved  # each commune: 15 new participants in June
    post, bhxh = org_of(demo.bac_giang), org_of(demo.bac_giang, OrgKind.BHXH)
    a, b = list(demo.luc_nam.children.order_by("code"))[:2]

    login(page, "lucnam", demo.password)
    page.goto(page.live_server.url + "/kenh-thu/nhap/d218/?thang=2023-06")
    assert "tháng 06/2023" in page.locator("h1").inner_text()
    page.fill(f"#c_{a.pk}_{post.pk}", "9")
    page.fill(f"#c_{a.pk}_{bhxh.pk}", "3")
    page.fill(f"#c_{b.pk}_{post.pk}", "20")
    page.get_by_role("button", name="Lưu cả bảng").click()
    page.wait_for_load_state("networkidle")
    assert "Chưa lưu: 1 xã có lỗi" in page.locator("#grid-errors").inner_text()
    assert page.locator(f"#e_{b.pk}").inner_text() == (
        "Các kênh cộng lại 20 người, nhiều hơn số phát triển mới của xã trong tháng (15 người)."
    )
    assert page.locator(f"#c_{a.pk}_{post.pk}").input_value() == "9"  # kept as typed
    assert not ChannelCount.objects.filter(year=2023, month=6).exists()
    screenshot(page, "outreach-1-channels-too-many")

    page.fill(f"#c_{b.pk}_{post.pk}", "10")
    page.get_by_role("button", name="Lưu cả bảng").click()
    page.wait_for_load_state("networkidle")
    assert "Đã lưu phân bổ theo kênh tháng 06/2023" in page.locator(".messages").inner_text()
    assert page.locator(f'[data-not-attributed="{a.pk}"]').inner_text() == "3"
    assert page.locator(f'[data-not-attributed="{b.pk}"]').inner_text() == "5"
    assert ChannelCount.objects.filter(year=2023, month=6).count() == 3
    screenshot(page, "outreach-2-channels-saved")

    page.get_by_role("link", name="Hội nghị, sự kiện tuyên truyền").click()
    page.wait_for_load_state("networkidle")
    page.select_option("#id_commune", str(a.pk))
    page.select_option("#id_organiser", str(post.pk))
    page.select_option("#id_kind", "customer")
    page.fill("#id_held_on", "2023-06-10")
    page.fill("#id_attendees", "80")
    page.fill("#id_sign_ups", "90")
    page.get_by_role("button", name="Ghi hội nghị").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#e_sign_ups").inner_text() == (
        "Số người đăng ký tại chỗ (90) không thể lớn hơn số người dự (80)."
    )
    page.fill("#id_sign_ups", "12")
    page.get_by_role("button", name="Ghi hội nghị").click()
    page.wait_for_load_state("networkidle")
    assert "Đã ghi hội nghị." in page.locator(".messages").inner_text()
    row = page.locator("#events-table tbody tr", has_text="10/06/2023").first.inner_text()
    assert "80" in row and "12" in row and "15,00%" in row  # 12 of 80 signed up
    assert OutreachEvent.objects.filter(commune=a, attendees=80, sign_ups=12).exists()
    screenshot(page, "outreach-3-event-recorded")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_district_staff_import_a_file_of_channels_and_see_it_on_the_grid(page, demo, tmp_path):
    assert counts_save(
        user=demo.clerk, year=2023, month=6, entries=june_entries(demo.luc_nam)
    ).saved  # each commune: 15 new participants in June
    post, bhxh = org_of(demo.bac_giang), org_of(demo.bac_giang, OrgKind.BHXH)
    a, b = list(demo.luc_nam.children.order_by("code"))[:2]

    def write(path, b_post: int):
        lines = ["Mã xã;Tên xã;Năm;Tháng;Tổ chức;Phát triển mới"] + [
            f"{c.code};{c.full_name};2023;6;{org};{n}"
            for c, org, n in ((a, post.name, 9), (a, "bhxh tinh bac giang (thu truc tiep)", 3))
            + ((b, post.name, b_post),)
        ]
        path.write_text("\r\n".join(lines), encoding="utf-8-sig")
        return str(path)

    from tests.test_accessibility import AXE_TAGS, RUN_AXE, _axe_path

    page.context.add_init_script(path=str(_axe_path()))
    login(page, "lucnam", demo.password)
    page.goto(page.live_server.url + "/kenh-thu/nhap/d218/?thang=2023-06")
    page.click("#import-link")
    page.wait_for_load_state("networkidle")
    assert "Nhập phân bổ theo kênh từ tệp" in page.locator("h1").inner_text()
    assert page.evaluate(RUN_AXE, AXE_TAGS) == []  # WCAG 2.1 AA, as every page

    page.set_input_files("#id_file", write(tmp_path / "kenh-t6.csv", b_post=20))
    page.click("#upload-form [type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#line-4").get_attribute("data-status") == "error"
    assert (
        "Các kênh cộng lại 20 người, nhiều hơn số phát triển mới của xã trong tháng (15 người)."
        in page.locator("#line-4").inner_text()
    )
    assert page.locator("#commit-form").count() == 0
    assert not ChannelCount.objects.filter(year=2023, month=6).exists()
    screenshot(page, "outreach-4-import-refused")
    assert page.evaluate(RUN_AXE, AXE_TAGS) == []

    page.set_input_files("#id_file", write(tmp_path / "kenh-t6.csv", b_post=10))
    page.click("#upload-form [type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("tr[data-status=new]").count() == 3
    assert page.locator("#line-3").inner_text().count(bhxh.name) == 1  # the name as stored
    screenshot(page, "outreach-5-import-preview")
    page.click("#commit-form [type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/kenh-thu/nhap/d218/?thang=2023-06")
    assert "Đã nhập tệp kenh-t6.csv: 3 dòng được ghi" in page.locator(".messages").inner_text()
    assert page.locator(f"#c_{a.pk}_{post.pk}").input_value() == "9"
    assert page.locator(f"#c_{a.pk}_{bhxh.pk}").input_value() == "3"
    assert page.locator(f"#c_{b.pk}_{post.pk}").input_value() == "10"
    assert page.locator(f'[data-not-attributed="{a.pk}"]').inner_text() == "3"
    assert page.locator(f'[data-not-attributed="{b.pk}"]').inner_text() == "5"
    screenshot(page, "outreach-6-import-on-the-grid")
    assert ChannelCount.objects.filter(year=2023, month=6).count() == 3
