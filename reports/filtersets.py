"""Filters of the children table: period, completion band, and a name typed with or without
diacritics ("luc nam" finds "Lục Nam").

A unit's band is that of the completion it is ranked and coloured by (progress.readings: its
participants target, else its new-participants target), so the bands split the units."""

from collections.abc import Iterable
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from progress import readings
from progress.models import Progress
from provinces.search import search_key

MONTH_CHOICES = [(m, f"{m:02d}") for m in range(1, 13)]

# Completion bands in percent of the target: [low, high); "none": no completion of either kind.
BANDS = {
    "none": (_("Chưa có kế hoạch"), None, None),
    "lt50": (_("Dưới 50%"), None, 50),
    "50_80": (_("50% – dưới 80%"), 50, 80),
    "80_100": (_("80% – dưới 100%"), 80, 100),
    "ge100": (_("Đạt kế hoạch (từ 100%)"), 100, None),
}


class ProgressFilterSet(django_filters.FilterSet):
    """Narrows the children's progress rows to one month and, optionally, a band or a name."""

    year = django_filters.TypedChoiceFilter(label=_("Năm"), coerce=int, field_name="year")
    month = django_filters.TypedChoiceFilter(
        label=_("Tháng"), coerce=int, choices=MONTH_CHOICES, field_name="month"
    )
    band = django_filters.ChoiceFilter(
        label=_("Mức hoàn thành"),
        choices=[(key, label) for key, (label, *_bounds) in BANDS.items()],
        empty_label=_("Tất cả"),
        method="filter_band",
    )
    q = django_filters.CharFilter(
        label=_("Tên đơn vị"),
        method="filter_name",
        widget=forms.TextInput(attrs={"placeholder": _("vd. luc nam"), "type": "search"}),
    )

    class Meta:
        model = Progress
        fields = ["year", "month", "band", "q"]

    def __init__(self, *args: Any, years: Iterable[int] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["year"].extra["choices"] = [(y, str(y)) for y in years]

    def filter_band(
        self, queryset: QuerySet[Progress], name: str, value: str
    ) -> QuerySet[Progress]:
        if value not in BANDS:
            return queryset
        _label, low, high = BANDS[value]
        queryset = queryset.alias(ranking_pct=readings.RANKING_PCT)
        if low is None and high is None:
            return queryset.filter(ranking_pct__isnull=True)
        condition = Q()
        if low is not None:
            condition &= Q(ranking_pct__gte=low)
        if high is not None:
            condition &= Q(ranking_pct__lt=high)
        return queryset.filter(condition)

    def filter_name(
        self, queryset: QuerySet[Progress], name: str, value: str
    ) -> QuerySet[Progress]:
        key = search_key(value)
        return queryset.filter(unit__search_key__contains=key) if key else queryset
