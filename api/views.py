"""The read-only JSON API: a unit, its progress figures by month, and the units below it.

Scoped exactly like the pages: every unit is looked up through provinces.access, and a unit
outside the user's scope is 404, as on the dashboard. Authenticated by a per-user token
(`Authorization: Token <key>`, from the token page or `manage.py api_token`) or the session.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import selectors, services
from api.serializers import (
    ChildrenQuerySerializer,
    ErrorSerializer,
    ProgressQuerySerializer,
    ProgressSerializer,
    UnitSerializer,
)
from bhxh_dashboard import clock
from bhxh_dashboard.http import SignedInRequest
from progress.models import Progress
from provinces.access import get_visible_unit_or_404, scope_unit

CODE_PARAMETER = OpenApiParameter(
    "code",
    str,
    OpenApiParameter.PATH,
    pattern=r"^(vn|p[0-9]{2}|d[0-9]{3}|c[0-9]{5}|t[0-9]{2}|x[0-9]{5})$",
    description='The unit\'s url_code: "vn"; on the map until 30/06/2025 "p24" (province), '
    '"d218" (district), "c07210" (commune); on today\'s map (from 01/07/2025) "t24" (province), '
    '"x07210" (commune).',
    examples=[
        OpenApiExample("A province", value="p24"),
        OpenApiExample("A district", value="d218"),
        OpenApiExample("A province of today's map", value="t24"),
    ],
)
ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="No or wrong token."),
    404: OpenApiResponse(ErrorSerializer, description="No such unit, or outside your scope."),
}
BAD_QUERY = {400: OpenApiResponse(description="A query parameter is missing or invalid.")}


class UnitDetail(APIView):
    @extend_schema(
        operation_id="unit_retrieve",
        parameters=[CODE_PARAMETER],
        responses={200: UnitSerializer, **ERRORS},
    )
    def get(self, request: Request, code: str) -> Response:
        """One administrative unit."""
        unit = get_visible_unit_or_404(request.user, code)
        return Response(UnitSerializer(unit).data)


class UnitProgress(APIView):
    @extend_schema(
        operation_id="unit_progress",
        parameters=[CODE_PARAMETER, ProgressQuerySerializer],
        responses={200: ProgressSerializer(many=True), **BAD_QUERY, **ERRORS},
    )
    def get(self, request: Request, code: str) -> Response:
        """The unit's figures for each month of the year (or one month), oldest first."""
        unit = get_visible_unit_or_404(request.user, code)
        query = ProgressQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.unit_progress(
            unit=unit,
            year=query.validated_data["year"],
            month=query.validated_data.get("month"),
        )
        return Response(ProgressSerializer(rows, many=True).data)


class UnitChildren(ListAPIView):
    """The figures of the units below a unit for one month, by code, 200 a page."""

    serializer_class = ProgressSerializer

    @extend_schema(
        operation_id="unit_children",
        parameters=[CODE_PARAMETER, ChildrenQuerySerializer],
        responses={200: ProgressSerializer(many=True), **BAD_QUERY, **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Progress]:
        unit = get_visible_unit_or_404(self.request.user, self.kwargs["code"])
        query = ChildrenQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return selectors.children_progress(
            unit=unit,
            year=data["year"],
            month=data["month"],
            level=data.get("level", unit.level + 1),
        )


@login_required
def token_page(request: SignedInRequest) -> HttpResponse:
    """The signed-in user's API token: when it was made and expires; POST makes a new one and
    shows its key, once (only its hash is stored)."""
    if scope_unit(request.user) is None:
        raise PermissionDenied
    issued = services.token_replace(user=request.user) if request.method == "POST" else None
    token = issued.token if issued else selectors.token_of(user=request.user)
    return render(
        request,
        "api/token.html",
        {
            "token": token,
            "key": issued.key if issued else None,
            "expired": token is not None and token.expires <= clock.now(),
        },
    )
