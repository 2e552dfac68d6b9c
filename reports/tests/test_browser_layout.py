"""The children table fits its card on a laptop screen and stays usable on a phone."""

import pytest

from conftest import login, screenshot

OVERFLOW = """() => {
  const wrap = document.querySelector('.progress-table').closest('.table-wrap');
  return {wrap: wrap.clientWidth, table: wrap.scrollWidth};
}"""


def _header_in_view(page, text):
    """Whether a column's header is inside the table's card, without scrolling sideways."""
    return page.evaluate(
        """(text) => {
          const wrap = document.querySelector('.progress-table').closest('.table-wrap');
          const th = [...wrap.querySelectorAll('thead th')].find(h => h.innerText.trim() === text);
          return th.getBoundingClientRect().right <= wrap.getBoundingClientRect().right + 1;
        }""",
        text,
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("user", "url"),
    [("bacgiang", "/u/p24/?year=2023&month=5"), ("lucnam", "/u/d218/?year=2023&month=5")],
)
def test_the_children_table_fits_its_card_at_1280_px(page, demo, user, url):
    login(page, user, demo.password)
    page.goto(page.live_server.url + url)
    page.wait_for_load_state("networkidle")
    sizes = page.evaluate(OVERFLOW)
    assert sizes["table"] <= sizes["wrap"], sizes
    for header in ("So cùng kỳ", "Xã đã báo cáo"):
        assert _header_in_view(page, header), header
    screenshot(page, f"table-1280-{user}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_table_scrolls_under_its_names_and_the_page_does_not(page, demo):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "bacgiang", demo.password)
    page.goto(page.live_server.url + "/u/p24/?year=2023&month=5")
    page.wait_for_load_state("networkidle")
    # The page itself never scrolls sideways; only the table's own box does.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator(".table-wrap").last.evaluate("el => el.scrollLeft = el.scrollWidth")
    name = page.locator(".progress-table tbody tr td:first-child").first
    box = name.bounding_box()
    assert box is not None and 0 <= box["x"] < 390  # the sticky names stay in view
    screenshot(page, "table-390")
