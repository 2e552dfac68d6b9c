"""Dashboard pages. Each reads only the precomputed progress table (and the unit tree); every page
runs a fixed number of queries whatever the number of rows (pinned in tests/test_views.py)."""

import csv
import hashlib
import logging
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from bhxh_dashboard import clock
from bhxh_dashboard.formatting import month_label, user_label
from bhxh_dashboard.months import cutoff_date, latest_reportable_month
from progress import readings
from progress.definitions import DEFINITIONS
from progress.models import Progress
from provinces.access import can_view, get_visible_unit_or_404, is_within, scope_unit
from provinces.models import Level, Unit
from provinces.search import search_key
from provinces.selectors import (
    Lineage,
    compares_across,
    crosswalk_rows,
    lineage,
    map_label,
    matching_units,
    name_on,
    parents_label,
    period_label,
    period_map_label,
    search_units,
)
from reports import charts, conditional, maps, pdf, selectors
from reports.filtersets import ProgressFilterSet
from reports.tables import HistoryTable, NumberColumn, PercentColumn, ProgressTable
from targets import exports

# Above this many children the ranking chart shows the best and the worst only: a chart of 700
# bars helps nobody, and the table below has every row.
RANKING_ALL_UP_TO = 70
RANKING_EACH_END = 25
# Chart JSON is cached under a key naming the rows' computed_at, so a recompute makes new keys.
FIGURE_CACHE_SECONDS = 24 * 60 * 60

logger = logging.getLogger("bhxh.reports")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to the top of their own scope."""
    unit = scope_unit(request.user)
    if unit is None:
        raise PermissionDenied
    return redirect(unit.get_absolute_url())


def _visible_unit(request: HttpRequest, code: str) -> Unit:
    """get_visible_unit_or_404, once a request (the ETag and the view both need it)."""
    unit: Unit | None = getattr(request, "_bhxh_unit", None)
    if unit is None or unit.url_code != code:
        unit = get_visible_unit_or_404(request.user, code)
        request._bhxh_unit = unit  # type: ignore[attr-defined]
    return unit


def _unit_page_etag(request: HttpRequest, code: str) -> str | None:
    """The unit page's ETag: its figures (conditional.page_etag) and its PDF box's state."""
    if not request.user.is_authenticated:
        return None
    unit = _visible_unit(request, code)
    summaries = (
        pdf.summary_pdf_states(unit=unit, language=get_language())
        if unit.level <= Level.DISTRICT
        else []
    )
    return conditional.page_etag(request, summaries)


def _page_etag(request: HttpRequest, code: str) -> str | None:
    return conditional.page_etag(request)


@login_required
@conditional.conditional_page(_unit_page_etag)
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    """/u/vn/, /u/p24/, /u/d218/: a unit and its children; /u/c07210/: a commune's history."""
    unit = _visible_unit(request, code)
    if unit.level == Level.COMMUNE:
        return commune_detail(request, unit)
    return UnitProgressView.as_view()(request, unit=unit)


def _int(value: str | None, default: int | None = None) -> int | None:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        return default


def _unavailable_period(params: QueryDict, year: int, month: int) -> tuple[str, str] | None:
    """(asked, shown) when the URL asked for a period the page does not show (the unit has no
    figures then), so the page says so instead of passing one month off as another."""
    asked_year, asked_month = _int(params.get("year")), _int(params.get("month"))
    if asked_year is None or (asked_year, asked_month or month) == (year, month):
        return None
    asked = (
        month_label(asked_year, asked_month)
        if asked_month is not None and 1 <= asked_month <= 12
        else str(asked_year)
    )
    return asked, month_label(year, month)


def _in_progress(periods: selectors.Periods, year: int, month: int) -> dict[str, Any] | None:
    """The month still being reported, when it is newer than the one shown: the page's banner
    leads to its estimate."""
    latest = periods.latest
    if latest is None or latest == (year, month) or latest not in periods.in_progress:
        return None
    reported, total = periods.in_progress[latest]
    return {
        "year": latest[0],
        "month": latest[1],
        "label": month_label(*latest),
        "reported": reported,
        "total": total,
    }


def _choose_period(params: QueryDict, periods: selectors.Periods) -> tuple[int, int]:
    """The asked year and month if the unit has figures then, else the latest month with data."""
    latest = periods.landing or latest_reportable_month(clock.today())
    year = _int(params.get("year"))
    if year is None or year not in periods.years:
        year = latest[0]
    month = _int(params.get("month"))
    if month is None or not 1 <= month <= 12:
        month = latest[1] if year == latest[0] else (periods.latest_in(year) or latest[1])
    return year, month


def _breadcrumbs(user: User | AnonymousUser, unit: Unit) -> list[tuple[Unit, bool]]:
    """The unit's ancestors with whether the user may open them (no link out of scope)."""
    crumbs: list[tuple[Unit, bool]] = []
    root = scope_unit(user)
    if root is not None and root.level == Level.NATION and unit.level > Level.NATION:
        crumbs.append((root, True))
    # Every unit below the nation stores its province, and every old commune its district
    # (today's map has none).
    if unit.level > Level.PROVINCE:
        assert unit.province is not None
        crumbs.append((unit.province, can_view(user, unit.province)))
    if unit.level > Level.DISTRICT and unit.district is not None:
        crumbs.append((unit.district, can_view(user, unit.district)))
    return crumbs


def _lineage(user: User | AnonymousUser, unit: Unit) -> Lineage:
    # the scope once, not once per related unit (a superuser's scope is a query)
    root = scope_unit(user)
    return lineage(unit, can_view=lambda other: root is not None and is_within(other, root))


def _stamp(rows: Sequence[Progress], freshness: readings.Freshness) -> str:
    """What identifies the figures of these rows: their count, latest computation time and the
    data version of their provinces (which every recompute bumps, even within one second)."""
    latest = max((r.computed_at for r in rows if r.computed_at), default=None)
    return f"{len(rows)}@{latest.isoformat() if latest else '-'}v{freshness.version}"


def _figure_json(key: tuple[object, ...], build: Callable[[], go.Figure]) -> str:
    """fig.to_json() of `build()`, from the cache when these exact rows were drawn before.

    Building a Plotly figure costs more than the page's queries; the cache is an optimisation
    only, so a cache that is down is logged and skipped.
    """
    digest = hashlib.sha256(repr((get_language(), *key)).encode()).hexdigest()
    cache_key = f"reports:figure:{digest}"
    try:
        cached = cache.get(cache_key)
    except Exception:  # any cache failure: draw without it
        logger.warning("figure cache unavailable", exc_info=True)
        cached = None
    if cached is not None:
        return cached
    value = build().to_json()
    try:
        cache.set(cache_key, value, FIGURE_CACHE_SECONDS)
    except Exception:
        logger.warning("figure cache unavailable", exc_info=True)
    return value


def _yoy_json(unit: Unit, year_rows: Sequence[Progress], year: int, month: int, stamp: str) -> str:
    """The year-on-year chart of a unit's page: its months of `year` up to `month` beside the
    same months of last year (stored with each row), the old units' months striped."""
    carried_before = 0
    if unit.valid_from is not None and unit.valid_from.year == year:
        carried_before = 13  # all of last year was the old units'
    elif unit.valid_from is not None and unit.valid_from.year == year - 1:
        carried_before = unit.valid_from.month  # last year's months before the reform
    return _figure_json(
        ("yoy", unit.pk, year, month, stamp),
        lambda: charts.yoy_figure(year_rows, year=year, month=month, carried_before=carried_before),
    )


class UnitProgressView(ExportMixin, SingleTableMixin, FilterView):
    """The nation, a province or a district: headline figures, children table, trend, ranking."""

    template_name = "reports/unit.html"
    table_class = ProgressTable
    filterset_class = ProgressFilterSet
    table_pagination = {"per_page": 25}
    export_formats = ("csv", "xlsx")

    def setup(self, request: HttpRequest, *args: Any, unit: Unit, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.unit = unit

    @cached_property
    def periods(self) -> selectors.Periods:
        return selectors.unit_periods(self.unit)

    @cached_property
    def period(self) -> tuple[int, int]:
        return _choose_period(self.request.GET, self.periods)

    @property
    def year(self) -> int:
        return self.period[0]

    @property
    def month(self) -> int:
        return self.period[1]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """The page from its kept data part when its figures did not change (no query for them),
        else rendered and kept; a download is the table's, as django-tables2 makes it."""
        if self.export_class.is_valid_format(request.GET.get(self.export_trigger_param)):
            return super().get(request, *args, **kwargs)
        root = scope_unit(request.user)
        key = conditional.data_part_key(request, scope_pk=root.pk if root else None, name="unit")
        part = conditional.cached_part(key, self._render_data_part)
        if not hasattr(self, "object_list"):  # kept: the template names ask for it, no query
            self.object_list = Progress.objects.none()
        context = {
            "view": self,
            "unit": self.unit,
            "year": int(part["year"]),
            "month": int(part["month"]),
            "part": {name: mark_safe(html) for name, html in part.items()},  # noqa: S308
        }
        return self.render_to_response(context)

    def get_queryset(self) -> QuerySet[Progress]:
        return selectors.children_progress(self.unit)

    def get_filterset_kwargs(self, filterset_class: type[ProgressFilterSet]) -> dict[str, Any]:
        kwargs = super().get_filterset_kwargs(filterset_class)
        data = self.request.GET.copy()
        data["year"], data["month"] = str(self.year), str(self.month)
        kwargs["data"] = data
        kwargs["years"] = self.periods.years or [self.year]
        return kwargs

    def get_table_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"period_query": f"?year={self.year}&month={self.month}"}
        # An empty table after a search says the search found nothing, not that there is no data.
        searched = self.request.GET.get("q", "").strip()[:100]
        if searched:
            kwargs["empty_text"] = _("Không có đơn vị nào của %(unit)s khớp với “%(q)s”.") % {
                "unit": self.unit.full_name,
                "q": searched,
            }
        elif self.request.GET.get("band"):
            kwargs["empty_text"] = _("Không có đơn vị nào ở mức hoàn thành đã chọn trong kỳ này.")
        return kwargs

    def get_export_filename(self, export_format: str) -> str:
        return f"tien-do-{self.unit.url_code}-{self.month:02d}-{self.year}.{export_format}"

    def create_export(self, export_format: str) -> HttpResponse:
        """The children table as a file for Excel (targets.exports): a title block, a named
        sheet, figures as numbers (percentages with a % format), formula-like text neutralised;
        CSV with a BOM and `?tach=` (`;` by default, its decimal mark `,`)."""
        table = self.get_table(**self.get_table_kwargs())
        header, *rows = [list(row) for row in table.as_values(exclude_columns=self.exclude_columns)]
        columns = [  # as as_values lists them: hidden ones too
            bound.column
            for bound in table.columns.iterall()
            if not (bound.column.exclude_from_export or bound.name in self.exclude_columns)
        ]
        title = exports.FileTitle(
            unit=name_on(self.unit, cutoff_date(self.year, self.month)),
            period=month_label(self.year, self.month),
            map=period_map_label(self.year, self.month),
            by=user_label(self.request.user),
            generated_at=clock.now(),
        )
        if export_format == "xlsx":
            percent = [isinstance(c, PercentColumn) for c in columns]
            rows = [
                [
                    v / 100 if percent[i] and isinstance(v, (int, float, Decimal)) else v
                    for i, v in enumerate(row)
                ]
                for row in rows
            ]
            data = exports.table_xlsx(
                header,
                rows,
                formats=[
                    exports.PERCENT_FORMAT
                    if isinstance(c, PercentColumn)
                    else exports.GROUPED_FORMAT
                    if isinstance(c, NumberColumn)
                    else None
                    for c in columns
                ],
                sheet_name=_("Tiến độ %(period)s") % {"period": f"{self.month:02d}-{self.year}"},
                title=title,
                widths=(28,),
            )
            content_type = exports.XLSX_CONTENT_TYPE
        else:
            separator = exports.SEPARATORS.get(self.request.GET.get("tach", ""), ";")
            data = exports.table_csv(header, rows, title=title, separator=separator)
            content_type = exports.CSV_CONTENT_TYPE
        response = HttpResponse(data, content_type=content_type)
        filename = self.get_export_filename(export_format)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def _render_data_part(self) -> dict[str, str]:
        """The page's data part rendered from its figures (what conditional.cached_part keeps),
        with the period it shows."""
        self.filterset = self.get_filterset(self.get_filterset_class())
        if not self.filterset.is_bound or self.filterset.is_valid() or not self.get_strict():
            self.object_list = self.filterset.qs
        else:
            self.object_list = self.filterset.queryset.none()
        context = self.get_context_data(filter=self.filterset, object_list=self.object_list)
        part = {
            name: render_to_string(f"reports/_unit_{name}.html", context, self.request)
            for name in ("title", "head", "body")
        }
        return {**part, "year": str(self.year), "month": str(self.month)}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.export_class.is_valid_format(self.request.GET.get(self.export_trigger_param)):
            return context  # a download needs the table only
        # The page of month M shows nothing after M: the trend stops at M, its pace is M's.
        year_rows = [
            r for r in selectors.unit_year_rows(self.unit, self.year) if r.month <= self.month
        ]
        carried = selectors.carried_participants(self.unit, self.year)
        freshness = readings.freshness(self.unit, self.year)
        headline = next((r for r in year_rows if r.month == self.month), None)
        basis = headline or (year_rows[-1] if year_rows else None)
        children = list(self.object_list)
        if len(children) > RANKING_ALL_UP_TO:
            shown = children[:RANKING_EACH_END] + children[-RANKING_EACH_END:]
            ranking_title = _("{n} đơn vị cao nhất và {n} đơn vị thấp nhất").format(
                n=RANKING_EACH_END
            )
        else:
            shown, ranking_title = children, None
        # Communes are shown by commune_detail: the units here have a level below them.
        assert self.unit.child_level is not None
        unreported = selectors.unreported_provinces(self.unit, self.year, self.month)
        children_completion = None
        if headline is not None and headline.target is None and headline.children_target:
            children_completion = readings.children_completion(
                *selectors.reported_children_totals(self.unit, self.year, self.month)
            )
        context.update(
            unit=self.unit,
            year=self.year,
            month=self.month,
            unavailable=_unavailable_period(self.request.GET, self.year, self.month),
            in_progress=_in_progress(self.periods, self.year, self.month),
            headline=headline,
            breadcrumbs=_breadcrumbs(self.request.user, self.unit),
            lineage=_lineage(self.request.user, self.unit),
            unit_name=name_on(self.unit, cutoff_date(self.year, self.month)),
            period_map=period_map_label(self.year, self.month),
            freshness=freshness,
            cutoff=cutoff_date(self.year, self.month),
            child_level=Level(self.unit.child_level),
            children_count=len(children),
            children_completion=children_completion,
            unreported=unreported,
            unreported_count=len(unreported),
            compares_across=compares_across(self.unit, self.year, self.month),
            trend_json=_figure_json(
                (
                    "trend",
                    self.unit.pk,
                    self.year,
                    self.month,
                    _stamp(year_rows, freshness),
                    sorted(carried.items()),
                ),
                lambda: charts.trend_figure(
                    year_rows,
                    target=basis.target,
                    deadline_month=basis.deadline_month,
                    year=self.year,
                    month=self.month,
                    carried=carried,
                ),
            )
            if basis is not None  # there is a basis exactly when the year has rows
            else None,
            yoy_json=_yoy_json(
                self.unit, year_rows, self.year, self.month, _stamp(year_rows, freshness)
            )
            if basis is not None
            else None,
            ranking_json=_figure_json(
                (
                    "ranking",
                    self.unit.pk,
                    self.year,
                    self.month,
                    self.request.GET.get("band", "").strip(),
                    search_key(self.request.GET.get("q", "")),
                    _stamp(children, freshness),
                ),
                lambda: charts.ranking_figure(shown, title=ranking_title),
            )
            if shown
            else None,
            export_formats=self.export_formats,
            **_coverage(self.unit, self.year, self.request.user),
        )
        return context


def _coverage(unit: Unit, year: int, user: User | AnonymousUser) -> dict[str, Any]:
    """The coverage card's chart (the trajectory up to the page's year against the path of the
    coverage targets) and where its figures are entered."""
    from coverage.selectors import coverage_path, coverage_trajectory
    from provinces.access import can_enter_labour_force

    actual = {y: pct for y, pct in coverage_trajectory(unit=unit).items() if y <= year}
    path = coverage_path(unit=unit)
    grid_unit = unit if unit.level < Level.COMMUNE else unit.parent
    return {
        "coverage_json": charts.coverage_figure(actual, path).to_json() if actual or path else None,
        "coverage_url": reverse("coverage:grid", kwargs={"code": grid_unit.url_code})
        + f"?nam={year}"
        if grid_unit is not None
        else None,
        "coverage_can_enter": can_enter_labour_force(user, unit),
    }


def commune_detail(request: HttpRequest, unit: Unit) -> HttpResponse:
    """A commune's month-by-month history with its trend, and the audit history of its counts."""
    history = selectors.unit_history(unit)
    periods = selectors.Periods(
        pairs=[(r.year, r.month) for r in history if r.participants is not None]
    )
    year, month = _choose_period(request.GET, periods)
    # The page of month M shows nothing after M: its history, trend and audit trail stop there.
    shown = selectors.history_up_to(history, year, month)
    year_rows = sorted((r for r in shown if r.year == year), key=lambda r: r.month)
    # The headline: the asked month, else the latest month of that year reported by then; the
    # trend is drawn for the headline's month, so its pace is the card's.
    basis = next((r for r in reversed(year_rows) if r.participants is not None), None)
    carried = selectors.carried_participants(unit, year)
    freshness = readings.freshness(unit, year)
    trend_json = (
        _figure_json(
            (
                "trend",
                unit.pk,
                year,
                basis.month,
                _stamp(year_rows, freshness),
                sorted(carried.items()),
            ),
            lambda: charts.trend_figure(
                year_rows,
                target=basis.target,
                deadline_month=basis.deadline_month,
                year=year,
                month=basis.month,
                carried=carried,
            ),
        )
        if basis
        else None
    )
    yoy_json = (
        _yoy_json(unit, year_rows, year, basis.month, _stamp(year_rows, freshness))
        if basis
        else None
    )
    context = {
        "unit": unit,
        "year": year,
        "month": month,
        "years": periods.years,
        "yoy_json": yoy_json,
        # a month of a year it has is the commune's to show, reported or not
        "unavailable": _unavailable_period(request.GET, year, month)
        if _int(request.GET.get("year")) != year
        else None,
        "headline": basis,
        "breadcrumbs": _breadcrumbs(request.user, unit),
        "lineage": _lineage(request.user, unit),
        "compares_across": bool(basis and compares_across(unit, year, basis.month)),
        "freshness": freshness,
        "table": HistoryTable(shown),
        "trend_json": trend_json,
        "changes": selectors.commune_changes(unit, up_to=(year, month)),
        **_coverage(unit, year, request.user),
    }
    return render(request, "reports/commune.html", context)


@login_required
def definitions(request: HttpRequest) -> HttpResponse:
    """What each figure means (every signed-in user; it holds no figure)."""
    return render(request, "reports/definitions.html", {"definitions": DEFINITIONS})


@login_required
@conditional.conditional_page(_page_etag)
def reporting_status(request: HttpRequest, code: str) -> HttpResponse:
    """For one month: which communes of the scope have reported, which have not."""
    unit = get_visible_unit_or_404(request.user, code)
    periods = selectors.unit_periods(unit)
    year, month = _choose_period(request.GET, periods)
    status = selectors.reporting_status(unit, year, month)
    context = {
        "unit": unit,
        "year": year,
        "month": month,
        "years": periods.years or [year],
        "months": range(1, 13),
        "status": status,
        "breadcrumbs": _breadcrumbs(request.user, unit),
        "map_label": map_label(unit) or period_map_label(year, month),
        "report_by": status.report_by,
    }
    return render(request, "reports/reporting.html", context)


@login_required
def unit_search(request: HttpRequest) -> HttpResponse:
    """Units of either map by name ("Lục Nam", "bac giang"), each old one leading to the units
    that took it over; only what the user may read."""
    root = scope_unit(request.user)
    if root is None:
        raise PermissionDenied
    text = request.GET.get("q", "").strip()[:100]
    found = (
        search_units(text, root=root, can_view=lambda u: is_within(u, root))
        if len(text) >= 2
        else []
    )
    return render(request, "reports/search.html", {"q": text, "found": found})


@login_required
def unit_map(request: HttpRequest, code: str) -> HttpResponse:
    """/u/vn/ban-do/: the country's provinces as tiles; /u/t24/ban-do/: a province's communes
    as dots (a district's too); coloured by completion against the expected pace, a click opens
    the unit's page. The same figures as a table beside, for keyboards and screen readers."""
    unit = get_visible_unit_or_404(request.user, code)
    if unit.level == Level.COMMUNE:
        raise Http404("A commune has no map of its own")
    periods = selectors.unit_periods(unit)
    year, month = _choose_period(request.GET, periods)
    places = selectors.map_places(unit, year, month)
    islands = selectors.map_islands(unit)
    query = f"?year={year}&month={month}"
    freshness = readings.freshness(unit, year)
    figure_json = _figure_json(
        (
            "map",
            unit.pk,
            year,
            month,
            freshness.version,
            _stamp([p.row for p in places if p.row], freshness),
            # units without figures are drawn too: a unit added to the map changes the figure
            tuple(p.unit.pk for p in places),
        ),
        lambda: maps.map_figure(places, islands=islands, query=query),
    )
    context = {
        "unit": unit,
        "year": year,
        "month": month,
        "query": query,
        "breadcrumbs": _breadcrumbs(request.user, unit),
        "period_map": period_map_label(year, month),
        "rows": maps.map_table(places),
        "unplaced": [p.unit for p in places if p.unit.lat is None or p.unit.lon is None],
        "islands": islands,
        "map_json": figure_json,
    }
    return render(request, "reports/map.html", context)


# Suggestions under the header's search box: a handful, the full list is the search page's.
SUGGEST_LIMIT = 8


@login_required
def unit_suggest(request: HttpRequest) -> JsonResponse:
    """The header search's suggestions as JSON: units of either map the user may read whose
    name matches, each with its level, its parents and the period it is in force."""
    root = scope_unit(request.user)
    if root is None:
        raise PermissionDenied
    text = request.GET.get("q", "").strip()[:100]
    units = matching_units(text, root=root, limit=SUGGEST_LIMIT) if len(text) >= 2 else []
    results = [
        {
            "code": u.url_code,
            "url": u.get_absolute_url(),
            "name": u.full_name,
            "level": str(Level(u.level).label),
            "parent": parents_label(u),
            "period": period_label(u),
        }
        for u in units
    ]
    return JsonResponse({"q": text, "results": results})


@login_required
def crosswalk_csv(request: HttpRequest, code: str) -> HttpResponse:
    """The crosswalk of a province of today's map (or the whole country) as CSV: which old
    communes make up each of today's communes, and which one carries on an old commune's
    figures (the default successor, used for every comparison across the reform)."""
    unit = get_visible_unit_or_404(request.user, code)
    if unit.level not in (Level.NATION, Level.PROVINCE) or unit.valid_until is not None:
        raise Http404("The crosswalk is read from today's provinces")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="quy-doi-dia-gioi-{unit.url_code}.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 only with a BOM
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Tỉnh mới"),
            _("Mã xã mới"),
            _("Xã mới"),
            _("Tỉnh cũ"),
            _("Huyện cũ"),
            _("Mã xã cũ"),
            _("Xã cũ"),
            _("Phần"),
            _("Kế thừa số liệu"),
        ]
    )
    for s in crosswalk_rows(unit).iterator(chunk_size=2000):
        old, new = s.predecessor, s.successor
        writer.writerow(
            exports.neutralise(cell)
            for cell in [
                new.province.name if new.province else "",
                new.code,
                new.full_name,
                old.province.name if old.province else "",
                old.district.full_name if old.district else "",
                old.code,
                old.full_name,
                s.get_share_display(),
                _("có") if s.is_default else _("không"),
            ]
        )  # names reach the file: one starting like a formula must stay text
    return response
