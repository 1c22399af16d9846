"""Step 3 of the cost model: one-off migration, the yearly cash flow a finance team reads,
payback and NPV.

Workloads move along `migration.ramp` (share moved by the end of year 1, 2, 3...), linearly
within each year. Month by month:

- **cost of staying** (`opex_before`): today's yearly cost, end-of-support upgrades or ESU
  included, every month;
- **cost after** (`opex_after`): the VM estate shrinks from today's cost to the staying VMs'
  as workloads move (share moved s), and the new platform runs at that share; owned node
  hardware is not here but in `capex`;
- **dual running**: what the move costs on top of that while it runs: the platform's
  per-cluster costs are paid in full from month 1, nodes for the share a year will reach are
  paid from its first month, and today's hypervisor subscription is paid in full until its
  term ends (`current.hypervisor_term_months_left`);
- **capex**: owned servers (workers and control plane) bought in the year they are first
  needed, at `hardware_per_node_year` x `current.amortisation_years`, and bought again when
  they are that many years old;
- **one-off migration**: spent as workloads move.

net = cost of staying − cost after − dual running − capex − migration; payback is the month
the cumulative net turns positive; the NPV discounts the yearly net. Vectorised over draws:
every money figure may be a (draws,) array.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from estimator.costs._columns import setting
from estimator.costs._values import Value, Values, scalar, tidy, value
from estimator.costs.pricing import CostLines
from estimator.costs.quantities import COMPONENTS, CostQuantities
from estimator.errors import ConfigError
from estimator.formatting import noun, plural

if TYPE_CHECKING:
    from estimator.assumptions import Assumptions

# Platform components paid per cluster from the first month, whatever has moved.
FIXED_COMPONENTS: frozenset[str] = frozenset({
    "platform_control_plane", "platform_team", "network_clusters", "hardware_control_plane",
    "cloud_control_plane", "power_control_plane", "storage_control_plane",
})
# Owned node hardware: bought (capex), not paid as a yearly cost, in the cash flow.
CAPEX_COMPONENTS: frozenset[str] = frozenset({"hardware_nodes", "hardware_control_plane"})


@dataclass(frozen=True)
class CashFlow:
    """Yearly rows over the horizon. Arrays are (years,) or (draws, years)."""

    years: np.ndarray  # 1..horizon
    opex_before: np.ndarray
    opex_after: np.ndarray
    dual_running: np.ndarray
    capex: np.ndarray
    migration_cost: np.ndarray
    net: np.ndarray
    cumulative: np.ndarray
    discounted: np.ndarray
    one_off_migration: Value
    # months until cumulative net turns positive; None (or NaN per draw) when never
    payback_months: float | np.ndarray | None
    npv: Value
    notes: tuple[str, ...] = ()

    @property
    def savings(self) -> np.ndarray:
        """opex_before - opex_after per year (before dual running, capex and migration)."""
        return self.opex_before - self.opex_after

    def to_frame(self) -> pd.DataFrame:
        """One row per year (point estimate only): `estimator.model.CashFlowRow` columns."""
        if self.net.ndim != 1:
            raise ValueError("to_frame() needs the point estimate, not draws")
        return pd.DataFrame({
            "year": self.years.astype(int),
            "opex_before": self.opex_before,
            "opex_after": self.opex_after,
            "savings": self.savings,
            "dual_running": self.dual_running,
            "capex": self.capex,
            "migration_cost": self.migration_cost,
            "net": self.net,
            "cumulative": self.cumulative,
            "discounted": self.discounted,
        })


def ramp_shares(ramp: list[float], horizon_years: int) -> np.ndarray:
    """Share moved at the end of years 0..horizon (year 0 = 0), the last ramp value held."""
    r = [float(x) for x in ramp] or [1.0]
    if any(x < 0 or x > 1 for x in r) or any(b < a for a, b in itertools.pairwise(r)):
        raise ConfigError("must be non-decreasing shares between 0 and 1", key="migration.ramp")
    r = (r + [r[-1]] * horizon_years)[:horizon_years]
    return np.array([0.0, *r])


def _hours_key(level: str, values: Values) -> str:
    key = f"migration.hours_per_workload.{level}"
    # a moving workload of a level without its own effort (e.g. no_fit moved by an override)
    return key if key in values else "migration.hours_per_workload.needs_work"


def one_off_migration(quantities: CostQuantities, values: Values) -> Value:
    """Σ moving workloads x hours by fit level, plus OS rebuilds and right-sizing, x migration
    labour rate. A level without its own `migration.hours_per_workload.<level>` uses the
    needs_work hours."""
    hours: Value = 0.0
    for level, count in quantities.moving_by_fit.items():
        hours = hours + count * value(values, _hours_key(level, values))
    hours = hours + quantities.os_upgrades * value(values, "migration.os_upgrade_hours_per_vm")
    hours = hours + quantities.rightsized_vms * value(values, "migration.rightsize_hours_per_vm")
    return tidy(np.asarray(hours) * np.asarray(value(values, "migration.labour_per_hour")))


def _sum(lines: CostLines, names: frozenset[str] | None, *, exclude: frozenset[str] = frozenset(),
         side: str = "after") -> np.ndarray:
    """Total of the after (or before) components in `names` (None: all), draws kept."""
    total: np.ndarray = np.asarray(0.0)
    for name, amount in lines.components.items():
        if COMPONENTS[name][1] != side or name in exclude:
            continue
        if names is not None and name not in names:
            continue
        if name.endswith("_residual"):
            continue
        total = total + (amount.sum(axis=-1) if amount.shape[-1] else 0.0)
    return total


def _node_purchases(quantities: CostQuantities, values: Values, year_end: np.ndarray,
                    horizon: int) -> np.ndarray:
    """Capex per year (years,) or (draws, years): owned servers bought when first needed and
    bought again when fully written off."""
    pools = quantities.pools
    amort = np.asarray(value(values, "current.amortisation_years"), dtype=float)
    # a server is bought again when fully written off: every `life` years, per draw
    life = np.maximum(1, np.round(amort)).astype(int)
    out: np.ndarray = np.zeros(horizon)
    groups: list[tuple[str, np.ndarray]] = []
    for t, n in zip(pools.node_type, pools.nodes, strict=True):
        # nodes of a pool needed by the end of each year: the moved share, spares from the
        # first year anything moves
        need = np.ceil(n * year_end[1:] - 1e-9)
        groups.append((str(t), need))
    if quantities.cp_nodes > 0:
        first = np.where(year_end[1:] > 0, quantities.cp_nodes, 0.0)
        groups.append((quantities.cp_node_type, first))
    for t, need in groups:
        key = f"platform.node_types.{t}.hardware_per_node_year"
        if key not in values:
            continue
        price = np.asarray(value(values, key), dtype=float) * amort
        bought = np.diff(np.concatenate([[0.0], np.maximum.accumulate(need)]))
        out = out + price[..., None] * _with_refresh(bought, life)
    return out


def _with_refresh(bought: np.ndarray, life: np.ndarray) -> np.ndarray:
    """Servers bought per year (years,) plus the same servers bought again every `life`
    years ((), or (draws,)): (years,) or (draws, years)."""
    horizon = bought.shape[-1]
    lives = np.atleast_1d(life)
    total = np.tile(bought.astype(float), (lives.size, 1))
    rows = np.arange(lives.size)
    for year in range(horizon):  # years, not VMs: a handful of steps
        earlier = year - lives
        total[:, year] += np.where(earlier >= 0, total[rows, np.maximum(earlier, 0)], 0.0)
    return total.reshape(*life.shape, horizon)


def cash_flow(lines: CostLines, quantities: CostQuantities, settings: Assumptions,
              values: Values) -> CashFlow:
    """Yearly cost of staying, cost after, dual running, capex, migration, net, cumulative and
    discounted rows; payback; NPV (see the module docstring)."""
    horizon = round(scalar(values, "finance.horizon_years"))
    if horizon < 1:
        raise ConfigError("must be at least 1", key="finance.horizon_years")
    year_end = ramp_shares(list(setting(settings, "migration.ramp", default=[1.0])), horizon)
    months = np.arange(12 * horizon + 1)
    moved = np.interp(months / 12.0, np.arange(horizon + 1), year_end)
    moved_in_month = np.diff(moved)
    mean_moved = 0.5 * (moved[1:] + moved[:-1])  # (M,)
    target = np.repeat(year_end[1:], 12)  # share the month's year reaches, (M,)
    term = np.asarray(value(values, "current.hypervisor_term_months_left")
                      if "current.hypervisor_term_months_left" in values else 0.0, dtype=float)
    in_term = (np.arange(1, 12 * horizon + 1) <= term[..., None]).astype(float)

    owned = quantities.hardware_model == "owned"
    before = np.asarray(lines.annual_before, dtype=float)
    residual = np.asarray(lines.residual_vm_annual_cost, dtype=float)
    capex_parts = CAPEX_COMPONENTS if owned else frozenset()
    fixed = _sum(lines, FIXED_COMPONENTS, exclude=capex_parts)
    variable = _sum(lines, None, exclude=FIXED_COMPONENTS | capex_parts)
    hyp_gap = np.asarray(lines.components["hypervisor_before"].sum(axis=-1)
                         - lines.components["hypervisor_residual"].sum(axis=-1), dtype=float) \
        if "hypervisor_before" in lines.components else np.asarray(0.0)

    def monthly(annual: np.ndarray, shape: np.ndarray | float) -> np.ndarray:
        """A yearly amount (float or (draws,)) over the months, times `shape` ((M,) or
        (draws, M))."""
        return np.asarray(annual, dtype=float)[..., None] / 12.0 * shape

    ones = np.ones_like(mean_moved)
    opex_before_m = monthly(before, ones)
    vm_side = monthly(before, ones) - monthly(before - residual, mean_moved)
    opex_after_m = vm_side + monthly(variable + fixed, mean_moved)
    dual_m = (monthly(fixed, 1.0 - mean_moved) + monthly(variable, target - mean_moved)
              + monthly(np.maximum(hyp_gap, 0.0), mean_moved * in_term))
    one_off = one_off_migration(quantities, values)
    spend_m = monthly(np.asarray(one_off, dtype=float) * 12.0, moved_in_month)
    arrays = np.broadcast_arrays(opex_before_m, opex_after_m, dual_m, spend_m)
    opex_before_m, opex_after_m, dual_m, spend_m = arrays

    def yearly(x: np.ndarray) -> np.ndarray:
        return x.reshape(*x.shape[:-1], horizon, 12).sum(axis=-1)

    capex = (_node_purchases(quantities, values, year_end, horizon) if owned
             else np.zeros(horizon))
    shape = opex_before_m.shape[:-1]
    capex = np.broadcast_to(capex, (*shape, horizon)).astype(float)
    opex_before, opex_after = yearly(opex_before_m), yearly(opex_after_m)
    dual, migration = yearly(dual_m), yearly(spend_m)
    net = opex_before - opex_after - dual - capex - migration
    years = np.arange(1, horizon + 1)
    rate = np.asarray(value(values, "finance.discount_rate"), dtype=float)
    if np.any(rate <= -1):
        raise ConfigError("must be > -1", key="finance.discount_rate")
    discounted = net / (1.0 + rate[..., None]) ** years
    npv = tidy(discounted.sum(axis=-1))

    # capex falls in the first month of its year
    capex_m = np.zeros((*shape, 12 * horizon))
    capex_m[..., ::12] = capex
    net_m = opex_before_m - opex_after_m - dual_m - spend_m - capex_m
    cumulative_m = np.concatenate([np.zeros((*net_m.shape[:-1], 1)), np.cumsum(net_m, -1)], -1)
    payback = _payback_months(cumulative_m)
    notes = [f"{plural(n, 'moving workload')} of fit level {level!r} "
             f"{noun(n, 'was', 'were')} given the needs_work migration effort."
             for level, n in quantities.moving_by_fit.items()
             if f"migration.hours_per_workload.{level}" not in values]
    if isinstance(payback, float) and math.isnan(payback):
        notes.append(f"The migration does not pay back within the {horizon}-year horizon.")
    return CashFlow(
        years=years, opex_before=opex_before, opex_after=opex_after, dual_running=dual,
        capex=capex, migration_cost=migration, net=net, cumulative=np.cumsum(net, axis=-1),
        discounted=discounted, one_off_migration=one_off,
        payback_months=(None if isinstance(payback, float) and np.isnan(payback) else payback),
        npv=npv, notes=tuple(notes),
    )


def _payback_months(cumulative: np.ndarray) -> float | np.ndarray:
    """First time the cumulative net turns positive and stays so, interpolated within the
    month (NaN: never). `cumulative` is (..., months + 1) with month 0 = 0.

    Capex bought again late in the horizon can make the net dip; payback is when it last
    crosses zero from below, not a moment it touches it.
    """
    positive = cumulative[..., 1:] > 0
    has = positive[..., -1]  # positive at the end of the horizon
    # the last month with a non-positive cumulative, + 1
    last_bad = positive.shape[-1] - np.argmax(~positive[..., ::-1], axis=-1)
    all_good = positive.all(axis=-1)
    first = np.where(all_good, 0, last_bad)  # month index m where cumulative[m + 1] > 0
    first = np.minimum(first, positive.shape[-1] - 1)
    prev = np.take_along_axis(cumulative, np.asarray(first)[..., None], -1)[..., 0]
    nxt = np.take_along_axis(cumulative, np.asarray(first + 1)[..., None], -1)[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(prev < 0, -prev / (nxt - prev), 0.0)
    months = np.where(has, first + frac, np.nan)
    return float(months) if months.ndim == 0 else months
