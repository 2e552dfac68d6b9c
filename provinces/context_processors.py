from typing import Any

from django.http import HttpRequest

from provinces.access import role_of, scope_unit
from provinces.models import Level, Role


def user_scope(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's role and scope unit, for the navigation bar.

    entry_nav says which data-entry links the user gets: "counts" for district staff (the
    monthly grid of their district), "targets" for provincial officers (targets and reopening).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role, unit = role_of(user), scope_unit(user)
    entry_nav = None
    if unit is not None and not user.is_superuser:
        if role == Role.DISTRICT_STAFF and unit.level == Level.DISTRICT:
            entry_nav = "counts"
        elif role == Role.PROVINCIAL_OFFICER and unit.level == Level.PROVINCE:
            entry_nav = "targets"
    return {"user_role": role, "user_scope_unit": unit, "entry_nav": entry_nav}
