"""Counts files on today's map: the template, import and export of a grassroots office's grid
and of the communes a province serves itself (offices_world: office 01 serves Bắc Ninh's first
10 communes, office 02 the next 10, the province the other 79; November 2026 is reopened)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from targets.models import ChangeLog, MonthlyCount

pytestmark = pytest.mark.django_db

HEADER = "Mã xã;Tên xã;Năm;Tháng;Số người tham gia;Phát triển mới"
NOV = "2026-11"

TITLE_LINES = 5  # unit, period, map, generated at, by whom


def url(name, code):
    return reverse(f"targets:{name}", kwargs={"code": code})


def as_user(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client


def november_file(communes, *, start=1000) -> SimpleUploadedFile:
    lines = [HEADER] + [
        f"{c.code};{c.full_name};2026;11;{start + i};7" for i, c in enumerate(communes)
    ]
    data = ("\ufeff" + "\r\n".join(lines)).encode()
    return SimpleUploadedFile("thang11.csv", data, content_type="text/csv")


def preview_then_import(client, page, upload):
    """Upload for the preview, then press "Import" with its token: the import's response."""
    response = client.post(page, {"file": upload, "preview": "1"})
    assert response.status_code == 200
    assert not response.context["preview"].has_errors, response.context["preview"].rows
    return client.post(page, {"token": response.context["token"], "commit": "1"})


def out_of_page_message(commune, group_name):
    return (
        f"{commune.full_name} (mã {commune.code}) không thuộc các xã của trang này "
        f"({group_name}); hãy nhập xã này ở trang của đơn vị phục vụ xã."
    )


# --- the template -------------------------------------------------------------------------------


def test_office_staff_download_a_template_of_their_offices_communes(client, offices):
    code = offices.office_a.url_code
    MonthlyCount.objects.create(commune=offices.communes[1], year=2026, month=11, participants=88)
    response = as_user(client, offices.staff_a).get(
        url("counts_template", code) + f"?thang={NOV}&dinh_dang=xlsx"
    )
    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == f'attachment; filename="mau-so-lieu-{code}-2026-11.xlsx"'
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))[
        TITLE_LINES:
    ]
    assert rows[0] == ("Mã xã", "Tên xã", "Năm", "Tháng", "Số người tham gia", "Phát triển mới")
    mine = offices.communes[:10]
    assert [r[0] for r in rows[1:]] == [c.code for c in mine]  # today's codes, this office's only
    assert rows[1][1:5] == (mine[0].full_name, 2026, 11, None)  # blank to fill in
    assert rows[2][4] == 88  # as stored


def test_the_self_served_template_lists_the_communes_no_office_serves(client, offices):
    response = as_user(client, offices.officer).get(url("counts_template", "t24") + f"?thang={NOV}")
    lines = response.content.decode("utf-8-sig").splitlines()[TITLE_LINES:]
    assert [line.split(";")[0] for line in lines[1:]] == [c.code for c in offices.communes[20:]]


def test_a_template_for_a_month_before_the_reform_is_for_the_grids_month(client, offices):
    # today's communes have no June 2025: the template is for the month the grid opens on
    response = as_user(client, offices.staff_a).get(
        url("counts_template", offices.office_a.url_code) + "?thang=2025-06"
    )
    assert "2026-11.csv" in response["Content-Disposition"]


# --- the import ---------------------------------------------------------------------------------


def test_office_staff_import_a_file_for_their_offices_communes(client, offices):
    mine = offices.communes[:10]
    page = url("import_counts", offices.office_a.url_code)
    html = as_user(client, offices.staff_a).get(page).content.decode()
    assert "Tệp mẫu liệt kê sẵn các xã của BHXH cơ sở Một" in html
    assert f'value="{NOV}"' in html
    response = preview_then_import(client, page, november_file(mine))
    assert response.status_code == 302
    assert response["Location"] == url("counts", offices.office_a.url_code) + f"?thang={NOV}"
    saved = MonthlyCount.objects.filter(year=2026, month=11)
    assert {c.commune_id: c.participants for c in saved} == {
        c.pk: 1000 + i for i, c in enumerate(mine)
    }
    assert ChangeLog.objects.filter(source="import", changed_by=offices.staff_a).count() == 20
    follow = client.get(response["Location"]).content.decode()
    assert "Đã nhập tệp thang11.csv: 10 dòng được ghi, 0 dòng không đổi." in follow


def test_another_offices_commune_is_refused_and_nothing_is_saved(client, offices):
    theirs = offices.communes[10]  # office 02's
    page = url("import_counts", offices.office_a.url_code)
    response = as_user(client, offices.staff_a).post(
        page, {"file": november_file([offices.communes[0], theirs]), "preview": "1"}
    )
    html = response.content.decode()
    assert 'id="line-3" data-status="error"' in html
    (row,) = [r for r in response.context["preview"].rows if r.errors]
    assert row.errors == [out_of_page_message(theirs, "BHXH cơ sở Một")]
    assert "commit-form" not in html
    # A file with errors is not kept: pressing "Import" anyway finds nothing to import.
    assert response.context["token"] == ""
    response = client.post(page, {"token": response.context["token"], "commit": "1"})
    assert response.status_code == 400
    assert not MonthlyCount.objects.exists() and not ChangeLog.objects.exists()


def test_the_officer_imports_the_communes_the_province_serves_itself(client, offices):
    own = offices.communes[20:23]
    page = url("import_counts", "t24")
    as_user(client, offices.officer)
    html = client.get(page).content.decode()
    assert "Xã do BHXH Bắc Ninh phục vụ" in html
    response = preview_then_import(client, page, november_file(own, start=2000))
    assert response["Location"] == url("counts", "t24") + f"?thang={NOV}"
    assert sorted(
        MonthlyCount.objects.filter(year=2026, month=11).values_list("participants", flat=True)
    ) == [2000, 2001, 2002]
    assert ChangeLog.objects.filter(source="import", changed_by=offices.officer).count() == 6

    # an office's commune is not the province's to import, even for its officer
    office_commune = offices.communes[0]
    response = client.post(page, {"file": november_file([office_commune]), "preview": "1"})
    (row,) = response.context["preview"].rows
    assert row.errors == [out_of_page_message(office_commune, "Xã do BHXH Bắc Ninh phục vụ")]


def test_an_old_code_on_an_office_page_still_names_its_successors(client, offices):
    from targets.tests.test_imports_reform import retired_commune

    old = retired_commune()
    lines = f"{HEADER}\r\n{old.code};;2026;11;120;3\r\n".encode()
    response = as_user(client, offices.staff_a).post(
        url("import_counts", offices.office_a.url_code),
        {"file": SimpleUploadedFile("x.csv", lines), "preview": "1"},
    )
    (row,) = response.context["preview"].rows
    (message,) = row.errors
    assert "không còn từ 01/07/2025, nay thuộc" in message and message.endswith("Hãy dùng mã mới.")


def test_a_preview_of_one_grid_cannot_be_imported_on_another(client, offices):
    # the officer previews on the self-served page, then replays the token on an office's page
    # (a superuser may enter both): the token is bound to the page it was made on
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", password="pw")
    as_user(client, root)
    response = client.post(
        url("import_counts", "t24"),
        {"file": november_file(offices.communes[20:21]), "preview": "1"},
    )
    response = client.post(
        url("import_counts", offices.office_a.url_code),
        {"token": response.context["token"], "commit": "1"},
    )
    assert response.status_code == 400
    assert not MonthlyCount.objects.exists()


# --- the export ---------------------------------------------------------------------------------


def test_an_offices_export_imports_back_unchanged(client, offices):
    mine, theirs = offices.communes[:3], offices.communes[10]
    for i, commune in enumerate([*mine, theirs]):
        MonthlyCount.objects.create(
            commune=commune, year=2026, month=10, participants=500 + i, new_participants=4
        )
    code = offices.office_a.url_code
    as_user(client, offices.staff_a)
    assert 'name="loai" value="so-lieu"' in client.get(url("counts_export", code)).content.decode()
    response = client.get(
        url("counts_export", code) + "?loai=so-lieu&tu_nam=2025&den_nam=2026&dinh_dang=xlsx"
    )
    assert (
        response["Content-Disposition"] == f'attachment; filename="so-lieu-{code}-2025-2026.xlsx"'
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))[
        TITLE_LINES:
    ]
    assert rows[1:] == [(c.code, c.full_name, 2026, 10, 500 + i, 4) for i, c in enumerate(mine)]

    upload = SimpleUploadedFile("xuat.xlsx", response.content)
    response = client.post(url("import_counts", code), {"file": upload, "preview": "1"})
    assert response.context["preview"].summary["unchanged"] == 3
    assert 'id="nothing-to-write"' in response.content.decode()


def test_the_self_served_export_holds_only_the_provinces_own_communes(client, offices):
    MonthlyCount.objects.create(commune=offices.communes[0], year=2026, month=10, participants=11)
    MonthlyCount.objects.create(commune=offices.communes[30], year=2026, month=10, participants=22)
    response = as_user(client, offices.officer).get(
        url("counts_export", "t24") + "?loai=so-lieu&tu_nam=2026&den_nam=2026"
    )
    lines = response.content.decode("utf-8-sig").splitlines()[TITLE_LINES:]
    assert [line.split(";")[0] for line in lines[1:]] == [offices.communes[30].code]


# --- who may use them ---------------------------------------------------------------------------

OK, FORBIDDEN, NOT_FOUND = 200, 403, 404
# (who, grid) -> (template, import, export); "a" is office 01's grid, "own" the self-served one.
ACCESS = {
    ("staff_a", "a"): (OK, OK, OK),
    ("staff_b", "a"): (FORBIDDEN, FORBIDDEN, FORBIDDEN),  # another office of the province
    ("staff_a", "own"): (FORBIDDEN, FORBIDDEN, FORBIDDEN),
    ("officer", "own"): (OK, OK, OK),
    ("officer", "a"): (OK, FORBIDDEN, OK),  # reads every office's, enters none
    ("manager", "a"): (OK, FORBIDDEN, OK),
    ("other_officer", "a"): (NOT_FOUND, NOT_FOUND, NOT_FOUND),  # another province
    ("other_officer", "own"): (NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ("district_staff", "a"): (NOT_FOUND, NOT_FOUND, NOT_FOUND),  # old Lục Nam
    ("nobody", "own"): (NOT_FOUND, NOT_FOUND, NOT_FOUND),
}
PAGES = ("counts_template", "import_counts", "counts_export")


def grid_code(offices, grid):
    return offices.office_a.url_code if grid == "a" else "t24"


@pytest.mark.parametrize("grid", ["a", "own"])
def test_anonymous_users_are_sent_to_sign_in(client, offices, grid):
    for name in PAGES:
        page = url(name, grid_code(offices, grid))
        for response in (client.get(page), client.post(page, {"preview": "1"})):
            assert response.status_code == 302, name
            assert response["Location"].startswith("/accounts/login/"), name


@pytest.mark.parametrize("who,grid", list(ACCESS))
def test_each_role_gets_exactly_its_access_to_the_files(client, offices, who, grid):
    as_user(client, getattr(offices, who))
    code = grid_code(offices, grid)
    for name, status in zip(PAGES, ACCESS[(who, grid)], strict=True):
        assert client.get(url(name, code)).status_code == status, name
    import_status = ACCESS[(who, grid)][1]
    upload = november_file(offices.communes[:1] if grid == "a" else offices.communes[20:21])
    response = client.post(url("import_counts", code), {"file": upload, "preview": "1"})
    assert response.status_code == import_status
    assert not MonthlyCount.objects.exists()


@pytest.mark.parametrize(
    "who,grid,links",
    [
        ("staff_a", "a", {"import-link", "export-link"}),
        ("staff_b", "a", set()),
        ("officer", "a", {"export-link"}),
        ("officer", "own", {"import-link", "export-link"}),
        ("manager", "own", {"export-link"}),
    ],
)
def test_each_grid_offers_the_files_its_user_may_use(client, offices, who, grid, links):
    code = grid_code(offices, grid)
    html = as_user(client, getattr(offices, who)).get(url("counts", code)).content.decode()
    assert {link for link in ("import-link", "export-link") if f'id="{link}"' in html} == links
    if "import-link" in links:
        assert f'href="{url("import_counts", code)}"' in html
    if "export-link" in links:
        assert f'href="{url("counts_export", code)}"' in html
