"""Helpers for the outreach tests: Lục Nam's June 2023 (open for entry in the demo) with counts
saved, so its new participants can be split by channel."""

from types import SimpleNamespace

import pytest

from outreach.models import CollectionOrg, OrgKind
from targets.services import counts_save
from targets.tests.conftest import june_entries

JUNE = (2023, 6)


def org_of(province, kind=OrgKind.POST_OFFICE) -> CollectionOrg:
    return CollectionOrg.objects.get(province=province, kind=kind)


@pytest.fixture
def june(demo):
    """Lục Nam's communes with June 2023 saved: each commune's new participants are 15."""
    result = counts_save(user=demo.clerk, year=2023, month=6, entries=june_entries(demo.luc_nam))
    assert result.saved, result.errors
    communes = list(demo.luc_nam.children.order_by("code"))
    return SimpleNamespace(
        communes=communes,
        new=15,
        post=org_of(demo.bac_giang),
        bhxh=org_of(demo.bac_giang, OrgKind.BHXH),
        lang_son_post=org_of(demo.lang_son),
    )


def plant_outreach_canary(demo, commune, attendees: int) -> list[str]:
    """For the access walk: an event of `attendees` people in a Lạng Sơn commune; the codes of
    the post office's grids of Bắc Giang (in scope for its users) and Lạng Sơn (out of it)."""
    import datetime as dt

    from outreach.models import OutreachEvent

    lang_son_post = org_of(demo.lang_son)
    OutreachEvent.objects.create(
        commune=commune,
        organiser=lang_son_post,
        kind="conference",
        held_on=dt.date(2023, 5, 10),
        attendees=attendees,
        sign_ups=0,
    )
    return [org_of(demo.bac_giang).url_code, lang_son_post.url_code]
