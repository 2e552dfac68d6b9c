"""Pages whose figures did not change cost little: conditional GET and the cached data part.

The figures of every page change only when a recompute runs (or a save marks one pending), and
both move the recompute state rows (progress.freshness): their data version, requested and
computed times, read in one aggregate, say whether anything a page shows may have changed.

- ETag: that data version, the day (the landing month and banners follow the clock), the
  language, the user and their session (the page carries their CSRF token and name), the
  normalised query and what the caller adds (a PDF's status). A repeat visit whose ETag still
  matches is answered 304 Not Modified; the pages say `Cache-Control: private, no-cache`, so
  the browser asks every time and no shared cache keeps them.
- The data part of a unit page (everything but the header and the PDF box) is rendered once per
  data version, day, language, reader's scope and normalised query (and version of the code that
  renders it), and kept in the cache.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar, cast

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db.models import Count, Max, Sum
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.views.decorators.http import condition

from bhxh_dashboard import clock
from progress.models import RecomputeState
from provinces.search import search_key

logger = logging.getLogger("bhxh.reports")

DATA_PART_SECONDS = 24 * 60 * 60
# The query parameters the dashboard pages read; a URL with any other is rendered but not kept,
# so made-up parameters cannot fill the cache.
PAGE_PARAMETERS = frozenset({"year", "month", "band", "q", "sort", "page", "per_page"})

View = TypeVar("View", bound=Callable[..., HttpResponse])


@functools.cache
def code_version() -> str:
    """What the rendering itself depends on (templates, the apps' code, the translations), read
    once a process: a deploy that changes a template or a label never serves a part kept before."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for pattern in ("templates/**/*.html", "*/templatetags/*.py", "*/*.py", "locale/*/*/*.mo"):
        for path in sorted(base.glob(pattern)):
            if ".venv" not in path.parts:
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def data_version(request: HttpRequest | None = None) -> str:
    """What every stored figure depends on, from the state rows in one query (once a request)."""
    if request is not None and hasattr(request, "_bhxh_data_version"):
        return cast(str, request._bhxh_data_version)
    state = RecomputeState.objects.aggregate(
        rows=Count("id"),
        version=Sum("data_version"),
        requested=Max("requested_at"),
        computed=Max("computed_at"),
    )
    value = "{rows}.{version}.{requested}.{computed}".format(
        rows=state["rows"],
        version=state["version"] or 0,
        requested=state["requested"].timestamp() if state["requested"] else "-",
        computed=state["computed"].timestamp() if state["computed"] else "-",
    )
    if request is not None:
        request._bhxh_data_version = value  # type: ignore[attr-defined]
    return value


def normalised_query(params: QueryDict) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    """The page's parameters in a canonical order, a name typed as the filter reads it ("  Lục
    NAM " and "luc nam" are one); None when the URL carries a parameter the pages do not read."""
    if not set(params) <= PAGE_PARAMETERS:
        return None
    canonical = []
    for name in sorted(params):
        values = [v.strip() for v in params.getlist(name)]
        if name == "q":
            values = [search_key(v) for v in values]
        canonical.append((name, tuple(values)))
    return tuple(canonical)


def _digest(parts: Iterable[object]) -> str:
    return hashlib.sha256(repr(tuple(parts)).encode()).hexdigest()[:32]


def page_etag(request: HttpRequest, *extra: object) -> str | None:
    """The ETag of a dashboard page for this reader now; None when the page must be rendered
    (not signed in, or a message waits to be shown once)."""
    user = request.user
    if not user.is_authenticated or len(messages.get_messages(request)):
        return None
    session_key = getattr(getattr(request, "session", None), "session_key", None) or ""
    return _digest(
        (
            data_version(request),
            clock.today().isoformat(),
            get_language(),
            user.pk,
            hashlib.sha256(session_key.encode()).hexdigest(),
            request.path,
            normalised_query(request.GET) or request.GET.urlencode(),
            *extra,
        )
    )


def conditional_page(etag_func: Callable[..., str | None]) -> Callable[[View], View]:
    """A dashboard page answered 304 when its ETag matches, always `private, no-cache`."""

    def decorator(view: View) -> View:
        conditional = condition(etag_func=etag_func)(view)

        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = conditional(request, *args, **kwargs)
            if request.user.is_authenticated and not response.has_header("Cache-Control"):
                patch_cache_control(response, private=True, no_cache=True)
            return response

        wrapped.__name__ = getattr(view, "__name__", "view")
        wrapped.__doc__ = view.__doc__
        return cast(View, wrapped)

    return decorator


def data_part_key(request: HttpRequest, *, scope_pk: int | None, name: str) -> str | None:
    """The cache key of a page's data part, or None when this URL is not kept."""
    query = normalised_query(request.GET)
    if query is None:
        return None
    return "reports:part:" + _digest(
        (
            name,
            code_version(),
            data_version(request),
            clock.today().isoformat(),
            get_language(),
            scope_pk,
            request.path,
            query,
        )
    )


def cached_part(key: str | None, render: Callable[[], dict[str, str]]) -> dict[str, str]:
    """render() from the cache when kept before; a cache that is down is logged and skipped."""
    if key is None:
        return render()
    try:
        cached = cache.get(key)
    except Exception:  # any cache failure: render without it
        logger.warning("page cache unavailable", exc_info=True)
        cached = None
    if cached is not None:
        return cast(dict[str, str], cached)
    value = render()
    try:
        cache.set(key, value, DATA_PART_SECONDS)
    except Exception:
        logger.warning("page cache unavailable", exc_info=True)
    return value
