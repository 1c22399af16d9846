"""Invariants of the cost model on a mixed estate: sums, zero and doubled prices, draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cost_helpers import currency_keys, host_frame, make_settings, pool_frame, vm_frame

from estimator.costs import (
    CATEGORIES,
    COMPONENTS,
    attribute,
    cash_flow,
    compute_costs,
    cost_quantities,
    price,
)


def mixed_estate():
    """Known and unknown hosts, Windows/RHEL/Ubuntu/other, moving, staying, retired,
    out-of-scope, a VM in an unknown pool and a pool nobody was placed in."""
    w, lin = {"os_family": "windows", "os_name": "Windows Server"}, {"os_name": "RHEL"}
    mv = {"moves": True, "fit_level": "good"}
    vms = vm_frame([
        {**w, "host": "esx1", **mv, "pool": "win", "vcpus": 4.0, "storage_used_gib": 80.0},
        {**w, "host": "esx1", "vcpus": 8.0, "memory_gib": 32.0},
        {**w, "host": "esx1", "retire_candidate": True},
        {**w, "host": "esx1", "in_scope": False},
        {**lin, "host": "esx2", **mv, "pool": "lin", "fit_level": "excellent"},
        {**lin, "host": "esx2"},
        {"host": "esx2", **mv, "pool": "lin", "cpu_request_cores": 3.0},
        {"host": "esx2", **mv, "pool": "lin", "storage_used_gib": 5.0},
        {"host": "nowhere", **mv, "pool": "ghost", "fit_level": "needs_work"},
        {**w, "vcpus": 16.0},
        {"os_family": "other", "os_name": "FreeBSD", **mv, "pool": "lin",
         "needs_os_upgrade": True, "fit_level": "needs_work", "storage_used_gib": np.nan},
    ])
    hosts = host_frame([{"host": "esx1", "cpu_sockets": 2, "cores_per_socket": 16},
                        {"host": "esx2", "cpu_sockets": 2, "cores_per_socket": 12},
                        {"host": "idle", "cpu_sockets": 2, "cores_per_socket": 12}])
    pools = pool_frame([
        {"pool": "lin", "node_type": "general-16", "nodes": 2, "node_cores": 16,
         "os_family": "linux"},
        {"pool": "win", "node_type": "general-32", "nodes": 1, "node_cores": 32,
         "os_family": "windows"},
        {"pool": "empty", "node_type": "general-16", "nodes": 1, "node_cores": 16,
         "os_family": "linux"},
    ])
    return vms, hosts, pools


VARIANTS = [
    {},
    {"licences__windows_edition": "standard", "licences__linux_model": "per_socket_pair"},
    {"licences__windows_edition": "datacenter", "licences__linux_model": "virtual_datacenter",
     "backup__after_licence_basis": "per_namespace", "platform__hardware_model": "vsphere",
     "platform__subscription_basis": "per_node", "licences__node_windows_edition": "standard"},
]


@pytest.mark.parametrize("changes", VARIANTS)
def test_categories_and_per_vm_costs_add_up_to_the_totals(values, changes):
    vms, hosts, pools = mixed_estate()
    s = make_settings(**changes)
    r = compute_costs(vms, hosts, pools, s, values)
    assert r.categories["category"].tolist() == list(CATEGORIES)
    assert r.categories["annual_before"].sum() == pytest.approx(r.annual_before, rel=1e-12)
    assert r.categories["annual_after"].sum() == pytest.approx(r.annual_after, rel=1e-12)
    assert r.annual_savings == pytest.approx(r.annual_before - r.annual_after)
    for side in ("before", "after"):
        for cat in CATEGORIES:
            parts = [a.sum() for n, a in r.lines.components.items() if COMPONENTS[n] == (cat,
                                                                                         side)]
            assert sum(parts) == pytest.approx(getattr(r.lines, side)[cat])
    assert r.per_vm["annual_before"].sum() == pytest.approx(r.annual_before, rel=1e-12)
    assert r.per_vm["annual_after"].sum() == pytest.approx(r.annual_after, rel=1e-12)
    assert r.per_vm["annual_savings"].sum() == pytest.approx(r.annual_savings, abs=1e-6)
    assert r.per_vm.index.equals(vms.index)
    assert r.per_vm.loc[3].isna().all()  # out of scope
    assert r.per_vm.loc[2, "annual_after"] == 0.0  # retired
    assert (r.per_vm.drop(index=3)["annual_before"] > 0).all()


def test_mixed_estate_notes(values, settings):
    vms, hosts, pools = mixed_estate()
    r = compute_costs(vms, hosts, pools, settings, values)
    assert "2 in-scope VMs had no host name; 1 more host was inferred for them." in r.notes
    assert ("1 in-scope VM runs on 1 host missing from the host list; that host was given "
            "the current.* host geometry.") in r.notes
    assert any("moving VM is in no known pool" in n for n in r.notes)
    assert any("1 idle or zombie VM is retired" in n for n in r.notes)
    # esx1, esx2, "nowhere" (named, not listed) and one inferred; "idle" runs nothing in scope
    assert r.quantities.hosts_before == 4.0


def _scaled(values, factor):
    money = set(currency_keys(values))
    return {k: (v * factor if k in money else v) for k, v in values.items()}


def test_zero_prices_give_zero_costs(values, settings):
    vms, hosts, pools = mixed_estate()
    r = compute_costs(vms, hosts, pools, settings, _scaled(values, 0.0))
    assert r.categories[["annual_before", "annual_after"]].to_numpy().tolist() == [
        [0.0, 0.0]] * len(CATEGORIES)
    assert (r.annual_before, r.annual_after, r.one_off_migration, r.npv) == (0, 0, 0, 0)
    assert r.per_vm["annual_before"].fillna(0).eq(0).all()


def test_doubled_prices_double_every_cost(values, settings):
    vms, hosts, pools = mixed_estate()
    one = compute_costs(vms, hosts, pools, settings, values)
    two = compute_costs(vms, hosts, pools, settings, _scaled(values, 2.0))
    # money keys are told by their unit, not their name (names are currency-neutral)
    assert len(currency_keys(values)) > 10 and not [k for k in values if "usd" in k]
    for col in ("annual_before", "annual_after", "annual_savings"):
        assert two.categories[col].to_numpy() == pytest.approx(2 * one.categories[col].to_numpy())
    for col in ("annual_before", "annual_after"):
        pd.testing.assert_series_equal(two.per_vm[col], 2 * one.per_vm[col])
    assert two.one_off_migration == pytest.approx(2 * one.one_off_migration)
    assert two.npv == pytest.approx(2 * one.npv)
    assert two.cash_flow["net"].to_numpy() == pytest.approx(2 * one.cash_flow["net"].to_numpy())
    assert two.payback_months == pytest.approx(one.payback_months)


def test_nothing_in_scope_costs_nothing(values, settings):
    vms, hosts, pools = mixed_estate()
    vms["in_scope"] = False
    r = compute_costs(vms, hosts, pools.iloc[0:0], settings, values)
    assert (r.annual_before, r.annual_after, r.annual_savings) == (0.0, 0.0, 0.0)
    assert r.categories["annual_savings"].eq(0).all()
    assert r.payback_months is None
    assert r.per_vm["annual_before"].isna().all()
    empty = compute_costs(vms.iloc[0:0], None, None, settings, values)
    assert (empty.annual_before, empty.annual_savings) == (0.0, 0.0)


def test_nothing_moving_saves_nothing_in_every_category(values, settings):
    vms, hosts, _ = mixed_estate()
    vms["moves"] = False
    vms["retire_candidate"] = False
    r = compute_costs(vms, hosts, None, settings, values)
    assert r.annual_before > 0
    assert r.categories["annual_savings"].abs().max() < 1e-9
    assert r.per_vm["annual_savings"].dropna().abs().max() < 1e-9
    assert r.residual_vm_annual_cost == pytest.approx(r.annual_after)


def test_draws_give_the_same_numbers_as_single_calls(values, settings):
    vms, hosts, pools = mixed_estate()
    q = cost_quantities(vms, hosts, pools, settings, values)
    rng = np.random.default_rng(7)
    varied = [k for k in values if k not in ("finance.horizon_years",)
              and not k.startswith(("current.host_", "current.vcpu", "backup.os_disk",
                                    "licences.windows_min", "current.hypervisor_min",
                                    "backup.workloads_per"))]
    draws = dict(values)
    for k in varied:
        draws[k] = values[k] * rng.uniform(0.5, 1.5, size=6)
    draws["licences.windows_datacenter_per_16_cores"] = np.array(
        [1000.0, 6771.0, 20000.0, 1176.0, 500.0, 9000.0])  # flips the edition choice
    lines = price(q, settings, draws)
    flow = cash_flow(lines, q, settings, draws)
    assert np.shape(lines.annual_savings) == (6,)
    for i in range(6):
        one = {k: (v[i] if isinstance(v, np.ndarray) else v) for k, v in draws.items()}
        ln = price(q, settings, one)
        fl = cash_flow(ln, q, settings, one)
        for cat in CATEGORIES:
            assert lines.before[cat][i] == pytest.approx(ln.before[cat], rel=1e-12)
            assert lines.after[cat][i] == pytest.approx(ln.after[cat], rel=1e-12)
        assert lines.residual_vm_annual_cost[i] == pytest.approx(ln.residual_vm_annual_cost)
        assert flow.npv[i] == pytest.approx(fl.npv, rel=1e-12)
        assert flow.one_off_migration[i] == pytest.approx(fl.one_off_migration)
        assert flow.cumulative[i] == pytest.approx(fl.cumulative)
        expected = np.nan if fl.payback_months is None else fl.payback_months
        assert flow.payback_months[i] == pytest.approx(expected, nan_ok=True)


def test_attribute_needs_the_point_estimate(values, settings):
    vms, hosts, pools = mixed_estate()
    q = cost_quantities(vms, hosts, pools, settings, values)
    draws = dict(values)
    draws["operations.labour_per_hour"] = np.array([50.0, 90.0])
    with pytest.raises(ValueError, match="point estimate"):
        attribute(q, price(q, settings, draws), vms)


def test_categories_table(values, settings):
    vms, hosts, pools = mixed_estate()
    r = compute_costs(vms, hosts, pools, settings, values)
    assert r.categories["category"].tolist() == list(CATEGORIES)
    assert r.categories["annual_savings"].sum() == pytest.approx(r.annual_savings)
    assert len(r.cash_flow) == 5 and r.cash_flow["year"].iloc[0] == 1


def test_quantity_keys_are_assumption_keys(values):
    from estimator.costs import QUANTITY_KEYS

    assert set(QUANTITY_KEYS) <= set(values)
    # none of them is money: prices alone never need cost_quantities() re-run
    assert not set(QUANTITY_KEYS) & set(currency_keys(values))
