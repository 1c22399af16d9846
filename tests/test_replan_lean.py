"""The Monte Carlo's memory-lean re-plan path gives the numbers of the full per-VM path.

The Replanner reads the VM columns once (`vm_columns`), re-sizes only the placed VMs
(`size_requests`), re-fits only the VMs whose threshold verdicts change and keeps aggregate
quantities (`cost_quantities(per_vm=False)`); each test rebuilds the same re-plan the long way,
from whole per-VM frames, and asks for the same numbers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from estimator.assumptions import Assumptions, load_assumptions
from estimator.costs import CostQuantities, cost_quantities, price
from estimator.costs.quantities import quantities_of, vm_columns
from estimator.fit import FIT_COLUMNS, classify_fit
from estimator.inventory import Inventory, read_inventory
from estimator.pipeline import prepare, resolve_inputs
from estimator.planning import node_types_frame, plan_estate, pod_capacity, rightsized_hosts
from estimator.sample import write_sample
from estimator.sizing import size_containers, size_requests, sizing_inputs
from estimator.uncertainty import Replanner, key_kind

AS_OF = dt.date(2026, 11, 30)
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample-rvtools.xlsx"
PER_VM = {"rows", "in_scope", "moving", "staying", "retired", "shares", "fallback_before",
          "fallback_after"}


@pytest.fixture(scope="module")
def sample() -> Inventory:
    return read_inventory(SAMPLE)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    path = tmp_path_factory.mktemp("estate") / "small.xlsx"
    write_sample(path, vms=150, seed=5)
    return read_inventory(path)


def planner_for(inv: Inventory, platform: str = "openshift-bare-metal") -> Replanner:
    inputs = resolve_inputs(inv, load_assumptions(platform=platform), today=AS_OF)
    return Replanner(prepare(inputs)[0], inv.hosts, inputs.assumptions)


def same_quantities(lean: CostQuantities, full: CostQuantities) -> None:
    """Every aggregate field equal (the per-VM ones are left out of the lean quantities)."""
    for f in dataclasses.fields(full):
        if f.name in PER_VM:
            continue
        a, b = getattr(lean, f.name), getattr(full, f.name)
        if dataclasses.is_dataclass(a):
            for g in dataclasses.fields(a):
                np.testing.assert_array_equal(getattr(a, g.name), getattr(b, g.name))
        else:
            assert a == b, f.name


def full_replan(planner: Replanner, moved: dict[str, float]) -> CostQuantities:
    """The re-plan from whole frames: every VM re-sized and re-classified, full quantities."""
    a = planner.assumptions.with_values(moved)
    values = a.flat_values()
    vms, pools = planner.plan.vms, planner.plan.pools
    plan_keys = [k for k in moved if key_kind(k) == "plan"]
    if any(k.startswith("fit.") for k in plan_keys):
        capacity = pod_capacity(node_types_frame(a), a, values, "linux")
        fit = classify_fit(vms.drop(columns=list(FIT_COLUMNS)), a.fit, values,
                           max_request=(float(capacity[:, 0].max()),
                                        float(capacity[:, 1].max())))
        if not a.platform.containers:
            fit = fit.assign(moves=False, needs_os_upgrade=False)
        vms = vms.assign(**{c: fit[c] for c in FIT_COLUMNS})
    if any(not k.startswith("fit.") for k in plan_keys):
        types, nodes, _ = planner._scaled_pools(a, values)
        pools = planner._pools_frame(types, nodes)
        sizing = size_containers(planner.vms, a.sizing, values).frame
        vms = vms.assign(**{c: sizing[c] for c in sizing.columns})
    residual = None if a.platform.containers else rightsized_hosts(vms, a, values,
                                                                   planner.hosts)
    return cost_quantities(vms, planner.hosts, pools, a, values, residual)


def test_lean_quantities_price_like_the_full_ones(sample: Inventory) -> None:
    a = load_assumptions()
    inputs = resolve_inputs(sample, a, today=AS_OF)
    a = inputs.assumptions
    plan = plan_estate(prepare(inputs)[0], a, a.flat_values(), sample.hosts)
    full = cost_quantities(plan.vms, sample.hosts, plan.pools, a, a.flat_values())
    lean = cost_quantities(plan.vms, sample.hosts, plan.pools, a, a.flat_values(), per_vm=False)
    same_quantities(lean, full)
    assert lean.shares == {} and lean.moving.size == 0 and full.moving.size == len(plan.vms)
    assert float(price(lean, a, a.flat_values()).annual_after) == float(
        price(full, a, a.flat_values()).annual_after)


def test_vm_columns_with_a_new_fit_read_like_the_frame(small: Inventory) -> None:
    planner = planner_for(small)
    vms = planner.plan.vms
    rows = np.array([0, 3, 7])
    fit = vms.iloc[rows][list(FIT_COLUMNS)].assign(
        fit_level=pd.array(["Retire_Idle", None, "brand_new_level"], dtype="string"),
        moves=[False, True, False], retire_candidate=[True, False, False])
    changed = vms.copy()
    for c in FIT_COLUMNS:
        col = changed[c].copy()
        col.iloc[rows] = fit[c].to_numpy()
        changed[c] = col
    spliced = planner._cols.with_fit(rows, fit)
    direct = vm_columns(changed, small.hosts, planner.values)
    a = planner.assumptions
    same_quantities(quantities_of(spliced, small.hosts, planner.plan.pools, a, planner.values),
                    quantities_of(direct, small.hosts, planner.plan.pools, a, planner.values))
    def text(labels: Any) -> list[Any]:
        return [labels.names[c] if c >= 0 else None for c in labels.codes]

    assert text(spliced.fit_level) == text(direct.fit_level)


def test_size_requests_are_the_sized_columns(sample: Inventory) -> None:
    planner = planner_for(sample)
    a = planner.assumptions.with_values({"sizing.comfort_factor": 1.7,
                                         "sizing.memory_position": 0.2})
    frame = size_containers(planner.vms, a.sizing, a.flat_values()).frame
    cpu, mem = size_requests(sizing_inputs(planner.vms), a.sizing, a.flat_values())
    np.testing.assert_array_equal(cpu, frame["cpu_request_cores"].to_numpy(dtype=float))
    np.testing.assert_array_equal(mem, frame["memory_request_gib"].to_numpy(dtype=float))
    rows = np.array([5, 1, 40])
    part, _ = size_requests(sizing_inputs(planner.vms).take(rows), a.sizing, a.flat_values())
    np.testing.assert_array_equal(part, cpu[rows])


MOVES: list[dict[str, float]] = [
    {"sizing.comfort_factor": 1.8},
    {"sizing.os_overhead_memory_gib.linux": 1.5, "platform.target_utilisation": 0.7},
    {"current.vcpu_per_core": 6.0},
    {"backup.os_disk_gib.linux": 15.0, "backup.workloads_per_namespace": 5.0},
    {"fit.large_vcpus": 4.0},
    {"fit.stateful_storage_gib": 100.0, "fit.large_vcpus": 32.0},
    {"fit.large_vcpus": 8.0, "platform.daemonset_cpu_cores": 1.5,
     "sizing.comfort_factor": 1.1},
]


@pytest.mark.parametrize("platform", ["openshift-bare-metal", "vms-rightsized",
                                      "vsphere-kubernetes"])
def test_lean_replan_equals_the_full_replan(sample: Inventory, platform: str) -> None:
    planner = planner_for(sample, platform)
    a = planner.assumptions
    for moved in MOVES:
        point = planner.at(moved)
        assert not point.exact, moved  # the scaled method, not a full packing
        full = full_replan(planner, moved)
        same_quantities(point.quantities, full)
        values = a.with_values(moved).flat_values()
        lean_lines, full_lines = (price(q, a, values) for q in (point.quantities, full))
        assert float(lean_lines.annual_before) == float(full_lines.annual_before)
        assert float(lean_lines.annual_after) == float(full_lines.annual_after)


def threshold_values(planner: Replanner) -> list[dict[str, Any]]:
    """Fit thresholds across and beyond their default ranges, one and several at a time."""
    return [{"fit.large_vcpus": v} for v in (1.0, 2.0, 7.5, 8.0, 12.0, 32.0, 128.0)] + [
        {"fit.stateful_storage_gib": v} for v in (0.0, 50.0, 1024.0, 4096.0)] + [
        {"fit.idle_cpu_util": 0.3, "fit.idle_memory_util": 0.4},
        {"fit.idle_cpu_util": 0.0, "fit.large_vcpus": 4.0, "fit.stateful_storage_gib": 10.0},
    ]


@pytest.mark.parametrize("platform", ["openshift-bare-metal", "vms-rightsized"])
def test_refit_of_the_changed_rows_is_the_full_refit(sample: Inventory, platform: str) -> None:
    planner = planner_for(sample, platform)
    vms = planner.plan.vms
    for moved in threshold_values(planner):
        a: Assumptions = planner.assumptions.with_values(moved)
        values = a.flat_values()
        capacity = pod_capacity(node_types_frame(a), a, values, "linux")
        full = classify_fit(vms.drop(columns=list(FIT_COLUMNS)), a.fit, values,
                            max_request=(float(capacity[:, 0].max()),
                                         float(capacity[:, 1].max())))
        if not a.platform.containers:
            full = full.assign(moves=False, needs_os_upgrade=False)
        refit = planner._refit(a, values)
        moves_same = np.array_equal(full["moves"].to_numpy(bool),
                                    vms["moves"].astype("boolean").fillna(False).to_numpy(bool))
        assert (refit is None) == (not moves_same), moved
        if refit is None:
            continue
        if moved == {"fit.large_vcpus": 8.0}:
            assert 0 < len(refit.rows) < len(vms) / 10  # only the VMs whose verdict changed
        for c in ("fit_level", "retire_candidate", "moves", "needs_os_upgrade"):
            merged = vms[c].copy()
            merged.iloc[refit.rows] = refit.frame[c].to_numpy()
            pd.testing.assert_series_equal(merged, full[c], check_dtype=False,
                                           check_names=False, obj=f"{c} at {moved}")
