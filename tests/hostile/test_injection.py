"""Formula and script injection through the whole pipeline, from an inventory file to the outputs.

tests/report covers the renderers with a hand-made `Estimate`; here the hostile strings come in
through a real RVTools workbook (VM names, OS strings, clusters, annotations, custom attributes
and the file name itself), so every step between reading and writing is exercised:

- the Excel report and batch summary.xlsx keep them as text cells, value unchanged;
- CSV outputs (batch summary.csv, the anonymise mapping) neutralise them with a leading `'`;
- the HTML report, opened in Chromium, shows them as text and runs nothing, plotly hover included.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from corpus import make_corpus
from openpyxl import load_workbook
from typer.testing import CliRunner

from estimator.cli import app
from estimator.formatting import FORMULA_STARTS, csv_safe
from estimator.pipeline import estimate

MC = make_corpus()
FORMULA = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-1+1", "@SUM(A1)"]
# Each payload sets a global if it ever runs, so the browser test can tell.
SCRIPT = ["<script>window.__pwned='script';alert(1)</script>",
          "\"><img src=x onerror=\"window.__pwned='img';alert(2)\">",
          "<svg onload=\"window.__pwned='svg'\">", "'';!--\"<XSS>=&{()}"]
HOSTILE = FORMULA + SCRIPT
# A file name that is itself hostile (no "/" is possible in a file name).
FILE_NAME = "=1+2 <b onmouseover=alert(9)>x.xlsx"
HEADER = ["VM", "Powerstate", "Template", "CPUs", "Memory", "In Use MiB",
          "OS according to the configuration file", "Datacenter", "Cluster", "Host", "VM UUID",
          "VI SDK Server", "Annotation", "Security Zone", "Owner"]
CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync"]


def hostile_inventory(folder: Path, name: str = FILE_NAME) -> Path:
    """An RVTools workbook whose every free-text field carries a payload."""
    rows = [HEADER]
    for i, text in enumerate(HOSTILE, start=1):
        os_name = "Ubuntu Linux (64-bit)" if i % 2 else f"CentOS 8 {text}"
        rows.append([text, "poweredOn", "FALSE", 2, 4096, 2048, os_name, f"DC {text}",
                     f"CL {text}", "esx01", f"4201{i:04d}-0000-0000-0000-000000000000",
                     "vc1.example.com", text, SCRIPT[i % len(SCRIPT)], text])
    # Two VMs that cannot move (end-of-support Windows) so the "staying" table lists names too.
    for i, text in enumerate(SCRIPT[:2], start=len(HOSTILE) + 1):
        rows.append([f"legacy {text}", "poweredOn", "FALSE", 4, 8192, 4096,
                     "Microsoft Windows Server 2003 (32-bit)", "DC", "CL", "esx01",
                     f"4201{i:04d}-0000-0000-0000-000000000000", "vc1.example.com", text,
                     "dmz", "ops"])
    return MC.write_xlsx(folder / name, {"vInfo": rows})


@pytest.fixture(scope="module")
def hostile_estimate(tmp_path_factory: pytest.TempPathFactory):
    from estimator.assumptions import load_assumptions

    folder = tmp_path_factory.mktemp("hostile")
    path = hostile_inventory(folder)
    # Security zones split the pools, so the zone payloads reach the pool names and charts.
    a = load_assumptions(sets=['platform.isolation_keys=["os_family", "security_zone"]'])
    return estimate(path, a, uncertainty=False), folder


def test_pipeline_keeps_hostile_text_unchanged(hostile_estimate) -> None:
    est, _ = hostile_estimate
    vms = est.vms.set_index("name")
    for text in HOSTILE:
        assert text in vms.index
        assert vms.loc[text, "annotation"] == text
        assert vms.loc[text, "cluster"] == f"CL {text}"
    assert est.inputs == (FILE_NAME,)


def test_excel_report_keeps_every_hostile_string_as_text(hostile_estimate) -> None:
    est, folder = hostile_estimate
    path = est.to_excel(folder / "report.xlsx")
    wb = load_workbook(path)
    found: dict[str, str] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value in [*HOSTILE, FILE_NAME]:
                    assert cell.data_type == "s", (ws.title, cell.coordinate)
                    found[cell.value] = ws.title
    # Every payload is in the VMs sheet exactly as read.
    assert set(found) >= set(HOSTILE)
    vms = wb["VMs"]
    header = [c.value for c in vms[1]]
    names = [r[header.index("VM")] for r in vms.iter_rows(min_row=2, values_only=True)]
    assert [n for n in names if n in HOSTILE] == [n for n in est.vms["name"] if n in HOSTILE]
    clusters = {r[header.index("Cluster")] for r in vms.iter_rows(min_row=2, values_only=True)}
    assert {f"CL {t}" for t in HOSTILE} <= clusters
    # The file name shows up as text too (source column, or summary).
    assert FILE_NAME in found


@pytest.mark.parametrize("value", [*FORMULA, "\t=1+2", "\r=1+2", "=1+2"])
def test_csv_safe_prefixes_every_formula_start(value: str) -> None:
    assert value.startswith(FORMULA_STARTS)
    assert csv_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["web01", "<script>", "1e5", "", "a=b"])
def test_csv_safe_leaves_plain_text(value: str) -> None:
    assert csv_safe(value) == value


def _batch_folder(folder: Path) -> Path:
    inputs = folder / "in"
    inputs.mkdir()
    good = ["vm,vCPU,Memory GB,OS\nweb01,2,8,Ubuntu 22.04\nweb02,4,16,Ubuntu 22.04\n"]
    (inputs / "=1+2.csv").write_text(good[0], encoding="utf-8")
    (inputs / "@SUM(A1).csv").write_text(good[0], encoding="utf-8")
    (inputs / "-1+1.csv").write_text(good[0].replace("vm,", "Name,"), encoding="utf-8")
    (inputs / "+cmd.csv").write_bytes(b"\x00\x01junk")  # fails: an error row names it
    return inputs


def test_batch_summaries_keep_names_as_text_and_neutralise_csv(tmp_path: Path) -> None:
    inputs = _batch_folder(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["batch", str(inputs), "--out-dir", str(out), "--no-html",
                                      "--no-xlsx", "--no-uncertainty"])
    assert result.exit_code == 1, result.output  # "+cmd.csv" and "=1+2.csv" ("vm" header) fail
    rows = list(csv.DictReader(io.StringIO((out / "summary.csv").read_text(encoding="utf-8"))))
    files = sorted(r["file"] for r in rows)
    assert files == sorted(["'=1+2.csv", "'@SUM(A1).csv", "'-1+1.csv", "'+cmd.csv"])
    errors = {r["file"]: r["error"] for r in rows if r["status"] == "error"}
    assert errors["'+cmd.csv"].startswith("'+cmd.csv: binary data")
    for row in rows:
        for key in ("file", "currency", "status", "error"):  # the text columns
            assert not row[key].startswith(FORMULA_STARTS), row

    wb = load_workbook(out / "summary.xlsx")
    ws = wb["Summary"]
    cells = [c for r in ws.iter_rows(min_row=2) for c in r]
    assert all(c.data_type != "f" for c in cells)
    file_cells = [r[0] for r in ws.iter_rows(min_row=2)]
    assert sorted(c.value for c in file_cells) == sorted(["=1+2.csv", "@SUM(A1).csv",
                                                          "-1+1.csv", "+cmd.csv"])
    assert all(c.data_type == "s" for c in file_cells)
    header = [c.value for c in ws[1]]
    error_cells = [r[header.index("Error")] for r in ws.iter_rows(min_row=2)
                   if r[header.index("Status")].value == "error"]
    assert any(str(c.value).startswith("+cmd.csv: binary data") and c.data_type == "s"
               for c in error_cells)


def test_anonymise_mapping_csv_neutralises_original_names(tmp_path: Path) -> None:
    """The pseudonym mapping holds the original names: it is a CSV people open in Excel."""
    path = hostile_inventory(tmp_path, "estate.xlsx")
    out = tmp_path / "out"
    mapping = tmp_path / "private" / "names.csv"
    result = CliRunner().invoke(app, ["estimate", str(path), "--anonymise", "--out-dir", str(out),
                                      "--no-html", "--no-xlsx", "--no-uncertainty",
                                      "--mapping-out", str(mapping)])
    assert result.exit_code == 0, result.output
    cells = [v for row in csv.reader(io.StringIO(mapping.read_text(encoding="utf-8")))
             for v in row]
    for text in FORMULA:
        assert "'" + text in cells
    assert not [v for v in cells if v.startswith(FORMULA_STARTS)]


def test_terminal_shows_rich_markup_in_names_literally(tmp_path: Path) -> None:
    """File names and pool names are data, not rich console markup."""
    path = tmp_path / "[bold]estate[-] [link=x]y.csv"
    path.write_text("Name,vCPU,Memory GB,OS\nweb01,2,8,Ubuntu 22.04\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "[bold]estate[-] [link=x]y.csv" in " ".join(result.stdout.split())


def test_terminal_output_carries_no_escape_sequences(tmp_path: Path) -> None:
    """ESC in a file name or a cell must not reach the terminal (title change, fake links,
    screen clearing); it is shown escaped instead."""
    bad_name = tmp_path / "x\x1b]0;pwned\x07.csv"
    bad_name.write_bytes(b"")
    result = CliRunner().invoke(app, ["validate", str(bad_name)])
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "pwned" in result.stderr  # still named, visibly
    cells = tmp_path / "cells.csv"
    cells.write_text("Name,vCPU,Memory GB\nweb01,2,8\nweb02,\x1b[2Jfour,8\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(cells)])
    assert result.exit_code == 0
    assert "row 3" in result.stdout and "four" in result.stdout
    assert "\x1b" not in result.stdout + result.stderr


# -- the HTML report in a real browser ----------------------------------------------------------
def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"Chromium is required in CI but was not found ({CHROMIUM})")
    pytest.skip("Chromium not installed")


@pytest.fixture(scope="module")
def page(hostile_estimate):
    _require_chromium()
    from playwright.sync_api import sync_playwright

    est, folder = hostile_estimate
    html = folder / "report.html"
    est.to_html(html)
    record: dict[str, list[str]] = {"dialogs": [], "left": [], "errors": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        pg = browser.new_page(viewport={"width": 1440, "height": 900})
        url = html.resolve().as_uri()

        def route(r):
            if r.request.url == url:
                r.continue_()
            else:
                record["left"].append(r.request.url)
                r.abort()

        def dialog(d):
            record["dialogs"].append(d.message)
            d.dismiss()

        pg.route("**/*", route)
        pg.on("dialog", dialog)
        pg.on("pageerror", lambda e: record["errors"].append(str(e)))
        pg.goto(url, wait_until="load")
        pg.wait_for_function("[...document.querySelectorAll('.chart')].every("
                             "d => d.querySelector('.main-svg'))", timeout=30_000)
        yield pg, record, est
        browser.close()


@pytest.mark.browser
@pytest.mark.slow
def test_html_shows_payloads_as_text_and_runs_none(page) -> None:
    pg, record, est = page
    assert record["dialogs"] == []
    assert record["errors"] == []
    assert record["left"] == []  # the img payload never fetched "x"
    assert pg.evaluate("window.__pwned") is None
    assert pg.locator("img, svg[onload], [onerror], [onmouseover], xss, b[onmouseover]").count(
        ) == 0
    body = pg.inner_text("body")
    # VM names in the moving and staying tables, the file name in the heading.
    moving_or_staying = [n for n in est.vms["name"] if any(s in n for s in SCRIPT)]
    assert any(n in body for n in moving_or_staying)
    assert "legacy " + SCRIPT[0] in body or "legacy " + SCRIPT[1] in body
    assert FILE_NAME.removesuffix(".xlsx") in body or FILE_NAME in body


@pytest.mark.browser
@pytest.mark.slow
def test_plotly_labels_and_hover_show_payloads_as_text(page) -> None:
    pg, record, est = page
    pools = [p for p in est.pools["pool"].astype(str) if "<" in p]
    assert pools, "the security-zone payloads should name pools"
    svg_text = pg.evaluate("document.querySelector('#chart-pools').textContent")
    assert any(p in svg_text or p[:20] in svg_text for p in pools), svg_text[:500]
    # Hover every bar of the pools chart: the hover label is text, and nothing runs.
    n = pg.evaluate("""() => {
        const gd = document.querySelector('#chart-pools .js-plotly-plot')
                   || document.querySelector('#chart-pools');
        let shown = [];
        gd.data.forEach((trace, c) => (trace.x || []).forEach((_, i) => {
            Plotly.Fx.hover(gd, [{curveNumber: c, pointNumber: i}]);
            const layer = gd.querySelector('.hoverlayer');
            if (layer) shown.push(layer.textContent);
        }));
        window.__hover = shown;
        return shown.length;
    }""")
    assert n > 0
    shown = " ".join(pg.evaluate("window.__hover"))
    assert any(p in shown or p[:15] in shown for p in pools), shown[:500]
    assert pg.locator(".hoverlayer img, .hoverlayer svg[onload]").count() == 0
    assert pg.evaluate("window.__pwned") is None
    assert record["dialogs"] == []
