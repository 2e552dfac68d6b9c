"""The demo's labour forces and coverage targets (called by targets/demo.py's loaders).

Working-age labour forces of the size the statistics office's Labour Force Survey gives the
demo provinces; coverage targets on Resolution 28-NQ/TW's path (nationally 2,5% by 2025, 5% by
2030) with a 2030 figure per province as Resolution 403/NQ-CP sets them. Today's Bắc Ninh and
Đồng Tháp have no 2025 figure of their own: it is summed from the old provinces they took over.
Old Tiền Giang is the Tiền Giang-style case: in June 2025 it stands at 31% of its coverage target.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from bhxh_dashboard import clock
from coverage.models import CoverageTarget, LabourForce, LabourForceSource
from provinces.models import NEW_MAP_FROM, Level, Unit
from targets.models import MonthlyCount

# Old map: code -> working-age labour force in 2022 and its yearly growth.
OLD_LABOUR = {
    "01": (4_250_000, 0.012),  # Hà Nội
    "19": (760_000, 0.008),  # Thái Nguyên
    "20": (470_000, 0.007),  # Lạng Sơn
    "24": (1_080_000, 0.010),  # Bắc Giang
    "27": (850_000, 0.011),  # Bắc Ninh
    "40": (1_900_000, 0.006),  # Nghệ An
    "82": (1_010_000, 0.004),  # Tiền Giang
    "87": (950_000, 0.004),  # Đồng Tháp
}
OLD_YEARS = (2022, 2023, 2024, 2025)
# Coverage targets of the old provinces (%), the same for each demo province but Tiền Giang's.
OLD_TARGETS = {2022: Decimal("3.50"), 2023: Decimal("4.50"), 2024: Decimal("5.00")}
OLD_TARGET_2025 = Decimal("5.50")
# Today's provinces: code -> (own 2026 labour force, coverage targets by year).
TODAY = {
    "24": (2_010_000, {2025: "5.20", 2026: "6.00", 2030: "8.00"}),  # Bắc Ninh
    "20": (478_000, {2025: "3.60", 2026: "4.00", 2030: "6.00"}),  # Lạng Sơn
    "82": (1_975_000, {2025: "4.50", 2026: "4.90", 2030: "7.50"}),  # Đồng Tháp
}
NATION_TARGETS = {2025: Decimal("2.50"), 2030: Decimal("5.00")}
TIEN_GIANG, TIEN_GIANG_MONTH, TIEN_GIANG_COMPLETION = "82", (2025, 6), Decimal("31.00")
TIEN_GIANG_TARGET_2025 = Decimal("10.00")


def _tien_giang_labour_force(participants: int) -> int:
    """The labour force that puts `participants` at exactly 31,00% of a 10% coverage target."""
    labour = int(participants * 100 / TIEN_GIANG_COMPLETION * 100 / TIEN_GIANG_TARGET_2025)
    for candidate in range(labour - 50, labour + 50):
        people = -(-candidate * int(TIEN_GIANG_TARGET_2025 * 100) // 10_000)
        pct = (Decimal(100 * participants) / people).quantize(Decimal("0.01"))
        if pct == TIEN_GIANG_COMPLETION:
            return candidate
    return labour


def load_coverage_demo() -> int:
    """Replace the demo provinces' labour forces and coverage targets; how many rows."""
    now = clock.now()
    old = {
        p.code: p
        for p in Unit.objects.provinces().filter(code__in=OLD_LABOUR, valid_from__isnull=True)
    }
    new = {
        p.code: p for p in Unit.objects.provinces().filter(code__in=TODAY, valid_from=NEW_MAP_FROM)
    }
    nation = Unit.objects.filter(level=Level.NATION).first()
    units = [*old.values(), *new.values(), *([nation] if nation else [])]
    LabourForce.objects.filter(unit__in=units).delete()
    CoverageTarget.objects.filter(unit__in=units).delete()
    labour, targets = [], []

    def lf(unit: Unit, year: int, value: int, source: str = LabourForceSource.SURVEY) -> None:
        labour.append(LabourForce(unit=unit, year=year, value=value, source=source, entered_at=now))

    def target(unit: Unit, year: int, pct: Decimal) -> None:
        targets.append(CoverageTarget(unit=unit, year=year, pct=pct, set_at=now))

    for code, province in old.items():
        start, growth = OLD_LABOUR[code]
        if code == TIEN_GIANG:
            # its 2025 figure puts June 2025 at 31% of its target; the years before lead to it
            year_, month = TIEN_GIANG_MONTH
            june = MonthlyCount.objects.filter(
                commune__province=province, year=year_, month=month
            ).aggregate(p=Sum("participants"))["p"]
            if june:
                start = round(_tien_giang_labour_force(june) / (1 + growth) ** 3)
        for i, year in enumerate(OLD_YEARS):
            value = round(start * (1 + growth) ** i)
            if code == TIEN_GIANG and year == TIEN_GIANG_MONTH[0] and june:
                value = _tien_giang_labour_force(june)
            lf(province, year, value)
        for year, pct in OLD_TARGETS.items():
            target(province, year, pct)
        target(province, 2025, TIEN_GIANG_TARGET_2025 if code == TIEN_GIANG else OLD_TARGET_2025)
    for code, province in new.items():
        own_2026, path = TODAY[code]
        if code == "20":  # unchanged by the reform: its own figure both years
            lf(province, 2025, round(OLD_LABOUR["20"][0] * 1.007**3), LabourForceSource.PROVINCE)
        # 2025 of Bắc Ninh and Đồng Tháp: summed from the old provinces by the recompute
        lf(province, 2026, own_2026, LabourForceSource.PROVINCE)
        for year, text in path.items():
            target(province, year, Decimal(text))
    if nation is not None:
        for year, pct in NATION_TARGETS.items():
            target(nation, year, pct)
    LabourForce.objects.bulk_create(labour)
    CoverageTarget.objects.bulk_create(targets)
    return len(labour) + len(targets)
