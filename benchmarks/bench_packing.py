"""Time and peak memory of packing at 1e4, 1e5 and 1e6 workloads of realistic VM sizes.

Each size runs in its own subprocess (so peak memory is per size), three times; the table shows the
median time, and the node counts of the two baselines that `pack` never exceeds: plain FFD in the
Cluster Autoscaler's order and the dot product ("-" where it is skipped, estimated above 8 s).
Two measures: `pack()` of every pod onto one node type (GKE allocatable of a 32-core / 128 GiB
node at 80% utilisation), and `plan_pools()` (Linux and Windows pools, four node types, node-type
choice by cost, HA spares) — the packing half of "sizing + packing".

Requests follow the sizing rule on the utilisation basis (continuous values, so above some 30,000
workloads `pack` rounds them up to its grid), from a VM size mix typical of RVTools exports.

Usage: .venv/bin/python benchmarks/bench_packing.py [--sizes 10000 100000 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
import pandas as pd

NODE_TYPES = pd.DataFrame(
    {
        "name": ["general-16", "general-32", "memory-32", "general-64"],
        "cores": [16.0, 32.0, 32.0, 64.0],
        "memory_gib": [64.0, 128.0, 256.0, 256.0],
        "annual_cost_usd": [6000.0, 10000.0, 14000.0, 18000.0],
        "os": ["any", "any", "any", "any"],
    }
)
PLATFORM = {
    "reservation_model": "gke",
    "max_pods_per_node": 110,
    "target_utilisation": 0.8,
    "daemonset_cpu_cores": 0.2,
    "daemonset_memory_gib": 0.5,
    "ha_spare_nodes_per_pool": 1,
}


def workloads(n: int, seed: int = 0) -> pd.DataFrame:
    """n sized workloads: VM shapes from a typical mix, requests from utilisation × 1.3."""
    rng = np.random.default_rng(seed)
    vcpus = rng.choice([1, 2, 4, 8, 16, 32], size=n, p=[0.08, 0.30, 0.32, 0.20, 0.08, 0.02])
    gib_per_vcpu = rng.choice([2, 4, 8], size=n, p=[0.25, 0.5, 0.25])
    memory = vcpus * gib_per_vcpu
    windows = rng.random(n) < 0.3
    cpu = np.clip(vcpus * rng.beta(2, 8, size=n) * 1.3 - np.where(windows, 0.25, 0.1), 0.1, vcpus)
    mem = np.clip(memory * rng.beta(5, 3, size=n) * 1.3 - np.where(windows, 2.0, 0.5), 0.25, memory)
    family = np.where(windows, "windows", "linux")
    return pd.DataFrame(
        {
            "pool": family,
            "os_family": family,
            "cpu_request_cores": cpu,
            "memory_request_gib": mem,
            "replicas": np.ones(n, dtype=np.int64),
        }
    )


def one_size(n: int, runs: int) -> dict[str, float]:
    from estimator.packing import node_capacity, pack, plan_pools

    items = workloads(n)
    cap, _, _ = node_capacity(NODE_TYPES.iloc[[1]], os_family="linux", **_cap_args())
    demands = items[["cpu_request_cores", "memory_request_gib"]].to_numpy()
    demands = np.column_stack((demands, np.ones(n)))
    demands = demands[np.all(demands <= cap[0], axis=1)]  # the few larger ones need bigger nodes
    pack_s, plan_s, pack_cpu, plan_cpu = [], [], [], []
    res = plan = None
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        res = pack(demands, cap[0])
        pack_s.append(time.perf_counter() - t)
        pack_cpu.append(time.process_time() - c)
        t, c = time.perf_counter(), time.process_time()
        plan = plan_pools(items, NODE_TYPES, **PLATFORM)
        plan_s.append(time.perf_counter() - t)
        plan_cpu.append(time.process_time() - c)
    assert res is not None and plan is not None
    return {
        "n": n,
        "nodes": res.node_count,
        "lower_bound": res.lower_bound,
        "rounding": res.rounding,
        "method": res.method,
        # The two baselines on the whole instance (the dot product is skipped above its limit).
        "ffd": res.tried.get("ffd-sum"),
        "dot": res.tried.get("dot-product"),
        "pack_s": statistics.median(pack_s),
        "pack_cpu": statistics.median(pack_cpu),
        "plan_nodes": plan.totals["nodes"],
        "plan_lower_bound": plan.totals["nodes_lower_bound"],
        "plan_s": statistics.median(plan_s),
        "plan_cpu": statistics.median(plan_cpu),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _cap_args() -> dict[str, float]:
    keys = ("reservation_model", "max_pods_per_node", "target_utilisation")
    args = {k: PLATFORM[k] for k in keys}
    args["daemonset_cpu_cores"] = PLATFORM["daemonset_cpu_cores"]
    args["daemonset_memory_gib"] = PLATFORM["daemonset_memory_gib"]
    return args


def _count(nodes: int | None) -> str:
    return "-" if nodes is None else f"{nodes:,}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one, args.runs)))
        return
    print(
        f"{'n':>9} {'pack s (CPU)':>14} {'nodes':>7} {'LB':>7} {'gap':>6} {'round':>7} "
        f"{'FFD':>7} {'dot':>7} {'plan_pools s (CPU)':>18} {'nodes':>7} {'LB':>7} "
        f"{'peak MiB':>9}  kept"
    )
    for n in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--runs", str(args.runs)],
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        gap = r["nodes"] / r["lower_bound"] - 1
        print(
            f"{r['n']:>9,} {r['pack_s']:>6.2f} ({r['pack_cpu']:>5.2f}) {r['nodes']:>7,} "
            f"{r['lower_bound']:>7,} {gap:>6.1%} {r['rounding']:>7.4f} "
            f"{_count(r['ffd']):>7} {_count(r['dot']):>7} "
            f"{r['plan_s']:>10.2f} ({r['plan_cpu']:>5.2f}) {r['plan_nodes']:>7,} "
            f"{r['plan_lower_bound']:>7,} {r['peak_rss_mib']:>9.0f}  {r['method']}",
            flush=True,
        )


if __name__ == "__main__":
    main()
