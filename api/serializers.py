"""What the API returns: units and their precomputed progress figures (DOMAIN.md defines each)."""

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bhxh_dashboard.parsing import (
    FIRST_YEAR,
    LAST_YEAR,
    ParseError,
    parse_count,
    parse_month_number,
    parse_year,
)
from progress import readings
from progress.figures import FIGURES
from progress.models import Progress
from provinces.models import Unit
from provinces.selectors import Lineage, lineage


class UnitSerializer(serializers.ModelSerializer):
    url_code = serializers.CharField(
        read_only=True,
        help_text='"vn"; "p24", "d218", "c07210" on the map until 30/06/2025; "t24", "x07210" on '
        "today's map (from 01/07/2025).",
    )
    # A serializer is a Field, whose `parent` attribute is the serializer it is bound to; the
    # metaclass moves this declared field of the same name into _declared_fields.
    parent = serializers.SerializerMethodField()  # type: ignore[assignment]
    predecessors = serializers.SerializerMethodField()
    successors = serializers.SerializerMethodField()
    _cached: tuple[int, Lineage]  # the last unit's pk and lineage, set by _lineage

    class Meta:
        model = Unit
        fields = [
            "url_code",
            "level",
            "code",
            "name",
            "full_name",
            "division_type",
            "parent",
            "valid_from",
            "valid_until",
            "predecessors",
            "successors",
        ]

    def get_parent(self, unit: Unit) -> str | None:
        """The parent's url_code; None for the nation."""
        parent = unit.parent
        return parent.url_code if parent is not None else None

    def get_predecessors(self, unit: Unit) -> list[str]:
        """url_codes of the old units (before 01/07/2025) that made up this one."""
        return [r.unit.url_code for r in self._lineage(unit).predecessors]

    def get_successors(self, unit: Unit) -> list[str]:
        """url_codes of today's units that took this one over."""
        return [r.unit.url_code for r in self._lineage(unit).successors]

    def _lineage(self, unit: Unit) -> Lineage:
        if getattr(self, "_cached", None) is None or self._cached[0] != unit.pk:
            self._cached = (unit.pk, lineage(unit, can_view=lambda other: True))
        return self._cached[1]


def _pct(**kwargs: Any) -> serializers.DecimalField:
    # Numbers, not strings: API clients want 84.65, not "84.65".
    return serializers.DecimalField(
        max_digits=9, decimal_places=2, coerce_to_string=False, read_only=True, **kwargs
    )


# A pattern, not an enum: drf-spectacular names every enum and warns (check --deploy fails) when
# two fields share one, unless settings name it.
LIGHT = {
    "type": "string",
    "pattern": "^(green|amber|red)$",
    "nullable": True,
    "description": "The traffic light of the target: at or above the expected completion "
    "(green), below it by at most 10 points (amber), further behind (red); null without that "
    "target.",
}
# Computed as the rows are read (progress.readings).
READ_TIME = [
    "expected_completion_pct",
    "light",
    "expected_completion_new_pct",
    "light_new",
    "reporting_rate",
]


class ProgressSerializer(serializers.ModelSerializer):
    """Every figure of one unit for one month; null means not known (no report, no target).

    After the stored figures come those computed as they are read (progress.readings, the same
    as the pages and the PDF summaries): the expected completion and the traffic light of each
    kind of target, and the reporting rate."""

    unit = serializers.CharField(source="unit.url_code", read_only=True)
    code = serializers.CharField(source="unit.code", read_only=True)
    name = serializers.CharField(source="unit.name", read_only=True)
    change_yoy_pct = _pct(allow_null=True)
    completion_pct = _pct(allow_null=True)
    completion_new_pct = _pct(allow_null=True)
    # coverage: % of the working-age labour force, its change in percentage points, the target
    coverage_pct = _pct(allow_null=True)
    coverage_change_pp = _pct(allow_null=True)
    coverage_target_pct = _pct(allow_null=True)
    coverage_completion_pct = _pct(allow_null=True)
    expected_completion_pct = serializers.SerializerMethodField(
        help_text="The completion % due by this month on the straight path from the end of last "
        "year to the participants target at the deadline month."
    )
    light = serializers.SerializerMethodField()
    expected_completion_new_pct = serializers.SerializerMethodField(
        help_text="The completion % due by this month on the straight path from 0 in January to "
        "the new-participants target at the deadline month."
    )
    light_new = serializers.SerializerMethodField()
    reporting_rate = serializers.SerializerMethodField(
        help_text="communes_reported / communes_total, in %."
    )

    class Meta:
        model = Progress
        # The stored figures, in the engine's order, so a new figure reaches the API by itself.
        fields = [
            "unit",
            "code",
            "name",
            "level",
            "year",
            "month",
            *FIGURES,
            "computed_at",
            *READ_TIME,
        ]
        read_only_fields = fields

    @extend_schema_field(_pct(allow_null=True))
    def get_expected_completion_pct(self, row: Progress) -> Decimal | None:
        return readings.expected_completion_pct(row, readings.PARTICIPANTS)

    @extend_schema_field(LIGHT)
    def get_light(self, row: Progress) -> str | None:
        return readings.light(row, readings.PARTICIPANTS)

    @extend_schema_field(_pct(allow_null=True))
    def get_expected_completion_new_pct(self, row: Progress) -> Decimal | None:
        return readings.expected_completion_pct(row, readings.NEW)

    @extend_schema_field(LIGHT)
    def get_light_new(self, row: Progress) -> str | None:
        return readings.light(row, readings.NEW)

    @extend_schema_field(_pct(allow_null=True))
    def get_reporting_rate(self, row: Progress) -> float | None:
        return readings.reporting_rate(row)


class _ParsedIntegerField(serializers.IntegerField):
    """An integer query parameter read by bhxh_dashboard.parsing, the grammar of the entry grid
    and the file import; min/max stay declared for the schema."""

    parse = staticmethod(parse_count)

    def to_internal_value(self, data: object) -> int:
        try:
            value = self.parse(data)
        except ParseError as exc:
            raise serializers.ValidationError(str(exc)) from None
        if value is None:
            self.fail("invalid")
        return value


class YearField(_ParsedIntegerField):
    parse = staticmethod(parse_year)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=FIRST_YEAR, max_value=LAST_YEAR, **kwargs)


class MonthField(_ParsedIntegerField):
    parse = staticmethod(parse_month_number)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=12, **kwargs)


class ProgressQuerySerializer(serializers.Serializer):
    year = YearField()
    month = MonthField(required=False)


class ChildrenQuerySerializer(serializers.Serializer):
    year = YearField()
    month = MonthField()
    level = serializers.IntegerField(
        min_value=1,
        max_value=3,
        required=False,
        help_text="Every unit of this level below the unit (3: all communes of a province); "
        "default: the level just below.",
    )


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
