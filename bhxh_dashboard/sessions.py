"""How long a signed-in session has left, for the entry pages' warning before it ends.

Django keeps a session for SESSION_COOKIE_AGE from the last time it was written; the session
itself does not say when that was. Signing in and the keep-alive write it, and note here when it
will end then (a later write by anything else only makes it last longer than noted, never
shorter), so reading the end costs nothing.
"""

from typing import Any

from django.http import HttpRequest

from bhxh_dashboard import clock

ENDS_AT = "bhxh_session_ends_at"


def seconds_left(request: HttpRequest) -> int:
    """Seconds before the session of this request ends (a full age if its end was not noted)."""
    ends_at = request.session.get(ENDS_AT)
    if not isinstance(ends_at, (int, float)):
        return request.session.get_expiry_age()
    return max(0, int(ends_at - clock.now().timestamp()))


def renew(request: HttpRequest) -> int:
    """Write the session again so it lasts a full age from now; returns that age in seconds."""
    age = request.session.get_expiry_age()
    request.session[ENDS_AT] = clock.now().timestamp() + age
    return age


def note_sign_in(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """user_logged_in receiver: the session just written at sign-in lasts a full age."""
    if request is not None and hasattr(request, "session"):
        renew(request)
