"""Writes for coverage: labour forces and coverage targets, checked, audited, all or nothing.

    coverage_save(*, user, year, entries, source="form") -> CoverageSaveResult

It checks access itself (provinces.access), like targets.services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from bhxh_dashboard import clock
from bhxh_dashboard.formatting import number
from bhxh_dashboard.parsing import ParseError, parse_count
from coverage.models import CoverageTarget, LabourForce, LabourForceSource
from progress.models import Progress
from progress.requests import request_recompute
from provinces.access import can_enter_labour_force
from provinces.models import Level, Unit
from targets.models import ChangeField, ChangeLog

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ROW_ERRORS = "__all__"


@dataclass(frozen=True)
class CoverageEntry:
    """One unit's figures as typed: blank labour force or target removes it."""

    unit_id: int
    labour_force: int | str | None
    source: str = LabourForceSource.SURVEY
    coverage_target: Decimal | str | None = None


@dataclass
class CoverageSaveResult:
    saved: bool = False
    changed: int = 0
    # unit_id -> field ("labour_force", "coverage_target" or "__all__") -> messages
    errors: dict[int, dict[str, list[str]]] = field(default_factory=dict)

    def add(self, unit_id: int, key: str, message: str) -> None:
        self.errors.setdefault(unit_id, {}).setdefault(key, []).append(message)


def parse_pct(value: object) -> Decimal | None:
    """A percentage as typed: "2,5", "2.50", "2,5%"; None when blank."""
    text = str(value if value is not None else "").strip().rstrip("%").strip().replace(",", ".")
    if not text:
        return None
    try:
        pct = Decimal(text)
    except InvalidOperation:
        raise ParseError(_("“%(value)s” không phải là một tỷ lệ %%.") % {"value": value}) from None
    if not pct.is_finite() or not (0 < pct <= 100):
        raise ParseError(_("Mục tiêu bao phủ phải lớn hơn 0% và không quá 100%."))
    if pct != pct.quantize(Decimal("0.01")):
        raise ParseError(_("Mục tiêu bao phủ có tối đa 2 chữ số thập phân."))
    return pct.quantize(Decimal("0.01"))


def most_participants(unit_ids: list[int], year: int) -> dict[int, int]:
    """The most participants each unit had in the year (computed progress): its labour force
    cannot be smaller."""
    return dict(
        Progress.objects.filter(unit_id__in=unit_ids, year=year, participants__isnull=False)
        .values("unit_id")
        .annotate(most=Max("participants"))
        .values_list("unit_id", "most")
    )


def coverage_save(
    *, user: User, year: int, entries: list[CoverageEntry], source: str = "form"
) -> CoverageSaveResult:
    """Save the labour forces and coverage targets of one year; nothing when any is refused."""
    result = CoverageSaveResult()
    units = Unit.objects.in_bulk([e.unit_id for e in entries])
    most = most_participants(list(units), year)
    plan: list[tuple[Unit, int | None, str, Decimal | None]] = []
    for entry in entries:
        unit = units.get(entry.unit_id)
        if unit is None or not can_enter_labour_force(user, unit):
            result.add(entry.unit_id, ROW_ERRORS, _("Bạn không được nhập số liệu của đơn vị này."))
            continue
        try:
            value = parse_count(entry.labour_force)
        except ParseError as exc:
            result.add(unit.pk, "labour_force", str(exc))
            value = None
        else:
            if value == 0:
                result.add(unit.pk, "labour_force", _("Số lao động phải lớn hơn 0."))
            elif value is not None and value < most.get(unit.pk, 0):
                result.add(
                    unit.pk,
                    "labour_force",
                    _(
                        "Số lao động (%(value)s) nhỏ hơn số người tham gia của đơn vị trong năm "
                        "(%(participants)s): hãy kiểm tra lại."
                    )
                    % {"value": number(value), "participants": number(most[unit.pk])},
                )
        try:
            pct = parse_pct(entry.coverage_target)
        except ParseError as exc:
            result.add(unit.pk, "coverage_target", str(exc))
            pct = None
        if entry.source not in LabourForceSource.values:
            result.add(unit.pk, "labour_force", _("Nguồn số liệu không hợp lệ."))
        plan.append((unit, value, entry.source, pct))
    if result.errors:
        return result
    now = clock.now()
    with transaction.atomic():
        stored = {
            lf.unit_id: lf
            for lf in LabourForce.objects.select_for_update().filter(
                unit_id__in=[u.pk for u, *_rest in plan], year=year
            )
        }
        targets = {
            t.unit_id: t
            for t in CoverageTarget.objects.select_for_update().filter(
                unit_id__in=[u.pk for u, *_rest in plan], year=year
            )
        }
        logs: list[ChangeLog] = []
        provinces: set[int | None] = set()
        for unit, value, lf_source, pct in plan:
            old = stored.get(unit.pk)
            old_value = old.value if old else None
            changed = False
            if old is None and value is not None:
                LabourForce.objects.create(
                    unit=unit,
                    year=year,
                    value=value,
                    source=lf_source,
                    entered_by=user,
                    entered_at=now,
                )
                changed = True
            elif old is not None and value is None:
                old.delete()
                changed = True
            elif old is not None and (old.value, old.source) != (value, lf_source):
                assert value is not None
                old.value, old.source, old.entered_by, old.entered_at = value, lf_source, user, now
                old.save()
                changed = True
            if old_value != value:
                logs.append(
                    _log(unit, year, ChangeField.LABOUR_FORCE, old_value, value, user, source)
                )
            old_target = targets.get(unit.pk)
            old_pct = old_target.pct if old_target else None
            if old_pct != pct:
                if pct is None:
                    assert old_target is not None
                    old_target.delete()
                else:
                    CoverageTarget.objects.update_or_create(
                        unit=unit, year=year, defaults={"pct": pct, "set_by": user, "set_at": now}
                    )
                logs.append(
                    _log(
                        unit,
                        year,
                        ChangeField.COVERAGE_TARGET,
                        _bp(old_pct),
                        _bp(pct),
                        user,
                        source,
                    )
                )
                changed = True
            if changed:
                result.changed += 1
                provinces.add(None if unit.level == Level.NATION else unit.province_id)
        ChangeLog.objects.bulk_create(logs)
        for province_id in provinces:
            request_recompute(province_id=province_id, year=year)
            # next year's coverage change reads this year's labour force
            request_recompute(province_id=province_id, year=year + 1)
    result.saved = True
    return result


def _bp(pct: Decimal | None) -> int | None:
    """A coverage target in the audit's integers: hundredths of a percent."""
    return None if pct is None else int(pct * 100)


def _log(
    unit: Unit, year: int, what: str, old: int | None, new: int | None, user: User, source: str
) -> ChangeLog:
    return ChangeLog(
        unit=unit,
        year=year,
        field=what,
        old_value=old,
        new_value=new,
        changed_by=user,
        source=source,
    )
