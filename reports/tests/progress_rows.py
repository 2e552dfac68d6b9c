"""Progress rows made directly, for page tests that need a shape the demo does not have."""

from decimal import Decimal

from bhxh_dashboard import clock
from progress.models import Progress
from provinces.models import Unit


def progress_row(unit: Unit, year: int, month: int, **figures) -> Progress:
    """One progress row with the given figures (participants, target, completion_pct, ...)."""
    defaults = {"computed_at": clock.now(), "level": unit.level, "parent_id": unit.parent_id}
    participants, target = figures.get("participants"), figures.get("target")
    if participants is not None and target and "completion_pct" not in figures:
        figures["completion_pct"] = (Decimal(100) * participants / target).quantize(Decimal("0.01"))
        figures.setdefault("gap", max(target - participants, 0))
    return Progress.objects.create(unit=unit, year=year, month=month, **defaults, **figures)
