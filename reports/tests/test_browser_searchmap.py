"""In a real browser: the header search chosen with the keyboard, and a province clicked on the
country's map."""

import re

import pytest

from conftest import login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_officer_types_in_the_header_search_and_opens_a_unit_with_the_keyboard(page, demo):
    page.set_default_timeout(120_000)  # a machine shared by many test runs: patience, not speed
    login(page, "bacninh", demo.password)
    box = page.get_by_role("combobox", name="Tìm đơn vị")
    box.press_sequentially("huyen luc nam")
    options = page.get_by_role("option")
    options.first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert "Huyện Lục Nam" in options.first.inner_text()
    assert "đến 30/06/2025" in options.first.inner_text()
    box.press("ArrowDown")
    assert options.first.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    screenshot(page, "header-search-desktop")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/u/d218/"))
    assert "Lục Nam" in page.locator("h1").inner_text()

    # Escape closes the list; Enter with nothing chosen submits the plain form
    box = page.get_by_role("combobox", name="Tìm đơn vị")
    box.press_sequentially("lucngan")
    page.get_by_role("option").first.wait_for()
    box.press("Escape")
    assert page.get_by_role("listbox").is_hidden()
    assert box.get_attribute("aria-expanded") == "false"
    box.press("Enter")
    page.wait_for_url(re.compile(r"/tim-kiem/\?q=lucngan"))
    assert page.locator('[data-result="d219"]').count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_national_viewer_clicks_a_province_on_the_map_and_lands_on_its_page(page, demo):
    page.set_default_timeout(120_000)
    login(page, "quocgia", demo.password)
    page.goto(page.live_server.url + "/u/vn/ban-do/?year=2026&month=5")
    page.wait_for_selector("[data-map][data-drawn]")
    screenshot(page, "map-country-desktop")
    # where Plotly drew today's Bắc Ninh's tile (its point's URL is in the figure's data)
    box = page.evaluate(
        """() => {
          const el = document.querySelector("[data-map]");
          const traces = el.querySelectorAll(".scatterlayer .trace");
          for (let t = 0; t < el.data.length; t++) {
            const i = el.data[t].customdata.findIndex(c => c[0].startsWith("/u/t24/"));
            if (i >= 0 && el.data[t].name.indexOf("Quần đảo") < 0) {
              const r = traces[t].querySelectorAll(".points path.point")[i].getBoundingClientRect();
              return {x: r.x + r.width / 2, y: r.y + r.height / 2};
            }
          }
          return null;
        }"""
    )
    assert box is not None
    page.mouse.move(box["x"], box["y"])
    page.wait_for_selector(".hoverlayer .hovertext")
    assert "Tỉnh Bắc Ninh" in page.locator(".hoverlayer").text_content()
    page.mouse.click(box["x"], box["y"])
    page.wait_for_url(re.compile(r"/u/t24/\?year=2026&month=5$"))
    assert "Bắc Ninh" in page.locator("h1").inner_text()
