"""Monte Carlo over the ranged assumptions, and the sensitivity tornado.

Price keys are drawn and priced all at once (`price()` and `cash_flow()` take arrays of draws).
Plan and quantity keys (see `replan.key_kind`) change the estate's quantities, which cannot be
re-planned for each of a thousand draws on a large estate. So the plan is sampled jointly on a
grid, never assembled from one-key-at-a-time steps:

1. Grid: the point plan plus a Latin-hypercube sample of `grid_points` joint values of every
   ranged plan and quantity key (one value from each equal-probability stratum of the drawn
   distribution per key, strata shuffled per key), each re-planned (`Replanner.at`).
2. Each draw is assigned to the nearest grid point in normalised parameter space (each key's
   axis scaled to its range and weighted by its tornado swing) and priced exactly, with the
   draw's prices, on that grid point's quantities: yearly costs, the cash flow, payback, NPV,
   nodes and node capacity all come from one consistent plan.
3. Tornado: every ranged key at its low and at its high value, the others likely; plan and
   quantity keys re-plan for it (cut runs), price keys are one vectorised pricing.

The draws use each range's likely value as its median (`draws.draw_values`), so the point
estimate sits near the median of the draws. With every range collapsed the draws and the grid
are the point, and the percentiles equal the point estimate exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from estimator.assumptions import Assumptions
from estimator.costs import CostQuantities, cash_flow, price
from estimator.inventory.timeseries import series_usage
from estimator.model import (
    CoresRange,
    GibRange,
    MoneyRange,
    MonthsRange,
    NodesRange,
    Percentiles,
    SavingsRange,
    TornadoRow,
    Uncertainty,
    rows,
)
from estimator.planning import Plan
from estimator.uncertainty.draws import draw_values, percentiles
from estimator.uncertainty.replan import PlanPoint, ReplanMethod, Replanner, key_kind

Progress = Callable[[str], None]
TORNADO_ROWS = 10
TORNADO_COLUMNS = ["key", "label", "unit", "low_value", "high_value", "low_savings",
                   "high_savings", "swing"]
DEFAULT_GRID_POINTS = 24  # joint plan samples; docs/uncertainty.md gives the measured error


@dataclass(frozen=True)
class DrawResults:
    """Per-draw outputs of the Monte Carlo (arrays of shape (draws,))."""

    values: dict[str, np.ndarray]  # the drawn value of every ranged key
    annual_before: np.ndarray
    annual_after: np.ndarray
    annual_savings: np.ndarray
    nodes: np.ndarray
    node_cores: np.ndarray
    node_memory_gib: np.ndarray
    one_off_migration: np.ndarray
    payback_months: np.ndarray  # NaN: never within the horizon
    npv: np.ndarray
    grid_index: np.ndarray  # which grid point each draw was priced on (0 = the point plan)


def _money(q: CostQuantities, settings: Assumptions, values: Mapping[str, Any],
           n: int) -> tuple[np.ndarray, np.ndarray]:
    """Yearly cost before and after for `n` draws (values hold floats or (n,) arrays)."""
    lines = price(q, settings, values)
    return (np.broadcast_to(np.asarray(lines.annual_before, dtype=float), (n,)),
            np.broadcast_to(np.asarray(lines.annual_after, dtype=float), (n,)))


def _subset(values: Mapping[str, Any], idx: np.ndarray) -> dict[str, Any]:
    return {k: (v[idx] if isinstance(v, np.ndarray) else v) for k, v in values.items()}


def _lhs(drawn: dict[str, np.ndarray], keys: list[str], k: int,
         rng: np.random.Generator) -> list[dict[str, float]]:
    """k Latin-hypercube points: per key, one value from each of k equal-probability strata
    (the stratum's middle quantile of the drawn values), strata shuffled per key."""
    if not keys or k <= 0:
        return []
    probs = (np.arange(k) + 0.5) / k
    cols = {key: np.quantile(drawn[key], probs)[rng.permutation(k)] for key in keys}
    return [{key: float(cols[key][g]) for key in keys} for g in range(k)]


def monte_carlo(planner: Replanner, ranges: Mapping[str, tuple[float, float, float]], *,
                draws: int, seed: int, distribution: str,
                grid_points: int = DEFAULT_GRID_POINTS,
                progress: Progress | None = None) -> tuple[DrawResults, pd.DataFrame]:
    """Per-draw results and the tornado table for the ranged assumptions."""
    say = progress or (lambda _msg: None)
    a = planner.assumptions
    likely = planner.values
    drawn = draw_values(ranges, draws, seed, distribution)
    keys = list(ranges)
    structural = [k for k in keys if key_kind(k) != "price"]
    price_keys = [k for k in keys if key_kind(k) == "price"]

    say("Monte Carlo: re-planning each ranged plan assumption at low and high")
    cuts = {k: (planner.at({k: ranges[k][0]}), planner.at({k: ranges[k][2]}))
            for k in structural}
    tornado = _tornado(a, ranges, likely, planner, cuts)
    swing = {str(k): float(v) for k, v in zip(tornado["key"], tornado["swing"], strict=True)}

    say("Monte Carlo: re-planning the grid of joint plan values")
    grid_x = [{k: likely[k] for k in structural}]
    grid_x += _lhs(drawn, structural, grid_points, np.random.default_rng([seed, 1]))
    grid = [planner.point] + [planner.at(x) for x in grid_x[1:]]
    grid_index = _nearest(grid_x, drawn, structural, ranges, swing, draws)

    say("Monte Carlo: pricing the draws")
    out = {name: np.empty(draws) for name in (
        "before", "after", "nodes", "cores", "memory", "one_off", "payback", "npv")}
    draw_vals: dict[str, Any] = dict(likely)
    draw_vals.update({k: drawn[k] for k in price_keys})
    for g, p in enumerate(grid):
        idx = np.flatnonzero(grid_index == g)
        if idx.size == 0:
            continue
        vals = _subset(draw_vals, idx)
        vals.update(grid_x[g])  # the grid point's plan and quantity values
        lines = price(p.quantities, a, vals)
        flow = cash_flow(lines, p.quantities, a, vals)

        def each(x: Any, n: int = idx.size) -> np.ndarray:
            return np.broadcast_to(np.asarray(x, dtype=float), (n,))

        out["before"][idx] = each(lines.annual_before)
        out["after"][idx] = each(lines.annual_after)
        out["nodes"][idx] = p.nodes
        out["cores"][idx] = p.node_cores
        out["memory"][idx] = p.node_memory_gib
        out["one_off"][idx] = each(flow.one_off_migration)
        out["npv"][idx] = each(flow.npv)
        out["payback"][idx] = np.nan if flow.payback_months is None else each(
            flow.payback_months)
    return DrawResults(
        values=drawn, annual_before=out["before"], annual_after=out["after"],
        annual_savings=out["before"] - out["after"], nodes=np.rint(out["nodes"]),
        node_cores=out["cores"], node_memory_gib=out["memory"],
        one_off_migration=out["one_off"], payback_months=out["payback"], npv=out["npv"],
        grid_index=grid_index,
    ), tornado


def _nearest(grid_x: list[dict[str, float]], drawn: dict[str, np.ndarray],
             keys: list[str], ranges: Mapping[str, tuple[float, float, float]],
             swing: Mapping[str, float], draws: int) -> np.ndarray:
    """Index of each draw's nearest grid point; axes scaled to [0, 1] and weighted by swing."""
    if len(grid_x) == 1 or not keys:
        return np.zeros(draws, dtype=np.int64)
    swings = np.array([swing.get(k, 0.0) for k in keys])
    total = swings.sum()
    # a small floor so that keys with no measured swing still break ties by distance
    weight = (swings / total if total > 0 else np.zeros(len(keys))) + 1e-3
    lows = np.array([ranges[k][0] for k in keys])
    widths = np.array([ranges[k][2] - ranges[k][0] for k in keys])
    z_draw = (np.column_stack([drawn[k] for k in keys]) - lows) / widths * weight
    z_grid = (np.array([[x[k] for k in keys] for x in grid_x]) - lows) / widths * weight
    best = np.zeros(draws, dtype=np.int64)
    best_d = np.full(draws, np.inf)
    for g in range(len(grid_x)):  # a loop over grid points keeps memory at O(draws)
        d = ((z_draw - z_grid[g]) ** 2).sum(axis=1)
        closer = d < best_d
        best[closer], best_d[closer] = g, d[closer]
    return best


def _tornado(a: Assumptions, ranges: Mapping[str, tuple[float, float, float]],
             likely: Mapping[str, float], planner: Replanner,
             cuts: Mapping[str, tuple[PlanPoint, PlanPoint]]) -> pd.DataFrame:
    """Yearly savings with each ranged key at its low and at its high value, others likely
    (every key with a swing, largest first)."""
    rows = _price_swings(planner.point.quantities, a, ranges, likely)
    for k, (low, high) in cuts.items():
        pair = []
        for p, x in ((low, ranges[k][0]), (high, ranges[k][2])):
            b, af = _money(p.quantities, a, {**likely, k: x}, 1)
            pair.append(float(b[0] - af[0]))
        rows[k] = (pair[0], pair[1])
    return _swing_table(a, ranges, rows)


def _price_swings(q: CostQuantities, a: Assumptions,
                  ranges: Mapping[str, tuple[float, float, float]],
                  likely: Mapping[str, float]) -> dict[str, tuple[float, float]]:
    """Yearly savings with each ranged price key at its low and at its high value."""
    price_keys = [k for k in ranges if key_kind(k) == "price"]
    if not price_keys:
        return {}
    vals, n = _low_high_draws(price_keys, ranges, likely)
    b, af = _money(q, a, vals, n)
    s = b - af
    return {k: (float(s[2 * i]), float(s[2 * i + 1])) for i, k in enumerate(price_keys)}


def _low_high_draws(keys: list[str], ranges: Mapping[str, tuple[float, float, float]],
                    likely: Mapping[str, float]) -> tuple[dict[str, Any], int]:
    """Values for one vectorised pricing of every swing: draw 2i has key i at its low value
    and draw 2i + 1 at its high value, every other key likely."""
    vals: dict[str, Any] = dict(likely)
    n = 2 * len(keys)
    for i, k in enumerate(keys):
        arr = np.full(n, likely[k])
        arr[2 * i], arr[2 * i + 1] = ranges[k][0], ranges[k][2]
        vals[k] = arr
    return vals, n


def price_sensitivity(q: CostQuantities, a: Assumptions) -> pd.DataFrame:
    """Every ranged price assumption with the net present value at its low and high value
    (`TORNADO_COLUMNS`, the `*_savings` columns holding NPVs; largest swing first): one
    vectorised pricing and cash flow, no re-plan. The NPV counts the one-off migration too,
    so migration effort ranks beside the yearly prices."""
    ranges = a.ranges()
    likely = a.flat_values()
    keys = [k for k in ranges if key_kind(k) == "price"]
    rows: dict[str, tuple[float, float]] = {}
    if keys:
        vals, n = _low_high_draws(keys, ranges, likely)
        lines = price(q, a, vals)
        npv = np.broadcast_to(np.asarray(cash_flow(lines, q, a, vals).npv, dtype=float), (n,))
        rows = {k: (float(npv[2 * i]), float(npv[2 * i + 1])) for i, k in enumerate(keys)}
    return _swing_table(a, ranges, rows)


def _swing_table(a: Assumptions, ranges: Mapping[str, tuple[float, float, float]],
                 rows: Mapping[str, tuple[float, float]]) -> pd.DataFrame:
    records = []
    for k in ranges:  # declaration order, so ties keep a stable order
        if k not in rows:
            continue
        info = a.describe(k)
        low_s, high_s = rows[k]
        records.append({
            "key": k, "label": info.description, "unit": info.unit,
            "low_value": float(ranges[k][0]), "high_value": float(ranges[k][2]),
            "low_savings": low_s, "high_savings": high_s, "swing": abs(high_s - low_s),
        })
    frame = pd.DataFrame.from_records(records, columns=TORNADO_COLUMNS)
    frame = frame.astype({"key": "string", "label": "string", "unit": "string"})
    # keys that do not move the savings at all (e.g. percentiles without time series) are noise
    frame = frame[frame["swing"] > 0]
    return frame.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def run_uncertainty(scoped_vms: pd.DataFrame, hosts: pd.DataFrame | None,
                    assumptions: Assumptions, *, point_nodes: int | None = None,
                    progress: Progress | None = None, draws: int | None = None,
                    seed: int | None = None, plan: Plan | None = None,
                    replan: ReplanMethod = "scaled",
                    grid_points: int | None = None,
                    quantities: CostQuantities | None = None,
                    series: pd.DataFrame | None = None) -> Uncertainty:
    """Monte Carlo ranges (P10/P50/P90) and the tornado for an estate.

    `scoped_vms` is the scoped VM frame plan_estate takes; `point_nodes` the point estimate's
    node count, used to check the re-built point plan; `plan` the point plan when the caller
    has it (saves one full packing) and `quantities` its cost quantities (saves reading them
    again). `draws` and `seed` default to
    `uncertainty.draws` / `uncertainty.seed`. `replan` chooses how plan keys are re-planned
    (see `estimator.uncertainty.replan`). `series` are the per-VM time series the point
    estimate was sized from: re-plans then size those VMs at the drawn CPU and memory
    percentiles, from each VM's quantiles on a grid over the percentile ranges.
    """
    a = assumptions
    grid_points = int(a.uncertainty.grid_points) if grid_points is None else grid_points
    n = int(draws if draws is not None else a.uncertainty.draws)
    s = int(seed if seed is not None else a.uncertainty.seed)
    dist = str(getattr(a.uncertainty.distribution, "value", a.uncertainty.distribution))
    ranges = a.ranges()
    usage = None
    if series is not None and ({"sizing.cpu_percentile", "sizing.memory_percentile"}
                               & ranges.keys()):
        values = a.flat_values()
        usage = series_usage(scoped_vms, series, **{
            f"{what}_percentiles": _percentile_grid(ranges.get(key), values[key])
            for what, key in (("cpu", "sizing.cpu_percentile"),
                              ("memory", "sizing.memory_percentile"))})
    planner = Replanner(scoped_vms, hosts, a, plan=plan, method=replan, quantities=quantities,
                        series=usage)
    _check_point(planner, point_nodes)
    results, tornado = monte_carlo(planner, ranges, draws=n, seed=s, distribution=dist,
                                   grid_points=grid_points, progress=progress)
    return summarise_draws(results, tornado.head(TORNADO_ROWS), draws=n, seed=s,
                           distribution=dist)


PERCENTILE_GRID_POINTS = 21  # per percentile range; a re-plan between two interpolates


def _percentile_grid(span: tuple[float, float, float] | None, likely: float) -> list[float]:
    """Percentiles at which each VM's quantiles are read: evenly over the range (and the
    likely value), or the likely value alone when the key is not ranged."""
    if span is None:
        return [likely]
    return sorted({*np.linspace(span[0], span[2], PERCENTILE_GRID_POINTS).tolist(), likely})


def _check_point(planner: Replanner, nodes: int | None) -> None:
    """The re-built point plan must have the node count the point estimate reported."""
    if nodes is not None and int(nodes) != round(planner.point.nodes):
        raise ValueError(
            f"the point estimate reports {nodes} nodes but re-planning gives "
            f"{planner.point.nodes:g}: pass the same scoped VMs and assumptions")


P = TypeVar("P", bound=Percentiles)


def _range(kind: type[P], x: np.ndarray) -> P:
    p = percentiles(x)
    return kind(p10=p[0], p50=p[1], p90=p[2])


def _whole(x: np.ndarray) -> NodesRange:
    """Node percentiles as whole nodes (the draws are whole; interpolation is not)."""
    p = percentiles(x)
    return NodesRange(**{k: None if v is None else float(np.ceil(v - 1e-9)) + 0.0
                         for k, v in zip(("p10", "p50", "p90"), p, strict=True)})


def summarise_draws(results: DrawResults, tornado: pd.DataFrame, *, draws: int, seed: int,
                    distribution: str) -> Uncertainty:
    """The `Uncertainty` block from per-draw results."""
    savings = results.annual_savings
    return Uncertainty(
        draws=draws, seed=seed, distribution=distribution,
        annual_savings=_range(SavingsRange, savings),
        payback_months=_range(MonthsRange, results.payback_months),
        npv=_range(MoneyRange, results.npv),
        one_off_migration=_range(MoneyRange, results.one_off_migration),
        nodes=_whole(results.nodes),
        node_cores=_range(CoresRange, results.node_cores),
        node_memory_gib=_range(GibRange, results.node_memory_gib),
        probability_positive_savings=float(np.mean(savings > 0)),
        tornado=rows(tornado, TornadoRow),
        savings_draws=tuple(np.asarray(savings, dtype=float).tolist()),
    )
