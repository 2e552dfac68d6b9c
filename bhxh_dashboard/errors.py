"""Error pages in the user's language and the site's layout, each with the way back: the page
before, the user's own unit, the home page. Named in bhxh_dashboard/urls.py (handler400/403/404/500)
and CSRF_FAILURE_VIEW; Django uses them whenever DEBUG is off.

A 404 is also what a unit outside the user's scope answers (provinces.access), so its text
says both. The 500 page is drawn without the context processors: they read the database, which
may be what failed.
"""

from typing import Any

from django.core.exceptions import DisallowedHost, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

TEMPLATE = "errors/page.html"


def _back_url(request: HttpRequest) -> str | None:
    """The page the user came from, when it is one of ours and not this one."""
    referer = request.headers.get("Referer", "")
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    if not referer or referer.endswith(request.get_full_path()):
        return None
    return referer if url_has_allowed_host_and_scheme(referer, allowed_hosts={host}) else None


def _context(request: HttpRequest, status: int, title: str, message: str) -> dict[str, Any]:
    return {"status": status, "title": title, "message": message, "back_url": _back_url(request)}


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    context = _context(
        request,
        400,
        _("Yêu cầu không hợp lệ"),
        _("Trang không đọc được yêu cầu này. Quay lại trang trước và thử lại."),
    )
    return render(request, TEMPLATE, context, status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    # A PermissionDenied raised with a message written for the user (a translated sentence)
    # says why; a bare one says the general thing.
    reason = str(exception) if isinstance(exception, PermissionDenied) else ""
    context = _context(
        request,
        403,
        _("Bạn không có quyền vào trang này"),
        reason or _("Tài khoản của bạn không được xem hoặc làm việc này."),
    )
    return render(request, TEMPLATE, context, status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    context = _context(
        request,
        404,
        _("Không tìm thấy trang"),
        _(
            "Trang này không có, hoặc là số liệu của một đơn vị ngoài phạm vi bạn được xem. "
            "Kiểm tra lại địa chỉ, hoặc đi tiếp từ một trong các trang dưới đây."
        ),
    )
    return render(request, TEMPLATE, context, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    context = _context(
        request,
        500,
        _("Máy chủ gặp lỗi"),
        _("Trang chưa mở được do một lỗi ở máy chủ; lỗi đã được ghi lại. Thử lại sau ít phút."),
    )
    context.update(request=request, csrf_token=get_token(request))
    return HttpResponse(loader.get_template(TEMPLATE).render(context), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    context = _context(
        request,
        403,
        _("Biểu mẫu đã quá hạn"),
        _(
            "Trang gửi đi đã mở quá lâu, hoặc bạn vừa đăng nhập lại ở một thẻ khác. "
            "Quay lại trang trước, tải lại trang rồi gửi lần nữa: trên trang nhập số liệu, "
            "các số đã nhập vẫn được giữ trên máy này."
        ),
    )
    return render(request, TEMPLATE, context, status=403)
