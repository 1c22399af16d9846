"""The ordered pipeline: inventory + assumptions -> `Estimate`.

`estimate()` first resolves every input (the inventory, the overrides file, time series,
scenario assumptions, the as-of date), then runs the pure steps in order: scope, planning
(sizing, fit, packing), costs, uncertainty, insights. Each step is a function in its own
module and can be called on its own from a notebook; this module only wires them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from estimator import formatting as fmt
from estimator.assumptions import (
    PLATFORMS,
    PRESETS,
    Assumptions,
    PlatformInfo,
    load_assumptions,
    platforms,
)
from estimator.costs import compute_costs
from estimator.errors import ConfigError, InputError, Problem
from estimator.evidence import host_evidence, inferred_share
from estimator.insights import (
    build_insights,
    summarise_current,
    summarise_fit,
    summarise_money,
    summarise_target,
    top_reasons,
)
from estimator.inventory import Inventory, read_inventory
from estimator.inventory.os_classify import end_of_support
from estimator.inventory.overrides import load_overrides
from estimator.inventory.timeseries import read_timeseries
from estimator.model import Estimate, PlatformRow, check_frame
from estimator.planning import apply_series, plan_estate, with_host_shaped_node
from estimator.quality import inventory_summary, quality_report
from estimator.scope import apply_scope, excluded_counts, override_problems
from estimator.uncertainty import price_sensitivity, run_uncertainty, scenario_table

Progress = Callable[[str], None]

# The VM columns the current-estate and fit summaries read. They filter rows, and a row filter
# of the whole VM table copies all its columns (0.8 GB and about 1 s each at 1,000,000 VMs);
# tests/test_pipeline_columns.py checks that they give the same on these columns alone.
CURRENT_COLUMNS: tuple[str, ...] = ("in_scope", "power_state", "vcpus", "cpu_util", "memory_gib",
                                    "memory_util")
FIT_COLUMNS: tuple[str, ...] = ("in_scope", "moves", "fit_level", "fit_reason")


@dataclass(frozen=True)
class RunInputs:
    """Everything a run reads, resolved before it starts (the run itself does no I/O)."""

    inventory: Inventory
    assumptions: Assumptions
    as_of: dt.date
    overrides: pd.DataFrame | None = None
    override_problems: tuple[Problem, ...] = ()
    series: pd.DataFrame | None = None


def resolve_scenario(s: str | Path | Assumptions) -> Assumptions:
    """A scenario as assumptions: a preset name, an assumptions TOML file, or given as is."""
    if isinstance(s, Assumptions):
        return s
    if str(s) in PRESETS:
        return load_assumptions(preset=str(s))
    if Path(str(s)).is_file():
        return load_assumptions(files=[Path(str(s))])
    raise ConfigError(
        f"unknown scenario {s!r}", hint=f"use a preset ({', '.join(PRESETS)}) or a .toml file"
    )


def scenario_name(s: str | Path | Assumptions, i: int) -> str:
    """How a scenario is labelled: a preset's name, a file's stem, or 'scenario N'."""
    if isinstance(s, Assumptions):
        return f"scenario {i + 1}"
    return Path(str(s)).stem if str(s).endswith(".toml") else str(s)


def resolve_inputs(inventory: Inventory, assumptions: Assumptions, *,
                   series: pd.DataFrame | None = None, today: dt.date | None = None
                   ) -> RunInputs:
    """Read the overrides file, fix the as-of date (`scope.as_of`, else `today`) and add a node
    type shaped like today's hosts (`platform.host_shaped_node_type`)."""
    a = with_host_shaped_node(assumptions, inventory.hosts)
    overrides = load_overrides(Path(a.scope.overrides_file)) if a.scope.overrides_file else None
    problems = tuple(override_problems(inventory.vms, overrides, a.scope.overrides_file))
    as_of = a.scope.as_of or today or dt.date.today()
    return RunInputs(inventory, a, as_of, overrides, problems, series)


def estimate(
    inventory: Inventory | str | Path | Sequence[str | Path],
    assumptions: Assumptions | None = None,
    *,
    scenarios: Sequence[str | Path | Assumptions] | None = None,
    uncertainty: bool = True,
    timeseries: str | Path | Sequence[str | Path] | pd.DataFrame | None = None,
    progress: Progress | None = None,
    platform: str | None = None,
) -> Estimate:
    """Run the whole estimate.

    `platform` names a target-platform archetype (`estimator.assumptions.platforms()`) when no
    `assumptions` are given; with assumptions, choose it in
    `load_assumptions(..., platform=...)` instead.

    `inventory` is an `Inventory` or path(s) to read. `scenarios` (preset names, assumption
    files or `Assumptions`) are estimated side by side with the main result. `timeseries` is a
    folder or files of per-VM utilisation series (Bitbrains-style CSV), or the frame
    `estimator.read_timeseries` returns; matched VMs are sized from its percentiles.
    Raises `InputError` when no VM is in scope.

    Example:
        >>> est = estimate("data/sample-rvtools.xlsx")  # doctest: +SKIP
        >>> est.target.nodes, est.money.annual_savings  # doctest: +SKIP
    """
    say = progress or (lambda _msg: None)
    inv = inventory if isinstance(inventory, Inventory) else read_inventory(inventory)
    if assumptions is not None and platform is not None:
        raise ConfigError("give the platform to load_assumptions(..., platform=...) when you "
                          "pass assumptions", key="platform")
    a = assumptions if assumptions is not None else load_assumptions(platform=platform)
    runs = [(scenario_name(s, i), resolve_scenario(s)) for i, s in enumerate(scenarios or ())]
    series = None
    if timeseries is not None:
        say("Reading time series")
        series = (timeseries if isinstance(timeseries, pd.DataFrame)
                  else read_timeseries(_paths(timeseries)))
    today = dt.date.today()
    main = resolve_inputs(inv, a, series=series, today=today)
    say("Sizing and packing")
    est = run(main, uncertainty=uncertainty, progress=say)
    if runs:
        say("Scenarios")
        others = [(name, run(resolve_inputs(inv, sa, series=series, today=today),
                             uncertainty=uncertainty, progress=say))
                  for name, sa in runs]
        table = scenario_table([("as configured", est), *others])
        est = with_insights(replace(est, scenarios=table))
    return est


def platform_row(est: Estimate, info: PlatformInfo) -> dict[str, Any]:
    """One estimate's figures as a row of the platform comparison."""
    m = est.money
    containers = bool(est.assumptions.platform.containers)
    return {
        "name": info.name, "description": info.description, "nodes_on": info.nodes_on,
        "vms_moving": est.fit.vms_moving,
        "nodes": est.target.nodes if containers else round(est.target.hosts_kept),
        "node_cores": est.target.node_cores if containers else (
            est.target.hosts_kept * (est.current.physical_cores or 0) / est.current.hosts
            if est.current.hosts else 0.0),
        "annual_before": m.annual_before, "annual_after": m.annual_after,
        "annual_savings": m.annual_savings, "one_off_migration": m.one_off_migration,
        "payback_months": np.nan if m.payback_months is None else m.payback_months,
        "npv": m.npv,
    }


def compare_platforms(
    inventory: Inventory | str | Path | Sequence[str | Path],
    *,
    preset: str | None = None,
    files: Sequence[str | Path] = (),
    sets: Sequence[str] = (),
    names: Sequence[str] = PLATFORMS,
    timeseries: str | Path | Sequence[str | Path] | pd.DataFrame | None = None,
    known: Mapping[str, Estimate] | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Every platform archetype estimated on the same inventory and assumption layers.

    Each row equals `estimate(inventory, load_assumptions(preset, files, sets,
    platform=name))` (point figures; no Monte Carlo). `known` gives estimates already made,
    by platform name, so they are not run twice.

    Example:
        >>> table = compare_platforms("data/sample-rvtools.xlsx")  # doctest: +SKIP
        >>> table[["name", "nodes", "annual_savings"]]            # doctest: +SKIP
    """
    say = progress or (lambda _msg: None)
    inv = inventory if isinstance(inventory, Inventory) else read_inventory(inventory)
    series = None
    if timeseries is not None:
        series = (timeseries if isinstance(timeseries, pd.DataFrame)
                  else read_timeseries(_paths(timeseries)))
    infos = {p.name: p for p in platforms()}
    today = dt.date.today()
    rows = []
    for name in names:
        est = (known or {}).get(name)
        if est is None:
            say(f"Platform {name}")
            a = load_assumptions(preset, files, sets, platform=name)
            est = run(resolve_inputs(inv, a, series=series, today=today), uncertainty=False)
        rows.append(platform_row(est, infos[name]))
    frame = pd.DataFrame(rows, columns=[c for c in PlatformRow.model_fields
                                        if c != "savings_beyond_rightsizing"])
    base = frame.loc[frame["name"] == "vms-rightsized", "annual_savings"]
    frame["savings_beyond_rightsizing"] = (
        np.where(frame["name"] == "vms-rightsized", np.nan,
                 frame["annual_savings"] - float(base.iloc[0])) if len(base) else np.nan)
    frame = frame.astype({"name": "string", "description": "string", "nodes_on": "string",
                          "vms_moving": "int64", "nodes": "int64"})
    return check_frame(frame, PlatformRow, "platforms")


def with_platforms(est: Estimate, table: pd.DataFrame) -> Estimate:
    """`est` with the platform comparison attached (and its insights rebuilt)."""
    return with_insights(replace(est, platforms=table))


def _paths(p: str | Path | Sequence[str | Path]) -> Path | list[Path]:
    return Path(p) if isinstance(p, str | Path) else [Path(x) for x in p]


def prepare(inputs: RunInputs) -> tuple[pd.DataFrame, list[str]]:
    """The VM table every plan starts from: scope, end of support on the as-of date, host
    evidence and time-series usage; plus notes. Raises `InputError` when no VM is in scope."""
    inv, a = inputs.inventory, inputs.assumptions
    values = a.flat_values()
    scoped = apply_scope(inv.vms, a.scope, inputs.overrides)
    scoped["os_end_of_support"] = end_of_support(scoped["os_name"], scoped["os_version"],
                                                 inputs.as_of)
    scoped = pd.concat([scoped, host_evidence(scoped, inv.hosts)], axis=1)
    if not scoped["in_scope"].any():
        excluded = ", ".join(f"{k.replace('_', ' ')} {v:,}"
                             for k, v in excluded_counts(scoped).items() if v)
        raise InputError(f"no VM is in scope ({excluded or 'no VMs read'}), so there is "
                         "nothing to estimate",
                         hint="widen scope with --set scope.include_..., see estimator validate")
    notes: list[str] = []
    if inputs.series is not None:
        scoped, matched = apply_series(scoped, inputs.series, values)
        notes.append(f"usage of {fmt.plural(matched, 'VM')} taken from time-series percentiles "
                     f"(CPU p{values['sizing.cpu_percentile']:g}, "
                     f"memory p{values['sizing.memory_percentile']:g})")
    return scoped, notes


def run(inputs: RunInputs, *, uncertainty: bool = True,
        progress: Progress | None = None) -> Estimate:
    """One estimate from resolved inputs: pure, no I/O and no clock."""
    say = progress or (lambda _msg: None)
    inv, a = inputs.inventory, inputs.assumptions
    values = a.flat_values()
    scoped, notes = prepare(inputs)
    plan = plan_estate(scoped, a, values, inv.hosts)
    if n := len(plan.plan.unplaceable):
        notes.append(f"{fmt.plural(n, 'VM')} that would move fit no node type of "
                     f"{fmt.noun(n, 'its', 'their')} pool and stay "
                     f"{fmt.noun(n, 'a VM', 'VMs')} (rule SIZE-EXCEEDS-NODE): add a node type "
                     "large enough, or see the VMs sheet for the reason.")
    say("Costs")
    costs = compute_costs(plan.vms, inv.hosts, plan.pools, a, values, plan.rightsized_hosts)
    per_vm = costs.per_vm.drop(columns=["vm_id"], errors="ignore")
    vms = pd.concat([plan.vms, per_vm.reindex(plan.vms.index)], axis=1)
    quality = quality_report(inv, plan.vms, inputs.override_problems, inferred_share(plan.vms))
    q = costs.quantities
    fit_reasons = top_reasons(_columns(vms, FIT_COLUMNS), 20)
    inventory = inventory_summary(vms, quality.overall.rows_dropped)
    current = summarise_current(costs.hosts, int(q.hosts_before),
                                bool(q.hosts_inferred or q.unlisted_hosts),
                                float(q.physical_cores_before), _columns(vms, CURRENT_COLUMNS))
    target = summarise_target(plan.pools, plan.plan.totals, plan.fallbacks,
                              plan.isolation_extra_nodes, hosts_kept=float(q.hosts_after),
                              platform=a.platform.name, hardware_model=a.platform.hardware_model)
    money = summarise_money(costs.annual_before, costs.annual_after, costs.one_off_migration,
                            costs.payback_months, costs.npv, values)
    fit = summarise_fit(_columns(vms, FIT_COLUMNS), fit_reasons)
    unc = None
    if uncertainty and a.ranges():
        say("Monte Carlo")
        unc = run_uncertainty(scoped, inv.hosts, a, point_nodes=target.nodes, plan=plan,
                              quantities=q, progress=say, series=inputs.series)
    est = Estimate(
        name=_estate_name(inv),
        currency=a.finance.currency,
        as_of=inputs.as_of,
        inputs=tuple(f.file for f in inv.files),
        inventory=inventory,
        current=current,
        fit=fit,
        target=target,
        money=money,
        quality=quality,
        insights=build_insights(
            vms=vms, currency=a.finance.currency, inventory=inventory, current=current,
            fit=fit, target=target, money=money, quality=quality,
            pools=plan.pools, costs=costs.categories, cash_flow=costs.cash_flow,
            uncertainty=unc, scenarios=None, isolation_keys=a.platform.isolation_keys,
            platform=a.platform.name, sensitivity=price_sensitivity(q, a), assumptions=a),
        vms=vms,
        hosts=costs.hosts,
        pools=plan.pools,
        costs=costs.categories,
        cash_flow=costs.cash_flow,
        fit_reasons=fit_reasons,
        assumptions=a,
        assumption_table=a.table(),
        uncertainty=unc,
        notes=tuple(notes) + tuple(costs.notes),
    )
    return est


def with_insights(est: Estimate) -> Estimate:
    """`est` with its insights rebuilt (after scenarios were added)."""
    return replace(est, insights=build_insights(
        vms=est.vms, currency=est.currency, inventory=est.inventory, current=est.current,
        fit=est.fit, target=est.target, money=est.money, quality=est.quality, pools=est.pools,
        costs=est.costs, cash_flow=est.cash_flow, uncertainty=est.uncertainty,
        scenarios=est.scenarios, isolation_keys=est.assumptions.platform.isolation_keys,
        platform=est.assumptions.platform.name, platforms=est.platforms,
        sensitivity=None, assumptions=est.assumptions, keep=est.insights))


def _columns(vms: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """The columns of `vms` among `names` (a summary treats a missing column as unknown)."""
    return vms[[c for c in names if c in vms.columns]]


def _estate_name(inv: Inventory) -> str:
    if not inv.files:
        return "estate"
    stem = Path(inv.files[0].file).stem
    return stem if len(inv.files) == 1 else f"{stem} (+{len(inv.files) - 1})"
