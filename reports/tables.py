"""The children table of a unit page (provinces of the nation, districts, communes).

Cells are formatted for the reader (52.139 / 84,65% / +4.934); CSV and Excel exports get the
raw numbers through each column's `value`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import django_tables2 as tables
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from bhxh_dashboard import formatting
from bhxh_dashboard.formatting import Figure
from progress import readings
from progress.models import Progress

LIGHT_LABELS = {
    "green": _("Đúng tiến độ"),
    "amber": _("Chậm nhẹ"),
    "red": _("Chậm nhiều"),
    None: _("Chưa rõ"),
}
# The new-participants target's light says which target it judges.
NEW_LIGHT_LABEL = _("Phát triển mới: {light}")


class Light(NamedTuple):
    """A traffic light as a cell shows it: its colour (None: grey) and its label."""

    colour: str | None
    label: str


def row_lights(record: Progress) -> list[Light]:
    """The lights of every target the unit has (participants first); "Chưa rõ" when none."""
    lights = [
        Light(
            reading.light,
            str(LIGHT_LABELS[reading.light])
            if reading.kind == readings.PARTICIPANTS
            else NEW_LIGHT_LABEL.format(light=LIGHT_LABELS[reading.light]),
        )
        for reading in readings.readings(record)
    ]
    return lights or [Light(None, str(LIGHT_LABELS[None]))]


class NumberColumn(tables.Column):
    """An integer shown as 52.139, exported as 52139."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        kwargs.setdefault("default", formatting.DASH)
        super().__init__(*args, **kwargs)

    def render(self, value: Figure) -> str:
        return formatting.number(value)

    def value(self, value: Figure) -> Figure:
        return value


class SignedColumn(NumberColumn):
    """A change shown as +4.934 / −1.225."""

    def render(self, value: Figure) -> str:
        return formatting.signed(value)


class PercentColumn(NumberColumn):
    def render(self, value: Figure) -> str:
        return formatting.percent(value)


class ProgressTable(tables.Table):
    """One row per child unit for one month; the name links one level down, same period."""

    name = tables.Column(
        verbose_name=_("Đơn vị"), accessor="unit__name", order_by=("unit__name", "unit__code")
    )
    participants = NumberColumn(verbose_name=_("Số người tham gia"))
    target = NumberColumn(verbose_name=_("Kế hoạch"))
    completion_pct = PercentColumn(verbose_name=_("% kế hoạch"))
    # The new-participants target: its completion on the page, all three in the exports.
    target_new = NumberColumn(verbose_name=_("Kế hoạch phát triển mới"), visible=False)
    new_ytd = NumberColumn(verbose_name=_("Phát triển mới lũy kế"), visible=False)
    completion_new_pct = PercentColumn(verbose_name=_("% kế hoạch phát triển mới"))
    light = tables.Column(
        verbose_name=_("Tiến độ"), accessor="completion_pct", orderable=False, empty_values=()
    )
    # Both lights share the page's cell; the exports give each its own column.
    light_new = tables.Column(
        verbose_name=_("Tiến độ phát triển mới"),
        accessor="completion_new_pct",
        orderable=False,
        empty_values=(),
        visible=False,
    )
    gap = NumberColumn(verbose_name=_("Còn phải phát triển"))
    # Shown inside the gap cell ("vượt +3.472"); a column of its own in the exports.
    over_target = NumberColumn(verbose_name=_("Vượt kế hoạch"), visible=False)
    required_pace = NumberColumn(verbose_name=_("Cần đạt/tháng"))
    change_vs_prev_month = SignedColumn(verbose_name=_("So tháng trước"))
    change_vs_prev_year_end = SignedColumn(verbose_name=_("So cuối năm trước"))
    change_yoy = SignedColumn(verbose_name=_("So cùng kỳ"))
    # participants / working-age labour force; ordering it is the coverage ranking
    coverage_pct = PercentColumn(verbose_name=_("Tỷ lệ bao phủ"))
    reporting = tables.Column(
        verbose_name=_("Xã đã báo cáo"),
        accessor="communes_reported",
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
    )

    class Meta:
        attrs = {"class": "progress-table"}
        orderable = True
        order_by = ("-completion_pct",)
        empty_text = _("Chưa có số liệu cho kỳ này.")
        template_name = "reports/_progress_table.html"
        fields = ()
        sequence = (
            "name",
            "participants",
            "target",
            "completion_pct",
            "target_new",
            "new_ytd",
            "completion_new_pct",
            "light",
            "light_new",
            "gap",
            "over_target",
            "required_pace",
            "change_vs_prev_month",
            "change_vs_prev_year_end",
            "change_yoy",
            "reporting",
            "coverage_pct",
        )

    def __init__(self, *args: Any, period_query: str = "", **kwargs: Any) -> None:
        self.period_query = period_query
        super().__init__(*args, **kwargs)

    @property
    def body_rows(self) -> Iterator[tuple[Progress, list[Light]]]:
        """(record, its lights) of the rows on the current page, for the lean template
        (templates/reports/_progress_table.html writes the cells; the value_* methods below
        give the exports their raw values)."""
        for row in self.paginated_rows:
            yield row.record, row_lights(row.record)

    def value_name(self, record: Progress) -> str:
        return record.unit.name

    def value_light(self, record: Progress) -> str:
        return str(LIGHT_LABELS[readings.light(record, readings.PARTICIPANTS)])

    def value_light_new(self, record: Progress) -> str:
        return str(LIGHT_LABELS[readings.light(record, readings.NEW)])

    def value_gap(self, value: int | None) -> int | None:
        return value

    def value_reporting(self, record: Progress) -> int:
        return record.communes_reported

    def order_completion_pct(
        self, queryset: QuerySet[Progress], is_descending: bool
    ) -> tuple[QuerySet[Progress], bool]:
        """By the completion each unit is ranked by (participants, else new participants)."""
        return _ordered(queryset, readings.RANKING_PCT, is_descending), True

    def order_coverage_pct(
        self, queryset: QuerySet[Progress], is_descending: bool
    ) -> tuple[QuerySet[Progress], bool]:
        return _ordered(queryset, F("coverage_pct"), is_descending), True

    def order_completion_new_pct(
        self, queryset: QuerySet[Progress], is_descending: bool
    ) -> tuple[QuerySet[Progress], bool]:
        return _ordered(queryset, F("completion_new_pct"), is_descending), True


def _ordered(queryset: QuerySet[Progress], field: Any, descending: bool) -> QuerySet[Progress]:
    """Unknown figures last either way, then by code."""
    return queryset.order_by(
        field.desc(nulls_last=True) if descending else field.asc(nulls_last=True), "unit__code"
    )


class HistoryTable(tables.Table):
    """A commune's month-by-month figures, newest first."""

    period = tables.Column(verbose_name=_("Kỳ"), accessor="month", orderable=False)
    participants = NumberColumn(verbose_name=_("Số người tham gia"), orderable=False)
    new_in_month = NumberColumn(verbose_name=_("Phát triển mới"), orderable=False)
    change_vs_prev_month = SignedColumn(verbose_name=_("So tháng trước"), orderable=False)
    target = NumberColumn(verbose_name=_("Kế hoạch"), orderable=False)
    completion_pct = PercentColumn(verbose_name=_("% kế hoạch"), orderable=False)
    gap = NumberColumn(verbose_name=_("Còn phải phát triển"), orderable=False)
    completion_new_pct = PercentColumn(verbose_name=_("% kế hoạch phát triển mới"), orderable=False)
    change_yoy = SignedColumn(verbose_name=_("So cùng kỳ"), orderable=False)

    class Meta:
        attrs = {"class": "history-table"}
        empty_text = _("Chưa có số liệu.")
        template_name = "reports/_table.html"

    def render_period(self, record: Progress) -> str:
        return formatting.month_label(record.year, record.month)
