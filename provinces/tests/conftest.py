import pytest

from provinces.tests.offices_world import build_office_world


@pytest.fixture
def offices(db):
    """Today's Bắc Ninh with two grassroots offices and a user per role (offices_world)."""
    return build_office_world()
