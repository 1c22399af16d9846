"""Node pools: per pool the cheapest node type, the packed node count and its lower bound."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from estimator.errors import ConfigError
from estimator.packing._core import Effort, PackResult, lower_bound, pack
from estimator.reservations import allocatable

__all__ = [
    "DAEMONSET_PODS",
    "POOL_COLUMNS",
    "PoolPlan",
    "isolation_cost",
    "node_capacity",
    "plan_pools",
]

#: Pods every node runs for itself (kube-proxy, CNI agent, CSI node plugin, log/metrics agent);
#: they take pod slots from max pods per node [pods]. Estimate, no single public source.
DAEMONSET_PODS: Final = 4

_ITEM_COLUMNS: Final = ("pool", "os_family", "cpu_request_cores", "memory_request_gib", "replicas")
_TYPE_COLUMNS: Final = ("name", "cores", "memory_gib", "annual_cost_usd", "os")

POOL_COLUMNS: Final = (
    "pool",
    "os_family",
    "node_type",
    "node_cores",
    "node_memory_gib",
    "allocatable_cpu_cores",
    "allocatable_memory_gib",
    "nodes",
    "spare_nodes",
    "nodes_lower_bound",
    "workloads",
    "pods",
    "cpu_request_cores",
    "memory_request_gib",
    "cpu_allocatable_util",
    "memory_allocatable_util",
    "annual_cost_usd",
)


@dataclass(frozen=True)
class PoolPlan:
    """Result of `plan_pools`.

    pools : one row per pool with a node type (columns `POOL_COLUMNS`); `nodes` includes spares.
    node_index : node of each item's first replica within its pool (items' index; NA if not placed).
    totals : nodes (incl. spares), nodes_lower_bound (incl. spares), workloads, pods,
        workloads_per_node, annual_cost_usd.
    unplaceable : items that fit no node type (items' index), with `pool` and `reason`.
    """

    pools: pd.DataFrame
    node_index: pd.Series
    totals: dict[str, float]
    unplaceable: pd.DataFrame


def _node_os_allows(node_os: pd.Series, os_family: str) -> pd.Series:
    """Windows pods need Windows (or "any") nodes; every other family runs on Linux nodes."""
    wanted = "windows" if os_family == "windows" else "linux"
    os_lower = node_os.astype("string").str.lower()
    return (os_lower == "any") | (os_lower == wanted)


def node_capacity(
    node_types: pd.DataFrame,
    *,
    os_family: str,
    reservation_model: str,
    max_pods_per_node: int,
    target_utilisation: float,
    daemonset_cpu_cores: float,
    daemonset_memory_gib: float,
    extra_dimensions: Sequence[str] = (),
    daemonset_pods: int = DAEMONSET_PODS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Capacity for workload pods per node type: (capacity (t, 3 + extras), alloc cpu, alloc mem).

    cpu and memory = allocatable (reservation model) × target utilisation − DaemonSet overhead;
    pods = max pods − DaemonSet pods; extra dimensions are taken as declared (no reservation).
    """
    cpu_alloc, mem_alloc = allocatable(
        node_types["cores"].to_numpy(dtype=np.float64),
        node_types["memory_gib"].to_numpy(dtype=np.float64),
        model=reservation_model,
        max_pods=int(max_pods_per_node),
        os_family=os_family,
    )
    cpu_alloc = np.asarray(cpu_alloc, dtype=np.float64)
    mem_alloc = np.asarray(mem_alloc, dtype=np.float64)
    cols = [
        np.maximum(cpu_alloc * target_utilisation - daemonset_cpu_cores, 0.0),
        np.maximum(mem_alloc * target_utilisation - daemonset_memory_gib, 0.0),
        np.full(len(node_types), float(max(int(max_pods_per_node) - daemonset_pods, 0))),
    ]
    cols += [node_types[c].to_numpy(dtype=np.float64) for c in extra_dimensions]
    return np.stack(cols, axis=1), cpu_alloc, mem_alloc


def _check_inputs(items: pd.DataFrame, node_types: pd.DataFrame, extra: Sequence[str]) -> None:
    missing = [c for c in _ITEM_COLUMNS if c not in items.columns]
    if missing:
        raise ValueError(f"items lack columns {missing}")
    missing = [c for c in (*_TYPE_COLUMNS, *extra) if c not in node_types.columns]
    if missing:
        raise ConfigError(f"node types lack columns {missing}", key="platform.node_types")
    if node_types.empty:
        raise ConfigError("no node types are defined", key="platform.node_types")
    for col in ("cores", "memory_gib", "annual_cost_usd"):
        vals = node_types[col].to_numpy(dtype=np.float64)
        bad = ~np.isfinite(vals) | (vals < 0) | ((vals == 0) & (col != "annual_cost_usd"))
        if bad.any():
            name = node_types["name"].iloc[int(np.argmax(bad))]
            raise ConfigError(
                f"{col} must be a positive number, got {vals[bad][0]}",
                key=f"platform.node_types.{name}.{col}",
            )
    mixed = items.groupby("pool", sort=False)["os_family"].nunique()
    if (mixed > 1).any():
        raise ValueError(f"pool {mixed.index[mixed > 1][0]!r} mixes OS families")


def plan_pools(
    items: pd.DataFrame,
    node_types: pd.DataFrame,
    *,
    reservation_model: str,
    max_pods_per_node: int,
    target_utilisation: float,
    daemonset_cpu_cores: float,
    daemonset_memory_gib: float,
    ha_spare_nodes_per_pool: int,
    extra_dimensions: Sequence[str] = (),
    daemonset_pods: int = DAEMONSET_PODS,
    seed: int = 0,
    effort: Effort = "full",
    time_budget_s: float | None = None,
) -> PoolPlan:
    """Pack each pool's pods onto the node type that makes the pool cheapest.

    items : one row per workload: pool, os_family, cpu_request_cores and memory_request_gib (per
        replica), replicas (pods); optional columns named in `extra_dimensions` (per replica).
    node_types : name, cores, memory_gib, annual_cost_usd [USD per node per year], os ("any",
        "linux", "windows"), plus the `extra_dimensions` columns (capacity per node).

    A pool's node type is chosen among those its OS may use and that hold every one of its pods;
    cost = (packed nodes + HA spares) × annual cost. Types are tried cheapest lower bound first, and
    a type whose provable lower-bound cost is no better than the best plan so far is skipped.
    Utilisation columns are pod requests over the allocatable of the packed nodes (spares excluded).
    Workloads that fit no node type are returned in `unplaceable` with the reason, never dropped.
    """
    extra = tuple(extra_dimensions)
    _check_inputs(items, node_types, extra)
    types = node_types.reset_index(drop=True)
    replicas = pd.to_numeric(items["replicas"], errors="coerce").to_numpy(dtype=np.float64)
    cpu = pd.to_numeric(items["cpu_request_cores"], errors="coerce").to_numpy(dtype=np.float64)
    mem = pd.to_numeric(items["memory_request_gib"], errors="coerce").to_numpy(dtype=np.float64)
    extras = [
        pd.to_numeric(items[c], errors="coerce").fillna(0.0).to_numpy(dtype=np.float64)
        if c in items.columns
        else np.zeros(len(items))
        for c in extra
    ]
    demand = np.stack([cpu, mem, np.ones(len(items)), *extras], axis=1)
    bad = ~np.isfinite(demand).all(axis=1) | (demand < 0).any(axis=1) | ~np.isfinite(replicas)
    replicas = np.where(bad, 0, np.maximum(np.floor(np.nan_to_num(replicas)), 0)).astype(np.int64)

    pool_values = items["pool"].astype("string").fillna("(none)").to_numpy(dtype=object)
    os_values = items["os_family"].astype("string").fillna("unknown").to_numpy(dtype=object)
    node_index = np.full(len(items), -1, dtype=np.int64)
    unplaced_pos: list[np.ndarray] = [np.flatnonzero(bad)]
    unplaced_reason: list[np.ndarray] = [
        np.full(int(bad.sum()), "missing or invalid request or replicas", dtype=object)
    ]
    rows: list[dict[str, object]] = []
    codes, uniques = pd.factorize(pool_values, sort=True)
    for p, pool in enumerate(uniques):
        pos = np.flatnonzero((codes == p) & (replicas > 0))
        if pos.size == 0:
            continue
        os_family = str(os_values[pos[0]]).lower()
        allowed = _node_os_allows(types["os"], os_family).to_numpy(dtype=bool)
        if not allowed.any():
            unplaced_pos.append(pos)
            unplaced_reason.append(
                np.full(pos.size, f"no node type allows {os_family} workloads", dtype=object)
            )
            continue
        t_idx = np.flatnonzero(allowed)
        cap, cpu_alloc, mem_alloc = node_capacity(
            types.iloc[t_idx],
            os_family=os_family,
            reservation_model=reservation_model,
            max_pods_per_node=max_pods_per_node,
            target_utilisation=target_utilisation,
            daemonset_cpu_cores=daemonset_cpu_cores,
            daemonset_memory_gib=daemonset_memory_gib,
            extra_dimensions=extra,
            daemonset_pods=daemonset_pods,
        )
        dem = demand[pos]
        fits = np.all(dem[:, None, :] <= cap[None, :, :] * (1 + 1e-9), axis=2)  # (items, types)
        fits_any = fits.any(axis=1)
        if not fits_any.all():
            big = pos[~fits_any]
            best_cpu, best_mem = cap[:, 0].max(), cap[:, 1].max()
            reason = np.array(
                [
                    f"larger than any {os_family} node type: needs {c:g} cores, {m:g} GiB per "
                    f"pod; the roomiest node offers {best_cpu:.2f} cores, {best_mem:.2f} GiB"
                    for c, m in zip(cpu[big], mem[big], strict=True)
                ],
                dtype=object,
            )
            unplaced_pos.append(big)
            unplaced_reason.append(reason)
        keep = fits_any
        if not keep.any():
            continue
        fit_all = fits[keep].all(axis=0)
        if not fit_all.any():
            # No single type holds every pod: use the type that holds the most, cheapest first.
            n_fit = fits[keep].sum(axis=0)
            cost = types["annual_cost_usd"].to_numpy(dtype=np.float64)[t_idx]
            choice = np.lexsort((cost, -n_fit))[0]
            fit_all = np.zeros(t_idx.size, dtype=bool)
            fit_all[choice] = True
            lost = keep & ~fits[:, choice]
            name = types["name"].iloc[t_idx[choice]]
            unplaced_pos.append(pos[lost])
            unplaced_reason.append(
                np.full(
                    int(lost.sum()),
                    f"no single node type holds every pod of pool {pool!r}; does not fit "
                    f"{name}, the type that holds most",
                    dtype=object,
                )
            )
            keep = keep & fits[:, choice]
        placed = pos[keep]
        reps = replicas[placed]
        pods = np.repeat(dem[keep], reps, axis=0)
        first_pod = np.concatenate(([0], np.cumsum(reps)[:-1]))
        best = _choose_type(
            pods,
            cap,
            np.flatnonzero(fit_all),
            types["annual_cost_usd"].to_numpy(dtype=np.float64)[t_idx],
            types["name"].to_numpy(dtype=object)[t_idx],
            ha_spare_nodes_per_pool,
            seed,
            effort,
            time_budget_s,
        )
        j, result = best
        node_index[placed] = result.assignment[first_pod]
        t = types.iloc[t_idx[j]]
        packed = result.node_count
        spares = int(ha_spare_nodes_per_pool)
        cpu_req = float(pods[:, 0].sum())
        mem_req = float(pods[:, 1].sum())
        rows.append(
            {
                "pool": str(pool),
                "os_family": os_family,
                "node_type": str(t["name"]),
                "node_cores": float(t["cores"]),
                "node_memory_gib": float(t["memory_gib"]),
                "allocatable_cpu_cores": float(cpu_alloc[j]),
                "allocatable_memory_gib": float(mem_alloc[j]),
                "nodes": packed + spares,
                "spare_nodes": spares,
                "nodes_lower_bound": result.lower_bound + spares,
                "workloads": int(placed.size),
                "pods": int(reps.sum()),
                "cpu_request_cores": cpu_req,
                "memory_request_gib": mem_req,
                "cpu_allocatable_util": cpu_req / (packed * cpu_alloc[j]) if packed else 0.0,
                "memory_allocatable_util": mem_req / (packed * mem_alloc[j]) if packed else 0.0,
                "annual_cost_usd": (packed + spares) * float(t["annual_cost_usd"]),
            }
        )

    pools = pd.DataFrame(rows, columns=list(POOL_COLUMNS))
    if pools.empty:
        pools = pools.astype({"nodes": "int64", "workloads": "int64", "pods": "int64"})
    ni = pd.Series(node_index, index=items.index, name="node_index").astype("Int64")
    ni = ni.where(ni >= 0)
    up_pos = np.concatenate(unplaced_pos).astype(np.int64)
    up_reason = np.concatenate(unplaced_reason) if up_pos.size else np.array([], dtype=object)
    unplaceable = pd.DataFrame(
        {"pool": pool_values[up_pos], "reason": up_reason},
        index=items.index[up_pos],
    ).astype({"pool": "string", "reason": "string"})
    unplaceable = unplaceable.sort_index(kind="stable") if len(unplaceable) else unplaceable
    nodes = int(pools["nodes"].sum())
    workloads = int(pools["workloads"].sum())
    totals: dict[str, float] = {
        "nodes": nodes,
        "nodes_lower_bound": int(pools["nodes_lower_bound"].sum()),
        "workloads": workloads,
        "pods": int(pools["pods"].sum()),
        "workloads_per_node": workloads / nodes if nodes else 0.0,
        "annual_cost_usd": float(pools["annual_cost_usd"].sum()),
    }
    return PoolPlan(pools, ni, totals, unplaceable)


def _choose_type(
    pods: np.ndarray,
    cap: np.ndarray,
    candidates: np.ndarray,
    cost_usd: np.ndarray,
    names: np.ndarray,
    spares: int,
    seed: int,
    effort: Effort,
    time_budget_s: float | None,
) -> tuple[int, PackResult]:
    """Cheapest (nodes + spares) × cost among candidate types, pruned by lower-bound cost."""
    lbs = np.array([lower_bound(pods, cap[j]) for j in candidates], dtype=np.int64)
    lb_cost = (lbs + spares) * cost_usd[candidates]
    order = np.lexsort((names[candidates].astype(str), lb_cost))
    best_j = -1
    best_cost = np.inf
    best_res = None
    # The type with the cheapest lower bound gets the requested effort at once; the others are
    # ranked with the fast packing and skipped when their lower-bound cost cannot beat the best
    # plan so far. A fast-ranked winner is then repacked with the requested effort.
    full_done = -1
    for rank, o in enumerate(order):
        j = int(candidates[o])
        if best_res is not None and lb_cost[o] >= best_cost:
            continue
        this_effort: Effort = effort if rank == 0 else "fast"
        res = pack(pods, cap[j], seed=seed, effort=this_effort, time_budget_s=time_budget_s)
        total = (res.node_count + spares) * cost_usd[j]
        if total < best_cost:
            best_j, best_cost, best_res = j, total, res
            full_done = j if this_effort == effort else -1
    assert best_res is not None
    if full_done != best_j and best_res.node_count > best_res.lower_bound:
        res = pack(pods, cap[best_j], seed=seed, effort=effort, time_budget_s=time_budget_s)
        if res.node_count <= best_res.node_count:
            best_res = res
    return best_j, best_res


def isolation_cost(
    items: pd.DataFrame,
    node_types: pd.DataFrame,
    *,
    reservation_model: str,
    max_pods_per_node: int,
    target_utilisation: float,
    daemonset_cpu_cores: float,
    daemonset_memory_gib: float,
    ha_spare_nodes_per_pool: int,
    extra_dimensions: Sequence[str] = (),
    base_keys: Sequence[str] = ("os_family",),
    seed: int = 0,
) -> int:
    """Extra nodes (spares included) that separating pools beyond `base_keys` costs.

    Plans the pools as given and with pools collapsed to the `base_keys` columns, both with the fast
    packing effort so that like is compared with like, and returns the difference (at least 0).
    """
    common = {
        "reservation_model": reservation_model,
        "max_pods_per_node": max_pods_per_node,
        "target_utilisation": target_utilisation,
        "daemonset_cpu_cores": daemonset_cpu_cores,
        "daemonset_memory_gib": daemonset_memory_gib,
        "ha_spare_nodes_per_pool": ha_spare_nodes_per_pool,
        "extra_dimensions": extra_dimensions,
        "seed": seed,
        "effort": "fast",
    }
    keys = list(base_keys)
    collapsed_pool = items[keys[0]].astype("string").fillna("unknown")
    for key in keys[1:]:
        collapsed_pool = collapsed_pool + "/" + items[key].astype("string").fillna("unknown")
    if _same_partition(items["pool"].astype("string").fillna("(none)"), collapsed_pool):
        # Both plans would pack the same sets of items with the same settings, and a pool's
        # name does not enter its packing: the difference is 0 (e.g. pools by OS family only).
        _check_inputs(items, node_types, tuple(extra_dimensions))  # the errors plan_pools raises
        return 0
    separated = plan_pools(items, node_types, **common)  # type: ignore[arg-type]
    collapsed = plan_pools(items.assign(pool=collapsed_pool), node_types, **common)  # type: ignore[arg-type]
    return max(0, int(separated.totals["nodes"]) - int(collapsed.totals["nodes"]))


def _same_partition(a: pd.Series, b: pd.Series) -> bool:
    """Whether `a` and `b` (no missing values) group the rows the same way."""
    ca, _ = pd.factorize(a)
    cb, _ = pd.factorize(b)
    na, nb = int(ca.max(initial=-1)) + 1, int(cb.max(initial=-1)) + 1
    if na != nb:
        return False
    # Equal partitions: every distinct value of `a` meets exactly one of `b`.
    pairs = np.unique(ca.astype(np.int64) * max(nb, 1) + cb)
    return pairs.size == na
