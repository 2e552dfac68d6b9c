from provinces.access import role_of, scope_unit


def user_scope(request):
    """The signed-in user's role and scope unit, for the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"user_role": role_of(user), "user_scope_unit": scope_unit(user)}
