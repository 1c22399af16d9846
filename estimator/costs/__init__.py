"""Yearly costs before and after containerisation, per-VM attribution, cash flow and payback.

Two steps so that the Monte Carlo can vectorise: `cost_quantities()` reads the estate once;
`price()` and `cash_flow()` accept a float or a 1-D array of draws for every price key.
`compute_costs()` does everything for the likely values.
"""

from estimator.costs.attribution import attribute
from estimator.costs.cashflow import CashFlow, cash_flow, one_off_migration, ramp_shares
from estimator.costs.hosts import HostGroups
from estimator.costs.pricing import CostLines, price
from estimator.costs.quantities import (
    CATEGORIES,
    COMPONENTS,
    GB_PER_GIB,
    QUANTITY_KEYS,
    REFERENCE_HOST_POWER_KW,
    CostQuantities,
    PoolQuantities,
    Share,
    cost_quantities,
)
from estimator.costs.result import CostResult, categories_frame, compute_costs, hosts_frame

__all__ = [
    "CATEGORIES",
    "COMPONENTS",
    "GB_PER_GIB",
    "QUANTITY_KEYS",
    "REFERENCE_HOST_POWER_KW",
    "CashFlow",
    "CostLines",
    "CostQuantities",
    "CostResult",
    "HostGroups",
    "PoolQuantities",
    "Share",
    "attribute",
    "cash_flow",
    "categories_frame",
    "compute_costs",
    "cost_quantities",
    "hosts_frame",
    "one_off_migration",
    "price",
    "ramp_shares",
]
