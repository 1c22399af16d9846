"""Step 3 of the cost model: one-off migration cost, yearly cash flow, payback and NPV.

Workloads move along `migration.ramp` (share moved by the end of year 1, 2, 3...), linearly within
each year. The migration effort is spent as workloads move, and yearly savings accrue on the share
already moved, month by month. Vectorised over draws: every money figure may be a (draws,) array.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from estimator.costs._columns import setting
from estimator.costs._values import Value, Values, scalar, tidy, value
from estimator.costs.pricing import CostLines
from estimator.costs.quantities import CostQuantities
from estimator.errors import ConfigError

if TYPE_CHECKING:
    from estimator.assumptions import Assumptions


@dataclass(frozen=True)
class CashFlow:
    """Yearly rows over the horizon. Arrays are (years,) or (draws, years)."""

    years: np.ndarray  # 1..horizon
    migration_cost: np.ndarray
    savings: np.ndarray
    net: np.ndarray
    cumulative: np.ndarray
    discounted: np.ndarray
    one_off_migration: Value
    # months until cumulative net turns positive; None (or NaN per draw) when never
    payback_months: float | np.ndarray | None
    npv: Value
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per year (point estimate only)."""
        if self.migration_cost.ndim != 1:
            raise ValueError("to_frame() needs the point estimate, not draws")
        return pd.DataFrame({
            "year": self.years.astype(int),
            "migration_cost": self.migration_cost,
            "savings": self.savings,
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
    """Σ moving workloads x hours by fit level, plus OS upgrades, x migration labour rate.

    A level without its own `migration.hours_per_workload.<level>` uses the needs_work hours.
    """
    hours: Value = 0.0
    for level, count in quantities.moving_by_fit.items():
        hours = hours + count * value(values, _hours_key(level, values))
    hours = hours + quantities.os_upgrades * value(values, "migration.os_upgrade_hours_per_vm")
    hours = hours + quantities.rightsized_vms * value(values, "migration.rightsize_hours_per_vm")
    return tidy(np.asarray(hours) * np.asarray(value(values, "migration.labour_per_hour")))


def cash_flow(lines: CostLines, quantities: CostQuantities, settings: Assumptions,
              values: Values) -> CashFlow:
    """Yearly migration cost, savings, net, cumulative and discounted rows; payback; NPV."""
    horizon = round(scalar(values, "finance.horizon_years"))
    if horizon < 1:
        raise ConfigError("must be at least 1", key="finance.horizon_years")
    year_end = ramp_shares(list(setting(settings, "migration.ramp", default=[1.0])), horizon)
    # share moved at the end of each month, linear within a year
    months = np.arange(12 * horizon + 1)
    moved = np.interp(months / 12.0, np.arange(horizon + 1), year_end)
    moved_in_month = np.diff(moved)
    mean_moved = 0.5 * (moved[1:] + moved[:-1])

    one_off = one_off_migration(quantities, values)
    annual = lines.annual_savings
    spend_m = np.multiply.outer(np.asarray(one_off, dtype=float), moved_in_month)
    save_m = np.multiply.outer(np.asarray(annual, dtype=float) / 12.0, mean_moved)
    spend_m, save_m = np.broadcast_arrays(spend_m, save_m)
    net_m = save_m - spend_m

    def yearly(x: np.ndarray) -> np.ndarray:
        return x.reshape(*x.shape[:-1], horizon, 12).sum(axis=-1)

    migration_cost, savings = yearly(spend_m), yearly(save_m)
    net = savings - migration_cost
    years = np.arange(1, horizon + 1)
    rate = np.asarray(value(values, "finance.discount_rate"),
                      dtype=float)
    if np.any(rate <= -1):
        raise ConfigError("must be > -1", key="finance.discount_rate")
    factor = (1.0 + rate[..., None]) ** years
    discounted = net / factor
    npv = tidy(discounted.sum(axis=-1))

    cumulative_m = np.concatenate([np.zeros((*net_m.shape[:-1], 1)), np.cumsum(net_m, -1)], -1)
    payback = _payback_months(cumulative_m)
    notes = [f"{count} moving workloads of fit level {level!r} were given the needs_work "
             "migration effort." for level, count in quantities.moving_by_fit.items()
             if f"migration.hours_per_workload.{level}" not in values]
    if isinstance(payback, float) and np.isnan(payback):
        notes.append(f"The migration does not pay back within the {horizon}-year horizon.")
    return CashFlow(
        years=years, migration_cost=migration_cost, savings=savings, net=net,
        cumulative=np.cumsum(net, axis=-1), discounted=discounted, one_off_migration=one_off,
        payback_months=(None if isinstance(payback, float) and np.isnan(payback) else payback),
        npv=npv, notes=tuple(notes),
    )


def _payback_months(cumulative: np.ndarray) -> float | np.ndarray:
    """First time the cumulative net turns positive, interpolated within the month (NaN: never).

    `cumulative` is (..., months + 1) with month 0 = 0.
    """
    positive = cumulative[..., 1:] > 0
    has = positive.any(axis=-1)
    first = np.argmax(positive, axis=-1)  # month index m where cumulative[m + 1] > 0
    prev = np.take_along_axis(cumulative, np.asarray(first)[..., None], -1)[..., 0]
    nxt = np.take_along_axis(cumulative, np.asarray(first + 1)[..., None], -1)[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(prev < 0, -prev / (nxt - prev), 0.0)
    months = np.where(has, first + frac, np.nan)
    return float(months) if months.ndim == 0 else months
