"""A throw-away database for the benchmark scripts (call django.setup() before importing)."""

from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django.test.utils import setup_test_environment


@contextmanager
def throwaway_database(prefix: str):
    """Work in `<prefix><configured name>`, migrated from scratch and dropped at the end."""
    if connection.vendor != "postgresql":
        print("Set DATABASE_URL to a PostgreSQL database: the figures that matter are its own.")
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        prefix + settings.DATABASES["default"]["NAME"].rsplit("/", 1)[-1]
    )
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
