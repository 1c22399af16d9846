"""Container requests per VM: what each workload asks the scheduler for once containerised.

The request follows Azure Migrate's performance-based sizing (a usage figure times a comfort
factor) with its "as on-premises" mode as the alternative, and the Kubernetes VPA habit of a
floor under every request:

    utilisation basis   cpu = vcpus × cpu_util × comfort
                        memory = memory_gib × memory_util × comfort
    allocated basis     cpu = vcpus,  memory = memory_gib
    then                request = min(allocated, max(minimum, raw − guest-OS overhead))

`cpu_util` and `memory_util` already hold the peak-like figure (the configured percentile when
time series were given, see `estimator.inventory.timeseries`). Where one of them is missing the
dimension falls back to the allocated size, and the row is counted as a fallback.

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
from estimator.inventory.schema import OS_FAMILIES

if TYPE_CHECKING:
    from estimator.assumptions.sections import Sizing

SIZING_COLUMNS: tuple[str, ...] = (
    "cpu_request_cores", "memory_request_gib", "replicas", "sizing_basis",
)
BASES: tuple[str, ...] = ("utilisation", "allocated")


@dataclass(frozen=True)
class SizingResult:
    """Per-VM container requests and how many rows fell back to the allocated size.

    `frame` is on the input index with `SIZING_COLUMNS`: `cpu_request_cores` [cores] and
    `memory_request_gib` [GiB] per replica, `replicas` (Int64) and `sizing_basis`
    ("utilisation", or "allocated" when the basis is allocated or usage was missing).
    `fallbacks` counts rows sized from allocation although the basis is utilisation (only
    in-scope rows when the frame has an `in_scope` column).
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


def size_containers(
    vms: pd.DataFrame, sizing: Sizing, values: Mapping[str, float]
) -> SizingResult:
    """Container requests for each row of `vms` (VM_SCHEMA columns, optional override_replicas).

    `sizing` is the sizing section (`sizing.basis` is read); `values` the flat numeric
    assumptions. Rows without vcpus or memory get missing requests.

    Example: an 8 vCPU / 32 GiB Linux VM at 25% CPU and 50% memory, comfort 1.3 and overhead
    0.1 core / 0.5 GiB requests 8×0.25×1.3−0.1 = 2.5 cores and 32×0.5×1.3−0.5 = 20.3 GiB.
    """
    basis = _mode(sizing.basis)
    if basis not in BASES:
        raise ConfigError(f"must be one of {', '.join(BASES)}, got {basis!r}", key="sizing.basis")
    vcpus = _float(vms, "vcpus")
    memory_gib = _float(vms, "memory_gib")
    family = _family_codes(vms)

    if basis == "utilisation":
        comfort = _value(values, "sizing.comfort_factor")
        cpu_util = _float(vms, "cpu_util")
        mem_util = _float(vms, "memory_util")
        cpu_missing = np.isnan(cpu_util)
        mem_missing = np.isnan(mem_util)
        cpu_raw = np.where(cpu_missing, vcpus, vcpus * cpu_util * comfort)
        mem_raw = np.where(mem_missing, memory_gib, memory_gib * mem_util * comfort)
        # A row counts as a fallback only if it has a size to fall back to.
        fell_back = (cpu_missing | mem_missing) & ~(np.isnan(vcpus) | np.isnan(memory_gib))
    else:
        cpu_raw, mem_raw = vcpus, memory_gib
        fell_back = np.zeros(len(vms), dtype=bool)

    # The container no longer carries a guest OS, so its kernel and services come off.
    cpu = cpu_raw - _per_family(values, "sizing.os_overhead_cpu_cores", family)
    mem = mem_raw - _per_family(values, "sizing.os_overhead_memory_gib", family)
    # Floor first, then cap: a request is never larger than the VM it replaces.
    cpu = np.minimum(np.maximum(cpu, _value(values, "sizing.min_cpu_request_cores")), vcpus)
    mem = np.minimum(np.maximum(mem, _value(values, "sizing.min_memory_request_gib")),
                     memory_gib)

    # Index an object array of two strings: much faster than converting numpy unicode.
    allocated = (fell_back | (basis == "allocated")).astype(np.intp)
    label = np.array(["utilisation", "allocated"], dtype=object)[allocated]
    frame = pd.DataFrame(
        {
            "cpu_request_cores": cpu,
            "memory_request_gib": mem,
            "replicas": _replicas(vms, values),
            "sizing_basis": pd.array(label, dtype="string"),
        },
        index=vms.index,
    )
    # Out-of-scope rows are sized too (cheap, and handy in reports) but not counted.
    counted = fell_back & (vms["in_scope"].astype("boolean").fillna(False).to_numpy(dtype=bool)
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
            f"isolation key(s) {', '.join(missing)} are not inventory columns",
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
