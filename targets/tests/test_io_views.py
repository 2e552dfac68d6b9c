"""The import, template and export pages: who may use them, and the upload -> preview -> import."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from targets.models import ChangeLog, MonthlyCount

HEADER = "Mã xã;Tên xã;Năm;Tháng;Số người tham gia;Phát triển mới"
TITLE_LINES = 5  # unit, period, map, generated at, by whom


def url(name, code):
    from django.urls import reverse

    return reverse(f"targets:{name}", kwargs={"code": code})


def upload(content: bytes, name="so-lieu.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def june_file(demo, *, bad_line=False):
    may = {
        c.commune_id: c.participants
        for c in MonthlyCount.objects.filter(commune__district=demo.luc_nam, year=2023, month=5)
    }
    lines = [HEADER]
    for i, commune in enumerate(demo.luc_nam.children.order_by("code")[:4]):
        value = f"{may[commune.pk] + 5}" if not (bad_line and i == 2) else "mười"
        lines.append(f"{commune.code};{commune.full_name};2023;6;{value};15")
    return ("\ufeff" + "\r\n".join(lines)).encode()


PAGES = [
    ("import_counts", "d218"),
    ("counts_template", "d218"),
    ("counts_export", "d218"),
    ("import_targets", "p24"),
    ("targets_template", "p24"),
    ("export", "p24"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("name,code", PAGES)
def test_anonymous_users_are_sent_to_sign_in(client, demo, name, code):
    response = client.get(url(name, code))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username,name,code,status",
    [
        ("clerk", "import_counts", "d218", 200),
        ("clerk", "counts_template", "d218", 200),
        ("neighbour_clerk", "import_counts", "d218", 404),  # another district of the province
        ("other_clerk", "import_counts", "d218", 404),  # another province
        ("officer", "import_counts", "d218", 403),  # sees Lục Nam, does not enter its counts
        ("officer", "counts_template", "d218", 200),  # but reads its figures
        ("clerk", "counts_export", "d218", 200),
        ("manager", "counts_export", "d218", 200),
        ("neighbour_clerk", "counts_export", "d218", 404),
        ("clerk", "counts_export", "p24", 404),  # an old province has no entry grid
        ("officer", "import_targets", "p24", 200),
        ("officer", "targets_template", "p24", 200),
        ("officer", "import_targets", "d218", 200),
        ("manager", "import_targets", "p24", 403),
        ("clerk", "import_targets", "p24", 404),
        ("other_officer", "import_targets", "p24", 404),
        ("other_officer", "targets_template", "p24", 404),
        ("manager", "export", "p24", 200),
        ("national", "export", "p24", 200),
        ("clerk", "export", "d218", 200),
        ("clerk", "export", "p24", 404),
        ("other_officer", "export", "p24", 404),
        ("nobody", "export", "p24", 404),
    ],
)
def test_who_may_use_which_page(client, demo, username, name, code, status):
    client.force_login(getattr(demo, username))
    assert client.get(url(name, code)).status_code == status


@pytest.mark.django_db
def test_the_pickers_send_values_the_views_read(client, demo):
    # Years must not come out as "2.023" (USE_THOUSAND_SEPARATOR) in option values.
    client.force_login(demo.clerk)
    assert 'value="2023-06"' in client.get(url("import_counts", "d218")).content.decode()
    client.force_login(demo.officer)
    html = client.get(url("import_targets", "p24")).content.decode()
    assert 'name="nam"><option value="20' in html.replace("\n", "")
    html = client.get(url("export", "p24")).content.decode()
    assert '<option value="2023">2023</option>' in html


@pytest.mark.django_db
def test_the_counts_template_lists_the_districts_communes(client, demo):
    client.force_login(demo.clerk)
    response = client.get(url("counts_template", "d218") + "?thang=2023-06&dinh_dang=xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="mau-so-lieu-d218-2023-06.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))[TITLE_LINES:]
    assert rows[0] == ("Mã xã", "Tên xã", "Năm", "Tháng", "Số người tham gia", "Phát triển mới")
    communes = list(demo.luc_nam.children.order_by("code"))
    assert [r[0] for r in rows[1:]] == [c.code for c in communes]
    assert rows[1][1:4] == (communes[0].full_name, 2023, 6)
    assert rows[1][4] is None  # June not entered yet: blank to fill in


@pytest.mark.django_db
def test_the_targets_template_lists_the_units_the_officer_sets(client, demo):
    client.force_login(demo.officer)
    response = client.get(url("targets_template", "p24") + "?nam=2023")
    text = response.content.decode("utf-8-sig").splitlines()[TITLE_LINES:]
    assert text[0].startswith("Cấp;Mã đơn vị;Tên đơn vị;Năm;")
    assert text[1].startswith("Huyện;")  # districts then communes; not the province itself
    assert any(line.startswith("Xã;") for line in text)
    assert not any(line.startswith("Tỉnh;") for line in text)


@pytest.mark.django_db
def test_upload_a_bad_file_see_the_row_then_import_the_fixed_file(client, demo):
    client.force_login(demo.clerk)
    page = url("import_counts", "d218")
    response = client.post(page, {"file": upload(june_file(demo, bad_line=True)), "preview": "1"})
    html = response.content.decode()
    assert "“mười” không phải số nguyên" in html
    assert 'id="line-4" data-status="error"' in html
    assert "commit-form" not in html
    assert not MonthlyCount.objects.filter(year=2023, month=6).exists()

    response = client.post(page, {"file": upload(june_file(demo)), "preview": "1"})
    assert response.context["preview"].summary["ok"] == 4
    token = response.context["token"]
    response = client.post(page, {"token": token, "commit": "1"})
    assert response.status_code == 302
    assert response["Location"] == url("counts", "d218") + "?thang=2023-06"
    assert MonthlyCount.objects.filter(year=2023, month=6).count() == 4
    assert ChangeLog.objects.filter(source="import", month=6).count() == 8
    follow = client.get(response["Location"])
    assert "Đã nhập tệp so-lieu.csv: 4 dòng được ghi, 0 dòng không đổi." in follow.content.decode()


@pytest.mark.django_db
def test_a_preview_cannot_be_imported_by_someone_else(client, demo):
    client.force_login(demo.clerk)
    page = url("import_counts", "d218")
    token = client.post(page, {"file": upload(june_file(demo)), "preview": "1"}).context["token"]
    from provinces.models import Profile, Role

    other = demo.nobody
    Profile.objects.create(user=other, role=Role.DISTRICT_STAFF, unit=demo.luc_nam)
    client.force_login(other)
    response = client.post(page, {"token": token, "commit": "1"})
    assert response.status_code == 400
    assert "Bản xem trước đã hết hạn" in response.content.decode()
    assert not MonthlyCount.objects.filter(year=2023, month=6).exists()


@pytest.mark.django_db
def test_a_file_in_another_encoding_shows_one_message(client, demo):
    client.force_login(demo.clerk)
    data = "Ma xa;Ten xa;Nam;Thang;So nguoi tham gia\r\n1;Đông Hưng;2023;6;5\r\n".encode("cp1258")
    response = client.post(url("import_counts", "d218"), {"file": upload(data), "preview": "1"})
    html = response.content.decode()
    assert html.count("không được mã hóa UTF-8") == 1
    assert "preview-summary" not in html


@pytest.mark.django_db
def test_export_downloads_counts_and_targets(client, demo):
    client.force_login(demo.manager)
    response = client.get(
        url("export", "d218") + "?loai=so-lieu&tu_nam=2023&den_nam=2023&dinh_dang=csv"
    )
    assert response["Content-Disposition"] == 'attachment; filename="so-lieu-d218-2023.csv"'
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == TITLE_LINES + 1 + 24 * 5
    response = client.get(
        url("export", "p24") + "?loai=chi-tieu&tu_nam=2022&den_nam=2023&dinh_dang=xlsx"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))[TITLE_LINES:]
    assert rows[1] == ("Tỉnh", "24", "Tỉnh Bắc Giang", 2022, 42000, None, 12)
    assert rows[2] == ("Tỉnh", "24", "Tỉnh Bắc Giang", 2023, 52139, 14500, 10)


@pytest.mark.django_db
def test_a_districts_grid_exports_the_same_counts_as_its_unit(client, demo):
    client.force_login(demo.clerk)
    grid = client.get(url("counts", "d218") + "?thang=2023-06").content.decode()
    assert f'href="{url("counts_export", "d218")}"' in grid and 'id="import-link"' in grid
    query = "?loai=so-lieu&tu_nam=2023&den_nam=2023&dinh_dang=csv"
    from_grid = client.get(url("counts_export", "d218") + query)
    assert from_grid["Content-Disposition"] == 'attachment; filename="so-lieu-d218-2023.csv"'
    from_unit = client.get(url("export", "d218") + query)
    assert (
        from_grid.content.splitlines()[TITLE_LINES:] == from_unit.content.splitlines()[TITLE_LINES:]
    )
