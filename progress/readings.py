"""Figures computed when the stored progress rows are read: one place for the pages, the charts,
the PDF summaries and the API, so a figure cannot differ between two places of the same page.

progress/figures.py defines what the recompute stores; this module what is derived from it:

- Two kinds of target (DOMAIN.md): a participants target (a stock at year end: ``target``,
  ``completion_pct``) and a new-participants target (a flow: ``target_new``, ``new_ytd``,
  ``completion_new_pct``). A unit may have either, both or none.
- Expected completion (``expected_completion_pct``), the straight path to the target at the
  deadline month the province set (``deadline_month``, 12 when none):
  - participants: from the participants at the end of last year (participants − change vs end
    of last year; zero when unknown) to the target:
    start + (target − start) × min(month / deadline, 1), as a % of the target;
  - new participants: from 0 in January to the target: 100 × min(month / deadline, 1).
- Traffic light (``light``), per kind: green when the completion % is at or above the expected
  completion, amber when below it by at most 10 percentage points, red when further behind;
  None (grey) without a target or a figure. A unit with both targets has both lights.
- The completion a unit is ranked, coloured and banded by (``ranking_pct``, ``main_kind``): the
  participants completion when the unit has one, else the new-participants completion.
- Pace so far (``pace_so_far``): what the unit gained a month on average since January,
  change vs end of last year / month, rounded half away from zero.
- Reporting rate (``reporting_rate``): communes reported / communes of the unit, in %.
- Report-by date (``report_by``): counts cut off on the 25th are reported by the 28th;
  December closes on the 31st and has no report-by day of its own (None).
- Figures as of (``freshness``): a unit-year's figures are as old as the oldest recompute of the
  provinces it covers (its province; every province for the nation), and pending while any of
  them waits for a recompute. The PDF caches by ``version`` (the sum of those provinces'
  data versions, which grows with every recompute of any of them).

Rows may be progress.models.Progress instances or plain mappings with the same field names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, NamedTuple

from django.db.models import Count, F, Min, Sum
from django.db.models.functions import Coalesce

from bhxh_dashboard.months import closes_on, cutoff_date
from progress.models import RecomputeState
from progress.selectors import PENDING
from provinces.models import Level, Unit

Kind = Literal["participants", "new"]
Light = Literal["green", "amber", "red"]
PARTICIPANTS: Kind = "participants"
NEW: Kind = "new"
KINDS: tuple[Kind, ...] = (PARTICIPANTS, NEW)

AMBER_BAND = Decimal(10)  # percentage points behind the expected completion still shown amber
REPORT_BY_DAYS = 3  # cut off on the 25th, reported by the 28th (DOMAIN.md)
CENT = Decimal("0.01")

# The target and the completion % of each kind, as the progress table names them.
TARGET_FIELD: dict[Kind, str] = {PARTICIPANTS: "target", NEW: "target_new"}
COMPLETION_FIELD: dict[Kind, str] = {PARTICIPANTS: "completion_pct", NEW: "completion_new_pct"}

# ranking_pct in SQL, for ordering and filtering a queryset of progress rows: completion_pct is
# NULL exactly when the unit has no participants target or no participants that month.
RANKING_PCT = Coalesce(F("completion_pct"), F("completion_new_pct"))


def _field(row: Any, key: str) -> Any:
    if isinstance(row, Mapping):
        return row.get(key)
    return getattr(row, key, None)


def has_target(row: Any, kind: Kind) -> bool:
    return bool(_field(row, TARGET_FIELD[kind]))


def completion(row: Any, kind: Kind) -> Decimal | None:
    value = _field(row, COMPLETION_FIELD[kind])
    return None if value is None else Decimal(value)


def expected_completion_pct(row: Any, kind: Kind = PARTICIPANTS) -> Decimal | None:
    """Completion % the unit should have reached by the row's month on a straight path to its
    target of `kind`; None without that target or the month's figures."""
    target = _field(row, TARGET_FIELD[kind])
    month = _field(row, "month")
    if not target or not month:
        return None
    deadline = _field(row, "deadline_month") or 12
    share = min(Decimal(month) / Decimal(deadline), Decimal(1))
    if kind == NEW:
        if _field(row, "new_ytd") is None:
            return None
        return (100 * share).quantize(CENT, ROUND_HALF_UP)
    participants = _field(row, "participants")
    if participants is None:
        return None
    since_year_end = _field(row, "change_vs_prev_year_end")
    start = Decimal(participants - since_year_end if since_year_end is not None else 0)
    expected = start + (Decimal(target) - start) * share
    return (100 * expected / Decimal(target)).quantize(CENT, ROUND_HALF_UP)


def light(row: Any, kind: Kind = PARTICIPANTS) -> Light | None:
    """ "green", "amber" or "red" for the unit's target of `kind`, None when nothing to judge."""
    done = completion(row, kind)
    expected = expected_completion_pct(row, kind)
    if done is None or expected is None:
        return None
    if done >= expected:
        return "green"
    if expected - done <= AMBER_BAND:
        return "amber"
    return "red"


def main_kind(row: Any) -> Kind | None:
    """The kind of target the unit is ranked, coloured and banded by: participants when it has
    that completion, else new participants; None when it has neither."""
    if completion(row, PARTICIPANTS) is not None:
        return PARTICIPANTS
    if completion(row, NEW) is not None:
        return NEW
    return None


def ranking_pct(row: Any) -> Decimal | None:
    """The completion % of `main_kind` (RANKING_PCT is the same in SQL)."""
    kind = main_kind(row)
    return completion(row, kind) if kind else None


class Reading(NamedTuple):
    """One kind of target of one row, as a page shows it."""

    kind: Kind
    target: int
    completion_pct: Decimal | None
    expected_pct: Decimal | None
    light: Light | None


def readings(row: Any) -> list[Reading]:
    """The unit's targets (participants first), each with its completion and light."""
    return [
        Reading(
            kind,
            _field(row, TARGET_FIELD[kind]),
            completion(row, kind),
            expected_completion_pct(row, kind),
            light(row, kind),
        )
        for kind in KINDS
        if has_target(row, kind)
    ]


class ChildrenCompletion(NamedTuple):
    """A unit without its own participants target, against what its children with figures that
    month were given: pct of their summed targets, from `reported` of them."""

    pct: Decimal
    participants: int
    target: int
    reported: int


def children_completion(
    participants: int | None, target: int | None, reported: int
) -> ChildrenCompletion | None:
    """Like with like: the participants of the children that have figures against those same
    children's targets (the nation, when no national plan is set, against the provinces')."""
    if participants is None or not target:
        return None
    pct = (Decimal(100 * participants) / Decimal(target)).quantize(CENT, ROUND_HALF_UP)
    return ChildrenCompletion(pct, participants, target, reported)


def pace_so_far(row: Any) -> int | None:
    """Participants gained a month on average since January (beside the pace it needs)."""
    since = _field(row, "change_vs_prev_year_end")
    month = _field(row, "month")
    if since is None or not month:
        return None
    return int((Decimal(since) / month).quantize(Decimal(1), ROUND_HALF_UP))


def reporting_rate(row: Any) -> float | None:
    """Communes that reported the month, in % of the unit's communes (2 decimals)."""
    total = _field(row, "communes_total")
    if not total:
        return None
    return round(100 * (_field(row, "communes_reported") or 0) / total, 2)


def reporting_is_over(year: int, month: int, reported: int, total: int, *, today: dt.date) -> bool:
    """A month's reporting is over once its entry window has closed (a reopening is for
    corrections) or every commune has reported; until then its figures are an estimate."""
    return today > closes_on(year, month) or (total > 0 and reported >= total)


def report_by(year: int, month: int) -> dt.date | None:
    """The day a month's counts are due: three days after the 25th; none for December."""
    if month == 12:
        return None
    return cutoff_date(year, month) + dt.timedelta(days=REPORT_BY_DAYS)


class Freshness(NamedTuple):
    """computed_at: the figures are as of this time (the oldest recompute of the provinces the
    unit covers); pending: one of them waits for a recompute; version: what PDFs cache by."""

    computed_at: dt.datetime | None
    pending: bool
    version: int = 0


def freshness(unit: Unit, year: int) -> Freshness:
    """The figures as of which a unit-year is shown: its province's recompute state (every
    province's for the nation). One query."""
    states = RecomputeState.objects.filter(year=year)
    if unit.level != Level.NATION:
        states = states.filter(province_id=unit.province_id)
    summary = states.aggregate(
        oldest=Min("computed_at"),
        waiting=Count("id", filter=PENDING),
        version=Sum("data_version"),
    )
    return Freshness(summary["oldest"], summary["waiting"] > 0, summary["version"] or 0)
