"""The channel figures in the read-only JSON API (/api/v1/units/<code>/channels/), scoped like
the pages: a unit outside the user's scope is 404."""

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers import ProgressQuerySerializer
from api.views import BAD_QUERY, CODE_PARAMETER, ERRORS
from bhxh_dashboard.months import cutoff_date
from outreach import selectors
from provinces.access import get_visible_unit_or_404

CHANNELS_RESPONSE = inline_serializer(
    "UnitChannels",
    {
        "unit": serializers.CharField(),
        "year": serializers.IntegerField(),
        "month": serializers.IntegerField(),
        "new_in_month": serializers.IntegerField(),
        "new_ytd": serializers.IntegerField(),
        "channels": serializers.ListField(child=serializers.DictField()),
        "organisations": serializers.ListField(child=serializers.DictField()),
        "events": serializers.DictField(),
        "communes_without_point": serializers.IntegerField(allow_null=True),
    },
)


def _decimal(value: Any) -> str | None:
    return None if value is None else str(value)


class UnitChannels(APIView):
    @extend_schema(
        operation_id="unit_channels",
        parameters=[CODE_PARAMETER, ProgressQuerySerializer],
        responses={200: CHANNELS_RESPONSE, **BAD_QUERY, **ERRORS},
    )
    def get(self, request: Request, code: str) -> Response:
        """New participants by channel for a month (December when none is given) and the year
        to date, each organisation against its target, the events against the plan."""
        unit = get_visible_unit_or_404(request.user, code)
        query = ProgressQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year, month = query.validated_data["year"], query.validated_data.get("month", 12)
        page = selectors.channel_page(unit=unit, year=year, month=month)
        events = selectors.event_summary(unit=unit, year=year, month=month, latest=0)
        cutoff = cutoff_date(year, month)
        points = (
            selectors.communes_without_point(unit=unit, day=cutoff, limit=0)
            if unit.in_force_on(cutoff)
            else None
        )
        return Response(
            {
                "unit": unit.url_code,
                "year": year,
                "month": month,
                "new_in_month": page.total_in_month,
                "new_ytd": page.total_ytd,
                "channels": [
                    {
                        "kind": s.kind,
                        "label": s.label,
                        "new_in_month": s.in_month,
                        "new_ytd": s.ytd,
                        "share_pct": _decimal(s.share_pct),
                    }
                    for s in page.shares
                ],
                "organisations": [
                    {
                        "name": o.org.name,
                        "kind": o.org.kind,
                        "new_ytd": o.new_ytd,
                        "target": o.target,
                        "completion_pct": _decimal(o.completion_pct),
                        "gap": o.gap,
                        "required_pace": o.required_pace,
                    }
                    for o in selectors.org_progress(unit=unit, year=year, month=month)
                ],
                "events": {
                    "held": events.held,
                    "planned": events.planned,
                    "attendees": events.attendees,
                    "sign_ups": events.sign_ups,
                    "conversion_pct": _decimal(events.conversion_pct),
                },
                "communes_without_point": points.without if points else None,
            }
        )
