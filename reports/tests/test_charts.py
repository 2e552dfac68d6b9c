"""The chart functions shared by the pages and the PDF summaries."""

from decimal import Decimal

import pytest
from django.utils import translation

from progress.readings import expected_completion_pct, light
from reports.charts import AMBER, GREEN, GREY, RED, ranking_figure, trend_figure

BAC_GIANG_2023 = [
    {"year": 2023, "month": m, "participants": p}
    for m, p in [(1, 39_873), (2, 39_421), (3, 38_964), (4, 39_200)]
] + [
    # May as the progress table stores it: 8.005 to go, 1.601 a month until October.
    {
        "year": 2023,
        "month": 5,
        "participants": 44_134,
        "gap": 8_005,
        "deadline_month": 10,
        "months_left": 5,
        "required_pace": 1_601,
    }
]
# June with one district reported (the case): 52.139 - 5.271 = 46.868 over four months.
JUNE_2023 = {
    "year": 2023,
    "month": 6,
    "participants": 5_271,
    "gap": 46_868,
    "deadline_month": 10,
    "months_left": 4,
    "required_pace": 11_717,
}


def _district(name, participants, target, since_year_end, month=5, deadline=10):
    return {
        "name": name,
        "participants": participants,
        "target": target,
        "completion_pct": (Decimal(100) * participants / target).quantize(Decimal("0.01")),
        "change_vs_prev_year_end": since_year_end,
        "month": month,
        "deadline_month": deadline,
        "gap": max(target - participants, 0),
        "over_target": max(participants - target, 0) or None,
    }


def test_trend_shows_months_target_and_required_pace_to_the_deadline():
    with translation.override("vi"):
        fig = trend_figure(BAC_GIANG_2023, target=52_139, deadline_month=10, year=2023, month=5)
    bars, target, pace = fig.data
    assert list(bars.x) == ["01/2023", "02/2023", "03/2023", "04/2023", "05/2023"]
    assert list(bars.y)[-1] == 44_134
    assert bars.customdata[-1] == "44.134"
    assert set(target.y) == {52_139}
    assert "52.139" in target.name
    # From May (44.134) to October (52.139): 8.005 over five months, 1.601 a month.
    assert list(pace.x) == ["05/2023", "06/2023", "07/2023", "08/2023", "09/2023", "10/2023"]
    assert pace.y[0] == 44_134 and pace.y[-1] == 52_139
    assert "1.601" in pace.name
    assert fig.layout.separators == ",."
    assert list(fig.layout.xaxis.categoryarray)[0] == "01/2023"


def test_trend_has_no_pace_line_once_the_target_is_reached():
    rows = [{"year": 2023, "month": 5, "participants": 60_000, "gap": 0, "required_pace": 0}]
    fig = trend_figure(rows, target=52_139, deadline_month=10, year=2023, month=5)
    assert len(fig.data) == 2


def test_trend_ignores_other_years_and_works_without_a_target():
    rows = [*BAC_GIANG_2023, {"year": 2022, "month": 12, "participants": 41_098}]
    fig = trend_figure(rows, target=None, deadline_month=None, year=2023, month=5)
    assert len(fig.data) == 1
    assert "12/2022" not in fig.data[0].x


def test_english_separators():
    with translation.override("en"):
        fig = trend_figure(BAC_GIANG_2023, target=52_139, deadline_month=10, year=2023, month=5)
    assert fig.layout.separators == ".,"
    assert fig.data[0].customdata[-1] == "44,134"


def test_expected_completion_is_the_straight_path_from_last_year_end_to_the_deadline():
    # Bắc Giang: 41.098 at Dec 2022, 52.139 by October; in May halfway: 46.618,5 = 89,41%.
    row = _district("Bắc Giang", 44_134, 52_139, 3_036)
    assert expected_completion_pct(row) == Decimal("89.41")
    assert light(row) == "amber"


def test_traffic_lights_green_amber_red():
    ahead = _district("A", 50_000, 52_139, 8_000)
    behind = _district("B", 30_000, 52_139, -2_000)
    assert light(ahead) == "green"
    assert light(behind) == "red"
    assert light({"name": "C", "completion_pct": None}) is None


def test_ranking_puts_the_best_on_top_with_traffic_colours():
    rows = [
        _district("Giữa", 44_134, 52_139, 3_036),
        _district("Cuối", 30_000, 52_139, -2_000),
        _district("Đầu", 50_000, 52_139, 8_000),
    ]
    with translation.override("vi"):
        fig = ranking_figure(rows, title="Xếp hạng")
    bars = fig.data[0]
    assert bars.orientation == "h"
    # Plotly draws the first category at the bottom.
    assert list(bars.y) == ["Cuối", "Giữa", "Đầu"]
    assert list(bars.marker.color) == [RED, AMBER, GREEN]
    # Not by colour alone: a mark before the percentage, a pattern, the light's name in the hover.
    assert bars.text[1] == "▲ 84,65%"
    assert list(bars.marker.pattern.shape) == ["x", "/", ""]
    assert "Chậm nhẹ" in bars.customdata[1]
    assert "8.005" in bars.customdata[1]
    assert fig.layout.title.text == "Xếp hạng"
    assert fig.to_json()


def test_trend_of_a_month_shows_nothing_after_it():
    """June's figures exist; May's chart has no June bar and May's stored pace in its legend."""
    carried = dict.fromkeys(range(1, 8), 40_000)
    with translation.override("vi"):
        fig = trend_figure(
            [*BAC_GIANG_2023, JUNE_2023],
            target=52_139,
            deadline_month=10,
            year=2023,
            month=5,
            carried=carried,
        )
    old, bars, _target, pace = fig.data
    assert list(old.x)[-1] == "05/2023"
    assert list(bars.x)[-1] == "05/2023"
    assert pace.name == "Tiến độ cần đạt: 1.601/tháng"
    assert pace.x[0] == "05/2023" and pace.y[0] == 44_134 and pace.y[-1] == 52_139
    with translation.override("vi"):
        june = trend_figure(
            [*BAC_GIANG_2023, JUNE_2023], target=52_139, deadline_month=10, year=2023, month=6
        )
    assert list(june.data[0].x)[-1] == "06/2023"
    assert june.data[-1].name == "Tiến độ cần đạt: 11.717/tháng"


def test_trend_legend_is_the_stored_pace_not_a_recomputed_one():
    rows = [{**BAC_GIANG_2023[-1], "required_pace": 1_234}]
    with translation.override("vi"):
        fig = trend_figure(rows, target=52_139, deadline_month=10, year=2023, month=5)
    assert fig.data[-1].name == "Tiến độ cần đạt: 1.234/tháng"


def test_trend_has_no_pace_line_without_the_months_figures_or_pace():
    april = trend_figure(BAC_GIANG_2023[:4], target=52_139, deadline_month=10, year=2023, month=5)
    no_pace = [{**BAC_GIANG_2023[-1], "required_pace": None}]
    late = trend_figure(no_pace, target=52_139, deadline_month=10, year=2023, month=5)
    unreported = [{**BAC_GIANG_2023[-1], "participants": None}]
    missed = trend_figure(unreported, target=52_139, deadline_month=10, year=2023, month=5)
    for fig in (april, late, missed):
        assert [t.type for t in fig.data] == ["bar", "scatter"]  # participants and target only


def _new_only(name, new_ytd, target_new, month=5, deadline=10):
    return {
        "name": name,
        "participants": 9_000,
        "new_ytd": new_ytd,
        "target_new": target_new,
        "completion_new_pct": (Decimal(100) * new_ytd / target_new).quantize(Decimal("0.01")),
        "month": month,
        "deadline_month": deadline,
    }


def test_ranking_ranks_and_colours_a_unit_by_its_new_participants_target_when_it_has_only_that():
    rows = [
        _district("Giữa", 44_134, 52_139, 3_036),  # 84,65%, amber
        _new_only("Mới", 900, 1_000),  # 90% of the new target; 50% due by May: green
        _district("Cuối", 30_000, 52_139, -2_000),
        {"name": "Không", "participants": 10, "month": 5},
    ]
    with translation.override("vi"):
        fig = ranking_figure(rows)
    bars = fig.data[0]
    assert list(bars.y) == ["Không", "Cuối", "Giữa", "Mới"]  # the best on top
    assert list(bars.marker.color) == [GREY, RED, AMBER, GREEN]
    assert bars.text[-1] == "● 90,00% (phát triển mới)"
    assert bars.text[0].startswith("○ ")
    assert "900 / 1.000" in bars.customdata[-1]
    assert "Cần đạt theo tiến độ: 50,00%" in bars.customdata[-1]


def test_trend_hatches_and_names_a_month_being_reported():
    june = {**JUNE_2023, "participants": 44_302, "communes_estimated": 171}
    with translation.override("vi"):
        fig = trend_figure(
            [*BAC_GIANG_2023, june], target=52_139, deadline_month=10, year=2023, month=6
        )
    reported, estimated = (t for t in fig.data if t.type == "bar")
    assert "06/2023" not in reported.x and list(estimated.x) == ["06/2023"]
    assert (
        estimated.name == "Ước tính (tháng đang báo cáo)" and estimated.marker.pattern.shape == "/"
    )
    assert "(ước tính)" in estimated.hovertemplate


def test_the_basic_plotly_bundle_is_the_version_the_plotly_package_draws_for():
    """The pages' bundle (make plotly) must read the figures plotly.py writes: one plotly.js."""
    import re
    from pathlib import Path

    import plotly
    from django.conf import settings

    if settings.PLOTLY_JS.startswith("plotly/"):
        pytest.skip("the basic bundle is not installed (make plotly): the full one is served")
    version = re.compile(r"plotly\.js\b[^\n]*? v(\d[\w.]*)")
    full = Path(plotly.__path__[0]) / "package_data" / "plotly.min.js"
    basic = settings.PLOTLY_BASIC_DIR / "plotly-basic.min.js"
    assert version.search(basic.read_text()[:300]).group(1) == version.search(
        full.read_text()[:300]
    ).group(1)
