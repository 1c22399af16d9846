"""Monte Carlo over the ranged assumptions, and the sensitivity tornado.

Price keys are drawn and priced all at once (`price()` and `cash_flow()` take arrays of draws).
Plan and quantity keys (see `replan.key_kind`) change the estate's quantities, which cannot be
recomputed per draw on a large estate, so each draw is priced on a nearby exact point and
corrected to first order:

1. Cut runs: for every ranged plan/quantity key j, the estate is re-planned with j at its low
   and at its high value, the others likely (the tornado needs these runs anyway).
2. Grid (optional, `grid_points` > 0): a Latin-hypercube sample of joint values of the plan
   keys (strata of the drawn distribution), each re-planned, plus the point plan itself.
   Off by default: with node types re-chosen at each re-plan it measured worse than the point
   alone (docs/uncertainty.md).
3. Each draw d is assigned to the nearest grid point g in normalised parameter space (each
   key's axis weighted by its tornado swing; g is the point plan when there is no grid), and
   priced exactly on g's quantities with d's prices. Then, for every plan/quantity key j, the
   cut run's change between g's value and d's value is added, interpolated piecewise-linearly
   through (low, likely, high) and priced at d's prices:

       cost(d) = cost(q_g, p_d) + Σ_j [C_j(x_dj) - C_j(x_gj)],
       C_j(x) = piecewise-linear through cost(q_j,low, p_d), cost(q_0, p_d), cost(q_j,high, p_d)

   Node counts follow the same formula (then rounded to whole nodes). The one-off migration,
   payback and NPV come from g's quantities with the corrected yearly savings.

With every range collapsed the draws, the grid and the cut runs are all the point, and the
percentiles equal the point estimate exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from estimator.assumptions import Assumptions
from estimator.costs import CostLines, CostQuantities, cash_flow, price
from estimator.model import (
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
DEFAULT_GRID_POINTS = 0  # measured best with node-type re-choice (docs/uncertainty.md)


@dataclass(frozen=True)
class DrawResults:
    """Per-draw outputs of the Monte Carlo (arrays of shape (draws,))."""

    values: dict[str, np.ndarray]  # the drawn value of every ranged key
    annual_before: np.ndarray
    annual_after: np.ndarray
    annual_savings: np.ndarray
    nodes: np.ndarray
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


def _weights(x: np.ndarray | float, low: float, likely: float,
             high: float) -> tuple[np.ndarray, np.ndarray]:
    """Piecewise-linear weights of the low and high knots at x (the likely knot takes the rest)."""
    x = np.asarray(x, dtype=float)
    w_low = np.where((x < likely) & (likely > low),
                     (likely - x) / (likely - low if likely > low else 1.0), 0.0)
    w_high = np.where((x > likely) & (high > likely),
                      (x - likely) / (high - likely if high > likely else 1.0), 0.0)
    return w_low, w_high


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
    grid_rng = np.random.default_rng([seed, 1])
    keys = list(ranges)
    structural = [k for k in keys if key_kind(k) != "price"]
    plan_keys = [k for k in keys if key_kind(k) == "plan"]
    price_keys = [k for k in keys if key_kind(k) == "price"]
    point = planner.point

    # Prices of every draw, plus one extra "draw" at the likely values (index `draws`).
    ext: dict[str, Any] = dict(likely)
    for k in price_keys:
        ext[k] = np.append(drawn[k], likely[k])
    n_ext = draws + 1 if price_keys else 1

    def money(p: PlanPoint) -> tuple[np.ndarray, np.ndarray]:
        b, af = _money(p.quantities, a, ext, n_ext)
        return np.broadcast_to(b, (draws + 1,)), np.broadcast_to(af, (draws + 1,))

    b0, a0 = money(point)

    # 1. cut runs
    say("Monte Carlo: re-planning each ranged plan assumption at low and high")
    cuts: dict[str, tuple[PlanPoint, PlanPoint]] = {}
    cut_money: dict[str, tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]] = {}
    for k in structural:
        lo, _, hi = ranges[k]
        cuts[k] = (planner.at({k: lo}), planner.at({k: hi}))
        cut_money[k] = (money(cuts[k][0]), money(cuts[k][1]))

    # 2. tornado (yearly savings at likely prices; index `draws` of the extended arrays)
    tornado = _tornado(a, ranges, likely, planner, cut_money)

    # 3. grid of joint plan values, and each draw's nearest grid point
    say("Monte Carlo: grid of joint plan values")
    grid_x = [{k: likely[k] for k in plan_keys}]
    grid_x += _lhs(drawn, plan_keys, grid_points, grid_rng)
    grid = [point] + [planner.at(x) for x in grid_x[1:]]
    grid_index = _nearest(grid_x, drawn, plan_keys, ranges, cut_money, draws)

    # 4. price every draw on its grid point, plus the first-order corrections
    say("Monte Carlo: pricing the draws")
    before = np.empty(draws)
    after = np.empty(draws)
    nodes = np.empty(draws)
    one_off = np.empty(draws)
    payback = np.empty(draws)
    npv = np.empty(draws)
    d_before = np.zeros(draws)
    d_after = np.zeros(draws)
    d_nodes = np.zeros(draws)
    gx = {k: np.array([x[k] for x in grid_x])[grid_index] for k in plan_keys}
    for k in structural:
        lo, li, hi = ranges[k]
        wl_d, wh_d = _weights(drawn[k], lo, li, hi)
        wl_g, wh_g = _weights(gx[k], lo, li, hi) if k in gx else (0.0, 0.0)
        dl, dh = wl_d - wl_g, wh_d - wh_g
        (bl, al), (bh, ah) = cut_money[k]
        d_before += dl * (bl[:draws] - b0[:draws]) + dh * (bh[:draws] - b0[:draws])
        d_after += dl * (al[:draws] - a0[:draws]) + dh * (ah[:draws] - a0[:draws])
        d_nodes += dl * (cuts[k][0].nodes - point.nodes) + dh * (cuts[k][1].nodes - point.nodes)
    draw_values_all: dict[str, Any] = dict(likely)
    draw_values_all.update({k: drawn[k] for k in price_keys})
    for g, p in enumerate(grid):
        idx = np.flatnonzero(grid_index == g)
        if idx.size == 0:
            continue
        vals = _subset(draw_values_all, idx)
        b, af = _money(p.quantities, a, vals, idx.size)
        before[idx] = b + d_before[idx]
        after[idx] = af + d_after[idx]
        nodes[idx] = p.nodes + d_nodes[idx]
        lines = CostLines(before={"all": before[idx]}, after={"all": after[idx]},
                          components={}, residual_vm_annual_cost=0.0, currency="")
        flow = cash_flow(lines, p.quantities, a, vals)
        one_off[idx] = np.broadcast_to(np.asarray(flow.one_off_migration, dtype=float),
                                       (idx.size,))
        npv[idx] = np.broadcast_to(np.asarray(flow.npv, dtype=float), (idx.size,))
        pb = flow.payback_months
        payback[idx] = np.nan if pb is None else np.broadcast_to(np.asarray(pb, dtype=float),
                                                                  (idx.size,))
    return DrawResults(
        values=drawn, annual_before=before, annual_after=after, annual_savings=before - after,
        nodes=np.rint(nodes), one_off_migration=one_off, payback_months=payback, npv=npv,
        grid_index=grid_index,
    ), tornado


def _nearest(grid_x: list[dict[str, float]], drawn: dict[str, np.ndarray], plan_keys: list[str],
             ranges: Mapping[str, tuple[float, float, float]],
             cut_money: Mapping[str, Any], draws: int) -> np.ndarray:
    """Index of each draw's nearest grid point; axes scaled to [0, 1] and weighted by swing."""
    if len(grid_x) == 1 or not plan_keys:
        return np.zeros(draws, dtype=np.int64)
    swings = np.array([abs(float((cut_money[k][1][0][-1] - cut_money[k][1][1][-1])
                                 - (cut_money[k][0][0][-1] - cut_money[k][0][1][-1])))
                       for k in plan_keys])
    total = swings.sum()
    # a small floor so that keys with no measured swing still break ties by distance
    weight = (swings / total if total > 0 else np.zeros(len(plan_keys))) + 1e-3
    lows = np.array([ranges[k][0] for k in plan_keys])
    widths = np.array([ranges[k][2] - ranges[k][0] for k in plan_keys])
    z_draw = (np.column_stack([drawn[k] for k in plan_keys]) - lows) / widths * weight
    z_grid = (np.array([[x[k] for k in plan_keys] for x in grid_x]) - lows) / widths * weight
    dist = ((z_draw[:, None, :] - z_grid[None, :, :]) ** 2).sum(axis=2)
    return np.argmin(dist, axis=1).astype(np.int64)


def _tornado(a: Assumptions, ranges: Mapping[str, tuple[float, float, float]],
             likely: Mapping[str, float], planner: Replanner,
             cut_money: Mapping[str, Any]) -> pd.DataFrame:
    """Yearly savings with each ranged key at its low and at its high value, others likely."""
    rows = _price_swings(planner.point.quantities, a, ranges, likely)
    for k, ((bl, al), (bh, ah)) in cut_money.items():
        rows[k] = (float(bl[-1] - al[-1]), float(bh[-1] - ah[-1]))
    frame = _swing_table(a, ranges, rows)
    return frame.head(TORNADO_ROWS).reset_index(drop=True)


def _price_swings(q: CostQuantities, a: Assumptions,
                  ranges: Mapping[str, tuple[float, float, float]],
                  likely: Mapping[str, float]) -> dict[str, tuple[float, float]]:
    """Yearly savings with each ranged price key at its low and at its high value."""
    rows: dict[str, tuple[float, float]] = {}
    price_keys = [k for k in ranges if key_kind(k) == "price"]
    if price_keys:
        # every swing as one vectorised price call: draw 2i = key i low, 2i + 1 = key i high
        vals: dict[str, Any] = dict(likely)
        n = 2 * len(price_keys)
        for i, k in enumerate(price_keys):
            arr = np.full(n, likely[k])
            arr[2 * i], arr[2 * i + 1] = ranges[k][0], ranges[k][2]
            vals[k] = arr
        b, af = _money(q, a, vals, n)
        s = b - af
        for i, k in enumerate(price_keys):
            rows[k] = (float(s[2 * i]), float(s[2 * i + 1]))
    return rows


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
        vals: dict[str, Any] = dict(likely)
        n = 2 * len(keys)
        for i, k in enumerate(keys):
            arr = np.full(n, likely[k])
            arr[2 * i], arr[2 * i + 1] = ranges[k][0], ranges[k][2]
            vals[k] = arr
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
                    grid_points: int = DEFAULT_GRID_POINTS) -> Uncertainty:
    """Monte Carlo ranges (P10/P50/P90) and the tornado for an estate.

    `scoped_vms` is the scoped VM frame plan_estate takes; `point_nodes` the point estimate's
    node count, used to check the re-built point plan; `plan` the point plan when the caller
    has it (saves one full packing). `draws` and `seed` default to
    `uncertainty.draws` / `uncertainty.seed`. `replan` chooses how plan keys are re-planned
    (see `estimator.uncertainty.replan`).
    """
    a = assumptions
    n = int(draws if draws is not None else a.uncertainty.draws)
    s = int(seed if seed is not None else a.uncertainty.seed)
    dist = str(getattr(a.uncertainty.distribution, "value", a.uncertainty.distribution))
    planner = Replanner(scoped_vms, hosts, a, plan=plan, method=replan)
    _check_point(planner, point_nodes)
    results, tornado = monte_carlo(planner, a.ranges(), draws=n, seed=s, distribution=dist,
                                   grid_points=grid_points, progress=progress)
    return summarise_draws(results, tornado, draws=n, seed=s, distribution=dist)


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
        nodes=_whole(results.nodes),
        probability_positive_savings=float(np.mean(savings > 0)),
        tornado=rows(tornado, TornadoRow),
        savings_draws=tuple(np.asarray(savings, dtype=float).tolist()),
    )
