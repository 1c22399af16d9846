"""`estimator estimate INVENTORY...`: one estate in, HTML/Excel/JSON reports and a summary out."""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from estimator.anonymise import anonymise_estimate
from estimator.assumptions import PRESETS, Assumptions, load_assumptions
from estimator.cli._app import app, err_console, handles_errors, is_quiet, out_console, plain
from estimator.errors import ConfigError, InputError, OutputError
from estimator.inventory import FORMATS, Inventory, Limits, read_inventory
from estimator.model import Estimate
from estimator.pipeline import estimate
from estimator.report import formatting as fmt
from estimator.report.atomic import check_output_path, write_text_atomic

# Option help shared with `batch`.
PRESET_HELP = f"Preset merged over the defaults: {', '.join(PRESETS)}."
FILE_HELP = "Assumptions TOML file (repeatable; later files win)."
SET_HELP = "Override one assumption, e.g. --set sizing.comfort_factor=1.5 (repeatable)."
FORMAT_HELP = f"Force the inventory reader: {', '.join(FORMATS)}."
MAPPING_HELP = "TOML column mapping for headers the readers do not know."
TIMESERIES_HELP = "Folder or file of per-VM utilisation time series (Bitbrains-style CSV)."
NO_UNCERTAINTY_HELP = "Skip the Monte Carlo ranges and the tornado (faster)."
ANONYMISE_HELP = ("Replace VM, host, cluster, datacenter and vCenter names (and owners, notes, "
                  "file names) by pseudonyms in every output; the mapping goes to a separate "
                  "local file.")
LIMIT_HELP = ("Raise or lower a reader guard, e.g. --limit max_rows=5000000 (repeatable; "
              "names in docs/security.md). Raise one only for a file you trust.")
DEFAULT_OUT_DIR = Path("reports")


def slug(name: str) -> str:
    """A file-name-safe form of an estate name: `'RVTools Acme (+1)'` -> `'rvtools-acme-1'`."""
    text = re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-.")
    return text or "estate"


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


@dataclass(frozen=True)
class Outputs:
    """Where one estimate's files go (None: not written)."""

    html: Path | None
    xlsx: Path | None
    json: str | None  # a path, "-" for stdout, or None
    mapping: Path | None

    def paths(self) -> list[Path]:
        out = [p for p in (self.html, self.xlsx, self.mapping) if p is not None]
        return out + ([Path(self.json)] if self.json not in (None, "-") else [])


def plan_outputs(
    name: str, *, out_dir: Path, html: Path | None, xlsx: Path | None, json_out: str | None,
    no_html: bool, no_xlsx: bool, anonymised: bool, inputs: tuple[Path, ...],
) -> Outputs:
    """Resolve the default and explicit output paths, and refuse unusable ones early."""
    base = slug(name)
    outs = Outputs(
        html=None if no_html else (html or out_dir / f"{base}.html"),
        xlsx=None if no_xlsx else (xlsx or out_dir / f"{base}.xlsx"),
        json=json_out,
        mapping=out_dir / f"{base}.mapping.csv" if anonymised else None,
    )
    for path in outs.paths():
        check_output_path(path, inputs)
    return outs


def parse_limits(items: list[str]) -> Limits:
    """`--limit NAME=VALUE` options over the default `Limits`.

    >>> parse_limits(["max_rows=5_000_000"]).max_rows
    5000000
    """
    fields = {f.name: f for f in dataclasses.fields(Limits)}
    changes: dict[str, int | float] = {}
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


def check_out_dir(out_dir: Path, inputs: tuple[Path, ...]) -> None:
    """An unusable --out-dir fails now, not after a long run."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: is a file, not a folder", hint="choose another --out-dir")
    check_output_path(out_dir / "report", inputs)


def check_scenarios(scenarios: list[str]) -> None:
    """Fail before the run on a scenario that is neither a preset nor an existing file."""
    for s in scenarios:
        if s not in PRESETS and not Path(s).is_file():
            raise ConfigError(f"unknown scenario {s!r}",
                              hint=f"use a preset ({', '.join(PRESETS)}) or a .toml file")


def run_estimate(
    inventory: list[Path] | Inventory, assumptions: Assumptions, *, fmt_name: str | None,
    mapping: Path | None, scenarios: list[str], timeseries: Path | None, uncertainty: bool,
    anonymise: bool, say: Callable[[str], None], first_file: int = 1,
    limits: Limits | None = None,
) -> tuple[Estimate, pd.DataFrame | None]:
    """Read (unless given an Inventory), estimate and optionally anonymise the result."""
    if isinstance(inventory, Inventory):
        inv = inventory
    else:
        say(f"Reading {len(inventory)} inventor{'y' if len(inventory) == 1 else 'ies'}")
        inv = read_inventory(inventory, format=fmt_name, mapping=mapping,
                             limits=limits)
    est = estimate(inv, assumptions, scenarios=scenarios or None, uncertainty=uncertainty,
                   timeseries=timeseries, progress=say)
    if est.summary["vms_in_scope"] == 0:
        excluded = ", ".join(f"{k.replace('_', ' ')} {v:,}"
                             for k, v in est.summary["vms_excluded"].items() if v)
        raise InputError(f"no VM is in scope ({excluded}), so there is nothing to estimate",
                         hint="widen scope with --set scope.include_..., see estimator validate")
    if not anonymise:
        return est, None
    say("Anonymising")
    return anonymise_estimate(est, first_file=first_file)


def write_outputs(est: Estimate, outs: Outputs, mapping: pd.DataFrame | None,
                  say: Callable[[str], None]) -> list[Path]:
    """Write every requested file atomically; return what was written (stdout JSON excluded)."""
    written: list[Path] = []
    if outs.mapping is not None and mapping is not None:
        say(f"Writing {outs.mapping.name}")
        # The mapping holds the original names: a CSV people open in a spreadsheet.
        write_text_atomic(outs.mapping, mapping.map(fmt.csv_safe).to_csv(index=False))
        written.append(outs.mapping)
    if outs.html is not None:
        say(f"Writing {outs.html.name}")
        est.to_html(outs.html)
        written.append(outs.html)
    if outs.xlsx is not None:
        say(f"Writing {outs.xlsx.name}")
        est.to_excel(outs.xlsx)
        written.append(outs.xlsx)
    if outs.json not in (None, "-"):
        say("Writing JSON")
        est.to_json(Path(outs.json))
        written.append(Path(outs.json))
    return written


@app.command("estimate")
@handles_errors
def estimate_command(
    inventory: list[Path] = typer.Argument(
        ..., help="Inventory files or folders, merged into one estate (RVTools xlsx or CSV "
        "folder, Azure Migrate, AWS, or a hand-made CSV/XLSX)."),
    preset: str | None = typer.Option(None, "--preset", "-p", help=PRESET_HELP),
    files: list[Path] = typer.Option([], "--assumptions", "-a", help=FILE_HELP),
    sets: list[str] = typer.Option([], "--set", help=SET_HELP),
    scenarios: list[str] = typer.Option(
        [], "--scenario", help="Also estimate this preset or assumptions TOML file side by "
        "side (repeatable)."),
    fmt_name: str | None = typer.Option(None, "--format", help=FORMAT_HELP),
    mapping: Path | None = typer.Option(None, "--mapping", help=MAPPING_HELP),
    timeseries: Path | None = typer.Option(None, "--timeseries", help=TIMESERIES_HELP),
    html: Path | None = typer.Option(None, "--html", help="HTML report path "
                                     "[default: OUT_DIR/<name>.html]."),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Excel workbook path "
                                     "[default: OUT_DIR/<name>.xlsx]."),
    json_out: str | None = typer.Option(
        None, "--json", help="Also write the JSON document to PATH, or '-' for stdout."),
    no_html: bool = typer.Option(False, "--no-html", help="Do not write the HTML report."),
    no_xlsx: bool = typer.Option(False, "--no-xlsx", help="Do not write the Excel workbook."),
    out_dir: Path = typer.Option(DEFAULT_OUT_DIR, "--out-dir", "-o",
                                 help="Folder for the default report paths."),
    no_uncertainty: bool = typer.Option(False, "--no-uncertainty", help=NO_UNCERTAINTY_HELP),
    anonymise: bool = typer.Option(False, "--anonymise", help=ANONYMISE_HELP),
    limit: list[str] = typer.Option([], "--limit", help=LIMIT_HELP),
) -> None:
    """Estimate container nodes and yearly savings for one estate and write the reports.

    Several inventories are merged into one estate. By default writes reports/<name>.html and
    reports/<name>.xlsx and prints a summary.

    Example: estimator estimate data/sample-rvtools.xlsx --preset conservative --json result.json
    """
    inputs = tuple(inventory)
    # Explicit paths are checked before the (possibly long) run.
    for path in (html, xlsx, None if json_out in (None, "-") else Path(json_out)):
        if path is not None:
            check_output_path(path, inputs)
    if not (no_html and no_xlsx) or anonymise:
        check_out_dir(out_dir, inputs)
    assumptions = load_assumptions(preset, files, sets)
    limits = parse_limits(limit)
    check_scenarios(scenarios)
    progress = Progress()
    with progress.run("Reading") as say:
        est, names = run_estimate(
            inventory, assumptions, fmt_name=fmt_name, mapping=mapping, scenarios=scenarios,
            timeseries=timeseries, uncertainty=not no_uncertainty, anonymise=anonymise, say=say,
            limits=limits)
        outs = plan_outputs(est.name, out_dir=out_dir, html=html, xlsx=xlsx, json_out=json_out,
                            no_html=no_html, no_xlsx=no_xlsx, anonymised=anonymise,
                            inputs=inputs)
        written = write_outputs(est, outs, names, say)
    if json_out == "-":
        typer.echo(est.to_json())
    console = err_console if json_out == "-" else out_console
    if not is_quiet() or json_out is None:
        render_summary(est, console)
    if not is_quiet():
        for path in written:
            err_console.print(f"Wrote {path}", markup=False, highlight=False,
                              soft_wrap=True)
        if outs.mapping is not None:
            err_console.print(f"The pseudonym mapping is in {outs.mapping}: keep it local, "
                              "do not send it with the reports.", markup=False, highlight=False,
                              soft_wrap=True)


# -- terminal summary ----------------------------------------------------------------------
def headline_rows(est: Estimate) -> list[tuple[str, str]]:
    """(label, value) rows of the headline figures, money via `formatting`."""
    s, cur = est.summary, est.currency
    rows = [
        ("VMs in scope", f"{fmt.count(s['vms_in_scope'])} of {fmt.count(s['vms_total'])}"),
        ("Moving / staying / retiring",
              f"{fmt.count(s['vms_moving'])} / {fmt.count(s['vms_staying'])} / "
              f"{fmt.count(s['vms_retiring'])}"),
        ("Hosts today", fmt.count(s["hosts"]) + (" (inferred)" if s["hosts_inferred"]
                                                     else "")),
        ("Container nodes", f"{fmt.count(s['nodes'])} (lower bound "
              f"{fmt.count(s['nodes_lower_bound'])}, {fmt.count(s['spare_nodes'])} spare)"),
        ("Yearly cost before", fmt.money(s["annual_before"], cur)),
        ("Yearly cost after", fmt.money(s["annual_after"], cur)),
        ("Yearly savings", fmt.money(s["annual_savings"], cur)),
    ]
    unc = est.uncertainty
    if unc is not None:
        rows.append(("Savings P10–P90", fmt.money_range(
            unc.annual_savings.p10, unc.annual_savings.p90, cur)))
        rows.append(("Chance savings > 0", fmt.pct(unc.probability_positive_savings)))
    rows += [
        ("One-off migration", fmt.money(s["one_off_migration"], cur)),
        ("Payback", fmt.months(s["payback_months"])),
        (f"NPV ({s['horizon_years']} years)", fmt.money(s["npv"], cur)),
    ]
    if unc is not None:
        rows.append(("NPV P10–P90", fmt.money_range(unc.npv.p10, unc.npv.p90, cur)))
    rows.append(("Data confidence", fmt.stars(s.get("confidence_stars"))))
    return rows


def render_summary(est: Estimate, console: Console) -> None:
    """Headline numbers, node pools and cost categories as rich tables."""
    head = Table(title=plain(f"Estimate: {est.name}"), title_justify="left", show_header=False,
                 box=None)
    head.add_column("figure")
    head.add_column("value", justify="right")
    for label, value in headline_rows(est):
        head.add_row(label, value)
    console.print(head)
    cur = est.currency
    if len(est.pools):
        pools = Table(title="Node pools (requests / allocatable)", title_justify="left",
                      header_style="bold", box=None)
        for c in ("pool", "node type", "nodes", "spare", "workloads", "CPU", "memory",
                  "nodes/year"):
            pools.add_column(c, justify="left" if c in ("pool", "node type") else "right",
                             no_wrap=True)
        for r in est.pools.itertuples(index=False):
            pools.add_row(plain(r.pool), plain(r.node_type), fmt.count(r.nodes),
                          fmt.count(r.spare_nodes), fmt.count(r.workloads),
                          fmt.pct(r.cpu_allocatable_util), fmt.pct(r.memory_allocatable_util),
                          fmt.money(r.annual_cost_usd, cur))
        console.print()
        console.print(pools)
    if len(est.costs):
        costs = Table(title=f"Yearly costs by category ({cur})", title_justify="left",
                      header_style="bold", box=None)
        for c in ("category", "before", "after", "savings"):
            costs.add_column(c, justify="left" if c == "category" else "right", no_wrap=True)
        for r in est.costs.itertuples(index=False):
            costs.add_row(str(r.category), fmt.money_number(r.before),
                          fmt.money_number(r.after), fmt.money_number(r.savings))
        costs.add_row("Total", fmt.money_number(est.summary["annual_before"]),
                      fmt.money_number(est.summary["annual_after"]),
                      fmt.money_number(est.summary["annual_savings"]), style="bold")
        console.print()
        console.print(costs)
    if est.scenarios is not None and len(est.scenarios):
        console.print()
        console.print(_scenario_table(est))
    for note in est.notes:
        console.print(f"Note: {note}", markup=False, highlight=False)


def _scenario_table(est: Estimate) -> Table:
    """One row per scenario (the main run first): nodes, savings and range, payback, NPV."""
    frame = est.scenarios
    assert frame is not None
    cur = est.currency
    t = Table(title=f"Scenarios ({cur} per year)", title_justify="left", header_style="bold",
              box=None)
    for c in ("scenario", "nodes", "savings", "P10–P90", "payback", "NPV"):
        t.add_column(c, justify="left" if c == "scenario" else "right", no_wrap=True)
    for r in frame.to_dict("records"):
        t.add_row(plain(r.get("name", "")), fmt.count(r.get("nodes")),
                  fmt.money_number(r.get("annual_savings")),
                  fmt.money_range(r.get("savings_p10"), r.get("savings_p90")),
                  # NaN payback: never within the horizon.
                  fmt.months(None if fmt.is_missing(r.get("payback_months"))
                             else r.get("payback_months")),
                  fmt.money_number(r.get("npv")))
    return t
