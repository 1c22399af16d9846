"""`estimator validate INVENTORY...`: what was read, what is in scope, what went wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from estimator import formatting as fmt
from estimator.assumptions import load_assumptions
from estimator.cli._app import (
    QUIET,
    ToolCommand,
    app,
    err_console,
    fail,
    handles_errors,
    is_quiet,
    out_console,
    plain,
)
from estimator.cli.estimate_cmd import LIMIT_HELP, MERGE_HELP, parse_limits
from estimator.fit import FAMILY_TITLES
from estimator.inventory import FORMATS, format_label, read_inventory
from estimator.inventory.overrides import load_overrides
from estimator.quality import validation_summary
from estimator.report.atomic import check_output_path, write_text_atomic
from estimator.scope import apply_scope, override_problems

MAX_PROBLEMS_SHOWN = 50
MAX_NOTES_SHOWN = 20


@app.command("validate", cls=ToolCommand)
@handles_errors
def validate(
    inventory: list[Path] = typer.Argument(
        ..., metavar="INVENTORY...",
        help="Inventory files, or a folder holding one inventory (an RVTools xlsx or its "
        "folder of CSV files, an Azure Migrate or AWS import, or a hand-kept CSV/XLSX)."),
    format: str | None = typer.Option(
        None, "--format", metavar="FORMAT", help=f"Force the reader: {', '.join(FORMATS)}."),
    mapping: Path | None = typer.Option(
        None, "--mapping", metavar="FILE",
        help="TOML column mapping for headers the readers do not know."),
    merge: bool = typer.Option(False, "--merge", help=MERGE_HELP),
    json_out: str | None = typer.Option(
        None, "--json", metavar="FILE|-",
        help="Write the summary as JSON to FILE, or to stdout alone with '-'."),
    files: list[Path] = typer.Option(
        [], "--assumptions", "-a", metavar="FILE",
        help="Assumptions TOML file (scope settings; repeatable)."),
    config: list[Path] = typer.Option([], "--config", "-c", hidden=True,
                                      help="Old spelling of --assumptions."),
    sets: list[str] = typer.Option(
        [], "--set", metavar="KEY=VALUE",
        help="Override one assumption, e.g. --set scope.include_powered_off=true."),
    limit: list[str] = typer.Option([], "--limit", metavar="NAME=VALUE", help=LIMIT_HELP),
    quiet: bool = QUIET,  # handled by its callback (estimator.cli._app)
) -> None:
    """Check inventory files and show what was read, in scope and excluded.

    Problems (rows dropped, cells unread, duplicates) are listed apart from notes on the
    normal gap-filling (usage taken from another tab, VMs sized from allocation, hosts to be
    inferred).

    Example: estimator validate RVTools_export.xlsx --json summary.json
    """
    if json_out not in (None, "-"):
        check_output_path(Path(json_out), tuple(inventory))
    assumptions = load_assumptions(files=[*files, *config], sets=sets)
    scope = assumptions.scope
    inv = read_inventory(inventory, format=format, mapping=mapping, limits=parse_limits(limit),
                         merge=merge)
    overrides = load_overrides(scope.overrides_file) if scope.overrides_file else None
    scoped = apply_scope(inv.vms, scope, overrides)
    extra = tuple(override_problems(inv.vms, overrides, scope.overrides_file))
    summary = validation_summary(inv, scoped, extra, assumptions)
    if json_out == "-":
        typer.echo(json.dumps(summary, indent=2))
    elif json_out:
        write_text_atomic(Path(json_out), json.dumps(summary, indent=2) + "\n")
    if not is_quiet() or json_out is None:
        render(summary, err_console if json_out == "-" else out_console, notes=not is_quiet())
    if not summary["usable"]:
        raise fail("no VM is in scope, so there is nothing to estimate",
                   "check the exclusions above, or widen scope with --set scope.include_...")


def _where(p: dict[str, Any]) -> str:
    return ", ".join(str(x) for x in (
        p["file"], p["sheet"] and f"sheet {p['sheet']}",
        p["row"] is not None and f"row {p['row']}",
        p["column"] and f"column {p['column']}") if x)


def _counts(items: dict[str, int]) -> str:
    return ", ".join(f"{k} {fmt.count(v)}" for k, v in items.items())


def render(summary: dict[str, Any], console: Console, *, notes: bool = True) -> None:
    """The terminal view of a validation summary (`notes=False` leaves the notes out)."""
    inv, cur = summary["inventory"], summary["current"]
    t = Table(title="VMs by source", title_justify="left", header_style="bold", box=None)
    files = summary["quality"]["files"]
    # File names show whole (folded if need be); "usage": the share of in-scope VMs with CPU
    # and memory use of their own.
    longest = max((len(str(f["file"])) for f in files), default=6)
    t.add_column("source", overflow="fold", min_width=min(longest, max(12, console.width - 50)))
    t.add_column("read as")
    for c in ("VMs", "in scope", "usage", "confidence"):
        t.add_column(c, justify="right")
    for f in files:
        share = f["usage_share"]
        t.add_row(plain(f["file"]), format_label(f["format"]), fmt.count(f["vms_kept"]),
                  fmt.count(f["vms_in_scope"]), fmt.pct(share), fmt.stars(f["confidence_stars"]))
    console.print(t)
    console.print(
        f"\n[bold]{fmt.count(inv['vms_in_scope'])}[/] of "
        f"{fmt.plural(inv['vms_total'], 'VM')} in scope: {fmt.count(inv['vcpus_in_scope'])} "
        f"vCPU, {fmt.count(inv['memory_gib_in_scope'])} GiB memory")
    excluded = {k.replace("_", " "): v for k, v in inv["excluded"].items() if v}
    if excluded:
        console.print("Excluded: " + _counts(excluded))
    if inv["os_families"]:
        console.print("OS families in scope: " + _counts(inv["os_families"]))
    caught = {FAMILY_TITLES[k]: v for k, v in summary.get("fit_families", {}).items() if v}
    if caught:
        console.print("Fit rule families (VMs caught): " + _counts(caught))
        roles = {k: v for k, v in summary["fit_rules"].items() if k.startswith("INFRA-") and v}
        if roles:
            console.print("  infrastructure roles: " + _counts(roles))
    if cur["hosts"] is None:
        console.print("Hosts: not in the inventory (estimated later from assumptions)")
    else:
        cores = "unknown" if cur["physical_cores"] is None else fmt.count(cur["physical_cores"])
        console.print(f"Hosts: {fmt.count(cur['hosts'])}, physical cores: {cores}")
    if notes:
        _listing(console, "Notes", summary.get("notes", []), MAX_NOTES_SHOWN, kind=False)
    _listing(console, "Problems", summary["problems"], MAX_PROBLEMS_SHOWN, kind=True)


def _listing(console: Console, title: str, items: list[dict[str, Any]], cap: int, *,
             kind: bool) -> None:
    """A titled list of problems or notes, each naming where (file, sheet, row, column)."""
    if not items:
        return
    console.print(f"\n[bold]{title} ({fmt.count(len(items))})[/]")
    for p in items[:cap]:
        where = _where(p)
        text = f"{where}: {p['message']}" if where else p["message"]
        console.print(f"  {p['kind']:<16} {text}" if kind else f"  {text}", markup=False,
                      highlight=False)
    if len(items) > cap:
        console.print(f"  … and {fmt.count(len(items) - cap)} more (see --json)")
