"""A district clerk uploads a file with one bad row, sees why, fixes it and imports it; grassroots
office staff do the same with their office's template on today's map."""

import pytest

from conftest import login, screenshot
from provinces.tests.offices_world import PASSWORD
from targets.models import ChangeLog, MonthlyCount

HEADER = "Mã xã;Tên xã;Năm;Tháng;Số người tham gia;Phát triển mới"


def write_file(path, demo, *, bad: bool):
    may = {
        c.commune_id: c.participants
        for c in MonthlyCount.objects.filter(commune__district=demo.luc_nam, year=2023, month=5)
    }
    lines = [HEADER]
    for i, commune in enumerate(demo.luc_nam.children.order_by("code")[:5]):
        value = f"{may[commune.pk] + 4:,}".replace(",", ".")  # written the Vietnamese way
        if bad and i == 2:
            value = "12,5"
        lines.append(f"{int(commune.code)};{commune.full_name};2023;6;{value};9")
    path.write_text("\r\n".join(lines), encoding="utf-8-sig")
    return path


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_upload_see_the_bad_row_fix_the_file_and_import(page, demo, tmp_path):
    login(page, "lucnam", demo.password)
    page.goto(page.live_server.url + "/nhap-lieu/so-lieu/d218/?thang=2023-06")
    page.click("#import-link")
    page.wait_for_load_state("networkidle")
    assert "Nhập số liệu tháng từ tệp" in page.locator("h1").inner_text()

    page.set_input_files("#id_file", str(write_file(tmp_path / "thang6.csv", demo, bad=True)))
    page.click("#upload-form [type=submit]")
    page.wait_for_load_state("networkidle")
    bad_row = page.locator("#line-4")
    assert bad_row.get_attribute("data-status") == "error"
    assert "“12,5” không phải số nguyên" in bad_row.inner_text()
    assert page.locator("tr[data-status=ok]").count() == 4
    assert "Tệp có lỗi nên chưa thể nhập" in page.locator("#preview-errors").inner_text()
    assert page.locator("#commit-form").count() == 0
    screenshot(page, "import-preview-with-error")
    assert not MonthlyCount.objects.filter(year=2023, month=6).exists()

    page.set_input_files("#id_file", str(write_file(tmp_path / "thang6.csv", demo, bad=False)))
    page.click("#upload-form [type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("tr[data-status=ok]").count() == 5
    screenshot(page, "import-preview-fixed")
    page.click("#commit-form [type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/nhap-lieu/so-lieu/d218/?thang=2023-06")
    assert "Đã nhập tệp thang6.csv: 5 dòng được ghi" in page.locator(".messages").inner_text()
    screenshot(page, "import-done")
    assert MonthlyCount.objects.filter(year=2023, month=6).count() == 5
    assert ChangeLog.objects.filter(source="import").count() == 10


def write_office_file(path, communes):
    lines = [HEADER] + [
        f"{c.code};{c.full_name};2026;11;{1000 + i};7" for i, c in enumerate(communes)
    ]
    path.write_text("\r\n".join(lines), encoding="utf-8-sig")
    return path


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_office_staff_import_their_offices_file_after_a_refused_row(page, offices, tmp_path):
    mine, theirs = offices.communes[:3], offices.communes[10]  # office 02's
    login(page, "coso1", PASSWORD)
    page.goto(page.live_server.url + f"/nhap-lieu/so-lieu/{offices.office_a.url_code}/")
    page.click("#import-link")
    page.wait_for_load_state("networkidle")
    assert "BHXH cơ sở Một" in page.locator("h1").inner_text()
    # what the template form sends (a download aborts the navigation, which the page fixture
    # counts as a failed request: fetch it in the same signed-in context instead)
    form = page.locator("#template-form")
    month = page.locator("#id_tpl_thang").input_value()
    assert month == "2026-11"
    template = page.request.get(
        page.live_server.url + form.get_attribute("action") + f"?thang={month}&dinh_dang=csv"
    )
    lines = template.text().lstrip("\ufeff").splitlines()[5:]  # past the title block
    assert [line.split(";")[0] for line in lines[1:]] == [c.code for c in offices.communes[:10]]

    page.set_input_files("#id_file", str(write_office_file(tmp_path / "t11.csv", [*mine, theirs])))
    page.click("#upload-form [type=submit]")
    page.wait_for_load_state("networkidle")
    refused = page.locator("#line-5")
    assert refused.get_attribute("data-status") == "error"
    assert "không thuộc các xã của trang này (BHXH cơ sở Một)" in refused.inner_text()
    assert page.locator("#commit-form").count() == 0
    screenshot(page, "office-import-refused")

    page.set_input_files("#id_file", str(write_office_file(tmp_path / "t11.csv", mine)))
    page.click("#upload-form [type=submit]")
    page.wait_for_load_state("networkidle")
    page.click("#commit-form [type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/nhap-lieu/so-lieu/{offices.office_a.url_code}/?thang=2026-11")
    assert "Đã nhập tệp t11.csv: 3 dòng được ghi" in page.locator(".messages").inner_text()
    assert page.locator(f"#p_{mine[2].pk}").input_value() == "1002"
    assert not MonthlyCount.objects.filter(commune=theirs).exists()
    assert MonthlyCount.objects.filter(year=2026, month=11).count() == 3
    assert ChangeLog.objects.filter(source="import", changed_by=offices.staff_a).count() == 6


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("fmt", "separator"), [("csv", "phay"), ("xlsx", "cham-phay")])
def test_an_exported_file_imports_back_through_the_page(page, demo, tmp_path, fmt, separator):
    login(page, "lucnam", demo.password)
    page.goto(page.live_server.url + "/nhap-lieu/xuat/so-lieu/d218/")
    page.select_option("#id_tu_nam", "2023")
    page.select_option("#id_den_nam", "2023")
    page.select_option("#id_tach", separator)
    screenshot(page, "export-form")
    # What the form's button sends (a download aborts the navigation, which the page fixture
    # counts as a failed request: fetch it in the same signed-in context instead).
    query = page.evaluate(
        "() => new URLSearchParams(new FormData(document.querySelector('#export-form'))).toString()"
    )
    response = page.request.get(page.url.split("?")[0] + f"?{query}&dinh_dang={fmt}")
    assert response.ok
    path = tmp_path / f"xuat.{fmt}"
    path.write_bytes(response.body())
    if fmt == "csv":
        assert response.body().startswith("\ufeff".encode())
        assert "Mã xã,Tên xã,Năm" in response.text()

    page.goto(page.live_server.url + "/nhap-lieu/nhap-tep/so-lieu/d218/")
    page.set_input_files("#id_file", str(path))
    page.click("#upload-form [type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#preview-errors").count() == 0
    assert "120 dòng không đổi" in page.locator("#preview-summary").inner_text()
    assert page.locator("#nothing-to-write").count() == 1
    screenshot(page, f"import-back-{fmt}")
