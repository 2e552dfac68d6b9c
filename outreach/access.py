"""Who may enter what of the collection channels, on top of provinces.access.

The channel split and the events of a commune are entered by whoever enters its counts (district
staff on the old map; grassroots staff or the province's officers on today's). An organisation's
own reporter enters its own column only, for the communes where it has a collection point active
in that month.
"""

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q
from django.http import Http404

from outreach.models import CollectionOrg, CollectionPoint, OrgReporter
from provinces.access import can_reopen_month, can_view, get_visible_unit_or_404, role_of
from provinces.models import Level, Role, Unit


def reporter_org_id(user: User | AnonymousUser) -> int | None:
    """The organisation the user reports for, if they are an organisation's reporter."""
    if not user.is_authenticated or role_of(user) != Role.ORG_REPORTER:
        return None
    return OrgReporter.objects.filter(user=user).values_list("org_id", flat=True).first()


def can_report_for(user: User | AnonymousUser, org: CollectionOrg) -> bool:
    """The organisation's own reporter, or a superuser."""
    if getattr(user, "is_superuser", False):
        return True
    return reporter_org_id(user) == org.pk


def active_point_q(first_day: dt.date, last_day: dt.date, prefix: str = "") -> Q:
    """Points open at some time between the two days."""
    return Q(**{f"{prefix}active_from__lte": last_day}) & (
        Q(**{f"{prefix}active_until__isnull": True})
        | Q(**{f"{prefix}active_until__gte": first_day})
    )


def point_commune_ids(
    org_id: int, first_day: dt.date, last_day: dt.date, communes: Iterable[int] | None = None
) -> set[int]:
    """The communes where the organisation has a point open between the two days (one query)."""
    points = CollectionPoint.objects.filter(active_point_q(first_day, last_day), org_id=org_id)
    if communes is not None:
        points = points.filter(commune_id__in=list(communes))
    return set(points.values_list("commune_id", flat=True))


def org_works_in(org: CollectionOrg, commune: Unit) -> bool:
    """An organisation works in the communes of its province, and of the old provinces today's
    province took over (no query when the units are loaded)."""
    province = org.province
    return commune.province_id == province.pk or (
        commune.province_id in province.taken_over_province_ids
    )


def get_visible_org_or_404(user: User | AnonymousUser, url_code: str) -> CollectionOrg:
    """The organisation a URL names ("g12"), or 404 when none or outside the user's scope."""
    org_id = url_code[1:] if url_code.startswith("g") else ""
    if not org_id.isdigit():
        raise Http404("Unknown organisation")
    org = CollectionOrg.objects.select_related("province").filter(pk=org_id).first()
    if org is None or not can_view(user, org.province):
        raise Http404("Unknown organisation")
    return org


def can_manage_network(user: User | AnonymousUser, province: Unit) -> bool:
    """A province's officers set up its collection network (points, staff) and the targets of
    its organisations, staff and event plans; superusers may too. Managers only read them."""
    return province.level == Level.PROVINCE and can_reopen_month(user, province)


def get_visible_province_or_404(user: User | AnonymousUser, url_code: str) -> Unit:
    """The province a URL names, in the user's scope; 404 for anything else."""
    unit = get_visible_unit_or_404(user, url_code)
    if unit.level != Level.PROVINCE:
        raise Http404("Not a province")
    return unit
