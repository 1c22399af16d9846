"""Packing quality on seeded 2-D vector packing instances, against heuristics and an exact solver.

Instance classes (our seeded generator, modelled on the 2-D classes of Caprara and Toth (2001);
not their instance files). Node capacity C in both dimensions:

- uniform:       w1, w2 ~ U{10..50},                          C = 150 (Caprara–Toth class 1 style)
- correlated:    w1 ~ U{10..50}, w2 = w1 + U{-10..10},          C = 150
- anticorrelated: w1 ~ U{10..50}, w2 = 60 - w1 + U{-10..10},    C = 150 (CPU-heavy and memory-heavy
  workloads alternate)
- uniform-wide:  w1, w2 ~ U{1..100},                           C = 100 (about two items per node)

Part 1 (n = 1,000 and 10,000; 3 seeds each): nodes above the provable lower bound for plain
first-fit decreasing with the Cluster Autoscaler ordering (cpu/alloc + mem/alloc), the bin-centric
dot-product heuristic (Panigrahy et al., MSR 2011), and `estimator.pack`, with pack's run time.

Part 2, held out (instances never used while developing `pack`): the four classes and two with
many distinct sizes (*wide-1000*: w1, w2 ~ U{1..1000}, capacity 1000; *mid-3d*: three dimensions
~ U{100..600}, capacity 1000) at n = 10,000 and 30,000 with seeds 10,000 and 10,001, and the
Alibaba openb Kubernetes pod list (cpu, memory and GPU requests of 8,152 pods; alibaba/clusterdata
cluster-trace-gpu-v2023, Weng et al., USENIX ATC 2023) packed onto its five most common node
shapes. Node counts of the lower bound, plain FFD, the dot product and `pack`, and whether pack
<= both. FFD and the dot product run on the exact sizes here, whatever `pack` does.

Part 3 (n = 20, 40, 60; 5 seeds per class and size): `estimator.pack` against the optimum found by
OR-Tools CP-SAT (benchmark-only dependency, extra `bench`), 10 s limit per instance.

Usage: .venv/bin/python benchmarks/packing_quality.py [--quick] [--held-out-only] [--openb DIR]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from estimator.packing import pack
from estimator.packing._core import _bin_centric, _ffd, _Groups, _make_groups, lower_bound

Generator = Callable[[np.random.Generator, int], tuple[np.ndarray, np.ndarray]]
OPENB = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "alibaba-openb-k8s"


def uniform(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.integers(10, 51, size=(n, 2)).astype(float), np.array([150.0, 150.0])


def correlated(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    w1 = rng.integers(10, 51, size=n)
    w2 = np.clip(w1 + rng.integers(-10, 11, size=n), 1, 150)
    return np.column_stack((w1, w2)).astype(float), np.array([150.0, 150.0])


def anticorrelated(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    w1 = rng.integers(10, 51, size=n)
    w2 = np.clip(60 - w1 + rng.integers(-10, 11, size=n), 1, 150)
    return np.column_stack((w1, w2)).astype(float), np.array([150.0, 150.0])


def uniform_wide(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.integers(1, 101, size=(n, 2)).astype(float), np.array([100.0, 100.0])


def wide_1000(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.integers(1, 1001, size=(n, 2)).astype(float), np.array([1000.0, 1000.0])


def mid_3d(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.integers(100, 601, size=(n, 3)).astype(float), np.array([1000.0, 1000.0, 1000.0])


CLASSES: dict[str, Generator] = {
    "uniform": uniform,
    "correlated": correlated,
    "anticorrelated": anticorrelated,
    "uniform-wide": uniform_wide,
}


def exact_groups(dem: np.ndarray, cap: np.ndarray) -> _Groups:
    return _make_groups(dem / cap, max_groups=10**9)


def plain_ffd(dem: np.ndarray, cap: np.ndarray) -> int:
    """First-fit decreasing by cpu/alloc + mem/alloc, as the Cluster Autoscaler orders pods."""
    g = exact_groups(dem, cap)
    order = np.argsort(-g.demand.sum(axis=1), kind="stable")
    return _ffd(g.demand, g.count, order, False, "ffd").nodes


def dot_product(dem: np.ndarray, cap: np.ndarray) -> int:
    """Bin-centric dot product with equal weights, one item at a time (Panigrahy et al. 2011)."""
    g = exact_groups(dem, cap)
    return _bin_centric(g.demand, g.count, np.ones(dem.shape[1]), "dot", "dot").nodes


def cp_sat_optimum(dem: np.ndarray, cap: np.ndarray, upper: int, limit_s: float) -> int | None:
    """Optimal node count by CP-SAT (assignment model with symmetry breaking), None if unproven."""
    from ortools.sat.python import cp_model

    n = dem.shape[0]
    w = dem.astype(int)
    c = cap.astype(int)
    model = cp_model.CpModel()
    x = {
        (i, b): model.new_bool_var(f"x{i}_{b}") for i in range(n) for b in range(min(i + 1, upper))
    }
    y = [model.new_bool_var(f"y{b}") for b in range(upper)]
    for i in range(n):
        model.add_exactly_one(x[i, b] for b in range(min(i + 1, upper)))
    for b in range(upper):
        members = [i for i in range(b, n) if (i, b) in x]
        for k in range(2):
            model.add(sum(int(w[i, k]) * x[i, b] for i in members) <= int(c[k]) * y[b])
        if b + 1 < upper:
            model.add(y[b] >= y[b + 1])
    model.add(sum(y) >= lower_bound(dem, cap))
    model.minimize(sum(y))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = limit_s
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    if status == cp_model.OPTIMAL:
        return round(solver.objective_value)
    return None


def part_one(sizes: list[int], seeds: int) -> None:
    print("Gap to the lower bound (mean over seeds); pack time is the median")
    print(
        f"{'class':<15} {'n':>6} {'LB':>7} {'FFD (CA)':>9} {'dot':>7} {'pack':>7} "
        f"{'pack s':>7}  kept"
    )
    for name, gen in CLASSES.items():
        for n in sizes:
            gaps: dict[str, list[float]] = {"ffd": [], "dot": [], "pack": []}
            lbs, secs, kept = [], [], []
            for seed in range(seeds):
                dem, cap = gen(np.random.default_rng(1000 * seed + n), n)
                lb = lower_bound(dem, cap)
                lbs.append(lb)
                gaps["ffd"].append(plain_ffd(dem, cap) / lb - 1)
                gaps["dot"].append(dot_product(dem, cap) / lb - 1)
                t = time.perf_counter()
                res = pack(dem, cap, seed=seed)
                secs.append(time.perf_counter() - t)
                gaps["pack"].append(res.node_count / lb - 1)
                kept.append(res.method)
            print(
                f"{name:<15} {n:>6,} {statistics.mean(lbs):>7.0f} "
                f"{statistics.mean(gaps['ffd']):>9.2%} {statistics.mean(gaps['dot']):>7.2%} "
                f"{statistics.mean(gaps['pack']):>7.2%} {statistics.median(secs):>7.2f}  "
                f"{','.join(sorted(set(kept)))}",
                flush=True,
            )


# Held out only: many distinct sizes (up to a million), so at 30,000 items they are the instances
# on which an earlier pack rounded demands and lost to plain FFD.
MANY_SIZES: dict[str, Generator] = {"wide-1000": wide_1000, "mid-3d": mid_3d}


def held_out(sizes: list[int], openb: Path) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """(label, demands, capacity) of the held-out instances."""
    for name, gen in {**CLASSES, **MANY_SIZES}.items():
        for n in sizes:
            for seed in (10_000, 10_001):
                dem, cap = gen(np.random.default_rng(seed), n)
                yield f"{name} {n:,} s{seed}", dem, cap
    nodes_csv = openb / "openb_node_list_all_node.csv"
    pods_csv = openb / "openb_pod_list_default.csv"
    if not (nodes_csv.exists() and pods_csv.exists()):
        return
    nodes = pd.read_csv(nodes_csv)
    pods = pd.read_csv(pods_csv)
    gpu_milli = (pods["num_gpu"] * pods["gpu_milli"]).to_numpy(float)
    shapes = nodes.groupby(["cpu_milli", "memory_mib", "gpu"]).size().nlargest(5)
    for (cpu, mem, gpus), count in shapes.items():
        if gpus > 0:
            dem = np.column_stack((pods["cpu_milli"], pods["memory_mib"], gpu_milli)).astype(float)
            cap = np.array([cpu, mem, 1000.0 * gpus], dtype=float)
        else:
            # CPU-only nodes take the pods that ask for no GPU.
            dem = pods.loc[gpu_milli == 0, ["cpu_milli", "memory_mib"]].to_numpy(float)
            cap = np.array([cpu, mem], dtype=float)
        dem = dem[np.all(dem <= cap, axis=1)]
        label = f"openb {cpu // 1000}c/{mem // 1024}G/{gpus}gpu ({count} nodes)"
        yield label, dem, cap


def part_held_out(sizes: list[int], openb: Path) -> None:
    print()
    print("Held-out instances: node counts; FFD and dot on the exact sizes")
    print(
        f"{'instance':<34} {'n':>6} {'sizes':>6} {'LB':>6} {'FFD (CA)':>8} {'dot':>6} "
        f"{'pack':>6} {'pack <= min':>11} {'pack s':>6}  kept"
    )
    misses = 0
    for label, dem, cap in held_out(sizes, openb):
        g = exact_groups(dem, cap)
        lb = lower_bound(dem, cap)
        ffd, dot = plain_ffd(dem, cap), dot_product(dem, cap)
        t = time.perf_counter()
        res = pack(dem, cap)
        secs = time.perf_counter() - t
        ok = res.node_count <= min(ffd, dot)
        misses += not ok
        print(
            f"{label:<34} {len(dem):>6,} {g.count.size:>6,} {lb:>6,} {ffd:>8,} {dot:>6,} "
            f"{res.node_count:>6,} {'yes' if ok else 'NO':>11} {secs:>6.2f}  {res.method}",
            flush=True,
        )
    print(f"pack above min(FFD, dot) on {misses} instance(s)")


def part_optimum(sizes: list[int], seeds: int, limit_s: float) -> None:
    print()
    print(f"Against the CP-SAT optimum ({limit_s:g} s limit; 'proven' = optimum proven)")
    print(
        f"{'class':<15} {'n':>4} {'proven':>6} {'pack = opt':>10} {'pack - opt':>10} "
        f"{'FFD - opt':>9} {'LB = opt':>8}"
    )
    for name, gen in CLASSES.items():
        for n in sizes:
            proven = equal = lb_equal = 0
            extra: list[int] = []
            ffd_extra: list[int] = []
            for seed in range(seeds):
                dem, cap = gen(np.random.default_rng(7 + 1000 * seed + n), n)
                res = pack(dem, cap, seed=seed)
                opt = cp_sat_optimum(dem, cap, res.node_count, limit_s)
                if opt is None:
                    continue
                proven += 1
                equal += res.node_count == opt
                lb_equal += res.lower_bound == opt
                extra.append(res.node_count - opt)
                ffd_extra.append(plain_ffd(dem, cap) - opt)
            print(
                f"{name:<15} {n:>4} {proven:>3}/{seeds:<2} {equal:>7}/{proven:<2} "
                f"{(max(extra) if extra else 0):>10} {(max(ffd_extra) if ffd_extra else 0):>9} "
                f"{lb_equal:>5}/{proven:<2}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 1,000 only, fewer seeds")
    parser.add_argument("--held-out-only", action="store_true", help="only the held-out part")
    parser.add_argument("--openb", type=Path, default=OPENB, help="Alibaba openb CSV folder")
    args = parser.parse_args()
    if args.held_out_only:
        part_held_out([10_000, 30_000], args.openb)
    elif args.quick:
        part_one([1000], seeds=1)
        part_held_out([1000], args.openb)
        part_optimum([20, 40], seeds=2, limit_s=5.0)
    else:
        part_one([1000, 10_000], seeds=3)
        part_held_out([10_000, 30_000], args.openb)
        part_optimum([20, 40, 60], seeds=5, limit_s=10.0)


if __name__ == "__main__":
    main()
