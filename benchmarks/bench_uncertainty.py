"""Time the Monte Carlo + tornado on a large estate, and measure the re-plan approximation error.

    python benchmarks/bench_uncertainty.py                    # 100,000 VMs, 1,000 draws, 3 runs
    python benchmarks/bench_uncertainty.py --vms 20000 --runs 1
    python benchmarks/bench_uncertainty.py --accuracy         # 800-VM sample, exact per draw

Speed: the estate is generated with `estimator.sample.write_sample` into a temporary folder and
read with `read_inventory`; reading and the point estimate (scope, plan_estate, compute_costs)
are timed once and apart from `run_uncertainty` (given the point plan), whose median of `--runs`
runs is the figure that counts (target: < 30 s for 1,000 draws on 100,000 VMs).

Accuracy: on data/sample-rvtools.xlsx, the first `--exact-draws` Monte Carlo draws are
recomputed exactly (plan_estate + compute_costs with every ranged key at the draw's value) and
compared with the approximation, for both re-plan methods and with and without the grid.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from estimator.assumptions import Assumptions, load_assumptions
from estimator.costs import compute_costs
from estimator.inventory import Inventory, read_inventory
from estimator.planning import plan_estate
from estimator.scope import apply_scope
from estimator.uncertainty import Replanner, key_kind, monte_carlo, run_uncertainty

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample-rvtools.xlsx"


def _timed(func: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = func()
    return time.perf_counter() - start, out


def speed(vms: int, draws: int, runs: int) -> None:
    from estimator.sample import write_sample

    a = load_assumptions()
    with tempfile.TemporaryDirectory() as tmp:
        t_write, path = _timed(lambda: write_sample(Path(tmp) / f"estate_{vms}.xlsx", vms=vms,
                                                    seed=1))
        t_read, inv = _timed(lambda: read_inventory(path))
    scoped = apply_scope(inv.vms, a.scope, None)
    t_plan, plan = _timed(lambda: plan_estate(scoped, a))
    t_costs, costs = _timed(lambda: compute_costs(plan.vms, inv.hosts, plan.pools, a,
                                                  a.flat_values()))
    point = {"nodes": int(plan.pools["nodes"].sum())}
    times, cpu = [], []
    for _ in range(runs):
        c0 = time.process_time()
        t, unc = _timed(lambda: run_uncertainty(scoped, inv.hosts, a, point_nodes=point["nodes"],
                                                draws=draws, plan=plan,
                                                quantities=costs.quantities))
        times.append(t)
        cpu.append(time.process_time() - c0)
    planner = Replanner(scoped, inv.hosts, a, plan=plan)
    t_mc, _ = _timed(lambda: monte_carlo(planner, a.ranges(), draws=draws, seed=42,
                                         distribution="triangular"))
    kinds = [key_kind(k) for k in a.ranges()]
    print(f"estate: {len(inv.vms):,} VMs, {int((plan.vms['moves'].fillna(False)).sum()):,} "
          f"moving, {point['nodes']} nodes; {len(kinds)} ranged keys "
          f"({kinds.count('plan')} plan, {kinds.count('quantity')} quantity, "
          f"{kinds.count('price')} price); {draws} draws")
    print(f"re-plans per run: {planner.runs}")
    print()
    print("| step | seconds |\n|---|---:|")
    print(f"| write sample workbook (once) | {t_write:.1f} |")
    print(f"| read_inventory (once) | {t_read:.1f} |")
    print(f"| point plan: plan_estate (once) | {t_plan:.1f} |")
    print(f"| point costs: compute_costs (once) | {t_costs:.1f} |")
    print(f"| **run_uncertainty: Monte Carlo + tornado (median of {runs})** "
          f"| **{statistics.median(times):.1f}** ({statistics.median(cpu):.1f} CPU) |")
    print(f"| runs | {', '.join(f'{t:.1f}' for t in times)} |")
    print(f"| of which monte_carlo() alone (re-plans, pricing, tornado) | {t_mc:.1f} |")
    print()
    print(f"savings P10/P50/P90: {unc.annual_savings.p10:,.0f} / {unc.annual_savings.p50:,.0f}"
          f" / {unc.annual_savings.p90:,.0f} (point {costs.annual_savings:,.0f}); "
          f"nodes {unc.nodes.p10:g} / {unc.nodes.p50:g} / {unc.nodes.p90:g}")


def _pinned_types(a: Assumptions, pools: Any) -> Assumptions:
    """`a` with only the node types the point plan chose, each allowed for its pools' OS only."""
    data = a.model_dump()
    chosen: dict[str, set[str]] = {}
    for row in pools.itertuples():
        chosen.setdefault(str(row.node_type), set()).add(str(row.os_family))
    types = data["platform"]["node_types"]
    data["platform"]["node_types"] = {
        name: {**types[name], "os": next(iter(oses)) if len(oses) == 1 else "any"}
        for name, oses in chosen.items()}
    return Assumptions.model_validate(data)


def _exact(scoped: Any, inv: Inventory, a: Assumptions, drawn: dict[str, np.ndarray], i: int,
           *, plan_keys_only: bool) -> tuple[float, float, float]:
    """Savings, nodes and NPV of draw i: plan with the drawn plan keys (or every drawn key, so
    that node prices drive the type choice too), costs with every drawn key."""
    known = a.flat_values()  # pinned catalogues lack the node types not chosen
    x = {k: float(v[i]) for k, v in drawn.items() if k in known}
    every = a.with_values(x)
    planned = a.with_values({k: v for k, v in x.items() if key_kind(k) == "plan"}) \
        if plan_keys_only else every
    plan = plan_estate(scoped, planned, planned.flat_values())
    values = every.flat_values()
    costs = compute_costs(plan.vms, inv.hosts, plan.pools, every, values)
    return costs.annual_savings, float(plan.pools["nodes"].sum()), costs.npv


def accuracy(draws: int, exact_draws: int) -> None:
    a = load_assumptions()
    inv = read_inventory(SAMPLE)
    scoped = apply_scope(inv.vms, a.scope, None)
    plan = plan_estate(scoped, a)
    variants: dict[str, Any] = {}
    for method, grid in (("scaled", 7), ("scaled", 0), ("exact", 7), ("exact", 0)):
        planner = Replanner(scoped, inv.hosts, a, plan=plan, method=method)  # type: ignore[arg-type]
        t, (res, _) = _timed(lambda p=planner, g=grid: monte_carlo(
            p, a.ranges(), draws=draws, seed=42, distribution="triangular", grid_points=g))
        variants[f"{method} re-plan, grid {grid}"] = (res, t, dict(planner.runs))
    drawn = next(iter(variants.values()))[0].values
    point_s = compute_costs(plan.vms, inv.hosts, plan.pools, a, a.flat_values()).annual_savings
    pinned = _pinned_types(a, plan.pools)
    references = {
        "A: node types pinned to the point plan's, plan keys drawn":
            lambda i: _exact(scoped, inv, pinned, drawn, i, plan_keys_only=True),
        "B: node types chosen freely at likely prices, plan keys drawn":
            lambda i: _exact(scoped, inv, a, drawn, i, plan_keys_only=True),
        "C: node types chosen freely at the drawn node prices":
            lambda i: _exact(scoped, inv, a, drawn, i, plan_keys_only=False),
    }
    print(f"800-VM sample, {draws} draws, point savings {point_s:,.0f}, point nodes "
          f"{int(plan.pools['nodes'].sum())} ({', '.join(plan.pools['node_type'].astype(str))}). "
          f"Each reference re-plans the first {exact_draws} draws exactly (plan_estate + "
          "compute_costs), prices at the drawn values.")
    for ref_name, ref in references.items():
        t_ex, exact = _timed(lambda r=ref: np.array([r(i) for i in range(exact_draws)]))
        ex_s, ex_n, ex_npv = exact.T
        print(f"\n### Reference {ref_name} ({t_ex / exact_draws:.2f} s per draw)\n")
        print("| approximation | seconds | re-plans | savings error: mean abs | P90 abs | max abs"
              " | mean (bias) | nodes: mean abs error | max | NPV mean abs error |")
        print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
        for name, (res, t, runs) in variants.items():
            e_s = res.annual_savings[:exact_draws] - ex_s
            e_n = res.nodes[:exact_draws] - ex_n
            e_npv = res.npv[:exact_draws] - ex_npv
            print(f"| {name} | {t:.1f} | {runs['exact']} exact, {runs['scaled']} scaled "
                  f"| {np.abs(e_s).mean():,.0f} | {np.quantile(np.abs(e_s), 0.9):,.0f} "
                  f"| {np.abs(e_s).max():,.0f} | {e_s.mean():+,.0f} | {np.abs(e_n).mean():.2f} "
                  f"| {np.abs(e_n).max():.0f} | {np.abs(e_npv).mean():,.0f} |")
        print(f"\n| P10 / P50 / P90 over the {exact_draws} draws | savings | nodes |")
        print("|---|---|---|")
        print(f"| reference | {_q(ex_s)} | {_q(ex_n, '{:g}')} |")
        for name, (res, _, _) in variants.items():
            print(f"| {name} | {_q(res.annual_savings[:exact_draws])} "
                  f"| {_q(res.nodes[:exact_draws], '{:g}')} |")


def _q(x: np.ndarray, fmt: str = "{:,.0f}") -> str:
    return " / ".join(fmt.format(q) for q in np.quantile(x, [0.1, 0.5, 0.9]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=100_000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--accuracy", action="store_true",
                        help="measure the approximation against an exact re-plan per draw")
    parser.add_argument("--exact-draws", type=int, default=100)
    args = parser.parse_args()
    if args.accuracy:
        accuracy(args.draws, args.exact_draws)
    else:
        speed(args.vms, args.draws, args.runs)


if __name__ == "__main__":
    main()
