"""The HTML report as a manager sees it, in Chromium at 1280 and 1920 px and in print: no
internal keys or raw floats, nothing wider than its box, no cut or colliding chart labels,
and the IBM export printed on at most ten A4 pages.

Skips only when /usr/bin/chromium (or pdfinfo) is absent outside CI; in CI it fails instead.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import CHROMIUM, require_tool

from estimator.report.html import render_html

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
WIDTHS = (1280, 1920)
# A4 less the report's 12 mm print margins, in CSS px: the width the print layout gets.
PRINT_WIDTH = 703
MAX_PRINT_PAGES = 10
# snake_case words: how the tool's own keys look
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# a float as Python prints it, not as the reports format it (24711.996094)
RAW_FLOAT = re.compile(r"\b\d+\.\d{6,}\b|\b\d{3,}\.\d{3,}\b")
# inventory columns whose values the report shows as read
INVENTORY_TEXT = ("name", "os_raw", "os_name", "os_version", "pool", "cluster", "host",
                  "datacenter", "vcenter", "environment", "security_zone", "source")

VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const el = node.parentElement;
    if (!el || el.closest("script, style, code")) { continue; }
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) { continue; }
    const text = node.textContent.trim();
    if (text) { out.push(text); }
  }
  return out;
}"""

OVERFLOW = """(exemptScroll) => {
  const bad = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) {
    bad.push(`page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
  }
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.className && typeof el.className === "string" ? "." + el.className.trim()
       .split(/\\s+/).join(".") : "");
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest("script, style, svg, .modebar-container, details:not([open]) > :not(summary)")) {
      continue;
    }
    if (exemptScroll && el.closest(".scroll")) { continue; }
    const cs = getComputedStyle(el);
    if (cs.display === "none" || cs.position === "absolute" || cs.position === "fixed") {
      continue;
    }
    const parent = el.parentElement;
    if (!parent) { continue; }
    const r = el.getBoundingClientRect(), p = parent.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) { continue; }
    if (r.right > p.right + 1 || r.left < p.left - 1) {
      bad.push(`${name(el)} (${Math.round(r.left)}-${Math.round(r.right)}) outside `
               + `${name(parent)} (${Math.round(p.left)}-${Math.round(p.right)}): `
               + el.textContent.trim().slice(0, 60));
    }
  }
  return bad;
}"""

CHART_TEXT = """() => {
  const bad = [];
  const box = (e) => e.getBoundingClientRect();
  const overlap = (a, b) => a.left < b.right - 1 && b.left < a.right - 1
    && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  for (const chart of document.querySelectorAll("div.chart")) {
    const c = box(chart);
    const groups = {
      x: [...chart.querySelectorAll(".xtick text")],
      y: [...chart.querySelectorAll(".ytick text")],
      note: [...chart.querySelectorAll("g.annotation")],
      legend: [...chart.querySelectorAll(".legend .traces")],
      title: [...chart.querySelectorAll(".g-xtitle text, .g-ytitle text")],
    };
    for (const [kind, items] of Object.entries(groups)) {
      const shown = items.filter((e) => box(e).width > 0 && e.textContent.trim());
      for (const e of shown) {
        const r = box(e), t = e.textContent.trim();
        if (t.includes("\\u2026")) { bad.push(`${chart.id}: ${kind} label cut short: ${t}`); }
        if (r.left < c.left - 1 || r.right > c.right + 1 || r.top < c.top - 1
            || r.bottom > c.bottom + 1) {
          bad.push(`${chart.id}: ${kind} label outside the chart: ${t}`);
        }
      }
      for (let i = 0; i < shown.length; i++) {
        for (let j = i + 1; j < shown.length; j++) {
          if (overlap(box(shown[i]), box(shown[j]))) {
            bad.push(`${chart.id}: ${kind} labels collide: ${shown[i].textContent.trim()}`
                     + ` / ${shown[j].textContent.trim()}`);
          }
        }
      }
    }
    // an axis title must not sit on the tick labels or the legend
    for (const t of groups.title.map(box)) {
      for (const l of groups.legend.map(box)) {
        if (overlap(t, l)) { bad.push(`${chart.id}: axis title on the legend`); }
      }
    }
  }
  return bad;
}"""


def _inventory_words(est: Any) -> set[str]:
    """snake_case words that are inventory values (VM names, OS strings, pools, files...)."""
    words: set[str] = set(SNAKE.findall(" ".join(est.inputs) + " " + est.name))
    for col in INVENTORY_TEXT:
        if col in est.vms.columns:
            values = est.vms[col].dropna().astype(str).unique()
            words.update(SNAKE.findall(" ".join(values)))
    for f in est.quality.files:
        words.update(SNAKE.findall(f.file + " " + " ".join(f.unmapped_columns)))
    for p in est.quality.problems:
        words.update(SNAKE.findall(f"{p.file or ''} {p.sheet or ''}"))
    return words


@pytest.fixture(scope="module")
def browser():
    require_tool(CHROMIUM, "Chromium (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
    yield b
    b.close()
    pw.stop()


@pytest.fixture(scope="module", params=["sample_est", "ibm_est"])
def report(request, tmp_path_factory) -> tuple[Any, Path]:
    est = request.getfixturevalue(request.param)
    path = tmp_path_factory.mktemp("layout") / f"{request.param}.html"
    path.write_text(render_html(est), encoding="utf-8")
    return est, path


def _open(browser, path: Path, width: int, height: int = 900):
    page = browser.new_page(viewport={"width": width, "height": height})
    url = path.resolve().as_uri()
    page.route("**/*", lambda r: r.continue_() if r.request.url == url else r.abort())
    page.goto(url, wait_until="load")
    page.wait_for_function(
        "[...document.querySelectorAll('.chart')].every(d => d.querySelector('.main-svg'))",
        timeout=30_000)
    return page


@pytest.mark.parametrize("width", WIDTHS)
def test_no_internal_keys_or_raw_floats_on_screen(browser, report, width) -> None:
    est, path = report
    page = _open(browser, path, width)
    try:
        texts = page.evaluate(VISIBLE_TEXT)
    finally:
        page.close()
    allowed = _inventory_words(est)
    keys = sorted({w for t in texts for w in SNAKE.findall(t)} - allowed)
    assert keys == [], [t for t in texts if set(SNAKE.findall(t)) - allowed][:10]
    floats = sorted({f for t in texts for f in RAW_FLOAT.findall(t)})
    assert floats == []


@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_wider_than_its_box_or_cut_in_charts(browser, report, width) -> None:
    _, path = report
    page = _open(browser, path, width)
    try:
        overflow = page.evaluate(OVERFLOW, True)
        labels = page.evaluate(CHART_TEXT)
    finally:
        page.close()
    assert overflow == []
    assert labels == []


@pytest.mark.parametrize("width", WIDTHS)
def test_scenario_platform_and_pool_charts_keep_their_labels_apart(browser, html_file,
                                                                  width) -> None:
    """The hand-made estimate has scenarios, five platforms and a long hostile pool name."""
    page = _open(browser, html_file, width)
    try:
        assert page.locator("#chart-platforms, #chart-scenarios").count() == 2
        overflow = page.evaluate(OVERFLOW, True)
        labels = page.evaluate(CHART_TEXT)
    finally:
        page.close()
    assert overflow == []
    assert labels == []


def test_print_layout_fits_the_page_and_ibm_prints_on_ten_pages(browser, report,
                                                                 tmp_path) -> None:
    _, path = report
    page = _open(browser, path, PRINT_WIDTH, 1000)
    try:
        page.emulate_media(media="print")
        # the charts re-lay out for paper when the print media applies
        page.wait_for_function(
            "() => [...document.querySelectorAll('.chart')].every("
            "d => d._fullLayout.width === 340 || d._fullLayout.width === 700)", timeout=10_000)
        # in print a scroll box shows everything, so nothing is exempt
        overflow = page.evaluate(OVERFLOW, False)
        labels = page.evaluate(CHART_TEXT)
        pdf = tmp_path / "report.pdf"
        page.pdf(path=str(pdf), format="A4")
    finally:
        page.close()
    assert overflow == []
    assert labels == []
    require_tool("pdfinfo", "poppler (pdfinfo)")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))
    print(f"{path.name}: {pages} A4 pages")
    if "ibm" in path.name:
        assert pages <= MAX_PRINT_PAGES
