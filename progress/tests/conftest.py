import pytest

from progress import services
from progress.models import Progress


def snapshot(**filters) -> dict:
    """Every stored figure (and computed_at) keyed by (unit, year, month)."""
    rows = Progress.objects.filter(**filters).values(
        "unit_id", "year", "month", "computed_at", *services.ROW_FIELDS
    )
    return {(r["unit_id"], r["year"], r["month"]): r for r in rows}


@pytest.fixture
def python_twin(monkeypatch):
    """Make the recompute use the pure-Python rules (as on SQLite) for the rest of the test."""
    monkeypatch.setattr(services, "_set_wise_sql", lambda: False)
