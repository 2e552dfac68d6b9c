"""Dashboard pages. Each reads only the precomputed progress table."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from provinces.access import get_visible_unit_or_404, scope_unit


@login_required
def home(request):
    """Send each user to the top of their own scope."""
    unit = scope_unit(request.user)
    if unit is None:
        raise PermissionDenied
    return redirect(unit.get_absolute_url())


@login_required
def unit_detail(request, code):
    unit = get_visible_unit_or_404(request.user, code)
    children = unit.children.order_by("code") if unit.level < 3 else []
    if unit.level == 0:
        from provinces.models import Unit

        children = Unit.objects.provinces().order_by("code")
    return render(request, "reports/unit.html", {"unit": unit, "children": children})
