"""`estimator batch INPUT... --out-dir DIR`: one estimate per inventory, plus a comparison."""

from __future__ import annotations

import csv
import glob
import io
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from rich.table import Table

from estimator.assumptions import Assumptions, load_assumptions
from estimator.cli import estimate_cmd as ec
from estimator.cli._app import (
    _state,
    app,
    err_console,
    handles_errors,
    is_quiet,
    out_console,
    plain,
)
from estimator.errors import EstimatorError, InputError
from estimator.inventory import Limits
from estimator.inventory.tabular import RVTOOLS_CSV_RE
from estimator.model import Estimate
from estimator.report import formatting as fmt
from estimator.report.atomic import check_output_path, write_atomic, write_text_atomic

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
# Kept importable from here: the CSV cell rule lives with the other output formatting.
FORMULA_STARTS = fmt.FORMULA_STARTS
csv_safe = fmt.csv_safe


def text_cell(ws: Any, value: str, font: Font | None = None) -> WriteOnlyCell:
    """An xlsx cell that holds `value` as text, never as a formula (openpyxl reads '=' as one)."""
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


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
        elif path.is_dir() and not _is_csv_export(path):
            children = sorted(path.iterdir())
            found = [c for c in children if _is_inventory(c, notes, out_resolved)]
            if not found:
                raise InputError("the folder holds no inventory files", file=raw)
            items += [Item(c, c.name) for c in found]
        else:
            items.append(Item(path, path.name))
    unique = list({i.path.resolve(): i for i in items}.values())
    return unique, notes


def _is_csv_export(folder: Path) -> bool:
    return any(RVTOOLS_CSV_RE.match(c.name) for c in folder.iterdir() if c.is_file())


def _is_inventory(path: Path, notes: list[str], out_dir: Path) -> bool:
    if path.name.startswith((".", "~$")):
        return False
    if path.resolve() == out_dir or out_dir in path.resolve().parents:
        return False  # our own reports from an earlier run
    if path.is_dir():
        if _is_csv_export(path):
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
    s = est.summary
    row.update(
        vms=s["vms_total"], vms_in_scope=s["vms_in_scope"], vms_moving=s["vms_moving"],
        nodes=s["nodes"], nodes_lower_bound=s["nodes_lower_bound"],
        annual_before=s["annual_before"], annual_after=s["annual_after"],
        annual_savings=s["annual_savings"], payback_months=s["payback_months"], npv=s["npv"],
        currency=est.currency, status="ok", error=None,
    )
    if est.uncertainty is not None:
        row["savings_p10"] = est.uncertainty.annual_savings.p10
        row["savings_p90"] = est.uncertainty.annual_savings.p90
    return row


def summary_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([c for c, _, _ in SUMMARY_COLUMNS])
    for row in rows:
        writer.writerow(["" if fmt.is_missing(v) and not isinstance(v, str) else csv_safe(v)
                         for v in (row[c] for c, _, _ in SUMMARY_COLUMNS)])
    return buf.getvalue()


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


@app.command("batch")
@handles_errors
def batch(
    inputs: list[str] = typer.Argument(
        ..., help="Inventory files, folders of them, or quoted globs ('exports/*.xlsx')."),
    out_dir: Path = typer.Option(..., "--out-dir", "-o", help="Folder for every report and "
                                 "summary.csv / summary.xlsx."),
    preset: str | None = typer.Option(None, "--preset", "-p", help=ec.PRESET_HELP),
    files: list[Path] = typer.Option([], "--assumptions", "-a", help=ec.FILE_HELP),
    sets: list[str] = typer.Option([], "--set", help=ec.SET_HELP),
    fmt_name: str | None = typer.Option(None, "--format", help=ec.FORMAT_HELP),
    mapping: Path | None = typer.Option(None, "--mapping", help=ec.MAPPING_HELP),
    json_out: bool = typer.Option(False, "--json", help="Also write <name>.json per inventory."),
    no_html: bool = typer.Option(False, "--no-html", help="Do not write HTML reports."),
    no_xlsx: bool = typer.Option(False, "--no-xlsx", help="Do not write Excel workbooks."),
    no_uncertainty: bool = typer.Option(False, "--no-uncertainty",
                                        help=ec.NO_UNCERTAINTY_HELP),
    anonymise: bool = typer.Option(False, "--anonymise", help=ec.ANONYMISE_HELP),
    limit: list[str] = typer.Option([], "--limit", help=ec.LIMIT_HELP),
) -> None:
    """Estimate each inventory on its own and compare them in summary.csv and summary.xlsx.

    A failing inventory does not stop the batch: its summary row gives the error, and the
    exit code is 1.

    Example: estimator batch exports/ --out-dir reports/batch --preset conservative
    """
    items, notes = expand_inputs(inputs, out_dir)
    sources = tuple(i.path for i in items)
    ec.check_out_dir(out_dir, sources)
    for name in ("summary.csv", "summary.xlsx"):  # never over an input of that name
        check_output_path(out_dir / name, sources)
    assumptions = load_assumptions(preset, files, sets)
    limits = ec.parse_limits(limit)
    if not is_quiet() and notes:
        # Anonymised runs print no original file name, not even of skipped files.
        shown = [f"skipped {len(notes)} non-inventory file(s)"] if anonymise else notes
        for note in shown:
            err_console.print(f"Note: {note}", markup=False, highlight=False, soft_wrap=True)
    rows: list[dict[str, Any]] = []
    used: set[str] = set()
    progress = ec.Progress()
    for n, item in enumerate(items, start=1):
        with progress.run(f"{n}/{len(items)} {item.display}") as say:
            def step(msg: str, n: int = n, item: Item = item, say: Any = say) -> None:
                say(f"{n}/{len(items)} {item.display}: {msg}")

            est, error = _one(item, assumptions, n, used, step, out_dir=out_dir,
                              fmt_name=fmt_name, mapping=mapping, json_out=json_out,
                              no_html=no_html, no_xlsx=no_xlsx, uncertainty=not no_uncertainty,
                              anonymise=anonymise, limits=limits)
        display = item.display
        if anonymise:
            display = est.inputs[0] if est is not None else f"inventory-{n}"
            if error:
                error = error.replace(str(item.path), display).replace(item.display, display)
        rows.append(summary_row(display, est, error))
        if error and not is_quiet():
            line = error if error.startswith(display) else f"{display}: {error}"
            err_console.print(line, style="red", markup=False, highlight=False, soft_wrap=True)
    write_text_atomic(out_dir / "summary.csv", summary_csv(rows))
    write_summary_xlsx(rows, out_dir / "summary.xlsx")
    _render(rows)
    failed = sum(r["status"] != "ok" for r in rows)
    if not is_quiet():
        err_console.print(f"Wrote {len(rows) - failed} estimate(s) and summary.csv / summary.xlsx "
                          f"to {out_dir}", markup=False, highlight=False, soft_wrap=True)
    if failed:
        err_console.print(f"{failed} of {len(rows)} inventories failed.", style="red")
        raise typer.Exit(code=1)


def _one(
    item: Item, assumptions: Assumptions, n: int, used: set[str], say: Any, *, out_dir: Path,
    fmt_name: str | None, mapping: Path | None, json_out: bool, no_html: bool, no_xlsx: bool,
    uncertainty: bool, anonymise: bool, limits: Limits,
) -> tuple[Estimate | None, str | None]:
    """Estimate and write one inventory; a user error becomes the row's message."""
    try:
        est, names = ec.run_estimate(
            [item.path], assumptions, fmt_name=fmt_name, mapping=mapping, scenarios=[],
            timeseries=None, uncertainty=uncertainty, anonymise=anonymise, say=say,
            first_file=n, limits=limits)
        base = ec.slug(est.name)
        name, k = base, 1
        while name in used:  # a.xlsx and a.csv would share a report name
            k += 1
            name = f"{base}-{k}"
        used.add(name)
        outs = ec.plan_outputs(
            name, out_dir=out_dir, html=None, xlsx=None,
            json_out=str(out_dir / f"{name}.json") if json_out else None, no_html=no_html,
            no_xlsx=no_xlsx, anonymised=anonymise, inputs=(item.path,))
        ec.write_outputs(est, outs, names, say)
        return est, None
    except EstimatorError as exc:
        return None, str(exc)
    except OSError as exc:
        return None, f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")
    except Exception as exc:  # a bug on one file must not lose the other estimates
        if _state["debug"]:
            traceback.print_exc()
        return None, f"internal error ({type(exc).__name__}: {exc}); rerun with --debug"


def _render(rows: list[dict[str, Any]]) -> None:
    table = Table(title="Batch summary", title_justify="left", header_style="bold", box=None)
    for c in ("file", "VMs", "in scope", "nodes", "yearly savings", "payback", "status"):
        table.add_column(c, justify="left" if c in ("file", "status") else "right")
    for r in rows:
        ok = r["status"] == "ok"
        table.add_row(
            plain(r["file"]), fmt.count(r["vms"]), fmt.count(r["vms_in_scope"]),
            fmt.count(r["nodes"]), fmt.money(r["annual_savings"], r["currency"] or "USD"),
            fmt.months(r["payback_months"]) if ok else fmt.DASH,
            "ok" if ok else "error", style=None if ok else "red")
    out_console.print(table)
