"""Who may see and change what: the one place every view asks.

A user's scope is a unit (the nation for national viewers and superusers); they may read that
unit's whole subtree. Writes are narrower: district staff enter the counts of their district's
communes, provincial officers set targets below their province and reopen its closed months.
"""

from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404

from provinces.models import Level, Profile, Role, Unit

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


def _is_staff_of(user: User | AnonymousUser, district_id: int | None) -> bool:
    """District staff of that district, or a superuser."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    profile = _profile(user)
    return (
        profile is not None
        and profile.role == Role.DISTRICT_STAFF
        and profile.unit_id == district_id
    )


def can_enter_counts(user: User | AnonymousUser, district: Unit) -> bool:
    """District staff enter the counts of their own district's communes; superusers may too."""
    return district.level == Level.DISTRICT and _is_staff_of(user, district.pk)


def can_enter_commune_counts(user: User | AnonymousUser, commune: Unit) -> bool:
    """can_enter_counts for one commune, without loading its district (the commune carries it)."""
    return commune.level == Level.COMMUNE and _is_staff_of(user, commune.district_id)


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
    if province.level != Level.PROVINCE or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    profile = _profile(user)
    return (
        profile is not None
        and profile.role == Role.PROVINCIAL_OFFICER
        and profile.unit_id == province.pk
    )


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
