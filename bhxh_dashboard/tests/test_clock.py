"""The one clock and the month window across the calendar's edges.

The server's clock is UTC and the product's day is Vietnam's (UTC+7): the 25th begins at 17:00
UTC on the 24th. Each case moves the clock to one instant, given in UTC, and asks what a clerk of
Bắc Giang would be offered then.
"""

import ast
import datetime as dt
import pathlib

import pytest

from bhxh_dashboard import clock
from bhxh_dashboard.months import latest_reportable_month
from provinces.models import Level, Unit
from targets.models import MonthReopening
from targets.selectors import WindowState, default_entry_month, entry_months

UTC = dt.UTC


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# (instant in UTC, Vietnam's date then, the latest reportable month, the month the grid opens on,
#  the state of that month), with no reopening.
EDGES = [
    # the day before the cut-off, in Vietnam, until 16:59:59 UTC on the 24th
    (utc(2026, 11, 24, 16, 59, 59), dt.date(2026, 11, 24), (2026, 10), (2026, 10), "closed"),
    # 17:00 UTC on the 24th is 00:00 on the 25th in Vietnam: November opens
    (utc(2026, 11, 24, 17, 0, 0), dt.date(2026, 11, 25), (2026, 11), (2026, 11), "open"),
    (utc(2026, 11, 24, 17, 30, 0), dt.date(2026, 11, 25), (2026, 11), (2026, 11), "open"),
    (utc(2026, 11, 28, 3, 0, 0), dt.date(2026, 11, 28), (2026, 11), (2026, 11), "open"),
    # the last day of the month
    (utc(2026, 11, 30, 16, 0, 0), dt.date(2026, 11, 30), (2026, 11), (2026, 11), "open"),
    # cut-off + 10 days is the last open day; the day after, the month is closed
    (utc(2026, 12, 5, 16, 59, 0), dt.date(2026, 12, 5), (2026, 11), (2026, 11), "open"),
    (utc(2026, 12, 5, 17, 0, 0), dt.date(2026, 12, 6), (2026, 11), (2026, 11), "closed"),
    # December is cut off on the 31st, not the 25th
    (utc(2026, 12, 25, 3, 0, 0), dt.date(2026, 12, 25), (2026, 11), (2026, 11), "closed"),
    (utc(2026, 12, 30, 16, 59, 59), dt.date(2026, 12, 30), (2026, 11), (2026, 11), "closed"),
    (utc(2026, 12, 30, 17, 0, 0), dt.date(2026, 12, 31), (2026, 12), (2026, 12), "open"),
    # 1 January: December of last year is the month to report
    (utc(2026, 12, 31, 17, 0, 0), dt.date(2027, 1, 1), (2026, 12), (2026, 12), "open"),
    (utc(2027, 1, 10, 16, 0, 0), dt.date(2027, 1, 10), (2026, 12), (2026, 12), "open"),
    (utc(2027, 1, 11, 3, 0, 0), dt.date(2027, 1, 11), (2026, 12), (2026, 12), "closed"),
    # a leap year: February's window ends on 6 March (25/02 + 10 days), not on the 7th
    (utc(2028, 2, 29, 3, 0, 0), dt.date(2028, 2, 29), (2028, 2), (2028, 2), "open"),
    (utc(2028, 3, 6, 3, 0, 0), dt.date(2028, 3, 6), (2028, 2), (2028, 2), "open"),
    (utc(2028, 3, 7, 3, 0, 0), dt.date(2028, 3, 7), (2028, 2), (2028, 2), "closed"),
    (utc(2027, 3, 7, 3, 0, 0), dt.date(2027, 3, 7), (2027, 2), (2027, 2), "open"),
]


@pytest.fixture
def province(db):
    province = Unit.objects.create(level=Level.PROVINCE, code="24", name="Bắc Giang")
    province.province = province
    province.save(update_fields=["province"])
    return province


@pytest.mark.parametrize(("instant", "vn_date", "reportable", "opens_on", "state"), EDGES)
def test_the_month_window_at_the_edges_of_the_calendar(
    province, travel, instant, vn_date, reportable, opens_on, state
):
    travel.move_to(instant, tick=False)
    assert clock.today() == vn_date
    assert latest_reportable_month(clock.today()) == reportable
    windows = entry_months(province_id=province.pk)
    assert (windows[0].year, windows[0].month) == reportable
    assert default_entry_month(windows) == opens_on
    assert windows[0].state == state


def test_a_reopening_closes_the_month_at_its_expiry_to_the_second(
    province, travel, django_user_model
):
    expiry = utc(2026, 12, 20, 16, 59, 59)  # 23:59:59 on 20/12 in Vietnam
    travel.move_to(utc(2026, 12, 15, 3, 0, 0), tick=False)
    MonthReopening.objects.create(
        province=province,
        year=2026,
        month=6,
        open_until=expiry,
        reason="sửa số liệu",
        reopened_by=django_user_model.objects.create_user(username="officer"),
    )
    windows = entry_months(province_id=province.pk)
    assert default_entry_month(windows) == (2026, 6)
    assert next(w for w in windows if w.month == 6 and w.year == 2026).state == WindowState.REOPENED

    travel.move_to(expiry - dt.timedelta(seconds=1), tick=False)
    assert default_entry_month(entry_months(province_id=province.pk)) == (2026, 6)

    travel.move_to(expiry, tick=False)
    windows = entry_months(province_id=province.pk)
    # June is closed again; no month is open, so the grid offers the latest reportable one.
    assert next(w for w in windows if (w.year, w.month) == (2026, 6)).state == WindowState.CLOSED
    assert default_entry_month(windows) == (2026, 11)


def test_the_suite_runs_at_its_own_date_whatever_the_machine_says():
    from conftest import SUITE_NOW

    assert clock.today() == SUITE_NOW.date()
    assert abs((clock.now() - SUITE_NOW).total_seconds()) < 600


# --- Nothing reads the wall clock behind the clock's back -----------------------------------------

ROOT = pathlib.Path(__file__).resolve().parents[2]
WALL_CLOCK_CALLS = {
    ("timezone", "now"),
    ("timezone", "localdate"),
    ("date", "today"),
    ("datetime", "now"),
    ("datetime", "today"),
    ("datetime", "utcnow"),
}


def _wall_clock_reads(path: pathlib.Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
        if (name, node.func.attr) in WALL_CLOCK_CALLS:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}.{node.func.attr}()")
        # timezone.localtime() with no value is "now" too
        if (name, node.func.attr) == ("timezone", "localtime") and not node.args:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} timezone.localtime()")
    return found


def test_no_code_reads_the_wall_clock_except_through_the_clock():
    skipped = {".venv", "migrations", "node_modules", "staticfiles"}
    files = [
        p
        for p in ROOT.rglob("*.py")
        if not skipped & set(p.relative_to(ROOT).parts)
        and p != ROOT / "bhxh_dashboard" / "clock.py"
    ]
    assert len(files) > 50  # the walk found the project
    reads = [read for path in files for read in _wall_clock_reads(path)]
    assert reads == []
