"""The access walk of tests/test_access_walk.py on today's map: every URL, filled with today's
provinces, communes and grassroots offices, for the roles of today's map. Figures planted in
today's Lạng Sơn must not reach Bắc Ninh's users, nor Bắc Ninh's Lạng Sơn's or an old district's.
"""

import pytest

from progress.services import recompute_all
from targets.models import MonthlyCount
from tests.test_access_walk import FILE_QUERIES, World, concrete_urls, number_forms, walk

BAC_NINH_CANARY = 876_543
LANG_SON_CANARY = 654_321


def plant(offices) -> World:
    lang_son_commune = offices.lang_son.children.order_by("code").first()
    bac_ninh_commune = offices.communes[15]  # office 02's
    for commune, value in (
        (lang_son_commune, LANG_SON_CANARY),
        (bac_ninh_commune, BAC_NINH_CANARY),
    ):
        MonthlyCount.objects.create(commune=commune, year=2026, month=10, participants=value)
    recompute_all(year=2026)
    outside_bac_ninh = ["Lạng Sơn", *number_forms(LANG_SON_CANARY)]
    outside_lang_son = ["Bắc Ninh", *number_forms(BAC_NINH_CANARY)]
    return World(
        codes=[
            "t24",
            "t20",
            offices.office_a.url_code,
            offices.office_b.url_code,
            f"x{offices.communes[0].code}",
            f"x{lang_son_commune.code}",
        ],
        ids=[str(lang_son_commune.pk), str(offices.office_b.pk)],
        canaries={
            "staff_a": outside_bac_ninh,
            "officer": outside_bac_ninh,
            "other_officer": outside_lang_son,
            "district_staff": outside_bac_ninh + [*number_forms(BAC_NINH_CANARY)],
            "anonymous": outside_bac_ninh + outside_lang_son,
        },
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", ["anonymous", "staff_a", "officer", "other_officer", "district_staff"]
)
def test_no_url_of_todays_map_shows_data_outside_the_users_scope(client, offices, role):
    world = plant(offices)
    if role != "anonymous":
        client.force_login(getattr(offices, role))
    # admin is staff only: the main walk covers it
    urls = [(name, url) for name, url in concrete_urls(world) if not url.startswith("/admin/")]
    leaks, errors = walk(client, urls, role=role, canaries=world.canaries[role])
    assert not errors, errors
    assert not leaks, leaks


@pytest.mark.django_db
def test_grassroots_staff_download_no_other_offices_figures(client, offices):
    """Staff read the whole province's pages, but its files only for their own office: no
    template or export of another office, or of the province's own communes, reaches them."""
    world = plant(offices)  # Bắc Ninh's canary is in office 02's commune
    client.force_login(offices.staff_a)
    files = [
        (name, url)
        for name, url in concrete_urls(world)
        if any(url.endswith(query) for query in FILE_QUERIES.get(name, []))
    ]
    assert any(offices.office_b.url_code in url for _name, url in files)
    leaks, errors = walk(
        client, files, role="staff_a", canaries=number_forms(BAC_NINH_CANARY) + ["Lạng Sơn"]
    )
    assert not errors, errors
    assert not leaks, leaks
