"""Helpers for the entry tests: entries built from the demo's May 2023 figures of Lục Nam.

The demo reopens June 2023 for Bắc Giang (targets.demo), so June 2023 is open for entry while
May and July 2023 are closed, whatever today's date is.
"""

import pytest

from provinces.models import Profile, Role
from provinces.testing import make_district  # noqa: F401  (re-exported for the tests)
from targets.models import MonthlyCount
from targets.services import CountEntry

OPEN = (2023, 6)
CLOSED = (2023, 5)


def may_counts(district) -> dict[int, MonthlyCount]:
    return {
        c.commune_id: c
        for c in MonthlyCount.objects.filter(commune__district=district, year=2023, month=5)
    }


def june_entries(district, *, rise: int = 5, communes=None) -> list[CountEntry]:
    """Plausible June figures: each commune up by `rise`, with enough sign-ups (no warnings)."""
    may = may_counts(district)
    ids = communes or sorted(may)
    return [CountEntry(cid, may[cid].participants + rise, rise + 10) for cid in ids]


@pytest.fixture
def second_clerk(demo, django_user_model):
    """Another staff member of Lục Nam: two people editing the same district."""
    user = django_user_model.objects.create_user(
        username="lucnam2", password="pw", first_name="Trần", last_name="Bình"
    )
    Profile.objects.create(user=user, role=Role.DISTRICT_STAFF, unit=demo.luc_nam)
    return user


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(username="root", password="pw-root")
