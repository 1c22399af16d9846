"""Host-level evidence for sizing VMs that have no usage of their own.

An RVTools export without vCPU/vMemory tabs still says how busy each host is (vHost
`CPU usage %`, `Memory usage %`) and how many vCPUs share its cores. `host_evidence` turns
that into per-VM figures, once per estate and independent of the assumptions:

- `host_cpu_used_cores`: the host's busy cores (CPU usage × physical cores), spread over its
  powered-on VMs by vCPU share;
- `host_memory_used_gib`: the host's used memory (memory usage × memory), spread by
  allocated memory;
- `vcpu_per_core_measured`: today's vCPU-to-core ratio of the VM's host (powered-on vCPUs /
  physical cores), else over every listed host; NaN when no host is known;
- `on_listed_host`: the VM's host is in the host list (not inferred).

A VM whose host is not listed gets NaN for the first two. Pure: no I/O.

Example: a 32-core host at 35% runs two VMs of 4 and 12 vCPUs: 11.2 busy cores, so the VMs
get 2.8 and 8.4 cores; its ratio is 16 / 32 = 0.5 vCPU per core.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from estimator.hosts import host_key, match_host_keys

EVIDENCE_COLUMNS: tuple[str, ...] = (
    "host_cpu_used_cores", "host_memory_used_gib", "vcpu_per_core_measured", "on_listed_host",
)


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def host_evidence(vms: pd.DataFrame, hosts: pd.DataFrame | None) -> pd.DataFrame:
    """`EVIDENCE_COLUMNS` for each row of `vms` (on its index); see the module docstring."""
    n = len(vms)
    out = pd.DataFrame({c: np.full(n, np.nan) for c in EVIDENCE_COLUMNS[:3]}, index=vms.index)
    out["on_listed_host"] = np.zeros(n, dtype=bool)
    if hosts is None or len(hosts) == 0 or "host" not in vms.columns or n == 0:
        return out
    keys = host_key(hosts["host"])
    first = ~pd.Series(keys).duplicated().to_numpy() & (keys != "")
    h = hosts.loc[first]
    listed = pd.Index(keys[first])
    code, _ = match_host_keys(listed, host_key(vms["host"]), np.ones(n, dtype=bool))
    on = code >= 0
    running = on & (vms["power_state"].astype("string") == "poweredOn").fillna(False).to_numpy(
        dtype=bool) if "power_state" in vms.columns else on
    vcpus = np.nan_to_num(_numbers(vms, "vcpus"))
    memory = np.nan_to_num(_numbers(vms, "memory_gib"))
    k = len(listed)
    vcpu_sum = np.bincount(code[running], weights=vcpus[running], minlength=k)
    mem_sum = np.bincount(code[running], weights=memory[running], minlength=k)
    cores = _numbers(h, "cores")
    busy = _numbers(h, "cpu_usage_fraction") * cores
    used_mem = _numbers(h, "memory_usage_fraction") * _numbers(h, "memory_gib")
    with np.errstate(divide="ignore", invalid="ignore"):
        per_vcpu = np.where(vcpu_sum > 0, busy / vcpu_sum, np.nan)
        per_gib = np.where(mem_sum > 0, used_mem / mem_sum, np.nan)
        ratio = np.where(cores > 0, vcpu_sum / cores, np.nan)
    has_vms = (vcpu_sum > 0) & (cores > 0)
    estate = (float(vcpu_sum[has_vms].sum() / cores[has_vms].sum()) if has_vms.any()
              else np.nan)
    c = np.where(on, code, 0)
    out["host_cpu_used_cores"] = np.where(on, per_vcpu[c] * vcpus, np.nan) if k else np.nan
    out["host_memory_used_gib"] = np.where(on, per_gib[c] * memory, np.nan) if k else np.nan
    host_ratio = np.where(on & has_vms[c], ratio[c], np.nan) if k else np.full(n, np.nan)
    out["vcpu_per_core_measured"] = np.where(np.isfinite(host_ratio), host_ratio, estate)
    out["on_listed_host"] = on
    return out


def inferred_share(vms: pd.DataFrame) -> float:
    """Share of in-scope VMs whose host is not in the host list (so it was inferred)."""
    scope = vms["in_scope"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    if not scope.any():
        return 0.0
    listed = vms["on_listed_host"].to_numpy(dtype=bool) if "on_listed_host" in vms.columns \
        else np.zeros(len(vms), dtype=bool)
    return float((scope & ~listed).sum() / scope.sum())
