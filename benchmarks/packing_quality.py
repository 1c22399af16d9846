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

Part 2 (n = 20, 40, 60; 5 seeds per class and size): `estimator.pack` against the optimum found by
OR-Tools CP-SAT (benchmark-only dependency, extra `bench`), 10 s limit per instance.

Usage: .venv/bin/python benchmarks/packing_quality.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from estimator.packing import pack
from estimator.packing._core import _bin_centric, _ffd, _Groups, _make_groups, lower_bound

Generator = Callable[[np.random.Generator, int], tuple[np.ndarray, np.ndarray]]


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
    """Bin-centric dot product, one item at a time (Panigrahy et al. 2011)."""
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


def part_two(sizes: list[int], seeds: int, limit_s: float) -> None:
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
    args = parser.parse_args()
    if args.quick:
        part_one([1000], seeds=1)
        part_two([20, 40], seeds=2, limit_s=5.0)
    else:
        part_one([1000, 10_000], seeds=3)
        part_two([20, 40, 60], seeds=5, limit_s=10.0)


if __name__ == "__main__":
    main()
