"""Helpers for the cost-model tests: settings, values (agreed key names) and small frames."""

from __future__ import annotations

from typing import Any

import pandas as pd

from estimator.assumptions import Assumptions, load_assumptions

# The values the hand-worked cases assume (the agreed defaults today), pinned through the real
# loader so that a later change of a default does not silently change these tests.
PINNED: dict[str, float] = {
    "platform.node_types.general-16.cores": 16.0,
    "platform.node_types.general-16.hardware_per_node_year": 2330.0,
    "platform.node_types.general-16.power_kw": 0.25,
    "platform.node_types.general-32.cores": 32.0,
    "platform.node_types.general-32.hardware_per_node_year": 3640.0,
    "platform.node_types.general-32.power_kw": 0.35,
    "platform.subscription_per_core_year": 333.0,
    "platform.subscription_per_node_year": 1500.0,
    "platform.control_plane_per_cluster_year": 876.0,
    "platform.clusters": 1.0,
    "platform.security_tooling_per_node_year": 500.0,
    "current.host_cores": 32.0,
    "current.host_sockets": 2.0,
    "current.host_memory_gib": 512.0,
    "current.host_price": 20000.0,
    "current.vcpu_per_core": 4.0,
    "current.hypervisor_per_core_year": 350.0,
    "current.hypervisor_min_cores_per_cpu": 16.0,
    "current.power_cooling_per_host_year": 900.0,
    "current.amortisation_years": 4.0,
    "licences.windows_standard_per_16_cores": 1176.0,
    "licences.windows_datacenter_per_16_cores": 6771.0,
    "licences.windows_min_cores_per_processor": 8.0,
    "licences.windows_min_cores_per_host": 16.0,
    "licences.software_assurance_fraction": 0.25,
    "licences.licence_amortisation_years": 5.0,
    "licences.rhel_per_subscription_year": 800.0,
    "licences.vdc_price_multiplier": 3.2,
    "licences.node_linux_per_node_year": 100.0,
    "operations.labour_per_hour": 62.0,
    "operations.patch_hours_per_os_month": 0.5,
    "operations.os_care_hours_per_os_month": 0.5,
    "operations.monitoring_hours_per_os_month": 0.25,
    "operations.agent_per_os_year": 300.0,
    "operations.node_patch_hours_per_node_month": 0.5,
    "operations.node_care_hours_per_node_month": 1.0,
    "operations.image_rebuild_hours_per_workload_month": 0.25,
    "operations.platform_care_hours_per_workload_month": 0.3,
    "backup.licence_per_workload_year": 250.0,
    "backup.storage_per_gb_month": 0.023,
    "backup.retention_multiplier": 3.0,
    "backup.compression_ratio": 2.0,
    "backup.os_disk_gib.windows": 30.0,
    "backup.os_disk_gib.linux": 8.0,
    "backup.os_disk_gib.other": 10.0,
    "backup.os_disk_gib.unknown": 15.0,
    "backup.after_licence_per_unit_year": 1000.0,
    "backup.workloads_per_namespace": 10.0,
    "migration.hours_per_workload.excellent": 8.0,
    "migration.hours_per_workload.good": 16.0,
    "migration.hours_per_workload.needs_work": 60.0,
    "migration.hours_per_workload.insufficient_data": 40.0,
    "migration.os_upgrade_hours_per_vm": 24.0,
    "migration.labour_per_hour": 62.0,
    "finance.horizon_years": 5.0,
    "finance.discount_rate": 0.07,
    # Lines added for the target platforms are switched off here; their own tests
    # (test_costs_platforms.py) price them.
    "platform.control_plane_nodes": 0,
    "platform.infra_nodes": 0,
    "platform.windows_support_per_node_year": 0.0,
    "platform.platform_team_fte_per_cluster": 0.0,
    "platform.registry_ci_per_cluster_year": 0.0,
    "platform.registry_ci_per_workload_year": 0.0,
    "platform.subscription_per_socket_pair_year": 20000.0,
    "storage.before_per_gb_month": 0.0,
    "storage.after_per_gb_month": 0.0,
    "storage.node_disk_gib": 120.0,
    "network.before_per_host_year": 0.0,
    "network.after_per_cluster_year": 0.0,
    "operations.hours_per_fte_year": 1760.0,
    "migration.rightsize_hours_per_vm": 1.0,
    "current.hypervisor_min_order_cores": 0,
    "current.hypervisor_term_months_left": 0.0,
    "eos.upgrade_hours_per_vm": 24.0,
    "eos.windows_esu_fraction": 1.0,
    "eos.linux_els_per_vm_year": 400.0,
}
PINNED_SETTINGS: dict[str, Any] = {
    "licences.windows_edition": "cheapest",
    "licences.linux_model": "per_vm_pair",
    "licences.linux_paid_os_names": ["RHEL", "SLES", "Oracle Linux"],
    "licences.node_windows_edition": "datacenter",
    "platform.hardware_model": "owned",
    "platform.windows_node_licence": "per_core",
    "platform.subscription_basis": "per_core",
    "eos.staying_action": "upgrade",
    "backup.after_licence_basis": "per_node",
    "migration.ramp": [0.2, 0.5, 1.0],
    "finance.currency": "USD",
}


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(float(value))


def _sets(changes: dict[str, Any]) -> list[str]:
    return [f"{k}={_toml(v)}" for k, v in changes.items()]


BASE: Assumptions = load_assumptions(sets=_sets({**PINNED, **PINNED_SETTINGS}))
VALUES: dict[str, float] = BASE.flat_values()


def make_settings(**changes: Any) -> Assumptions:
    """The pinned settings with `changes` like licences__windows_edition="standard".

    The tests take numbers from `VALUES` (pinned above); settings only give the modes.
    """
    if not changes:
        return BASE
    extra = {k.replace("__", "."): v for k, v in changes.items()}
    return load_assumptions(sets=_sets({**PINNED_SETTINGS, **extra}))


_UNITS: dict[str, str] = dict(zip(BASE.table()["key"], BASE.table()["unit"], strict=True))


def currency_keys(values: dict[str, Any]) -> list[str]:
    """Numeric keys whose unit names the currency (the units of Assumptions.table())."""
    return [k for k in values if BASE.finance.currency in _UNITS[k]]


def vm_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A VM frame with the pipeline columns, filled with defaults for what a row leaves out."""
    defaults: dict[str, Any] = {
        "vm_id": None, "os_family": "linux", "os_name": "Ubuntu", "host": pd.NA, "vcpus": 2.0,
        "memory_gib": 8.0, "storage_used_gib": 50.0, "in_scope": True, "moves": False,
        "retire_candidate": False, "fit_level": "no_fit", "needs_os_upgrade": False,
        "pool": pd.NA, "cpu_request_cores": 1.0, "memory_request_gib": 4.0, "replicas": 1.0,
    }
    full = [{**defaults, **r} for r in rows]
    for i, r in enumerate(full):
        r["vm_id"] = r["vm_id"] or f"vm-{i}"
    frame = pd.DataFrame(full)
    for col in ("vm_id", "os_family", "os_name", "host", "fit_level", "pool"):
        frame[col] = frame[col].astype("string")
    for col in ("in_scope", "moves", "retire_candidate", "needs_os_upgrade"):
        frame[col] = frame[col].astype("boolean")
    return frame


def host_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["host"] = frame["host"].astype("string")
    if "cores" not in frame.columns:
        frame["cores"] = frame["cpu_sockets"] * frame["cores_per_socket"]
    return frame


def pool_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for col in ("pool", "node_type", "os_family"):
        frame[col] = frame[col].astype("string")
    return frame
