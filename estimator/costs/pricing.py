"""Step 2 of the cost model: prices x quantities, vectorised over Monte Carlo draws.

Every value may be one number or a 1-D array of draws; amounts are then (groups,) or
(draws, groups) arrays, and category totals are floats or (draws,) arrays. Nothing here is per
VM: the largest arrays are (draws x hosts) for the Windows edition choice per host.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from estimator.costs._columns import setting
from estimator.costs._values import Value, Values, by_group, tidy, value
from estimator.costs.hosts import HostGroups
from estimator.costs.quantities import (
    CATEGORIES,
    COMPONENTS,
    GB_PER_GIB,
    REFERENCE_HOST_POWER_KW,
    CostQuantities,
)
from estimator.errors import ConfigError

if TYPE_CHECKING:
    from estimator.assumptions import Assumptions

MONTHS = 12.0


@dataclass(frozen=True)
class CostLines:
    """Yearly cost by category, before and after, in `currency`.

    `before` and `after` map each of `CATEGORIES` to a float (point estimate) or a (draws,)
    array. `components` holds the per-group amounts behind them (see `COMPONENTS`).
    """

    before: dict[str, Value]
    after: dict[str, Value]
    components: dict[str, np.ndarray]
    residual_vm_annual_cost: Value  # the VMs that stay VMs, after (included in `after`)
    currency: str

    @property
    def annual_before(self) -> Value:
        return tidy(sum(np.asarray(v, dtype=float) for v in self.before.values()))

    @property
    def annual_after(self) -> Value:
        return tidy(sum(np.asarray(v, dtype=float) for v in self.after.values()))

    @property
    def annual_savings(self) -> Value:
        return tidy(np.asarray(self.annual_before) - np.asarray(self.annual_after))

    def savings(self, category: str) -> Value:
        return tidy(np.asarray(self.before[category]) - np.asarray(self.after[category]))


def _positive(values: Values, key: str) -> Value:
    v = value(values, key)
    if np.any(np.asarray(v) <= 0):
        raise ConfigError("must be > 0", key=key)
    return by_group(v)


def _windows(groups: HostGroups, edition: str, per_core_std: Value,
             per_core_dc: Value) -> np.ndarray:
    """Yearly Windows Server cost per host group: Standard covers 2 VMs per full licensing."""
    n = groups.windows_vms
    std = groups.windows_unit_cores * np.ceil(n / 2.0) * per_core_std
    dc = groups.windows_unit_cores * (n > 0) * per_core_dc
    per_host = {"standard": std, "datacenter": dc}.get(edition)
    if per_host is None:
        per_host = np.minimum(std, dc)
    return groups.count * per_host


def _stack(per_pool: list[Value]) -> np.ndarray:
    """A list of per-pool values (float or (draws,)) as (pools,) or (draws, pools)."""
    if not any(isinstance(v, np.ndarray) for v in per_pool):
        return np.asarray(per_pool, dtype=float)
    draws = next(len(v) for v in per_pool if isinstance(v, np.ndarray))
    return np.column_stack([np.broadcast_to(np.asarray(v, dtype=float), (draws,))
                            for v in per_pool])


def price(quantities: CostQuantities, settings: Assumptions, values: Values) -> CostLines:
    """Yearly cost lines for `quantities` at `values` (numbers or 1-D arrays of draws)."""
    q, pools = quantities, quantities.pools
    has_nodes = pools.total_nodes > 0

    def v(key: str) -> Value:
        return by_group(value(values, key))

    labour = v("operations.labour_per_hour")
    a: dict[str, Value] = {}

    # 1. Guest OS licences. A Windows core-year = pack price / 16 / amortisation + SA.
    amort = _positive(values, "licences.licence_amortisation_years")
    sa = v("licences.software_assurance_fraction")
    core_std = v("licences.windows_standard_per_16_cores") / 16.0 * (1.0 / amort + sa)
    core_dc = v("licences.windows_datacenter_per_16_cores") / 16.0 * (1.0 / amort + sa)
    edition = str(setting(settings, "licences.windows_edition",
                          ("cheapest", "standard", "datacenter")))
    a["windows_hosts_before"] = _windows(q.host_groups_before, edition, core_std, core_dc)
    a["windows_hosts_residual"] = _windows(q.host_groups_after, edition, core_std, core_dc)
    linux_unit = v("licences.rhel_per_subscription_year")
    if q.linux_model == "virtual_datacenter":
        linux_unit = linux_unit * v("licences.vdc_price_multiplier")
    a["linux_before"] = np.array([q.linux_units_before]) * linux_unit
    a["linux_residual"] = np.array([q.linux_units_after]) * linux_unit
    node_edition = str(setting(settings, "licences.node_windows_edition",
                               ("datacenter", "standard"), default="datacenter"))
    node_core = core_dc if node_edition == "datacenter" else core_std
    win_nodes = pools.nodes * pools.is_windows
    lin_nodes = pools.nodes * ~pools.is_windows
    a["windows_nodes"] = win_nodes * pools.windows_licensed_cores * node_core
    a["linux_nodes"] = (lin_nodes * v("licences.node_linux_per_node_year") if has_nodes
                        else np.zeros(0))

    # 2. Hypervisor: per licensed physical core (per-CPU minimum already in the quantities).
    hyp = v("current.hypervisor_per_core_year")
    a["hypervisor_before"] = q.host_groups_before.count * q.host_groups_before.hypervisor_cores \
        * hyp
    a["hypervisor_residual"] = q.host_groups_after.count * q.host_groups_after.hypervisor_cores \
        * hyp
    nodes_are_vms = bool(setting(settings, "platform.nodes_are_vms", default=False))
    a["hypervisor_nodes"] = (pools.nodes * pools.node_cores * hyp if nodes_are_vms
                             else np.zeros(len(pools.nodes)))

    # 3. Patching labour.
    patch = v("operations.patch_hours_per_os_month") * MONTHS * labour
    a["patch_before"] = np.array([q.vms_in_scope]) * patch
    a["patch_residual"] = np.array([q.vms_staying]) * patch
    a["patch_nodes"] = pools.nodes * v("operations.node_patch_hours_per_node_month") \
        * MONTHS * labour if has_nodes else np.zeros(len(pools.nodes))
    a["image_rebuild"] = np.array([q.vms_moving]) * v(
        "operations.image_rebuild_hours_per_workload_month") * MONTHS * labour

    # 4. Other per-OS operations: care and monitoring hours, plus agents per OS instance.
    agent = v("operations.agent_per_os_year")
    per_os = (v("operations.os_care_hours_per_os_month")
              + v("operations.monitoring_hours_per_os_month")) * MONTHS * labour + agent
    a["ops_before"] = np.array([q.vms_in_scope]) * per_os
    a["ops_residual"] = np.array([q.vms_staying]) * per_os
    a["ops_nodes"] = pools.nodes * (v("operations.node_care_hours_per_node_month") * MONTHS
                                    * labour + agent) if has_nodes else np.zeros(len(pools.nodes))
    a["platform_care"] = np.array([q.vms_moving]) * v(
        "operations.platform_care_hours_per_workload_month") * MONTHS * labour

    # 5. Backup: licences per workload, storage of used GiB x retention / compression.
    gib_year = (v("backup.storage_per_gb_month") * MONTHS * GB_PER_GIB
                * v("backup.retention_multiplier") / _positive(values, "backup.compression_ratio"))
    licence = v("backup.licence_per_workload_year")
    a["backup_licence_before"] = np.array([q.vms_in_scope]) * licence
    a["backup_storage_before"] = np.array([q.backup_gib_before]) * gib_year
    a["backup_licence_residual"] = np.array([q.vms_staying]) * licence
    a["backup_storage_residual"] = np.array([q.backup_gib_residual]) * gib_year
    a["backup_storage_moved"] = np.array([q.backup_gib_moved]) * gib_year
    basis = setting(settings, "backup.after_licence_basis", ("per_node", "per_namespace"))
    unit_key = "backup.after_licence_per_unit_year"
    if basis == "per_node":
        a["backup_licence_moved"] = (pools.nodes * v(unit_key) if has_nodes
                                     else np.zeros(len(pools.nodes)))
    else:
        a["backup_licence_moved"] = np.array([q.namespaces]) * v(unit_key)

    # 6. Hardware and facilities: amortised host price + power and cooling; nodes by type.
    power_host = v("current.power_cooling_per_host_year")
    per_host = v("current.host_price") / _positive(values, "current.amortisation_years") \
        + power_host
    a["hardware_before"] = q.host_groups_before.count * per_host
    a["hardware_residual"] = q.host_groups_after.count * per_host
    a["hardware_nodes"] = pools.nodes * _node_annual_cost(q, values) + \
        pools.nodes * pools.power_kw * power_host / REFERENCE_HOST_POWER_KW

    # 7. Container platform: subscription, control plane per cluster, security tooling.
    sub_basis = setting(settings, "platform.subscription_basis", ("per_core", "per_node", "none"))
    if not has_nodes or sub_basis == "none":
        a["platform_subscription"] = np.zeros(len(pools.nodes))
    elif sub_basis == "per_core":
        a["platform_subscription"] = pools.nodes * pools.node_cores * v(
            "platform.subscription_per_core_year")
    else:
        a["platform_subscription"] = pools.nodes * v("platform.subscription_per_node_year")
    a["platform_security"] = (pools.nodes * v("platform.security_tooling_per_node_year")
                              if has_nodes else np.zeros(len(pools.nodes)))
    a["platform_control_plane"] = (
        np.array([1.0]) * v("platform.clusters") * v("platform.control_plane_per_cluster_year")
        if has_nodes else np.zeros(1))

    components = {k: np.asarray(val, dtype=float) for k, val in a.items()}
    before: dict[str, Any] = {c: 0.0 for c in CATEGORIES}
    after: dict[str, Any] = {c: 0.0 for c in CATEGORIES}
    residual: Any = 0.0
    for name, amount in components.items():
        category, side = COMPONENTS[name]
        total = amount.sum(axis=-1) if amount.shape[-1] else np.zeros(amount.shape[:-1])
        target = before if side == "before" else after
        target[category] = target[category] + total
        if name.endswith("_residual"):
            residual = residual + total
    # With draws, every category is a (draws,) array, even one no drawn key touches.
    shape = np.broadcast_shapes(*(np.shape(x) for x in (*before.values(), *after.values())))

    def full(x: Any) -> Value:
        return tidy(np.broadcast_to(np.asarray(x, dtype=float), shape).copy())

    return CostLines(
        before={c: full(x) for c, x in before.items()},
        after={c: full(x) for c, x in after.items()},
        components=components,
        residual_vm_annual_cost=full(residual),
        currency=str(setting(settings, "finance.currency", default="USD")),
    )


def _node_annual_cost(q: CostQuantities, values: Values) -> np.ndarray:
    """Per-node yearly price per pool: the node type's assumption, else the pools column."""
    per_pool: list[Value] = []
    for i, t in enumerate(q.pools.node_type):
        key = f"platform.node_types.{t}.hardware_per_node_year"
        if key in values:
            per_pool.append(value(values, key))
        elif np.isfinite(q.pools.annual_cost_fallback[i]):
            per_pool.append(float(q.pools.annual_cost_fallback[i]))
        else:
            raise ConfigError(f"no yearly price for node type {t!r}", key=key)
    return _stack(per_pool)
