"""The ordered pipeline: inventory + assumptions -> `Estimate`.

Each step is a pure function in its own module and can be called on its own from a notebook;
this module only wires them in order and assembles the frozen result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from estimator.assumptions import Assumptions, load_assumptions
from estimator.costs import CostResult, compute_costs
from estimator.costs.nodes import node_costs
from estimator.errors import ConfigError
from estimator.fit import RETIRING_LEVELS, classify_fit, fit_counts, top_reasons
from estimator.inventory import Inventory, read_inventory
from estimator.inventory.overrides import load_overrides
from estimator.inventory.timeseries import (
    apply_timeseries,
    read_timeseries,
    utilisation_percentiles,
)
from estimator.model import Estimate
from estimator.packing import PoolPlan, isolation_cost, node_capacity, plan_pools
from estimator.quality import validation_summary
from estimator.scope import apply_scope, excluded_counts
from estimator.sizing import assign_pools, size_containers

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    """Sizing, fit and packing for one set of assumptions (no prices)."""

    vms: pd.DataFrame
    pools: pd.DataFrame
    plan: PoolPlan
    fallbacks: int
    isolation_extra_nodes: int


def node_types_frame(assumptions: Assumptions) -> pd.DataFrame:
    """The node-type catalogue as a frame (name, cores, memory_gib, annual_cost_usd, os...)."""
    rows = []
    for name, nt in assumptions.platform.node_types.items():
        row = {"name": name}
        for key, val in nt.model_dump().items():
            row[key] = val["likely"] if isinstance(val, dict) and "likely" in val else val
        rows.append(row)
    return pd.DataFrame(rows)


def plan_estate(
    vms: pd.DataFrame,
    assumptions: Assumptions,
    values: dict[str, float] | None = None,
    *,
    series: pd.DataFrame | None = None,
) -> Plan:
    """Size, classify and pack the in-scope VMs of `vms` (already scoped).

    `series` (from `read_timeseries`) replaces the matched VMs' usage by the configured
    CPU and memory percentiles of their time series.
    """
    a = assumptions
    values = values if values is not None else a.flat_values()
    p = a.platform
    if series is not None:
        vms, _ = apply_series(vms, series, values)
    sizing = size_containers(vms, a.sizing, values)
    nodes = node_types_frame(a)
    kwargs: dict[str, Any] = dict(
        reservation_model=p.reservation_model,
        max_pods_per_node=int(values["platform.max_pods_per_node"]),
        target_utilisation=values["platform.target_utilisation"],
        daemonset_cpu_cores=values["platform.daemonset_cpu_cores"],
        daemonset_memory_gib=values["platform.daemonset_memory_gib"],
    )
    # Fit needs the largest request any node type can host: the capacity packing uses.
    capacity = node_capacity(nodes, os_family="linux", **kwargs)[0]
    max_request = (float(capacity[:, 0].max()), float(capacity[:, 1].max()))
    sized = pd.concat([vms, sizing.frame], axis=1)
    fit = classify_fit(sized, a.fit, values, max_request=max_request)
    out = pd.concat([sized, fit], axis=1)
    out["pool"] = assign_pools(out, list(p.isolation_keys)).where(out["moves"], pd.NA)

    items = out.loc[out["moves"].fillna(False).astype(bool),
                    ["pool", "os_family", "cpu_request_cores", "memory_request_gib", "replicas"]]
    kwargs["ha_spare_nodes_per_pool"] = int(values["platform.ha_spare_nodes_per_pool"])
    plan, extra = _plan_by_os(items, nodes, a, values, kwargs)
    out["node_index"] = plan.node_index.reindex(out.index).astype("Int64")
    return Plan(out, plan.pools, plan, sizing.fallbacks, int(extra))


def _plan_by_os(
    items: pd.DataFrame,
    nodes: pd.DataFrame,
    a: Assumptions,
    values: dict[str, float],
    kwargs: dict[str, Any],
) -> tuple[PoolPlan, int]:
    """Pack each OS family's pools with node types priced at their full yearly cost.

    Hardware alone would favour many small nodes; per-node and per-core charges (subscription,
    node OS licences, node care) are part of what a pool costs, so the node-type choice sees
    them. Returns the merged plan and the extra nodes isolation beyond OS family costs.
    """
    if items.empty:
        return plan_pools(items, nodes, **kwargs), 0
    families = sorted(items["os_family"].astype(str).unique())
    priced = node_costs(nodes, families, a, values)
    plans: list[PoolPlan] = []
    extra = 0
    for fam in families:
        sub = items[items["os_family"].astype(str) == fam]
        cost = priced[priced["os_family"] == fam].set_index("node_type")["annual_cost"]
        nt = nodes.assign(annual_cost_usd=nodes["name"].map(cost).to_numpy(float))
        plans.append(plan_pools(sub, nt, **kwargs))
        extra += isolation_cost(sub, nt, **kwargs)
    pools = pd.concat([pl.pools for pl in plans], ignore_index=True)
    node_index = pd.concat([pl.node_index for pl in plans]).reindex(items.index)
    unplaceable = pd.concat([pl.unplaceable for pl in plans])
    totals: dict[str, float] = {
        k: float(sum(pl.totals[k] for pl in plans))
        for k in ("nodes", "nodes_lower_bound", "workloads", "pods", "annual_cost_usd")
    }
    totals["workloads_per_node"] = (
        totals["workloads"] / totals["nodes"] if totals["nodes"] else 0.0
    )
    return PoolPlan(pools, node_index, totals, unplaceable), int(extra)


def apply_series(
    vms: pd.DataFrame, series: pd.DataFrame, values: dict[str, float]
) -> tuple[pd.DataFrame, int]:
    """Usage from time-series percentiles (sizing.cpu_percentile / memory_percentile)."""
    pct = utilisation_percentiles(
        series,
        cpu_percentile=values["sizing.cpu_percentile"],
        memory_percentile=values["sizing.memory_percentile"],
    )
    return apply_timeseries(vms, pct)


def estimate(
    inventory: Inventory | str | Path | Sequence[str | Path],
    assumptions: Assumptions | None = None,
    *,
    scenarios: Sequence[str | Path | Assumptions] | None = None,
    uncertainty: bool = True,
    timeseries: str | Path | Sequence[str | Path] | pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> Estimate:
    """Run the whole estimate.

    `inventory` is an `Inventory` or path(s) to read. `scenarios` (preset names, assumption
    files or `Assumptions`) are estimated side by side with the main result. `timeseries` is a
    folder or files of per-VM utilisation series (Bitbrains-style CSV), or the frame
    `read_timeseries` returns; matched VMs are sized from its percentiles.

    Example:
        >>> est = estimate("data/sample-rvtools.xlsx")  # doctest: +SKIP
        >>> est.summary["nodes"]  # doctest: +SKIP
    """
    say = progress or (lambda _msg: None)
    inv = inventory if isinstance(inventory, Inventory) else read_inventory(inventory)
    a = assumptions if assumptions is not None else load_assumptions()
    series = None
    if timeseries is not None:
        say("Reading time series")
        series = (timeseries if isinstance(timeseries, pd.DataFrame)
                  else read_timeseries(_paths(timeseries)))
    say("Sizing and packing")
    est = _estimate_one(inv, a, run_uncertainty=uncertainty, progress=say, series=series)
    if scenarios:
        from estimator.uncertainty import scenario_table

        say("Scenarios")
        runs = [(name, _resolve_scenario(s)) for name, s in _named(scenarios)]
        others = [
            (name, _estimate_one(inv, sa, run_uncertainty=uncertainty, progress=say,
                                 series=series))
            for name, sa in runs
        ]
        est = replace(est, scenarios=scenario_table([("as configured", est), *others]))
    return est


def _paths(p: str | Path | Sequence[str | Path]) -> Path | list[Path]:
    return Path(p) if isinstance(p, str | Path) else [Path(x) for x in p]


def _named(scenarios: Sequence[str | Path | Assumptions]) -> list[tuple[str, Any]]:
    out = []
    for i, s in enumerate(scenarios):
        if isinstance(s, Assumptions):
            out.append((f"scenario {i + 1}", s))
        else:
            out.append((Path(str(s)).stem if str(s).endswith(".toml") else str(s), s))
    return out


def _resolve_scenario(s: str | Path | Assumptions) -> Assumptions:
    from estimator.assumptions import PRESETS

    if isinstance(s, Assumptions):
        return s
    if str(s) in PRESETS:
        return load_assumptions(preset=str(s))
    if Path(str(s)).exists():
        return load_assumptions(files=[Path(str(s))])
    raise ConfigError(
        f"unknown scenario {s!r}", hint=f"use a preset ({', '.join(PRESETS)}) or a .toml file"
    )


def _estimate_one(
    inv: Inventory,
    a: Assumptions,
    *,
    run_uncertainty: bool,
    progress: Progress,
    series: pd.DataFrame | None = None,
) -> Estimate:
    values = a.flat_values()
    overrides = load_overrides(Path(a.scope.overrides_file)) if a.scope.overrides_file else None
    scoped = apply_scope(inv.vms, a.scope, overrides)
    notes: list[str] = []
    if series is not None:
        scoped, matched = apply_series(scoped, series, values)
        notes.append(f"usage of {matched} VM(s) taken from time-series percentiles "
                     f"(CPU p{values['sizing.cpu_percentile']:g}, "
                     f"memory p{values['sizing.memory_percentile']:g})")
    plan = plan_estate(scoped, a, values)
    progress("Costs")
    costs = compute_costs(plan.vms, inv.hosts, plan.pools, a, values)
    per_vm = costs.per_vm.drop(columns=["vm_id"], errors="ignore")
    vms = pd.concat([plan.vms, per_vm.reindex(plan.vms.index)], axis=1)
    quality = validation_summary(inv, scoped)
    summary = summarise(vms, plan, costs, quality, values)
    unc = None
    if run_uncertainty and a.ranges():
        from estimator.uncertainty import run_uncertainty as _run

        progress("Monte Carlo")
        # With time series the re-plans keep the likely percentiles' usage (see uncertainty.md).
        unc = _run(scoped, inv.hosts, a, point=summary, plan=plan, progress=progress)
    return Estimate(
        name=_estate_name(inv),
        currency=a.finance.currency,
        inputs=tuple(f.file for f in inv.files),
        summary=summary,
        vms=vms,
        hosts=costs.hosts,
        pools=plan.pools,
        costs=costs.categories,
        cash_flow=costs.cash_flow,
        fit_reasons=top_reasons(vms, 20),
        quality=quality,
        assumptions=a,
        assumption_table=a.table(),
        uncertainty=unc,
        notes=tuple(notes) + tuple(costs.notes),
    )


def _estate_name(inv: Inventory) -> str:
    if not inv.files:
        return "estate"
    stem = Path(inv.files[0].file).stem
    return stem if len(inv.files) == 1 else f"{stem} (+{len(inv.files) - 1})"


def summarise(
    vms: pd.DataFrame, plan: Plan, costs: CostResult, quality: dict[str, Any],
    values: dict[str, float],
) -> dict[str, Any]:
    """The headline figures (`estimator.model.SUMMARY_KEYS`) from the step results."""
    in_scope = vms["in_scope"].astype("boolean").fillna(False).to_numpy(bool)
    scoped = vms[in_scope]
    moves = scoped["moves"].astype("boolean").fillna(False)
    retire = scoped["fit_level"].isin(list(RETIRING_LEVELS)) | scoped["retire_candidate"].astype(
        "boolean").fillna(False)
    q = costs.quantities
    host_count = int(q.hosts_before)
    totals = plan.plan.totals
    spares = int(plan.pools["spare_nodes"].sum()) if len(plan.pools) else 0
    usage = quality.get("quality", {}).get("overall", {})
    eos = scoped["os_end_of_support"].astype("boolean").fillna(False)
    return {
        "vms_total": len(vms),
        "rows_rejected": int(usage.get("rows_dropped", 0)),
        "vms_in_scope": int(in_scope.sum()),
        "vms_excluded": {k: n for k, n in excluded_counts(vms).items() if n},
        "vcpus_in_scope": float(scoped["vcpus"].sum()),
        "memory_gib_in_scope": float(scoped["memory_gib"].sum()),
        "vms_moving": int(moves.sum()),
        "vms_staying": int((~moves & ~retire).sum()),
        "vms_retiring": int(retire.sum()),
        "fit_counts": fit_counts(scoped),
        "os_end_of_support_vms": int(eos.sum()),
        "hosts": host_count,
        "hosts_inferred": bool(q.hosts_inferred or q.unlisted_hosts),
        "physical_cores": float(q.physical_cores_before) if host_count else None,
        "vms_per_host": float(in_scope.sum() / host_count) if host_count else None,
        "nodes": int(totals.get("nodes", 0)),
        "nodes_lower_bound": int(totals.get("nodes_lower_bound", 0)),
        "spare_nodes": spares,
        "workloads": int(totals.get("workloads", 0)),
        "workloads_per_node": float(totals.get("workloads_per_node", 0.0)),
        "isolation_extra_nodes": plan.isolation_extra_nodes,
        "sizing_fallbacks": int(plan.fallbacks),
        "annual_before": costs.annual_before,
        "annual_after": costs.annual_after,
        "annual_savings": costs.annual_savings,
        "one_off_migration": costs.one_off_migration,
        "payback_months": costs.payback_months,
        "npv": costs.npv,
        "horizon_years": int(values["finance.horizon_years"]),
        "usage_coverage": usage.get("usage_share"),
        "confidence_stars": usage.get("stars"),
    }
