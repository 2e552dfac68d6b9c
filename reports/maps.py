"""The maps: the country's provinces as tiles and a province's (or district's) communes as dots,
each coloured by its completion against the expected pace (the light of progress.readings).

Drawn as a plain Plotly scatter of longitude against latitude with an equal aspect, from the
centroids stored on Unit (vietnamadminunits' data, loaded by load_admin_units): no geographic
trace, so nothing (topojson, tiles) is fetched at run time. Hoàng Sa and Trường Sa are drawn on
the country's map, and on Đà Nẵng's and Khánh Hòa's, named with the province they belong to.
Each point carries its page's URL: static/js/map.js opens it on a click (drill-down).
"""

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from bhxh_dashboard.formatting import number, percent
from progress import readings
from provinces.models import Level, Unit
from reports.charts import AXIS, GREY, TRAFFIC_COLOURS, TRAFFIC_MARKS, _base_layout
from reports.selectors import Island, MapPlace
from reports.tables import LIGHT_LABELS

# Degrees of a tile of the country's map: the provinces' centroids are snapped to a grid of
# these, so neighbours in the Red River delta do not cover each other.
TILE = 0.8
# The dot map's symbols: a light is never told by colour alone (as the ranking's marks).
DOT_SYMBOLS = {"green": "circle", "amber": "triangle-up", "red": "square", None: "circle-open"}
LIGHTS: tuple[readings.Light | None, ...] = ("green", "amber", "red", None)


def place_light(place: MapPlace) -> readings.Light | None:
    """The light a unit is coloured by: that of the target it is ranked by (readings)."""
    if place.row is None:
        return None
    kind = readings.main_kind(place.row)
    return readings.light(place.row, kind) if kind else None


class TableRow(NamedTuple):
    """A unit of the map in the table beside it (the map's text alternative), formatted."""

    unit: Unit
    light: str  # its mark and name: "▲ Chậm nhẹ"
    completion: str
    expected: str
    participants: str


def map_table(places: Sequence[MapPlace]) -> list[TableRow]:
    rows = []
    for place in places:
        light = place_light(place)
        row = place.row
        kind = readings.main_kind(row) if row is not None else None
        rows.append(
            TableRow(
                place.unit,
                f"{TRAFFIC_MARKS[light]} {LIGHT_LABELS[light]}",
                percent(readings.completion(row, kind)) if row is not None and kind else "—",
                percent(readings.expected_completion_pct(row, kind))
                if row is not None and kind
                else "—",
                number(row.participants)
                if row is not None and row.participants is not None
                else "—",
            )
        )
    return rows


def _hover(place: MapPlace, light: readings.Light | None) -> str:
    lines = [f"<b>{place.unit.full_name}</b>", f"{TRAFFIC_MARKS[light]} {LIGHT_LABELS[light]}"]
    row = place.row
    if row is None or row.participants is None:
        lines.append(_("Chưa có số liệu kỳ này"))
        return "<br>".join(lines)
    kind = readings.main_kind(row)
    if kind is not None:
        lines.append(_("Hoàn thành") + ": " + percent(readings.completion(row, kind)))
        lines.append(
            _("Cần đạt theo tiến độ") + ": " + percent(readings.expected_completion_pct(row, kind))
        )
    lines.append(
        _("Tham gia / kế hoạch")
        + f": {number(row.participants)} / {number(row.target) if row.target else '—'}"
    )
    return "<br>".join(lines)


def tile_positions(points: Sequence[tuple[float, float]], cell: float) -> list[tuple[float, float]]:
    """(lon, lat) snapped to the centres of a grid of `cell` degrees, each point to the nearest
    cell no earlier point took (a tile map that keeps the country's shape)."""
    taken: set[tuple[int, int]] = set()
    placed = []
    for lon, lat in points:
        cx, cy = round(lon / cell), round(lat / cell)
        candidates = sorted(
            ((cx + dx, cy + dy) for dx in range(-4, 5) for dy in range(-4, 5)),
            key=lambda c: (math.hypot(c[0] * cell - lon, c[1] * cell - lat), c),
        )
        spot = next(c for c in candidates if c not in taken)
        taken.add(spot)
        placed.append((spot[0] * cell, spot[1] * cell))
    return placed


def _tile_text(name: str) -> str:
    """A province's name on its tile, on two lines when it has more than one word."""
    words = name.split()
    if len(words) < 2:
        return name
    half = (len(words) + 1) // 2
    return " ".join(words[:half]) + "<br>" + " ".join(words[half:])


def map_figure(
    places: Sequence[MapPlace], *, islands: Sequence[Island], query: str = ""
) -> go.Figure:
    """The country's tiles (places are provinces) or a province's dots (places are communes),
    one trace per light so the legend names them; `query` ("?year=2026&month=5") is added to
    each unit's URL so a drill-down keeps the period."""
    places = [p for p in places if p.unit.lat is not None and p.unit.lon is not None]
    tiles = bool(places) and places[0].unit.level == Level.PROVINCE
    lights = [place_light(p) for p in places]
    if tiles:
        xy = tile_positions([(p.unit.lon or 0, p.unit.lat or 0) for p in places], TILE)
    else:
        xy = [(p.unit.lon or 0, p.unit.lat or 0) for p in places]
    traces: list[dict[str, Any]] = []
    for light in LIGHTS:
        index = [i for i, value in enumerate(lights) if value == light]
        if not index:
            continue
        marker: dict[str, Any] = {
            "color": TRAFFIC_COLOURS[light],
            "symbol": "square" if tiles else DOT_SYMBOLS[light],
            "size": 30 if tiles else 10,
            "line": {"color": "#fff" if tiles else TRAFFIC_COLOURS[light], "width": 1},
        }
        trace: dict[str, Any] = {
            "type": "scatter",
            "mode": "markers+text" if tiles else "markers",
            # tiles are all squares: their legend says the light's mark; dots have its shape
            "name": f"{TRAFFIC_MARKS[light]} {LIGHT_LABELS[light]}"
            if tiles
            else str(LIGHT_LABELS[light]),
            "x": [xy[i][0] for i in index],
            "y": [xy[i][1] for i in index],
            "marker": marker,
            "customdata": [
                [places[i].unit.get_absolute_url() + query, _hover(places[i], light)] for i in index
            ],
            "hovertemplate": "%{customdata[1]}<extra></extra>",
        }
        if tiles:
            trace["text"] = [_tile_text(places[i].unit.name) for i in index]
            trace["textfont"] = {"size": 8, "color": "#fff"}
            trace["textposition"] = "middle center"
        traces.append(trace)
    if islands:
        names = [_island_label(island) for island in islands]
        traces.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "name": _("Quần đảo của Việt Nam"),
                "x": [i.zone.lon for i in islands],
                "y": [i.zone.lat for i in islands],
                "marker": {"color": GREY, "symbol": "star", "size": 12},
                # on two lines, to the left (they are at the map's right edge), Hoàng Sa's above
                # it, clear of Huế's and Đà Nẵng's tiles
                "text": [name.replace(" (", "<br>(") for name in names],
                "textposition": [
                    "top left" if (i.zone.lat or 0) > 12 else "bottom left" for i in islands
                ],
                "textfont": {"size": 11},
                "customdata": [
                    [i.province.get_absolute_url() + query, name]
                    for i, name in zip(islands, names, strict=True)
                ],
                "hovertemplate": "%{customdata[1]}<extra></extra>",
            }
        )
    layout = _base_layout(
        None,
        height=720 if tiles else 560,
        margin={"l": 8, "r": 8, "t": 40, "b": 8},
        hovermode="closest",
        dragmode=False,
        xaxis={**AXIS, "visible": False, "constrain": "domain", **_country_range(tiles, 0)},
        yaxis={
            **AXIS,
            "visible": False,
            "scaleanchor": "x",
            "scaleratio": 1,
            **_country_range(tiles, 1),
        },
        meta={"tile": TILE if tiles else 0},
    )
    return go.Figure(data=traces, layout=layout)


# The whole country, Hoàng Sa and Trường Sa included (longitude, latitude), in degrees.
COUNTRY_EXTENT = ((101.8, 117.6), (8.0, 23.6))


def _country_range(tiles: bool, axis: int) -> dict[str, Any]:
    """The country map always frames the whole country: a tile's size follows the axes' scale
    (static/js/map.js), so a map of a few provinces would otherwise draw them huge."""
    return {"range": list(COUNTRY_EXTENT[axis]), "autorange": False} if tiles else {}


def _island_label(island: Island) -> str:
    """ "Quần đảo Hoàng Sa (Thành phố Đà Nẵng)": the archipelago and the province it is of."""
    return _("Quần đảo {name} ({province})").format(
        name=island.zone.name, province=island.province.full_name
    )
