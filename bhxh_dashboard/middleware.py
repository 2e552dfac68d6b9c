"""Project middleware: proxy headers, no-store pages, and Vietnamese first.

Vietnamese first: the interface is Vietnamese unless the user picks English.

Many office computers run browsers set to English; Django's LocaleMiddleware would follow their
Accept-Language header. Here only the user's explicit choice (the language cookie set by the
switcher) or the default language counts.
"""

from collections.abc import Callable
from ipaddress import ip_address

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class VietnameseFirstMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class ProxyHeadersMiddleware:
    """The client's address and scheme, believed only from the reverse proxy.

    Behind nginx (docker-compose) every request comes from nginx's address; nginx puts the
    address it saw in X-Forwarded-For and the scheme in X-Forwarded-Proto. From an address in
    TRUSTED_PROXIES, REMOTE_ADDR becomes the last X-Forwarded-For entry (the one nginx added), so
    the login limits, the logs and /healthz see the real client. From any other address the
    X-Forwarded-* headers are dropped: a client cannot claim another address, or https.
    First in MIDDLEWARE, before SecurityMiddleware reads the scheme.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _from_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
            if _is_address(forwarded):
                request.META["REMOTE_ADDR"] = forwarded
        else:
            for header in _FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)


_FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
)


def _is_address(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True


def _from_trusted_proxy(remote_addr: str) -> bool:
    from django.conf import settings

    if not settings.TRUSTED_PROXIES or not _is_address(remote_addr):
        return False
    address = ip_address(remote_addr)
    return any(address in network for network in settings.TRUSTED_PROXIES)


# Pages that show or take a person's data (data entry, imports, file downloads, offices, the API
# and its token page) must not be kept by a browser or a shared proxy: the next person at an
# office computer could read them from its cache. The dashboard pages answer for themselves
# (private, no-cache with an ETag, so a repeat visit gets 304).
NO_STORE_NAMESPACES = frozenset({"targets", "provinces", "api"})


class NoStoreMiddleware:
    """`Cache-Control: private, no-store` on the namespaces of NO_STORE_NAMESPACES."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = request.resolver_match
        if match is not None and NO_STORE_NAMESPACES.intersection(match.namespaces):
            patch_cache_control(response, private=True, no_store=True)
        return response
