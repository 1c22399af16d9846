"""How far the Monte Carlo's plan approximation is from re-planning every draw exactly.

For each inventory, the default Monte Carlo (1,000 draws, seed 42) prices every draw with the
plan of its nearest grid point (`uncertainty.grid_points` joint re-plans, scaled method). Here
the first N draws are also re-planned exactly (sizing, fit and full packing at the draw's own
plan values) and priced with the same draw values. The table prints the error of the
Monte Carlo's figure against that exact figure, and of the scaled re-plan at the draw itself.

    python benchmarks/mc_error.py [--draws 40] [FILE ...]

The error is relative to the exact figure (yearly savings: relative to today's yearly cost,
so that a saving near zero does not blow it up).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from estimator.assumptions import load_assumptions
from estimator.costs import cash_flow, price
from estimator.inventory import read_inventory
from estimator.pipeline import prepare, resolve_inputs
from estimator.uncertainty.draws import draw_values
from estimator.uncertainty.montecarlo import monte_carlo
from estimator.uncertainty.replan import Replanner, key_kind

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILES = (
    ROOT / "data" / "sample-rvtools.xlsx",
    ROOT / ".." / "shared" / "data" / "real" / "rvtools-ibm-sizingworkshop"
    / "SizingWorkshop-RVTools.xlsx",
)


def _figures(point, a, vals):
    lines = price(point.quantities, a, vals)
    flow = cash_flow(lines, point.quantities, a, vals)
    return (float(lines.annual_savings), float(flow.npv), point.node_cores,
            float(lines.annual_before))


def measure(path: Path, n: int) -> dict[str, tuple[float, float, float]]:
    inv = read_inventory(path)
    resolved = resolve_inputs(inv, load_assumptions())
    a = resolved.assumptions
    scoped = prepare(resolved)[0]
    u = a.uncertainty
    planner = Replanner(scoped, inv.hosts, a)
    ranges = a.ranges()
    res, _ = monte_carlo(planner, ranges, draws=u.draws, seed=u.seed,
                         distribution=u.distribution, grid_points=u.grid_points)
    drawn = draw_values(ranges, u.draws, u.seed, u.distribution)
    structural = [k for k in ranges if key_kind(k) != "price"]
    errs: dict[str, list[tuple[float, float, float]]] = {"monte carlo": [], "scaled": []}
    for d in range(n):
        vals = {**planner.values, **{k: float(v[d]) for k, v in drawn.items()}}
        moved = {k: vals[k] for k in structural}
        ad = a.with_values(moved)
        exact = planner._exact(ad, ad.flat_values())
        s_ex, npv_ex, cores_ex, before = _figures(exact, a, vals)
        s_sc, npv_sc, cores_sc, _ = _figures(planner.at(moved), a, vals)
        mc = (float(res.annual_savings[d]), float(res.npv[d]), float(res.node_cores[d]))
        for name, (s, npv, cores) in (("monte carlo", mc), ("scaled", (s_sc, npv_sc,
                                                                        cores_sc))):
            errs[name].append((abs(s - s_ex) / before, abs(npv - npv_ex) / max(abs(npv_ex), before),
                               abs(cores - cores_ex) / cores_ex if cores_ex else 0.0))
    out = {}
    for name, rows in errs.items():
        arr = np.array(rows)
        out[name] = tuple(np.median(arr, axis=0)) + tuple(np.quantile(arr, 0.9, axis=0))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", type=Path, default=list(DEFAULT_FILES))
    ap.add_argument("--draws", type=int, default=40, help="draws re-planned exactly")
    args = ap.parse_args()
    print(f"{'inventory':<30} {'method':<12} {'savings med/P90':>17} {'NPV med/P90':>15} "
          f"{'cores med/P90':>15} {'time':>6}")
    for path in args.files:
        t = time.perf_counter()
        out = measure(path, args.draws)
        secs = time.perf_counter() - t
        for name, e in out.items():
            print(f"{path.name[:30]:<30} {name:<12} {e[0]:>7.1%} / {e[3]:>6.1%} "
                  f"{e[1]:>6.1%} / {e[4]:>6.1%} {e[2]:>6.1%} / {e[5]:>6.1%} {secs:>5.0f}s")


if __name__ == "__main__":
    main()
