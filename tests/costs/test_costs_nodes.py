"""One node's full yearly cost, priced through the cost model."""

import pytest

from estimator.assumptions import load_assumptions
from estimator.costs.nodes import node_costs
from estimator.planning import node_types_frame


def test_node_cost_adds_every_per_node_and_per_core_charge() -> None:
    a = load_assumptions(sets=["platform.subscription_basis=per_core"])
    v = a.flat_values()
    out = node_costs(node_types_frame(a), ["linux", "windows"], a, v)
    row = out[(out.node_type == "general-16") & (out.os_family == "linux")].iloc[0]
    labour = v["operations.labour_per_hour"]
    expected = (
        v["platform.node_types.general-16.hardware_per_node_year"]
        + v["platform.node_types.general-16.power_kw"]
        * v["current.power_cooling_per_host_year"] / 0.5
        + v["licences.node_linux_per_node_year"]
        + v["operations.node_patch_hours_per_node_month"] * 12 * labour
        + v["operations.node_care_hours_per_node_month"] * 12 * labour
        + v["operations.agent_per_os_year"]
        + 16 * v["platform.subscription_per_core_year"]
        + v["platform.security_tooling_per_node_year"]
        + v["backup.after_licence_per_unit_year"]
        # the node's own disk, as primary storage
        + v["storage.node_disk_gib"] * 1.073741824 * 12 * v["storage.after_per_gb_month"]
    )
    assert row.annual_cost == pytest.approx(expected)


def test_windows_node_costs_more_by_its_windows_licence() -> None:
    a = load_assumptions()
    v = a.flat_values()
    out = node_costs(node_types_frame(a), ["linux", "windows"], a, v).set_index(
        ["node_type", "os_family"])["annual_cost"]
    # Standard edition, 16 cores licensed: pack / 16 per core x (1/amortisation + SA).
    per_core = v["licences.windows_standard_per_16_cores"] / 16 * (
        1 / v["licences.licence_amortisation_years"] + v["licences.software_assurance_fraction"])
    diff = out[("general-16", "windows")] - out[("general-16", "linux")]
    assert diff == pytest.approx(16 * per_core - v["licences.node_linux_per_node_year"]
                                 + v["platform.windows_support_per_node_year"])


def test_backup_licence_counts_per_node_only_on_the_per_node_basis() -> None:
    per_node = load_assumptions(sets=["backup.after_licence_basis=per_node"])
    per_ns = load_assumptions(sets=["backup.after_licence_basis=per_namespace"])
    frame = node_types_frame(per_node)
    a = node_costs(frame.head(1), ["linux"], per_node, per_node.flat_values())
    b = node_costs(frame.head(1), ["linux"], per_ns, per_ns.flat_values())
    licence = per_node.flat_values()["backup.after_licence_per_unit_year"]
    assert a.annual_cost.iloc[0] - b.annual_cost.iloc[0] == pytest.approx(licence)
