"""Vietnamese first: the interface is Vietnamese unless the user picks English.

Many office computers run browsers set to English; Django's LocaleMiddleware would follow their
Accept-Language header. Here only the user's explicit choice (the language cookie set by the
switcher) or the default language counts.
"""


class VietnameseFirstMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
