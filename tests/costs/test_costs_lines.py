"""Hand-computed patching, operations, backup, Linux, hardware and platform lines."""

from __future__ import annotations

import numpy as np
import pytest
from cost_helpers import host_frame, make_settings, pool_frame, vm_frame

from estimator.costs import GB_PER_GIB, compute_costs, cost_quantities, price
from estimator.errors import ConfigError

PATCH_VM_YEAR = 0.5 * 12 * 62  # USD 372 per OS instance
GIB_YEAR = 0.023 * 12 * GB_PER_GIB * 3 / 2  # backup storage per used GiB per year


def _ubuntu_estate(n: int, moving: int, nodes: int):
    vms = vm_frame([{"moves": i < moving, "fit_level": "good" if i < moving else "no_fit",
                     "pool": "lin" if i < moving else None} for i in range(n)])
    pools = pool_frame([{"pool": "lin", "node_type": "general-16", "nodes": nodes,
                         "node_cores": 16, "os_family": "linux"}])
    return vms, pools


def test_patching_before_and_after(values, settings):
    vms, pools = _ubuntu_estate(10, 4, 1)
    lines = price(cost_quantities(vms, None, pools, settings, values), settings, values)
    assert lines.before["Patching labour"] == pytest.approx(10 * PATCH_VM_YEAR)  # 3,720
    # 6 staying VMs + 1 node x 0.5 h + 4 image rebuilds x 0.25 h, all x 12 months x USD 62
    assert lines.after["Patching labour"] == pytest.approx(
        6 * PATCH_VM_YEAR + 1 * 0.5 * 12 * 62 + 4 * 0.25 * 12 * 62)  # 3,348


def test_other_operations_before_and_after(values, settings):
    vms, pools = _ubuntu_estate(10, 4, 1)
    lines = price(cost_quantities(vms, None, pools, settings, values), settings, values)
    per_os = (0.5 + 0.25) * 12 * 62 + 300  # care + monitoring hours, plus agents
    assert lines.before["Other OS operations"] == pytest.approx(10 * per_os)
    assert lines.after["Other OS operations"] == pytest.approx(
        6 * per_os + 1 * (1.0 * 12 * 62 + 300) + 4 * 0.3 * 12 * 62)


@pytest.mark.parametrize(("basis", "expected_licence"), [("per_node", 1 * 1000.0),
                                                        ("per_namespace", 2 * 1000.0)])
def test_backup_before_and_after(values, basis, expected_licence):
    # 15 Linux VMs of 100 GiB used move onto 1 node; 15 workloads = 2 namespaces of 10.
    vms = vm_frame([{"storage_used_gib": 100.0, "moves": True, "fit_level": "excellent",
                     "pool": "lin"} for _ in range(15)])
    pools = pool_frame([{"pool": "lin", "node_type": "general-16", "nodes": 1,
                         "node_cores": 16, "os_family": "linux"}])
    s = make_settings(backup__after_licence_basis=basis)
    lines = price(cost_quantities(vms, None, pools, s, values), s, values)
    # 250 per workload + 100 GiB x 3 retention / 2 compression x USD 0.023 per GB-month
    assert round(GIB_YEAR * 100, 5) == 44.45291
    assert lines.before["Backup"] == pytest.approx(15 * (250 + 100 * GIB_YEAR))
    # only persistent data: 100 GiB minus the 8 GiB Linux OS disk
    assert lines.after["Backup"] == pytest.approx(15 * 92 * GIB_YEAR + expected_licence)


def test_staying_vms_keep_vm_backup(values, settings):
    vms = vm_frame([{"storage_used_gib": 40.0}])
    lines = price(cost_quantities(vms, None, None, settings, values), settings, values)
    assert lines.after["Backup"] == pytest.approx(250 + 40 * GIB_YEAR)
    assert lines.after["Backup"] == pytest.approx(lines.before["Backup"])


@pytest.mark.parametrize(("model", "expected"), [
    ("per_vm_pair", 4 * 800.0),  # ceil(7 / 2) = 4 units
    ("per_socket_pair", 3 * 800.0),  # host a: 2 sockets = 1 pair; host b: 4 sockets = 2 pairs
    ("virtual_datacenter", 3 * 800.0 * 3.2),
])
def test_linux_subscription_models(values, model, expected):
    vms = vm_frame([{"os_name": "RHEL", "host": "a"} for _ in range(5)]
                   + [{"os_name": "RHEL", "host": "b"} for _ in range(2)]
                   + [{"os_name": "Ubuntu", "host": "b"}])  # free: no subscription
    hosts = host_frame([{"host": "a", "cpu_sockets": 2, "cores_per_socket": 16},
                        {"host": "b", "cpu_sockets": 4, "cores_per_socket": 8}])
    s = make_settings(licences__linux_model=model)
    lines = price(cost_quantities(vms, hosts, None, s, values), s, values)
    assert lines.before["Guest OS licences"] == pytest.approx(expected)


def test_hosts_inferred_from_current_assumptions(values, settings):
    # 100 VMs x 4 vCPU = 400 vCPU / (32 cores x 4 vCPU per core) = 3.1 -> 4 hosts;
    # memory 100 x 8 GiB = 800 GiB / 512 GiB -> 2 hosts; the larger wins.
    vms = vm_frame([{"vcpus": 4.0} for _ in range(100)])
    r = compute_costs(vms, None, None, settings, values)
    q = r.quantities
    assert (q.hosts_inferred, q.inferred_hosts, q.hosts_before) == (True, 4, 4.0)
    assert any("4 hosts were inferred" in n for n in r.notes)
    assert r.hosts["host"].tolist() == ["inferred-1", "inferred-2", "inferred-3", "inferred-4"]
    cats = r.categories.set_index("category")
    assert cats.loc["Hardware and facilities", "annual_before"] == pytest.approx(
        4 * (20000 / 4 + 900))
    assert cats.loc["Hypervisor licences", "annual_before"] == pytest.approx(4 * 2 * 16 * 350)
    # memory-bound: 1 vCPU each but 16 GiB each -> 1,600 / 512 = 3.1 -> 4 hosts
    vms = vm_frame([{"vcpus": 1.0, "memory_gib": 16.0} for _ in range(100)])
    assert cost_quantities(vms, None, None, settings, values).inferred_hosts == 4


def test_residual_hosts_and_windows_licences_after(values, settings):
    # 10 Windows + 10 Linux VMs of 20 vCPU on inferred hosts: 400 vCPU -> 4 hosts.
    # The Linux half moves: 50 % of vCPU and memory stay -> 2 residual hosts.
    vms = vm_frame([{"os_family": "windows", "os_name": "Windows Server", "vcpus": 20.0}
                    for _ in range(10)]
                   + [{"vcpus": 20.0, "moves": True, "fit_level": "good", "pool": "lin"}
                      for _ in range(10)])
    pools = pool_frame([{"pool": "lin", "node_type": "general-32", "nodes": 3,
                         "node_cores": 32, "os_family": "linux"}])
    q = cost_quantities(vms, None, pools, settings, values)
    assert (q.hosts_before, q.hosts_after, q.residual_share) == (4.0, 2.0, 0.5)
    lines = price(q, settings, values)
    std = 1176 / 16 * 0.45
    # before: 10 Windows VMs over 4 hosts of 32 cores = 3, 3, 2, 2 -> 2 x 64 + 2 x 32 cores
    assert lines.before["Guest OS licences"] == pytest.approx((2 * 64 + 2 * 32) * std)
    # after: 10 over 2 hosts = 5 each -> ceil(5/2) = 3 x 32 cores per host (Standard cheaper)
    win_after = 2 * 3 * 32 * std
    assert lines.components["windows_hosts_residual"].sum() == pytest.approx(win_after)
    assert lines.after["Guest OS licences"] == pytest.approx(win_after + 3 * 100.0)
    assert lines.after["Hypervisor licences"] == pytest.approx(2 * 32 * 350)
    assert lines.after["Hardware and facilities"] == pytest.approx(
        2 * (20000 / 4 + 900) + 3 * (3640 + 0.35 * 900 / 0.5))
    assert lines.residual_vm_annual_cost == pytest.approx(sum(
        lines.components[k].sum() for k in lines.components if k.endswith("_residual")))


def test_container_platform_lines(values):
    vms, pools = _ubuntu_estate(4, 4, 3)
    for basis, subscription in (("per_core", 3 * 16 * 333.0), ("per_node", 3 * 1500.0),
                                ("none", 0.0)):
        s = make_settings(platform__subscription_basis=basis)
        lines = price(cost_quantities(vms, None, pools, s, values), s, values)
        assert lines.before["Container platform"] == 0.0
        assert lines.after["Container platform"] == pytest.approx(
            subscription + 876.0 * 1 + 3 * 500.0)


def test_windows_nodes_and_nodes_as_vms(values):
    vms = vm_frame([{"os_family": "windows", "moves": True, "fit_level": "good",
                     "pool": "win"}])
    pools = pool_frame([{"pool": "win", "node_type": "general-16", "nodes": 2,
                         "node_cores": 8, "os_family": "windows"}])
    s = make_settings(platform__hardware_model="vsphere")
    lines = price(cost_quantities(vms, None, pools, s, values), s, values)
    # each 8-core node licenses the 16-core minimum under Datacenter
    assert lines.after["Guest OS licences"] == pytest.approx(2 * 16 * 6771 / 16 * 0.45)
    # node VMs on hosts like today's (none listed: 2 x 16 cores, 512 GiB): 16 cores of nodes
    # need 1 host, plus a spare; each host licenses 2 x 16 cores
    assert lines.after["Hypervisor licences"] == pytest.approx(2 * 32 * 350)
    s = make_settings()
    lines = price(cost_quantities(vms, None, pools, s, values), s, values)
    assert lines.after["Hypervisor licences"] == 0.0


def test_retired_vms_cost_before_and_nothing_after(values, settings):
    vms = vm_frame([{"retire_candidate": True}, {"retire_candidate": True}])
    r = compute_costs(vms, None, None, settings, values)
    assert r.annual_before > 0
    assert r.annual_after == 0.0
    assert r.per_vm["annual_savings"].tolist() == pytest.approx(
        [r.annual_before / 2, r.annual_before / 2])


def test_out_of_scope_vms_are_in_neither_column(values, settings):
    vms = vm_frame([{"vcpus": 4.0}, {"vcpus": 4.0, "in_scope": False}])
    r = compute_costs(vms, None, None, settings, values)
    only = compute_costs(vms.iloc[:1], None, None, settings, values)
    assert r.annual_before == pytest.approx(only.annual_before)
    assert r.per_vm["annual_before"].isna().tolist() == [False, True]


def test_currency_comes_from_the_assumptions(values):
    s = make_settings(finance__currency="EUR")
    r = compute_costs(vm_frame([{}]), None, None, s, values)
    assert r.currency == "EUR"


def test_missing_price_names_the_key(values, settings):
    del values["operations.labour_per_hour"]
    with pytest.raises(ConfigError, match=r"key 'operations\.labour_per_hour'"):
        compute_costs(vm_frame([{}]), None, None, settings, values)


def test_quantity_keys_must_be_single_values(values, settings):
    values["current.host_cores"] = np.array([16.0, 32.0])
    with pytest.raises(ConfigError, match=r"current\.host_cores.*re-run it per draw"):
        cost_quantities(vm_frame([{}]), None, None, settings, values)


def test_host_names_match_without_case_domain_or_prefix(values, settings):
    # vInfo says "BOvmprod3-02.customer.com", vHost "vmprod3-02" (IBM workshop export)
    vms = vm_frame([{"host": "BOvmprod3-02.customer.com"}, {"host": "esx9.lab"},
                    {"host": "10.0.0.7"}])
    hosts = host_frame([{"host": "vmprod3-02", "cpu_sockets": 2, "cores_per_socket": 8},
                        {"host": "ESX9", "cpu_sockets": 1, "cores_per_socket": 24},
                        {"host": "10.0.0.7", "cpu_sockets": 4, "cores_per_socket": 10}])
    r = compute_costs(vms, hosts, None, settings, values)
    q = r.quantities
    assert q.hosts_before == 3.0
    assert q.inferred_hosts == 0
    # hypervisor cores: 2 x 16 (minimum) + 1 x 24 + 4 x 16 (minimum)
    assert q.host_groups_before.hypervisor_cores.sum() == 32 + 24 + 64
    assert "1 VM host name matched the host list by suffix (e.g. 'bovmprod3-02' -> " \
           "'vmprod3-02')." in r.notes
