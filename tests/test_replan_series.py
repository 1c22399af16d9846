"""With time series, the Monte Carlo's re-plans size VMs at the drawn percentiles.

The point estimate sizes time-series VMs at `sizing.cpu_percentile` / `memory_percentile`; a
re-plan at another percentile must size them at that one (from each VM's quantiles on a grid,
`estimator.inventory.timeseries.series_usage`), not keep the point's usage.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from estimator.assumptions import load_assumptions
from estimator.costs import price
from estimator.inventory import Inventory, read_inventory
from estimator.inventory.timeseries import SERIES_COLUMNS, series_usage
from estimator.model import Estimate
from estimator.pipeline import prepare, resolve_inputs, run
from estimator.sample import write_sample
from estimator.uncertainty import Replanner
from estimator.uncertainty.montecarlo import _percentile_grid, monte_carlo

AS_OF = dt.date(2026, 11, 30)
SAMPLES = 288  # a day of 5-minute samples per VM


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Inventory, pd.DataFrame]:
    """A 250-VM estate and a day of bursty CPU and memory samples for every VM."""
    path = tmp_path_factory.mktemp("series") / "estate.xlsx"
    write_sample(path, vms=250, seed=9)
    inv = read_inventory(path)
    vms = inv.vms.dropna(subset=["vcpus", "memory_gib"])
    rng = np.random.default_rng(4)
    n = len(vms)
    # each VM its own burstiness: a low base load with rare spikes, so p90 and p99 differ
    base = rng.uniform(0.05, 0.3, n)[:, None]
    spikes = rng.random((n, SAMPLES)) < rng.uniform(0.02, 0.2, n)[:, None]
    cpu = np.clip(base * rng.lognormal(0, 0.3, (n, SAMPLES)) + spikes * 0.6, 0, 1)
    mem = np.clip(rng.uniform(0.3, 0.7, n)[:, None] + rng.normal(0, 0.08, (n, SAMPLES)), 0, 1)
    cores = vms["vcpus"].to_numpy(dtype=float)[:, None]
    gib = vms["memory_gib"].to_numpy(dtype=float)[:, None]
    series = pd.DataFrame({
        "vm": np.repeat(vms["name"].astype(str).to_numpy(), SAMPLES),
        "timestamp_s": np.tile(np.arange(SAMPLES) * 300.0, n),
        "cpu_cores": np.broadcast_to(cores, (n, SAMPLES)).ravel(),
        "cpu_usage_mhz": (cpu * cores * 2600.0).ravel(),
        "cpu_capacity_mhz": np.broadcast_to(cores * 2600.0, (n, SAMPLES)).ravel(),
        "memory_provisioned_gib": np.broadcast_to(gib, (n, SAMPLES)).ravel(),
        "memory_used_gib": (mem * gib).ravel(),
    })[list(SERIES_COLUMNS)]
    return inv, series


def _full_run(inv: Inventory, series: pd.DataFrame, *sets: str) -> Estimate:
    a = load_assumptions(sets=list(sets))
    return run(resolve_inputs(inv, a, series=series, today=AS_OF), uncertainty=False)


def _planner(inv: Inventory, series: pd.DataFrame, method: str) -> Replanner:
    a = load_assumptions()
    inputs = resolve_inputs(inv, a, series=series, today=AS_OF)
    scoped = prepare(inputs)[0]
    a = inputs.assumptions
    ranges, values = a.ranges(), a.flat_values()
    usage = series_usage(
        scoped, series,
        cpu_percentiles=_percentile_grid(ranges["sizing.cpu_percentile"],
                                         values["sizing.cpu_percentile"]),
        memory_percentiles=_percentile_grid(ranges["sizing.memory_percentile"],
                                            values["sizing.memory_percentile"]))
    return Replanner(scoped, inv.hosts, a, method=method, series=usage)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", ["sizing.cpu_percentile", "sizing.memory_percentile"])
def test_an_exact_replan_at_a_percentile_equals_a_full_run_at_it(
        estate: tuple[Inventory, pd.DataFrame], key: str) -> None:
    inv, series = estate
    planner = _planner(inv, series, "exact")
    low, _, high = planner.assumptions.ranges()[key]
    runs = {}
    for p in (low, high):
        full = _full_run(inv, series, f"{key}={p:g}")
        point = planner.at({key: p})
        assert point.exact
        assert point.nodes == full.target.nodes
        assert point.node_cores == pytest.approx(full.target.node_cores)
        assert point.node_memory_gib == pytest.approx(full.target.node_memory_gib)
        lines = price(point.quantities, full.assumptions, full.assumptions.flat_values())
        assert float(lines.annual_after) == pytest.approx(full.money.annual_after, rel=1e-9)
        runs[p] = full
    # the percentile matters on this estate, so the test can tell a re-plan that ignores it
    which = "cpu_request_cores" if "cpu" in key else "memory_request_gib"
    assert getattr(runs[high].target, which) > 1.02 * getattr(runs[low].target, which)


def test_the_scaled_replan_follows_the_percentile(estate: tuple[Inventory, pd.DataFrame]) -> None:
    """The Monte Carlo's default re-plan: node capacity grows with the CPU percentile, close
    to the exact re-plan's."""
    inv, series = estate
    scaled, exact = _planner(inv, series, "scaled"), _planner(inv, series, "exact")
    key = "sizing.cpu_percentile"
    low, likely, high = scaled.assumptions.ranges()[key]
    cores = [scaled.at({key: p}).node_cores for p in (low, likely, high)]
    assert cores == sorted(cores) and cores[0] < cores[-1]
    for p in (low, high):
        s, e = scaled.at({key: p}), exact.at({key: p})
        assert not s.exact
        assert abs(s.nodes - e.nodes) <= len(scaled.plan.pools)


def test_the_percentiles_swing_the_savings_in_the_tornado(
        estate: tuple[Inventory, pd.DataFrame]) -> None:
    inv, series = estate
    planner = _planner(inv, series, "scaled")
    a = planner.assumptions
    _, tornado = monte_carlo(planner, a.ranges(), draws=100, seed=1,
                             distribution="triangular")
    swing = tornado.set_index("key")["swing"]
    assert swing["sizing.cpu_percentile"] > 0
