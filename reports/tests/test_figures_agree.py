"""Figures computed at read time (progress/readings.py) read the same on the page, in the PDF
summary, in the exports and in the API; and a unit whose only target is a new-participants
target is shown, ranked and coloured by it everywhere."""

import csv
import datetime as dt
import io
import json
import re
import subprocess

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.services import token_replace
from bhxh_dashboard import clock
from progress import services
from progress.models import Progress, RecomputeState
from reports import charts, pdf
from reports.tests.test_pdf import pdf_text, pdf_url
from targets.models import Target, TargetKind

MAY_2023 = "?year=2023&month=5"
LIGHT = re.compile(r'class="light light-(\w+)"[^>]*>([^<]*)<')


def _lights_by_name(html: str, name_cell: str) -> dict[str, list[tuple[str, str]]]:
    """{unit name: [(colour, label), ...]} of a children table's body rows."""
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    found = {}
    for row in body.split("<tr")[1:]:
        name = re.search(name_cell, row)
        if name:
            found[name.group(1)] = LIGHT.findall(row)
    return found


def _page_lights(html: str) -> dict[str, list[tuple[str, str]]]:
    return _lights_by_name(html, r'<td><a href="[^"]*">([^<]+)</a></td>')


def _pdf_lights(html: str) -> dict[str, list[tuple[str, str]]]:
    return _lights_by_name(html, r'<td class="name">([^<]+)</td>')


@pytest.fixture
def new_only(demo):
    """Thành phố Bắc Giang (d213) with a new-participants target of 2023 and no participants
    target: 1.5 times its target by May, when half of it is due (deadline October)."""
    district = demo.another_district
    Target.objects.filter(unit=district, year=2023, kind=TargetKind.PARTICIPANTS).delete()
    may = Progress.objects.get(unit=district, year=2023, month=5)
    Target.objects.create(
        unit=district, year=2023, kind=TargetKind.NEW_PARTICIPANTS, value=may.new_ytd * 2 // 3
    )
    services.recompute_province(province_id=demo.bac_giang.pk, year=2023)
    demo.new_only_row = Progress.objects.get(unit=district, year=2023, month=5)
    assert demo.new_only_row.target is None and demo.new_only_row.completion_pct is None
    assert demo.new_only_row.completion_new_pct > 100
    return demo


# --- One "figures as of" and one set of lights for a unit-month --------------------------------


@pytest.mark.django_db
def test_page_and_pdf_of_the_nation_say_the_figures_are_as_of_the_oldest_province(
    demo, client, tmp_path
):
    late = timezone.make_aware(dt.datetime(2023, 6, 1, 9, 40))
    early = timezone.make_aware(dt.datetime(2023, 6, 1, 8, 15))
    RecomputeState.objects.filter(year=2023).update(computed_at=late, requested_at=None)
    RecomputeState.objects.filter(year=2023, province=demo.bac_giang).update(computed_at=early)
    client.force_login(demo.national)
    page = client.get("/u/vn/" + MAY_2023).content.decode()
    text = pdf_text(
        pdf.render_summary_pdf(unit=demo.nation, year=2023, month=5, language="vi"), tmp_path
    )
    assert "Số liệu tính đến 08:15 01/06/2023" in page
    assert "Số liệu tính lúc 08:15 01/06/2023" in text
    # A province's own page and summary: its own recompute.
    client.force_login(demo.manager)
    assert "Số liệu tính đến 08:15 01/06/2023" in client.get("/u/p24/" + MAY_2023).content.decode()
    own = pdf_text(client.get(pdf_url(demo.bac_giang)).content, tmp_path)
    assert "Số liệu tính lúc 08:15 01/06/2023" in own


@pytest.mark.django_db
def test_page_pdf_and_api_give_each_district_the_same_lights(new_only, client):
    client.force_login(new_only.officer)
    page = _page_lights(client.get("/u/p24/" + MAY_2023).content.decode())
    summary = pdf.summary_data(unit=new_only.bac_giang, year=2023, month=5)
    pdf_html = pdf.summary_html(summary, generated_at=clock.now(), generated_by="")
    printed = _pdf_lights(pdf_html)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_replace(user=new_only.officer).key}")
    rows = api.get("/api/v1/units/p24/children/?year=2023&month=5").json()["results"]
    assert len(page) == len(rows) == new_only.bac_giang.children.count()
    colours = set()
    for row in rows:
        shown = page[row["name"]]
        full_name = next(c.unit.full_name for c in summary.children if c.unit.code == row["code"])
        assert printed[full_name] == shown, row["name"]
        api_lights = [light for light in (row["light"], row["light_new"]) if light]
        assert [colour for colour, _label in shown] == api_lights, row["name"]
        colours |= set(api_lights)
    assert colours == {"green", "amber", "red"}  # the demo has every colour


# --- A unit whose only target is a new-participants target ------------------------------------


@pytest.mark.django_db
def test_a_unit_with_only_a_new_participants_target_shows_it_on_its_page(new_only, client):
    row = new_only.new_only_row
    client.force_login(new_only.officer)
    html = client.get("/u/d213/" + MAY_2023).content.decode()
    assert f'data-figure="target-new">{row.target_new:,}<'.replace(",", ".") in html
    assert f'data-figure="new-ytd">{row.new_ytd:,}<'.replace(",", ".") in html
    shown = f"{row.completion_new_pct}".replace(".", ",") + "%"
    assert f'data-figure="completion-new">{shown}<' in html
    assert 'data-light="new">Đúng tiến độ<' in html
    assert 'data-figure="target"' not in html  # no "Kế hoạch –" for a target it does not have


@pytest.mark.django_db
def test_a_unit_with_only_a_new_participants_target_is_ranked_and_coloured_by_it(new_only, client):
    row = new_only.new_only_row
    shown = f"{row.completion_new_pct}".replace(".", ",") + "%"
    client.force_login(new_only.officer)
    response = client.get("/u/p24/" + MAY_2023)
    html = response.content.decode()
    # first in the table (it is the furthest ahead), with its completion and its light
    first = html[html.index("<tbody>") :].split("</tr>")[0]
    assert ">Bắc Giang</a>" in first and f">{shown}<" in first
    assert 'light-green">Phát triển mới: Đúng tiến độ<' in first
    # on top of the ranking chart (Plotly draws the last category on top), in green
    ranking = json.loads(response.context["ranking_json"])["data"][0]
    assert ranking["y"][-1] == "Bắc Giang"
    assert ranking["marker"]["color"][-1] == charts.GREEN
    assert ranking["text"][-1] == f"● {shown} (phát triển mới)"
    # in the band of its completion, and not among the units without a target
    band = client.get("/u/p24/" + MAY_2023 + "&band=ge100").context["table"].rows
    assert "Bắc Giang" in [r.record.unit.name for r in band]
    none = client.get("/u/p24/" + MAY_2023 + "&band=none").context["table"].rows
    assert "Bắc Giang" not in [r.record.unit.name for r in none]


@pytest.mark.django_db
def test_a_unit_with_only_a_new_participants_target_is_in_the_pdf(new_only, client, tmp_path):
    row = new_only.new_only_row
    shown = f"{row.completion_new_pct}".replace(".", ",") + "%"
    client.force_login(new_only.manager)
    content = client.get(pdf_url(new_only.bac_giang)).content
    text = pdf_text(content, tmp_path)
    (tmp_path / "layout.pdf").write_bytes(content)
    laid_out = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(tmp_path / "layout.pdf"), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    # the children table's row, read across as printed; its light's label wraps around it
    lines = laid_out.splitlines()
    at = next(i for i, line in enumerate(lines) if "Thành phố Bắc Giang" in line)
    assert shown in lines[at], lines[at]
    assert f"{lines[at - 1].strip()} {lines[at + 1].strip()}" == "Phát triển mới: Đúng tiến độ"
    assert f"{shown} (phát triển mới)" in text  # its bar in the ranking chart
    district = pdf_text(client.get(pdf_url(new_only.another_district)).content, tmp_path)
    assert "Kế hoạch phát triển mới năm" in district
    assert f"đạt {shown} kế hoạch phát triển mới" in " ".join(district.split())


@pytest.mark.django_db
def test_a_unit_with_only_a_new_participants_target_is_in_the_csv(new_only, client):
    row = new_only.new_only_row
    client.force_login(new_only.officer)
    response = client.get("/u/p24/" + MAY_2023 + "&_export=csv")
    lines = response.content.decode("utf-8-sig").splitlines()[5:]  # past the title block
    rows = list(csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";"))
    first = rows[0]  # ranked first, as on the page
    assert first["Đơn vị"] == "Bắc Giang"
    assert first["Kế hoạch"] == "" and first["% kế hoạch"] == ""
    assert first["Kế hoạch phát triển mới"] == str(row.target_new)
    assert first["Phát triển mới lũy kế"] == str(row.new_ytd)
    assert first["% kế hoạch phát triển mới"] == str(row.completion_new_pct).replace(".", ",")
    assert first["Tiến độ"] == "Chưa rõ" and first["Tiến độ phát triển mới"] == "Đúng tiến độ"
