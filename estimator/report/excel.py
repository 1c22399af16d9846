"""The Excel workbook: headline figures with native charts, and every table behind them.

Sheets: Summary, Costs, Node pools, VMs, Assumptions, Data quality, and Uncertainty and
Scenarios when the estimate has them. Charts are native (openpyxl.chart), so the workbook needs
no macros or images.

Every string is written as a text cell, never a formula: openpyxl would otherwise store a VM
named `=HYPERLINK(...)` as a formula. Strings that start with `= + - @`, tab or CR therefore
reach Excel exactly as read.

Speed: openpyxl's write-only mode writes about 25,000 cells a second here (no lxml), far too
slow for 100,000 VMs x 25 columns. So the VMs sheet is written by openpyxl with its header,
widths, frozen pane and autofilter, and its data rows are generated column-wise as sheet XML
and spliced into the saved package (the same inline-string and number cells openpyxl writes).

>>> write_excel(est, "reports/estate.xlsx")   # doctest: +SKIP
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.marker import DataPoint
from openpyxl.chart.series import SeriesLabel
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import (
    CharacterProperties,
    Paragraph,
    ParagraphProperties,
    RegularTextRun,
)
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.pagebreak import Break

from estimator import formatting as fmt
from estimator import xlsxsheet
from estimator.insights import assumption_label
from estimator.model import FIT_LEVELS
from estimator.report.atomic import write_atomic
from estimator.report.palette import (
    BLUE,
    CASH_OUTFLOWS,
    EXTRA_RUNNING,
    FIT_COLOURS,
    GREEN,
    GREY,
    NEW_COST,
    SAVING,
    category_colour,
)

if TYPE_CHECKING:
    from estimator.model import Estimate

# The cash-flow table of the Costs sheet: (column, heading).
CASH_FLOW_COLUMNS: tuple[tuple[str, str], ...] = (
    ("year", "Year"), ("opex_before", "Cost of staying"), ("opex_after", "Cost after"),
    ("savings", "Savings"), ("dual_running", "Dual running"), ("capex", "New servers"),
    ("migration_cost", "Migration"), ("net", "Net"), ("cumulative", "Cumulative"),
    ("discounted", "Discounted net"),
)
MAX_PROBLEM_ROWS = 10_000   # problems listed one per row; the rest are counted
MAX_CELL_CHARS = 32_767     # Excel's limit per cell
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_HEADER_FILL = PatternFill("solid", fgColor="DCE6F0")
# Named fonts: LibreOffice falls back to a serif face for a font without a name.
_FONT = "Calibri"
_HEADER_FONT = Font(name=_FONT, bold=True)
_TITLE_FONT = Font(name=_FONT, bold=True, size=14)
_NOTE_FONT = Font(name=_FONT, italic=True, color="52606D")
_SECTION_FONT = Font(name=_FONT, bold=True, size=12)
_INDENT = Alignment(horizontal="left", indent=1)

# The VMs sheet: (column, heading, kind). Kinds: text, count, dec, dec2, pct, money, bool.
VM_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("name", "VM", "text"),
    ("vcenter", "vCenter", "text"),
    ("datacenter", "Datacenter", "text"),
    ("cluster", "Cluster", "text"),
    ("host", "Host", "text"),
    ("power_state", "Power state", "text"),
    ("os_raw", "OS (as exported)", "text"),
    ("os_family", "OS family", "text"),
    ("os_end_of_support", "OS end of support", "bool"),
    ("environment", "Environment", "text"),
    ("security_zone", "Security zone", "text"),
    ("vcpus", "vCPUs", "count"),
    ("memory_gib", "Memory [GiB]", "dec"),
    ("cpu_util", "CPU use", "pct"),
    ("memory_util", "Memory use", "pct"),
    ("in_scope", "In scope", "bool"),
    ("exclusion_reason", "Excluded because", "text"),
    ("fit_level", "Fit level", "text"),
    ("fit_rules", "Rule IDs", "text"),
    ("fit_reason", "Fit reason", "text"),
    ("moves", "Becomes a container", "bool"),
    ("retire_candidate", "Retire candidate", "bool"),
    ("needs_os_upgrade", "Needs OS upgrade", "bool"),
    ("cpu_basis", "CPU sized from", "text"),
    ("memory_basis", "Memory sized from", "text"),
    ("cpu_request_cores", "CPU request [cores]", "dec2"),
    ("memory_request_gib", "Memory request [GiB]", "dec2"),
    ("replicas", "Replicas", "count"),
    ("pool", "Pool", "text"),
    ("node_index", "Node", "count"),
    ("annual_before", "Yearly cost today", "money"),
    ("annual_after", "Yearly cost after", "money"),
    ("annual_savings", "Yearly savings", "money"),
    ("source", "Source file", "text"),
    ("source_row", "Source row", "count"),
)
# Columns whose values are the tool's own keys, shown as the reports name them.
VM_LABELS: dict[str, dict[str, str]] = {
    "fit_level": fmt.FIT_LABELS,
    "exclusion_reason": {k: v[:1].upper() + v[1:] for k, v in fmt.EXCLUSION_LABELS.items()},
    "cpu_basis": {k: v[:1].upper() + v[1:] for k, v in fmt.BASIS_LABELS.items()},
    "memory_basis": {k: v[:1].upper() + v[1:] for k, v in fmt.BASIS_LABELS.items()},
}
_WIDTHS = {"text": 18, "count": 10, "dec": 12, "dec2": 12, "pct": 10, "money": 16, "bool": 10}
_WIDE_TEXT = {"name": 30, "os_raw": 36, "fit_reason": 40, "fit_rules": 20, "source": 24,
              "pool": 20, "exclusion_reason": 16}


def write_excel(est: Estimate, path: str | Path) -> Path:
    """Write the workbook to `path` (atomically) and return the path."""
    return write_atomic(Path(path), lambda tmp: _write(est, tmp))


# -- cells -----------------------------------------------------------------------------------
class _Sheet:
    """A write-only sheet plus the number formats of the estimate's currency.

    Every sheet prints on A4 one page wide (landscape but for the Summary), with the estate's
    name and date in the header and page numbers in the footer; `finish` sets the print area
    once the rows are written."""

    def __init__(self, wb: Workbook, title: str, currency: str, *, name: str = "",
                 date: str = "") -> None:
        self.ws: WriteOnlyWorksheet = wb.create_sheet(title)
        self.ws.page_setup.orientation = "portrait" if title == "Summary" else "landscape"
        self.ws.page_setup.paperSize = "9"  # A4
        # sheetPr is written with the first row, so fit-to-page is set here, not in finish
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self.ws.page_setup.fitToWidth = 1
        self.ws.page_setup.fitToHeight = 0
        self.ws.print_options.gridLines = False
        hf = self.ws.HeaderFooter
        # "&" starts a code in header text; "&&" prints one
        hf.oddHeader.left.text = f"Containerisation estimate: {name.replace('&', '&&')}"
        hf.oddHeader.right.text = date
        hf.oddFooter.left.text = title.replace("&", "&&")
        hf.oddFooter.right.text = "Page &P of &N"
        self.col_widths: list[float] = []
        self.cols = 1
        self.formats = {
            "money": fmt.excel_money_format(currency), "count": fmt.EXCEL_COUNT,
            "dec": fmt.EXCEL_DECIMAL, "dec2": fmt.EXCEL_DECIMAL2, "pct": fmt.EXCEL_PERCENT,
            "months": fmt.EXCEL_MONTHS, "text": None, "bool": None,
        }
        self.row = 0

    def cell(self, value: Any, kind: str = "text", *, font: Font | None = None,
             fill: PatternFill | None = None, wrap: bool = False) -> WriteOnlyCell:
        c = WriteOnlyCell(self.ws)
        # a payback cell holds the whole months every other output shows, or stays blank
        _set_value(c, fmt.whole_months(value) if kind == "months" else value)
        number_format = self.formats.get(kind)
        if kind == "dec_any" and isinstance(c.value, int | float) \
                and not isinstance(c.value, bool):
            # assumptions mix counts, prices and fractions: grouped whole numbers, and up to
            # six decimals (0.00275 USD per GiB-hour) without a trailing zero or point
            number_format = (fmt.EXCEL_COUNT if float(c.value).is_integer()
                             else fmt.EXCEL_DECIMAL_ANY)
        if number_format and c.data_type == "n":
            c.number_format = number_format
        if font is not None:
            c.font = font
        if fill is not None:
            c.fill = fill
        if wrap:
            c.alignment = Alignment(wrap_text=True, vertical="top")
        return c

    def append(self, cells: Sequence[Any]) -> None:
        cells = list(cells)
        lines = max((self._lines(i, c) for i, c in enumerate(cells)), default=1)
        if lines > 1:
            # a wrapped cell gets the height of its lines: Excel and LibreOffice do not grow
            # a row that the file gives no height, so the text would be cut off or overlap
            self.ws.row_dimensions[self.row + 1].height = 15 * lines
            for c in cells:  # and the row reads from the top, numbers beside their label
                if isinstance(c, Cell) and not c.alignment.wrap_text:
                    c.alignment = Alignment(vertical="top")
        self.ws.append(cells)
        self.row += 1
        self.cols = max(self.cols, len(cells))

    def _lines(self, i: int, c: Any) -> int:
        """Lines a wrapped text cell in column `i` takes at its column's width."""
        if not isinstance(c, Cell) or not c.alignment.wrap_text or not isinstance(c.value, str):
            return 1
        width = self.col_widths[i] if i < len(self.col_widths) else 10
        bold = c.font is not None and bool(c.font.b)
        # characters per line, measured in LibreOffice: a width counts "0" digits, and text
        # runs about a tenth narrower, bold text wider
        per_line = max(4, int(width * (0.85 if bold else 1.1)))
        return sum(len(textwrap.wrap(part, per_line, break_on_hyphens=False)) or 1
                   for part in c.value.split("\n"))

    def header(self, headings: Iterable[str], *, wrap: bool = False) -> None:
        self.append([self.cell(h, font=_HEADER_FONT, fill=_HEADER_FILL, wrap=wrap)
                     for h in headings])

    def title(self, text: str) -> None:
        self.append([self.cell(text, font=_TITLE_FONT)])

    def note(self, text: str) -> None:
        self.append([self.cell(text, font=_NOTE_FONT)])

    def widths(self, widths: Sequence[float]) -> None:
        self.col_widths = list(widths)
        for i, w in enumerate(widths, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = w

    def finish(self, *, last_row: int | None = None, last_col: int | None = None,
               title_rows: str | None = None) -> None:
        """Print area over what was written (and charts below it), and rows repeated on
        every printed page."""
        rows = max(1, last_row or self.row)
        cols = max(1, last_col or self.cols)
        self.ws.print_area = f"A1:{get_column_letter(cols)}{rows}"
        if title_rows:
            self.ws.print_title_rows = title_rows


def _clean_text(text: str) -> str:
    text = _ILLEGAL_XML.sub("\ufffd", text)
    return text[:MAX_CELL_CHARS]


def _set_value(c: WriteOnlyCell, value: Any) -> None:
    """Bind `value`; strings always as text cells (never formulas or error codes)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        c.value = value
    elif isinstance(value, int | float):
        if isinstance(value, float) and not np.isfinite(value):
            return
        c.value = value
    elif isinstance(value, str):
        c.value = _clean_text(value)
        c.data_type = "s"  # openpyxl makes "=..." a formula and "#N/A" an error otherwise
    elif isinstance(value, list | tuple | set | frozenset):
        _set_value(c, "; ".join(str(v) for v in value))
    elif isinstance(value, dict):
        _set_value(c, "; ".join(f"{k}={v}" for k, v in value.items()))
    else:
        _set_value(c, str(value))


def _kind_for(column: str) -> str:
    """Number format kind from a column name (pools, scenarios, tornado tables)."""
    c = column.lower()
    if "utilisation" in c or c.endswith(("_util", "_fraction", "_share", "coverage",
                                         "probability")):
        return "pct"
    if "months" in c:
        return "months"
    if any(k in c for k in ("cost", "annual", "savings", "npv", "migration", "before",
                            "after", "usd", "net", "cumulative", "discounted")):
        return "money"
    if c.endswith(("_gib", "_cores", "_value")) or c in ("swing",):
        return "dec2"
    if any(k in c for k in ("nodes", "workloads", "vms", "count", "year", "draws", "rows",
                            "pods")):
        return "count"
    return "text"


def _table(sh: _Sheet, df: pd.DataFrame, *, headings: Sequence[str] | None = None,
           kinds: dict[str, str] | None = None, wrap_header: bool = False,
           wrap: Iterable[str] = ()) -> tuple[int, int]:
    """Append `df` with a header row; return (header row, last row), 1-based. Text in the
    `wrap` columns wraps within its column (long text would run off the printed page)."""
    kinds = kinds or {}
    sh.header(headings or [fmt.label(c) for c in df.columns], wrap=wrap_header)
    first = sh.row
    col_kinds = [kinds.get(c, _kind_for(str(c))) for c in df.columns]
    wraps = [c in set(wrap) for c in df.columns]
    for record in df.itertuples(index=False):
        sh.append([sh.cell(v, k, wrap=w)
                   for v, k, w in zip(record, col_kinds, wraps, strict=True)])
    return first, sh.row


# -- sheets ----------------------------------------------------------------------------------
def _write(est: Estimate, path: Path) -> None:
    wb = Workbook(write_only=True)
    cur = est.currency

    def sheet(title: str) -> _Sheet:
        return _Sheet(wb, title, cur, name=est.name, date=f"as of {est.as_of.isoformat()}")

    summary = sheet("Summary")
    costs = sheet("Costs")
    pools = sheet("Node pools")
    vms = sheet("VMs")
    assumptions = sheet("Assumptions")
    quality = sheet("Data quality")
    unc = sheet("Uncertainty") if est.uncertainty is not None else None
    scen = sheet("Scenarios") if est.scenarios is not None and not est.scenarios.empty else None
    plat = sheet("Platforms") if est.platforms is not None and not est.platforms.empty else None
    findings = sheet("Findings")

    cost_refs = _costs_sheet(costs, est)
    costs.finish(title_rows="1:1")
    fit_ref = _summary_sheet(summary, est)
    charts_end = _charts(summary, costs, est, cost_refs, fit_ref)
    summary.finish(last_row=max(summary.row, charts_end), last_col=4)
    _pools_sheet(pools, est)
    pools.finish(title_rows="1:1")
    vm_rows = _vms_header(vms, est)
    # one page wide, the header row on every page: the splice adds the rows after saving
    vms.finish(last_row=len(est.vms) + 1, last_col=len(vm_rows), title_rows="1:1")
    _assumptions_sheet(assumptions, est)
    assumptions.finish(title_rows="1:1")
    _quality_sheet(quality, est)
    quality.finish()
    if unc is not None:
        _uncertainty_sheet(unc, est)
        unc.finish()
    if scen is not None:
        _scenarios_sheet(scen, est)
        scen.finish(title_rows="1:1")
    if plat is not None:
        end = _platforms_sheet(plat, est)
        plat.finish(last_row=end, title_rows="1:1")
    _findings_sheet(findings, est)
    findings.finish()

    buf = io.BytesIO()
    wb.save(buf)
    sheet_part = f"xl/worksheets/sheet{wb.worksheets.index(vms.ws) + 1}.xml"
    _splice_rows(buf, path, sheet_part, est.vms, vm_rows)


def _summary_sheet(sh: _Sheet, est: Estimate) -> tuple[int, int] | None:
    cur = est.currency
    inv, fit, now, tgt, m = est.inventory, est.fit, est.current, est.target, est.money
    q = est.quality.overall
    sh.widths([36, 17, 17, 38])
    sh.ws.sheet_view.showGridLines = False
    sh.title(f"Containerisation estimate: {est.name}")
    # Wrapped by hand: a write-only sheet cannot merge cells, and the page is A-D wide.
    for line in est.insights.headline:
        _paragraph(sh, line, gap=True)
    _page_one(sh, est)
    sh.append([])
    sh.header(["Figure", "Value", "Meaning", ""])
    rows: list[tuple[str, Any, str, str]] = [
        ("VMs read", inv.vms_total, "count", "after rejected rows"),
        ("VMs in scope", inv.vms_in_scope, "count", ""),
        ("VMs that become containers", fit.vms_moving, "count", ""),
        ("VMs that stay VMs", fit.vms_staying, "count",
         "infrastructure role or desktop, no fit or insufficient data"),
        ("VMs to retire", fit.vms_retiring, "count", "idle or zombie, or with the platform"),
        ("Hosts today", now.hosts, "count",
         "some inferred from assumptions" if now.hosts_inferred
         else "read from the inventory"),
        ("VMs per host today", now.vms_per_host, "dec", ""),
        ("Container nodes", tgt.nodes, "count", "HA spares included"),
        ("Proven lower bound on nodes", tgt.nodes_lower_bound, "count", ""),
        ("Workloads per node", tgt.workloads_per_node, "dec", ""),
        (f"Yearly cost today [{cur}]", m.annual_before, "money", ""),
        (f"Yearly cost after [{cur}]", m.annual_after, "money", "staying VMs included"),
        (f"Yearly savings [{cur}]", m.annual_savings, "money", ""),
    ]
    if est.uncertainty is not None:
        p = est.uncertainty.annual_savings
        rows += [
            (f"Yearly savings P10 [{cur}]", p.p10, "money", "Monte Carlo"),
            (f"Yearly savings P90 [{cur}]", p.p90, "money", "Monte Carlo"),
            ("Chance of positive savings", est.uncertainty.probability_positive_savings, "pct",
             f"{fmt.count(est.uncertainty.draws)} draws"),
        ]
    ranged = {"one_off": est.uncertainty.one_off_migration, "npv": est.uncertainty.npv} \
        if est.uncertainty is not None else {}
    rows += [
        (f"One-off migration [{cur}]", m.one_off_migration, "money",
         _p10_p90(ranged.get("one_off"), cur)),
        ("Payback [months]", m.payback_months, "months",
         "" if m.payback_months is not None
         else f"never: does not pay back within {m.horizon_years} years"),
        (f"Net present value [{cur}]", m.npv, "money", f"over {m.horizon_years} years"
         + (f"; {_p10_p90(ranged['npv'], cur)}" if "npv" in ranged else "")),
        ("Usage data coverage", q.usage_share, "pct", "in-scope VMs with usage"),
        ("Confidence [stars of 5]", est.quality.confidence_stars, "count",
         fmt.stars(est.quality.confidence_stars)),
        ("End of support judged on", est.as_of.isoformat(), "text", ""),
    ]
    for label, value, kind, meaning in rows:
        note = sh.cell(meaning)
        note.alignment = _INDENT  # clear of the right-aligned figure beside it
        sh.append([sh.cell(label), sh.cell(value, kind), note])
    sh.append([])
    sh.header(["Capacity today and after", "Physical cores", "Memory [GiB]", ""])
    for r in est.insights.capacity:
        note = sh.cell(r.note)
        note.alignment = Alignment(horizontal="left", wrap_text=True, vertical="top", indent=1)
        sh.append([sh.cell(r.figure), sh.cell(r.cores, "count"),
                   sh.cell(r.memory_gib, "count"), note])
    if est.insights.contract_prices:
        sh.append([])
        sh.header(["Replace these with your contract prices", "NPV moves by", "Value used",
                   "Key (--set KEY=VALUE)"])
        for c in est.insights.contract_prices:
            sh.append([sh.cell(c.label, wrap=True), sh.cell(c.swing, "money"),
                       sh.cell(f"{fmt.quantity(c.value)} {c.unit}", wrap=True),
                       sh.cell(c.key, wrap=True)])
    counts = fit.counts
    if not counts:
        return None
    sh.append([])
    sh.header(["Fit level", "VMs"])
    first = sh.row
    for lv in _levels(est):
        sh.append([sh.cell(fmt.fit_label(lv)), sh.cell(counts[lv], "count")])
    return first, sh.row


# Characters of a Summary line: columns A-D are 108 digits wide, about 120 characters of
# text, so text wrapped by hand at this length stays on the page (no merged cells here).
_LINE = 110


def _paragraph(sh: _Sheet, text: str, *, indent: str = "", font: Font | None = None,
               gap: bool = False) -> None:
    """`text` over as many rows as it takes, never splitting a money figure; `gap` puts a
    thin empty row before it, so paragraphs read apart."""
    if gap and sh.row > 1:
        sh.ws.row_dimensions[sh.row + 1].height = 5
        sh.append([])
    pieces = textwrap.wrap(_keep_together(text), _LINE, initial_indent=indent,
                           subsequent_indent=" " * len(indent))
    for piece in pieces:
        sh.append([sh.cell(piece.replace("\u00a0", " "), font=font)])


def _page_one(sh: _Sheet, est: Estimate) -> None:
    """The key assumptions and the next steps, as on the first page of the HTML report."""
    ins = est.insights
    if ins.key_assumptions:
        sh.append([])
        sh.append([sh.cell("Key assumptions", font=_SECTION_FONT)])
        for a in ins.key_assumptions:
            _paragraph(sh, f"{a.topic}: {a.text} (source: {a.source})", indent="• ")
    if ins.next_steps:
        sh.append([])
        sh.append([sh.cell("Next steps", font=_SECTION_FONT)])
        for i, step in enumerate(ins.next_steps, 1):
            _paragraph(sh, step, indent=f"{i}. ")


def _keep_together(text: str) -> str:
    """Non-breaking spaces inside money figures, so wrapping never splits `USD 1.02 M`."""
    text = re.sub(r"(?<=\d) (?=[kMB]\b)", "\u00a0", text)
    return re.sub(r"\b([A-Z]{3}) (?=-?\d)", "\\1\u00a0", text)


def _axis_text(size: int) -> RichText:
    """Axis tick labels at `size` hundredths of a point."""
    props = CharacterProperties(sz=size)
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props)])


def _chart_title(text: str) -> Title:
    """A chart title in 12 pt bold (the default 18 pt crowds a small chart)."""
    props = CharacterProperties(sz=1200, b=True)
    para = Paragraph(pPr=ParagraphProperties(defRPr=props), r=[RegularTextRun(rPr=props, t=text)])
    return Title(tx=Text(rich=RichText(p=[para])), overlay=False)


def _costs_sheet(sh: _Sheet, est: Estimate) -> dict[str, tuple[int, int]]:
    cf = est.cash_flow
    cols = [k for k, _ in CASH_FLOW_COLUMNS if k in cf]
    # The chart draws what the move costs below the axis, as the HTML chart does; a chart
    # cannot negate a range, so the negated outflows sit in hidden columns after the table
    # (columns are declared before the first row of a write-only sheet). They are wide
    # enough that their headings do not make the header row taller.
    drawn = [(k, name) for k, name, _ in CASH_OUTFLOWS if k in cols]
    if "savings" in cols and (cf["savings"].astype(float) < 0).any():
        # a year that costs more than today: its savings drawn below the axis, apart
        gain = [("savings_gain", "Savings")] if (cf["savings"].astype(float) > 0).any() else []
        drawn = [*gain, ("savings_loss", EXTRA_RUNNING[0]), *drawn]
    sh.widths([28] + [18] * (max(len(cols), 4) - 1) + [24] * len(drawn))
    sh.ws.freeze_panes = "A2"
    refs: dict[str, tuple[int, int]] = {}
    for i in range(len(cols) + 1, len(cols) + len(drawn) + 1):
        sh.ws.column_dimensions[get_column_letter(i)].hidden = True
    c = est.costs
    if not c.empty:
        table = c[["category", "annual_before", "annual_after", "annual_savings"]]
        refs["costs"] = _table(sh, table, headings=["Category", "Today", "After", "Savings"],
                               kinds={"category": "text", "annual_before": "money",
                                      "annual_after": "money", "annual_savings": "money"})
        sh.ws.auto_filter.ref = f"A1:D{refs['costs'][1]}"
        m = est.money
        sh.append([sh.cell("Total", font=_HEADER_FONT)]
                  + [sh.cell(v, "money", font=_HEADER_FONT)
                     for v in (m.annual_before, m.annual_after, m.annual_savings)])
    if not cf.empty:
        sh.append([])
        sh.append([sh.cell("Cash flow by year", font=_TITLE_FONT)])
        heads = dict(CASH_FLOW_COLUMNS)
        table = cf[cols].assign(**{f"chart_{k}": _chart_values(cf, k) for k, _ in drawn})
        refs["cash_flow"] = _table(
            sh, table, headings=[heads[k] for k in cols] + [f"{n} (chart)" for _, n in drawn],
            kinds={k: "count" if k == "year" else "money" for k in table.columns},
            wrap_header=True)
        sh.note("Cost after leaves out owned servers: they are under New servers, in the year "
                "they are bought and again when written off. Net = cost of staying − cost "
                "after − dual running − new servers − migration.")
        refs["cash_flow_cols"] = tuple(cols)  # type: ignore[assignment]
        refs["cash_flow_drawn"] = tuple(drawn)  # type: ignore[assignment]
    return refs


def _chart_values(cf: pd.DataFrame, key: str) -> pd.Series:
    """A hidden chart column of the cash flow: outflows negated, savings split at zero."""
    if key == "savings_gain":
        return cf["savings"].astype(float).clip(lower=0)
    if key == "savings_loss":
        return cf["savings"].astype(float).clip(upper=0)
    return -cf[key].astype(float)


def _fill(series: Any, colour: str) -> None:
    """Colour a series (or data point) as the HTML report colours it."""
    series.graphicalProperties.solidFill = colour.lstrip("#")
    series.graphicalProperties.line.solidFill = colour.lstrip("#")


def _point_colours(series: Any, colours: Sequence[str]) -> None:
    """One colour per bar of a single-series chart (by category or fit level)."""
    series.invertIfNegative = False
    for i, colour in enumerate(colours):
        point = DataPoint(idx=i)
        _fill(point, colour)
        series.dPt.append(point)


# Summary rows per chart, and charts per printed page.
_CHART_ROWS = 18
_CHARTS_PER_PAGE = 3


def _charts(sh: _Sheet, costs: _Sheet, est: Estimate, refs: dict[str, Any],
            fit_ref: tuple[int, int] | None) -> int:
    """The Summary's native charts, in the HTML report's colours; returns the last row they
    cover."""
    cur = est.currency
    # Charts go under the figures, one per 18 rows, as wide as columns A-C.
    below = (fit_ref[1] if fit_ref is not None else sh.row) + 2
    anchors = iter(f"A{below + _CHART_ROWS * i}" for i in range(6))
    # Print: the charts start on a new page, three to a page, never cut by a page break.
    for i in range(0, 6, _CHARTS_PER_PAGE):
        sh.ws.row_breaks.append(Break(id=below - 1 + _CHART_ROWS * i))
    scale = _axis_format(est)
    drawn = 0
    if "costs" in refs:
        head, last = refs["costs"]
        chart = BarChart()
        chart.type = "col"
        chart.grouping = "stacked"
        chart.overlap = 100
        chart.title = _chart_title("Yearly cost before and after, by category")
        chart.y_axis.title = f"{cur} per year"
        chart.y_axis.number_format = scale
        chart.add_data(Reference(costs.ws, min_col=1, max_col=3, min_row=head + 1,
                                 max_row=last), from_rows=True, titles_from_data=True)
        chart.set_categories(Reference(costs.ws, min_col=2, max_col=3, min_row=head))
        for series, category in zip(chart.series, est.costs["category"], strict=False):
            _fill(series, category_colour(str(category)))
        _size(chart)
        sh.ws.add_chart(chart, next(anchors))
        drawn += 1

        chart = BarChart()
        chart.type = "bar"
        chart.title = _chart_title("Yearly savings by category")
        chart.x_axis.txPr = _axis_text(800)  # thirteen category names, every one shown
        chart.x_axis.title = None
        chart.x_axis.tickLblPos = "low"  # category names clear of negative bars
        chart.y_axis.title = f"{cur} per year"
        chart.y_axis.number_format = scale
        chart.add_data(Reference(costs.ws, min_col=4, min_row=head, max_row=last),
                       titles_from_data=True)
        chart.set_categories(Reference(costs.ws, min_col=1, min_row=head + 1, max_row=last))
        chart.legend = None
        _point_colours(chart.series[0], [SAVING if float(v) >= 0 else NEW_COST
                                         for v in est.costs["annual_savings"]])
        _size(chart)
        sh.ws.add_chart(chart, next(anchors))
        drawn += 1
    if "cash_flow" in refs:
        head, last = refs["cash_flow"]
        cols = list(refs["cash_flow_cols"])
        bar = BarChart()
        bar.title = _chart_title("Cash flow by year")
        bar.y_axis.title = cur
        bar.y_axis.number_format = scale
        bar.x_axis.tickLblPos = "low"
        # savings above the axis, what the move costs below it (hidden, negated columns)
        bar.grouping = "stacked"
        bar.overlap = 100
        bar.visible_cells_only = False
        # the hidden columns after the table, in the order _costs_sheet wrote them
        colours = {c: colour for c, _, colour in CASH_OUTFLOWS} | {
            "savings_gain": GREEN, "savings_loss": EXTRA_RUNNING[1]}
        hidden = list(refs["cash_flow_drawn"])
        series = [("savings", "Savings", cols.index("savings") + 1, GREEN)] \
            if "savings" in cols and not {"savings_gain", "savings_loss"} & {k for k, _ in hidden} \
            else []
        series += [(c, name, len(cols) + 1 + i, colours[c])
                   for i, (c, name) in enumerate(hidden)]
        for _key, name, col, colour in series:
            bar.add_data(Reference(costs.ws, min_col=col, min_row=head + 1, max_row=last))
            bar.series[-1].tx = SeriesLabel(v=name)
            _fill(bar.series[-1], colour)
        if "year" in cols:
            bar.set_categories(Reference(costs.ws, min_col=1, min_row=head + 1, max_row=last))
        if "cumulative" in cols:
            line = LineChart()
            col = cols.index("cumulative") + 1
            line.add_data(Reference(costs.ws, min_col=col, min_row=head, max_row=last),
                          titles_from_data=True)
            for series in line.series:
                series.smooth = False
                series.graphicalProperties.line.solidFill = BLUE.lstrip("#")
            line.x_axis.delete = False
            line.y_axis.delete = False
            bar += line
        _size(bar)
        sh.ws.add_chart(bar, next(anchors))
        drawn += 1
    if fit_ref is not None:
        head, last = fit_ref
        chart = BarChart()
        chart.type = "bar"  # level names read across, as in the HTML report
        chart.title = _chart_title("In-scope VMs by fit level")
        chart.y_axis.title = "VMs"
        chart.x_axis.scaling.orientation = "maxMin"  # first level at the top
        chart.add_data(Reference(sh.ws, min_col=2, min_row=head, max_row=last),
                       titles_from_data=True)
        chart.set_categories(Reference(sh.ws, min_col=1, min_row=head + 1, max_row=last))
        chart.legend = None
        _point_colours(chart.series[0], [FIT_COLOURS.get(lv, GREY) for lv in _levels(est)])
        _size(chart)
        sh.ws.add_chart(chart, next(anchors))
        drawn += 1
    return below + _CHART_ROWS * drawn


def _levels(est: Estimate) -> list[str]:
    """Fit levels in report order (the Summary's fit table and its chart)."""
    counts = est.fit.counts
    return [lv for lv in FIT_LEVELS if lv in counts] + [lv for lv in counts
                                                        if lv not in FIT_LEVELS]


def _axis_format(est: Estimate) -> str:
    """A compact money axis format: thousands or millions, like the HTML charts."""
    big = max(abs(est.money.annual_before), abs(est.money.one_off_migration))
    return '#,##0.0,,"M"' if big >= 1e6 else '#,##0,"k"'


def _size(chart: Any) -> None:
    chart.width = 16.0
    chart.height = 8.0
    # openpyxl >= 3.1 hides axes unless told otherwise.
    for axis in (chart.x_axis, chart.y_axis):
        axis.delete = False


# The Node pools sheet: (column, heading, kind).
POOL_SHEET_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("pool", "Pool", "text"), ("os_family", "OS family", "text"),
    ("node_type", "Node type", "text"), ("node_cores", "Node cores", "count"),
    ("node_memory_gib", "Node memory [GiB]", "count"), ("nodes", "Nodes", "count"),
    ("spare_nodes", "Spare nodes", "count"), ("nodes_lower_bound", "Lower bound", "count"),
    ("workloads", "Workloads", "count"), ("pods", "Pods", "count"),
    ("cpu_request_cores", "CPU requests [cores]", "dec"),
    ("memory_request_gib", "Memory requests [GiB]", "dec"),
    ("allocatable_cpu_cores", "Allocatable CPU per node [cores]", "dec2"),
    ("allocatable_memory_gib", "Allocatable memory per node [GiB]", "dec"),
    ("cpu_allocatable_util", "CPU requests / allocatable", "pct"),
    ("memory_allocatable_util", "Memory requests / allocatable", "pct"),
    ("annual_cost", "Yearly cost", "money"),
)


def _pools_sheet(sh: _Sheet, est: Estimate) -> None:
    p = est.pools
    sh.ws.freeze_panes = "A2"
    if p.empty:
        sh.widths([60])
        sh.note("No workloads move, so no node pools are needed.")
        return
    cols = [c for c, _, _ in POOL_SHEET_COLUMNS]
    longest = max(len(str(x)) for x in p["pool"])
    sh.widths([max(14, min(40, 2 + longest)) if c == "pool" else max(13, min(22, len(h) // 2 + 5))
               for c, h, _ in POOL_SHEET_COLUMNS])
    _, last = _table(sh, p[cols], headings=[h for _, h, _ in POOL_SHEET_COLUMNS],
                     kinds={c: k for c, _, k in POOL_SHEET_COLUMNS}, wrap_header=True)
    sh.ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{last}"


def _assumptions_sheet(sh: _Sheet, est: Estimate) -> None:
    t = est.assumption_table
    sh.ws.freeze_panes = "B2"
    cols = ["key", "value", "low", "high", "unit", "description", "source", "changed"]
    heads = ["Key", "Value", "Low", "High", "Unit", "Meaning", "Source", "Changed?"]
    sh.widths([40, 24, 10, 10, 18, 80, 80, 10])
    if t is None or t.empty:
        sh.header(heads)
        return
    t = t.reindex(columns=cols)
    t["changed"] = t["changed"].map(lambda x: "changed" if bool(x) is True
                                    and not pd.isna(x) else "")
    _, last = _table(sh, t, headings=heads,
                     kinds={c: "text" for c in ("key", "unit", "description", "source",
                                                "changed")} | {"value": "dec_any",
                                                               "low": "dec_any",
                                                               "high": "dec_any"},
                     wrap=("key", "value", "unit", "description", "source"))
    sh.ws.auto_filter.ref = f"A1:H{last}"


def _quality_sheet(sh: _Sheet, est: Estimate) -> None:
    q, o = est.quality, est.quality.overall
    # one sheet, several tables: column F holds the problems' messages, so it is wide
    sh.widths([30, 40, 30, 14, 16, 60, 12, 24, 12, 12])
    sh.title("Data quality and confidence")
    for label, value, kind in (
        ("Confidence [stars of 5]", q.confidence_stars, "count"),
        ("Why", q.confidence_reason, "text"),
        ("Usage data coverage", o.usage_share, "pct"),
        ("Rows rejected", o.rows_dropped, "count"),
        ("Duplicate VMs dropped", o.duplicates, "count"),
        ("VMs moved sized from allocation", est.target.sizing_fallbacks, "count"),
    ):
        sh.append([sh.cell(label, font=_HEADER_FONT), sh.cell(value, kind)])
    for tip in q.raise_confidence:
        sh.append([sh.cell("To raise it", font=_HEADER_FONT), sh.cell(tip)])
    for what, counts in (("CPU", q.cpu_basis), ("Memory", q.memory_basis)):
        for basis, n in counts.items():
            sh.append([sh.cell(f"{what} sized from: {fmt.BASIS_LABELS.get(basis, basis)}",
                               font=_HEADER_FONT, wrap=True), sh.cell(n, "count")])
    for reason, n in est.inventory.excluded.items():
        what = fmt.EXCLUSION_LABELS.get(reason, fmt.label(reason).lower())
        sh.append([sh.cell(f"Excluded: {what}", font=_HEADER_FONT, wrap=True),
                   sh.cell(n, "count")])
    sh.append([])
    sh.append([sh.cell("Files read", font=_TITLE_FONT)])
    files = pd.DataFrame([{
        "file": f.file, "format": f.format, "rows_read": f.rows_read, "vms_kept": f.vms_kept,
        "rows_dropped": f.rows_dropped, "duplicates": f.duplicates,
        "imputed_fields": f.imputed_fields, "unmapped": ", ".join(f.unmapped_columns),
        "usage_share": f.usage_share, "stars": f.confidence_stars} for f in q.files])
    if len(files):
        _table(sh, files, headings=["File", "Format", "Rows read", "VMs kept", "Rows rejected",
                                    "Duplicates", "Fields imputed", "Columns not used",
                                    "Usage data", "Stars"],
               kinds={"file": "text", "format": "text", "unmapped": "text",
                      "usage_share": "pct", "stars": "count"}, wrap=("file", "unmapped"),
               wrap_header=True)
    if q.problems:
        sh.append([])
        sh.append([sh.cell(f"Problems met while reading ({fmt.count(len(q.problems))})",
                           font=_TITLE_FONT)])
        shown = q.problems[:MAX_PROBLEM_ROWS]
        table = pd.DataFrame([{"kind": fmt.label(p.kind), "file": p.file, "sheet": p.sheet,
                               "row": p.row,
                               "column": fmt.column_label(p.column) if p.column else None,
                               "message": p.message} for p in shown])
        _table(sh, table, headings=["Kind", "File", "Sheet", "Row", "Column", "What"],
               kinds={"kind": "text", "file": "text", "sheet": "text", "row": "count",
                      "column": "text", "message": "text"},
               wrap=("file", "sheet", "column", "message"))
        if len(q.problems) > MAX_PROBLEM_ROWS:
            sh.note(f"…and {len(q.problems) - MAX_PROBLEM_ROWS:,} more not listed.")
    if est.notes:
        sh.append([])
        sh.append([sh.cell("Notes", font=_TITLE_FONT)])
        for note in est.notes:
            sh.append([sh.cell(note)])


def _p10_p90(p: Any, currency: str) -> str:
    """'P10–P90: USD 1.4–3.3 M' for the meaning column, '' without a range."""
    return "" if p is None else f"P10–P90: {fmt.money_range(p.p10, p.p90, currency)}"


def _uncertainty_sheet(sh: _Sheet, est: Estimate) -> None:
    u = est.uncertainty
    assert u is not None
    sh.widths([44, 40, 22, 16, 16, 18, 18, 18])
    sh.title(f"Monte Carlo: {fmt.count(u.draws)} draws, "
             f"{fmt.label(u.distribution).lower()} distributions, seed {u.seed}")
    sh.header(["Figure", "Point estimate", "P10", "P50", "P90", "Note"])
    for r in est.ranges:
        values = (r.point, r.p10, r.p50, r.p90)
        note = ""
        if r.kind == "months" and any(v is None for v in values):
            # blank payback cells stay blank numbers; the label says what blank means
            never = [n for n, v in zip(("point", "P10", "P50", "P90"), values, strict=True)
                     if v is None]
            note = f"never within {est.money.horizon_years} years: {', '.join(never)}"
        label = f"{r.figure} [months]" if r.kind == "months" else r.figure
        sh.append([sh.cell(label)] + [sh.cell(v, r.kind) for v in values] + [sh.cell(note)])
    sh.append([sh.cell("Chance of positive savings"),
               sh.cell(u.probability_positive_savings, "pct")])
    t = u.tornado_frame
    if not t.empty:
        sh.append([])
        sh.append([sh.cell("Sensitivity (tornado), largest swing first", font=_TITLE_FONT)])
        cols = [c for c in ("key", "label", "unit", "low_value", "high_value", "low_savings",
                            "high_savings", "swing") if c in t]
        t = t.assign(label=t["label"].map(assumption_label)) if "label" in t else t
        heads = {"key": "Key", "label": "Assumption", "unit": "Unit", "low_value": "Low value",
                 "high_value": "High value", "low_savings": "Savings at low",
                 "high_savings": "Savings at high", "swing": "Swing"}
        _table(sh, t[cols], headings=[heads[c] for c in cols],
               kinds={"key": "text", "label": "text", "unit": "text", "low_value": "dec_any",
                      "high_value": "dec_any", "swing": "money"},
               wrap=("key", "label", "unit"), wrap_header=True)


# The Scenarios sheet: (column, heading, kind).
SCENARIO_SHEET_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("name", "Scenario", "text"), ("vms_moving", "VMs moving", "count"),
    ("nodes", "Nodes", "count"), ("nodes_lower_bound", "Lower bound", "count"),
    ("annual_before", "Yearly cost today", "money"), ("annual_after", "Yearly cost after", "money"),
    ("annual_savings", "Yearly savings", "money"),
    ("one_off_migration", "One-off migration", "money"),
    ("payback_months", "Payback [months]", "months"), ("npv", "NPV", "money"),
    ("savings_p10", "Savings P10", "money"), ("savings_p90", "Savings P90", "money"),
)


def _scenarios_sheet(sh: _Sheet, est: Estimate) -> None:
    sc = est.scenarios
    assert sc is not None
    sh.ws.freeze_panes = "B2"
    cols = [c for c, _, _ in SCENARIO_SHEET_COLUMNS]
    sh.widths([30] + [18] * (len(cols) - 1))
    _, last = _table(sh, sc[cols], headings=[h for _, h, _ in SCENARIO_SHEET_COLUMNS],
                     kinds={c: k for c, _, k in SCENARIO_SHEET_COLUMNS})
    sh.ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{last}"


# The Platforms sheet: (column, heading, kind).
PLATFORM_SHEET_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("name", "Platform", "text"), ("nodes_on", "Nodes on", "text"),
    ("nodes", "Nodes (hosts for VMs)", "count"), ("node_cores", "Node cores", "count"),
    ("vms_moving", "VMs moving", "count"), ("annual_before", "Yearly cost today", "money"),
    ("annual_after", "Yearly cost after", "money"),
    ("annual_savings", "Yearly savings", "money"),
    ("savings_beyond_rightsizing", "Beyond right-sizing", "money"),
    ("one_off_migration", "One-off migration", "money"),
    ("payback_months", "Payback [months]", "months"), ("npv", "NPV", "money"),
    ("description", "What it assumes", "text"),
)


def _platforms_sheet(sh: _Sheet, est: Estimate) -> int:
    """The platforms table and its chart; returns the last row the chart covers."""
    pf = est.platforms
    assert pf is not None
    sh.ws.freeze_panes = "B2"
    cols = [c for c, _, _ in PLATFORM_SHEET_COLUMNS]
    sh.widths([24, 12, 12, 12, 12, 18, 18, 18, 18, 18, 14, 18, 80])
    head, last = _table(sh, pf[cols], headings=[h for _, h, _ in PLATFORM_SHEET_COLUMNS],
                        kinds={c: k for c, _, k in PLATFORM_SHEET_COLUMNS}, wrap_header=True)
    sh.ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{last}"
    chart = BarChart()
    chart.type = "col"
    chart.title = _chart_title("Yearly savings and cost after, by platform")
    chart.y_axis.title = f"{est.currency} per year"
    chart.y_axis.number_format = _axis_format(est)
    for key, colour in (("annual_after", GREY), ("annual_savings", GREEN)):
        col = cols.index(key) + 1
        chart.add_data(Reference(sh.ws, min_col=col, min_row=head, max_row=last),
                       titles_from_data=True)
        _fill(chart.series[-1], colour)
    chart.set_categories(Reference(sh.ws, min_col=1, min_row=head + 1, max_row=last))
    _size(chart)
    sh.ws.add_chart(chart, f"A{last + 3}")
    return last + 3 + _CHART_ROWS


def _findings_sheet(sh: _Sheet, est: Estimate) -> None:
    """Security findings, why VMs stay, and the OS support table (as in the HTML report)."""
    ins = est.insights
    sh.widths([34, 70, 14, 14])
    sh.title("Security considerations for this estate")
    for f in ins.security:
        sh.append([sh.cell(f.title, font=_HEADER_FONT), sh.cell(f.text, wrap=True)])
    sh.append([])
    sh.append([sh.cell("Which VMs move, stay or retire", font=_TITLE_FONT)])
    sh.header(["Outcome", "Most common reasons", "VMs"])
    for outcome, n in est.fit.outcomes.items():
        reasons = [r for r in est.fit.outcome_reasons if r.outcome == outcome]
        text = "; ".join(f"{r.fit_reason} ({fmt.count(r.vms)})" for r in reasons) or fmt.DASH
        sh.append([sh.cell(fmt.OUTCOME_LABELS.get(outcome, outcome), font=_HEADER_FONT),
                   sh.cell(text, wrap=True), sh.cell(n, "count")])
    sh.append([])
    sh.append([sh.cell("VMs that stay VMs, and why", font=_TITLE_FONT)])
    if ins.staying_by_reason:
        table = pd.DataFrame([{"level": fmt.fit_label(r.fit_level), "reason": r.reason,
                               "vms": r.vms} for r in ins.staying_by_reason])
        _table(sh, table, headings=["Fit level", "Reason", "VMs"],
               kinds={"level": "text", "reason": "text", "vms": "count"})
    else:
        sh.note("Every in-scope VM moves.")
    sh.append([])
    sh.append([sh.cell("Operating systems and end of support", font=_TITLE_FONT)])
    if ins.os_support:
        table = pd.DataFrame([r.model_dump() for r in ins.os_support])
        _table(sh, table, headings=["OS", "Supported VMs", "End-of-support VMs", "VMs"],
               kinds={"product": "text"})


# -- the VMs sheet ---------------------------------------------------------------------------
def _vms_header(sh: _Sheet, est: Estimate) -> list[tuple[str, str, str, int | None]]:
    """Write the header, widths, pane and filter; return (column, letter, kind, style) rows."""
    vms = est.vms
    cols = [(c, h, k) for c, h, k in VM_COLUMNS if c in vms.columns]
    sh.widths([_WIDE_TEXT.get(c, _WIDTHS[k]) for c, _, k in cols])
    sh.ws.freeze_panes = "B2"
    n = len(vms)
    last_col = get_column_letter(max(1, len(cols)))
    sh.ws.auto_filter.ref = f"A1:{last_col}{n + 1}"
    sh.header([h for _, h, _ in cols])
    out = []
    for i, (c, _, k) in enumerate(cols, 1):
        style = None
        number_format = sh.formats.get(k)
        if number_format:
            probe = WriteOnlyCell(sh.ws, value=0)
            probe.number_format = number_format
            style = probe.style_id  # registers the format in the workbook's styles
        out.append((c, get_column_letter(i), k, style))
    return out


def _splice_rows(buf: io.BytesIO, path: Path, sheet_part: str, vms: pd.DataFrame,
                 cols: list[tuple[str, str, str, int | None]]) -> None:
    """Copy the package in `buf` to `path`, adding the VM rows to `sheet_part`'s sheetData."""
    columns = []
    for c, letter, kind, style in cols:
        if kind == "text" and c in VM_LABELS:
            text = vms[c].astype("string")
            columns.append(xlsxsheet.column(text.map(VM_LABELS[c]).fillna(text), letter,
                                            "text"))
        elif kind == "text":
            columns.append(xlsxsheet.column(vms[c], letter, "text"))
        elif kind == "bool":
            columns.append(xlsxsheet.column(vms[c], letter, "bool"))
        else:  # every other kind is a number with its format's style
            num = pd.to_numeric(vms[c], errors="coerce").astype("float64")
            columns.append(xlsxsheet.column(num, letter, "number", style))
    xlsxsheet.splice(buf.getvalue(), path, {sheet_part: xlsxsheet.sheet_rows(columns, 2)})
