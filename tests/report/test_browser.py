"""The HTML report in a real browser: Debian's Chromium driven by Playwright, network cut off.

Skips only when /usr/bin/chromium is absent outside CI; in CI (env CI set) it fails instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CHROMIUM, HOSTILE_IMG, HOSTILE_SCRIPT, require_tool

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


def _open(html: Path):
    """Open `html` offline; return (page, record) where record collects what happened."""
    require_tool(CHROMIUM, "Chromium (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    url = html.resolve().as_uri()
    record: dict[str, list[str]] = {"left": [], "console": [], "dialogs": [], "requests": []}

    def route(r):
        record["requests"].append(r.request.url)
        if r.request.url == url:
            r.continue_()
        else:
            record["left"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: record["console"].append(f"{m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: record["console"].append(f"pageerror: {e}"))

    def dialog(d):
        record["dialogs"].append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.goto(url, wait_until="load")
    return pw, browser, page, record


@pytest.fixture(scope="module")
def opened(html_file):
    pw, browser, page, record = _open(html_file)
    page.wait_for_function(
        "document.querySelectorAll('.chart').length > 0 && "
        "[...document.querySelectorAll('.chart')].every(d => d.querySelector('.main-svg'))",
        timeout=30_000,
    )
    yield page, record
    browser.close()
    pw.stop()


def test_every_chart_renders(opened):
    page, _ = opened
    n_divs = page.locator("div.chart").count()
    assert n_divs == 11
    assert page.locator(".js-plotly-plot").count() == n_divs
    # each chart drew bars, lines or markers into its SVG
    drawn = page.evaluate(
        "[...document.querySelectorAll('div.chart')].map(d => "
        "d.querySelectorAll('.point, .trace path, .scatterlayer path').length)")
    assert all(n > 0 for n in drawn), drawn


def test_no_request_leaves_the_file_and_no_console_errors(opened):
    _, record = opened
    assert record["requests"], "the route recorded nothing"
    assert record["left"] == []
    assert record["console"] == []


def test_hostile_names_show_as_text_and_run_nothing(opened):
    page, record = opened
    assert record["dialogs"] == []
    assert page.locator("img").count() == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 3
    body = page.inner_text("body")
    assert HOSTILE_SCRIPT in body
    assert HOSTILE_IMG in body
    svg_text = page.evaluate("document.querySelector('#chart-pools').textContent")
    assert f"linux/{HOSTILE_IMG}" in svg_text
    fit_text = page.evaluate("document.querySelector('#chart-fit').textContent")
    assert "Name matches <script>alert(1)</script>" in fit_text
    assert page.title().endswith(HOSTILE_SCRIPT)


def test_first_screen_shows_summary_and_tiles(opened):
    page, _ = opened
    tiles = page.locator(".est-tile")
    assert tiles.count() == 9
    labels = [tiles.nth(i).locator(".est-tile-label").inner_text() for i in range(9)]
    assert labels[5:8] == ["ONE-OFF MIGRATION", "PAYBACK", "NET PRESENT VALUE, 5 YEARS"] \
        or labels[5:8] == ["One-off migration", "Payback", "Net present value, 5 years"]
    box = tiles.nth(8).bounding_box()
    assert box is not None and box["y"] + box["height"] <= 900  # within the first screen
    assert "Containerising" in page.locator(".exec p").first.inner_text()


def test_prints_to_pdf(opened, tmp_path):
    page, record = opened
    page.emulate_media(media="print")
    pdf = page.pdf(path=str(tmp_path / "report.pdf"), format="A4")
    assert pdf[:4] == b"%PDF" and len(pdf) > 50_000
    assert page.locator("nav.toc").is_hidden()
    page.emulate_media(media="screen")
    assert record["left"] == []
