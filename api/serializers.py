"""What the API returns: units and their precomputed progress figures (DOMAIN.md defines each)."""

from typing import Any

from rest_framework import serializers

from bhxh_dashboard.parsing import (
    FIRST_YEAR,
    LAST_YEAR,
    ParseError,
    parse_count,
    parse_month_number,
    parse_year,
)
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


class ProgressSerializer(serializers.ModelSerializer):
    """Every figure of one unit for one month; null means not known (no report, no target)."""

    unit = serializers.CharField(source="unit.url_code", read_only=True)
    code = serializers.CharField(source="unit.code", read_only=True)
    name = serializers.CharField(source="unit.name", read_only=True)
    change_yoy_pct = _pct(allow_null=True)
    completion_pct = _pct(allow_null=True)
    completion_new_pct = _pct(allow_null=True)

    class Meta:
        model = Progress
        # The stored figures, in the engine's order, so a new figure reaches the API by itself.
        fields = ["unit", "code", "name", "level", "year", "month", *FIGURES, "computed_at"]
        read_only_fields = fields


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
