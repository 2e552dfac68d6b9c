import re

import pytest
from django.urls import reverse

from provinces.models import Profile, Role
from targets.models import ChangeLog, MonthlyCount, MonthReopening, Target, TargetKind
from targets.tests.conftest import june_entries, make_district, may_counts

pytestmark = pytest.mark.django_db

COUNTS = "/nhap-lieu/so-lieu/d218/"
JUNE = COUNTS + "?thang=2023-06"
MAY = COUNTS + "?thang=2023-05"
TARGETS = "/nhap-lieu/chi-tieu/p24/"
DISTRICT_TARGETS = "/nhap-lieu/chi-tieu/d218/"
REOPEN = "/nhap-lieu/mo-lai-thang/p24/"


def as_user(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client


def grid_post(district, entries, *, versions=None, month="2023-06", **extra):
    """The POST the entry grid sends: every commune's cells and the versions it loaded."""
    data = {"thang": month, "save": "1", **extra}
    by_id = {e.commune_id: e for e in entries}
    for commune in district.children.all():
        entry = by_id.get(commune.pk)
        data[f"p_{commune.pk}"] = "" if entry is None else str(entry.participants)
        data[f"n_{commune.pk}"] = "" if entry is None else str(entry.new_participants)
        data[f"v_{commune.pk}"] = str((versions or {}).get(commune.pk, 0))
    return data


def loaded_versions(html: str) -> dict[int, int]:
    return {int(k): int(v) for k, v in re.findall(r'name="v_(\d+)" value="(\d+)"', html)}


def june_saved(district):
    return MonthlyCount.objects.filter(commune__district=district, year=2023, month=6)


# --- the access matrix ------------------------------------------------------------------------

READ_ONLY, EDIT, NOT_FOUND, FORBIDDEN = "read-only", "edit", 404, 403


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            JUNE,
            {
                "clerk": EDIT,
                "national": READ_ONLY,
                "officer": READ_ONLY,
                "manager": READ_ONLY,
                "neighbour_clerk": NOT_FOUND,
                "other_clerk": NOT_FOUND,
                "other_officer": NOT_FOUND,
                "nobody": NOT_FOUND,
            },
        ),
        (
            TARGETS,
            {
                "officer": EDIT,
                "national": READ_ONLY,
                "manager": READ_ONLY,
                "clerk": NOT_FOUND,
                "other_officer": NOT_FOUND,
                "other_clerk": NOT_FOUND,
                "nobody": NOT_FOUND,
            },
        ),
        (
            DISTRICT_TARGETS,
            {
                "officer": EDIT,
                "clerk": READ_ONLY,
                "national": READ_ONLY,
                "manager": READ_ONLY,
                "neighbour_clerk": NOT_FOUND,
                "other_officer": NOT_FOUND,
                "nobody": NOT_FOUND,
            },
        ),
        (
            REOPEN,
            {
                "officer": EDIT,
                "national": FORBIDDEN,
                "manager": FORBIDDEN,
                "clerk": NOT_FOUND,
                "other_officer": NOT_FOUND,
                "other_clerk": NOT_FOUND,
                "nobody": NOT_FOUND,
            },
        ),
    ],
)
def test_each_role_gets_exactly_its_access_to_every_entry_page(client, demo, url, expected):
    response = as_user(client, None).get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post(url, {}).status_code == 302
    for who, access in expected.items():
        as_user(client, getattr(demo, who))
        response = client.get(url)
        if access in (NOT_FOUND, FORBIDDEN):
            assert response.status_code == access, who
            assert client.post(url, {"nam": "2023"}).status_code == access, who
            continue
        assert response.status_code == 200, who
        has_inputs = 'inputmode="numeric"' in response.content.decode() or "<textarea" in (
            response.content.decode()
        )
        assert has_inputs == (access == EDIT), who
        if access == READ_ONLY:
            assert client.post(url, {"nam": "2023"}).status_code == 403, who
    assert not ChangeLog.objects.exists() and MonthReopening.objects.count() == 1


def test_history_page_is_visible_within_scope_only(client, demo):
    commune = demo.luc_nam.children.order_by("code").first()
    url = reverse("targets:history", kwargs={"code": commune.url_code})
    assert as_user(client, None).get(url).status_code == 302
    for who, status in {
        "clerk": 200,
        "officer": 200,
        "national": 200,
        "manager": 200,
        "neighbour_clerk": 404,
        "other_officer": 404,
        "other_clerk": 404,
        "nobody": 404,
    }.items():
        assert as_user(client, getattr(demo, who)).get(url).status_code == status, who


def test_entry_home_sends_each_role_to_its_page(client, demo):
    assert as_user(client, demo.clerk).get("/nhap-lieu/")["Location"] == COUNTS
    assert as_user(client, demo.officer).get("/nhap-lieu/")["Location"] == TARGETS
    assert as_user(client, demo.manager).get("/nhap-lieu/").status_code == 403
    assert as_user(client, None).get("/nhap-lieu/").status_code == 302


def test_navigation_shows_entry_links_to_the_roles_that_use_them(client, demo):
    clerk_page = as_user(client, demo.clerk).get("/nhap-lieu/so-lieu/d218/").content.decode()
    assert f'href="{COUNTS}">Nhập số liệu' in clerk_page
    officer_page = as_user(client, demo.officer).get(TARGETS).content.decode()
    assert f'href="{TARGETS}">Giao chỉ tiêu' in officer_page and REOPEN in officer_page
    manager_page = as_user(client, demo.manager).get(TARGETS).content.decode()
    assert "Nhập số liệu</a>" not in manager_page and "Giao chỉ tiêu</a>" not in manager_page


# --- the monthly grid -------------------------------------------------------------------------


def test_the_grid_opens_on_the_latest_open_month_with_last_month_beside(client, demo):
    response = as_user(client, demo.clerk).get(COUNTS)
    html = response.content.decode()
    assert "Số liệu tháng 06/2023" in html
    assert 'name="thang" value="2023-06"' in html  # a year is not a figure: no "2.023"
    assert html.count('name="p_') == 24
    may = may_counts(demo.luc_nam)
    total_may = sum(c.participants for c in may.values())
    assert f">{total_may:,}<".replace(",", ".") in html  # last month's total, Vietnamese style
    # Enter in a cell does not submit: the form's first (default) button is disabled.
    form = html[html.index('id="entry-form"') :]
    assert re.search(r"<button[^>]*>", form)[0].count("disabled") == 1


def test_a_valid_grid_is_saved_and_shown_back(client, demo):
    entries = june_entries(demo.luc_nam)
    as_user(client, demo.clerk)
    response = client.post(JUNE, grid_post(demo.luc_nam, entries), follow=True)
    assert response.redirect_chain[-1][0] == JUNE
    html = response.content.decode()
    assert "Đã lưu số liệu tháng 06/2023 của 24 xã." in html
    assert june_saved(demo.luc_nam).count() == 24
    assert f'value="{entries[0].participants}"' in html
    total = sum(e.participants for e in entries)
    assert f'id="total-p">{total:,}<'.replace(",", ".") in html


def test_one_invalid_cell_saves_nothing_and_is_shown_on_its_row(client, demo):
    entries = june_entries(demo.luc_nam)
    data = grid_post(demo.luc_nam, entries)
    bad = entries[3].commune_id
    data[f"p_{bad}"] = "12,5"
    response = as_user(client, demo.clerk).post(JUNE, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Chưa lưu: 1 xã có lỗi." in html
    assert f'<div class="cell-error" id="e_p_{bad}">“12,5” không phải số nguyên.</div>' in html
    assert 'value="12,5"' in html  # what was typed stays for correcting
    assert f'value="{entries[0].participants}"' in html  # and so do the valid rows
    assert not june_saved(demo.luc_nam).exists()


def test_errors_are_in_english_when_english_is_chosen(client, demo):
    entries = june_entries(demo.luc_nam)
    data = grid_post(demo.luc_nam, entries)
    data[f"n_{entries[0].commune_id}"] = "-2"
    as_user(client, demo.clerk).cookies["django_language"] = "en"
    html = client.post(JUNE, data).content.decode()
    assert "“-2” is negative." in html and "Not saved: 1 commune has errors." in html


def test_warnings_are_confirmed_before_saving(client, demo):
    entries = june_entries(demo.luc_nam)
    data = grid_post(demo.luc_nam, entries)
    suspicious = entries[0].commune_id
    data[f"n_{suspicious}"] = "0"  # a rise with no sign-up
    as_user(client, demo.clerk)
    html = client.post(JUNE, data).content.decode()
    assert "Cần xác nhận trước khi lưu" in html and "cần ít nhất 5" in html
    assert not june_saved(demo.luc_nam).exists()
    token = re.search(r'name="confirm_token" value="(\w+)"', html)[1]
    response = client.post(JUNE, {**data, "confirm": "1", "confirm_token": token})
    assert response.status_code == 302
    assert june_saved(demo.luc_nam).get(commune_id=suspicious).new_participants == 0


def test_a_closed_month_is_read_only_and_refuses_a_save(client, demo):
    html = as_user(client, demo.clerk).get(MAY).content.decode()
    assert "đã khoá sổ" in html and 'name="p_' not in html
    response = client.post(
        MAY, grid_post(demo.luc_nam, june_entries(demo.luc_nam), month="2023-05")
    )
    assert "đã khoá sổ" in response.content.decode()
    assert not MonthlyCount.objects.filter(year=2023, month=5, version__gt=1).exists()


def test_two_people_saving_the_same_month_the_second_sees_the_conflict_and_reapplies(
    client, demo, second_clerk
):
    from django.test import Client

    other = Client()
    other.force_login(second_clerk)
    as_user(client, demo.clerk)
    mine = loaded_versions(client.get(JUNE).content.decode())
    theirs = loaded_versions(other.get(JUNE).content.decode())
    assert client.post(JUNE, grid_post(demo.luc_nam, june_entries(demo.luc_nam), versions=mine))[
        "Location"
    ]

    late = june_entries(demo.luc_nam, rise=8)
    response = other.post(JUNE, grid_post(demo.luc_nam, late, versions=theirs))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Số liệu đã được người khác sửa trong lúc bạn nhập" in html
    assert demo.clerk.get_full_name() in html
    assert set(june_saved(demo.luc_nam).values_list("updated_by", flat=True)) == {demo.clerk.pk}

    # The conflict page carries the versions now stored: submitting it again re-applies.
    reapply = grid_post(demo.luc_nam, late, versions=loaded_versions(html))
    response = other.post(JUNE, {**reapply, "reapply": "1"})
    assert response.status_code == 302
    row = june_saved(demo.luc_nam).get(commune_id=late[0].commune_id)
    assert (row.participants, row.updated_by) == (late[0].participants, second_clerk)


def test_the_grid_page_costs_the_same_queries_for_5_and_30_communes(
    client, demo, django_assert_num_queries
):
    for code, size in (("990", 5), ("991", 30)):
        district = make_district(demo.bac_giang, code, size)
        staff = type(demo.clerk).objects.create_user(username=f"staff{code}", password="pw")
        Profile.objects.create(user=staff, role=Role.DISTRICT_STAFF, unit=district)
        as_user(client, staff)
        url = reverse("targets:counts", kwargs={"code": district.url_code}) + "?thang=2023-06"
        # session, user, profile, scope unit, the district, reopenings, communes, counts
        with django_assert_num_queries(8):
            assert client.get(url).status_code == 200


# --- targets ----------------------------------------------------------------------------------


def test_the_province_grid_shows_its_target_against_what_districts_were_given(client, demo):
    html = as_user(client, demo.officer).get(TARGETS + "?nam=2023").content.decode()
    assert "52.139" in html and "Đã giao đủ" in html
    assert "Chỉ tiêu năm 2023" in html and 'name="nam" value="2023"' in html
    assert html.count('name="t_') == demo.bac_giang.children.count()
    assert f'name="t_{demo.bac_giang.pk}"' not in html  # the province's own: superusers only


def test_an_officer_changes_a_district_target_and_sees_the_under_allocation(client, demo):
    as_user(client, demo.officer)
    html = client.get(TARGETS + "?nam=2023").content.decode()
    data = {"nam": "2023", "save": "1"}
    for name, value in re.findall(r'name="((?:t|tn|dl)_\d+)" value="([^"]*)"', html):
        data[name] = value
    old = Target.objects.get(unit=demo.luc_nam, year=2023, kind=TargetKind.PARTICIPANTS).value
    data[f"t_{demo.luc_nam.pk}"] = str(old - 100)
    data.update(
        {
            f"dl_{u.pk}": "10"
            for u in demo.bac_giang.children.all()  # the select's value is not in value=""
        }
    )
    response = client.post(TARGETS, data, follow=True)
    html = response.content.decode()
    assert "Còn thiếu 100 chưa giao" in html
    log = ChangeLog.objects.get(unit=demo.luc_nam)
    assert (log.old_value, log.new_value, log.changed_by) == (old, old - 100, demo.officer)


def _deadline_cell(html, unit):
    """The deadline select of a unit's row in the targets grid."""
    return re.search(rf'<select name="dl_{unit.pk}".*?</select>', html, re.S).group(0)


def test_the_grid_shows_an_inherited_deadline_greyed_with_where_it_comes_from(client, demo):
    Target.objects.filter(unit=demo.luc_nam, year=2023).update(deadline_month=None)
    html = as_user(client, demo.officer).get(TARGETS + "?nam=2023").content.decode()
    cell = _deadline_cell(html, demo.luc_nam)
    assert '<option value="" class="inherited" selected>10 · theo tỉnh</option>' in cell
    assert '<option value="10" selected>' not in cell
    # A district with its own October shows it chosen; blank would give it the province's.
    own = _deadline_cell(html, demo.another_district)
    assert '<option value="10" selected>' in own
    assert '<option value="" class="inherited">10 · theo tỉnh</option>' in own

    commune, other = demo.luc_nam.children.order_by("code")[:2]
    Target.objects.filter(unit=commune, year=2023).update(deadline_month=None)
    html = client.get(DISTRICT_TARGETS + "?nam=2023").content.decode()
    # Lục Nam has none of its own either: its commune goes on up to the province.
    assert '<option value="" class="inherited" selected>10 · theo tỉnh</option>' in (
        _deadline_cell(html, commune)
    )
    Target.objects.filter(unit=demo.luc_nam, year=2023).update(deadline_month=9)
    html = client.get(DISTRICT_TARGETS + "?nam=2023").content.decode()
    assert '<option value="" class="inherited" selected>09 · theo huyện</option>' in (
        _deadline_cell(html, commune)
    )
    assert '<option value="10" selected>' in _deadline_cell(html, other)
    # Read-only, for district staff: the same words, greyed.
    html = as_user(client, demo.clerk).get(DISTRICT_TARGETS + "?nam=2023").content.decode()
    assert '<span class="muted inherited">09 · theo huyện</span>' in html


def test_a_deadline_left_blank_in_the_grid_is_saved_as_inherited(client, demo):
    as_user(client, demo.officer)
    html = client.get(TARGETS + "?nam=2023").content.decode()
    data = {"nam": "2023", "save": "1"}
    for name, value in re.findall(r'name="((?:t|tn)_\d+)" value="([^"]*)"', html):
        data[name] = value
    for unit in demo.bac_giang.children.all():  # the grid as loaded: every district's October
        data[f"dl_{unit.pk}"] = "10"
    data[f"dl_{demo.luc_nam.pk}"] = ""
    client.post(TARGETS, data, follow=True)
    deadlines = dict(
        Target.objects.filter(unit__parent=demo.bac_giang, year=2023).values_list(
            "unit_id", "deadline_month"
        )
    )
    assert deadlines.pop(demo.luc_nam.pk) is None
    assert set(deadlines.values()) == {10}
    log = ChangeLog.objects.get(field="deadline_month")
    assert (log.unit, log.old_value, log.new_value) == (demo.luc_nam, 10, None)


def test_a_district_page_shows_the_pace_to_the_october_it_inherits(
    client, demo, django_capture_on_commit_callbacks
):
    value = Target.objects.get(unit=demo.luc_nam, year=2023, kind=TargetKind.PARTICIPANTS).value
    Target.objects.filter(unit=demo.luc_nam, year=2023).update(deadline_month=12)
    from progress.models import Progress
    from progress.services import recompute_province
    from targets.services import TargetEntry, targets_save

    recompute_province(province_id=demo.bac_giang.pk, year=2023)
    with django_capture_on_commit_callbacks(execute=True):
        assert targets_save(
            user=demo.officer, year=2023, entries=[TargetEntry(demo.luc_nam.pk, value)]
        ).saved
    may = Progress.objects.get(unit=demo.luc_nam, year=2023, month=5)
    assert (may.months_left, may.required_pace) == (5, -(-may.gap // 5))
    html = as_user(client, demo.officer).get("/u/d218/?year=2023&month=5").content.decode()
    pace = f"{may.required_pace:,}".replace(",", ".")
    assert f'<span class="value" data-figure="pace">{pace}</span>' in html
    assert "người/tháng trong 5 tháng còn lại" in html
    assert "hoàn thành trước hết tháng 10" in html


def test_an_invalid_target_saves_nothing(client, demo):
    as_user(client, demo.officer)
    data = {"nam": "2023", f"t_{demo.luc_nam.pk}": "nhiều", f"dl_{demo.luc_nam.pk}": "10"}
    html = client.post(TARGETS, data).content.decode()
    assert "“nhiều” không phải số nguyên." in html
    assert not ChangeLog.objects.exists()


# --- reopening and history --------------------------------------------------------------------


def test_an_officer_reopens_may_and_the_clerk_can_enter_it(client, demo):
    as_user(client, demo.officer)
    response = client.post(
        REOPEN, {"month": "2023-05", "days": "5", "reason": "Xã Đồi Ngô báo sai"}, follow=True
    )
    html = response.content.decode()
    assert "Đã mở lại tháng 05/2023" in html and "Xã Đồi Ngô báo sai" in html
    reopening = MonthReopening.objects.get(month=5)
    assert reopening.reopened_by == demo.officer
    html = as_user(client, demo.clerk).get(MAY).content.decode()
    assert 'name="p_' in html


def test_a_reopening_without_a_reason_is_refused(client, demo):
    html = as_user(client, demo.officer).post(
        REOPEN, {"month": "2023-05", "days": "5", "reason": ""}
    )
    assert html.status_code == 200
    assert not MonthReopening.objects.filter(month=5).exists()


def test_the_history_page_shows_who_changed_what(client, demo):
    entries = june_entries(demo.luc_nam)
    as_user(client, demo.clerk).post(JUNE, grid_post(demo.luc_nam, entries))
    commune = demo.luc_nam.children.get(pk=entries[0].commune_id)
    html = as_user(client, demo.officer).get(f"/nhap-lieu/lich-su/{commune.url_code}/")
    text = html.content.decode()
    assert "Lịch sử thay đổi" in text and demo.clerk.get_full_name() in text
    assert f"{entries[0].participants:,}".replace(",", ".") in text and "06/2023" in text


def form_fields(html: str) -> dict[str, str]:
    """Every input of the entry form as the browser would send it back untouched."""
    return dict(re.findall(r'<input[^>]*?name="([a-z]_\d+|thang)"[^>]*?value="([^"]*)"', html))


def test_two_people_changing_different_communes_keep_both_changes(client, demo, second_clerk):
    from django.test import Client

    entries = june_entries(demo.luc_nam)
    as_user(client, demo.clerk).post(JUNE, grid_post(demo.luc_nam, entries))
    other = Client()
    other.force_login(second_clerk)
    mine = form_fields(client.get(JUNE).content.decode())
    theirs = form_fields(other.get(JUNE).content.decode())
    first, second = entries[0].commune_id, entries[1].commune_id
    mine[f"p_{first}"] = str(entries[0].participants + 1)
    theirs[f"p_{second}"] = str(entries[1].participants + 2)
    assert client.post(JUNE, {**mine, "save": "1"}).status_code == 302
    # The second save carries the first commune as it was loaded: untouched, so not a conflict
    # and not an overwrite.
    assert other.post(JUNE, {**theirs, "save": "1"}).status_code == 302
    rows = {r.commune_id: r for r in june_saved(demo.luc_nam)}
    assert (rows[first].participants, rows[first].updated_by) == (
        entries[0].participants + 1,
        demo.clerk,
    )
    assert (rows[second].participants, rows[second].updated_by) == (
        entries[1].participants + 2,
        second_clerk,
    )


def test_clearing_a_saved_row_is_refused_not_a_deletion(client, demo):
    entries = june_entries(demo.luc_nam)
    as_user(client, demo.clerk).post(JUNE, grid_post(demo.luc_nam, entries))
    fields = form_fields(client.get(JUNE).content.decode())
    cleared = entries[0].commune_id
    fields[f"p_{cleared}"] = fields[f"n_{cleared}"] = ""
    html = client.post(JUNE, {**fields, "save": "1"}).content.decode()
    assert "Chưa nhập số người tham gia." in html
    assert june_saved(demo.luc_nam).count() == 24


def test_a_month_before_its_cut_off_says_why_another_month_is_shown(client, demo):
    html = as_user(client, demo.clerk).get(COUNTS + "?thang=2100-01").content.decode()
    assert "Tháng 01/2100 chưa thể nhập: số liệu chốt vào ngày 25/01/2100." in html
    shown = re.search(r"Trang đang hiển thị tháng (\d\d)/(\d{4})", html)
    assert shown and f'value="{shown[2]}-{shown[1]}"' in html  # the month the grid saves to
    client.cookies["django_language"] = "en"
    html = client.get(COUNTS + "?thang=2100-01").content.decode()
    assert "Month 01/2100 cannot be entered yet: counts are cut off on 25/01/2100." in html
