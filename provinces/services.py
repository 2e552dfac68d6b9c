"""Writes of the tree's organisation: a province's grassroots offices and the communes each serves.

    office_save(*, user, province, code, name, commune_ids, office=None) -> GrassrootsOffice
    office_memberships_import(*, user, province, data, filename) -> MembershipImport

Both check access themselves (provinces.access.can_manage_offices) and write all or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from provinces.access import can_manage_offices
from provinces.models import GrassrootsOffice, Level, OfficeCommune, Unit

if TYPE_CHECKING:
    from django.contrib.auth.models import User

OFFICE_CODE = re.compile(r"^[0-9A-Za-z_.-]{1,10}$")


def office_save(
    *,
    user: User,
    province: Unit,
    code: str,
    name: str,
    commune_ids: Collection[int],
    office: GrassrootsOffice | None = None,
) -> GrassrootsOffice:
    """Create an office of the province (or rename `office`) and set the communes it serves.

    Raises PermissionDenied for anyone but the province's officers, ValidationError for a bad
    code or name, a code already used in the province, or a commune outside the province or
    served by another office.
    """
    _check_manager(user, province, office)
    code, name = _clean_code(code), _clean_name(name)
    with transaction.atomic():
        taken = GrassrootsOffice.objects.filter(province=province, code__iexact=code)
        if office is not None:
            taken = taken.exclude(pk=office.pk)
        if taken.exists():
            raise ValidationError({"code": _("Mã BHXH cơ sở đã có trong tỉnh này.")})
        communes = _free_communes(province, set(commune_ids), office)
        if office is None:
            office = GrassrootsOffice.objects.create(province=province, code=code, name=name)
        else:
            office.code, office.name = code, name
            office.save(update_fields=["code", "name"])
        _set_communes(office, communes)
    return office


def _check_manager(user: User, province: Unit, office: GrassrootsOffice | None) -> None:
    if not can_manage_offices(user, province):
        raise PermissionDenied
    if office is not None and office.province_id != province.pk:
        raise PermissionDenied


def _clean_code(code: str) -> str:
    code = (code or "").strip()
    if not OFFICE_CODE.match(code):
        raise ValidationError(
            {"code": _("Mã BHXH cơ sở gồm 1 đến 10 chữ cái, chữ số hoặc dấu “-”, “_”, “.”.")}
        )
    return code


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Cần ghi tên BHXH cơ sở.")})
    if len(name) > 100:
        raise ValidationError({"name": _("Tên BHXH cơ sở dài tối đa 100 ký tự.")})
    return name


def _free_communes(
    province: Unit, commune_ids: set[int], office: GrassrootsOffice | None
) -> list[Unit]:
    """The communes, locked, each checked: of the province, and served by no other office."""
    communes = {
        c.pk: c
        for c in Unit.objects.select_for_update(no_key=True)
        .filter(pk__in=commune_ids, level=Level.COMMUNE)
        .prefetch_related("office_memberships__office")
    }
    errors = []
    for commune_id in sorted(commune_ids):
        commune = communes.get(commune_id)
        if commune is None or commune.province_id != province.pk:
            errors.append(_("Xã không thuộc %(province)s.") % {"province": province.name})
            continue
        served_by = next((m.office for m in commune.office_memberships.all()), None)
        if served_by is not None and served_by != office:
            errors.append(
                _("%(commune)s đã thuộc %(office)s.")
                % {"commune": commune.full_name, "office": served_by.name}
            )
    if errors:
        raise ValidationError({"communes": errors})
    return list(communes.values())


def _set_communes(office: GrassrootsOffice, communes: list[Unit]) -> None:
    wanted = {c.pk for c in communes}
    office.memberships.exclude(commune_id__in=wanted).delete()
    present = set(office.memberships.values_list("commune_id", flat=True))
    OfficeCommune.objects.bulk_create(
        OfficeCommune(office=office, commune_id=pk) for pk in sorted(wanted - present)
    )


# ---------------------------------------------------------------------------------------------
# The membership file: office code, office name, commune code
# ---------------------------------------------------------------------------------------------


@dataclass
class MembershipImport:
    """What a membership file did, or why it did nothing (one message per bad line)."""

    errors: list[str] = field(default_factory=list)
    offices: int = 0
    communes: int = 0

    @property
    def saved(self) -> bool:
        return not self.errors


@dataclass
class _OfficeLines:
    name: str
    line: int
    commune_ids: list[int] = field(default_factory=list)


def office_memberships_import(
    *, user: User, province: Unit, data: bytes, filename: str
) -> MembershipImport:
    """Set the offices a file names, and exactly the communes it lists for each, all or nothing.

    Each line is an office code, its name and a commune code of the province. An office of the
    file is created, or renamed, and serves exactly its lines' communes; offices the file does
    not name are left as they are. Any bad line is reported with its number and nothing is saved.
    """
    from targets.imports import ImportFileError, read_table

    if not can_manage_offices(user, province):
        raise PermissionDenied
    result = MembershipImport()
    try:
        table = read_table(data, filename)
    except ImportFileError as exc:
        result.errors.append(str(exc))
        return result
    offices = _read_membership_lines(table, province, result)
    if result.errors:
        return result
    existing = {o.code.lower(): o for o in GrassrootsOffice.objects.filter(province=province)}
    with transaction.atomic():
        # Clear the file's offices first, so a commune may move between two of them.
        OfficeCommune.objects.filter(
            office__in=[existing[c.lower()] for c in offices if c.lower() in existing]
        ).delete()
        for code, lines in offices.items():
            try:
                office_save(
                    user=user,
                    province=province,
                    code=code,
                    name=lines.name,
                    commune_ids=lines.commune_ids,
                    office=existing.get(code.lower()),
                )
            except ValidationError as exc:
                transaction.set_rollback(True)
                result.errors += _line_messages(exc, lines.line)
                return result
    result.offices = len(offices)
    result.communes = sum(len(lines.commune_ids) for lines in offices.values())
    return result


def _line_messages(exc: ValidationError, line: int) -> list[str]:
    return [
        _("Dòng %(line)s: %(message)s") % {"line": line, "message": message}
        for message in exc.messages
    ]


def _read_membership_lines(
    table: list[list[str]], province: Unit, result: MembershipImport
) -> dict[str, _OfficeLines]:
    """The file's offices by code (as first written), each with its communes; errors by line."""
    from targets.imports import normalize_code

    rows = table[1:] if normalize_code(_cell(table[0], 2), Level.COMMUNE) is None else table
    first_line = 2 if rows is not table else 1
    communes = dict(
        Unit.objects.communes().filter(province_id=province.pk).values_list("code", "pk")
    )
    offices: dict[str, _OfficeLines] = {}
    by_key: dict[str, str] = {}
    seen: dict[int, int] = {}
    for line, cells in enumerate(rows, start=first_line):
        code, name, raw_commune = (
            _cell(cells, 0),
            " ".join(_cell(cells, 1).split()),
            _cell(cells, 2),
        )
        commune_code = normalize_code(raw_commune, Level.COMMUNE)
        problem = None
        if not OFFICE_CODE.match(code):
            problem = _("mã BHXH cơ sở “%(code)s” không hợp lệ.") % {"code": code}
        elif not name:
            problem = _("thiếu tên BHXH cơ sở.")
        elif commune_code is None:
            problem = _("mã xã “%(code)s” không hợp lệ.") % {"code": raw_commune}
        elif commune_code not in communes:
            problem = _("xã mã %(code)s không thuộc %(province)s.") % {
                "code": commune_code,
                "province": province.name,
            }
        elif communes[commune_code] in seen:
            problem = _("xã mã %(code)s đã có ở dòng %(other)s.") % {
                "code": commune_code,
                "other": seen[communes[commune_code]],
            }
        elif (known := by_key.get(code.lower())) and offices[known].name != name:
            problem = _("tên khác với dòng %(other)s của cùng mã %(code)s.") % {
                "other": offices[known].line,
                "code": code,
            }
        if problem:
            result.errors.append(
                _("Dòng %(line)s: %(message)s") % {"line": line, "message": problem}
            )
            continue
        assert commune_code is not None
        key = by_key.setdefault(code.lower(), code)
        lines = offices.setdefault(key, _OfficeLines(name=name, line=line))
        lines.commune_ids.append(communes[commune_code])
        seen[communes[commune_code]] = line
    _refuse_communes_of_other_offices(seen, offices, result)
    return offices


def _refuse_communes_of_other_offices(
    line_of: dict[int, int], offices: dict[str, _OfficeLines], result: MembershipImport
) -> None:
    """A commune the file lists may come from one of the file's offices, not from another."""
    in_file = {code.lower() for code in offices}
    taken = OfficeCommune.objects.filter(commune_id__in=line_of).select_related("office", "commune")
    for membership in sorted(taken, key=lambda m: line_of[m.commune_id]):
        if membership.office.code.lower() not in in_file:
            result.errors.append(
                _("Dòng %(line)s: %(commune)s đã thuộc %(office)s (mã %(code)s).")
                % {
                    "line": line_of[membership.commune_id],
                    "commune": membership.commune.full_name,
                    "office": membership.office.name,
                    "code": membership.office.code,
                }
            )


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""
