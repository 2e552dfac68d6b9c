"""The dashboard's charts, built once in Python from progress figures.

The web pages send `fig.to_json()` to static/js/charts.js (local plotly.min.js); the PDF summaries
render the same Figure objects to images. Numbers in labels and hover text are formatted here with
bhxh_dashboard.formatting (52.139 / 84,65% / 05/2023) so both outputs read the same in either
language; `layout.separators` makes the axis ticks agree.

Rows may be progress.models.Progress instances (with `unit` loaded) or plain mappings with the same
field names plus `name` (see `_field`).

The ranking ranks and colours each unit by the completion of the target it has (participants,
else new participants), with the traffic light of progress.readings, where every figure
computed at read time is defined. A light is never told by colour alone (WCAG 2.1 AA): each bar
also has its light's pattern and, before its percentage, the mark the pages' legend uses
(static/css/app.css), and its hover names the light.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from bhxh_dashboard.formatting import month_label, number, percent, plotly_separators, signed
from progress import readings
from reports.tables import LIGHT_LABELS

# At least 3:1 against the white plot (graphics, WCAG 1.4.11); green and red are about as light
# as each other, so the marks and patterns below tell them apart in grey-scale.
GREEN, AMBER, RED, GREY = "#137333", "#b06d00", "#c5221f", "#767f8a"
BLUE, PALE_BLUE, INK, MUTED = "#0b4f8a", "#5a8ac0", "#1d2733", "#5b6776"
TRAFFIC_COLOURS = {"green": GREEN, "amber": AMBER, "red": RED, None: GREY}
# The shape of each light, as on the pages: circle, triangle, square; unknown: a ring.
TRAFFIC_MARKS = {"green": "●", "amber": "▲", "red": "■", None: "○"}
TRAFFIC_PATTERNS = {"green": "", "amber": "/", "red": "x", None: "."}

FONT = {"family": "Noto Sans, DejaVu Sans, system-ui, sans-serif", "size": 13, "color": INK}


def _field(row: Any, key: str) -> Any:
    """A figure from a mapping or an object; `name` falls back to row.unit.name."""
    if isinstance(row, Mapping):
        if key == "name" and "name" not in row and "unit" in row:
            return row["unit"].name
        return row.get(key)
    if key == "name" and not hasattr(row, "name"):
        return row.unit.name
    return getattr(row, key, None)


GRID = "#e6ebf0"
AXIS = {"gridcolor": GRID, "linecolor": GRID, "zeroline": False, "fixedrange": True}


def _base_layout(title: str | None, **extra: Any) -> dict:
    """Plain styling set explicitly: a named template would be deep-copied on every figure
    (most of the build time), and "none" keeps the JSON small."""
    layout = {
        "separators": plotly_separators(),
        "template": "none",
        "paper_bgcolor": "#fff",
        "plot_bgcolor": "#fff",
        "font": FONT,
        "hoverlabel": {"font": {"family": FONT["family"]}},
        # Above the plot: below it, the legend would cover month labels turned on a phone.
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "xanchor": "left"},
        **extra,
    }
    if title:
        layout["title"] = {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}}
    return layout


def _pace_line(
    row: Any, *, target: int | None, month: int, deadline: int
) -> tuple[int, list[tuple[int, int]]] | None:
    """(stored required pace, [(month, participants to reach by then)]) from month M's row to the
    deadline, or None when there is no pace to show."""
    if row is None or not target:
        return None
    participants = _field(row, "participants")
    gap = _field(row, "gap")
    pace = _field(row, "required_pace")
    steps = deadline - month
    if participants is None or not gap or not pace or steps <= 0:
        return None
    points = [
        (m, participants + round(gap * (m - month) / steps)) for m in range(month, deadline + 1)
    ]
    return pace, points


def _hatched_bars(
    name: str, hover_note: str, values: Mapping[int, int], *, year: int, colour: str
) -> dict[str, Any]:
    """Bars of the trend that are not this year's reported figures alone (the old units carried
    across the reform, a month being reported): striped, named, and said so on hover."""
    months = list(values)
    return {
        "type": "bar",
        "name": name,
        "x": [month_label(year, m) for m in months],
        "y": [values[m] for m in months],
        "marker": {
            "color": colour,
            # overlay: stripes over the bar's colour (replace would leave only stripes)
            "pattern": {"shape": "/", "fgcolor": "#fff", "solidity": 0.3, "fillmode": "overlay"},
        },
        "customdata": [number(values[m]) for m in months],
        "hovertemplate": "%{x}: <b>%{customdata}</b> (" + hover_note + ")<extra></extra>",
    }


def trend_figure(
    rows: Iterable[Any],
    *,
    target: int | None,
    deadline_month: int | None,
    year: int,
    month: int,
    title: str | None = None,
    carried: Mapping[int, int] | None = None,
) -> go.Figure:
    """Monthly participants of one unit (bars) against its target (line) for `year` up to
    `month`, and the required-pace line from `month` to the target at the deadline month.

    The chart of month M shows nothing after M: later rows and carried months are left out.
    The pace line is read from the unit's stored row of month M (participants, gap,
    required_pace, deadline_month), never recomputed here, so its legend says what the page's
    card and the PDF's text say. No pace line when M has no participants, the unit no target,
    or the stored pace is missing or 0 (target reached, or no month left).

    `rows`: the unit's progress rows (year, month, participants, and for month M the pace
    figures); rows of other years are ignored.
    `carried`: month -> participants of the old units a unit of today's map carries on, for the
    months of 2025 before its map (pale bars, named as such).
    """
    carried = {m: v for m, v in (carried or {}).items() if m <= month}
    year_rows = [r for r in rows if _field(r, "year") == year and _field(r, "month") <= month]
    by_month = {
        _field(r, "month"): _field(r, "participants")
        for r in year_rows
        if _field(r, "participants") is not None
    }
    current = next((r for r in year_rows if _field(r, "month") == month), None)
    # The deadline the stored pace was computed for; the caller's when month M has no row.
    stored_deadline = _field(current, "deadline_month") if current is not None else None
    deadline: int = stored_deadline or deadline_month or 12
    months = list(range(1, 13))
    labels = [month_label(year, m) for m in months]
    reported = sorted(by_month)

    traces = []
    if carried:
        before = sorted(carried)
        # Striped as well as paler: told from this year's own bars in grey-scale too.
        traces.append(
            _hatched_bars(
                _("Đơn vị cũ, quy đổi theo địa giới mới"),
                _("quy đổi theo địa giới mới"),
                {m: carried[m] for m in before},
                year=year,
                colour=PALE_BLUE,
            )
        )
    # Months being reported (số ước) are hatched and named: part of the bar is carried forward.
    estimated = {_field(r, "month") for r in year_rows if _field(r, "communes_estimated")} & set(
        reported
    )
    known = [m for m in reported if m not in estimated]
    traces.append(
        {
            "type": "bar",
            "name": _("Số người tham gia"),
            "x": [month_label(year, m) for m in known],
            "y": [by_month[m] for m in known],
            "marker": {"color": BLUE},
            "customdata": [number(by_month[m]) for m in known],
            "hovertemplate": "%{x}: <b>%{customdata}</b><extra></extra>",
        }
    )
    if estimated:
        traces.append(
            _hatched_bars(
                _("Ước tính (tháng đang báo cáo)"),
                _("ước tính"),
                {m: by_month[m] for m in sorted(estimated)},
                year=year,
                colour=BLUE,
            )
        )
    if target:
        traces.append(
            {
                "type": "scatter",
                "name": _("Kế hoạch {value}").format(value=number(target)),
                "x": labels,
                "y": [target] * len(labels),
                "mode": "lines",
                "line": {"color": RED, "width": 2},
                "hovertemplate": _("Kế hoạch") + ": <b>" + number(target) + "</b><extra></extra>",
            }
        )
    pace_line = _pace_line(current, target=target, month=month, deadline=deadline)
    if pace_line is not None:
        per_month, points = pace_line
        traces.append(
            {
                "type": "scatter",
                "name": _("Tiến độ cần đạt: {value}/tháng").format(value=number(per_month)),
                "x": [month_label(year, m) for m, _v in points],
                "y": [v for _m, v in points],
                "mode": "lines+markers",
                "line": {"color": AMBER, "width": 2, "dash": "dash"},
                "marker": {"size": 6},
                "customdata": [number(v) for _m, v in points],
                "hovertemplate": _("Cần đạt") + " %{x}: <b>%{customdata}</b><extra></extra>",
            }
        )
    top = max([target or 0, *by_month.values(), *carried.values(), 1])
    layout = _base_layout(
        title,
        margin={"l": 60, "r": 16, "t": 48 if title else 16, "b": 40},
        height=360,
        bargap=0.25,
        # each month has one bar, of one of the traces (carried, reported, estimated)
        barmode="overlay",
        xaxis={
            **AXIS,
            "type": "category",
            "categoryorder": "array",
            "categoryarray": labels,
            # Plotly turns the labels (30° or 90°) only when they would overlap.
            "automargin": True,
            "showgrid": False,
        },
        yaxis={**AXIS, "range": [0, top * 1.08], "tickformat": ",d"},
    )
    return go.Figure(data=traces, layout=layout)


def ranking_figure(rows: Sequence[Any], *, title: str | None = None) -> go.Figure:
    """Units ranked by the completion % of the target they have as horizontal bars, coloured by
    its traffic light (progress.readings: participants, else new participants).

    `rows`: progress rows of sibling units (name, participants, target, completion_pct, new_ytd,
    target_new, completion_new_pct, change_vs_prev_year_end, month, deadline_month). Units
    without a completion % go last, grey. A bar ranked by the new-participants target says so.
    """
    ranked = sorted(
        rows,
        key=lambda r: (
            readings.ranking_pct(r) is None,
            -(readings.ranking_pct(r) or 0),
            _field(r, "name"),
        ),
    )
    # Plotly draws the first category at the bottom; reverse so the best is on top.
    ranked.reverse()
    names = [_field(r, "name") for r in ranked]
    kinds = [readings.main_kind(r) for r in ranked]
    values = [float(readings.ranking_pct(r) or 0) for r in ranked]
    lights = [
        readings.light(r, kind) if kind else None for r, kind in zip(ranked, kinds, strict=True)
    ]
    # Labels translated once, not per bar: the national ranking has 63 of them.
    stock = (
        _("Hoàn thành")
        + ": {pct}<br>"
        + _("Tham gia / kế hoạch")
        + ": {p} / {target}<br>"
        + _("Cần đạt theo tiến độ")
        + ": {e}<br>{gap}"
    )
    flow = (
        _("Hoàn thành kế hoạch phát triển mới")
        + ": {pct}<br>"
        + _("Phát triển mới lũy kế / kế hoạch")
        + ": {p} / {target}<br>"
        + _("Cần đạt theo tiến độ")
        + ": {e}"
    )
    new_text = _("{pct} (phát triển mới)")
    light_names = {light: str(label) for light, label in LIGHT_LABELS.items()}
    gap_label, over_label = _("Còn phải phát triển"), _("Vượt kế hoạch")
    texts, hover = [], []
    for r, kind, light in zip(ranked, kinds, lights, strict=True):
        pct = percent(readings.ranking_pct(r))
        mark = TRAFFIC_MARKS[light]
        texts.append(f"{mark} " + (new_text.format(pct=pct) if kind == readings.NEW else pct))
        lines = [f"<b>{_field(r, 'name')}</b>", f"{mark} {light_names[light]}"]
        if readings.has_target(r, readings.PARTICIPANTS) or kind is None:
            gap = _field(r, "gap") or 0
            lines.append(
                stock.format(
                    pct=percent(_field(r, "completion_pct")),
                    p=number(_field(r, "participants")),
                    target=number(_field(r, "target")),
                    e=percent(readings.expected_completion_pct(r)),
                    gap=f"{gap_label}: {number(gap)}"
                    if gap > 0
                    else f"{over_label}: {signed(_field(r, 'over_target') or 0)}",
                )
            )
        if readings.has_target(r, readings.NEW):
            lines.append(
                flow.format(
                    pct=percent(_field(r, "completion_new_pct")),
                    p=number(_field(r, "new_ytd")),
                    target=number(_field(r, "target_new")),
                    e=percent(readings.expected_completion_pct(r, readings.NEW)),
                )
            )
        hover.append("<br>".join(lines))
    bars = {
        "type": "bar",
        "orientation": "h",
        "x": values,
        "y": names,
        "marker": {
            "color": [TRAFFIC_COLOURS[light] for light in lights],
            "pattern": {
                "shape": [TRAFFIC_PATTERNS[light] for light in lights],
                "fgcolor": "#fff",
                "solidity": 0.35,
            },
        },
        "text": texts,
        "textposition": "outside",
        "cliponaxis": False,
        "customdata": hover,
        "hovertemplate": "%{customdata}<extra></extra>",
        "showlegend": False,
    }
    top = max([*values, 100.0])
    layout = _base_layout(
        title,
        height=max(220, 26 * len(ranked) + (90 if title else 60)),
        # Room on the right for the labels outside the bars ("90,00% (phát triển mới)").
        margin={
            "l": 8,
            "r": 150 if readings.NEW in kinds else 56,
            "t": 48 if title else 16,
            "b": 36,
        },
        bargap=0.2,
        xaxis={**AXIS, "range": [0, top * 1.12], "ticksuffix": "%"},
        yaxis={**AXIS, "type": "category", "automargin": True, "showgrid": False},
        # The target: 100% of the plan.
        shapes=[
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": 100,
                "x1": 100,
                "y0": 0,
                "y1": 1,
                "line": {"color": INK, "width": 1, "dash": "dot"},
            }
        ],
    )
    return go.Figure(data=[bars], layout=layout)


def yoy_figure(
    rows: Iterable[Any],
    *,
    year: int,
    month: int,
    carried_before: int = 0,
    title: str | None = None,
) -> go.Figure:
    """This year's monthly participants (bars) beside the same months of last year, on the same
    units, for `year` up to `month`: last year's figure is the row's stored
    `same_month_last_year` (progress/figures.py), which across the reform is the old units the
    unit carries on, so like is compared with like.

    `carried_before`: last year's months before this one (1-12) were the old units' (a unit of
    today's map): those bars are striped and named so. None-valued months are left out.
    """
    year_rows = sorted(
        (r for r in rows if _field(r, "year") == year and _field(r, "month") <= month),
        key=lambda r: _field(r, "month"),
    )
    this_year = {
        _field(r, "month"): _field(r, "participants")
        for r in year_rows
        if _field(r, "participants") is not None
    }
    last_year = {
        _field(r, "month"): _field(r, "same_month_last_year")
        for r in year_rows
        if _field(r, "same_month_last_year") is not None
    }
    change = {_field(r, "month"): _field(r, "change_yoy_pct") for r in year_rows}
    labels = [_("Tháng {m}").format(m=m) for m in range(1, 13)]

    def bars(name: str, values: Mapping[int, int], y: int, colour: str) -> dict[str, Any]:
        """Bars of year `y`; this year's hover also says the change against last year."""
        months = sorted(values)
        return {
            "type": "bar",
            "name": name,
            "x": [labels[m - 1] for m in months],
            "y": [values[m] for m in months],
            "marker": {"color": colour},
            "customdata": [
                [
                    month_label(y, m),
                    number(values[m]),
                    _change_text(change.get(m)) if y == year else "",
                ]
                for m in months
            ],
            "hovertemplate": "%{customdata[0]}: <b>%{customdata[1]}</b>%{customdata[2]}"
            "<extra></extra>",
        }

    last_name = _("Năm {year}").format(year=year - 1)
    traces = []
    old = {m: v for m, v in last_year.items() if m < carried_before}
    own = {m: v for m, v in last_year.items() if m >= carried_before}
    if own:
        traces.append(bars(last_name, own, year - 1, GREY))
    if old:
        trace = bars(_("Năm {year}, đơn vị cũ quy đổi").format(year=year - 1), old, year - 1, GREY)
        trace["marker"]["pattern"] = {
            "shape": "/",
            "fgcolor": "#fff",
            "solidity": 0.3,
            "fillmode": "overlay",
        }
        traces.append(trace)
    traces.append(bars(_("Năm {year}").format(year=year), this_year, year, BLUE))
    top = max([*this_year.values(), *last_year.values(), 1])
    layout = _base_layout(
        title,
        margin={"l": 60, "r": 16, "t": 48 if title else 16, "b": 40},
        height=320,
        barmode="group",
        bargap=0.25,
        bargroupgap=0.05,
        xaxis={
            **AXIS,
            "type": "category",
            "categoryorder": "array",
            "categoryarray": labels[:month],
            "automargin": True,
            "showgrid": False,
        },
        yaxis={**AXIS, "range": [0, top * 1.08], "tickformat": ",d"},
    )
    return go.Figure(data=traces, layout=layout)


def _change_text(pct: Any) -> str:
    """ " (+1,23% so với cùng kỳ)" for this year's bars; empty when unknown."""
    if pct is None:
        return ""
    return " (" + _("{change} so với cùng kỳ").format(change=signed(pct, 2) + "%") + ")"


def coverage_figure(
    actual: Mapping[int, Any], path: Mapping[int, Any], *, title: str | None = None
) -> go.Figure:
    """The unit's coverage (% of its working-age labour force) year by year against the path of
    its coverage targets to the last target year (e.g. 2,5% by 2025, Resolution 403's by 2030).

    `actual`: year -> coverage % of the year's last month with one; `path`: year -> target %.
    """
    target_label, actual_label = _("Mục tiêu bao phủ"), _("Tỷ lệ bao phủ")
    fig = go.Figure()
    if path:
        years = sorted(path)
        fig.add_trace(
            go.Scatter(
                x=years,
                y=[float(path[y]) for y in years],
                name=target_label,
                mode="lines+markers+text",
                line={"color": AMBER, "dash": "dash", "width": 2},
                marker={"symbol": "diamond", "size": 9},
                text=[percent(path[y]) for y in years],
                textposition="top center",
                hovertemplate=[
                    f"{target_label} {y}: {percent(path[y])}<extra></extra>" for y in years
                ],
            )
        )
    if actual:
        years = sorted(actual)
        fig.add_trace(
            go.Scatter(
                x=years,
                y=[float(actual[y]) for y in years],
                name=actual_label,
                mode="lines+markers+text",
                line={"color": BLUE, "width": 3},
                marker={"size": 9},
                text=[percent(actual[y]) for y in years],
                textposition="bottom center",
                hovertemplate=[
                    f"{actual_label} {y}: {percent(actual[y])}<extra></extra>" for y in years
                ],
            )
        )
    fig.update_layout(
        **_base_layout(
            title,
            height=300,
            margin={"l": 50, "r": 20, "t": 40 if title else 20, "b": 40},
            xaxis={**AXIS, "dtick": 1, "tickformat": "d"},
            yaxis={**AXIS, "ticksuffix": "%", "rangemode": "tozero"},
        )
    )
    return fig
