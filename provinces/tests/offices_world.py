"""Today's Bắc Ninh (t24, 99 communes) with two grassroots offices, and today's Lạng Sơn (t20)
as another province, with a user for each role; old Bắc Giang keeps Huyện Lục Nam and its staff.

Office "01" serves Bắc Ninh's first 10 communes by code, office "02" the next 10; the other 79
are served by the provincial office itself. November 2026 is reopened for Bắc Ninh, so it can be
entered at the suite's "now" (15/12/2026).
"""

import datetime as dt
from types import SimpleNamespace

from django.contrib.auth import get_user_model

from bhxh_dashboard import clock
from conftest import load_tree
from provinces.loader import load_new_map
from provinces.models import GrassrootsOffice, Level, OfficeCommune, Profile, Role, Unit
from targets.models import MonthReopening

PASSWORD = "pw-office"


def build_office_world() -> SimpleNamespace:
    load_tree(24, 27, 20)  # old Bắc Giang, old Bắc Ninh, Lạng Sơn
    load_new_map({"24", "20"})
    User = get_user_model()
    bac_ninh = Unit.objects.get(level=Level.PROVINCE, code="24", valid_from__isnull=False)
    lang_son = Unit.objects.get(level=Level.PROVINCE, code="20", valid_from__isnull=False)
    communes = list(Unit.objects.communes().filter(province=bac_ninh).order_by("code"))
    office_a = GrassrootsOffice.objects.create(province=bac_ninh, code="01", name="BHXH cơ sở Một")
    office_b = GrassrootsOffice.objects.create(province=bac_ninh, code="02", name="BHXH cơ sở Hai")
    OfficeCommune.objects.bulk_create(
        [OfficeCommune(office=office_a, commune=c) for c in communes[:10]]
        + [OfficeCommune(office=office_b, commune=c) for c in communes[10:20]]
    )
    luc_nam = Unit.objects.get(level=Level.DISTRICT, code="218")

    def user(username: str, role: str, unit: Unit, office: GrassrootsOffice | None = None):
        u = User.objects.create_user(username=username, password=PASSWORD, first_name=username)
        Profile.objects.create(user=u, role=role, unit=unit, office=office)
        return u

    officer = user("bacninh", Role.PROVINCIAL_OFFICER, bac_ninh)
    MonthReopening.objects.create(
        province=bac_ninh,
        year=2026,
        month=11,
        open_until=clock.now() + dt.timedelta(days=7),
        reason="Thử",
        reopened_by=officer,
    )
    return SimpleNamespace(
        bac_ninh=bac_ninh,
        lang_son=lang_son,
        communes=communes,
        office_a=office_a,
        office_b=office_b,
        luc_nam=luc_nam,
        officer=officer,
        staff_a=user("coso1", Role.GRASSROOTS_STAFF, bac_ninh, office_a),
        staff_b=user("coso2", Role.GRASSROOTS_STAFF, bac_ninh, office_b),
        manager=user("lanhdao_bn", Role.MANAGER, bac_ninh),
        other_officer=user("langson_moi", Role.PROVINCIAL_OFFICER, lang_son),
        district_staff=user("lucnam", Role.DISTRICT_STAFF, luc_nam),
        nobody=User.objects.create_user(username="nobody", password=PASSWORD),
    )
