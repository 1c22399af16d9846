"""The workbook on paper and beside the HTML report: print settings on every sheet, the same
colours for the same category or fit level, human labels for the tool's own keys, and idle
VMs shown as retired everywhere."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import require_tool

from estimator import formatting as fmt
from estimator.model import FIT_LEVELS
from estimator.report.charts import figures
from estimator.report.excel import VM_LABELS, write_excel
from estimator.report.html import render_html
from estimator.report.palette import FIT_COLOURS, NEW_COST, SAVING, category_colour

GREENS = {FIT_COLOURS["excellent"], FIT_COLOURS["good"], SAVING}
MAX_WORKBOOK_PAGES = 25
SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")


@pytest.fixture(scope="module")
def sample_xlsx(sample_est, tmp_path_factory) -> Path:
    return write_excel(sample_est, tmp_path_factory.mktemp("xlsx") / "sample.xlsx")


@pytest.fixture(scope="module")
def ibm_xlsx(ibm_est, tmp_path_factory) -> Path:
    return write_excel(ibm_est, tmp_path_factory.mktemp("xlsx") / "SizingWorkshop-RVTools.xlsx")


def _rows(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    """Every row of a sheet, read fast and the file closed again."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(wb[sheet].iter_rows(values_only=True))
    finally:
        wb.close()


def _colour(props: Any) -> str | None:
    if props is None or props.solidFill is None:
        return None
    c = props.solidFill.srgbClr
    return "#" + str(getattr(c, "val", c)).lower()


@pytest.mark.parametrize("which", ["xlsx_file", "sample_xlsx"])
def test_every_sheet_prints_one_page_wide_with_area_header_and_footer(request, which):
    path = request.getfixturevalue(which)
    est = request.getfixturevalue("est" if which == "xlsx_file" else "sample_est")
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        ps = ws.page_setup
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (ps.fitToWidth, ps.fitToHeight) == (1, 0), ws.title
        assert ps.paperSize in (9, "9"), ws.title
        assert ps.orientation == ("portrait" if ws.title == "Summary" else "landscape")
        assert ws.print_area, ws.title
        assert ws.print_area.split("!")[-1].startswith("$A$1:"), ws.title
        header = ws.oddHeader.left.text.replace("&&", "&")
        assert header == f"Containerisation estimate: {est.name}", ws.title
        assert est.as_of.isoformat() in ws.oddHeader.right.text, ws.title
        assert "&P" in ws.oddFooter.right.text and ws.oddFooter.left.text, ws.title
    vms = wb["VMs"]
    assert vms.print_title_rows == "$1:$1"
    last = openpyxl.utils.get_column_letter(vms.max_column)
    assert vms.print_area.split("!")[-1] == f"$A$1:${last}${len(est.vms) + 1}"
    for title in ("Node pools", "Assumptions", "Costs"):
        assert wb[title].print_title_rows == "$1:$1", title


def test_node_pool_headers_get_the_height_of_their_lines(sample_xlsx):
    ws = openpyxl.load_workbook(sample_xlsx)["Node pools"]
    head = [c.value for c in ws[1]]
    widths = [ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width
              for i in range(len(head))]
    # the longest heading for its width needs at least this many lines
    lines = max(-(-len(h) // int(w)) for h, w in zip(head, widths, strict=True))
    assert lines > 1
    assert ws.row_dimensions[1].height >= 15 * lines
    assert all(c.alignment.wrap_text for c in ws[1])


def test_chart_colours_match_the_html_report(sample_est, sample_xlsx):
    charts = openpyxl.load_workbook(sample_xlsx)["Summary"]._charts
    by_title = {"".join(r.t for p in c.title.tx.rich.p for r in p.r): c for c in charts}
    cats = list(sample_est.costs["category"])
    stacked = by_title["Yearly cost before and after, by category"]
    assert [_colour(s.graphicalProperties) for s in stacked.series] == \
        [category_colour(c) for c in cats]
    savings = by_title["Yearly savings by category"].series[0]
    want = [SAVING if v >= 0 else NEW_COST for v in sample_est.costs["annual_savings"]]
    assert [_colour(p.graphicalProperties) for p in savings.dPt] == want
    levels = [lv for lv in FIT_LEVELS if lv in sample_est.fit.counts]
    fit = by_title["In-scope VMs by fit level"].series[0]
    assert [_colour(p.graphicalProperties) for p in fit.dPt] == [FIT_COLOURS[lv] for lv in levels]
    # and the HTML charts draw the same colours
    figs = figures(sample_est)
    html_cats = {str(t.name).replace("<br>", " "): t.marker.color
                 for t in figs["cost_by_category"].data}
    assert all(html_cats[c] == category_colour(c) for c in cats)
    html_fit = dict(zip(figs["fit"].data[0].y, figs["fit"].data[0].marker.color, strict=True))
    assert all(html_fit[fmt.fit_label(lv)] == FIT_COLOURS[lv] for lv in levels)
    assert len(set(category_colour(c) for c in cats)) == len(cats)


def test_idle_vms_show_as_retired_never_as_a_good_fit(sample_est, sample_xlsx):
    vms = sample_est.vms
    idle = vms["fit_reason"].astype("string").str.match(r"(Idle|Zombie):").fillna(False)
    assert idle.any()
    assert set(vms.loc[idle, "fit_level"]) == {"retire_idle"}
    assert FIT_COLOURS["retire_idle"] not in GREENS
    # workbook: the level reads "Retire (idle)"
    rows = _rows(sample_xlsx, "VMs")
    head = list(rows[0])
    i_level, i_reason = head.index("Fit level"), head.index("Fit reason")
    levels = {r[i_level] for r in rows[1:] if r[i_reason] and re.match(r"(Idle|Zombie):",
                                                                       str(r[i_reason]))}
    assert levels == {fmt.fit_label("retire_idle")} == {"Retire (idle)"}
    # HTML: every idle reason row is a retired level, in grey, and the findings bar is grey
    html = render_html(sample_est)
    for m in re.finditer(r'<td class="lvl lvl-([a-z_]+)">([^<]*)</td><td class="wrap">'
                         r"(Idle|Zombie):", html):
        assert m.group(1) == "retire_idle" and m.group(2) == "Retire (idle)"
    fit = figures(sample_est)["fit"].data[1]
    for label, colour in zip(fit.y, fit.marker.color, strict=True):
        if str(label).startswith(("Idle", "Zombie")):
            assert colour == FIT_COLOURS["retire_idle"]


def test_vm_sheet_shows_labels_not_keys(sample_xlsx):
    rows = _rows(sample_xlsx, "VMs")
    head = list(rows[0])
    cols = {"Fit level": "fit_level", "Excluded because": "exclusion_reason",
            "CPU sized from": "cpu_basis", "Memory sized from": "memory_basis"}
    idx = {h: head.index(h) for h in cols}
    seen: dict[str, set[str]] = {h: set() for h in cols}
    for r in rows[1:]:
        for h, i in idx.items():
            if r[i] is not None:
                seen[h].add(str(r[i]))
    for h, key in cols.items():
        assert seen[h], h
        assert not any(SNAKE.match(v) for v in seen[h]), (h, seen[h])
        assert seen[h] <= set(VM_LABELS[key].values()), (h, seen[h])


def test_no_snake_case_keys_outside_the_assumptions_and_key_columns(sample_xlsx, sample_est):
    """Keys belong where a user types them: the Assumptions sheet, the contract-price and
    tornado key columns. Elsewhere every text cell reads as words."""
    inventory = set()
    for col in ("name", "os_raw", "pool", "cluster", "host", "datacenter", "source"):
        if col in sample_est.vms:
            inventory |= set(sample_est.vms[col].dropna().astype(str))
    bad = []
    for title in openpyxl.load_workbook(sample_xlsx).sheetnames:
        if title == "Assumptions":
            continue
        for row in _rows(sample_xlsx, title):
            for v in row:
                if isinstance(v, str) and v not in inventory and SNAKE.match(v) \
                        and "." not in v:
                    bad.append((title, v))
    assert bad == []


@pytest.mark.libreoffice
@pytest.mark.slow
def test_ibm_workbook_prints_on_at_most_25_pages(ibm_xlsx, tmp_path):
    require_tool("soffice", "LibreOffice (soffice)")
    require_tool("pdfinfo", "poppler (pdfinfo)")
    profile = (tmp_path / "lo-profile").as_uri()
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(ibm_xlsx)],
        capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / (ibm_xlsx.stem + ".pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))
    print(f"{ibm_xlsx.name}: {pages} pages")
    assert pages <= MAX_WORKBOOK_PAGES
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        # the VMs sheet's pages (its name is in the footer) each start with its header row
        vm_pages = [p for p in text.split("\f")
                    if re.search(r"^\s*VMs\s+Page \d+ of \d+\s*$", p, re.M)]
        assert len(vm_pages) >= 2
        assert all("Yearly cost today" in p and "Source row" in p for p in vm_pages)
