"""WCAG 2.1 A/AA on every page kind: axe-core in Chromium, as each role that reaches the page, in
Vietnamese and English, at a desktop and a phone width.

axe-core comes from the npm registry at the exact version `make axe` installs (AXE_VERSION in the
Makefile), read from that local file (AXE_CORE_JS) and injected by the browser before each
page's own scripts; nothing is downloaded while the test runs. One browser context: each role
signs in once, each page loads once per language and is checked at both widths.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

from conftest import SCREENSHOTS, login, screenshot
from targets.tests.test_browser_import import write_file

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DEFAULT_AXE = Path(settings.BASE_DIR) / ".venv/axe/node_modules/axe-core/axe.min.js"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

RUN_AXE = """(tags) => axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
}).then((result) => result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ") + " :: " + n.failureSummary.split("\\n")[1]),
})))"""


def _axe_path() -> Path:
    path = Path(os.environ.get("AXE_CORE_JS") or DEFAULT_AXE)
    if not path.is_file():
        pytest.fail(f"axe-core is not installed at {path}: run `make axe` (make test does)")
    return path


def _pages(demo) -> dict[str, list[tuple[str, str]]]:
    """Each demo user and the (page kind, path) they read or work on."""
    from outreach.models import CollectionOrg, OrgKind
    from provinces.models import GrassrootsOffice

    commune = demo.luc_nam.children.order_by("code").first()
    post_office = CollectionOrg.objects.get(province=demo.bac_ninh, kind=OrgKind.POST_OFFICE)
    office = GrassrootsOffice.objects.get(code="LN")  # the demo's office, of coso-lucnam
    today_commune = office.memberships.order_by("commune__code")[0].commune
    return {
        "quocgia": [
            ("nation", "/u/vn/"),
            ("search", "/tim-kiem/?q=bac"),
            ("definitions", "/dinh-nghia/"),
            ("reporting (nation)", "/u/vn/bao-cao/"),
            ("api token", "/api/token/"),
        ],
        "bacgiang": [
            ("province", "/u/p24/?year=2023&month=5"),
            ("district", "/u/d218/?year=2023&month=5&sort=name"),
            ("commune", f"/u/{commune.url_code}/?year=2023"),
            ("reporting", "/u/p24/bao-cao/?year=2023&month=5"),
            ("targets grid (province)", "/nhap-lieu/chi-tieu/p24/?nam=2023"),
            ("targets grid (district)", "/nhap-lieu/chi-tieu/d218/?nam=2023"),
            ("reopen", "/nhap-lieu/mo-lai-thang/p24/"),
            ("change history", f"/nhap-lieu/lich-su/{commune.url_code}/"),
            ("targets import", "/nhap-lieu/nhap-tep/chi-tieu/p24/"),
            ("export", "/nhap-lieu/xuat/p24/"),
            ("channels (province)", "/kenh-thu/p24/?thang=2023-05"),
            ("channels (commune)", f"/kenh-thu/{commune.url_code}/?thang=2023-05"),
        ],
        "lanhdao": [("province (manager)", "/u/p24/")],
        "lucnam": [
            ("entry home", "/nhap-lieu/"),
            ("entry grid (district)", "/nhap-lieu/so-lieu/d218/"),
            ("entry grid (closed month)", "/nhap-lieu/so-lieu/d218/?thang=2023-05"),
            ("counts import", "/nhap-lieu/nhap-tep/so-lieu/d218/"),
            ("channels grid (district)", "/kenh-thu/nhap/d218/"),
            ("events (district)", "/kenh-thu/hoi-nghi/d218/"),
        ],
        "bacninh": [
            ("province (today)", "/u/t24/"),
            ("commune (today)", f"/u/{today_commune.url_code}/"),
            ("entry grid (province)", "/nhap-lieu/so-lieu/t24/"),
            ("targets grid (today)", "/nhap-lieu/chi-tieu/t24/"),
            ("office list", "/nhap-lieu/bhxh-co-so/t24/"),
            ("office form (new)", "/nhap-lieu/bhxh-co-so/t24/them/"),
            ("office form (edit)", f"/nhap-lieu/bhxh-co-so/{office.url_code}/sua/"),
            ("office import", "/nhap-lieu/bhxh-co-so/t24/nhap-tep/"),
            ("targets grid (office)", f"/nhap-lieu/chi-tieu/{office.url_code}/"),
            ("channel targets", "/kenh-thu/chi-tieu/t24/"),
            ("collection points", "/kenh-thu/diem-thu/t24/"),
            ("collection staff", "/kenh-thu/nhan-vien/t24/"),
            ("channels (today)", "/kenh-thu/t24/"),
            ("channels grid (province)", "/kenh-thu/nhap/t24/"),
            ("events (province)", "/kenh-thu/hoi-nghi/t24/"),
        ],
        "lanhdao-bacninh": [
            ("province (today, manager)", "/u/t24/"),
            ("channel targets (manager)", "/kenh-thu/chi-tieu/t24/?xa=1"),
        ],
        "buudien-bacninh": [
            ("channels grid (organisation)", f"/kenh-thu/nhap/{post_office.url_code}/"),
            ("events (organisation)", f"/kenh-thu/hoi-nghi/{post_office.url_code}/"),
        ],
        "coso-lucnam": [
            ("entry grid (office)", f"/nhap-lieu/so-lieu/{office.url_code}/"),
            ("counts import (office)", f"/nhap-lieu/nhap-tep/so-lieu/{office.url_code}/"),
        ],
    }


def _check(page, label: str, found: dict[str, list[dict]]) -> None:
    """Run axe at both widths on the loaded page; keep what it finds under `label`."""
    if page.locator("[data-chart]:not(script)").count():
        page.wait_for_selector("[data-chart]:not(script)[data-drawn]")
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        violations = page.evaluate(RUN_AXE, AXE_TAGS)
        if violations:
            found[f"{label} @ {width}"] = violations
    page.set_viewport_size(WIDTHS["desktop"])


def _report(found: dict[str, list[dict]]) -> str:
    lines = []
    for where, violations in found.items():
        for v in violations:
            lines.append(f"{where}: {v['id']} ({v['impact']}, {len(v['nodes'])}) {v['help']}")
            lines += [f"    {n}" for n in v["nodes"][:4]]
    return "\n".join(lines)


def _language(page, code: str) -> None:
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": code, "url": page.live_server.url}]
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_kind_meets_wcag_21_aa_for_every_role_language_and_width(page, demo, tmp_path):
    page.context.add_init_script(path=str(_axe_path()))
    found: dict[str, list[dict]] = {}
    base = page.live_server.url
    checked = 0

    for code in ("vi", "en"):
        _language(page, code)
        page.goto(base + "/accounts/login/")
        _check(page, f"login [{code}] anonymous", found)
        checked += 1
    _language(page, "vi")
    login(page, "bacgiang", "wrong-password")
    _check(page, "login refused [vi] anonymous", found)

    for username, pages in _pages(demo).items():
        page.context.clear_cookies()
        login(page, username, demo.password)
        for code in ("vi", "en"):
            _language(page, code)
            for kind, path in pages:
                response = page.goto(base + path)
                assert response is not None and response.ok, (username, path)
                _check(page, f"{kind} [{code}] {username} {path}", found)
                checked += 1

    # The states a person brings about: a wrong value typed into a cell, a refused save.
    page.context.clear_cookies()
    _language(page, "vi")
    login(page, "lucnam", demo.password)
    page.goto(base + "/nhap-lieu/so-lieu/d218/")
    first = page.locator("input[data-col=p]").first
    first.fill("abc")
    _check(page, "entry grid, a wrong value typed [vi] lucnam", found)
    page.get_by_role("button", name="Lưu cả bảng").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#grid-errors").is_visible()
    _check(page, "entry grid, save refused [vi] lucnam", found)

    # A file with a wrong row, previewed before anything is written.
    page.goto(base + "/nhap-lieu/nhap-tep/so-lieu/d218/")
    page.set_input_files("#id_file", str(write_file(tmp_path / "thang6.csv", demo, bad=True)))
    page.click("#upload-form [type=submit]")
    page.wait_for_load_state("load")
    assert page.locator("#preview-errors").is_visible()
    _check(page, "counts import, preview with an error [vi] lucnam", found)

    # A provincial officer's office targets with a wrong value typed.
    page.context.clear_cookies()
    login(page, "bacninh", demo.password)
    page.goto(base + "/nhap-lieu/bhxh-co-so/t24/")
    page.locator("#offices input[name^=t_]").first.fill("12,5")
    _check(page, "office list, a wrong value typed [vi] bacninh", found)

    # An event refused: sign-ups above the attendees, said by the form.
    page.context.clear_cookies()
    login(page, "lucnam", demo.password)
    page.goto(base + "/kenh-thu/hoi-nghi/d218/")
    page.fill("#id_attendees", "5")
    page.fill("#id_sign_ups", "9")
    page.locator("form [type=submit]").last.click()
    page.wait_for_load_state("load")
    _check(page, "events, form refused [vi] lucnam", found)

    assert checked >= 60
    if found:
        screenshot(page, "a11y-last")
    assert not found, f"{sum(len(v) for v in found.values())} axe violations:\n" + _report(found)


def _luminance(rgb: str) -> float:
    """Relative luminance (WCAG) of a computed colour, "rgb(118, 127, 138)"."""
    channels = [int(c) / 255 for c in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


LIGHT_SHAPE = """(el) => { const s = getComputedStyle(el, "::before");
    return [s.width, s.height, s.borderRadius, s.borderBottomWidth].join(" "); }"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_keyboard_sort_state_and_wrong_cells_reach_every_officer(page, demo):
    """What axe cannot see: the skip link, the sort order said, lights told apart without
    colour, a wrong cell marked as it is typed and the totals saying what they leave out."""
    base = page.live_server.url
    login(page, "bacgiang", demo.password)
    page.goto(base + "/u/p24/?year=2023&month=5")

    # The first Tab stop skips the navigation; following it, the next Tab is inside the page.
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Chuyển đến nội dung chính"
    assert skip.is_visible()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")

    # The sort order is said on the header, not only drawn as an arrow.
    headers = page.locator(".progress-table thead th[aria-sort]")
    assert headers.count() >= 8
    assert page.locator("th[aria-sort=descending]").inner_text().strip() == "% kế hoạch"
    page.locator(".progress-table thead th a", has_text="Đơn vị").click()
    page.wait_for_load_state("load")
    assert page.locator("th[aria-sort=ascending]").inner_text().strip() == "Đơn vị"
    assert page.locator("th[aria-sort=descending]").count() == 0

    # Each light has a shape of its own besides its colour and word; seen in grey-scale.
    legend = page.locator(".legend")
    shapes = {
        colour: legend.locator(f".light-{colour}").evaluate(LIGHT_SHAPE)
        for colour in ("green", "amber", "red")
    }
    assert len(set(shapes.values())) == 3, shapes
    ranking = page.locator("[data-chart=ranking-data]")
    page.wait_for_selector("[data-chart=ranking-data][data-drawn]")
    marks = [t[0] for t in ranking.locator("text.bartext").all_text_contents()]
    assert marks and set(marks) <= {"●", "▲", "■", "○"}, marks
    page.add_style_tag(content="html { filter: grayscale(1); }")
    screenshot(page, "a11y-lights-grayscale")
    page.locator(".chart-card", has=ranking).screenshot(
        path=os.path.join(SCREENSHOTS, "a11y-ranking-grayscale.png")
    )

    # Grid: the commune's history is a Tab stop; a wrong value is marked and counted at once.
    page.context.clear_cookies()
    login(page, "lucnam", demo.password)
    page.goto(base + "/nhap-lieu/so-lieu/d218/")
    communes = list(demo.luc_nam.children.order_by("code"))
    page.locator(f"#p_{communes[1].pk}").focus()
    page.keyboard.press("Shift+Tab")
    assert "/nhap-lieu/lich-su/" in page.evaluate("document.activeElement.href")
    cell = page.locator(f"#n_{communes[2].pk}")
    assert (
        _contrast(cell.evaluate("e => getComputedStyle(e).borderTopColor"), "rgb(255, 255, 255)")
        >= 3
    )
    cell.focus()
    page.keyboard.type("abc")
    assert cell.get_attribute("aria-invalid") == "true"
    message = page.locator("#" + cell.get_attribute("aria-describedby"))
    assert message.inner_text() == "Không phải số người hợp lệ: nhập số nguyên không âm."
    # Focused, the wrong cell keeps its red border inside the focus ring.
    assert cell.evaluate("e => getComputedStyle(e).borderTopColor") == "rgb(197, 34, 31)"
    note = page.locator("#total-note")
    assert note.get_attribute("role") == "status"
    assert note.inner_text() == "Tổng chưa tính 1 ô không phải số hợp lệ."
    page.locator(f"#p_{communes[3].pk}").fill("-4")
    assert note.inner_text() == "Tổng chưa tính 2 ô không phải số hợp lệ."
    cell.fill("12")
    page.locator(f"#p_{communes[3].pk}").fill("")
    assert cell.get_attribute("aria-invalid") is None
    assert cell.get_attribute("aria-describedby") is None
    assert note.inner_text() == ""
