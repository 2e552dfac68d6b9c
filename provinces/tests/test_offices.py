"""Grassroots offices: what the database refuses, who enters which commune, who manages offices,
and the office services (the form's save and the membership file)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from provinces.access import (
    can_enter_commune_counts,
    can_enter_counts,
    can_enter_office_counts,
    can_enter_self_served_counts,
    can_manage_offices,
    can_view,
    enterable_commune_ids,
)
from provinces.models import GrassrootsOffice, OfficeCommune, Profile, Role
from provinces.services import office_memberships_import, office_save
from targets.models import OfficeTarget
from targets.services import OfficeTargetEntry, office_targets_save

pytestmark = pytest.mark.django_db


# --- what the database refuses ----------------------------------------------------------------


def test_a_commune_belongs_to_one_office_at_most(offices):
    with pytest.raises(IntegrityError), transaction.atomic():
        OfficeCommune.objects.create(office=offices.office_b, commune=offices.communes[0])


def test_an_office_code_is_unique_within_its_province_only(offices):
    with pytest.raises(IntegrityError), transaction.atomic():
        GrassrootsOffice.objects.create(province=offices.bac_ninh, code="01", name="Trùng")
    GrassrootsOffice.objects.create(province=offices.lang_son, code="01", name="Lạng Sơn 1")


def test_grassroots_staff_have_an_office_and_no_other_role_does(offices):
    with pytest.raises(IntegrityError), transaction.atomic():
        Profile.objects.filter(user=offices.staff_a).update(office=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Profile.objects.filter(user=offices.officer).update(office=offices.office_a)


def test_admin_refuses_grassroots_staff_outside_their_offices_province(offices):
    profile = offices.staff_a.profile
    profile.unit = offices.lang_son
    with pytest.raises(ValidationError, match="tỉnh của BHXH cơ sở"):
        profile.full_clean()


# --- access -----------------------------------------------------------------------------------


def test_grassroots_staff_enter_their_offices_communes_only(offices):
    a, b, own = offices.communes[0], offices.communes[10], offices.communes[50]
    staff = offices.staff_a
    assert can_enter_commune_counts(staff, a, office_id=offices.office_a.pk)
    assert not can_enter_commune_counts(staff, b, office_id=offices.office_b.pk)
    assert not can_enter_commune_counts(staff, own, office_id=None)
    assert enterable_commune_ids(staff, offices.communes) == {c.pk for c in offices.communes[:10]}
    assert can_enter_office_counts(staff, offices.office_a)
    assert not can_enter_office_counts(staff, offices.office_b)
    assert not can_enter_self_served_counts(staff, offices.bac_ninh)
    assert can_view(staff, own) and not can_view(staff, offices.lang_son)


def test_the_provincial_officer_enters_the_communes_no_office_serves(offices):
    officer = offices.officer
    assert enterable_commune_ids(officer, offices.communes) == {c.pk for c in offices.communes[20:]}
    assert can_enter_self_served_counts(officer, offices.bac_ninh)
    assert not can_enter_office_counts(officer, offices.office_a)
    assert not enterable_commune_ids(offices.other_officer, offices.communes)
    assert not can_enter_self_served_counts(offices.other_officer, offices.bac_ninh)
    assert not enterable_commune_ids(offices.manager, offices.communes)


def test_district_staff_enter_their_old_communes_and_none_of_todays(offices):
    clerk = offices.district_staff
    old = list(offices.luc_nam.children.all())
    assert can_enter_counts(clerk, offices.luc_nam)
    assert enterable_commune_ids(clerk, old) == {c.pk for c in old}
    assert not enterable_commune_ids(clerk, offices.communes)


def test_provincial_officers_manage_their_provinces_offices_on_todays_map_only(offices):
    assert can_manage_offices(offices.officer, offices.bac_ninh)
    assert not can_manage_offices(offices.other_officer, offices.bac_ninh)
    for user in (offices.staff_a, offices.manager, offices.district_staff, offices.nobody):
        assert not can_manage_offices(user, offices.bac_ninh)
    old_province = offices.luc_nam.province
    old_officer = Profile.objects.create(
        user=type(offices.nobody).objects.create_user("bacgiang_cu"),
        role=Role.PROVINCIAL_OFFICER,
        unit=old_province,
    ).user
    assert not can_manage_offices(old_officer, old_province)


# --- the office form's service ------------------------------------------------------------------


def test_an_office_is_created_with_free_communes_of_its_province(offices):
    free = offices.communes[30:33]
    office = office_save(
        user=offices.officer,
        province=offices.bac_ninh,
        code=" 03 ",
        name="BHXH  cơ sở Ba",
        commune_ids=[c.pk for c in free],
    )
    assert (office.code, office.name) == ("03", "BHXH cơ sở Ba")
    assert set(office.memberships.values_list("commune_id", flat=True)) == {c.pk for c in free}


def test_an_office_renamed_with_other_communes_lets_the_old_ones_go(offices):
    office_save(
        user=offices.officer,
        province=offices.bac_ninh,
        office=offices.office_a,
        code="01",
        name="BHXH cơ sở Một (mới)",
        commune_ids=[c.pk for c in offices.communes[:2]] + [offices.communes[40].pk],
    )
    offices.office_a.refresh_from_db()
    assert offices.office_a.name == "BHXH cơ sở Một (mới)"
    assert offices.office_a.memberships.count() == 3
    assert enterable_commune_ids(offices.officer, [offices.communes[5]])  # back to the province


@pytest.mark.parametrize(
    ("code", "commune_index", "message"),
    [
        ("02", 30, "Mã BHXH cơ sở đã có trong tỉnh này."),
        ("0 3", 30, "Mã BHXH cơ sở gồm 1 đến 10"),
        ("03", 10, "đã thuộc BHXH cơ sở Hai"),
        ("03", "lang_son", "Xã không thuộc Bắc Ninh."),
    ],
)
def test_an_office_save_is_refused_and_changes_nothing(offices, code, commune_index, message):
    from provinces.models import Unit

    commune = (
        Unit.objects.communes().filter(province=offices.lang_son).first()
        if commune_index == "lang_son"
        else offices.communes[commune_index]
    )
    with pytest.raises(ValidationError) as refused:
        office_save(
            user=offices.officer,
            province=offices.bac_ninh,
            code=code,
            name="BHXH cơ sở Ba",
            commune_ids=[commune.pk],
        )
    assert any(message in m for m in refused.value.messages), refused.value.messages
    assert GrassrootsOffice.objects.count() == 2 and OfficeCommune.objects.count() == 20


def test_only_the_provinces_officers_save_its_offices(offices):
    for user in (offices.staff_a, offices.other_officer, offices.manager):
        with pytest.raises(PermissionDenied):
            office_save(user=user, province=offices.bac_ninh, code="09", name="X", commune_ids=[])


# --- the membership file ------------------------------------------------------------------------


def membership_csv(*lines: str) -> bytes:
    return ("Mã BHXH cơ sở,Tên BHXH cơ sở,Mã xã\n" + "\n".join(lines) + "\n").encode()


def test_a_membership_file_creates_renames_and_moves_communes(offices):
    c = offices.communes
    data = membership_csv(
        f"01,BHXH cơ sở Một,{c[0].code}",
        f"01,BHXH cơ sở Một,{c[10].code}",  # moves from office 02, which the file also sets
        f"02,BHXH cơ sở Hai mới,{int(c[11].code)}",  # a code without its leading zeros
        f"03,BHXH cơ sở Ba,{c[50].code}",
    )
    result = office_memberships_import(
        user=offices.officer, province=offices.bac_ninh, data=data, filename="coso.csv"
    )
    assert result.saved and (result.offices, result.communes) == (3, 4)
    served = dict(OfficeCommune.objects.values_list("commune_id", "office__code"))
    assert served == {c[0].pk: "01", c[10].pk: "01", c[11].pk: "02", c[50].pk: "03"}
    assert GrassrootsOffice.objects.get(code="02").name == "BHXH cơ sở Hai mới"


def test_a_membership_file_with_a_bad_line_names_it_and_saves_nothing(offices):
    c = offices.communes
    data = membership_csv(
        f"01,BHXH cơ sở Một,{c[0].code}",
        "01,BHXH cơ sở Một,abc",
        f"03,BHXH cơ sở Ba,{c[10].code}",  # office 02's, and 02 is not in the file
        f"03,BHXH cơ sở Ba,{c[0].code}",
    )
    before = set(OfficeCommune.objects.values_list("office_id", "commune_id"))
    result = office_memberships_import(
        user=offices.officer, province=offices.bac_ninh, data=data, filename="coso.csv"
    )
    assert not result.saved
    assert "Dòng 3: mã xã “abc” không hợp lệ." in result.errors
    assert f"Dòng 5: xã mã {c[0].code} đã có ở dòng 2." in result.errors
    assert any(e.startswith("Dòng 4: ") and "BHXH cơ sở Hai" in e for e in result.errors)
    assert set(OfficeCommune.objects.values_list("office_id", "commune_id")) == before
    assert GrassrootsOffice.objects.count() == 2


def test_a_membership_file_reads_excel_too(offices):
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Mã BHXH cơ sở", "Tên BHXH cơ sở", "Mã xã"])
    sheet.append(["05", "BHXH cơ sở Năm", int(offices.communes[60].code)])
    buffer = io.BytesIO()
    book.save(buffer)
    result = office_memberships_import(
        user=offices.officer, province=offices.bac_ninh, data=buffer.getvalue(), filename="a.xlsx"
    )
    assert result.saved
    assert OfficeCommune.objects.get(commune=offices.communes[60]).office.name == "BHXH cơ sở Năm"


# --- office targets -----------------------------------------------------------------------------


def test_only_the_provinces_officers_set_its_office_targets(offices):
    entry = [OfficeTargetEntry(offices.office_a.pk, 3_000, None, 12)]
    for who in (offices.staff_a, offices.manager, offices.other_officer):
        with pytest.raises(PermissionDenied):
            office_targets_save(user=who, province=offices.bac_ninh, year=2026, entries=entry)
    saved = office_targets_save(
        user=offices.officer, province=offices.bac_ninh, year=2026, entries=entry
    )
    assert saved.saved and saved.changed == 1


def test_an_office_of_another_province_is_refused_and_nothing_is_saved(offices):
    other = GrassrootsOffice.objects.create(province=offices.lang_son, code="01", name="Lạng Sơn 1")
    result = office_targets_save(
        user=offices.officer,
        province=offices.bac_ninh,
        year=2026,
        entries=[
            OfficeTargetEntry(offices.office_a.pk, 3_000, None, 12),
            OfficeTargetEntry(other.pk, 500, None, 12),
        ],
    )
    assert not result.saved
    assert result.errors[other.pk]["__all__"] == ["Không tìm thấy BHXH cơ sở trong tỉnh."]
    assert not OfficeTarget.objects.exists()
