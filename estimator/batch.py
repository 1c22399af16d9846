"""Batch runs: find the inventories, estimate each on its own, and compare them.

    >>> items, notes = expand_inputs(["exports/"], Path("reports/batch"))   # doctest: +SKIP
    >>> rows = run_batch(items, assumptions, out_dir=Path("reports/batch"))  # doctest: +SKIP
    >>> write_text_atomic(Path("summary.csv"), summary_csv(rows))           # doctest: +SKIP
"""

from __future__ import annotations

import csv
import glob
import io
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from estimator import formatting as fmt
from estimator.anonymise import anonymise_estimate
from estimator.assumptions import Assumptions
from estimator.errors import EstimatorError, InputError
from estimator.inventory import Limits, read_inventory
from estimator.inventory.tabular import RVTOOLS_CSV_RE
from estimator.model import Estimate
from estimator.pipeline import estimate
from estimator.report.atomic import write_atomic
from estimator.report.outputs import plan_outputs, slug, write_outputs

INVENTORY_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".tsv", ".txt"})
# (column, heading, kind) of summary.csv / summary.xlsx. Money is yearly, full precision.
SUMMARY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("file", "File", "text"),
    ("vms", "VMs", "count"),
    ("vms_in_scope", "In scope", "count"),
    ("vms_moving", "Moving", "count"),
    ("nodes", "Nodes", "count"),
    ("nodes_lower_bound", "Lower bound", "count"),
    ("annual_before", "Yearly cost before", "money"),
    ("annual_after", "Yearly cost after", "money"),
    ("annual_savings", "Yearly savings", "money"),
    ("savings_p10", "Savings P10", "money"),
    ("savings_p90", "Savings P90", "money"),
    ("payback_months", "Payback months", "months"),
    ("npv", "NPV", "money"),
    ("currency", "Currency", "text"),
    ("status", "Status", "text"),
    ("error", "Error", "text"),
)


@dataclass(frozen=True)
class Item:
    """One inventory of the batch: a file, or a folder of RVTools CSV tabs."""

    path: Path
    display: str


def expand_inputs(inputs: Sequence[str], out_dir: Path) -> tuple[list[Item], list[str]]:
    """Inventories from files, folders and globs; plus notes on what was skipped."""
    items: list[Item] = []
    notes: list[str] = []
    out_resolved = out_dir.resolve()
    for raw in inputs:
        path = Path(raw)
        if not path.exists() and glob.has_magic(raw):
            matches = sorted(Path(m) for m in glob.glob(raw))
            if not matches:
                raise InputError("the pattern matches no file", file=raw)
            items += [Item(m, m.name) for m in matches if _is_inventory(m, notes, out_resolved)]
        elif not path.exists():
            raise InputError("no such file or folder", file=raw)
        elif path.is_dir() and not is_csv_export(path):
            children = sorted(path.iterdir())
            found = [c for c in children if _is_inventory(c, notes, out_resolved)]
            if not found:
                raise InputError("the folder holds no inventory files", file=raw)
            items += [Item(c, c.name) for c in found]
        else:
            items.append(Item(path, path.name))
    unique = list({i.path.resolve(): i for i in items}.values())
    return unique, notes


def is_csv_export(folder: Path) -> bool:
    """True for a folder of RVTools per-tab CSV files (one inventory, not many)."""
    return any(RVTOOLS_CSV_RE.match(c.name) for c in folder.iterdir() if c.is_file())


def _is_inventory(path: Path, notes: list[str], out_dir: Path) -> bool:
    if path.name.startswith((".", "~$")):
        return False
    if path.resolve() == out_dir or out_dir in path.resolve().parents:
        return False  # our own reports from an earlier run
    if path.is_dir():
        if is_csv_export(path):
            return True
        notes.append(f"skipped folder {path.name}: no RVTools_tab*.csv files")
        return False
    if path.suffix.lower() in INVENTORY_SUFFIXES:
        return True
    notes.append(f"skipped {path.name}: not a spreadsheet or CSV file")
    return False


def summary_row(display: str, est: Estimate | None, error: str | None) -> dict[str, Any]:
    """One row of summary.csv: the headline figures of an estimate, or the error."""
    row: dict[str, Any] = {c: None for c, _, _ in SUMMARY_COLUMNS}
    row["file"] = display
    if est is None:
        row.update(status="error", error=error)
        return row
    m = est.money
    row.update(
        vms=est.inventory.vms_total, vms_in_scope=est.inventory.vms_in_scope,
        vms_moving=est.fit.vms_moving, nodes=est.target.nodes,
        nodes_lower_bound=est.target.nodes_lower_bound,
        annual_before=m.annual_before, annual_after=m.annual_after,
        annual_savings=m.annual_savings, payback_months=m.payback_months, npv=m.npv,
        currency=est.currency, status="ok", error=None,
    )
    if est.uncertainty is not None:
        row["savings_p10"] = est.uncertainty.annual_savings.p10
        row["savings_p90"] = est.uncertainty.annual_savings.p90
    return row


def summary_csv(rows: list[dict[str, Any]]) -> str:
    """summary.csv text: one row per inventory; text that looks like a formula is neutralised."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([c for c, _, _ in SUMMARY_COLUMNS])
    for row in rows:
        writer.writerow(["" if fmt.is_missing(v) and not isinstance(v, str) else fmt.csv_safe(v)
                         for v in (row[c] for c, _, _ in SUMMARY_COLUMNS)])
    return buf.getvalue()


def text_cell(ws: Any, value: str, font: Font | None = None) -> WriteOnlyCell:
    """An xlsx cell that holds `value` as text, never as a formula (openpyxl reads '=' as one)."""
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


def write_summary_xlsx(rows: list[dict[str, Any]], path: Path) -> Path:
    """summary.xlsx: one row per inventory, money in its currency's format, text as text."""

    def write(tmp: Path) -> None:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Summary")
        bold = Font(bold=True)
        ws.append([text_cell(ws, head, bold) for _, head, _ in SUMMARY_COLUMNS])
        for row in rows:
            cells = []
            for col, _, kind in SUMMARY_COLUMNS:
                value = row[col]
                if isinstance(value, str) or kind == "text":
                    cells.append(text_cell(ws, "" if value is None else str(value)))
                    continue
                cell = WriteOnlyCell(ws, value=None if fmt.is_missing(value) else value)
                cell.number_format = {
                    "money": fmt.excel_money_format(row["currency"] or "USD"),
                    "count": fmt.EXCEL_COUNT, "months": fmt.EXCEL_DECIMAL}[kind]
                cells.append(cell)
            ws.append(cells)
        wb.save(tmp)

    return write_atomic(path, write)


@dataclass
class BatchOptions:
    """How every inventory of a batch is read, estimated and written."""

    out_dir: Path
    fmt_name: str | None = None
    mapping: Path | None = None
    json_out: bool = False
    no_html: bool = False
    no_xlsx: bool = False
    uncertainty: bool = True
    anonymise: bool = False
    limits: Limits | None = None
    debug: bool = False
    used: set[str] = field(default_factory=set)  # report names taken so far
    # Pseudonym mappings of the anonymised estimates so far (one file for the batch).
    mappings: list[pd.DataFrame] = field(default_factory=list)


def estimate_one(item: Item, n: int, assumptions: Assumptions, opts: BatchOptions,
                 say: Callable[[str], None]) -> tuple[Estimate | None, str | None]:
    """Read, estimate and write one inventory; a user error becomes the row's message."""
    try:
        inv = read_inventory([item.path], format=opts.fmt_name, mapping=opts.mapping,
                             limits=opts.limits)
        est = estimate(inv, assumptions, uncertainty=opts.uncertainty, progress=say)
        names = None
        if opts.anonymise:
            est, names = anonymise_estimate(est, first_file=n)
        base = slug(est.name)
        name, k = base, 1
        while name in opts.used:  # a.xlsx and a.csv would share a report name
            k += 1
            name = f"{base}-{k}"
        opts.used.add(name)
        outs = plan_outputs(
            name, out_dir=opts.out_dir, html=None, xlsx=None,
            json_out=str(opts.out_dir / f"{name}.json") if opts.json_out else None,
            no_html=opts.no_html, no_xlsx=opts.no_xlsx, mapping=None, inputs=(item.path,))
        write_outputs(est, outs, None, say)
        if names is not None:
            opts.mappings.append(names.assign(inventory=est.inputs[0])[
                ["inventory", *names.columns]])
        return est, None
    except EstimatorError as exc:
        return None, str(exc)
    except OSError as exc:
        return None, f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")
    except Exception as exc:  # a bug on one file must not lose the other estimates
        if opts.debug:
            traceback.print_exc()
        return None, f"internal error ({type(exc).__name__}: {exc}); rerun with --debug"


def batch_row(item: Item, n: int, est: Estimate | None, error: str | None,
              anonymise: bool) -> dict[str, Any]:
    """The summary row of one item, with original file names hidden when anonymising."""
    display = item.display
    if anonymise:
        display = est.inputs[0] if est is not None else f"inventory-{n}"
        if error:
            error = error.replace(str(item.path), display).replace(item.display, display)
    return summary_row(display, est, error)
