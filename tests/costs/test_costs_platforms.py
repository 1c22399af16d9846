"""Platform lines hand-computed: socket-pair subscriptions, cloud instances, kept vSphere hosts."""

from __future__ import annotations

import pytest
from cost_helpers import make_settings, pool_frame, vm_frame

from estimator.costs import cost_quantities, price


def _pools() -> object:
    # two single-socket 32-core workers and one 2 x 96-core worker
    return pool_frame([
        {"pool": "linux", "node_type": "one-socket-32", "os_family": "linux", "nodes": 2,
         "node_cores": 32.0, "node_memory_gib": 256.0, "node_annual_cost": 3000.0},
        {"pool": "linux/big", "node_type": "two-socket-192", "os_family": "linux", "nodes": 1,
         "node_cores": 192.0, "node_memory_gib": 1536.0, "node_annual_cost": 9000.0},
    ])


def test_openshift_bare_metal_buys_socket_pairs_per_worker(values):
    # A socket pair covers up to 2 sockets and 128 cores of one server: the 32-core servers
    # need one each, the 192-core server two (192 > 128). 4 units x USD 20,000.
    values.update({"platform.node_types.one-socket-32.sockets": 1.0,
                   "platform.node_types.two-socket-192.sockets": 2.0})
    s = make_settings(platform__subscription_basis="per_socket_pair")
    vms = vm_frame([{"moves": True, "fit_level": "excellent", "pool": "linux"}])
    q = cost_quantities(vms, None, _pools(), s, values)
    assert q.pools.socket_pairs.tolist() == [1.0, 2.0]
    lines = price(q, s, values)
    assert lines.components["platform_subscription"].tolist() == [2 * 20000.0, 1 * 40000.0]
    assert lines.components["platform_subscription"].sum() == 4 * 20000.0
    # per core, the same three servers would pay for 256 cores
    per_core = make_settings(platform__subscription_basis="per_core")
    lines = price(cost_quantities(vms, None, _pools(), per_core, values), per_core, values)
    assert lines.components["platform_subscription"].sum() == pytest.approx(256 * 333.0)


def test_cloud_instances_are_the_platform_bill_not_owned_hardware(values):
    s = make_settings(platform__hardware_model="cloud")
    vms = vm_frame([{"moves": True, "fit_level": "excellent", "pool": "linux"}])
    lines = price(cost_quantities(vms, None, _pools(), s, values), s, values)
    c = lines.components
    assert c["hardware_nodes"].sum() == 0 and c["power_nodes"].sum() == 0
    assert c["cloud_nodes"].tolist() == [2 * 3000.0, 9000.0]
    assert lines.after["Hardware and facilities"] == 0.0
    assert lines.after["Container platform"] >= 15000.0


def test_owned_servers_are_hardware_with_power(values, settings):
    vms = vm_frame([{"moves": True, "fit_level": "excellent", "pool": "linux"}])
    lines = price(cost_quantities(vms, None, _pools(), settings, values), settings, values)
    c = lines.components
    assert c["hardware_nodes"].tolist() == [2 * 3000.0, 9000.0]
    assert c["cloud_nodes"].sum() == 0
