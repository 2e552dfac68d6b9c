"""Sign-in limits (django-axes), the trusted-browser cookie, the login view that sets it, and
the password reset view with its own limit.

Counted over the last AXES_COOLOFF_TIME (an hour), for a browser that has not signed in as that
user before, three limits (LOGIN_LIMITS) each lock out at its own count:

- one username from one address, 5 failures: someone guessing a person's password;
- one address whatever the usernames, 20 failures: password spraying (a few common passwords
  tried against every username) from one place;
- one username from any address, 30 failures: a guess at one account spread over many addresses.

A browser that has signed in as a user before carries a signed cookie that names them (a "device
cookie", as OWASP describes). Its attempts for that user skip the three limits, and have their own:
5 failures per browser an hour (TRUSTED_BROWSER_FAILURE_LIMIT), after which that browser counts
as unknown again. So someone behind the same office NAT who sprays, or fails at a colleague's
name on purpose, locks out only browsers that never signed in as that colleague: the colleague
signs in from their own browser as usual. What is left: a colleague on a new browser behind the
locked address waits out the hour (or an administrator unlocks it: `manage.py axes_reset_ip`).

A successful sign-in clears only that user's own failures, never the address's failures on other
names, so an attacker with an account of their own cannot wipe the spraying count by signing in.

The password-change form asks for the old password: a wrong one counts as a failed sign-in of that
user from that address and browser, under the same limits, so a session left open on a shared
computer cannot be used to guess the password at leisure. When the limits lock out, the session
is signed out and the page is the sign-in lockout's.
"""

import secrets
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_failure_limit, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_login_failed
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _

TRUSTED_BROWSER_COOKIE = "bhxh_trinh_duyet"
_SALT = "bhxh_dashboard.logins.trusted-browser"
_MAX_AGE = 180 * 24 * 3600  # half a year
_MAX_USERS = 5  # people who share one office computer


def _parameter_key(parameter: str | list[str]) -> str:
    return parameter if isinstance(parameter, str) else ",".join(parameter)


class LoginLimitsHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per lockout parameter (LOGIN_LIMITS).

    Axes compares one number with one limit (AXES_FAILURE_LIMIT); each parameter's failures are
    given to it in units of that limit: 20 failures from one address against a limit of 20 count
    as AXES_FAILURE_LIMIT, so they lock out like 5 failures of one username from one address.
    """

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        unit = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        worst = 0
        for parameter, attempts in zip(
            parameters, self.get_user_attempts(request, credentials), strict=True
        ):
            failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            limit = settings.LOGIN_LIMITS[_parameter_key(parameter)]
            worst = max(worst, failures * unit // limit)
        return worst

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        if request is not None:
            device = _trusted_device(request, credentials)
            if device is not None:
                _count_device_failure(device)
        super().user_login_failed(sender, credentials, request, **kwargs)

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        """Only the signed-in user's own failures (see the module's docstring)."""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def trusted_browser(request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
    """AXES_WHITELIST_CALLABLE: this browser signed in as this username before, and has not used
    up its own failures."""
    device = _trusted_device(request, credentials)
    if device is None:
        return False
    failures = cache.get(_device_key(device), 0)
    return bool(failures < settings.TRUSTED_BROWSER_FAILURE_LIMIT)


def _trusted_device(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The browser's id when its cookie names the username being tried."""
    cookie = _read_cookie(request)
    username = get_client_username(request, credentials)
    if cookie is None or not username or username not in cookie["users"]:
        return None
    return str(cookie["device"])


def _read_cookie(request: HttpRequest) -> dict[str, Any] | None:
    raw = request.COOKIES.get(TRUSTED_BROWSER_COOKIE)
    if not raw:
        return None
    try:
        value = signing.loads(raw, salt=_SALT, max_age=_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("users"), list):
        return None
    return value


def _device_key(device: str) -> str:
    return f"login-trusted-browser-failures:{device}"


def _count_device_failure(device: str) -> None:
    _count(_device_key(device), seconds=int(settings.AXES_COOLOFF_TIME * 3600))


def _count(key: str, *, seconds: int) -> int:
    """Add one to a counter that starts at the first hit and is forgotten `seconds` later."""
    if cache.add(key, 1, seconds):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, seconds)
        return 1


class LoginView(auth_views.LoginView):
    """Django's login view; a successful sign-in marks the browser as trusted for that user."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        previous = _read_cookie(self.request)
        device = str(previous["device"]) if previous else secrets.token_urlsafe(16)
        username = form.get_user().get_username()
        users = [u for u in (previous["users"] if previous else []) if u != username]
        value = {"device": device, "users": [username, *users][:_MAX_USERS]}
        response.set_cookie(
            TRUSTED_BROWSER_COOKIE,
            signing.dumps(value, salt=_SALT),
            max_age=_MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset-by-e-mail view, sending at most PASSWORD_RESET_EMAILS_PER_HOUR from one
    address: the form cannot be used to flood someone's inbox. The page says the same either way
    (it never tells whether an address has an account)."""

    def form_valid(self, form: Any) -> HttpResponse:
        key = f"password-reset-emails:{self.request.META.get('REMOTE_ADDR', '')}"
        if _count(key, seconds=3600) > settings.PASSWORD_RESET_EMAILS_PER_HOUR:
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form; the old password is checked under the sign-in limits (module docstring)."""

    def __init__(self, user: Any, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        credentials = {"username": self.user.get_username()}
        if not AxesProxyHandler.is_allowed(self.request, credentials):
            self._lock_out(credentials)
        try:
            return str(super().clean_old_password())
        except ValidationError:
            # Axes counts it (and sets request.axes_locked_out at the limit), as a sign-in's.
            user_login_failed.send(sender=type(self), credentials=credentials, request=self.request)
            if getattr(self.request, "axes_locked_out", False):
                self._lock_out(credentials)
            raise

    def _lock_out(self, credentials: dict[str, Any]) -> None:
        self.request.axes_locked_out = True  # type: ignore[attr-defined]
        self.request.axes_credentials = credentials  # type: ignore[attr-defined]
        raise ValidationError(_("Nhập sai mật khẩu cũ quá nhiều lần."), code="locked_out")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view with PasswordChangeForm: locked out, the session ends and AxesMiddleware
    answers with the lockout page (429), as for a sign-in."""

    form_class = PasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form: Any) -> HttpResponse:
        if getattr(self.request, "axes_locked_out", False):
            logout(self.request)
        return super().form_invalid(form)
