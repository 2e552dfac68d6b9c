"""A wrong address in a real browser: the friendly 404 (DEBUG is off in tests, as in production),
and its way back leads home."""

import pytest

from conftest import login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_another_districts_address_shows_the_friendly_404_and_the_way_back(page, demo):
    login(page, "lucnam", demo.password)
    own = page.live_server.url + "/u/d218/?year=2023&month=5"
    # As if a shared link to another district were followed from the clerk's own page.
    response = page.goto(page.live_server.url + "/u/d213/?year=2023&month=5", referer=own)
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Không tìm thấy trang"
    assert page.get_by_role("link", name="← Quay lại trang trước").is_visible()
    screenshot(page, "error-404-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "error-404-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    assert page.get_by_role("link", name="Trang chủ").is_visible()
    page.get_by_role("link", name="Số liệu của Huyện Lục Nam").click()
    page.wait_for_url("**/u/d218/")
    assert "Lục Nam" in page.locator("h1").inner_text()
    page.go_back(wait_until="load")
    page.get_by_role("link", name="← Quay lại trang trước").click()
    page.wait_for_url(own)
    # Chromium reports the 404 of the page itself as a console error; it is the point here.
    page.problems[:] = [p for p in page.problems if "status of 404" not in p]
