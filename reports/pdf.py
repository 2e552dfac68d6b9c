"""PDF summaries for managers: what they show, the charts as SVG, WeasyPrint, and the cache.

A summary is one unit (nation, province or district) for one month: the headline figures, its
children's table, the children that lag most with the pace they need, and the trend and ranking
charts drawn by reports.charts (the same figures as the web pages) exported to vector SVG.

Generated PDFs are cached in SummaryPdf by unit, period, language and data version; the version is
the province's RecomputeState.data_version (the sum over provinces for the nation, which grows on
every recompute), so a recompute makes a new PDF and a cached one never shows old figures.
Summaries are built by a Celery task, whose worker keeps its chart browser warm (reports.tasks),
and only for a period the unit has figures for (has_figures).
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

import plotly.graph_objects as go
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bhxh_dashboard import clock
from bhxh_dashboard.formatting import month_label, user_label
from bhxh_dashboard.months import cutoff_date
from outreach import selectors as outreach_selectors
from progress import readings
from progress.definitions import DEFINITIONS, Definition
from progress.models import Progress
from provinces.models import Level, Unit
from provinces.selectors import compares_across, map_label, period_map_label
from reports import charts
from reports.models import PdfStatus, SummaryPdf

logger = logging.getLogger("bhxh.reports.pdf")

LAGGARDS: dict[int, int] = {Level.NATION: 10, Level.PROVINCE: 5, Level.DISTRICT: 5}
CHART_WIDTH = 760  # px; the PDF scales the SVG to the text width (180 mm)
TREND_HEIGHT = 330
KALEIDO_START_TIMEOUT = 60  # s; a cold Chromium start takes about 3 s
KALEIDO_RENDER_TIMEOUT = 30  # s for one figure; a warm one takes about 0.2 s
KALEIDO_TABS = 2  # a summary has two charts: both are drawn at once


# --- Charts: one warm Chromium (kaleido) per process -------------------------------------------


class ChartRenderer:
    """Plotly figures to SVG through one kaleido browser kept open for the life of the process.

    kaleido's own start_sync_server() blocks forever when its browser dies (its queue is joined
    without a timeout) and mixes up answers between threads; this keeps the same idea, one browser
    on an event loop in a daemon thread, with a lock, timeouts and a restart after a failure.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido: Any = None
        self._atexit = False

    @property
    def running(self) -> bool:
        return self._kaleido is not None

    def start(self) -> None:
        with self._lock:
            self._start_locked()

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def svgs(self, jobs: list[tuple[Any, int, int]]) -> list[str]:
        """SVG documents of (figure, width, height) jobs, drawn side by side in the browser's tabs."""
        if not jobs:
            return []

        async def draw_all() -> list[bytes | str]:
            return await asyncio.gather(
                *(
                    self._kaleido.calc_fig(fig, opts={"format": "svg", "width": w, "height": h})
                    for fig, w, h in jobs
                )
            )

        with self._lock:
            self._start_locked()
            assert self._loop is not None  # started just above
            future = asyncio.run_coroutine_threadsafe(draw_all(), self._loop)
            try:
                images = future.result(KALEIDO_RENDER_TIMEOUT + 5)
            except BaseException:
                future.cancel()
                self._stop_locked()  # the next summary starts a fresh browser
                raise
        return [i.decode() if isinstance(i, bytes) else i for i in images]

    def _start_locked(self) -> None:
        if self._kaleido is not None:
            return
        import kaleido

        async def open_browser() -> Any:  # a kaleido.Kaleido (kaleido has no type hints)
            # mathjax=False: kaleido would fetch MathJax from a CDN; plotly.js comes from the
            # plotly package, so nothing is downloaded.
            browser = kaleido.Kaleido(n=KALEIDO_TABS, timeout=KALEIDO_RENDER_TIMEOUT, mathjax=False)
            await browser.open()
            return browser

        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="kaleido", daemon=True)
        thread.start()
        started = time.monotonic()
        try:
            browser = asyncio.run_coroutine_threadsafe(open_browser(), loop).result(
                KALEIDO_START_TIMEOUT
            )
        except BaseException:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)
            raise
        self._loop, self._thread, self._kaleido = loop, thread, browser
        logger.info("kaleido started in %.1f s", time.monotonic() - started)
        if not self._atexit:
            atexit.register(self.stop)
            self._atexit = True

    def _stop_locked(self) -> None:
        if self._kaleido is None:
            return
        loop, thread, browser = self._loop, self._thread, self._kaleido
        assert loop is not None and thread is not None  # set together with _kaleido
        self._loop = self._thread = self._kaleido = None
        try:
            asyncio.run_coroutine_threadsafe(browser.close(), loop).result(10)
        except Exception:  # noqa: BLE001 - a dead browser is what we are cleaning up after
            logger.warning("kaleido did not close cleanly", exc_info=True)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


renderer = ChartRenderer()


def figure_svgs(figures: list[tuple[Any, int]]) -> list[str]:
    """SVG documents of (figure, height) pairs at the PDF's chart width."""
    return renderer.svgs([(fig, CHART_WIDTH, height) for fig, height in figures])


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


# --- What a summary shows (reads) --------------------------------------------------------------


def data_state(*, unit: Unit, year: int) -> readings.Freshness:
    """The version and freshness of the figures a summary of `unit` reads: the page's "figures
    as of" (progress.readings: the oldest recompute of the provinces it covers)."""
    return readings.freshness(unit, year)


@dataclass
class Summary:
    """Everything a summary page prints, read in a handful of queries."""

    unit: Unit
    year: int
    month: int
    state: readings.Freshness
    row: Progress | None
    trend_rows: list[Progress]
    children: list[Progress]
    laggards: list[Progress] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return self.row is not None and self.row.participants is not None

    @property
    def cut_off(self) -> date:
        """The month's cut-off date, as the dashboard states it (the 25th; December the 31st)."""
        return cutoff_date(self.year, self.month)

    @property
    def children_with_data(self) -> list[Progress]:
        return [c for c in self.children if c.participants is not None]


def summary_data(*, unit: Unit, year: int, month: int) -> Summary:
    """The unit's progress for the month, its year's trend up to the month (a summary of month M
    shows nothing after M), its children and the laggards."""
    state = data_state(unit=unit, year=year)
    trend_rows = list(
        Progress.objects.filter(unit=unit, year=year, month__lte=month).order_by("month")
    )
    row = next((r for r in trend_rows if r.month == month), None)
    children = list(
        Progress.objects.filter(parent=unit, year=year, month=month)
        .select_related("unit")
        .order_by("unit__code")
    )
    # The laggards' table reads the participants target (gap, deadline, pace to it).
    lagging = sorted(
        (c for c in children if c.completion_pct is not None and (c.gap or 0) > 0),
        key=lambda c: (c.completion_pct, c.unit.code),
    )
    return Summary(
        unit=unit,
        year=year,
        month=month,
        state=state,
        row=row,
        trend_rows=trend_rows,
        children=children,
        laggards=lagging[: LAGGARDS.get(unit.level, 5)],
    )


# --- Rendering ---------------------------------------------------------------------------------


def child_level_label(unit: Unit) -> str:
    if unit.child_level == Level.COMMUNE and unit.level == Level.PROVINCE:
        return _("xã, phường, đặc khu")  # a province of today's map: no districts
    labels: dict[int, str] = {
        Level.NATION: _("tỉnh, thành phố"),
        Level.PROVINCE: _("huyện, thị xã, thành phố"),
        Level.DISTRICT: _("xã, phường, thị trấn"),
    }
    return labels.get(unit.level, "")


def summary_charts(summary: Summary) -> list[dict[str, str]]:
    """The trend of the unit and the ranking of its children, as SVG data URIs with titles."""
    row = summary.row
    if row is None or not summary.has_data:
        return []
    figures: list[tuple[str, go.Figure, int]] = []
    title = _("Số người tham gia theo tháng, năm {year}").format(year=summary.year)
    fig = charts.trend_figure(
        summary.trend_rows,
        target=row.target,
        deadline_month=row.deadline_month,
        year=summary.year,
        month=summary.month,
        title=title,
    )
    # Print has room for upright month labels; the legend goes below them.
    fig.update_layout(
        xaxis={"tickangle": 0, "tickfont": {"size": 11}},
        legend={"y": -0.14, "yanchor": "top"},
        margin={"b": 80},
    )
    figures.append((title, fig, TREND_HEIGHT))
    ranked = summary.children_with_data
    if ranked:
        title = _("Xếp hạng tỷ lệ hoàn thành kế hoạch — các {level}").format(
            level=child_level_label(summary.unit)
        )
        fig = charts.ranking_figure(ranked, title=title)
        # A4 holds about 1.000 px of chart at this width: 63 provinces get thinner bars.
        bar = 22 if len(ranked) <= 30 else 14
        height = min(max(220, bar * len(ranked) + 90), 1000)
        if len(ranked) > 30:
            fig.update_layout(font={"size": 11}, bargap=0.15)
        fig.update_layout(height=height)
        figures.append((title, fig, height))
    svgs = figure_svgs([(fig, height) for _title, fig, height in figures])
    return [
        {"title": title, "src": svg_data_uri(svg)}
        for (title, _fig, _height), svg in zip(figures, svgs, strict=True)
    ]


@cache
def _stylesheet_path() -> str:
    path = finders.find("css/pdf.css")
    if path is None:
        raise FileNotFoundError("static file css/pdf.css")
    return path


def _notes(summary: Summary) -> list[Definition]:
    """The definitions of the figures this summary shows (the notes at its end): an estimate
    or a new-participants target only when it has one."""
    row = summary.row
    shown = {"estimate": bool(row and row.communes_estimated), "new": bool(row and row.target_new)}
    # the coverage sentence says what it is; its four definitions would take a third page
    return [d for d in DEFINITIONS if shown.get(d.slug, True) and not d.slug.startswith("coverage")]


def summary_html(summary: Summary, *, generated_at: datetime, generated_by: str) -> str:
    # New participants by collection channel (outreach, issue 17): its own section when the
    # unit has any of it, numbered after the laggards, before the charts.
    outreach = (
        outreach_selectors.outreach_summary(
            unit=summary.unit, year=summary.year, month=summary.month
        )
        if summary.has_data
        else None
    )
    numbers = iter(range(4 if summary.children else 2, 10))
    context = {
        "outreach": outreach,
        "outreach_no": next(numbers) if outreach else None,
        "charts_no": next(numbers),
        "point_names_shown": outreach_selectors.POINT_NAMES_SHOWN,
        "s": summary,
        "unit": summary.unit,
        "row": summary.row,
        "charts": summary_charts(summary),
        "definitions": _notes(summary),
        # the children with a labour force, by coverage (the table has no room for a column)
        "coverage_ranking": sorted(
            (c for c in summary.children if c.coverage_pct is not None),
            key=lambda c: (-c.coverage_pct, c.unit.code),  # type: ignore[operator]
        ),
        "coverage_missing": sum(1 for c in summary.children if c.labour_force is None),
        "child_level": child_level_label(summary.unit),
        "period": month_label(summary.year, summary.month),
        # every page names its map; the nation's is the map in force at the month
        "map_label": map_label(summary.unit) or period_map_label(summary.year, summary.month),
        "compares_across": compares_across(summary.unit, summary.year, summary.month),
        # Years as text: the number filters would group them ("2.023").
        "year": str(summary.year),
        "last_year": str(summary.year - 1),
        "generated_at": timezone.localtime(generated_at),
        "generated_by": generated_by,
        "as_of": timezone.localtime(summary.state.computed_at)
        if summary.state.computed_at
        else None,
    }
    return render_to_string("reports/pdf/summary.html", context)


@cache
def _stylesheet() -> tuple[Any, Any]:
    """pdf.css parsed once per process, with the font configuration it was parsed for."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    return CSS(filename=_stylesheet_path(), font_config=fonts), fonts


_weasyprint_lock = threading.Lock()


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    css, fonts = _stylesheet()
    # The shared font configuration is not known to be thread-safe (runserver is threaded).
    with _weasyprint_lock:
        return HTML(string=html, base_url=".").write_pdf(stylesheets=[css], font_config=fonts)


def render_summary_pdf(
    *, unit: Unit, year: int, month: int, language: str, user: User | None = None
) -> bytes:
    """The summary PDF of `unit` for a month, in `language`, generated now by `user`."""
    with translation.override(language):
        summary = summary_data(unit=unit, year=year, month=month)
        html = summary_html(summary, generated_at=clock.now(), generated_by=user_label(user))
    return html_to_pdf(html)


# --- The cache (writes) ------------------------------------------------------------------------


def builds_in_background(unit: Unit) -> bool:
    """Every summary (nation, province, district) is built by the worker, its progress on the
    page; a cold build takes seconds, which a person must not wait for behind a plain link."""
    return unit.level <= Level.DISTRICT


def has_figures(*, unit: Unit, year: int, month: int) -> bool:
    """Does the unit have figures for the month? A summary (and its stored PDF) is made only
    for such a period: any other would be one of thousands of empty PDFs per unit."""
    return Progress.objects.filter(
        unit=unit, year=year, month=month, participants__isnull=False
    ).exists()


def summary_pdf_states(*, unit: Unit, language: str) -> list[tuple[int, str]]:
    """(id, status) of the unit's stored summaries in a language: what its page's PDF box shows
    (part of the page's ETag, reports/conditional.py). One query, a row per period asked."""
    return list(
        SummaryPdf.objects.filter(unit=unit, language=language)
        .order_by("pk")
        .values_list("pk", "status")
    )


def summary_pdf_current(*, unit: Unit, year: int, month: int, language: str) -> SummaryPdf | None:
    """The cached summary for the current data version, whatever its status; no content loaded."""
    version = data_state(unit=unit, year=year).version
    return (
        SummaryPdf.objects.defer("content")
        .filter(unit=unit, year=year, month=month, language=language, data_version=version)
        .first()
    )


def summary_pdf_get_or_build(
    *, unit: Unit, year: int, month: int, language: str, user: User
) -> SummaryPdf:
    """The cached summary of the current figures, built now if there is none (or it failed)."""
    version = data_state(unit=unit, year=year).version
    key: dict[str, Any] = {
        "unit": unit,
        "year": year,
        "month": month,
        "language": language,
        "data_version": version,
    }
    pdf = SummaryPdf.objects.filter(**key, status=PdfStatus.READY).first()
    if pdf is not None:
        return pdf
    started = time.monotonic()
    content = render_summary_pdf(unit=unit, year=year, month=month, language=language, user=user)
    values: dict[str, Any] = {
        "content": content,
        "status": PdfStatus.READY,
        "error": "",
        "created_by": user,
        "generated_at": clock.now(),
        "render_ms": round(1000 * (time.monotonic() - started)),
    }
    try:
        with transaction.atomic():
            pdf, _created = SummaryPdf.objects.update_or_create(**key, defaults=values)
            _drop_superseded(pdf)
    except IntegrityError:
        # Two requests built the same summary at once: keep the one stored first.
        pdf = SummaryPdf.objects.get(**key)
    return pdf


def _drop_superseded(pdf: SummaryPdf) -> None:
    """Summaries of older figures are never served again: keep only the newest version."""
    SummaryPdf.objects.filter(
        unit_id=pdf.unit_id,
        year=pdf.year,
        month=pdf.month,
        language=pdf.language,
        data_version__lt=pdf.data_version,
    ).delete()


def summary_pdf_request(
    *, unit: Unit, year: int, month: int, language: str, user: User
) -> SummaryPdf:
    """Ask the worker to build the summary of the current figures; returns the (cached) row.

    A ready or queued summary is returned as is; a failed one is queued again.
    """
    from reports.tasks import build_summary_pdf

    version = data_state(unit=unit, year=year).version
    key: dict[str, Any] = {
        "unit": unit,
        "year": year,
        "month": month,
        "language": language,
        "data_version": version,
    }
    with transaction.atomic():
        pdf, created = SummaryPdf.objects.defer("content").get_or_create(
            **key, defaults={"created_by": user}
        )
        if not created and pdf.status != PdfStatus.FAILED:
            return pdf
        if not created:
            pdf.status, pdf.error, pdf.created_by = PdfStatus.PENDING, "", user
            pdf.save(update_fields=["status", "error", "created_by"])
        transaction.on_commit(lambda: build_summary_pdf.delay(pdf.pk))
    return pdf


def summary_pdf_build(*, pdf_id: int) -> SummaryPdf | None:
    """Build a queued summary (the Celery task's body); idempotent when run twice."""
    pdf = SummaryPdf.objects.defer("content").select_related("unit", "created_by").get(pk=pdf_id)
    if pdf.status == PdfStatus.READY:
        return pdf
    SummaryPdf.objects.filter(pk=pdf.pk).update(status=PdfStatus.RUNNING)
    started = time.monotonic()
    try:
        content = render_summary_pdf(
            unit=pdf.unit,
            year=pdf.year,
            month=pdf.month,
            language=pdf.language,
            user=pdf.created_by,
        )
    except Exception as exc:
        logger.exception("summary PDF %s failed", pdf.pk)
        SummaryPdf.objects.filter(pk=pdf.pk).update(
            status=PdfStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    SummaryPdf.objects.filter(pk=pdf.pk).update(
        status=PdfStatus.READY,
        content=content,
        error="",
        generated_at=clock.now(),
        render_ms=round(1000 * (time.monotonic() - started)),
    )
    _drop_superseded(pdf)
    pdf.refresh_from_db()
    return pdf


def warm_up_charts(*, background: bool = True) -> None:
    """Start the chart browser ahead of the first summary (in a thread: a worker is ready at
    once); a failure only means the first summary starts it itself."""

    def start() -> None:
        try:
            renderer.start()
        except Exception:  # noqa: BLE001 - the summary itself will report the error
            logger.warning("kaleido did not start", exc_info=True)

    if background:
        threading.Thread(target=start, name="kaleido-warm-up", daemon=True).start()
    else:
        start()
