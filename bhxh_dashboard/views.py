"""Project-level views: the health check."""

from ipaddress import ip_address

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, "ok"
    except Exception as exc:  # any failure means unhealthy; the message says which
        return False, str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)


def _broker_ok() -> tuple[bool, str]:
    from django.conf import settings

    if not settings.REDIS_URL:
        return True, "eager (no broker configured)"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
        return True, "ok"
    except Exception as exc:
        return False, str(exc)


def _may_see_details(request: HttpRequest) -> bool:
    """Staff, or a caller on this machine (the container's own health check, an operator's curl);
    anyone else learns only healthy or not, never hosts, ports or error messages."""
    if request.user.is_authenticated and request.user.is_staff:
        return True
    try:
        return ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    db_ok, db_detail = _database_ok()
    broker_ok, broker_detail = _broker_ok()
    healthy = db_ok and broker_ok
    body: dict[str, object] = {"status": "ok" if healthy else "unavailable"}
    if _may_see_details(request):
        body["database"] = {"ok": db_ok, "detail": db_detail}
        body["broker"] = {"ok": broker_ok, "detail": broker_detail}
    return JsonResponse(body, status=200 if healthy else 503)
