from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from provinces.access import can_manage_offices, role_of, scope_unit
from provinces.models import Level, Role


def user_scope(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's role and scope unit, for the navigation bar.

    entry_nav says which data-entry links the user gets: "counts" for district and grassroots
    staff (the monthly grid of their district or office, at entry_counts_url; an office's targets at
    entry_targets_url), "targets" for
    provincial officers (targets and reopening; offices_nav adds their grassroots offices and
    the communes the province serves itself, on today's map).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role, unit = role_of(user), scope_unit(user)
    entry_nav, counts_url, targets_url, offices_nav = None, None, None, False
    if unit is not None and not user.is_superuser:
        if role == Role.DISTRICT_STAFF and unit.level == Level.DISTRICT:
            entry_nav = "counts"
            counts_url = reverse("targets:counts", kwargs={"code": unit.url_code})
        elif role == Role.GRASSROOTS_STAFF and user.profile.office_id is not None:
            entry_nav = "counts"
            office_code = f"o{user.profile.office_id}"
            counts_url = reverse("targets:counts", kwargs={"code": office_code})
            # Their office's targets, shared among its communes (read-only for them).
            targets_url = reverse("targets:targets", kwargs={"code": office_code})
        elif role == Role.PROVINCIAL_OFFICER and unit.level == Level.PROVINCE:
            entry_nav = "targets"
            offices_nav = can_manage_offices(user, unit)
    return {
        "user_role": role,
        "user_scope_unit": unit,
        "entry_nav": entry_nav,
        "entry_counts_url": counts_url,
        "entry_targets_url": targets_url,
        "offices_nav": offices_nav,
    }
