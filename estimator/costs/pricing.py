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
    # Cloud instances of Windows carry the licence in their price.
    included = settings.platform.windows_node_licence == "included"
    a["windows_nodes"] = (win_nodes * pools.windows_licensed_cores * node_core * (not included))
    a["linux_nodes"] = (lin_nodes * v("licences.node_linux_per_node_year") if has_nodes
                        else np.zeros(0))

    # 2. Hypervisor: per licensed physical core (per-CPU minimum already in the quantities),
    # at least the minimum order while any host is licensed.
    hyp = v("current.hypervisor_per_core_year")
    a["hypervisor_before"] = _min_order(
        q.host_groups_before.count * q.host_groups_before.hypervisor_cores, values) * hyp
    a["hypervisor_residual"] = _min_order(
        q.host_groups_after.count * q.host_groups_after.hypervisor_cores, values) * hyp
    # Node VMs on the vSphere you keep: the hosts that carry them stay licensed.
    a["hypervisor_node_hosts"] = _per_node_share(
        pools, q.node_hosts * q.node_host_hypervisor_cores * hyp)

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

    # 5a. End of support: each EOS VM needs its upgrade (spread over the horizon) or ESU, if it
    # stays; a moved one is rebuilt instead (in the one-off migration).
    if settings.eos.staying_action == "upgrade":
        per_vm = v("eos.upgrade_hours_per_vm") * v("migration.labour_per_hour") / _positive(
            values, "finance.horizon_years")
        a["eos_before"] = np.array([q.eos_vms[0]]) * per_vm
        a["eos_residual"] = np.array([q.eos_vms[1]]) * per_vm
    else:
        esu_core = v("eos.windows_esu_fraction") * v("licences.windows_standard_per_16_cores") / 16
        els = v("eos.linux_els_per_vm_year")
        a["eos_before"] = np.array([q.eos_windows_cores[0]]) * esu_core + \
            np.array([q.eos_linux_vms[0]]) * els
        a["eos_residual"] = np.array([q.eos_windows_cores[1]]) * esu_core + \
            np.array([q.eos_linux_vms[1]]) * els

    # 5b. Primary storage: used GB today; after, staying VMs at today's price, persistent
    # data of moving workloads and node disks at the price after.
    gb_year_before = v("storage.before_per_gb_month") * MONTHS * GB_PER_GIB
    gb_year_after = v("storage.after_per_gb_month") * MONTHS * GB_PER_GIB
    a["storage_before"] = np.array([q.backup_gib_before]) * gb_year_before
    a["storage_residual"] = np.array([q.backup_gib_residual]) * gb_year_before
    a["storage_moved"] = np.array([q.backup_gib_moved]) * gb_year_after
    node_disk = v("storage.node_disk_gib")
    a["storage_nodes"] = (pools.nodes * node_disk * gb_year_after if has_nodes
                          else np.zeros(len(pools.nodes)))
    a["storage_control_plane"] = np.array([q.cp_nodes]) * node_disk * gb_year_after

    # 5c. Network virtualisation and load balancing: per host today, per cluster after.
    net_host = v("network.before_per_host_year")
    a["network_before"] = q.host_groups_before.count * net_host
    a["network_residual"] = q.host_groups_after.count * net_host
    a["network_clusters"] = np.array([q.clusters]) * v("network.after_per_cluster_year")

    # 6. Hardware and facilities: amortised host price + power and cooling; nodes by the
    # hardware model (owned servers with power, cloud instances, or kept vSphere hosts).
    power_host = v("current.power_cooling_per_host_year")
    per_host = v("current.host_price") / _positive(values, "current.amortisation_years") \
        + power_host
    a["hardware_before"] = q.host_groups_before.count * per_host
    a["hardware_residual"] = q.host_groups_after.count * per_host
    node_price = _node_price(q, values, pools.node_type, fallback=pools.annual_cost_fallback)
    node_power = pools.power_kw * power_host / REFERENCE_HOST_POWER_KW
    # `hardware_*` is the amortised purchase of owned servers (capex in the cash flow),
    # `power_*` their electricity and cooling. Cloud instances own no hardware: their price is
    # the platform's bill (`cloud_*`, Container platform), so Hardware and facilities after
    # holds only what is still owned.
    owned, cloud = q.hardware_model == "owned", q.hardware_model == "cloud"
    none = np.zeros(len(pools.nodes))
    a["hardware_nodes"] = pools.nodes * node_price if owned else none
    a["cloud_nodes"] = pools.nodes * node_price if cloud else none
    a["power_nodes"] = pools.nodes * node_power if owned else np.zeros(len(pools.nodes))
    cp = np.array([q.cp_node_type], dtype=object)
    cp_price = _node_price(q, values, cp, fallback=np.array([np.nan]))
    cp_key = f"platform.node_types.{q.cp_node_type}.power_kw"
    cp_power = (by_group(value(values, cp_key)) if cp_key in values else 0.0) \
        * power_host / REFERENCE_HOST_POWER_KW
    a["hardware_control_plane"] = np.array([q.cp_nodes]) * cp_price if owned else np.zeros(1)
    a["cloud_control_plane"] = np.array([q.cp_nodes]) * cp_price if cloud else np.zeros(1)
    a["power_control_plane"] = np.array([q.cp_nodes]) * cp_power if owned else np.zeros(1)
    a["hardware_node_hosts"] = _per_node_share(pools, q.node_hosts * per_host)

    # 7. Container platform: subscription on workers only, control plane fee per cluster,
    # security tooling; Windows node support; the platform team's floor; registry and CI.
    sub_basis = setting(settings, "platform.subscription_basis",
                        ("per_core", "per_socket_pair", "per_node", "none"))
    if not has_nodes or sub_basis == "none":
        a["platform_subscription"] = np.zeros(len(pools.nodes))
    elif sub_basis == "per_core":
        a["platform_subscription"] = pools.nodes * pools.node_cores * v(
            "platform.subscription_per_core_year")
    elif sub_basis == "per_socket_pair":
        a["platform_subscription"] = pools.nodes * pools.socket_pairs * v(
            "platform.subscription_per_socket_pair_year")
    else:
        a["platform_subscription"] = pools.nodes * v("platform.subscription_per_node_year")
    a["platform_security"] = (pools.nodes * v("platform.security_tooling_per_node_year")
                              if has_nodes else np.zeros(len(pools.nodes)))
    a["platform_control_plane"] = (
        np.array([q.clusters]) * v("platform.control_plane_per_cluster_year"))
    a["windows_support"] = win_nodes * v("platform.windows_support_per_node_year")
    fte = v("operations.hours_per_fte_year") * labour
    a["platform_team"] = np.array([q.clusters]) * v("platform.platform_team_fte_per_cluster") \
        * fte
    a["registry_ci"] = (np.array([q.clusters]) * v("platform.registry_ci_per_cluster_year")
                        + np.array([q.vms_moving]) * v("platform.registry_ci_per_workload_year"))

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


def _node_price(q: CostQuantities, values: Values, node_types: np.ndarray,
                fallback: np.ndarray) -> np.ndarray:
    """Yearly price of one node of each type: its hardware, or its cloud-instance price."""
    field = "cloud_per_node_year" if q.hardware_model == "cloud" else "hardware_per_node_year"
    per_type: list[Value] = []
    for i, t in enumerate(node_types):
        key = f"platform.node_types.{t}.{field}"
        if key in values:
            per_type.append(value(values, key))
        elif np.isfinite(fallback[i]):
            per_type.append(float(fallback[i]))
        else:
            raise ConfigError(f"no yearly price for node type {t!r}", key=key)
    return _stack(per_type)


def _min_order(cores: np.ndarray, values: Values) -> np.ndarray:
    """Licensed cores per group, topped up (on the largest group) to the minimum order."""
    cores = np.asarray(cores, dtype=float)
    total = float(cores.sum())
    minimum = float(values.get("current.hypervisor_min_order_cores", 0.0))
    if total <= 0 or total >= minimum or cores.size == 0:
        return cores
    out = cores.copy()
    out[int(np.argmax(out))] += minimum - total
    return out


def _per_node_share(pools: Any, amount: Value) -> np.ndarray:
    """An estate-wide amount (float, or draws shaped (draws,) or (draws, 1)) spread over the
    pools by their cores (what the node VMs take of the hosts)."""
    cores = pools.nodes * pools.node_cores
    total = float(cores.sum())
    if total <= 0:
        return np.zeros(len(pools.nodes))
    weight = cores / total
    if np.ndim(amount):
        return np.asarray(amount, dtype=float).reshape(-1)[:, None] * weight
    return float(amount) * weight
