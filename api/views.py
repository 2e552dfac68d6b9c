"""The read-only JSON API: a unit, its progress figures by month, and the units below it.

Scoped exactly like the pages: every unit is looked up through provinces.access, and a unit
outside the user's scope is 404, as on the dashboard. Authenticated by a per-user token
(`Authorization: Token <key>`, from the token page or `manage.py api_token`) or the session.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.authtoken.models import Token
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers import (
    ChildrenQuerySerializer,
    ErrorSerializer,
    ProgressQuerySerializer,
    ProgressSerializer,
    UnitSerializer,
)
from progress.models import Progress
from provinces.access import get_visible_unit_or_404, scope_unit
from provinces.models import Level

CODE_PARAMETER = OpenApiParameter(
    "code",
    str,
    OpenApiParameter.PATH,
    pattern=r"^(vn|p[0-9]{2}|d[0-9]{3}|c[0-9]{5})$",
    description='The unit\'s url_code: "vn", "p24" (province), "d218" (district), '
    '"c07210" (commune).',
    examples=[
        OpenApiExample("A province", value="p24"),
        OpenApiExample("A district", value="d218"),
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
    def get(self, request, code):
        """One administrative unit."""
        unit = get_visible_unit_or_404(request.user, code)
        return Response(UnitSerializer(unit).data)


class UnitProgress(APIView):
    @extend_schema(
        operation_id="unit_progress",
        parameters=[CODE_PARAMETER, ProgressQuerySerializer],
        responses={200: ProgressSerializer(many=True), **BAD_QUERY, **ERRORS},
    )
    def get(self, request, code):
        """The unit's figures for each month of the year (or one month), oldest first."""
        unit = get_visible_unit_or_404(request.user, code)
        query = ProgressQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = Progress.objects.filter(unit=unit, year=query.validated_data["year"])
        if "month" in query.validated_data:
            rows = rows.filter(month=query.validated_data["month"])
        rows = rows.select_related("unit").order_by("month")
        return Response(ProgressSerializer(rows, many=True).data)


class UnitChildren(ListAPIView):
    """The figures of the units below a unit for one month, by code, 200 a page."""

    serializer_class = ProgressSerializer

    @extend_schema(
        operation_id="unit_children",
        parameters=[CODE_PARAMETER, ChildrenQuerySerializer],
        responses={200: ProgressSerializer(many=True), **BAD_QUERY, **ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        unit = get_visible_unit_or_404(self.request.user, self.kwargs["code"])
        query = ChildrenQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        level = data.get("level", unit.level + 1)
        if level <= unit.level or level > Level.COMMUNE:
            return Progress.objects.none()  # nothing of that level below this unit
        rows = Progress.objects.filter(year=data["year"], month=data["month"], level=level)
        if level == unit.level + 1:
            rows = rows.filter(parent=unit)
        elif unit.level == Level.PROVINCE:
            rows = rows.filter(unit__province_id=unit.pk)
        elif unit.level == Level.DISTRICT:
            rows = rows.filter(unit__district_id=unit.pk)
        return rows.select_related("unit").order_by("unit__code")


@login_required
def token_page(request):
    """Show the signed-in user's API token; create or replace it on POST."""
    if scope_unit(request.user) is None:
        raise PermissionDenied
    token = Token.objects.filter(user=request.user).first()
    if request.method == "POST":
        if token is not None:
            token.delete()  # a new key: the old one stops working at once
        token = Token.objects.create(user=request.user)
    return render(request, "api/token.html", {"token": token})
