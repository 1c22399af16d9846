"""Which assumptions change the plan, and re-planning the estate for a few of their values.

Three kinds of ranged key:

- *plan* keys change sizing, fit or packing (everything plan_estate reads from the values:
  `sizing.*`, `fit.*`, the platform keys below, node-type geometry). They need a re-plan.
- *quantity* keys change `cost_quantities()` but not the plan (host geometry, OS disk sizes,
  workloads per namespace, node power; `estimator.costs.QUANTITY_KEYS`).
- *price* keys only enter `price()` / `cash_flow()`, which take arrays of draws directly.

`Replanner.at(overrides)` gives the cost quantities and node count for the point assumptions
with a few plan or quantity keys moved. Two re-plan methods:

- ``"exact"``: `plan_estate()` (sizing, fit, full packing) and `cost_quantities()`.
- ``"scaled"`` (default): sizing re-runs exactly; fit, pools and node types stay those of the
  point plan; each pool's packed node count is scaled by its volume bound
  max(Σ cpu / node cpu, Σ memory / node memory, Σ pods / node pods) at the new requests and
  node capacity, over the same bound at the point, rounded up. Used because packing 10^5 VMs
  takes tens of seconds per plan. Keys the scaled method cannot follow (fit thresholds, node
  geometry) fall back to the exact method for that run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from estimator.assumptions import Assumptions
from estimator.costs import QUANTITY_KEYS, CostQuantities, cost_quantities
from estimator.packing import node_capacity
from estimator.pipeline import Plan, node_types_frame, plan_estate
from estimator.sizing import size_containers

ReplanMethod = Literal["scaled", "exact"]
REPLAN_METHODS: tuple[str, ...] = ("scaled", "exact")

# Platform values plan_estate reads (capacity, headroom, spares).
PLAN_PLATFORM_KEYS: frozenset[str] = frozenset({
    "platform.max_pods_per_node",
    "platform.target_utilisation",
    "platform.daemonset_cpu_cores",
    "platform.daemonset_memory_gib",
    "platform.ha_spare_nodes_per_pool",
})
# Plan keys the scaled re-plan follows (requests and node capacity); others re-plan exactly.
SCALED_PLAN_KEYS: frozenset[str] = frozenset({
    "platform.max_pods_per_node",
    "platform.target_utilisation",
    "platform.daemonset_cpu_cores",
    "platform.daemonset_memory_gib",
})


def key_kind(key: str) -> Literal["plan", "quantity", "price"]:
    """"plan", "quantity" or "price" for a dotted numeric key (see the module docstring)."""
    parts = key.split(".")
    if key.startswith(("sizing.", "fit.")) or key in PLAN_PLATFORM_KEYS:
        return "plan"
    if key.startswith("platform.node_types.") and parts[-1] in ("cores", "memory_gib"):
        return "plan"
    if key in QUANTITY_KEYS or (key.startswith("platform.node_types.")
                                and parts[-1] == "power_kw"):
        return "quantity"
    return "price"


def _scaled_key(key: str) -> bool:
    return (key.startswith("sizing.") and key != "sizing.replicas") or key in SCALED_PLAN_KEYS


@dataclass(frozen=True)
class PlanPoint:
    """Cost quantities and node count for one set of plan and quantity values."""

    quantities: CostQuantities
    nodes: float
    pool_nodes: np.ndarray  # per row of the point plan's pools (scaled) or the new plan's
    exact: bool  # True when the plan came from plan_estate


class Replanner:
    """Re-plans the estate for moved plan/quantity keys, caching by the moved values."""

    def __init__(self, scoped_vms: pd.DataFrame, hosts: pd.DataFrame | None,
                 assumptions: Assumptions, *, plan: Plan | None = None,
                 method: ReplanMethod = "scaled") -> None:
        if method not in REPLAN_METHODS:
            raise ValueError(f"method must be one of {REPLAN_METHODS}, got {method!r}")
        self.vms = scoped_vms
        self.hosts = hosts
        self.assumptions = assumptions
        self.values = assumptions.flat_values()
        self.method = method
        self.plan = plan if plan is not None else plan_estate(scoped_vms, assumptions,
                                                              self.values)
        q0 = cost_quantities(self.plan.vms, hosts, self.plan.pools, assumptions, self.values)
        pool_nodes = self.plan.pools["nodes"].to_numpy(dtype=float) if len(self.plan.pools) \
            else np.zeros(0)
        self.point = PlanPoint(q0, float(pool_nodes.sum()), pool_nodes, True)
        self._cache: dict[tuple[tuple[str, float], ...], PlanPoint] = {}
        self.runs = {"exact": 0, "scaled": 0, "quantities": 0}
        self._prepare_scaled()

    # -- scaled re-plan ---------------------------------------------------------------------
    def _prepare_scaled(self) -> None:
        """Placed workloads per pool of the point plan, and the point's volume bounds."""
        vms, pools = self.plan.vms, self.plan.pools
        placed = (vms["moves"].astype("boolean").fillna(False).to_numpy(dtype=bool)
                  & vms["node_index"].notna().to_numpy(dtype=bool)) if len(vms) else \
            np.zeros(0, dtype=bool)
        pool_names = pools["pool"].astype(str).tolist() if len(pools) else []
        pool_of = vms["pool"].astype("string").to_numpy(dtype=object, na_value=None)
        code = np.full(len(vms), -1, dtype=np.int64)
        for i, name in enumerate(pool_names):
            code[placed & (pool_of == name)] = i
        self._pool_code = code
        self._types = node_types_frame(self.assumptions).set_index("name", drop=False)
        self._volume0 = self._volumes(vms["cpu_request_cores"], vms["memory_request_gib"],
                                      vms["replicas"], self.values, self._types)
        spares = pools["spare_nodes"].to_numpy(dtype=float) if len(pools) else np.zeros(0)
        self._spares = spares
        self._packed0 = (pools["nodes"].to_numpy(dtype=float) - spares) if len(pools) \
            else np.zeros(0)

    def _volumes(self, cpu: pd.Series, mem: pd.Series, replicas: pd.Series,
                 values: Mapping[str, float], types: pd.DataFrame) -> np.ndarray:
        """Per pool: max over cpu, memory, pods of Σ demand / node capacity."""
        pools = self.plan.pools
        n_pools = len(pools)
        if n_pools == 0:
            return np.zeros(0)
        mask = self._pool_code >= 0
        code = self._pool_code[mask]
        reps = pd.to_numeric(replicas, errors="coerce").to_numpy(dtype=float)[mask]
        reps = np.nan_to_num(np.floor(reps))
        sums = [np.bincount(code, weights=reps * pd.to_numeric(col, errors="coerce")
                            .to_numpy(dtype=float)[mask], minlength=n_pools)
                for col in (cpu, mem)]
        sums.append(np.bincount(code, weights=reps, minlength=n_pools))
        demand = np.stack(sums, axis=1)
        p = self.assumptions.platform
        out = np.zeros(n_pools)
        for i, row in enumerate(pools.itertuples()):
            cap, _, _ = node_capacity(
                types.loc[[str(row.node_type)]], os_family=str(row.os_family),
                reservation_model=p.reservation_model,
                max_pods_per_node=int(values["platform.max_pods_per_node"]),
                target_utilisation=values["platform.target_utilisation"],
                daemonset_cpu_cores=values["platform.daemonset_cpu_cores"],
                daemonset_memory_gib=values["platform.daemonset_memory_gib"],
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(cap[0] > 0, demand[i] / cap[0], np.where(demand[i] > 0,
                                                                         np.inf, 0.0))
            out[i] = float(ratio.max())
        return out

    def _scaled_pool_nodes(self, a: Assumptions, values: Mapping[str, float]) -> np.ndarray:
        sizing = size_containers(self.vms, a.sizing, values).frame.reindex(self.plan.vms.index)
        volume = self._volumes(sizing["cpu_request_cores"], sizing["memory_request_gib"],
                               sizing["replicas"], values, self._types)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(self._volume0 > 0, volume / self._volume0, 1.0)
        # rounding guard: the point itself must give back exactly the packed count
        packed = np.ceil(self._packed0 * scale - 1e-9)
        packed = np.where(self._packed0 > 0, np.maximum(packed, 1.0), 0.0)
        return packed + self._spares

    # -- public ---------------------------------------------------------------------------
    def at(self, overrides: Mapping[str, float]) -> PlanPoint:
        """Quantities and nodes with `overrides` (plan/quantity key -> value), others likely."""
        moved = {k: float(v) for k, v in overrides.items()
                 if not math.isclose(float(v), self.values[k], rel_tol=0, abs_tol=0)}
        if not moved:
            return self.point
        cache_key = tuple(sorted(moved.items()))
        hit = self._cache.get(cache_key)
        if hit is None:
            hit = self._run(moved)
            self._cache[cache_key] = hit
        return hit

    def _run(self, moved: dict[str, float]) -> PlanPoint:
        a = self.assumptions.with_values(moved)
        values = a.flat_values()
        plan_moved = [k for k in moved if key_kind(k) == "plan"]
        quantity_moved = any(key_kind(k) == "quantity" for k in moved)
        if plan_moved and (self.method == "exact" or not all(map(_scaled_key, plan_moved))):
            plan = plan_estate(self.vms, a, values)
            self.runs["exact"] += 1
            q = cost_quantities(plan.vms, self.hosts, plan.pools, a, values)
            self.runs["quantities"] += 1
            nodes = plan.pools["nodes"].to_numpy(dtype=float) if len(plan.pools) \
                else np.zeros(0)
            return PlanPoint(q, float(nodes.sum()), nodes, True)
        q0 = self.point.quantities
        pool_nodes = self.point.pool_nodes
        pools = self.plan.pools
        if plan_moved:
            pool_nodes = self._scaled_pool_nodes(a, values)
            self.runs["scaled"] += 1
            pools = pools.assign(nodes=pool_nodes.astype(np.int64))
        if quantity_moved:
            q = cost_quantities(self.plan.vms, self.hosts, pools, a, values)
            self.runs["quantities"] += 1
        else:
            # Only node counts moved: the quantities are the point's with new pool sizes.
            q = replace(q0, pools=replace(q0.pools, nodes=pool_nodes.astype(float)))
        return PlanPoint(q, float(pool_nodes.sum()), pool_nodes, False)


def describe_runs(planner: Replanner) -> dict[str, Any]:
    """How many re-plans of each kind a Monte Carlo needed (for benchmarks and notes)."""
    return dict(planner.runs)
