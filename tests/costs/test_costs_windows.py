"""Hand-computed Windows Server and hypervisor licence lines (methodology sources, 2025 prices)."""

from __future__ import annotations

import numpy as np
import pytest
from cost_helpers import host_frame, make_settings, vm_frame

from estimator.costs import cost_quantities, price

# A Windows core-year at list prices: pack / 16 x (1 / 5 years + 25 % SA).
STD_CORE_YEAR = 1176 / 16 * (1 / 5 + 0.25)  # 33.075
DC_CORE_YEAR = 6771 / 16 * (1 / 5 + 0.25)  # 190.434375


def _estate(n_windows: int, sockets: int, cores_per_socket: int):
    vms = vm_frame([{"os_family": "windows", "os_name": "Windows Server", "host": "esx1"}
                    for _ in range(n_windows)])
    hosts = host_frame([{"host": "esx1", "cpu_sockets": sockets,
                         "cores_per_socket": cores_per_socket}])
    return vms, hosts


@pytest.mark.parametrize(("edition", "expected"), [
    ("standard", 96 * STD_CORE_YEAR),  # 48 cores x ceil(3 / 2) = 96 cores: 3,175.20
    ("datacenter", 48 * DC_CORE_YEAR),  # 48 cores once: 9,140.85
    ("cheapest", 96 * STD_CORE_YEAR),
])
def test_2x24_core_host_with_3_windows_vms(values, edition, expected):
    vms, hosts = _estate(3, 2, 24)
    s = make_settings(licences__windows_edition=edition)
    lines = price(cost_quantities(vms, hosts, None, s, values), s, values)
    assert lines.before["Guest OS licences"] == pytest.approx(expected)
    assert expected == pytest.approx({"standard": 3175.2, "datacenter": 9140.85,
                                      "cheapest": 3175.2}[edition])


def test_2x4_core_host_pays_the_16_core_minimum(values):
    vms, hosts = _estate(1, 2, 4)
    s = make_settings(licences__windows_edition="standard")
    q = cost_quantities(vms, hosts, None, s, values)
    assert q.host_groups_before.windows_unit_cores.tolist() == [16.0]  # not 2 x 4 = 8
    lines = price(q, s, values)
    assert lines.before["Guest OS licences"] == pytest.approx(16 * STD_CORE_YEAR)  # 529.20


def test_hypervisor_16_core_minimum_per_cpu(values, settings):
    vms, hosts = _estate(1, 2, 4)
    q = cost_quantities(vms, hosts, None, settings, values)
    lines = price(q, settings, values)
    # 2 CPUs x max(16, 4) = 32 cores x USD 350
    assert lines.before["Hypervisor licences"] == pytest.approx(32 * 350.0)
    vms, hosts = _estate(1, 2, 24)
    lines = price(cost_quantities(vms, hosts, None, settings, values), settings, values)
    assert lines.before["Hypervisor licences"] == pytest.approx(48 * 350.0)


def test_datacenter_is_cheaper_from_11_vms_per_host(values):
    """At 2025 prices: 6 x 1,176 = 7,056 > 6,771, while 5 x 1,176 = 5,880 < 6,771."""
    s = make_settings(licences__windows_edition="cheapest")
    chosen = {}
    for n in range(1, 15):
        vms, hosts = _estate(n, 1, 16)
        lines = price(cost_quantities(vms, hosts, None, s, values), s, values)
        chosen[n] = lines.before["Guest OS licences"]
    dc = 16 * DC_CORE_YEAR
    assert [n for n, cost in chosen.items() if cost == pytest.approx(dc)] == list(range(11, 15))
    assert chosen[10] == pytest.approx(5 * 16 * STD_CORE_YEAR)
    assert chosen[10] < dc


def test_cheapest_edition_is_chosen_per_host(values):
    # 12 Windows VMs on one host (Datacenter wins), 1 on another (Standard wins).
    vms = vm_frame([{"os_family": "windows", "host": "a"} for _ in range(12)]
                   + [{"os_family": "windows", "host": "b"}])
    hosts = host_frame([{"host": h, "cpu_sockets": 1, "cores_per_socket": 16} for h in "ab"])
    s = make_settings()
    lines = price(cost_quantities(vms, hosts, None, s, values), s, values)
    assert lines.before["Guest OS licences"] == pytest.approx(16 * DC_CORE_YEAR
                                                              + 16 * STD_CORE_YEAR)


def test_edition_choice_per_draw(values):
    """With draws, each draw picks its own cheaper edition."""
    vms, hosts = _estate(11, 1, 16)
    s = make_settings()
    q = cost_quantities(vms, hosts, None, s, values)
    draws = dict(values)
    draws["licences.windows_datacenter_per_16_cores"] = np.array([6771.0, 8000.0])
    lines = price(q, s, draws)
    assert lines.before["Guest OS licences"] == pytest.approx(
        [16 * DC_CORE_YEAR, 6 * 16 * STD_CORE_YEAR])
