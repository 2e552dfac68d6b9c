"""A page, chart or PDF for month M shows nothing after M (issue "Figures that never mislead").

The demo runs to May 2023 (Bắc Giang: 44.134 participants, 8.005 to go, 1.601 a month until
October). Here Huyện Lục Nam enters June 2023 (reopened in the demo) and the province is
recomputed, so June has figures, a partial one at province level with a very different pace;
May's pages and PDF must still read May only, and the chart's legend must say the card's pace.
"""

import json
import re

import pytest

from progress.models import Progress
from progress.services import recompute_province
from reports.tests.test_pdf import pdf_text, pdf_url
from targets.services import SaveStatus, counts_save
from targets.tests.conftest import june_entries

pytestmark = pytest.mark.django_db

MAY, JUNE = "?year=2023&month=5", "?year=2023&month=6"
PACE_LEGEND = re.compile(r"^Tiến độ cần đạt: ([\d.]+)/tháng$")


@pytest.fixture
def june(demo):
    """Lục Nam's June 2023 entered by its staff, and Bắc Giang's progress recomputed."""
    result = counts_save(user=demo.clerk, year=2023, month=6, entries=june_entries(demo.luc_nam))
    assert result.status == SaveStatus.SAVED, (result.errors, result.general_errors)
    recompute_province(province_id=demo.bac_giang.pk, year=2023)
    # A commune of Lục Nam still behind its target in May (some are over it, with no pace).
    behind = Progress.objects.filter(
        parent=demo.luc_nam, year=2023, month=5, required_pace__gt=0
    ).order_by("unit__code")
    demo.commune = behind.first().unit
    return demo


def _stored(unit, month):
    return Progress.objects.get(unit=unit, year=2023, month=month)


def _num(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _trend(html: str) -> dict:
    """The trend figure the page hands to charts.js (json_script wraps fig.to_json() text)."""
    found = re.search(r'<script id="trend-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, "no trend chart on the page"
    data = json.loads(found.group(1))
    return json.loads(data) if isinstance(data, str) else data


def _bar_months(figure: dict) -> set[str]:
    return {x for t in figure["data"] if t["type"] == "bar" for x in t["x"]}


def _legend_pace(figure: dict) -> str | None:
    names = [PACE_LEGEND.match(t.get("name", "")) for t in figure["data"]]
    paces = [m.group(1) for m in names if m]
    assert len(paces) <= 1, paces
    return paces[0] if paces else None


def _card_pace(html: str) -> str:
    """The "Tiến độ cần đạt" card of a unit page (data-figure) or of a commune page."""
    found = re.search(r'data-figure="pace">([^<]*)<', html) or re.search(
        r'Tiến độ cần đạt</a></span><span class="value">([^<]*)<', html
    )
    assert found, "no pace card on the page"
    return found.group(1)


def _pages(demo):
    return {
        "province": (demo.bac_giang, "/u/p24/"),
        "district": (demo.luc_nam, "/u/d218/"),
        "commune": (demo.commune, demo.commune.get_absolute_url()),
    }


def test_june_has_figures_with_another_pace(june):
    """What the other tests rely on: June is there and its pace differs from May's everywhere."""
    for level, (unit, _url) in _pages(june).items():
        may, jun = _stored(unit, 5), _stored(unit, 6)
        assert jun.participants is not None, level
        assert may.required_pace and jun.required_pace != may.required_pace, level
    assert _stored(june.bac_giang, 5).required_pace == 1_601


@pytest.mark.parametrize("level", ["province", "district", "commune"])
def test_the_may_page_shows_may_only_and_the_legend_says_the_cards_pace(client, june, level):
    unit, url = _pages(june)[level]
    client.force_login(june.officer)
    html = client.get(url + MAY).content.decode()
    figure = _trend(html)
    assert "05/2023" in _bar_months(figure)
    assert not _bar_months(figure) & {f"{m:02d}/2023" for m in range(6, 13)}
    may_pace = _num(_stored(unit, 5).required_pace)
    assert _card_pace(html) == may_pace
    assert _legend_pace(figure) == may_pace
    assert _num(_stored(unit, 6).required_pace) not in _legend_pace(figure)


def test_the_province_may_page_reads_the_letters_pace(client, june):
    client.force_login(june.officer)
    html = client.get("/u/p24/" + MAY).content.decode()
    assert _card_pace(html) == "1.601"
    assert _legend_pace(_trend(html)) == "1.601"
    assert _num(_stored(june.bac_giang, 6).required_pace) not in html


@pytest.mark.parametrize("level", ["province", "district", "commune"])
def test_the_june_page_still_shows_june(client, june, level):
    unit, url = _pages(june)[level]
    client.force_login(june.officer)
    html = client.get(url + JUNE).content.decode()
    figure = _trend(html)
    assert "06/2023" in _bar_months(figure)
    june_pace = _num(_stored(unit, 6).required_pace)
    assert _card_pace(html) == june_pace
    assert _legend_pace(figure) == june_pace


def test_the_commune_may_page_has_no_june_in_its_history_or_audit_trail(client, june):
    client.force_login(june.officer)
    response = client.get(june.commune.get_absolute_url() + MAY)
    periods = [r.get_cell("period") for r in response.context["table"].rows]
    assert periods[0] == "05/2023" and "06/2023" not in periods
    assert {(c.year, c.month) for c in response.context["changes"]} <= {
        (y, m) for y in (2022, 2023) for m in (*range(1, 13), None) if (y, m or 0) <= (2023, 5)
    }
    june_page = client.get(june.commune.get_absolute_url() + JUNE)
    assert [r.get_cell("period") for r in june_page.context["table"].rows][0] == "06/2023"
    assert any(c.month == 6 for c in june_page.context["changes"])


def test_the_may_pdf_says_mays_pace_and_the_june_pdf_junes(client, june, tmp_path):
    client.force_login(june.manager)
    may = pdf_text(client.get(pdf_url(june.bac_giang)).content, tmp_path)
    assert "Tiến độ cần đạt: 1.601/tháng" in may  # the trend's legend
    assert "1.601" in may.replace("Tiến độ cần đạt: 1.601/tháng", "")  # and the text
    june_pace = _num(_stored(june.bac_giang, 6).required_pace)
    assert june_pace != "1.601"  # Lục Nam alone against the province: about 11.700 a month
    assert june_pace not in may
    jun = pdf_text(client.get(pdf_url(june.bac_giang, year=2023, month=6)).content, tmp_path)
    assert f"Tiến độ cần đạt: {june_pace}/tháng" in jun


def test_the_may_district_pdf_says_mays_pace(client, june, tmp_path):
    client.force_login(june.clerk)
    text = pdf_text(client.get(pdf_url(june.luc_nam)).content, tmp_path)
    may_pace, june_pace = (_num(_stored(june.luc_nam, m).required_pace) for m in (5, 6))
    assert f"Tiến độ cần đạt: {may_pace}/tháng" in text
    assert f"Tiến độ cần đạt: {june_pace}/tháng" not in text
