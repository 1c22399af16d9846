"""Hand-computed cash flow: migration cost, ramp, payback month and NPV."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from cost_helpers import host_frame, make_settings, pool_frame, vm_frame

from estimator.costs import (
    CATEGORIES,
    CostLines,
    cash_flow,
    cost_quantities,
    one_off_migration,
    price,
    ramp_shares,
)
from estimator.errors import ConfigError


def _lines(savings: float) -> CostLines:
    before = dict.fromkeys(CATEGORIES, 0.0)
    before["Backup"] = savings
    return CostLines(before, dict.fromkeys(CATEGORIES, 0.0), {}, 0.0, "USD")


def _quantities(values, settings, moving_by_fit, os_upgrades=0):
    q = cost_quantities(vm_frame([{}]), None, None, settings, values)
    return replace(q, moving_by_fit=moving_by_fit, os_upgrades=os_upgrades)


def test_one_off_migration_by_fit_level_and_os_upgrades(values, settings):
    q = _quantities(values, settings, {"excellent": 10, "good": 2, "needs_work": 1}, 3)
    # (10 x 8 + 2 x 16 + 1 x 60 + 3 x 24 h) x USD 62
    assert one_off_migration(q, values) == pytest.approx((80 + 32 + 60 + 72) * 62)


def test_payback_month_and_npv_hand_computed(values):
    # USD 12,000 of migration and USD 12,000 a year of savings, all moved during year 1:
    # year 1 saves 12,000 x 0.5 (linear move) - 12,000 = -6,000; year 2 adds 1,000 a month,
    # so the cumulative reaches 0 after month 18.
    values.update({"finance.horizon_years": 2.0,
                   "migration.hours_per_workload.excellent": 12000 / 62})
    s = make_settings(migration__ramp=[1.0])
    flow = cash_flow(_lines(12000.0), _quantities(values, s, {"excellent": 1}), s, values)
    frame = flow.to_frame()
    assert frame["migration_cost"].tolist() == pytest.approx([12000.0, 0.0])
    assert frame["savings"].tolist() == pytest.approx([6000.0, 12000.0])
    assert frame["cumulative"].tolist() == pytest.approx([-6000.0, 6000.0])
    assert flow.payback_months == pytest.approx(18.0)
    assert flow.npv == pytest.approx(-6000 / 1.07 + 12000 / 1.07**2)
    assert frame["discounted"].sum() == pytest.approx(flow.npv)


def test_payback_interpolates_within_the_month(values):
    # As above with USD 12,500: cumulative -6,500 at month 12, +1,000 a month -> 18.5 months.
    values.update({"finance.horizon_years": 2.0,
                   "migration.hours_per_workload.excellent": 12500 / 62})
    s = make_settings(migration__ramp=[1.0])
    flow = cash_flow(_lines(12000.0), _quantities(values, s, {"excellent": 1}), s, values)
    assert flow.payback_months == pytest.approx(18.5)


def test_default_ramp_spreads_spend_and_savings(values, settings):
    values["migration.hours_per_workload.excellent"] = 1000 / 62
    flow = cash_flow(_lines(100.0), _quantities(values, settings, {"excellent": 1}), settings,
                     values)
    frame = flow.to_frame()
    assert frame["year"].tolist() == [1, 2, 3, 4, 5]
    # moved by end of year: 20 %, 50 %, 100 %, then held
    assert frame["migration_cost"].tolist() == pytest.approx([200.0, 300.0, 500.0, 0.0, 0.0])
    # savings on the mean share moved during each year
    assert frame["savings"].tolist() == pytest.approx([10.0, 35.0, 75.0, 100.0, 100.0])


def test_never_pays_back(values, settings):
    q = _quantities(values, settings, {"needs_work": 10})
    flow = cash_flow(_lines(10.0), q, settings, values)
    assert flow.payback_months is None
    assert flow.notes == ("The migration does not pay back within the 5-year horizon.",)
    flow = cash_flow(_lines(0.0), _quantities(values, settings, {}), settings, values)
    assert flow.payback_months is None


def test_no_migration_cost_pays_back_at_once(values, settings):
    flow = cash_flow(_lines(1000.0), _quantities(values, settings, {}), settings, values)
    assert flow.payback_months == 0.0


def test_payback_per_draw_with_nan_for_never(values):
    values.update({"finance.horizon_years": 2.0,
                   "migration.hours_per_workload.excellent": 12000 / 62})
    s = make_settings(migration__ramp=[1.0])
    lines = CostLines({**dict.fromkeys(CATEGORIES, 0.0), "Backup": np.array([12000.0, 1.0])},
                      dict.fromkeys(CATEGORIES, 0.0), {}, 0.0, "USD")
    flow = cash_flow(lines, _quantities(values, s, {"excellent": 1}), s, values)
    assert flow.payback_months[0] == pytest.approx(18.0)
    assert np.isnan(flow.payback_months[1])
    assert flow.net.shape == (2, 2)


def test_ramp_must_be_non_decreasing_shares():
    assert ramp_shares([0.2, 0.5], 4).tolist() == [0.0, 0.2, 0.5, 0.5, 0.5]
    with pytest.raises(ConfigError, match=r"migration\.ramp"):
        ramp_shares([0.5, 0.2], 3)
    with pytest.raises(ConfigError, match=r"migration\.ramp"):
        ramp_shares([1.5], 3)


def test_level_without_its_own_effort_uses_needs_work(values, settings):
    q = _quantities(values, settings, {"no_fit": 2})
    assert one_off_migration(q, values) == pytest.approx(2 * 60 * 62)
    flow = cash_flow(_lines(1e6), q, settings, values)
    assert flow.notes[0] == ("2 moving workloads of fit level 'no_fit' were given the "
                             "needs_work migration effort.")


# -- dual running, capex, the hypervisor term, end of support --------------------------------
def _platform_lines(before: float, hypervisor: float = 0.0) -> CostLines:
    """USD `before` a year today (of which `hypervisor` is the hypervisor subscription); after:
    a control plane of 12,000 a year (fixed), node subscriptions of 24,000 a year (follow the
    nodes) and owned node hardware of 4,660 a year (bought as servers instead)."""
    comps = {"ops_before": np.array([before - hypervisor]),
             "hypervisor_before": np.array([hypervisor]),
             "hypervisor_residual": np.array([0.0]),
             "platform_control_plane": np.array([12000.0]),
             "platform_subscription": np.array([24000.0]),
             "hardware_nodes": np.array([4660.0])}
    b = {**dict.fromkeys(CATEGORIES, 0.0), "Other OS operations": before - hypervisor,
         "Hypervisor licences": hypervisor}
    a = {**dict.fromkeys(CATEGORIES, 0.0), "Container platform": 36000.0,
         "Hardware and facilities": 4660.0}
    return CostLines(b, a, comps, 0.0, "USD")


def _two_nodes(values, settings, **fit):
    pools = pool_frame([{"pool": "linux", "node_type": "general-16", "os_family": "linux",
                         "nodes": 2, "spare_nodes": 0, "node_cores": 16.0,
                         "node_memory_gib": 64.0}])
    q = cost_quantities(vm_frame([{}]), None, pools, settings, values)
    return replace(q, moving_by_fit=fit)


def test_dual_running_and_capex_hand_computed(values):
    # Two years, everything moved during year 1 (linearly: half a year's worth on average).
    # Today USD 120,000 a year; 100 h of excellent-fit work at USD 62 = USD 6,200 one-off.
    values.update({"finance.horizon_years": 2.0,
                   "migration.hours_per_workload.excellent": 100.0})
    s = make_settings(migration__ramp=[1.0])
    flow = cash_flow(_platform_lines(120000.0), _two_nodes(values, s, excellent=1), s, values)
    f = flow.to_frame()
    assert f["opex_before"].tolist() == pytest.approx([120000.0, 120000.0])
    # after: VMs shrink to nothing (120,000 x (1 - 0.5)) + platform at the share moved
    # (36,000 x 0.5); year 2: the platform alone. Owned hardware is capex, not here.
    assert f["opex_after"].tolist() == pytest.approx([60000.0 + 18000.0, 36000.0])
    # dual running: the control plane's other half (12,000 x 0.5) and the node subscriptions
    # of the nodes year 1 needs from its first month (24,000 x (1 - 0.5))
    assert f["dual_running"].tolist() == pytest.approx([6000.0 + 12000.0, 0.0])
    # capex: two general-16 servers bought in year 1 at 2,330 a year x 4 years = 9,320 each
    assert f["capex"].tolist() == pytest.approx([2 * 9320.0, 0.0])
    assert f["migration_cost"].tolist() == pytest.approx([6200.0, 0.0])
    assert f["net"].tolist() == pytest.approx([120000 - 78000 - 18000 - 18640 - 6200, 84000])
    assert f["net"].tolist()[0] == pytest.approx(-840.0)
    # the cumulative is -840 after year 1 and gains 7,000 a month in year 2
    assert flow.payback_months == pytest.approx(12 + 840 / 7000)
    assert flow.npv == pytest.approx(-840 / 1.07 + 84000 / 1.07**2)


def test_servers_are_bought_again_when_written_off(values):
    values.update({"finance.horizon_years": 5.0, "current.amortisation_years": 2.0})
    s = make_settings(migration__ramp=[1.0])
    flow = cash_flow(_platform_lines(120000.0), _two_nodes(values, s), s, values)
    # 2 servers at 2,330 x 2 years, in years 1, 3 and 5
    assert flow.capex.tolist() == pytest.approx([9320.0, 0.0, 9320.0, 0.0, 9320.0])


def test_vmware_term_keeps_the_hypervisor_paid(values):
    # USD 36,000 of today's 120,000 is the hypervisor subscription. With 18 months left on the
    # term it is paid in full until month 18 however many VMs have moved: dual running gains
    # 36,000 / 12 x (the share moved, summed over the months in term).
    values.update({"finance.horizon_years": 2.0})
    s = make_settings(migration__ramp=[1.0])
    q = _two_nodes(values, s)
    lines = _platform_lines(120000.0, hypervisor=36000.0)
    none = cash_flow(lines, q, s, {**values, "current.hypervisor_term_months_left": 0.0})
    term = cash_flow(lines, q, s, {**values, "current.hypervisor_term_months_left": 18.0})
    extra = term.dual_running - none.dual_running
    # year 1: 3,000 a month x 6 (half moved on average); year 2: 3,000 x 6 months in term
    assert extra.tolist() == pytest.approx([18000.0, 18000.0])
    assert (term.net - none.net).tolist() == pytest.approx([-18000.0, -18000.0])
    assert term.npv < none.npv


def test_minimum_order_applies_to_todays_subscription(values, settings):
    hosts = host_frame([{"host": "esx1", "cpu_sockets": 1, "cores_per_socket": 16},
                        {"host": "esx2", "cpu_sockets": 1, "cores_per_socket": 16}])
    vms = vm_frame([{"host": "esx1"}, {"host": "esx2"}])
    q = cost_quantities(vms, hosts, None, settings, values)
    per_core = values["current.hypervisor_per_core_year"]
    plain = price(q, settings, values)
    assert plain.before["Hypervisor licences"] == pytest.approx(32 * per_core)
    ordered = price(q, settings, {**values, "current.hypervisor_min_order_cores": 72.0})
    assert ordered.before["Hypervisor licences"] == pytest.approx(72 * per_core)


@pytest.mark.parametrize("action", ["upgrade", "esu"])
def test_end_of_support_in_both_columns(values, action):
    # Three 4-vCPU Windows Server 2012 VMs past support; two move, one stays.
    s = make_settings(eos__staying_action=action)
    rows = [{"os_family": "windows", "os_name": "Microsoft Windows Server 2012 (64-bit)",
             "vcpus": 4.0, "os_end_of_support": True, "moves": m, "needs_os_upgrade": m,
             "fit_level": "needs_work" if m else "no_fit", "pool": "windows" if m else pd.NA}
            for m in (True, True, False)]
    q = cost_quantities(vm_frame(rows), None, None, s, values)
    lines = price(q, s, values)
    # upgrade: each VM's upgrade (24 h x USD 62) spread over the 5-year horizon; ESU: 100% of
    # a Standard licence a year for max(8, vCPUs) = 8 cores, 8 x 1,176 / 16
    per_vm = 24 * 62 / 5 if action == "upgrade" else 8 * 1176 / 16
    assert lines.before["End of support"] == pytest.approx(3 * per_vm)
    assert lines.after["End of support"] == pytest.approx(1 * per_vm)
    assert lines.savings("End of support") == pytest.approx(2 * per_vm)
    # the two moved VMs are rebuilt on a supported base image, in the one-off
    assert q.os_upgrades == 2
    assert one_off_migration(q, values) == pytest.approx((2 * 60 + 2 * 24) * 62)
