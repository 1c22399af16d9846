"""Container requests per VM: what each workload asks the scheduler for once containerised.

Each dimension is sized from the best evidence the inventory holds, in this order (the rule
that sized a VM is in `cpu_basis` / `memory_basis`):

    CPU     vm_usage     vcpus × cpu_util × comfort            (the VM's own usage)
            host_usage   host_cpu_used_cores × comfort          (its host's busy cores, shared
                                                                 by vCPU)
            vcpu_ratio   vcpus / vCPU-per-core today            (measured from the hosts, else
                                                                 current.vcpu_per_core)
    memory  vm_usage     memory_gib × memory_util × comfort     (time series or an import's
                                                                 utilisation)
            active_consumed / active_allocated
                         (active + position × (high − active)) × comfort, high = Consumed, else
                         allocated − guest-OS memory            (an RVTools snapshot)
            host_usage   host_memory_used_gib × comfort         (its host's used memory, shared
                                                                 by allocation)
            allocated    memory_gib
    then    request = min(allocated, max(minimum, raw − guest-OS overhead))

A vCPU is never taken as a physical core: node capacity is in physical cores, and without
usage a vCPU counts as 1 / (today's vCPUs per core). The `allocated` basis ("as on
premises") sizes memory from allocation and CPU from today's ratio. `cpu_util` and
`memory_util` already hold the peak-like figure (the configured percentile with time series,
see `estimator.inventory.timeseries`); host evidence comes from `estimator.evidence`.

Pure: no I/O, no global configuration. Numeric assumptions come from
`Assumptions.flat_values()` (dotted key -> float), modes from the section object.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from estimator.errors import ConfigError
from estimator.formatting import noun
from estimator.inventory.schema import OS_FAMILIES

if TYPE_CHECKING:
    from estimator.assumptions.sections import Sizing

SIZING_COLUMNS: tuple[str, ...] = (
    "cpu_request_cores", "memory_request_gib", "replicas", "cpu_basis", "memory_basis",
)
BASES: tuple[str, ...] = ("utilisation", "allocated")
CPU_BASES: tuple[str, ...] = ("vm_usage", "host_usage", "vcpu_ratio")
MEMORY_BASES: tuple[str, ...] = ("vm_usage", "active_consumed", "active_allocated",
                                 "host_usage", "allocated")
NONE = np.array(None, dtype=object)  # a missing basis label (typed for np.where)


@dataclass(frozen=True)
class SizingResult:
    """Per-VM container requests and how many rows lacked usage of their own.

    `frame` is on the input index with `SIZING_COLUMNS`: `cpu_request_cores` [cores] and
    `memory_request_gib` [GiB] per replica, `replicas` (Int64), and the rule that sized each
    dimension (`cpu_basis`, `memory_basis`). On the utilisation basis, `fallbacks` counts
    in-scope rows (all rows without an `in_scope` column) where CPU or memory was not sized
    from the VM's own usage.
    """

    frame: pd.DataFrame
    fallbacks: int


def _mode(value: Any) -> str:
    """A mode setting as a plain string, whether given as str or as a str-valued Enum."""
    return str(getattr(value, "value", value))


def _value(values: Mapping[str, float], key: str) -> float:
    try:
        return float(values[key])
    except KeyError:
        raise ConfigError("assumption missing", key=key) from None


def _family_codes(vms: pd.DataFrame) -> np.ndarray:
    """Index into OS_FAMILIES per row; anything missing or unexpected counts as "unknown"."""
    unknown = OS_FAMILIES.index("unknown")
    if "os_family" not in vms.columns:
        return np.full(len(vms), unknown)
    # Normalise the few distinct values, not a million rows.
    codes, uniques = pd.factorize(vms["os_family"].astype("string"))
    names = pd.Series(uniques, dtype="string").str.strip().str.lower()
    lookup = np.array([OS_FAMILIES.index(f) if f in OS_FAMILIES else unknown
                       for f in names.fillna("unknown").tolist()] + [unknown])
    return lookup[np.where(codes >= 0, codes, len(lookup) - 1)]


def _per_family(values: Mapping[str, float], prefix: str, family: np.ndarray) -> np.ndarray:
    """The `<prefix>.<family>` value for each row, e.g. sizing.os_overhead_memory_gib.linux."""
    return np.array([_value(values, f"{prefix}.{f}") for f in OS_FAMILIES])[family]


def _float(vms: pd.DataFrame, column: str) -> np.ndarray:
    if column not in vms.columns:
        return np.full(len(vms), np.nan)
    return pd.to_numeric(vms[column], errors="coerce").astype("float64").to_numpy(na_value=np.nan)


def os_overhead(vms: pd.DataFrame, values: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Guest-OS CPU [cores] and memory [GiB] per row, by OS family."""
    family = _family_codes(vms)
    return (_per_family(values, "sizing.os_overhead_cpu_cores", family),
            _per_family(values, "sizing.os_overhead_memory_gib", family))


def _replicas(vms: pd.DataFrame, values: Mapping[str, float]) -> pd.Series:
    default = _value(values, "sizing.replicas")
    if default < 1 or default != int(default):
        raise ConfigError(f"must be a whole number >= 1, got {default:g}", key="sizing.replicas")
    replicas = pd.Series(int(default), index=vms.index, dtype="Int64")
    if "override_replicas" in vms.columns:
        override = pd.to_numeric(vms["override_replicas"], errors="coerce").astype("Float64")
        given = override.notna()
        bad = (given & ((override < 1) | (override != override.round()))).fillna(False)
        if bad.any():
            first = bad[bad].index[0]
            name = vms["name"].get(first, first) if "name" in vms.columns else first
            raise ConfigError(
                f"replicas for VM {name!r} must be a whole number >= 1, got {override[first]}",
                key="scope.overrides_file")
        replicas = replicas.mask(given, override.round().astype("Int64"))
    return replicas


def _pick(choices: list[tuple[np.ndarray, np.ndarray, str]], n: int, labels: bool = True
          ) -> tuple[np.ndarray, np.ndarray | None]:
    """First available (mask, value, label) per row: the raw value and its basis label (None
    when `labels` is off: a re-plan needs the values only)."""
    raw = np.full(n, np.nan)
    label = np.full(n, "", dtype=object) if labels else None
    free = np.ones(n, dtype=bool)
    for mask, value, name in choices:
        take = free & mask
        raw = np.where(take, value, raw)
        if label is not None:
            label[take] = name
        free &= ~take
    return raw, label


@dataclass(frozen=True)
class SizingInputs:
    """The per-row columns `size_containers` reads, as float arrays (NaN where missing).

    Read once per frame: a Monte Carlo re-plan re-sizes many times from the same inputs
    (`size_requests`) without converting the frame's columns again.
    """

    index: pd.Index
    vcpus: np.ndarray
    memory_gib: np.ndarray
    family: np.ndarray  # index into OS_FAMILIES
    vcpu_per_core_measured: np.ndarray
    cpu_util: np.ndarray
    host_cpu_used_cores: np.ndarray
    memory_util: np.ndarray
    memory_active_gib: np.ndarray
    memory_consumed_gib: np.ndarray
    host_memory_used_gib: np.ndarray
    timeseries: np.ndarray  # bool: usage from a time series

    def take(self, rows: np.ndarray) -> SizingInputs:
        """The inputs of the rows at positions `rows` (sizing is row by row)."""
        return SizingInputs(self.index[rows], *(getattr(self, f)[rows] for f in (
            "vcpus", "memory_gib", "family", "vcpu_per_core_measured", "cpu_util",
            "host_cpu_used_cores", "memory_util", "memory_active_gib", "memory_consumed_gib",
            "host_memory_used_gib", "timeseries")))


def sizing_inputs(vms: pd.DataFrame) -> SizingInputs:
    """The columns `size_containers` reads from `vms`, converted once."""
    series = (vms["usage_source"].astype("string") == "timeseries").fillna(False).to_numpy(
        dtype=bool) if "usage_source" in vms.columns else np.zeros(len(vms), dtype=bool)
    return SizingInputs(
        vms.index, _float(vms, "vcpus"), _float(vms, "memory_gib"), _family_codes(vms),
        _float(vms, "vcpu_per_core_measured"), _float(vms, "cpu_util"),
        _float(vms, "host_cpu_used_cores"), _float(vms, "memory_util"),
        _float(vms, "memory_active_gib"), _float(vms, "memory_consumed_gib"),
        _float(vms, "host_memory_used_gib"), series)


def _check_basis(sizing: Sizing) -> str:
    basis = _mode(sizing.basis)
    if basis not in BASES:
        raise ConfigError(f"must be one of {', '.join(BASES)}, got {basis!r}", key="sizing.basis")
    return basis


def _requests(x: SizingInputs, basis: str, values: Mapping[str, float], labels: bool
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """CPU [cores] and memory [GiB] request per row, and the basis labels when asked."""
    n = len(x.index)
    vcpus, memory_gib, family = x.vcpus, x.memory_gib, x.family
    comfort = _value(values, "sizing.comfort_factor")
    position = _value(values, "sizing.memory_position")
    os_memory = _per_family(values, "sizing.os_overhead_memory_gib", family)

    ratio = x.vcpu_per_core_measured
    default_ratio = _value(values, "current.vcpu_per_core")
    ratio = np.where(np.isfinite(ratio) & (ratio > 0), ratio, default_ratio)
    by_ratio = vcpus / ratio
    always = np.ones(n, dtype=bool)
    cpu_basis: np.ndarray | None
    memory_basis: np.ndarray | None
    if basis == "utilisation":
        cpu_util, host_cpu = x.cpu_util, x.host_cpu_used_cores
        cpu_raw, cpu_basis = _pick([
            (np.isfinite(cpu_util), vcpus * cpu_util * comfort, "vm_usage"),
            (np.isfinite(host_cpu), host_cpu * comfort, "host_usage"),
            (always, by_ratio, "vcpu_ratio"),
        ], n, labels)
        mem_util, active, consumed = x.memory_util, x.memory_active_gib, x.memory_consumed_gib
        series = x.timeseries
        # The high end of the bracket: Consumed, else what the guest could use of its memory.
        high_consumed = np.maximum(consumed, active)
        high_allocated = np.maximum(memory_gib - os_memory, active)
        host_mem = x.host_memory_used_gib
        mem_raw, memory_basis = _pick([
            (series & np.isfinite(mem_util), memory_gib * mem_util * comfort, "vm_usage"),
            (np.isfinite(active) & np.isfinite(consumed),
             (active + position * (high_consumed - active)) * comfort, "active_consumed"),
            (np.isfinite(active),
             (active + position * (high_allocated - active)) * comfort, "active_allocated"),
            (np.isfinite(mem_util), memory_gib * mem_util * comfort, "vm_usage"),
            (np.isfinite(host_mem), host_mem * comfort, "host_usage"),
            (always, memory_gib, "allocated"),
        ], n, labels)
    else:
        cpu_raw = by_ratio
        cpu_basis = np.full(n, "vcpu_ratio", dtype=object) if labels else None
        mem_raw = memory_gib
        memory_basis = np.full(n, "allocated", dtype=object) if labels else None

    # The container no longer carries a guest OS, so its kernel and services come off.
    cpu = cpu_raw - _per_family(values, "sizing.os_overhead_cpu_cores", family)
    mem = mem_raw - os_memory
    # Floor first, then cap: a request is never larger than the VM it replaces.
    cpu = np.minimum(np.maximum(cpu, _value(values, "sizing.min_cpu_request_cores")), vcpus)
    mem = np.minimum(np.maximum(mem, _value(values, "sizing.min_memory_request_gib")),
                     memory_gib)
    return cpu, mem, cpu_basis, memory_basis


def size_requests(inputs: SizingInputs, sizing: Sizing, values: Mapping[str, float]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """`cpu_request_cores` and `memory_request_gib` of `size_containers`, as arrays, without
    the basis labels or a frame (for re-plans that only need the numbers)."""
    cpu, mem, _, _ = _requests(inputs, _check_basis(sizing), values, labels=False)
    return cpu, mem


def size_containers(
    vms: pd.DataFrame, sizing: Sizing, values: Mapping[str, float]
) -> SizingResult:
    """Container requests for each row of `vms` (VM_SCHEMA columns, optional evidence
    columns from `estimator.evidence.host_evidence`, optional override_replicas).

    `sizing` is the sizing section (`sizing.basis` is read); `values` the flat numeric
    assumptions. Rows without vcpus or memory get missing requests.

    Example: an 8 vCPU / 32 GiB Linux VM at 25% CPU and 50% memory, comfort 1.3 and overhead
    0.1 core / 0.5 GiB requests 8×0.25×1.3−0.1 = 2.5 cores and 32×0.5×1.3−0.5 = 20.3 GiB.
    """
    basis = _check_basis(sizing)
    x = sizing_inputs(vms)
    cpu, mem, cpu_basis, memory_basis = _requests(x, basis, values, labels=True)
    assert cpu_basis is not None and memory_basis is not None
    unsized = np.isnan(x.vcpus) | np.isnan(x.memory_gib)
    frame = pd.DataFrame(
        {
            "cpu_request_cores": cpu,
            "memory_request_gib": mem,
            "replicas": _replicas(vms, values),
            "cpu_basis": pd.array(np.where(unsized, NONE, cpu_basis), dtype="string"),
            "memory_basis": pd.array(np.where(unsized, NONE, memory_basis), dtype="string"),
        },
        index=vms.index,
    )
    own = (cpu_basis == "vm_usage") & np.isin(memory_basis, ["vm_usage", "active_consumed",
                                                             "active_allocated"])
    # Out-of-scope rows are sized too (cheap, and handy in reports) but not counted.
    counted = ~own & ~unsized & (basis == "utilisation") & (
        vms["in_scope"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        if "in_scope" in vms.columns else True)
    return SizingResult(frame=frame, fallbacks=int(counted.sum()))


def assign_pools(vms: pd.DataFrame, isolation_keys: Sequence[str]) -> pd.Series:
    """Node-pool name per VM from the isolation keys, os_family always first.

    Values are trimmed and lower-cased so that "Prod" and "prod " share a pool; missing
    values become "unset"; "/" inside a value becomes "-" so names stay splittable.
    Example: keys ["os_family", "environment", "security_zone"] -> "windows/prod/dmz".
    """
    keys = ["os_family", *[k for k in isolation_keys if k != "os_family"]]
    missing = [k for k in keys if k not in vms.columns]
    if missing:
        raise ConfigError(
            f"isolation {noun(len(missing), 'key')} {', '.join(missing)} "
            f"{noun(len(missing), 'is not an inventory column', 'are not inventory columns')}",
            key="platform.isolation_keys")
    # Work on distinct values: factorize each key, name each distinct combination once.
    combined = np.zeros(len(vms), dtype=np.int64)
    labels: list[np.ndarray] = []
    for key in keys:  # a handful of keys
        codes, uniques = pd.factorize(vms[key].astype("string"))
        names = pd.Series(uniques, dtype="string").str.strip().str.lower().str.replace("/", "-")
        names = names.mask(names.isna() | (names == ""), "unset")
        label = np.array([*names.tolist(), "unset"], dtype=object)  # last: missing values
        codes = np.where(codes >= 0, codes, len(label) - 1)
        combined = combined * len(label) + codes
        labels.append(label)
    uniq, inverse = np.unique(combined, return_inverse=True)
    names_out = []
    for code in uniq.tolist():
        parts = []
        for label in reversed(labels):
            code, digit = divmod(code, len(label))
            parts.append(label[digit])
        names_out.append("/".join(reversed(parts)))
    pool: np.ndarray | list[str] = (np.array(names_out, dtype=object)[inverse.reshape(-1)]
                                    if len(vms) else [])
    return pd.Series(pool, index=vms.index, dtype="string", name="pool")
