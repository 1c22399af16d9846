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
- ``"scaled"`` (default): sizing re-runs exactly; fit and pools stay those of the point plan.
  For each pool and node type the volume bound
  V = max(Σ cpu / node cpu, Σ memory / node memory, Σ pods / node pods) is taken at the new
  requests and node capacity; packed nodes = V × the point plan's packed nodes per unit of V,
  rounded to the nearest count (the point's packing has slack; rounding up would add half a
  node per pool to every draw), never below ceil(V). The pool keeps the point plan's node type
  unless another type that holds every pod is estimated strictly cheaper ((packed + spares) ×
  the fully loaded likely node-year the packing chose by, calibrated so that no type beats the
  chosen one at the point itself). Used because packing 10^5 VMs takes tens of seconds per
  plan. Fit thresholds re-classify the point plan's VMs (no packing) when the set of moving
  VMs stays the same. Keys the scaled method cannot follow (node geometry, spares, a fit
  change that moves other VMs) fall back to the exact method for that run.

Re-plans work on aggregates, so that a million VMs fit in the point estimate's memory: the VM
columns the cost model reads are converted once (`estimator.costs.vm_columns`), only the placed
VMs are re-sized (`estimator.sizing.size_requests`), a fit threshold re-classifies only the VMs
whose verdict it changes, and each `PlanPoint` keeps per-pool and per-category quantities
(`cost_quantities(per_vm=False)`). The results equal those of re-planning the whole frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from estimator.assumptions import Assumptions
from estimator.costs import QUANTITY_KEYS, CostQuantities, cost_quantities
from estimator.costs.nodes import node_costs
from estimator.costs.quantities import quantities_of, vm_columns
from estimator.fit import FIT_COLUMNS, classify_fit
from estimator.inventory.timeseries import SeriesUsage
from estimator.packing import node_capacity
from estimator.planning import (
    Plan,
    capacity_settings,
    node_types_frame,
    plan_estate,
    pod_capacity,
    rightsized_hosts,
)
from estimator.sizing import SizingInputs, size_requests, sizing_inputs

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
    "current.vcpu_per_core",  # sizes VMs without usage or measured hosts
})


def key_kind(key: str) -> Literal["plan", "quantity", "price"]:
    """"plan", "quantity" or "price" for a dotted numeric key (see the module docstring)."""
    parts = key.split(".")
    if key.startswith(("sizing.", "fit.")) or key in PLAN_PLATFORM_KEYS \
            or key == "current.vcpu_per_core":
        return "plan"
    if key.startswith("platform.node_types.") and parts[-1] in ("cores", "memory_gib"):
        return "plan"
    if key in QUANTITY_KEYS or (key.startswith("platform.node_types.")
                                and parts[-1] == "power_kw"):
        return "quantity"
    return "price"


def _scaled_key(key: str) -> bool:
    return ((key.startswith("sizing.") and key != "sizing.replicas") or key in SCALED_PLAN_KEYS
            or key.startswith("fit."))


@dataclass(frozen=True)
class PlanPoint:
    """Cost quantities and node capacity for one set of plan and quantity values."""

    quantities: CostQuantities
    nodes: float
    pool_nodes: np.ndarray  # per row of the point plan's pools (scaled) or the new plan's
    exact: bool  # True when the plan came from plan_estate
    node_cores: float = 0.0  # physical cores of every node, spares included
    node_memory_gib: float = 0.0


def _capacity(pools: pd.DataFrame) -> tuple[float, float]:
    if pools.empty:
        return 0.0, 0.0
    n = pools["nodes"].to_numpy(dtype=float)
    return (float((n * pools["node_cores"].to_numpy(dtype=float)).sum()),
            float((n * pools["node_memory_gib"].to_numpy(dtype=float)).sum()))


def _float(vms: pd.DataFrame, column: str) -> np.ndarray:
    """A numeric column as `estimator.fit` reads it (NaN where missing)."""
    if column not in vms.columns:
        return np.full(len(vms), np.nan)
    return pd.to_numeric(vms[column], errors="coerce").astype("float64").to_numpy(na_value=np.nan)


# Fit values whose rule is a threshold on one VM's numbers (see _FitInputs.masks); a re-fit
# that moves only these re-classifies only the VMs on which a rule changes its verdict.
FIT_THRESHOLD_KEYS: frozenset[str] = frozenset({
    "fit.large_vcpus", "fit.stateful_storage_gib", "fit.idle_cpu_util", "fit.idle_memory_util",
})


@dataclass(frozen=True)
class _FitInputs:
    """The VM numbers that the value-dependent fit rules compare with their thresholds."""

    vcpus: np.ndarray
    cpu_util: np.ndarray
    memory_util: np.ndarray
    used_gib: np.ndarray  # used storage, else provisioned
    cpu_request: np.ndarray  # the sized request, else the allocation
    memory_request: np.ndarray

    @staticmethod
    def read(vms: pd.DataFrame) -> _FitInputs:
        vcpus, memory = _float(vms, "vcpus"), _float(vms, "memory_gib")
        used = _float(vms, "storage_used_gib")
        return _FitInputs(
            vcpus, _float(vms, "cpu_util"), _float(vms, "memory_util"),
            np.where(np.isnan(used), _float(vms, "storage_provisioned_gib"), used),
            _float(vms, "cpu_request_cores") if "cpu_request_cores" in vms.columns else vcpus,
            _float(vms, "memory_request_gib") if "memory_request_gib" in vms.columns
            else memory)

    def masks(self, values: Mapping[str, float], max_request: tuple[float, float]
              ) -> list[np.ndarray]:
        """The verdicts of the fit rules that read `FIT_THRESHOLD_KEYS` or the largest
        request (SIZE-LARGE-VCPU, SIZE-STATEFUL-LARGE, USE-IDLE, SIZE-EXCEEDS-NODE), as
        `estimator.fit` computes them; tests compare the re-fit with a full one."""
        large = float(values["fit.large_vcpus"])
        zombie = (self.cpu_util == 0) & (self.memory_util == 0)
        return [
            (self.vcpus > large) & ~(self.vcpus * self.cpu_util <= large),
            self.used_gib > float(values["fit.stateful_storage_gib"]),
            (self.cpu_util < float(values["fit.idle_cpu_util"]))
            & (self.memory_util < float(values["fit.idle_memory_util"])) & ~zombie,
            (self.cpu_request > max_request[0]) | (self.memory_request > max_request[1]),
        ]


@dataclass(frozen=True)
class _Refit:
    """Fit columns that changed: `frame` (FIT_COLUMNS) for the point plan's rows `rows`."""

    rows: np.ndarray
    frame: pd.DataFrame


# The columns `rightsized_hosts` reads.
_RIGHTSIZED_COLUMNS = ("in_scope", "moves", "fit_level", "cpu_request_cores",
                       "memory_request_gib", "os_family")


class Replanner:
    """Re-plans the estate for moved plan/quantity keys, caching by the moved values.

    Memory stays at the point plan plus a few arrays per VM: the VM columns the cost model
    reads are converted once (`estimator.costs.vm_columns`); a re-plan keeps per-pool node
    counts and per-VM requests of the placed VMs only while it runs, and its `PlanPoint`
    holds aggregate quantities (`cost_quantities(per_vm=False)`), never a per-VM frame.
    """

    def __init__(self, scoped_vms: pd.DataFrame, hosts: pd.DataFrame | None,
                 assumptions: Assumptions, *, plan: Plan | None = None,
                 method: ReplanMethod = "scaled",
                 quantities: CostQuantities | None = None,
                 series: SeriesUsage | None = None) -> None:
        """`plan` is the point plan when the caller has it (saves one full packing), and
        `quantities` its cost quantities (saves reading them again). `series` is the time-series
        VMs' use at a grid of percentiles (rows of `scoped_vms`): with it, a re-plan at another
        `sizing.cpu_percentile` or `memory_percentile` sizes those VMs at that percentile."""
        self.series = series
        if method not in REPLAN_METHODS:
            raise ValueError(f"method must be one of {REPLAN_METHODS}, got {method!r}")
        self.vms = scoped_vms
        self.hosts = hosts
        self.assumptions = assumptions
        self.values = assumptions.flat_values()
        self.method = method
        self.plan = plan if plan is not None else plan_estate(scoped_vms, assumptions,
                                                              self.values, hosts)
        self._cols = vm_columns(self.plan.vms, hosts, self.values)
        q0 = quantities if quantities is not None else quantities_of(
            self._cols, hosts, self.plan.pools, assumptions, self.values,
            self.plan.rightsized_hosts, per_vm=False)
        pool_nodes = self.plan.pools["nodes"].to_numpy(dtype=float) if len(self.plan.pools) \
            else np.zeros(0)
        self.point = PlanPoint(q0, float(pool_nodes.sum()), pool_nodes, True,
                               *_capacity(self.plan.pools))
        self._cache: dict[tuple[tuple[str, float], ...], PlanPoint] = {}
        self.runs = {"exact": 0, "scaled": 0, "quantities": 0}
        # position in scoped_vms of each row of the plan (the same rows, normally in order)
        self._vm_rows = np.arange(len(scoped_vms)) if scoped_vms.index.equals(
            self.plan.vms.index) else scoped_vms.index.get_indexer(self.plan.vms.index)
        self._fit: _FitInputs | None = None
        self._slim: pd.DataFrame | None = None
        self._prepare_scaled()

    # -- scaled re-plan ---------------------------------------------------------------------
    def _prepare_scaled(self) -> None:
        """Placed workloads per pool of the point plan, volume bounds and type calibration."""
        vms, pools = self.plan.vms, self.plan.pools
        placed = (vms["moves"].astype("boolean").fillna(False).to_numpy(dtype=bool)
                  & vms["node_index"].notna().to_numpy(dtype=bool)) if len(vms) else \
            np.zeros(0, dtype=bool)
        pool_names = pools["pool"].astype(str).tolist() if len(pools) else []
        # pool of each VM by its distinct pool names (a later pool of the same name wins)
        index_of = {name: i for i, name in enumerate(pool_names)}
        codes, uniques = pd.factorize(vms["pool"].astype("string"))
        table = np.array([index_of.get(str(u), -1) for u in uniques] + [-1], dtype=np.int64)
        code = np.where(placed, table[codes], -1)
        self._rows = np.flatnonzero(code >= 0)  # the placed VMs, in plan order
        self._code = code[self._rows]
        reps = pd.to_numeric(vms["replicas"], errors="coerce").to_numpy(dtype=float)[self._rows]
        self._reps = np.nan_to_num(np.floor(reps))
        # only the placed VMs are re-sized: nothing else enters a pool's volume bound
        self._sizing = sizing_inputs(self.vms).take(self._vm_rows[self._rows])
        self._types = node_types_frame(self.assumptions).reset_index(drop=True)
        names = self._types["name"].astype(str).tolist()
        self._type0 = np.array([names.index(str(t)) for t in pools["node_type"]], dtype=np.int64) \
            if len(pools) else np.zeros(0, dtype=np.int64)
        # the fully loaded node-year per pool and type (hardware, subscriptions, power...),
        # the price packing chose the point's types by
        priced = node_costs(self._types, pools["os_family"].astype(str).tolist(),
                            self.assumptions, self.values) if len(pools) else None
        self._price = np.stack([
            priced[priced["os_family"] == fam].set_index("node_type")["annual_cost"]
            .reindex(names).to_numpy(dtype=float)
            for fam in pools["os_family"].astype(str)]) if priced is not None else \
            np.zeros((0, len(names)))
        self._spares = pools["spare_nodes"].to_numpy(dtype=float) if len(pools) else np.zeros(0)
        self._packed0 = (pools["nodes"].to_numpy(dtype=float) - self._spares) if len(pools) \
            else np.zeros(0)
        cpu0, mem0 = (pd.to_numeric(vms[c], errors="coerce").to_numpy(dtype=float)[self._rows]
                      for c in ("cpu_request_cores", "memory_request_gib"))
        volume0, holds0 = self._type_volumes(cpu0, mem0, self.values)
        rows = np.arange(len(pools))
        v0 = volume0[rows, self._type0] if len(pools) else np.zeros(0)
        # packing efficiency of the chosen type: packed nodes per unit of volume bound
        self._eff = np.where(v0 > 0, self._packed0 / np.where(v0 > 0, v0, 1.0), 1.0)
        cost0 = self._type_costs(volume0, holds0)
        # Calibrate the other types so that none looks cheaper than the chosen one at the point
        # (the estimate ignores how well each type packs; packing chose the point's type).
        with np.errstate(divide="ignore", invalid="ignore"):
            chosen = cost0[rows, self._type0][:, None] if len(pools) else np.zeros((0, 1))
            self._calib = np.where(np.isfinite(cost0) & (cost0 > 0),
                                   np.maximum(1.0, chosen / cost0), 1.0)

    def _type_volumes(self, cpu: np.ndarray, mem: np.ndarray, values: Mapping[str, float]
                      ) -> tuple[np.ndarray, np.ndarray]:
        """Per pool and node type: the volume bound max(Σ demand / capacity) over cpu, memory
        and pods, and whether the type may host every pod of the pool (OS and size).

        `cpu` and `mem` are the requests per pod of the placed VMs (`self._rows`)."""
        pools = self.plan.pools
        n_pools, n_types = len(pools), len(self._types)
        if n_pools == 0:
            return np.zeros((0, n_types)), np.zeros((0, n_types), dtype=bool)
        code, reps = self._code, self._reps
        per_pod = [cpu, mem]
        demand = np.stack([*(np.bincount(code, weights=reps * x, minlength=n_pools)
                             for x in per_pod),
                           np.bincount(code, weights=reps, minlength=n_pools)], axis=1)
        largest = np.zeros((n_pools, 2))
        for d, x in enumerate(per_pod):
            np.maximum.at(largest[:, d], code, np.where(reps > 0, np.nan_to_num(x), 0.0))
        volume = np.full((n_pools, n_types), np.inf)
        holds = np.zeros((n_pools, n_types), dtype=bool)
        node_os = self._types["os"].astype(str).str.lower().to_numpy(dtype=object)
        for i, os_family in enumerate(pools["os_family"].astype(str)):
            cap, _, _ = node_capacity(self._types, os_family=os_family,
                                      **capacity_settings(self.assumptions, values))
            wanted = "windows" if os_family.lower() == "windows" else "linux"
            allowed = (node_os == "any") | (node_os == wanted)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(cap > 0, demand[i] / cap, np.where(demand[i] > 0, np.inf, 0.0))
            volume[i] = ratio.max(axis=1)
            holds[i] = allowed & (largest[i] <= cap[:, :2] * (1 + 1e-9)).all(axis=1) \
                & (cap[:, 2] >= 1)
        return volume, holds

    def _type_costs(self, volume: np.ndarray, holds: np.ndarray) -> np.ndarray:
        """Estimated yearly cost per pool and type: (packed + spares) x node price; inf where
        the type cannot host the pool."""
        packed = self._packed(volume)
        cost = (packed + self._spares[:, None]) * self._price
        return np.where(holds, cost, np.inf)

    def _packed(self, volume: np.ndarray) -> np.ndarray:
        # Rounded to the nearest count, not up: the point's packing has slack, and rounding up
        # would add half a node per pool to every draw that moves at all. Never below the
        # volume bound itself.
        packed = np.maximum(np.floor(self._eff[:, None] * volume + 0.5),
                            np.ceil(volume - 1e-9))
        return np.where(self._packed0[:, None] > 0, np.maximum(packed, 1.0), 0.0)

    def _scaled_pools(self, a: Assumptions, values: Mapping[str, float]
                      ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Node type index and node count (spares included) per pool at the new values, and
        the new CPU and memory requests of the placed VMs."""
        cpu, mem = size_requests(self._at_percentiles(self._sizing, self._vm_rows[self._rows],
                                                      values), a.sizing, values)
        volume, holds = self._type_volumes(cpu, mem, values)
        rows = np.arange(len(self._packed0))
        cost = self._type_costs(volume, holds) * self._calib
        best = np.argmin(cost, axis=1) if len(rows) else np.zeros(0, dtype=np.int64)
        # keep the point's type unless another is strictly cheaper (or it no longer fits)
        keep = ~np.isfinite(cost[rows, best]) | (cost[rows, self._type0] <= cost[rows, best])
        types = np.where(keep, self._type0, best)
        nodes = self._packed(volume)[rows, types] + self._spares
        return types, nodes, (cpu, mem)

    # -- public ---------------------------------------------------------------------------
    def at(self, overrides: Mapping[str, float]) -> PlanPoint:
        """Quantities and nodes with `overrides` (plan/quantity key -> value), others likely."""
        moved = {k: float(v) for k, v in overrides.items() if float(v) != self.values[k]}
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
        if plan_moved and (self.method == "exact" or not all(map(_scaled_key, plan_moved))):
            return self._exact(a, values)
        cols, pools = self._cols, self.plan.pools
        pool_nodes = self.point.pool_nodes
        refit = None
        if any(k.startswith("fit.") for k in plan_moved):
            refit = self._refit(a, values)
            if refit is None:
                return self._exact(a, values)  # other VMs move: pack them for real
            if len(refit.rows):
                cols = cols.with_fit(refit.rows, refit.frame)
        resized = any(not k.startswith("fit.") for k in plan_moved)
        if resized:
            type_index, pool_nodes, _ = self._scaled_pools(a, values)
            self.runs["scaled"] += 1
            pools = self._pools_frame(type_index, pool_nodes)
        residual = (None if a.platform.containers
                    else self._rightsized(a, values, refit, resized))
        q = quantities_of(cols, self.hosts, pools, a, values, residual, per_vm=False)
        self.runs["quantities"] += 1
        return PlanPoint(q, float(np.sum(pool_nodes)), pool_nodes, False, *_capacity(pools))

    def _percentiles_moved(self, values: Mapping[str, float]) -> bool:
        return self.series is not None and any(
            values[k] != self.values[k] for k in ("sizing.cpu_percentile",
                                                  "sizing.memory_percentile"))

    def _usage_at(self, values: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """CPU and memory use of every row of `scoped_vms` at the values' percentiles (NaN
        where a VM has no series)."""
        assert self.series is not None
        return self.series.at(values["sizing.cpu_percentile"],
                              values["sizing.memory_percentile"])

    def _at_percentiles(self, x: SizingInputs, rows: np.ndarray,
                        values: Mapping[str, float]) -> SizingInputs:
        """`x` (the rows of `scoped_vms` at positions `rows`) with the time-series VMs' use at
        the values' percentiles; the point's percentiles leave it as it is."""
        if not self._percentiles_moved(values):
            return x
        cpu, mem = (u[rows] for u in self._usage_at(values))
        return replace(
            x, cpu_util=np.where(x.timeseries & np.isfinite(cpu), cpu, x.cpu_util),
            memory_util=np.where(x.timeseries & np.isfinite(mem), mem, x.memory_util))

    def _exact(self, a: Assumptions, values: Mapping[str, float]) -> PlanPoint:
        vms = self.vms
        if self._percentiles_moved(values):
            cpu, mem = self._usage_at(values)
            series = (vms["usage_source"].astype("string") == "timeseries").fillna(False) \
                .to_numpy(dtype=bool) if "usage_source" in vms.columns else \
                np.zeros(len(vms), dtype=bool)
            vms = vms.assign(
                cpu_util=np.where(series & np.isfinite(cpu), cpu,
                                  pd.to_numeric(vms["cpu_util"], errors="coerce")),
                memory_util=np.where(series & np.isfinite(mem), mem,
                                     pd.to_numeric(vms["memory_util"], errors="coerce")))
        plan = plan_estate(vms, a, values, self.hosts)
        self.runs["exact"] += 1
        q = cost_quantities(plan.vms, self.hosts, plan.pools, a, values, plan.rightsized_hosts,
                            per_vm=False)
        self.runs["quantities"] += 1
        nodes = plan.pools["nodes"].to_numpy(dtype=float) if len(plan.pools) else np.zeros(0)
        return PlanPoint(q, float(nodes.sum()), nodes, True, *_capacity(plan.pools))

    def _refit(self, a: Assumptions, values: Mapping[str, float]) -> _Refit | None:
        """The point plan's VMs re-classified at new fit thresholds (only those whose
        threshold verdicts change, when only `FIT_THRESHOLD_KEYS` move); None when a
        different set of VMs would move."""
        vms = self.plan.vms
        capacity = pod_capacity(node_types_frame(a), a, values, "linux")
        max_request = (float(capacity[:, 0].max()), float(capacity[:, 1].max()))
        rows = self._changed_fit_rows(values, max_request)
        sub = vms if rows is None else vms.iloc[rows]
        fit = classify_fit(sub.drop(columns=list(FIT_COLUMNS)), a.fit, values,
                           max_request=max_request)
        if not a.platform.containers:
            fit = fit.assign(moves=False, needs_os_upgrade=False)
        same = sub["moves"].astype("boolean").fillna(False).to_numpy(bool)
        if not np.array_equal(same, fit["moves"].to_numpy(bool)):
            return None
        return _Refit(np.arange(len(vms)) if rows is None else rows, fit)

    def _changed_fit_rows(self, values: Mapping[str, float],
                          max_request: tuple[float, float]) -> np.ndarray | None:
        """Rows whose value-dependent fit verdicts differ from the point's; None (every row)
        when a fit value other than `FIT_THRESHOLD_KEYS` moved.

        Fit is decided VM by VM, so the other rows keep the point's fit columns exactly."""
        moved = {k for k, v in values.items() if k.startswith("fit.") and v != self.values[k]}
        if moved - FIT_THRESHOLD_KEYS:
            return None
        if self._fit is None:
            self._fit = _FitInputs.read(self.plan.vms)
            capacity = pod_capacity(node_types_frame(self.assumptions), self.assumptions,
                                    self.values, "linux")
            self._fit_point = self._fit.masks(
                self.values, (float(capacity[:, 0].max()), float(capacity[:, 1].max())))
        changed = np.zeros(len(self.plan.vms), dtype=bool)
        for before, after in zip(self._fit_point, self._fit.masks(values, max_request),
                                 strict=True):
            changed |= before != after
        return np.flatnonzero(changed)

    def _rightsized(self, a: Assumptions, values: Mapping[str, float], refit: _Refit | None,
                    resized: bool) -> float:
        """`rightsized_hosts` of the re-plan (VMs that stay, right-sized) from the point plan's
        columns with the re-fit and the new requests."""
        if self._slim is None:
            vms = self.plan.vms
            self._slim = vms[[c for c in _RIGHTSIZED_COLUMNS if c in vms.columns]]
        slim = self._slim
        changes: dict[str, Any] = {}
        if refit is not None and len(refit.rows):
            for c in ("fit_level", "moves"):
                col = slim[c].copy()
                col.iloc[refit.rows] = refit.frame[c].to_numpy()
                changes[c] = col
        if resized:
            x = self._at_percentiles(sizing_inputs(self.vms).take(self._vm_rows),
                                     self._vm_rows, values)
            cpu, mem = size_requests(x, a.sizing, values)
            changes["cpu_request_cores"], changes["memory_request_gib"] = cpu, mem
        return rightsized_hosts(slim.assign(**changes), a, values, self.hosts)

    def _pools_frame(self, type_index: np.ndarray, nodes: np.ndarray) -> pd.DataFrame:
        """The point plan's pools with the scaled node types and counts."""
        t = self._types.iloc[type_index]
        return self.plan.pools.assign(
            node_type=t["name"].astype(str).to_numpy(dtype=object),
            node_cores=t["cores"].to_numpy(dtype=float),
            node_memory_gib=t["memory_gib"].to_numpy(dtype=float),
            nodes=nodes.astype(np.int64),
            annual_cost=nodes * t["hardware_annual_cost"].to_numpy(dtype=float),
        )
