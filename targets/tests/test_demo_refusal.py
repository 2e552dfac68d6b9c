"""`load_demo` creates users with a published password: it refuses a database that is not the
demo's unless told --force (issue 16)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from targets.demo import why_not_a_demo_database


@pytest.mark.django_db
def test_a_database_with_users_of_its_own_is_refused(settings):
    settings.HTTPS = False
    get_user_model().objects.create_user("nguyenvana", password="a-real-persons-pass")
    with pytest.raises(CommandError, match=r"users who are not the demo's \(nguyenvana\).*--force"):
        call_command("load_demo")
    assert not get_user_model().objects.filter(username="quocgia").exists()


@pytest.mark.django_db
def test_a_production_sites_postgresql_is_refused_even_empty(settings):
    from django.db import connection

    settings.HTTPS = True  # DEBUG off, not `make run`'s HTTPS=0
    if connection.vendor == "sqlite":
        pytest.skip("the suite runs on PostgreSQL")
    with pytest.raises(CommandError, match="production site's postgresql database"):
        call_command("load_demo")
    assert get_user_model().objects.count() == 0


@pytest.mark.django_db
def test_an_empty_database_of_make_run_or_a_developer_is_the_demos(settings):
    settings.HTTPS = False
    assert why_not_a_demo_database() is None
