"""The pages of today's map: the entry grid of a grassroots office and of the communes a
province serves itself, the office pages, the entry home; and the old districts' months."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from progress.models import RecomputeState
from provinces.models import GrassrootsOffice, OfficeCommune
from targets.models import ChangeLog, MonthlyCount, OfficeTarget, Target, TargetKind

pytestmark = pytest.mark.django_db

NOV = "?thang=2026-11"
READ_ONLY, EDIT, NOT_FOUND, FORBIDDEN = "read-only", "edit", 404, 403


def as_user(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client


def urls(w) -> dict[str, str]:
    a = w.office_a.url_code
    return {
        "office_grid": f"/nhap-lieu/so-lieu/{a}/{NOV}",
        "own_grid": f"/nhap-lieu/so-lieu/t24/{NOV}",
        "list": "/nhap-lieu/bhxh-co-so/t24/",
        "create": "/nhap-lieu/bhxh-co-so/t24/them/",
        "edit": f"/nhap-lieu/bhxh-co-so/{a}/sua/",
        "import": "/nhap-lieu/bhxh-co-so/t24/nhap-tep/",
        "office_targets": f"/nhap-lieu/chi-tieu/{a}/?nam=2026",
    }


# Who gets what on each new page: the right user, another office, another province, and the rest.
MATRIX = {
    "office_grid": {
        "staff_a": EDIT,
        "staff_b": READ_ONLY,
        "officer": READ_ONLY,
        "manager": READ_ONLY,
        "other_officer": NOT_FOUND,
        "district_staff": NOT_FOUND,
        "nobody": NOT_FOUND,
    },
    "own_grid": {
        "officer": EDIT,
        "staff_a": READ_ONLY,
        "manager": READ_ONLY,
        "other_officer": NOT_FOUND,
        "district_staff": NOT_FOUND,
        "nobody": NOT_FOUND,
    },
    "list": {
        "officer": EDIT,
        "staff_a": READ_ONLY,
        "manager": READ_ONLY,
        "other_officer": NOT_FOUND,
        "district_staff": NOT_FOUND,
        "nobody": NOT_FOUND,
    },
    "create": {
        "officer": EDIT,
        "staff_a": FORBIDDEN,
        "manager": FORBIDDEN,
        "other_officer": NOT_FOUND,
        "district_staff": NOT_FOUND,
        "nobody": NOT_FOUND,
    },
    "edit": {
        "officer": EDIT,
        "staff_a": FORBIDDEN,
        "staff_b": FORBIDDEN,
        "manager": FORBIDDEN,
        "other_officer": NOT_FOUND,
        "district_staff": NOT_FOUND,
        "nobody": NOT_FOUND,
    },
    "office_targets": {
        "officer": EDIT,
        "staff_a": READ_ONLY,
        "staff_b": READ_ONLY,
        "manager": READ_ONLY,
        "other_officer": NOT_FOUND,
        "district_staff": NOT_FOUND,
        "nobody": NOT_FOUND,
    },
    "import": {
        "officer": EDIT,
        "staff_a": FORBIDDEN,
        "manager": FORBIDDEN,
        "other_officer": NOT_FOUND,
        "district_staff": NOT_FOUND,
        "nobody": NOT_FOUND,
    },
}


def can_write(html: str) -> bool:
    """The page offers something to write: grid inputs, the office form, or the import."""
    return any(
        mark in html
        for mark in ('inputmode="numeric"', 'id="office-form"', 'type="file"', 'id="add-office"')
    )


@pytest.mark.parametrize("page", list(MATRIX))
def test_each_role_gets_exactly_its_access_to_every_office_page(client, offices, page):
    url = urls(offices)[page]
    response = as_user(client, None).get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post(url, {}).status_code == 302
    for who, access in MATRIX[page].items():
        as_user(client, getattr(offices, who))
        response = client.get(url)
        if access in (NOT_FOUND, FORBIDDEN):
            assert response.status_code == access, who
            assert client.post(url, {"name": "X"}).status_code == access, who
            continue
        assert response.status_code == 200, who
        assert can_write(response.content.decode()) == (access == EDIT), who
        if access == READ_ONLY:
            assert client.post(url, {"save": "1"}).status_code == 403, who
    assert not ChangeLog.objects.exists() and GrassrootsOffice.objects.count() == 2


def test_an_unknown_office_is_not_found(client, offices):
    as_user(client, offices.officer)
    for url in ("/nhap-lieu/so-lieu/o999999/", "/nhap-lieu/so-lieu/ox/", "/nhap-lieu/so-lieu/p24/"):
        assert client.get(url).status_code == 404, url
    assert client.get("/nhap-lieu/bhxh-co-so/o999999/sua/").status_code == 404


# --- the office's entry grid ----------------------------------------------------------------------


def grid_post(communes, values: dict[int, tuple[int, int]], month="2026-11") -> dict[str, str]:
    data = {"thang": month, "save": "1"}
    for commune in communes:
        p, n = values.get(commune.pk, ("", ""))
        data |= {f"p_{commune.pk}": str(p), f"n_{commune.pk}": str(n), f"v_{commune.pk}": "0"}
    return data


def test_grassroots_staff_see_their_offices_communes_with_last_month_beside(client, offices):
    mine = offices.communes[:10]
    MonthlyCount.objects.create(commune=mine[0], year=2026, month=10, participants=1234)
    html = as_user(client, offices.staff_a).get(urls(offices)["office_grid"]).content.decode()
    assert "Số liệu tháng 11/2026" in html and "BHXH cơ sở Một (Bắc Ninh)" in html
    assert html.count('name="p_') == 10
    assert set(map(int, re.findall(r'name="p_(\d+)"', html))) == {c.pk for c in mine}
    assert ">1.234<" in html  # last month, written the Vietnamese way
    assert "Tháng 10/2026" not in html or "mở lại" in html


def test_grassroots_staff_save_a_month_with_its_audit_and_recompute(client, offices):
    mine = offices.communes[:10]
    values = {c.pk: (100 + i, 5) for i, c in enumerate(mine)}
    url = urls(offices)["office_grid"]
    response = as_user(client, offices.staff_a).post(url, grid_post(mine, values))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Đã lưu số liệu tháng 11/2026 của 10 xã." in page
    assert f'value="{100 + 9}"' in page
    saved = MonthlyCount.objects.filter(year=2026, month=11)
    assert {c.commune_id: c.participants for c in saved} == {k: v[0] for k, v in values.items()}
    assert set(saved.values_list("updated_by", flat=True)) == {offices.staff_a.pk}
    assert ChangeLog.objects.filter(changed_by=offices.staff_a, year=2026, month=11).count() == 20
    assert RecomputeState.objects.get(province=offices.bac_ninh, year=2026).pending


def test_grassroots_staff_cannot_slip_another_offices_commune_into_their_grid(client, offices):
    theirs = offices.communes[10]
    data = grid_post(offices.communes[:1], {offices.communes[0].pk: (10, 1)})
    data |= {f"p_{theirs.pk}": "99", f"n_{theirs.pk}": "1", f"v_{theirs.pk}": "0"}
    as_user(client, offices.staff_a).post(urls(offices)["office_grid"], data)
    assert not MonthlyCount.objects.filter(commune=theirs).exists()


def test_the_provincial_officer_enters_the_communes_the_province_serves(client, offices):
    own = offices.communes[20:]
    html = as_user(client, offices.officer).get(urls(offices)["own_grid"]).content.decode()
    assert html.count('name="p_') == len(own) == 79
    assert "Xã do BHXH Bắc Ninh phục vụ" in html
    values = {own[0].pk: (2500, 40)}
    response = client.post(urls(offices)["own_grid"], grid_post(own, values))
    assert response.status_code == 302
    assert MonthlyCount.objects.get(commune=own[0], year=2026, month=11).participants == 2500


def test_the_office_grid_costs_the_same_queries_for_10_and_25_communes(
    client, offices, django_assert_max_num_queries
):
    url = urls(offices)["office_grid"]
    as_user(client, offices.staff_a)
    with django_assert_max_num_queries(10) as small:
        assert client.get(url).status_code == 200
    OfficeCommune.objects.bulk_create(
        OfficeCommune(office=offices.office_a, commune=c) for c in offices.communes[20:35]
    )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).content.decode().count('name="p_') == 25


# --- the office pages ---------------------------------------------------------------------------


def test_the_officer_creates_an_office_with_free_communes_only(client, offices):
    url = urls(offices)["create"]
    html = as_user(client, offices.officer).get(url).content.decode()
    offered = set(map(int, re.findall(r'name="communes" value="(\d+)"', html)))
    assert offered == {c.pk for c in offices.communes[20:]}  # not those of offices 01 and 02
    chosen = offices.communes[20:23]
    response = client.post(
        url, {"code": "03", "name": "BHXH cơ sở Ba", "communes": [c.pk for c in chosen]}
    )
    assert response.status_code == 302 and response["Location"] == urls(offices)["list"]
    listing = client.get(response["Location"]).content.decode()
    assert "Đã lưu BHXH cơ sở Ba." in listing and "BHXH cơ sở Ba" in listing
    office = GrassrootsOffice.objects.get(code="03")
    assert set(office.memberships.values_list("commune_id", flat=True)) == {c.pk for c in chosen}


def test_an_office_form_refusal_is_shown_and_saves_nothing(client, offices):
    as_user(client, offices.officer)
    html = client.post(urls(offices)["create"], {"code": "01", "name": "Trùng mã"})
    assert "Mã BHXH cơ sở đã có trong tỉnh này." in html.content.decode()
    assert GrassrootsOffice.objects.count() == 2


def test_the_officer_renames_an_office_and_changes_its_communes(client, offices):
    url = urls(offices)["edit"]
    html = as_user(client, offices.officer).get(url).content.decode()
    assert 'value="BHXH cơ sở Một"' in html
    assert html.count("checked") == 10
    keep = offices.communes[:3]
    response = client.post(
        url, {"code": "01", "name": "BHXH cơ sở Một mới", "communes": [c.pk for c in keep]}
    )
    assert response.status_code == 302
    offices.office_a.refresh_from_db()
    assert offices.office_a.name == "BHXH cơ sở Một mới"
    assert offices.office_a.memberships.count() == 3


def office_list_cells(html: str) -> dict[str, list[str]]:
    """Each row of the office list (by its name): its figures, read-only cells or inputs."""
    rows = re.findall(r"<tr[^>]*>\s*<td>[^<]*</td>\s*<th[^>]*>([^<]*)(.*?)</tr>", html, re.S)
    return {
        name.strip(): re.findall(r'class="num[^"]*">(?:<input[^>]*value="([^"]*)"|([^<]*))', rest)
        for name, rest in rows
    }


def plant_targets(offices) -> None:
    c = offices.communes
    Target.objects.bulk_create(
        [
            Target(unit=offices.bac_ninh, year=2026, kind=TargetKind.PARTICIPANTS, value=90_000),
            Target(unit=c[0], year=2026, kind=TargetKind.PARTICIPANTS, value=1_200),
            Target(unit=c[1], year=2026, kind=TargetKind.PARTICIPANTS, value=1_300),
            Target(unit=c[1], year=2026, kind=TargetKind.NEW_PARTICIPANTS, value=150),
            Target(unit=c[10], year=2026, kind=TargetKind.PARTICIPANTS, value=700),
            Target(unit=c[30], year=2026, kind=TargetKind.PARTICIPANTS, value=4_000),
        ]
    )
    OfficeTarget.objects.bulk_create(
        [
            OfficeTarget(
                office=offices.office_a, year=2026, kind=TargetKind.PARTICIPANTS, value=3_000
            ),
            OfficeTarget(
                office=offices.office_b, year=2026, kind=TargetKind.PARTICIPANTS, value=700
            ),
        ]
    )


def test_the_office_list_sets_each_office_against_its_communes_and_the_province(
    client, offices, django_assert_max_num_queries
):
    plant_targets(offices)
    as_user(client, offices.manager)
    with django_assert_max_num_queries(12):
        html = client.get(urls(offices)["list"] + "?nam=2026").content.decode()
    cells = {k: ["".join(v).strip() for v in vs] for k, vs in office_list_cells(html).items()}
    # communes, the office's targets (participants, new), what its communes add up to
    assert cells["BHXH cơ sở Một"] == ["10", "3.000", "–", "2.500"]
    assert "thiếu 500" in html  # office Một has 500 of its 3.000 not shared out
    assert cells["BHXH cơ sở Hai"] == ["10", "700", "–", "700"]
    assert cells["Xã do BHXH Bắc Ninh phục vụ"] == ["79", "4.000", "–", "4.000"]
    # 3.000 + 700 to the offices and 4.000 to its own communes, of the province's 90.000
    summary = re.search(r'id="allocation-summary">(.*?)</section>', html, re.S).group(1)
    assert "90.000" in summary and "7.700" in summary
    assert "Còn thiếu 82.300 chưa giao" in summary


def test_the_officer_sets_office_targets_on_the_list_with_the_audit(client, offices):
    plant_targets(offices)
    a, b = offices.office_a, offices.office_b
    as_user(client, offices.officer)
    form = {"nam": "2026", f"t_{a.pk}": "3.500", f"tn_{a.pk}": "400", f"dl_{a.pk}": "10"}
    form |= {f"t_{b.pk}": "", f"tn_{b.pk}": "", f"dl_{b.pk}": ""}  # office Hai's target removed
    response = client.post(urls(offices)["list"], form, follow=True)
    assert "Đã lưu chỉ tiêu năm 2026 (3 thay đổi)." in response.content.decode()
    stored = {
        (t.office_id, t.kind): (t.value, t.deadline_month) for t in OfficeTarget.objects.all()
    }
    assert stored == {
        (a.pk, TargetKind.PARTICIPANTS): (3_500, 10),
        (a.pk, TargetKind.NEW_PARTICIPANTS): (400, 10),
    }
    logs = ChangeLog.objects.filter(office__isnull=False)
    assert {(log.office_id, log.unit_id, log.old_value, log.new_value) for log in logs} == {
        (a.pk, offices.bac_ninh.pk, 3_000, 3_500),
        (a.pk, offices.bac_ninh.pk, None, 400),
        (a.pk, offices.bac_ninh.pk, None, 10),  # from "the province's" (NULL) to October
        (b.pk, offices.bac_ninh.pk, 700, None),
    }


def test_an_office_without_its_own_deadline_shows_the_provinces_greyed(client, offices):
    plant_targets(offices)
    a, b = offices.office_a, offices.office_b
    Target.objects.filter(unit=offices.bac_ninh, year=2026).update(deadline_month=10)
    OfficeTarget.objects.filter(office=a).update(deadline_month=11)
    html = as_user(client, offices.officer).get(urls(offices)["list"] + "?nam=2026").content
    html = html.decode()
    cell = re.search(rf'<select name="dl_{b.pk}".*?</select>', html, re.S).group(0)
    assert '<option value="" class="inherited" selected>10 · theo tỉnh</option>' in cell
    cell = re.search(rf'<select name="dl_{a.pk}".*?</select>', html, re.S).group(0)
    assert '<option value="11" selected>' in cell
    html = as_user(client, offices.manager).get(urls(offices)["list"] + "?nam=2026").content
    assert '<span class="muted inherited">10 · theo tỉnh</span>' in html.decode()


def test_a_bad_office_target_is_named_and_nothing_is_saved(client, offices):
    plant_targets(offices)
    a, b = offices.office_a, offices.office_b
    as_user(client, offices.officer)
    form = {"nam": "2026", f"t_{a.pk}": "4.000", f"t_{b.pk}": "-5", f"tn_{b.pk}": "abc"}
    html = client.post(urls(offices)["list"], form).content.decode()
    assert "Chưa lưu: có ô chưa hợp lệ" in html and 'aria-invalid="true"' in html
    assert 'value="4.000"' in html and 'value="-5"' in html  # what was typed is kept
    assert OfficeTarget.objects.get(office=a, kind=TargetKind.PARTICIPANTS).value == 3_000
    assert not ChangeLog.objects.exists()


def test_an_offices_targets_page_shares_the_office_target_among_its_communes(client, offices):
    plant_targets(offices)
    c = offices.communes
    as_user(client, offices.officer)
    url = urls(offices)["office_targets"]
    html = client.get(url).content.decode()
    assert "BHXH cơ sở Một" in html and c[0].name in html and c[10].name not in html
    summary = re.search(r'id="allocation-summary">(.*?)</section>', html, re.S).group(1)
    assert "3.000" in summary and "2.500" in summary and "Còn thiếu 500 chưa giao" in summary
    # the grid posts every commune's cells; a commune of another office is not this page's
    form = {"nam": "2026", f"t_{c[0].pk}": "1.200", f"t_{c[1].pk}": "1.300", f"tn_{c[1].pk}": "150"}
    form |= {f"t_{c[2].pk}": "500", f"t_{c[10].pk}": "9"}
    response = client.post(url, form, follow=True)
    assert "Đã lưu chỉ tiêu năm 2026" in response.content.decode()
    summary = re.search(
        r'id="allocation-summary">(.*?)</section>', response.content.decode(), re.S
    ).group(1)
    assert "Đã giao đủ" in summary
    assert Target.objects.get(unit=c[2], year=2026, kind=TargetKind.PARTICIPANTS).value == 500
    assert Target.objects.get(unit=c[10], kind=TargetKind.PARTICIPANTS).value == 700


def test_the_membership_import_page_names_the_bad_line_and_saves_nothing(client, offices):
    c = offices.communes
    data = f"Mã BHXH cơ sở,Tên BHXH cơ sở,Mã xã\n03,BHXH cơ sở Ba,{c[30].code}\n03,,{c[31].code}\n"
    upload = SimpleUploadedFile("coso.csv", data.encode(), content_type="text/csv")
    as_user(client, offices.officer)
    html = client.post(urls(offices)["import"], {"file": upload}).content.decode()
    assert "Dòng 3: thiếu tên BHXH cơ sở." in html and "Chưa ghi gì" in html
    assert GrassrootsOffice.objects.count() == 2 and OfficeCommune.objects.count() == 20


def test_the_membership_import_page_saves_a_good_file(client, offices):
    c = offices.communes
    data = f"03,BHXH cơ sở Ba,{c[30].code}\n03,BHXH cơ sở Ba,{c[31].code}\n"  # no header
    upload = SimpleUploadedFile("coso.csv", data.encode(), content_type="text/csv")
    as_user(client, offices.officer)
    response = client.post(urls(offices)["import"], {"file": upload})
    assert response.status_code == 302
    assert "Đã nhập 1 BHXH cơ sở với 2 xã." in client.get(response["Location"]).content.decode()
    assert GrassrootsOffice.objects.get(code="03").memberships.count() == 2


def test_english_pages_say_it_in_english(client, offices):
    as_user(client, offices.officer).cookies["django_language"] = "en"
    html = client.get(urls(offices)["list"]).content.decode()
    assert "Grassroots offices" in html and "Communes served by BHXH Bắc Ninh" in html


# --- the entry home -------------------------------------------------------------------------------


def test_entry_home_lists_what_each_user_may_enter(client, offices):
    response = as_user(client, offices.staff_a).get("/nhap-lieu/")
    assert response["Location"] == f"/nhap-lieu/so-lieu/{offices.office_a.url_code}/"
    assert as_user(client, offices.district_staff).get("/nhap-lieu/")["Location"] == (
        "/nhap-lieu/so-lieu/d218/"
    )
    html = as_user(client, offices.officer).get("/nhap-lieu/").content.decode()
    links = re.findall(r'<li><a href="([^"]+)">', html)
    assert links == [
        "/nhap-lieu/so-lieu/t24/",
        "/nhap-lieu/chi-tieu/t24/",
        "/nhap-lieu/bhxh-co-so/t24/",
    ]
    assert as_user(client, offices.manager).get("/nhap-lieu/").status_code == 403


def test_grassroots_staff_get_their_grid_and_targets_in_the_navigation(client, offices):
    html = as_user(client, offices.staff_a).get("/", follow=True).content.decode()
    code = offices.office_a.url_code
    assert f'href="/nhap-lieu/so-lieu/{code}/">Nhập số liệu' in html
    assert f'href="/nhap-lieu/chi-tieu/{code}/">Chỉ tiêu' in html


def test_the_reporting_status_of_todays_province_is_grouped_by_office(client, offices):
    MonthlyCount.objects.create(commune=offices.communes[0], year=2026, month=11, participants=5)
    html = as_user(client, offices.officer).get("/u/t24/bao-cao/?year=2026&month=11")
    html = html.content.decode()
    grid = f"/nhap-lieu/so-lieu/{offices.office_a.url_code}/?thang=2026-11"
    assert re.search(
        rf'<a href="{re.escape(grid)}">BHXH cơ sở Một</a></th>\s*<td class="num">1/10', html
    )
    assert re.search(r">Xã do BHXH Bắc Ninh phục vụ</a></th>\s*<td class=\"num\">0/79", html)
    assert f'href="/u/x{offices.communes[1].code}/"' in html  # a missing commune, today's map
