"""Planning: size, classify and pack the in-scope VMs for one set of assumptions (no prices).

`plan_estate()` is the step both the pipeline and the Monte Carlo re-plans run, so it lives
here, below both: pipeline -> planning and uncertainty -> planning, never back.

    >>> plan = plan_estate(scoped_vms, assumptions)     # doctest: +SKIP
    >>> plan.pools[["pool", "node_type", "nodes"]]       # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from estimator.assumptions import Assumptions
from estimator.assumptions._model import HOST_SHAPED_PREFIX
from estimator.assumptions.sections import host_shaped_node
from estimator.costs.nodes import node_costs
from estimator.fit import RULES, classify_fit
from estimator.inventory.timeseries import apply_timeseries, utilisation_percentiles
from estimator.packing import PoolPlan, isolation_cost, node_capacity, plan_pools
from estimator.sizing import assign_pools, os_overhead, size_containers

# Columns of the node-type catalogue frame.
NODE_TYPE_COLUMNS: tuple[str, ...] = ("name", "cores", "memory_gib", "hardware_annual_cost",
                                      "power_kw", "os")


@dataclass(frozen=True)
class Plan:
    """Sizing, fit and packing for one set of assumptions.

    `vms` is the scoped frame with the sizing, fit, `pool` and `node_index` columns added;
    `pools` has one row per pool (`estimator.model.PoolRow` columns).
    """

    vms: pd.DataFrame
    pools: pd.DataFrame
    plan: PoolPlan
    fallbacks: int
    isolation_extra_nodes: int
    rightsized_hosts: float | None = None  # hosts for the right-sized VMs (containers off)


def node_types_frame(assumptions: Assumptions) -> pd.DataFrame:
    """The node catalogue: name, cores, memory_gib, hardware_annual_cost (amortised hardware
    or cloud price per node-year, likely value), power_kw, os."""
    rows = []
    for name, nt in assumptions.platform.node_types.items():
        d = nt.model_dump()
        rows.append({
            "name": name,
            "cores": float(d["cores"]),
            "memory_gib": float(d["memory_gib"]),
            "hardware_annual_cost": _likely(d["hardware_per_node_year"]),
            "power_kw": _likely(d["power_kw"]),
            "os": str(d["os"]),
        })
    return pd.DataFrame(rows, columns=list(NODE_TYPE_COLUMNS))


def with_host_shaped_node(assumptions: Assumptions, hosts: pd.DataFrame | None) -> Assumptions:
    """`assumptions` plus a node type shaped like today's most common host (cores, memory),
    when `platform.host_shaped_node_type` is on and the inventory lists hosts."""
    p = assumptions.platform
    if not p.host_shaped_node_type or hosts is None or len(hosts) == 0:
        return assumptions
    values = assumptions.flat_values()
    shape = host_shape(hosts, values)
    if shape == (float(values["current.host_cores"]), float(values["current.host_memory_gib"])):
        return assumptions  # no listed host had a usable shape
    cores, memory = int(shape[0]), shape[1]
    if any(nt.cores == cores and nt.memory_gib == memory for nt in p.node_types.values()):
        return assumptions
    name = f"{HOST_SHAPED_PREFIX}{cores}c-{memory:g}g"
    types = {**p.node_types, name: host_shaped_node(cores, memory)}
    return assumptions.model_copy(
        update={"platform": p.model_copy(update={"node_types": types})})


def _likely(value: Any) -> float:
    return float(value["likely"] if isinstance(value, dict) else value)


def capacity_settings(assumptions: Assumptions, values: Mapping[str, float]) -> dict[str, Any]:
    """The platform settings every node-capacity computation uses (reservations, headroom)."""
    return {
        "reservation_model": assumptions.platform.reservation_model,
        "max_pods_per_node": int(values["platform.max_pods_per_node"]),
        "target_utilisation": float(values["platform.target_utilisation"]),
        "daemonset_cpu_cores": float(values["platform.daemonset_cpu_cores"]),
        "daemonset_memory_gib": float(values["platform.daemonset_memory_gib"]),
    }


def pod_capacity(nodes: pd.DataFrame, assumptions: Assumptions, values: Mapping[str, float],
                 os_family: str) -> np.ndarray:
    """Capacity for workload pods per node type: (types, 3) of cores, GiB and pods."""
    return node_capacity(nodes, os_family=os_family,
                         **capacity_settings(assumptions, values))[0]


def plan_estate(vms: pd.DataFrame, assumptions: Assumptions,
                values: Mapping[str, float] | None = None,
                hosts: pd.DataFrame | None = None) -> Plan:
    """Size, classify and pack the in-scope VMs of `vms` (already scoped).

    With `platform.containers` off nothing moves: the VMs that stay are right-sized from the
    same evidence and consolidated onto hosts shaped like today's (`rightsized_hosts`).
    """
    a = assumptions
    values = values if values is not None else a.flat_values()
    sizing = size_containers(vms, a.sizing, values)
    nodes = node_types_frame(a)
    # Fit needs the largest request any node type can host: the capacity packing uses.
    capacity = pod_capacity(nodes, a, values, "linux")
    max_request = (float(capacity[:, 0].max()), float(capacity[:, 1].max()))
    sized = pd.concat([vms, sizing.frame], axis=1)
    fit = classify_fit(sized, a.fit, values, max_request=max_request)
    out = pd.concat([sized, fit], axis=1)
    if not a.platform.containers:
        out["moves"] = False
        out["needs_os_upgrade"] = False
    out["pool"] = assign_pools(out, list(a.platform.isolation_keys)).where(out["moves"], pd.NA)

    items = out.loc[out["moves"].fillna(False).astype(bool),
                    ["pool", "os_family", "cpu_request_cores", "memory_request_gib", "replicas"]]
    plan, extra = _plan_by_os(items, nodes, a, values)
    out["node_index"] = plan.node_index.reindex(out.index).astype("Int64")
    if len(plan.unplaceable):
        out = _unplaceable_stay(out, plan.unplaceable)
    rightsized = None if a.platform.containers else rightsized_hosts(out, a, values, hosts)
    return Plan(out, plan.pools, plan, sizing.fallbacks, int(extra), rightsized)


def _unplaceable_stay(vms: pd.DataFrame, unplaceable: pd.DataFrame) -> pd.DataFrame:
    """Moving VMs that packing could not place (no node type of their pool holds them with the
    rest, or a request packing rejects) stay VMs with SIZE-EXCEEDS-NODE and packing's reason:
    a VM never counts as moving without a node to run on."""
    rows = unplaceable.index.intersection(vms.index)
    if rows.empty:
        return vms
    out = vms.copy()
    rule = next(r for r in RULES if r.id == "SIZE-EXCEEDS-NODE")
    rules = out.loc[rows, "fit_rules"].astype("string").fillna("")
    out.loc[rows, "fit_rules"] = (rules + ";" + rule.id).str.lstrip(";")
    out.loc[rows, "fit_reason"] = ("Packing could not place it on any node: "
                                   + unplaceable.loc[rows, "reason"].astype("string") + ".")
    out.loc[rows, "fit_level"] = rule.level
    out.loc[rows, ["moves", "needs_os_upgrade", "retire_candidate"]] = False
    out.loc[rows, "pool"] = pd.NA
    return out


def rightsized_hosts(vms: pd.DataFrame, assumptions: Assumptions, values: Mapping[str, float],
                     hosts: pd.DataFrame | None) -> float:
    """Hosts like today's most common one that hold the staying VMs right-sized: each VM's
    request plus the guest OS it keeps, at the target utilisation, plus the HA spares."""
    stay = (vms["in_scope"].astype("boolean").fillna(False)
            & ~vms["moves"].astype("boolean").fillna(False)
            & ~vms["fit_level"].isin(["retire_idle", "retire_with_platform"]).fillna(False)
            ).to_numpy(dtype=bool)
    cpu_os, mem_os = os_overhead(vms, values)
    cpu = float(np.nansum((vms["cpu_request_cores"].to_numpy(dtype=float) + cpu_os)[stay]))
    mem = float(np.nansum((vms["memory_request_gib"].to_numpy(dtype=float) + mem_os)[stay]))
    cores, memory = host_shape(hosts, values)
    util = float(values["platform.target_utilisation"])
    need = max(cpu / (cores * util), mem / (memory * util))
    spares = float(values["platform.ha_spare_nodes_per_pool"])
    return float(np.ceil(need - 1e-9)) + spares if stay.any() else 0.0


def host_shape(hosts: pd.DataFrame | None, values: Mapping[str, float]) -> tuple[float, float]:
    """Cores and memory of today's most common host (current.* when no host is listed)."""
    if hosts is not None and len(hosts):
        shapes = pd.DataFrame({
            "cores": pd.to_numeric(hosts["cores"], errors="coerce"),
            "memory_gib": pd.to_numeric(hosts["memory_gib"], errors="coerce").round(),
        }).dropna()
        shapes = shapes[(shapes["cores"] >= 1) & (shapes["memory_gib"] >= 1)]
        if len(shapes):
            counts = shapes.value_counts(sort=False).reset_index(name="hosts")
            top = counts.sort_values(["hosts", "cores", "memory_gib"], ascending=False).iloc[0]
            return float(top["cores"]), float(top["memory_gib"])
    return float(values["current.host_cores"]), float(values["current.host_memory_gib"])


def _plan_by_os(items: pd.DataFrame, nodes: pd.DataFrame, a: Assumptions,
                values: Mapping[str, float]) -> tuple[PoolPlan, int]:
    """Pack each OS family's pools with node types priced at their full yearly cost.

    Hardware alone would favour many small nodes; per-node and per-core charges (subscription,
    node OS licences, node care) are part of what a pool costs, so the node-type choice sees
    them. Returns the merged plan and the extra nodes isolation beyond OS family costs.
    """
    kwargs: dict[str, Any] = {
        **capacity_settings(a, values),
        "ha_spare_nodes_per_pool": int(values["platform.ha_spare_nodes_per_pool"]),
    }
    # packing minimises the column `annual_cost_usd`: the fully loaded node cost
    typed = nodes.assign(annual_cost_usd=nodes["hardware_annual_cost"])
    if items.empty:
        return _named(plan_pools(items, typed, **kwargs)), 0
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
    return _named(PoolPlan(pools, node_index, totals, unplaceable)), int(extra)


def _named(plan: PoolPlan) -> PoolPlan:
    """The pools table with the result's column names (`annual_cost`, not packing's)."""
    pools = plan.pools.rename(columns={"annual_cost_usd": "annual_cost"})
    return PoolPlan(pools, plan.node_index, plan.totals, plan.unplaceable)


def apply_series(vms: pd.DataFrame, series: pd.DataFrame,
                 values: Mapping[str, float]) -> tuple[pd.DataFrame, int]:
    """Usage from time-series percentiles (sizing.cpu_percentile / memory_percentile)."""
    pct = utilisation_percentiles(
        series,
        cpu_percentile=values["sizing.cpu_percentile"],
        memory_percentile=values["sizing.memory_percentile"],
    )
    return apply_timeseries(vms, pct)
