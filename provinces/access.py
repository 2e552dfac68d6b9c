"""Who may see and change what: the one place every view asks.

A user's scope is a unit (the nation for national viewers and superusers); they may read that
unit's whole subtree. Writes are narrower. On the old map, district staff enter the counts of
their district's communes. On today's map (no districts), grassroots staff enter those of the
communes their office serves, and a province's officers those no office serves (the provincial
office serves them itself); officers also manage their province's offices. Provincial officers
set targets below their province and reopen its closed months.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404

from provinces.models import GrassrootsOffice, Level, OfficeCommune, Profile, Role, Unit
from provinces.selectors import EntryGroup

# URL prefix -> (level, of today's map?): p, d, c on the map before 01/07/2025, t, x on today's.
URL_PREFIX_LEVEL = {
    "vn": (Level.NATION, False),
    "p": (Level.PROVINCE, False),
    "d": (Level.DISTRICT, False),
    "c": (Level.COMMUNE, False),
    "t": (Level.PROVINCE, True),
    "x": (Level.COMMUNE, True),
}


def _profile(user: User | AnonymousUser) -> Profile | None:
    if not user.is_authenticated:
        return None
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def role_of(user: User | AnonymousUser) -> str | None:
    if getattr(user, "is_superuser", False):
        return Role.NATIONAL_VIEWER
    profile = _profile(user)
    return profile.role if profile else None


def scope_unit(user: User | AnonymousUser) -> Unit | None:
    """The root of what the user may read, or None for no access at all."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Unit.objects.get(level=Level.NATION)
    profile = _profile(user)
    return profile.unit if profile else None


def is_within(unit: Unit, root: Unit) -> bool:
    """Is `unit` in the subtree of `root` (itself included)? No query: units carry their parents."""
    if root.level == Level.NATION:
        return True
    if root.level == Level.PROVINCE:
        return unit.province_id == root.pk or unit.province_id in root.taken_over_province_ids
    if root.level == Level.DISTRICT:
        return unit.district_id == root.pk
    return unit.pk == root.pk


def can_view(user: User | AnonymousUser, unit: Unit) -> bool:
    root = scope_unit(user)
    return root is not None and is_within(unit, root)


def _has_role(
    user: User | AnonymousUser,
    role: str,
    *,
    unit_id: int | None = None,
    office_id: int | None = None,
) -> bool:
    """The user has `role` on that unit (or that grassroots office), or is a superuser."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    profile = _profile(user)
    if profile is None or profile.role != role:
        return False
    if office_id is not None:
        return profile.office_id == office_id
    return unit_id is not None and profile.unit_id == unit_id


def _is_staff_of(user: User | AnonymousUser, district_id: int | None) -> bool:
    """District staff of that district, or a superuser."""
    return _has_role(user, Role.DISTRICT_STAFF, unit_id=district_id)


def _is_officer_of(user: User | AnonymousUser, province_id: int | None) -> bool:
    """A provincial officer of that province, or a superuser."""
    return _has_role(user, Role.PROVINCIAL_OFFICER, unit_id=province_id)


def _is_office_staff(user: User | AnonymousUser, office_id: int) -> bool:
    """Grassroots staff of that office, or a superuser."""
    return _has_role(user, Role.GRASSROOTS_STAFF, office_id=office_id)


def can_enter_counts(user: User | AnonymousUser, district: Unit) -> bool:
    """District staff enter the counts of their own district's communes; superusers may too."""
    return district.level == Level.DISTRICT and _is_staff_of(user, district.pk)


def can_enter_office_counts(user: User | AnonymousUser, office: GrassrootsOffice) -> bool:
    """Grassroots staff enter the counts of the communes their office serves."""
    return _is_office_staff(user, office.pk)


def can_manage_offices(user: User | AnonymousUser, province: Unit) -> bool:
    """The officers of a province of today's map set up its grassroots offices."""
    return (
        province.level == Level.PROVINCE
        and province.is_new_map
        and _is_officer_of(user, province.pk)
    )


def can_enter_self_served_counts(user: User | AnonymousUser, province: Unit) -> bool:
    """The officers of a province of today's map enter the communes it serves itself."""
    return can_manage_offices(user, province)


def can_enter_group_counts(user: User | AnonymousUser, group: EntryGroup) -> bool:
    """Whether the user enters the counts of an entry grid's communes."""
    if group.office is not None:
        return can_enter_office_counts(user, group.office)
    if group.unit.level == Level.PROVINCE:
        return can_enter_self_served_counts(user, group.unit)
    return can_enter_counts(user, group.unit)


def can_download_group_files(user: User | AnonymousUser, group: EntryGroup) -> bool:
    """Whether the user downloads an entry grid's files (its template, its export): whoever
    reads its communes, except grassroots staff, who get their own office's only."""
    if not can_view(user, group.unit):
        return False
    profile = _profile(user)
    if profile is None or user.is_superuser or profile.role != Role.GRASSROOTS_STAFF:
        return True
    return group.office is not None and group.office.pk == profile.office_id


def can_enter_commune_counts(
    user: User | AnonymousUser, commune: Unit, *, office_id: int | None
) -> bool:
    """Whether the user enters one commune's counts, without loading its district or office.

    `office_id` is the grassroots office serving the commune (None: none does). An old commune
    is its district staff's; one of today's map its office's staff's, or its province officers'
    when no office serves it.
    """
    if commune.level != Level.COMMUNE:
        return False
    if not commune.is_new_map:
        return _is_staff_of(user, commune.district_id)
    if office_id is not None:
        return _is_office_staff(user, office_id)
    return _is_officer_of(user, commune.province_id)


def enterable_commune_ids(user: User | AnonymousUser, communes: Iterable[Unit]) -> set[int]:
    """The communes among these whose counts the user enters: one query for their offices."""
    communes = list(communes)
    new_ids = [c.pk for c in communes if c.is_new_map]
    offices = dict(
        OfficeCommune.objects.filter(commune_id__in=new_ids).values_list("commune_id", "office_id")
        if new_ids
        else []
    )
    return {
        c.pk for c in communes if can_enter_commune_counts(user, c, office_id=offices.get(c.pk))
    }


def can_set_targets(user: User | AnonymousUser, unit: Unit) -> bool:
    """Provincial officers set the targets of the districts and communes of their province.

    The province's own target is assigned from above: superusers set it, on the province's
    targets page (its first row) or with a targets file. Admin is read-only.
    """
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return unit.level >= Level.PROVINCE
    profile = _profile(user)
    return (
        profile is not None
        and profile.role == Role.PROVINCIAL_OFFICER
        and unit.level in (Level.DISTRICT, Level.COMMUNE)
        and unit.province_id == profile.unit_id
    )


def can_reopen_month(user: User | AnonymousUser, province: Unit) -> bool:
    return province.level == Level.PROVINCE and _is_officer_of(user, province.pk)


def can_download_reports(user: User | AnonymousUser, unit: Unit) -> bool:
    """Managers download summaries of their scope; officers and national viewers may too."""
    return can_view(user, unit)


def parse_url_code(url_code: str) -> tuple[int, str, bool]:
    """ "p24" -> (PROVINCE, "24", False), "t24" -> (PROVINCE, "24", True): level, code and
    whether the unit is on today's map; raises Http404 for anything else."""
    for prefix, (level, new_map) in URL_PREFIX_LEVEL.items():
        if url_code.startswith(prefix):
            code = url_code[len(prefix) :]
            if level == Level.NATION:
                return level, "VN", False
            if code.isdigit():
                return level, code, new_map
    raise Http404("Unknown unit")


def unit_by_url_code(url_code: str) -> Unit:
    """The unit a URL names (Unit.DoesNotExist when none)."""
    level, code, new_map = parse_url_code(url_code)
    return Unit.objects.get(level=level, code=code, valid_from__isnull=not new_map)


def get_visible_unit_or_404(user: User | AnonymousUser, url_code: str) -> Unit:
    """The unit named in a URL, or 404 when it does not exist or is outside the user's scope.

    404 rather than 403, so that a URL does not even confirm what exists outside one's scope.
    """
    try:
        unit = unit_by_url_code(url_code)
    except Unit.DoesNotExist:
        raise Http404("Unknown unit") from None
    if not can_view(user, unit):
        raise Http404("Unknown unit")
    return unit


def get_visible_office_or_404(user: User | AnonymousUser, url_code: str) -> GrassrootsOffice:
    """The grassroots office a URL names ("o12"), or 404 when none or outside the user's scope."""
    office_id = url_code[1:] if url_code.startswith("o") else ""
    if not office_id.isdigit():
        raise Http404("Unknown office")
    office = GrassrootsOffice.objects.select_related("province").filter(pk=office_id).first()
    if office is None or not can_view(user, office.province):
        raise Http404("Unknown office")
    return office


def get_visible_entry_group_or_404(user: User | AnonymousUser, url_code: str) -> EntryGroup:
    """The communes an entry grid's URL names: an old district ("d218"), a grassroots office
    ("o12") or the communes a province of today's map serves itself ("t24"); else 404."""
    if url_code.startswith("o"):
        office = get_visible_office_or_404(user, url_code)
        return EntryGroup(unit=office.province, office=office)
    unit = get_visible_unit_or_404(user, url_code)
    if unit.level == Level.DISTRICT or (unit.level == Level.PROVINCE and unit.is_new_map):
        return EntryGroup(unit=unit)
    raise Http404("Not a district, an office or a province of today's map")


def can_enter_labour_force(user: User | AnonymousUser, unit: Unit) -> bool:
    """Coverage (coverage app): superusers enter any unit's labour force and coverage target; a
    provincial officer those of their province and its districts and communes."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    profile = _profile(user)
    return (
        profile is not None
        and profile.role == Role.PROVINCIAL_OFFICER
        and unit.level >= Level.PROVINCE
        and unit.province_id == profile.unit_id
    )
