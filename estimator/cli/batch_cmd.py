"""`estimator batch INPUT... --out-dir DIR`: one estimate per inventory, plus a comparison."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.table import Table

from estimator import formatting as fmt
from estimator.assumptions import load_assumptions
from estimator.batch import (
    BatchOptions,
    Item,
    batch_row,
    estimate_one,
    expand_inputs,
    summary_csv,
    write_summary_xlsx,
)
from estimator.cli import estimate_cmd as ec
from estimator.cli._app import (
    QUIET,
    ToolCommand,
    _state,
    app,
    err_console,
    handles_errors,
    is_quiet,
    out_console,
    plain,
)
from estimator.report.atomic import check_output_path, write_text_atomic
from estimator.report.outputs import (
    DEFAULT_MAPPING,
    check_out_dir,
    mapping_path,
    write_mapping,
)


@app.command("batch", cls=ToolCommand)
@handles_errors
def batch(
    inputs: list[str] = typer.Argument(
        ..., metavar="INPUT...",
        help="Inventory files, folders of them, or quoted globs ('exports/*.xlsx')."),
    out_dir: Path = typer.Option(..., "--out-dir", "-o", metavar="FOLDER",
                                 help="Folder for every report and summary.csv / summary.xlsx."),
    preset: str | None = typer.Option(None, "--preset", "-p", metavar="NAME",
                                      help=ec.PRESET_HELP),
    files: list[Path] = typer.Option([], "--assumptions", "-a", metavar="FILE",
                                     help=ec.FILE_HELP),
    sets: list[str] = typer.Option([], "--set", metavar="KEY=VALUE", help=ec.SET_HELP),
    fmt_name: str | None = typer.Option(None, "--format", metavar="FORMAT",
                                        help=ec.FORMAT_HELP),
    mapping: Path | None = typer.Option(None, "--mapping", metavar="FILE",
                                        help=ec.MAPPING_HELP),
    json_out: bool = typer.Option(False, "--json", help="Also write NAME.json per inventory."),
    no_html: bool = typer.Option(False, "--no-html", help="Do not write HTML reports."),
    no_xlsx: bool = typer.Option(False, "--no-xlsx", help="Do not write Excel workbooks."),
    no_uncertainty: bool = typer.Option(False, "--no-uncertainty",
                                        help=ec.NO_UNCERTAINTY_HELP),
    anonymise: bool = typer.Option(False, "--anonymise", help=ec.ANONYMISE_HELP),
    mapping_out: Path | None = typer.Option(
        None, "--mapping-out", metavar="FILE",
        help="Where --anonymise writes the pseudonym mapping of every inventory, one file "
        f"(default: ./{DEFAULT_MAPPING}, or the next free anonymise-mapping-N.csv; an "
        "existing file is never overwritten)."),
    limit: list[str] = typer.Option([], "--limit", metavar="NAME=VALUE", help=ec.LIMIT_HELP),
    quiet: bool = QUIET,  # handled by its callback (estimator.cli._app)
) -> None:
    """Estimate each inventory on its own and compare them in summary.csv and summary.xlsx.

    A failing inventory does not stop the batch: its summary row gives the error, and the
    exit code is 1.

    Example: estimator batch exports/ --out-dir reports/batch --preset conservative
    """
    items, notes = expand_inputs(inputs, out_dir)
    sources = tuple(i.path for i in items)
    pseudonyms = mapping_path(mapping_out, sources) if anonymise else None
    check_out_dir(out_dir, sources)
    for name in ("summary.csv", "summary.xlsx"):  # never over an input of that name
        check_output_path(out_dir / name, sources)
    assumptions = load_assumptions(preset, files, sets)
    limits = ec.parse_limits(limit)
    if not is_quiet() and notes:
        # Anonymised runs print no original file name, not even of skipped files.
        shown = [f"skipped {fmt.plural(len(notes), 'non-inventory file')}"] if anonymise else notes
        for note in shown:
            err_console.print(f"Note: {note}", markup=False, highlight=False, soft_wrap=True)
    opts = BatchOptions(out_dir=out_dir, fmt_name=fmt_name, mapping=mapping, json_out=json_out,
                        no_html=no_html, no_xlsx=no_xlsx, uncertainty=not no_uncertainty,
                        anonymise=anonymise, limits=limits, debug=_state["debug"])
    rows: list[dict[str, Any]] = []
    progress = ec.Progress()
    for n, item in enumerate(items, start=1):
        with progress.run(f"{n}/{len(items)} {item.display}") as say:
            def step(msg: str, n: int = n, item: Item = item, say: Any = say) -> None:
                say(f"{n}/{len(items)} {item.display}: {msg}")

            est, error = estimate_one(item, n, assumptions, opts, step)
        row = batch_row(item, n, est, error, anonymise)
        row["format"] = est.quality.files[0].format if est is not None else None
        rows.append(row)
        if error and not is_quiet():
            display, error = row["file"], row["error"]
            line = error if error.startswith(display) else f"{display}: {error}"
            err_console.print(line, style="red", markup=False, highlight=False, soft_wrap=True)
    write_text_atomic(out_dir / "summary.csv", summary_csv(rows))
    write_summary_xlsx(rows, out_dir / "summary.xlsx")
    if pseudonyms is not None and opts.mappings:
        write_mapping(pseudonyms, pd.concat(opts.mappings, ignore_index=True))
    _render(rows)
    failed = sum(r["status"] != "ok" for r in rows)
    if not is_quiet():
        err_console.print(f"Wrote {fmt.plural(len(rows) - failed, 'estimate')} and "
                          f"summary.csv / summary.xlsx to {out_dir}", markup=False,
                          highlight=False, soft_wrap=True)
    if pseudonyms is not None and opts.mappings:  # said even with --quiet
        err_console.print(ec.mapping_notice(pseudonyms), markup=False, highlight=False,
                          soft_wrap=True)
    if failed:
        err_console.print(f"{failed} of {fmt.plural(len(rows), 'inventory', 'inventories')} "
                          "failed.", style="red")
        raise typer.Exit(code=1)


def _render(rows: list[dict[str, Any]]) -> None:
    """The batch table: a row per inventory, its format as --format names it; a status
    column only when an inventory failed (its row in red)."""
    failed = any(r["status"] != "ok" for r in rows)
    table = Table(title="Batch summary", title_justify="left", header_style="bold", box=None)
    longest = max((len(str(r["file"])) for r in rows), default=4)
    # long names fold onto a second line rather than push the last columns off an
    # 80-column terminal
    table.add_column("file", overflow="fold", min_width=min(longest, 16), ratio=1)
    for c in ("format", "VMs", "in scope", "nodes", "yearly savings", "payback",
              *(["status"] if failed else [])):
        table.add_column(c, justify="left" if c in ("format", "status") else "right")
    for r in rows:
        ok = r["status"] == "ok"
        table.add_row(
            plain(r["file"]), r["format"] or fmt.DASH,
            fmt.count(r["vms"]), fmt.count(r["vms_in_scope"]),
            fmt.count(r["nodes"]), fmt.money(r["annual_savings"], r["currency"] or "USD"),
            fmt.months(r["payback_months"]) if ok else fmt.DASH,
            *([("ok" if ok else "error")] if failed else []), style=None if ok else "red")
    out_console.print(table)
