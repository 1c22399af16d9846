"""`estimator estimate INVENTORY...`: one estate in, HTML/Excel/JSON reports and a summary out."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from estimator import formatting as fmt
from estimator.anonymise import anonymise_estimate
from estimator.assumptions import DEFAULT_PLATFORM, PLATFORMS, PRESETS, load_assumptions
from estimator.cli._app import (
    QUIET,
    ToolCommand,
    app,
    err_console,
    handles_errors,
    is_quiet,
    out_console,
)
from estimator.errors import ConfigError
from estimator.inventory import FORMATS, Limits, folder_inventories, read_inventory
from estimator.pipeline import compare_platforms, estimate, resolve_scenario, with_platforms
from estimator.report.atomic import check_output_path
from estimator.report.outputs import (
    DEFAULT_MAPPING,
    check_out_dir,
    mapping_path,
    plan_outputs,
    write_outputs,
)
from estimator.report.terminal import render_sources, render_summary

# Option help shared with `batch`.
PRESET_HELP = f"Preset merged over the defaults: {', '.join(PRESETS)}."
PLATFORM_HELP = (f"Target platform archetype: {', '.join(PLATFORMS)} (see estimator platforms; "
                 f"default {DEFAULT_PLATFORM}).")
FILE_HELP = "Assumptions TOML file (repeatable; later files win)."
SET_HELP = "Override one assumption, e.g. --set sizing.comfort_factor=1.5 (repeatable)."
FORMAT_HELP = f"Force the inventory reader: {', '.join(FORMATS)}."
MAPPING_HELP = "TOML column mapping for headers the readers do not know."
TIMESERIES_HELP = "Folder or file of per-VM utilisation time series (Bitbrains-style CSV)."
NO_UNCERTAINTY_HELP = "Skip the Monte Carlo ranges and the tornado (faster)."
ANONYMISE_HELP = ("Replace VM, host, cluster, datacenter and vCenter names (and owners, notes, "
                  "file names) by pseudonyms in every output; the mapping of pseudonyms to "
                  "names goes to a separate private file (see --mapping-out).")
MAPPING_OUT_HELP = (f"Where --anonymise writes the pseudonym mapping (default: "
                    f"./{DEFAULT_MAPPING}, or the next free anonymise-mapping-N.csv; an existing "
                    "file is never overwritten).")
MERGE_HELP = ("Read a folder of several inventories as one estate (without it such a folder "
              "is refused: estimate each with `estimator batch`).")
LIMIT_HELP = ("Raise or lower a reader guard, e.g. --limit max_rows=5000000 (repeatable; "
              "names in docs/security.md). Raise one only for a file you trust.")
DEFAULT_OUT_DIR = Path("reports")


class Progress:
    """A status line on stderr for slow steps; silent when stderr is no terminal or --quiet."""

    def __init__(self, console: Console = err_console) -> None:
        self.console = console
        self.enabled = console.is_terminal and not is_quiet()
        self._status: Any = None

    @contextlib.contextmanager
    def run(self, first: str) -> Iterator[Callable[[str], None]]:
        if not self.enabled:
            yield lambda _msg: None
            return
        with self.console.status(f"{first}…") as status:
            self._status = status
            yield self.say
        self._status = None

    def say(self, message: str) -> None:
        if self._status is not None:
            self._status.update(f"{message}…")


def parse_limits(items: list[str]) -> Limits:
    """`--limit NAME=VALUE` options over the default `Limits`.

    >>> parse_limits(["max_rows=5_000_000"]).max_rows
    5000000
    """
    fields = {f.name: f for f in dataclasses.fields(Limits)}
    changes: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or name not in fields:
            raise ConfigError(f"unknown limit {item!r}; use NAME=VALUE with NAME one of "
                              f"{', '.join(fields)}", file="--limit")
        number = int if fields[name].type in (int, "int") else float
        try:
            value = number(raw.strip())
        except ValueError:
            raise ConfigError(f"{name} must be a number, got {raw.strip()!r}",
                              file="--limit") from None
        if not value > 0:
            raise ConfigError(f"{name} must be above 0, got {raw.strip()!r}", file="--limit")
        changes[name] = value
    return dataclasses.replace(Limits(), **changes)


@app.command("estimate", cls=ToolCommand)
@handles_errors
def estimate_command(
    inventory: list[Path] = typer.Argument(
        ..., metavar="INVENTORY...",
        help="Inventory files, merged into one estate, or a folder holding one inventory "
        "(an RVTools xlsx or its folder of CSV files, an Azure Migrate or AWS import, or a "
        "hand-kept CSV/XLSX)."),
    preset: str | None = typer.Option(None, "--preset", "-p", metavar="NAME", help=PRESET_HELP),
    platform: str = typer.Option(DEFAULT_PLATFORM, "--platform", metavar="NAME",
                                 help=PLATFORM_HELP),
    compare: bool = typer.Option(
        False, "--compare-platforms", help="Also estimate every platform archetype on the same "
        "inventory and assumptions, and compare them in the reports."),
    files: list[Path] = typer.Option([], "--assumptions", "-a", metavar="FILE", help=FILE_HELP),
    sets: list[str] = typer.Option([], "--set", metavar="KEY=VALUE", help=SET_HELP),
    scenarios: list[str] = typer.Option(
        [], "--scenario", metavar="PRESET|FILE", help="Also estimate this preset or "
        "assumptions TOML file side by side (repeatable)."),
    fmt_name: str | None = typer.Option(None, "--format", metavar="FORMAT", help=FORMAT_HELP),
    mapping: Path | None = typer.Option(None, "--mapping", metavar="FILE", help=MAPPING_HELP),
    merge: bool = typer.Option(False, "--merge", help=MERGE_HELP),
    timeseries: Path | None = typer.Option(None, "--timeseries", metavar="PATH",
                                           help=TIMESERIES_HELP),
    html: Path | None = typer.Option(None, "--html", metavar="FILE",
                                     help="HTML report path (default: OUT_DIR/NAME.html)."),
    xlsx: Path | None = typer.Option(None, "--xlsx", metavar="FILE",
                                     help="Excel workbook path (default: OUT_DIR/NAME.xlsx)."),
    json_out: str | None = typer.Option(
        None, "--json", metavar="FILE|-", help="Also write the JSON document to FILE; '-' "
        "prints it to stdout alone, and then writes no HTML or Excel report unless --html or "
        "--xlsx names one."),
    no_html: bool = typer.Option(False, "--no-html", help="Do not write the HTML report."),
    no_xlsx: bool = typer.Option(False, "--no-xlsx", help="Do not write the Excel workbook."),
    out_dir: Path = typer.Option(DEFAULT_OUT_DIR, "--out-dir", "-o", metavar="FOLDER",
                                 help="Folder for the default report paths."),
    no_uncertainty: bool = typer.Option(False, "--no-uncertainty", help=NO_UNCERTAINTY_HELP),
    anonymise: bool = typer.Option(False, "--anonymise", help=ANONYMISE_HELP),
    mapping_out: Path | None = typer.Option(None, "--mapping-out", metavar="FILE",
                                            help=MAPPING_OUT_HELP),
    limit: list[str] = typer.Option([], "--limit", metavar="NAME=VALUE", help=LIMIT_HELP),
    quiet: bool = QUIET,  # handled by its callback (estimator.cli._app)
) -> None:
    """Estimate container nodes and yearly savings for one estate and write the reports.

    Several inventory files are merged into one estate. By default writes
    reports/NAME.html and reports/NAME.xlsx and prints a summary.

    Example: estimator estimate data/sample-rvtools.xlsx --preset conservative --json result.json
    """
    inputs = tuple(inventory)
    to_stdout = json_out == "-"
    if to_stdout:  # stdout is the JSON document; reports only where a path asks for them
        no_html, no_xlsx = no_html or html is None, no_xlsx or xlsx is None
    # Explicit paths are checked before the (possibly long) run.
    pseudonyms = mapping_path(mapping_out, inputs) if anonymise else None
    for path in (html, xlsx, None if json_out in (None, "-") else Path(json_out)):
        if path is not None:
            check_output_path(path, inputs)
    if (html is None and not no_html) or (xlsx is None and not no_xlsx):
        check_out_dir(out_dir, inputs)
    assumptions = load_assumptions(preset, files, sets, platform=platform)
    limits = parse_limits(limit)
    for s in scenarios:  # fail before the (possibly long) run
        resolve_scenario(s)
    progress = Progress()
    with progress.run("Reading") as say:
        say(f"Reading {fmt.plural(len(inventory), 'inventory', 'inventories')}")
        inv = read_inventory(inventory, format=fmt_name, mapping=mapping, limits=limits,
                             merge=merge)
        est = estimate(inv, assumptions, scenarios=scenarios or None,
                       uncertainty=not no_uncertainty, timeseries=timeseries, progress=say)
        if compare:
            table = compare_platforms(inv, preset=preset, files=files, sets=sets,
                                      timeseries=timeseries, known={platform: est},
                                      progress=say)
            est = with_platforms(est, table)
        names = None
        if anonymise:
            say("Anonymising")
            est, names = anonymise_estimate(est)
        outs = plan_outputs(est.name, out_dir=out_dir, html=html, xlsx=xlsx, json_out=json_out,
                            no_html=no_html, no_xlsx=no_xlsx, mapping=pseudonyms,
                            inputs=inputs)
        written = write_outputs(est, outs, names, say)
    if to_stdout:
        typer.echo(est.to_json())
    console = err_console if to_stdout else out_console
    folders = [p for p in inventory if p.is_dir()]
    if not is_quiet() and folders:
        render_sources(est, err_console)  # what a folder held and how each file was read
        skipped = [f for folder in folders for f in folder_inventories(folder)[1]]
        if skipped:  # an anonymised run names no original file
            shown = ([fmt.plural(len(skipped), "other file")] if anonymise
                     else [f.name for f in skipped])
            err_console.print(f"  skipped (not a CSV or spreadsheet file): {', '.join(shown)}",
                              markup=False, highlight=False, soft_wrap=True)
    if not is_quiet() or json_out is None:
        render_summary(est, console, notes=not is_quiet())
    if not is_quiet():
        for path in written:
            if path != outs.mapping:
                err_console.print(f"Wrote {path}", markup=False, highlight=False,
                                  soft_wrap=True)
    if outs.mapping is not None:  # said even with --quiet: that file must not travel
        err_console.print(mapping_notice(outs.mapping), markup=False, highlight=False,
                          soft_wrap=True)


def mapping_notice(path: Path) -> str:
    """Where the pseudonym mapping went, and that it stays private."""
    return (f"Wrote the pseudonym mapping to {path}. It holds the original names: keep it "
            "private, and do not send it with the reports.")
