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
    app,
    err_console,
    fail,
    handles_errors,
    is_quiet,
    out_console,
    plain,
)
from estimator.cli.estimate_cmd import LIMIT_HELP, parse_limits
from estimator.fit import FAMILY_TITLES
from estimator.inventory import FORMATS, read_inventory
from estimator.inventory.overrides import load_overrides
from estimator.quality import validation_summary
from estimator.report.atomic import check_output_path, write_text_atomic
from estimator.scope import apply_scope, override_problems

MAX_PROBLEMS_SHOWN = 50


@app.command("validate")
@handles_errors
def validate(
    inventory: list[Path] = typer.Argument(
        ..., help="Inventory files or folders (RVTools xlsx or CSV folder, Azure Migrate, AWS, "
        "or a hand-made CSV/XLSX)."),
    format: str | None = typer.Option(
        None, "--format", help=f"Force the reader: {', '.join(FORMATS)}."),
    mapping: Path | None = typer.Option(
        None, "--mapping", help="TOML column mapping for headers the readers do not know."),
    json_out: str | None = typer.Option(
        None, "--json", help="Write the summary as JSON to PATH, or '-' for stdout."),
    files: list[Path] = typer.Option(
        [], "--assumptions", "-a", help="Assumptions TOML file (scope settings; repeatable)."),
    config: list[Path] = typer.Option([], "--config", "-c", hidden=True,
                                      help="Old spelling of --assumptions."),
    sets: list[str] = typer.Option(
        [], "--set", help="Override one assumption, e.g. --set scope.include_powered_off=true."),
    limit: list[str] = typer.Option([], "--limit", help=LIMIT_HELP),
) -> None:
    """Check inventory files and show what was read, in scope and excluded.

    Example: estimator validate RVTools_export.xlsx --json summary.json
    """
    if json_out not in (None, "-"):
        check_output_path(Path(json_out), tuple(inventory))
    assumptions = load_assumptions(files=[*files, *config], sets=sets)
    scope = assumptions.scope
    inv = read_inventory(inventory, format=format, mapping=mapping, limits=parse_limits(limit))
    overrides = load_overrides(scope.overrides_file) if scope.overrides_file else None
    scoped = apply_scope(inv.vms, scope, overrides)
    extra = tuple(override_problems(inv.vms, overrides, scope.overrides_file))
    summary = validation_summary(inv, scoped, extra, assumptions)
    if json_out == "-":
        typer.echo(json.dumps(summary, indent=2))
    elif json_out:
        write_text_atomic(Path(json_out), json.dumps(summary, indent=2) + "\n")
    if not is_quiet() or json_out is None:
        render(summary, err_console if json_out == "-" else out_console)
    if not summary["usable"]:
        raise fail("no VM is in scope, so there is nothing to estimate",
                   "check the exclusions above, or widen scope with --set scope.include_...")


def render(summary: dict[str, Any], console: Console) -> None:
    """The terminal view of a validation summary."""
    inv, cur = summary["inventory"], summary["current"]
    t = Table(title="VMs by source", title_justify="left", header_style="bold", box=None)
    for c in ("source", "format", "VMs", "in scope", "usage data", "confidence"):
        t.add_column(c, justify="left" if c in ("source", "format") else "right")
    for f in summary["quality"]["files"]:
        share = f["usage_share"]
        t.add_row(plain(f["file"]), f["format"], fmt.count(f["vms_kept"]),
                  fmt.count(f["vms_in_scope"]), fmt.pct(share), fmt.stars(f["confidence_stars"]))
    console.print(t)
    console.print(
        f"\n[bold]{inv['vms_in_scope']:,}[/] of {inv['vms_total']:,} VMs in scope: "
        f"{inv['vcpus_in_scope']:,.0f} vCPU, {inv['memory_gib_in_scope']:,.0f} GiB memory")
    excluded = {k: v for k, v in inv["excluded"].items() if v}
    if excluded:
        console.print("Excluded: " + ", ".join(f"{k.replace('_', ' ')} {v:,}"
                                               for k, v in excluded.items()))
    if inv["os_families"]:
        console.print("OS families in scope: " + ", ".join(
            f"{k} {v:,}" for k, v in inv["os_families"].items()))
    caught = {k: v for k, v in summary.get("fit_families", {}).items() if v}
    if caught:
        console.print("Fit rule families (VMs caught): " + ", ".join(
            f"{FAMILY_TITLES[k]} {v:,}" for k, v in caught.items()))
        roles = {k: v for k, v in summary["fit_rules"].items() if k.startswith("INFRA-") and v}
        if roles:
            console.print("  infrastructure roles: " + ", ".join(
                f"{k} {v:,}" for k, v in roles.items()))
    if cur["hosts"] is None:
        console.print("Hosts: not in the inventory (estimated later from assumptions)")
    else:
        cores = "unknown" if cur["physical_cores"] is None else f"{cur['physical_cores']:,.0f}"
        console.print(f"Hosts: {cur['hosts']:,}, physical cores: {cores}")
    problems = summary["problems"]
    if problems:
        console.print(f"\n[bold]Problems ({len(problems):,})[/]")
        for p in problems[:MAX_PROBLEMS_SHOWN]:
            where = ", ".join(str(x) for x in (
                p["file"], p["sheet"] and f"sheet {p['sheet']}",
                p["row"] is not None and f"row {p['row']}",
                p["column"] and f"column {p['column']}") if x)
            console.print(f"  {p['kind']:<16} {where}: {p['message']}", markup=False,
                          highlight=False)
        if len(problems) > MAX_PROBLEMS_SHOWN:
            console.print(f"  … and {len(problems) - MAX_PROBLEMS_SHOWN:,} more (see --json)")
