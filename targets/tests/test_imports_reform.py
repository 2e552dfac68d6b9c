"""Files across the reform: a code names the unit of the map in force at the line's month."""

import datetime as dt

import pytest

from conftest import VIETNAM, load_tree
from provinces.loader import load_new_map
from provinces.models import Level, Unit
from targets.imports import ImportRefused, commit_counts, preview_counts, preview_targets
from targets.models import MonthlyCount, Target
from targets.tests.test_imports import csv_bytes

pytestmark = pytest.mark.django_db

TARGETS_HEADER = "Cấp;Mã đơn vị;Tên đơn vị;Năm;Chỉ tiêu số người tham gia;Chỉ tiêu phát triển mới"


@pytest.fixture
def both_maps(django_user_model, travel):
    # 28/11/2026: November's window is open (cut-off 25/11, closes 05/12)
    travel.move_to(dt.datetime(2026, 11, 28, 9, 0, tzinfo=VIETNAM))
    load_tree(24, 27)  # old Bắc Giang and old Bắc Ninh
    load_new_map({"24"})  # today's Bắc Ninh
    return django_user_model.objects.create_superuser("admin-test", password="pw")


def retired_commune() -> Unit:
    """An old commune whose code today's map does not reuse, with its successors."""
    new_codes = Unit.objects.communes().filter(valid_from__isnull=False).values("code")
    retired = (
        Unit.objects.communes()
        .filter(valid_until__isnull=False, province__code="24")
        .exclude(code__in=new_codes)
        .order_by("code")
        .first()
    )
    assert retired is not None
    return retired


def test_an_old_code_after_the_reform_names_its_successors_and_nothing_is_written(both_maps):
    old = retired_commune()
    successor = old.successions.get(is_default=True).successor
    new = Unit.objects.communes().filter(valid_from__isnull=False).order_by("code").first()
    data = csv_bytes(
        f"{new.code};{new.name};2026;11;500;5",  # fine on its own
        f"{old.code};{old.name};2026;11;120;3",
    )
    preview = preview_counts(data, "counts.csv", user=both_maps)
    fine, retired = preview.rows
    assert fine.status == "ok" and fine.unit == new
    assert retired.status == "error"
    (message,) = retired.errors
    assert message.startswith(f"{old.full_name} (mã {old.code}) không còn từ 01/07/2025, nay thuộc")
    assert f"{successor.full_name} (mã {successor.code})" in message
    assert message.endswith("Hãy dùng mã mới.")
    with pytest.raises(ImportRefused):
        commit_counts(preview, user=both_maps)
    assert not MonthlyCount.objects.exists()


def test_a_code_of_both_maps_is_the_old_commune_before_july_2025_and_todays_after(both_maps):
    shared = (
        Unit.objects.communes()
        .filter(valid_from__isnull=False)
        .filter(code__in=Unit.objects.communes().filter(valid_until__isnull=False).values("code"))
        .order_by("code")
        .first()
    )
    # today's communes keep the code of one of the communes they merged
    assert shared is not None
    old = Unit.objects.communes().get(code=shared.code, valid_until__isnull=False)
    data = csv_bytes(
        f"{shared.code};;2025;5;100;1",
        f"{shared.code};;2026;11;200;2",
    )
    may, november = preview_counts(data, "counts.csv", user=both_maps).rows
    assert (may.unit, november.unit) == (old, shared)


def test_an_old_district_has_no_targets_after_the_reform(both_maps):
    district = Unit.objects.get(level=Level.DISTRICT, code="218")  # Huyện Lục Nam
    data = csv_bytes("Huyện;218;Lục Nam;2026;1000;10", header=TARGETS_HEADER)
    (row,) = preview_targets(data, "targets.csv", user=both_maps).rows
    assert row.errors == [
        f"{district.full_name} (mã 218) không còn từ 01/07/2025: từ đó không còn cấp huyện."
    ]
    # Its 2023 targets still resolve to it.
    (row,) = preview_targets(
        csv_bytes("Huyện;218;Lục Nam;2023;1000;10", header=TARGETS_HEADER), "t.csv", user=both_maps
    ).rows
    assert row.status == "ok" and row.unit == district
    assert not Target.objects.exists()


def test_an_entry_grids_file_holds_its_communes_only_and_old_codes_name_their_successors(
    both_maps,
):
    from provinces.models import GrassrootsOffice, OfficeCommune
    from provinces.selectors import EntryGroup

    bac_ninh = Unit.objects.get(level=Level.PROVINCE, code="24", valid_from__isnull=False)
    mine, other = Unit.objects.communes().filter(province=bac_ninh).order_by("code")[:2]
    office = GrassrootsOffice.objects.create(province=bac_ninh, code="01", name="BHXH cơ sở Một")
    OfficeCommune.objects.create(office=office, commune=mine)
    old = retired_commune()
    data = csv_bytes(
        f"{mine.code};;2026;11;500;5",
        f"{other.code};;2026;11;500;5",  # served by the province itself
        f"{old.code};;2026;11;120;3",
    )
    # a superuser may enter every commune: the office's page still takes only the office's
    preview = preview_counts(
        data, "counts.csv", user=both_maps, group=EntryGroup(unit=bac_ninh, office=office)
    )
    fine, outside, retired = preview.rows
    assert fine.status == "ok" and fine.unit == mine
    assert outside.errors == [
        f"{other.full_name} (mã {other.code}) không thuộc các xã của trang này "
        "(BHXH cơ sở Một); hãy nhập xã này ở trang của đơn vị phục vụ xã."
    ]
    (message,) = retired.errors
    assert message.startswith(f"{old.full_name} (mã {old.code}) không còn từ 01/07/2025, nay thuộc")
    with pytest.raises(ImportRefused):
        commit_counts(preview, user=both_maps)
    assert not MonthlyCount.objects.exists()
    # the province's own page takes the other one
    own = preview_counts(data, "counts.csv", user=both_maps, group=EntryGroup(unit=bac_ninh))
    assert [r.status for r in own.rows] == ["error", "ok", "error"]
