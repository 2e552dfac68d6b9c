from progress.figures import ROW_FIELDS
from progress.models import Progress


def snapshot(**filters) -> dict:
    """Every stored figure (and computed_at) keyed by (unit, year, month)."""
    rows = Progress.objects.filter(**filters).values(
        "unit_id", "year", "month", "computed_at", *ROW_FIELDS
    )
    return {(r["unit_id"], r["year"], r["month"]): r for r in rows}
