"""Step 1 of the cost model: what the estate needs before and after, independent of prices.

`cost_quantities()` runs once per estate. It counts OS instances, hosts, licensable cores, backup
gigabytes, nodes and migration effort, and records for every priced component how its amount is
shared over the VMs (`Share`), so that `price()` can run over thousands of Monte Carlo draws without
touching a per-VM array, and `attribute()` can split the point estimate back onto VMs exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from estimator.costs._columns import flag, number, setting, text
from estimator.costs._values import Values, optional_scalar, scalar
from estimator.costs.hosts import (
    HostGroups,
    concat_groups,
    host_geometry,
    host_key,
    match_hosts,
    spread_groups,
    windows_unit_cores,
)
from estimator.errors import ConfigError
from estimator.formatting import count, noun, plural
from estimator.model import (
    BACKUP,
    COST_CATEGORIES,
    EOS,
    GUEST,
    HARDWARE,
    HYPERVISOR,
    NETWORK,
    OPERATIONS,
    PATCHING,
    PLATFORM,
    PLATFORM_TEAM,
    REGISTRY,
    RETIRING_LEVELS,
    STORAGE,
    WINDOWS_CONTAINERS,
)

if TYPE_CHECKING:
    from estimator.assumptions import Assumptions

CATEGORIES = COST_CATEGORIES

# Every priced component: name -> (category, column). Components whose name ends in "_residual"
# are the VMs that stay VMs after the move (the residual VM estate).
COMPONENTS: dict[str, tuple[str, str]] = {
    "windows_hosts_before": (GUEST, "before"),
    "linux_before": (GUEST, "before"),
    "windows_hosts_residual": (GUEST, "after"),
    "linux_residual": (GUEST, "after"),
    "windows_nodes": (GUEST, "after"),
    "linux_nodes": (GUEST, "after"),
    "hypervisor_before": (HYPERVISOR, "before"),
    "hypervisor_residual": (HYPERVISOR, "after"),
    "hypervisor_node_hosts": (HYPERVISOR, "after"),
    "patch_before": (PATCHING, "before"),
    "patch_residual": (PATCHING, "after"),
    "patch_nodes": (PATCHING, "after"),
    "image_rebuild": (PATCHING, "after"),
    "ops_before": (OPERATIONS, "before"),
    "ops_residual": (OPERATIONS, "after"),
    "ops_nodes": (OPERATIONS, "after"),
    "platform_care": (OPERATIONS, "after"),
    "backup_licence_before": (BACKUP, "before"),
    "backup_storage_before": (BACKUP, "before"),
    "backup_licence_residual": (BACKUP, "after"),
    "backup_storage_residual": (BACKUP, "after"),
    "backup_licence_moved": (BACKUP, "after"),
    "backup_storage_moved": (BACKUP, "after"),
    "eos_before": (EOS, "before"),
    "eos_residual": (EOS, "after"),
    "storage_before": (STORAGE, "before"),
    "storage_residual": (STORAGE, "after"),
    "storage_moved": (STORAGE, "after"),
    "storage_nodes": (STORAGE, "after"),
    "storage_control_plane": (STORAGE, "after"),
    "network_before": (NETWORK, "before"),
    "network_residual": (NETWORK, "after"),
    "network_clusters": (NETWORK, "after"),
    "hardware_before": (HARDWARE, "before"),
    "hardware_residual": (HARDWARE, "after"),
    "hardware_nodes": (HARDWARE, "after"),
    "power_nodes": (HARDWARE, "after"),
    "hardware_control_plane": (HARDWARE, "after"),
    "power_control_plane": (HARDWARE, "after"),
    "hardware_node_hosts": (HARDWARE, "after"),
    "platform_subscription": (PLATFORM, "after"),
    "platform_security": (PLATFORM, "after"),
    "platform_control_plane": (PLATFORM, "after"),
    "cloud_nodes": (PLATFORM, "after"),
    "cloud_control_plane": (PLATFORM, "after"),
    "windows_support": (WINDOWS_CONTAINERS, "after"),
    "platform_team": (PLATFORM_TEAM, "after"),
    "registry_ci": (REGISTRY, "after"),
}

OS_FAMILIES = ("windows", "linux", "other", "unknown")
# 1 GiB in GB: inventories measure GiB, storage is priced per GB.
GB_PER_GIB = 1.073741824
# current.power_cooling_per_host_year is quoted for a 0.5 kW server (methodology sources);
# a node type's power_kw scales it.
REFERENCE_HOST_POWER_KW = 0.5

# Numeric assumptions that change quantities (not only prices). The Monte Carlo must re-run
# cost_quantities() when it varies one of these; price() and cash_flow() take draws for the rest.
QUANTITY_KEYS: tuple[str, ...] = (
    "current.host_cores",
    "current.host_sockets",
    "current.host_memory_gib",
    "current.vcpu_per_core",
    "current.hypervisor_min_cores_per_cpu",
    "licences.windows_min_cores_per_processor",
    "licences.windows_min_cores_per_host",
    "backup.os_disk_gib.windows",
    "backup.os_disk_gib.linux",
    "backup.os_disk_gib.other",
    "backup.os_disk_gib.unknown",
    "backup.workloads_per_namespace",
    "finance.horizon_years",
    "platform.clusters",
    "platform.control_plane_nodes",
    "platform.infra_nodes",
    # and platform.node_types.<type>.power_kw for the node types in the pools
)


@dataclass(frozen=True)
class Share:
    """How a component's per-group amounts are split over VM rows (see `attribute`).

    Groups are summed into buckets; a bucket's amount is split over the VM rows in it in
    proportion to `weight`.
    """

    bucket_of_group: np.ndarray  # (groups,) int
    vm_bucket: np.ndarray  # (rows,) int, -1 for rows that take no share
    weight: np.ndarray  # (rows,) float >= 0


@dataclass(frozen=True)
class PoolQuantities:
    """Container node pools after the move (from the packing result)."""

    pool: np.ndarray  # pool names (str)
    node_type: np.ndarray  # node type names (str)
    nodes: np.ndarray
    node_cores: np.ndarray
    is_windows: np.ndarray  # bool
    windows_licensed_cores: np.ndarray  # per node, Windows core rules with the node as 1 CPU
    power_kw: np.ndarray  # per node
    annual_cost_fallback: np.ndarray  # per node from the pools frame; NaN when not given
    socket_pairs: np.ndarray  # bare-metal socket-pair subscription units per node
    memory_gib: np.ndarray  # per node

    @property
    def total_nodes(self) -> float:
        return float(self.nodes.sum())


@dataclass(frozen=True)
class CostQuantities:
    """Everything the cost model needs from the estate, computed once (no prices)."""

    rows: pd.Index  # the index of the VM frame given
    in_scope: np.ndarray  # bool per row
    moving: np.ndarray  # bool per row: becomes a container
    staying: np.ndarray  # bool per row: in scope, stays a VM
    retired: np.ndarray  # bool per row: idle/zombie or retiring with the platform
    vms_in_scope: int
    vms_moving: int
    vms_staying: int
    vms_retired: int
    os_instances_before: dict[str, int]  # by OS family
    os_instances_after: dict[str, int]  # staying VMs by family, plus nodes by pool OS
    hosts_before: float
    hosts_after: float  # residual hosts for the VMs that stay
    hosts_inferred: bool
    inferred_hosts: int  # hosts inferred for VMs without a known host
    physical_cores_before: float
    host_groups_before: HostGroups
    host_groups_after: HostGroups
    residual_share: float  # max(vCPU, memory) share of the in-scope estate that stays a VM
    linux_paid_vms_before: int
    linux_paid_vms_after: int
    linux_units_before: float  # subscription units under licences.linux_model
    linux_units_after: float
    linux_model: str
    windows_vms_before: int
    windows_vms_after: int
    backup_gib_before: float  # used storage of in-scope VMs
    backup_gib_residual: float  # used storage of staying VMs
    backup_gib_moved: float  # persistent data of moving workloads (used minus OS disk)
    namespaces: float
    pools: PoolQuantities
    moving_by_fit: dict[str, int]
    os_upgrades: int  # moving VMs that need an OS upgrade first
    rightsized_vms: int  # staying VMs right-sized (the vms-rightsized platform)
    containers: bool  # workloads become containers (else VMs stay, right-sized)
    hardware_model: str  # owned, vsphere or cloud: how nodes are paid
    clusters: float  # clusters after (0 when nothing runs on nodes)
    cp_nodes: float  # control-plane and infrastructure nodes, all clusters
    cp_node_type: str
    node_hosts: float  # vSphere hosts that carry the node VMs (hardware_model vsphere)
    node_host_hypervisor_cores: float  # licensed cores per such host
    eos_windows_cores: tuple[float, float]  # max(8, vCPU) of EOS Windows VMs: in scope, staying
    eos_linux_vms: tuple[float, float]  # EOS Linux VMs: in scope, staying
    eos_vms: tuple[float, float]  # every EOS VM: in scope, staying
    shares: dict[str, Share] = field(repr=False)
    # weights for amounts whose bucket has no VM to carry them, per column
    fallback_before: np.ndarray = field(repr=False)
    fallback_after: np.ndarray = field(repr=False)
    notes: tuple[str, ...] = ()
    used_hosts: tuple[str, ...] = ()  # listed or named hosts that run in-scope VMs
    unlisted_hosts: tuple[str, ...] = ()  # named by VMs, missing from the host list

    @property
    def nodes(self) -> float:
        return self.pools.total_nodes


def _single_bucket(mask: np.ndarray, weight: np.ndarray | None = None, groups: int = 1,
                   bucket: np.ndarray | None = None) -> Share:
    w = np.where(mask, 1.0 if weight is None else weight, 0.0)
    return Share(np.zeros(groups, dtype=int), np.where(mask, 0, -1) if bucket is None else bucket,
                 w)


# --- the per-VM columns, read once -----------------------------------------------------------

@dataclass(frozen=True)
class Labels:
    """A text column as codes into its distinct values (-1: blank), as `text()` reads it.

    Per-row tests on text run on the few distinct values, then map back by code.
    """

    codes: np.ndarray  # (rows,) int, -1 where blank
    names: np.ndarray  # distinct values (object), lower-cased when read so

    @staticmethod
    def read(frame: pd.DataFrame, column: str, *, lower: bool = False) -> Labels:
        if column not in frame.columns:
            return Labels(np.full(len(frame), -1, dtype=np.int32), np.zeros(0, dtype=object))
        codes, uniques = pd.factorize(frame[column].astype("string"))
        names = pd.Series(uniques, dtype="string")
        names = names.str.lower() if lower else names
        return Labels(codes.astype(np.int32), names.to_numpy(dtype=object))

    def isin(self, wanted: Iterable[str], default: str) -> np.ndarray:
        """Rows whose text (`default` where blank) is one of `wanted`."""
        want = set(wanted)
        table = np.array([str(x) in want for x in self.names] + [default in want], dtype=bool)
        return table[self.codes]  # code -1 takes the last entry: the default

    def lookup(self, table: np.ndarray) -> np.ndarray:
        """`table[i]` for rows with distinct value i; `table[-1]` for blank rows."""
        return table[self.codes]

    def spliced(self, rows: np.ndarray, texts: pd.Series, *, lower: bool = False) -> Labels:
        """These labels with the rows at positions `rows` set to `texts` (NA: blank)."""
        new = Labels.read(pd.DataFrame({"x": texts.reset_index(drop=True)}), "x", lower=lower)
        names = list(self.names)
        position = {str(x): i for i, x in enumerate(names)}
        mapped = []
        for x in new.names:
            if str(x) not in position:
                position[str(x)] = len(names)
                names.append(x)
            mapped.append(position[str(x)])
        remap = np.array([*mapped, -1], dtype=np.int32)
        codes = self.codes.copy()
        codes[rows] = remap[new.codes]
        return Labels(codes, np.array(names, dtype=object))


@dataclass(frozen=True)
class HostMatch:
    """Which host each VM runs on, matched once (names do not depend on the assumptions)."""

    geometry_rows: np.ndarray  # rows of host_geometry() kept (-1: a host named by VMs only)
    vm_host: np.ndarray  # (rows,) ordinal among the hosts used, -1 when not placed
    used_codes: np.ndarray  # matched hosts that run in-scope VMs
    used_hosts: tuple[str, ...]
    unlisted_hosts: tuple[str, ...]


@dataclass(frozen=True)
class VmColumns:
    """The per-VM columns `cost_quantities()` reads, converted once (`vm_columns()`).

    A Monte Carlo re-plan prices the same VMs many times with other pools or values; it reads
    the frame once and replaces only the fit columns a re-fit changes (`with_fit()`).
    """

    rows: pd.Index
    in_scope: np.ndarray
    fit_level: Labels  # lower case
    retire_candidate: np.ndarray
    moves: np.ndarray
    needs_os_upgrade: np.ndarray
    family: np.ndarray  # index into OS_FAMILIES ("unknown" for anything else)
    os_name: Labels  # lower case
    vcpus: np.ndarray  # >= 0
    memory: np.ndarray  # >= 0
    used: np.ndarray  # used storage, else provisioned, >= 0
    eos: np.ndarray
    pool: Labels
    cpu_request: np.ndarray  # x replicas
    memory_request: np.ndarray  # x replicas
    hosts: HostMatch
    notes: tuple[str, ...]  # the notes that depend on the VMs alone
    # tallies and per-value sums already taken (a fresh one for every copy, see with_fit)
    _cache: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def with_fit(self, rows: np.ndarray, fit: pd.DataFrame) -> VmColumns:
        """These columns with the fit columns of the rows at positions `rows` replaced by
        `fit` (`estimator.fit.FIT_COLUMNS` of those rows, in order)."""
        def spliced(old: np.ndarray, column: str) -> np.ndarray:
            out = old.copy()
            out[rows] = fit[column].astype("boolean").fillna(False).to_numpy(dtype=bool)
            return out

        return replace(
            self, fit_level=self.fit_level.spliced(rows, fit["fit_level"], lower=True),
            retire_candidate=spliced(self.retire_candidate, "retire_candidate"),
            moves=spliced(self.moves, "moves"),
            needs_os_upgrade=spliced(self.needs_os_upgrade, "needs_os_upgrade"))


def vm_columns(vms: pd.DataFrame, hosts: pd.DataFrame | None, values: Values) -> VmColumns:
    """The columns of `vms` that `cost_quantities()` reads (see there), as arrays, and the
    host each VM runs on. `values` give the current.* host geometry for the match; the
    result does not depend on them."""
    notes: list[str] = []
    in_scope = flag(vms, "in_scope", True)
    family_text = Labels.read(vms, "os_family", lower=True)
    unknown = OS_FAMILIES.index("unknown")
    family = family_text.lookup(np.array(
        [OS_FAMILIES.index(str(f)) if str(f) in OS_FAMILIES else unknown
         for f in family_text.names] + [unknown], dtype=np.int8))
    os_name = Labels.read(vms, "os_name", lower=True)
    windows = family == OS_FAMILIES.index("windows")
    # Windows desktops (os_name "Windows") are not licensed per host core like Windows Server.
    desktop = windows & os_name.isin(["windows"], "")
    if (desktop & in_scope).any():
        n_desk = int((desktop & in_scope).sum())
        notes.append(f"{plural(n_desk, 'in-scope Windows desktop VM')} "
                     f"{noun(n_desk, 'is', 'are')} not counted for Windows Server host "
                     "licences.")
    vcpus = np.maximum(number(vms, "vcpus", 0.0), 0.0)
    memory = np.maximum(number(vms, "memory_gib", 0.0), 0.0)
    used = number(vms, "storage_used_gib", number(vms, "storage_provisioned_gib", 0.0))
    used = np.maximum(used, 0.0)
    if "storage_used_gib" in vms.columns and (in_scope & vms["storage_used_gib"].isna()
                                              .to_numpy(dtype=bool)).any():
        notes.append("Used storage was missing for some VMs; provisioned storage (or 0) was "
                     "used for their backup size.")
    replicas = np.maximum(number(vms, "replicas", 1.0), 0.0)
    return VmColumns(
        rows=vms.index, in_scope=in_scope, fit_level=Labels.read(vms, "fit_level", lower=True),
        retire_candidate=flag(vms, "retire_candidate", False), moves=flag(vms, "moves", False),
        needs_os_upgrade=flag(vms, "needs_os_upgrade", False), family=family, os_name=os_name,
        vcpus=vcpus, memory=memory, used=used, eos=flag(vms, "os_end_of_support", False),
        pool=Labels.read(vms, "pool"),
        cpu_request=number(vms, "cpu_request_cores", vcpus) * replicas,
        memory_request=number(vms, "memory_request_gib", memory) * replicas,
        hosts=_match(vms, hosts, values, in_scope, notes), notes=tuple(notes))


def _match(vms: pd.DataFrame, hosts: pd.DataFrame | None, values: Values,
           in_scope: np.ndarray, notes: list[str]) -> HostMatch:
    """Host of each in-scope VM (`match_hosts`), keeping which host_geometry() row each
    matched host came from, so that the geometry can follow other values later."""
    def_sockets = scalar(values, "current.host_sockets")
    def_cores = scalar(values, "current.host_cores")
    def_cps = def_cores / def_sockets if def_sockets > 0 else def_cores
    # (host_geometry gives an empty table for no hosts, as for an empty frame)
    geometry = host_geometry(hosts if hosts is not None else pd.DataFrame(), values)
    geometry = geometry.assign(geometry_row=np.arange(len(geometry), dtype=float))
    geo, code = match_hosts(geometry, vms, in_scope, def_sockets, def_cps, notes)
    used_codes = np.unique(code[code >= 0])
    listed = set(host_key(hosts["host"])) if hosts is not None and "host" in hosts else set()
    used_hosts = tuple(str(h) for h in geo["host"].to_numpy()[used_codes])
    unlisted_hosts = tuple(h for h, key in zip(used_hosts, geo["key"].to_numpy()[used_codes],
                                                 strict=True) if key not in listed)
    ordinal = np.full(len(geo) + 1, -1)  # one spare slot so -1 codes index safely
    ordinal[used_codes] = np.arange(len(used_codes))
    rows = geo["geometry_row"].to_numpy(dtype=float)
    return HostMatch(
        geometry_rows=np.where(np.isfinite(rows), rows, -1).astype(np.int64),
        vm_host=ordinal[code], used_codes=used_codes, used_hosts=used_hosts,
        unlisted_hosts=unlisted_hosts)


def _host_geometry(match: HostMatch, hosts: pd.DataFrame | None, values: Values,
                   def_sockets: float, def_cps: float) -> tuple[np.ndarray, np.ndarray]:
    """Sockets and cores per socket of the hosts used, at these values (the current.*
    geometry for hosts without their own, as `match_hosts` gives them)."""
    rows = match.geometry_rows[match.used_codes]
    sockets, cps = np.full(len(rows), def_sockets), np.full(len(rows), def_cps)
    listed = rows >= 0
    if hosts is not None and listed.any():
        geometry = host_geometry(hosts, values)
        sockets[listed] = geometry["sockets"].to_numpy(dtype=float)[rows[listed]]
        cps[listed] = geometry["cores_per_socket"].to_numpy(dtype=float)[rows[listed]]
    return sockets, cps


@dataclass(frozen=True)
class _Tallies:
    """What `quantities_of` takes from the VMs that depends on neither values nor pools:
    the masks and their counts and sums, taken once per set of VM columns."""

    in_scope: np.ndarray
    retired: np.ndarray
    moving: np.ndarray
    staying: np.ndarray
    windows: np.ndarray
    linux: np.ndarray
    is_win: np.ndarray
    paid_before: np.ndarray
    paid_after: np.ndarray
    win_k: np.ndarray  # Windows Server VMs per host used
    unplaced: np.ndarray
    unplaced_vcpus: Any  # numpy sums, kept as numpy scalars
    unplaced_memory: Any
    paid_hosts: np.ndarray  # hosts used that run a paid Linux VM
    vcpu_in: Any
    mem_in: Any
    vcpu_staying: Any
    mem_staying: Any
    moving_by_fit: dict[str, int]
    eos_windows_cores: tuple[float, float]
    eos_linux_vms: tuple[float, float]
    eos_vms: tuple[float, float]
    notes: tuple[str, ...]  # retired VMs


def _tallies(cols: VmColumns, paid_names: frozenset[str]) -> _Tallies:
    key = ("tallies", paid_names)
    if key in cols._cache:
        return cols._cache[key]
    in_scope = cols.in_scope
    with_platform = cols.fit_level.isin(RETIRING_LEVELS, "") & in_scope
    retired = (cols.retire_candidate & in_scope) | with_platform
    moving = cols.moves & in_scope & ~retired
    staying = in_scope & ~moving & ~retired
    family = cols.family
    windows = family == OS_FAMILIES.index("windows")
    linux = family == OS_FAMILIES.index("linux")
    desktop = windows & cols.os_name.isin(["windows"], "")
    is_win = windows & ~desktop
    is_paid = linux & cols.os_name.isin(paid_names, "")
    vcpus, memory = cols.vcpus, cols.memory
    vm_host = cols.hosts.vm_host  # ordinal among the hosts used, -1 when not placed
    k = len(cols.hosts.used_codes)
    unplaced = in_scope & (vm_host < 0)
    paid_before = is_paid & in_scope

    notes = []
    platform_retired = int((retired & cols.fit_level.isin(["retire_with_platform"], "")).sum())
    if retired.sum() > platform_retired:
        n_idle = int(retired.sum()) - platform_retired
        notes.append(f"{plural(n_idle, 'idle or zombie VM')} {noun(n_idle, 'is', 'are')} "
                     "retired: they cost before and nothing after.")
    if platform_retired:
        notes.append(f"{plural(platform_retired, 'virtualisation-management VM')} "
                     f"{noun(platform_retired, 'retires', 'retire')} with the platform: "
                     "they cost before and nothing after.")
    eos = cols.eos
    esu_cores = np.maximum(8.0, vcpus)

    def eos_pair(mask: np.ndarray) -> tuple[float, float]:
        return float(mask[in_scope].sum()), float(mask[staying].sum())

    t = _Tallies(
        in_scope=in_scope, retired=retired, moving=moving, staying=staying, windows=windows,
        linux=linux, is_win=is_win, paid_before=paid_before, paid_after=is_paid & staying,
        win_k=np.bincount(vm_host[(vm_host >= 0) & is_win], minlength=k).astype(float),
        unplaced=unplaced, unplaced_vcpus=vcpus[unplaced].sum(),
        unplaced_memory=memory[unplaced].sum(),
        # the hosts with a paid VM, in order (a count per host: no sort of every VM)
        paid_hosts=np.flatnonzero(np.bincount(vm_host[paid_before & (vm_host >= 0)],
                                              minlength=k)),
        vcpu_in=vcpus[in_scope].sum(), mem_in=memory[in_scope].sum(),
        vcpu_staying=vcpus[staying].sum(), mem_staying=memory[staying].sum(),
        moving_by_fit=_count_by_text(cols.fit_level, moving, "insufficient_data"),
        eos_windows_cores=(float(esu_cores[eos & in_scope & windows].sum()),
                           float(esu_cores[eos & staying & windows].sum())),
        eos_linux_vms=eos_pair(eos & linux), eos_vms=eos_pair(eos), notes=tuple(notes))
    cols._cache[key] = t
    return t


def _persistent_gib(cols: VmColumns, moving: np.ndarray, disk_gib: tuple[float, ...]
                    ) -> np.ndarray:
    """Persistent data of each moving VM: used storage less its OS disk (by OS family)."""
    disk = np.array(disk_gib)[cols.family]
    return np.where(moving, np.maximum(cols.used - disk, 0.0), 0.0)


# --- the main entry ---------------------------------------------------------------------------

def cost_quantities(vms: pd.DataFrame, hosts: pd.DataFrame | None, pools: pd.DataFrame | None,
                    settings: Assumptions, values: Values,
                    residual_hosts: float | None = None, *,
                    per_vm: bool = True) -> CostQuantities:
    """Quantities of the estate before and after, independent of prices.

    Args:
        vms: one row per VM (VM_SCHEMA plus the pipeline columns `in_scope`, `moves`,
            `retire_candidate`, `fit_level`, `needs_os_upgrade`, `pool`, `cpu_request_cores`,
            `memory_request_gib`, `replicas`). Missing pipeline columns default to: in scope,
            not moving, not retired. Retired = `retire_candidate` or a retiring fit level
            (retire_idle, retire_with_platform): they cost before and nothing after.
        hosts: HOST_SCHEMA frame; may be empty, then hosts are inferred from `current.*`.
        pools: one row per node pool (packing's `PoolPlan.pools`): `pool`, `node_type`, `nodes`
            (spares included), `node_cores`, `os_family` (`windows`; anything else runs on Linux
            nodes); optionally `node_annual_cost` or `annual_cost` (pool total) and
            `node_power_kw`, used only when the node type has no `platform.node_types.*` value.
        settings: the Assumptions (modes read as attributes, e.g. `licences.linux_model`).
        values: dotted key -> number; the keys in `QUANTITY_KEYS` must be single numbers.
        residual_hosts: hosts the staying VMs need after (right-sized consolidation); None
            keeps today's hosts in proportion to the staying share.
        per_vm: False leaves out what only `attribute()` reads (the shares and the per-VM
            masks, empty then): enough for `price()` and `cash_flow()`, and small.
    """
    return quantities_of(vm_columns(vms, hosts, values), hosts, pools, settings, values,
                         residual_hosts, per_vm=per_vm)


def quantities_of(cols: VmColumns, hosts: pd.DataFrame | None, pools: pd.DataFrame | None,
                  settings: Assumptions, values: Values, residual_hosts: float | None = None,
                  *, per_vm: bool = True) -> CostQuantities:
    """`cost_quantities()` from VM columns read before (`vm_columns()` of the same VMs and
    hosts): a re-plan that moves pools, fit or values does not read the frame again."""
    notes: list[str] = list(cols.notes)
    n = len(cols.rows)
    paid_names = frozenset(s.lower() for s in setting(
        settings, "licences.linux_paid_os_names", default=["RHEL", "SLES", "Oracle Linux"]))
    # masks, counts and sums over the VMs: the same for every re-plan that keeps the fit
    t = _tallies(cols, paid_names)
    in_scope, moving, staying, retired = t.in_scope, t.moving, t.staying, t.retired
    is_win = t.is_win
    vcpus, used = cols.vcpus, cols.used

    min_proc = scalar(values, "licences.windows_min_cores_per_processor")
    min_host = scalar(values, "licences.windows_min_cores_per_host")
    min_hyp = scalar(values, "current.hypervisor_min_cores_per_cpu")
    linux_model = str(setting(settings, "licences.linux_model",
                              ("per_vm_pair", "per_socket_pair", "virtual_datacenter")))

    # ---- hosts before: known hosts that run in-scope VMs, then inferred ones for the rest ----
    def_sockets = scalar(values, "current.host_sockets")
    def_cores = scalar(values, "current.host_cores")
    def_cps = def_cores / def_sockets if def_sockets > 0 else def_cores
    match = cols.hosts
    used_hosts, unlisted_hosts = match.used_hosts, match.unlisted_hosts
    k = len(match.used_codes)
    # host geometry reads only current.host_sockets and host_cores of the values
    hit = cols._cache.get(("geometry", def_sockets, def_cores))
    if hit is None or hit[0] is not hosts:
        hit = (hosts, *_host_geometry(match, hosts, values, def_sockets, def_cps))
        cols._cache[("geometry", def_sockets, def_cores)] = hit
    sockets_k, cps_k = hit[1], hit[2]
    known = HostGroups(np.ones(k), windows_unit_cores(sockets_k, cps_k, min_proc, min_host),
                       t.win_k, sockets_k * np.maximum(min_hyp, cps_k),
                       np.ceil(sockets_k / 2 - 1e-9))

    unplaced = t.unplaced
    inferred = 0
    if unplaced.any():
        per_core = scalar(values, "current.vcpu_per_core")
        host_mem = scalar(values, "current.host_memory_gib")
        if def_cores <= 0 or per_core <= 0 or host_mem <= 0 or def_sockets <= 0:
            raise ConfigError("must be > 0 to infer hosts",
                              key="current.host_cores / host_sockets / host_memory_gib / "
                                  "vcpu_per_core")
        inferred = max(1, math.ceil(t.unplaced_vcpus / (def_cores * per_core) - 1e-9),
                       math.ceil(t.unplaced_memory / host_mem - 1e-9))
        if k == 0:
            notes.append(f"No host data: {plural(inferred, 'host')} "
                         f"{noun(inferred, 'was', 'were')} inferred from current.host_cores "
                         "x current.vcpu_per_core and current.host_memory_gib.")
        else:
            n_unplaced = int(unplaced.sum())
            notes.append(f"{plural(n_unplaced, 'in-scope VM')} had no host name; "
                         f"{count(inferred)} more {noun(inferred, 'host was', 'hosts were')} "
                         f"inferred for {noun(n_unplaced, 'it', 'them')}.")
    inferred_groups = spread_groups(
        inferred, int((unplaced & is_win).sum()),
        float(windows_unit_cores(np.array([def_sockets]), np.array([def_cps]), min_proc,
                            min_host)[0]),
        def_sockets * max(min_hyp, def_cps), math.ceil(def_sockets / 2 - 1e-9))
    before = concat_groups(known, inferred_groups)
    physical_cores = float((sockets_k * cps_k).sum() + inferred * def_cores)

    # ---- Linux paid subscriptions ----
    def linux_units(mask: np.ndarray, socket_hosts: float) -> float:
        if linux_model == "per_vm_pair":
            return float(math.ceil(mask.sum() / 2))
        return socket_hosts

    paid_before, paid_after = t.paid_before, t.paid_after
    socket_units_before = float(np.ceil(sockets_k[t.paid_hosts] / 2 - 1e-9).sum()) + min(
        inferred, int((paid_before & unplaced).sum())) * math.ceil(def_sockets / 2 - 1e-9)
    linux_before = linux_units(paid_before, socket_units_before)

    # ---- residual estate after: the VMs that stay keep needing hosts ----
    vcpu_in, mem_in = t.vcpu_in, t.mem_in
    share_cpu = t.vcpu_staying / vcpu_in if vcpu_in > 0 else 0.0
    share_mem = t.mem_staying / mem_in if mem_in > 0 else 0.0
    residual_share = float(max(share_cpu, share_mem)) if staying.any() else 0.0
    nothing_leaves = (bool(in_scope.any()) and not (moving | retired).any()
                      and residual_hosts is None)
    if nothing_leaves:
        after = before
        linux_after = linux_before
    elif staying.any():
        total = before.hosts
        res_hosts = (max(1, math.ceil(total * residual_share - 1e-9)) if residual_hosts is None
                     else max(1, math.ceil(residual_hosts - 1e-9)))
        w = before.count / total

        def mean(a: np.ndarray) -> float:
            return float((a * w).sum())

        after = spread_groups(res_hosts, int((is_win & staying).sum()),
                               mean(before.windows_unit_cores), mean(before.hypervisor_cores),
                               mean(before.socket_pairs))
        linux_after = linux_units(paid_after, min(res_hosts, int(paid_after.sum()))
                                  * mean(before.socket_pairs))
    else:
        after = HostGroups.empty()
        linux_after = 0.0

    # ---- container pools ----
    pq = _pool_quantities(pools, values, min_proc, min_host, notes)
    unpooled = _cached(cols, ("unpooled", tuple(str(x) for x in pq.pool)), lambda: int(
        (_pool_codes(cols, pq.pool, moving)[moving] < 0).sum()))
    if moving.any() and unpooled and len(pq.pool):
        notes.append(f"{plural(unpooled, 'moving VM')} {noun(unpooled, 'is', 'are')} in no "
                     "known pool; node costs are shared over the other moving VMs.")

    # ---- backup ----
    disk_gib = tuple(scalar(values, f"backup.os_disk_gib.{f}") for f in OS_FAMILIES)
    persistent = _persistent_gib(cols, moving, disk_gib) if per_vm else None
    backup_gib_moved = float(persistent.sum()) if persistent is not None else _cached(
        cols, ("persistent", disk_gib),
        lambda: float(_persistent_gib(cols, moving, disk_gib).sum()))
    n_moving = int(moving.sum())
    per_ns = optional_scalar(values, "backup.workloads_per_namespace", 10.0)
    namespaces = float(math.ceil(n_moving / per_ns)) if n_moving and per_ns > 0 else 0.0
    backup_basis = setting(settings, "backup.after_licence_basis", ("per_node", "per_namespace"))

    # ---- migration ----
    moving_by_fit = dict(t.moving_by_fit)
    os_upgrades = _cached(cols, ("os_upgrades",),
                          lambda: int((cols.needs_os_upgrade & moving).sum()))
    notes += t.notes

    # ---- the platform after ----
    platform = settings.platform
    containers = bool(platform.containers)
    hardware_model = str(platform.hardware_model)
    has_nodes = pq.total_nodes > 0
    clusters = scalar(values, "platform.clusters") if has_nodes else 0.0
    cp_nodes = clusters * (scalar(values, "platform.control_plane_nodes")
                           + scalar(values, "platform.infra_nodes"))
    cp_type = str(platform.control_plane_node_type)
    node_hosts, node_host_hyp = 0.0, 0.0
    if hardware_model == "vsphere" and has_nodes:
        # Node VMs (workers and control plane) on hosts like today's average one, one core
        # per node core (no CPU over-commit for nodes), plus one spare host.
        host_cores = physical_cores / before.hosts if before.hosts else def_cores
        mem_known = (pd.to_numeric(hosts["memory_gib"], errors="coerce").dropna()
                     if hosts is not None and "memory_gib" in hosts.columns else pd.Series([]))
        host_mem = float(mem_known.mean()) if len(mem_known) else scalar(
            values, "current.host_memory_gib")
        cp_cores = optional_scalar(values, f"platform.node_types.{cp_type}.cores", 0.0)
        cp_mem = optional_scalar(values, f"platform.node_types.{cp_type}.memory_gib", 0.0)
        need_cores = float((pq.nodes * pq.node_cores).sum()) + cp_nodes * cp_cores
        need_mem = float((pq.nodes * pq.memory_gib).sum()) + cp_nodes * cp_mem
        node_hosts = float(math.ceil(max(need_cores / host_cores, need_mem / host_mem) - 1e-9)
                           + 1)
        w = before.count / before.hosts if before.hosts else np.zeros(0)
        node_host_hyp = float((before.hypervisor_cores * w).sum()) if before.hosts else \
            def_sockets * max(min_hyp, def_cps)
    counts = _cached(cols, ("counts", paid_names), lambda: _counts(cols, t))
    rightsized = counts["vms_staying"] if not containers else 0

    shares: dict[str, Share] = {}
    fallback_before = fallback_after = np.zeros(0)
    if per_vm:
        assert persistent is not None
        vm_host = match.vm_host  # ordinal among the hosts used, -1 when not placed
        host_bucket_before = np.concatenate([np.arange(k),
                                             np.full(len(inferred_groups.count), k)])
        vm_bucket_before = np.where(in_scope, np.where(vm_host >= 0, vm_host, k), -1)
        if nothing_leaves:
            host_bucket_after, vm_bucket_after = host_bucket_before, vm_bucket_before
        elif staying.any():
            host_bucket_after = np.zeros(len(after.count), dtype=int)
            vm_bucket_after = np.where(staying, 0, -1)
        else:
            host_bucket_after = np.zeros(0, dtype=int)
            vm_bucket_after = np.full(n, -1)
        eos = cols.eos
        pool_code = _pool_codes(cols, pq.pool, moving)
        pool_share = Share(np.arange(len(pq.pool)), pool_code,
                           _request_weight(pool_code, cols.cpu_request, cols.memory_request,
                                           len(pq.pool)))
        moving_weight = _request_weight(np.where(moving, 0, -1), cols.cpu_request,
                                        cols.memory_request, 1)
        fallback_before = np.where(in_scope, vcpus, 0.0)
        fallback_after = (moving_weight if moving.any() else np.where(staying, vcpus, 0.0)
                          if staying.any() else fallback_before)

        # One Share per distinct (mask, weight), and one bucket array per mask: components
        # that split alike share the arrays (a million VMs: 16 MB per copy saved).
        buckets: dict[int, np.ndarray] = {}
        singles: dict[tuple[int, int], Share] = {}
        eos_weight = eos.astype(float)

        def single(mask: np.ndarray, weight: np.ndarray | None = None) -> Share:
            key = (id(mask), id(weight))
            if key not in singles:
                if id(mask) not in buckets:
                    buckets[id(mask)] = np.where(mask, 0, -1).astype(np.int8)
                singles[key] = _single_bucket(mask, weight, bucket=buckets[id(mask)])
            return singles[key]

        def equal(mask: np.ndarray) -> Share:
            return single(mask)

        host_before_vcpu = Share(host_bucket_before, vm_bucket_before,
                                 np.where(in_scope, vcpus, 0.0))
        host_after_vcpu = Share(host_bucket_after, vm_bucket_after,
                                np.where(staying, vcpus, 0.0))
        shares = {
            "windows_hosts_before": Share(host_bucket_before, vm_bucket_before,
                                          (is_win & in_scope).astype(float)),
            "linux_before": equal(paid_before),
            "windows_hosts_residual": Share(host_bucket_after, vm_bucket_after,
                                            (is_win & staying).astype(float)),
            "linux_residual": equal(paid_after),
            "windows_nodes": pool_share,
            "linux_nodes": pool_share,
            "hypervisor_before": host_before_vcpu,
            "hypervisor_residual": host_after_vcpu,
            "hypervisor_node_hosts": pool_share,
            "patch_before": equal(in_scope),
            "patch_residual": equal(staying),
            "patch_nodes": pool_share,
            "image_rebuild": equal(moving),
            "ops_before": equal(in_scope),
            "ops_residual": equal(staying),
            "ops_nodes": pool_share,
            "platform_care": equal(moving),
            "backup_licence_before": equal(in_scope),
            "backup_storage_before": single(in_scope, used),
            "backup_licence_residual": equal(staying),
            "backup_storage_residual": single(staying, used),
            "backup_licence_moved": pool_share if backup_basis == "per_node" else equal(moving),
            "backup_storage_moved": single(moving, persistent),
            "eos_before": single(in_scope, eos_weight),
            "eos_residual": single(staying, eos_weight),
            "storage_before": single(in_scope, used),
            "storage_residual": single(staying, used),
            "storage_moved": single(moving, persistent),
            "storage_nodes": pool_share,
            "storage_control_plane": single(moving, moving_weight),
            "network_before": host_before_vcpu,
            "network_residual": host_after_vcpu,
            "network_clusters": single(moving, moving_weight),
            "hardware_before": host_before_vcpu,
            "hardware_residual": host_after_vcpu,
            "hardware_nodes": pool_share,
            "power_nodes": pool_share,
            "hardware_control_plane": single(moving, moving_weight),
            "power_control_plane": single(moving, moving_weight),
            "hardware_node_hosts": pool_share,
            "platform_subscription": pool_share,
            "platform_security": pool_share,
            "platform_control_plane": single(moving, moving_weight),
            "cloud_nodes": pool_share,
            "cloud_control_plane": single(moving, moving_weight),
            "windows_support": pool_share,
            "platform_team": single(moving, moving_weight),
            "registry_ci": single(moving, moving_weight),
        }

    os_after = dict(counts["os_after"])
    os_after["windows"] += int(pq.nodes[pq.is_windows].sum())
    os_after["linux"] += int(pq.nodes[~pq.is_windows].sum())

    return CostQuantities(
        rows=cols.rows, **_per_vm_masks(per_vm, in_scope, moving, staying, retired),
        vms_in_scope=counts["vms_in_scope"], vms_moving=n_moving,
        vms_staying=counts["vms_staying"], vms_retired=counts["vms_retired"],
        os_instances_before=dict(counts["os_before"]),
        os_instances_after=os_after, hosts_before=before.hosts, hosts_after=after.hosts,
        hosts_inferred=inferred > 0, inferred_hosts=inferred, used_hosts=used_hosts,
        unlisted_hosts=unlisted_hosts,
        physical_cores_before=physical_cores, host_groups_before=before, host_groups_after=after,
        residual_share=residual_share,
        linux_paid_vms_before=counts["paid_before"], linux_paid_vms_after=counts["paid_after"],
        linux_units_before=float(linux_before), linux_units_after=float(linux_after),
        linux_model=linux_model, windows_vms_before=counts["windows_before"],
        windows_vms_after=counts["windows_after"], backup_gib_before=counts["backup_before"],
        backup_gib_residual=counts["backup_residual"], backup_gib_moved=backup_gib_moved,
        namespaces=namespaces, pools=pq, moving_by_fit=moving_by_fit, os_upgrades=os_upgrades,
        rightsized_vms=rightsized, containers=containers, hardware_model=hardware_model,
        clusters=clusters, cp_nodes=cp_nodes, cp_node_type=cp_type, node_hosts=node_hosts,
        node_host_hypervisor_cores=node_host_hyp, eos_windows_cores=t.eos_windows_cores,
        eos_linux_vms=t.eos_linux_vms, eos_vms=t.eos_vms,
        shares=shares, fallback_before=fallback_before,
        fallback_after=fallback_after, notes=tuple(notes),
    )


def _cached(cols: VmColumns, key: tuple[Any, ...], make: Any) -> Any:
    """`make()` once per set of VM columns and key (re-plans ask for the same sums)."""
    if key not in cols._cache:
        cols._cache[key] = make()
    return cols._cache[key]


def _pool_codes(cols: VmColumns, pools: np.ndarray, moving: np.ndarray) -> np.ndarray:
    """Index into `pools` of each moving VM's pool (-1: none, or not moving); each distinct
    pool name is looked up once."""
    if not len(pools):
        return np.full(len(cols.rows), -1)
    codes = cols.pool.lookup(pd.Index(pools.astype(str)).get_indexer(
        [*(str(x) for x in cols.pool.names), ""]))
    return np.where(moving, codes, -1)


def _counts(cols: VmColumns, t: _Tallies) -> dict[str, Any]:
    """The VM counts and storage sums of the quantities, from the masks."""
    family, used = cols.family, cols.used
    return {
        "vms_in_scope": int(t.in_scope.sum()), "vms_staying": int(t.staying.sum()),
        "vms_retired": int(t.retired.sum()),
        "os_before": {f: int(((family == i) & t.in_scope).sum())
                      for i, f in enumerate(OS_FAMILIES)},
        "os_after": {f: int(((family == i) & t.staying).sum())
                     for i, f in enumerate(OS_FAMILIES)},
        "paid_before": int(t.paid_before.sum()), "paid_after": int(t.paid_after.sum()),
        "windows_before": int((t.is_win & t.in_scope).sum()),
        "windows_after": int((t.is_win & t.staying).sum()),
        "backup_before": float(used[t.in_scope].sum()),
        "backup_residual": float(used[t.staying].sum()),
    }


def _count_by_text(labels: Labels, mask: np.ndarray, default: str) -> dict[str, int]:
    """Masked rows per text value (blank: `default`), in sorted order, zero counts left out
    (as `np.unique(text, return_counts=True)` gives them), counted by code."""
    counts = np.bincount(labels.codes[mask] + 1, minlength=len(labels.names) + 1)
    out: dict[str, int] = {}
    for name, c in zip([default, *(str(x) for x in labels.names)], counts.tolist(),
                       strict=True):
        if c:
            out[name] = out.get(name, 0) + int(c)
    return dict(sorted(out.items()))


def _per_vm_masks(keep: bool, in_scope: np.ndarray, moving: np.ndarray, staying: np.ndarray,
                  retired: np.ndarray) -> dict[str, np.ndarray]:
    empty = np.zeros(0, dtype=bool)
    return {"in_scope": in_scope if keep else empty, "moving": moving if keep else empty,
            "staying": staying if keep else empty, "retired": retired if keep else empty}


def _request_weight(bucket: np.ndarray, cpu: np.ndarray, mem: np.ndarray,
                    buckets: int) -> np.ndarray:
    """Per-row weight within its bucket: the mean of its CPU and memory request shares."""
    inb = bucket >= 0
    b = np.maximum(bucket, 0)
    cpu_tot = np.bincount(b[inb], weights=cpu[inb], minlength=max(buckets, 1))
    mem_tot = np.bincount(b[inb], weights=mem[inb], minlength=max(buckets, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(cpu_tot[b] > 0, cpu / cpu_tot[b], 0.0)
        m = np.where(mem_tot[b] > 0, mem / mem_tot[b], 0.0)
    return np.where(inb, 0.5 * (c + m), 0.0)


def _pool_quantities(pools: pd.DataFrame | None, values: Values, min_proc: float,
                     min_host: float, notes: list[str]) -> PoolQuantities:
    if pools is None or len(pools) == 0:
        e = np.zeros(0)
        return PoolQuantities(np.zeros(0, dtype=object), np.zeros(0, dtype=object), e, e,
                              np.zeros(0, dtype=bool), e, e, e, e, e)
    for col in ("node_type", "nodes", "node_cores"):
        if col not in pools.columns:
            raise ConfigError(f"the pools table has no {col!r} column", key="pools")
    node_type = text(pools, "node_type")
    pool = (text(pools, "pool") if "pool" in pools.columns
            else np.array([f"pool-{i}" for i in range(len(pools))])).astype(object)
    nodes = np.maximum(number(pools, "nodes", 0.0), 0.0)
    cores = np.maximum(number(pools, "node_cores", 0.0), 0.0)
    is_windows = text(pools, "os_family", "linux", lower=True) == "windows"
    col_power = number(pools, "node_power_kw", np.nan)
    power = np.array([optional_scalar(values, f"platform.node_types.{t}.power_kw",
                                      col_power[i] if np.isfinite(col_power[i]) else 0.0)
                      for i, t in enumerate(node_type)], dtype=float)
    # Per-node price when the node type has no assumption: `node_annual_cost`, else the
    # pool's `annual_cost` (packing's total per pool) over its nodes.
    with np.errstate(divide="ignore", invalid="ignore"):
        per_node = np.where(nodes > 0, number(pools, "annual_cost", np.nan) / nodes, np.nan)
    fallback = number(pools, "node_annual_cost", per_node)
    sockets = np.array([optional_scalar(values, f"platform.node_types.{t}.sockets", 2.0)
                        for t in node_type], dtype=float)
    # A bare-metal socket pair covers up to 2 sockets and 128 cores of one server (stackable).
    socket_pairs = np.maximum(np.ceil(sockets / 2 - 1e-9), np.ceil(cores / 128 - 1e-9))
    memory = number(pools, "node_memory_gib", np.nan)
    memory = np.array([optional_scalar(values, f"platform.node_types.{t}.memory_gib",
                                       memory[i] if np.isfinite(memory[i]) else 0.0)
                       for i, t in enumerate(node_type)], dtype=float)
    return PoolQuantities(pool, node_type, nodes, cores, is_windows,
                          windows_unit_cores(np.ones(len(cores)), cores, min_proc, min_host),
                          power, fallback, socket_pairs, memory)
