"""Step 5: `compute_costs()`, the point estimate in one call, and its JSON block."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from estimator.costs._values import Values, scalar
from estimator.costs.attribution import attribute
from estimator.costs.cashflow import CashFlow, cash_flow
from estimator.costs.hosts import host_key
from estimator.costs.pricing import CostLines, price
from estimator.costs.quantities import CATEGORIES, CostQuantities, cost_quantities
from estimator.inventory.schema import HOST_SCHEMA, conform, empty_frame

if TYPE_CHECKING:
    from estimator.assumptions import Assumptions


@dataclass(frozen=True)
class CostResult:
    """Yearly costs before and after, per category and per VM, and the cash flow (point estimate).

    Money is in `currency`.
    """

    currency: str
    categories: pd.DataFrame  # CostRow columns
    annual_before: float
    annual_after: float
    annual_savings: float
    residual_vm_annual_cost: float
    per_vm: pd.DataFrame  # vm_id, annual_before, annual_after, annual_savings
    one_off_migration: float
    cash_flow: pd.DataFrame  # year, migration_cost, savings, net, cumulative, discounted
    payback_months: float | None
    npv: float
    notes: tuple[str, ...]
    hosts: pd.DataFrame  # HOST_SCHEMA: the hosts read, plus inferred ones (source "inferred")
    quantities: CostQuantities = field(repr=False)
    lines: CostLines = field(repr=False)
    flow: CashFlow = field(repr=False)


def categories_frame(lines: CostLines) -> pd.DataFrame:
    """category, annual_before, annual_after, annual_savings (`CostRow`) in `CATEGORIES` order."""
    before = np.array([float(lines.before[c]) for c in CATEGORIES])
    after = np.array([float(lines.after[c]) for c in CATEGORIES])
    return pd.DataFrame({"category": pd.array(CATEGORIES, dtype="string"),
                         "annual_before": before, "annual_after": after,
                         "annual_savings": before - after})


def used_rows(listed: pd.Series, used: tuple[str, ...]) -> np.ndarray:
    """Which listed hosts are among `used`, compared by `host_key`."""
    # A hash lookup: np.isin on two object arrays compares every pair (quadratic in hosts).
    keys = pd.Index(host_key(listed))
    return np.asarray(keys.isin(host_key(pd.Series(used, dtype="string"))), dtype=bool)


def hosts_frame(hosts: pd.DataFrame | None, quantities: CostQuantities,
                values: Values) -> pd.DataFrame:
    """The hosts that run in-scope VMs today, as the cost model counts them.

    Listed hosts (read) that carry in-scope VMs, hosts VMs name but the list lacks (source
    "not in host list") and hosts inferred for VMs with no host (source "inferred"); the last
    two with the current.* geometry.
    """
    known = conform(hosts, HOST_SCHEMA) if hosts is not None and len(hosts) else \
        empty_frame(HOST_SCHEMA)
    if len(known):
        known = known[used_rows(known["host"], quantities.used_hosts)].reset_index(drop=True)
    names = [*quantities.unlisted_hosts,
             *(f"inferred-{i + 1}" for i in range(quantities.inferred_hosts))]
    sources = (["not in host list"] * len(quantities.unlisted_hosts)
               + ["inferred"] * quantities.inferred_hosts)
    n = len(names)
    if n == 0:
        return known
    sockets = scalar(values, "current.host_sockets")
    cores = scalar(values, "current.host_cores")
    inferred = conform(pd.DataFrame({
        "host": names,
        "source": sources,
        "cpu_sockets": [sockets] * n,
        "cores_per_socket": [cores / sockets] * n,
        "cores": [cores] * n,
        "memory_gib": [scalar(values, "current.host_memory_gib")] * n,
    }), HOST_SCHEMA)
    return inferred if len(known) == 0 else pd.concat([known, inferred], ignore_index=True)


def compute_costs(vms: pd.DataFrame, hosts: pd.DataFrame | None, pools: pd.DataFrame | None,
                  settings: Assumptions, values: Values,
                  residual_hosts: float | None = None) -> CostResult:
    """Quantities, prices, per-VM attribution and cash flow for the likely values.

    `residual_hosts` is the plan's right-sized host count when the VMs stay VMs.
    """
    q = cost_quantities(vms, hosts, pools, settings, values, residual_hosts)
    lines = price(q, settings, values)
    flow = cash_flow(lines, q, settings, values)
    payback = flow.payback_months
    return CostResult(
        currency=lines.currency,
        categories=categories_frame(lines),
        annual_before=float(lines.annual_before),
        annual_after=float(lines.annual_after),
        annual_savings=float(lines.annual_savings),
        residual_vm_annual_cost=float(lines.residual_vm_annual_cost),
        per_vm=attribute(q, lines, vms),
        one_off_migration=float(flow.one_off_migration),
        cash_flow=flow.to_frame(),
        payback_months=None if payback is None else float(payback),
        npv=float(flow.npv),
        notes=q.notes + flow.notes,
        hosts=hosts_frame(hosts, q, values),
        quantities=q, lines=lines, flow=flow,
    )
