"""Vietnamese first: the interface is Vietnamese unless the user picks English.

Many office computers run browsers set to English; Django's LocaleMiddleware would follow their
Accept-Language header. Here only the user's explicit choice (the language cookie set by the
switcher) or the default language counts.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class VietnameseFirstMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
