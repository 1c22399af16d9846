"""Node allocatable per Kubernetes reservation model (gke, eks, aks, openshift, none).

allocatable = capacity − reserved (kube + system) − hard eviction threshold, per the published
formulas collected in `../shared/reference/methodology-sources.md` ("Kubernetes node reservations").
Vectorised: `cores` and `memory_gib` may be scalars or numpy arrays, broadcast together.

Units: 1 GiB = 1024 MiB. Where a source writes "MB"/"GB" for kubelet reservations (AKS), we read
MiB/GiB, because the kubelet flags the providers set are binary quantities (`Mi`, `Gi`).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from estimator.errors import ConfigError

__all__ = ["EVICTION_MEMORY_GIB", "RESERVATION_MODELS", "allocatable"]

RESERVATION_MODELS: Final = ("gke", "eks", "aks", "openshift", "none")

#: Hard eviction threshold `memory.available<100Mi` (GKE, EKS and AKS defaults) [GiB].
EVICTION_MEMORY_GIB: Final = 100.0 / 1024.0

_MIB: Final = 1.0 / 1024.0

# AKS (>= 1.29) CPU reservation table: node cores -> reserved millicores. Microsoft Learn,
# "Node resource reservations" (2024).
_AKS_CPU_CORES: Final = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0])
_AKS_CPU_MILLICORES: Final = np.array([60.0, 100.0, 140.0, 180.0, 260.0, 420.0, 740.0])

#: OpenShift planning rule: the platform takes about 15% of each worker [fraction].
OPENSHIFT_RESERVED_FRACTION: Final = 0.15

FloatArray = npt.NDArray[np.float64]
Number = float | FloatArray


def _tiered(x: FloatArray, bounds: tuple[float, ...], rates: tuple[float, ...]) -> FloatArray:
    """Sum of rate_i × (the part of x inside tier i); the last tier is open-ended."""
    out = np.zeros_like(x)
    lower = 0.0
    for upper, rate in zip((*bounds, np.inf), rates, strict=True):
        out += rate * np.clip(x - lower, 0.0, upper - lower)
        lower = upper
    return out


def _gke_cpu_reserved(cores: FloatArray) -> FloatArray:
    """GKE/EKS CPU: 6% of core 1, 1% of core 2, 0.5% of cores 3–4, 0.25% of each core above 4."""
    return _tiered(cores, (1.0, 2.0, 4.0), (0.06, 0.01, 0.005, 0.0025))


def _gke_memory_reserved(memory_gib: FloatArray) -> FloatArray:
    """GKE memory: 255 MiB below 1 GiB; else 25/20/10/6/2% of the 4/4/8/112/rest GiB tiers."""
    tiers = _tiered(memory_gib, (4.0, 8.0, 16.0, 128.0), (0.25, 0.20, 0.10, 0.06, 0.02))
    return np.where(memory_gib < 1.0, 255.0 * _MIB, tiers)


def _aks_cpu_reserved(cores: FloatArray) -> FloatArray:
    """AKS CPU from the published table, linear between its points.

    The table (60/100/140/180/260/420/740 m for 1/2/4/8/16/32/64 cores) is itself linear between the
    points, at 10 m per core above 4 cores; we continue that slope above 64 cores and hold 60 m
    below 1 core.
    """
    inside = np.interp(cores, _AKS_CPU_CORES, _AKS_CPU_MILLICORES)
    above = _AKS_CPU_MILLICORES[-1] + 10.0 * (cores - _AKS_CPU_CORES[-1])
    return np.where(cores > _AKS_CPU_CORES[-1], above, inside) / 1000.0


def allocatable(
    cores: Number,
    memory_gib: Number,
    *,
    model: str,
    max_pods: int,
    os_family: str = "linux",
) -> tuple[Number, Number]:
    """Allocatable CPU [cores] and memory [GiB] of a node under a provider's reservation model.

    Parameters
    ----------
    cores : Node CPU capacity [cores]. Scalar or array.
    memory_gib : Node memory capacity [GiB]. Scalar or array.
    model : "gke", "eks", "aks", "openshift" or "none".
    max_pods : Maximum pods per node [pods]; EKS and AKS memory reservations grow with it.
    os_family : "windows" adds AKS's extra Windows reservation; other values mean Linux.

    Formulas (allocatable = capacity − reserved − eviction; results floored at 0):

    - gke: memory reserved 255 MiB when RAM < 1 GiB, else 25% of the first 4 GiB, 20% of the next 4,
      10% of the next 8, 6% of the next 112 and 2% above 128 GiB; CPU reserved 6% of the first core,
      1% of the second, 0.5% of cores 3–4, 0.25% of each core above 4; eviction 100 MiB.
      Source: Google Cloud, GKE "Plan node sizes" (node allocatable).
    - eks: memory reserved 11 MiB × max pods + 255 MiB; CPU as GKE; eviction 100 MiB.
      Source: awslabs/amazon-eks-ami bootstrap (AL2 kube-reserved).
    - aks: memory reserved min(20 MiB × max pods + 50 MiB, 25% of RAM), plus 2 GiB on Windows nodes;
      CPU reserved 60/100/140/180/260/420/740 m for 1/2/4/8/16/32/64 cores (linear in between,
      10 m per core above 64); eviction 100 MiB.
      Source: Microsoft Learn, "AKS node resource reservations" (Kubernetes >= 1.29, 2024).
    - openshift: planning rule, the platform takes about 15% of each worker's CPU and memory (about
      2 cores on a 13-core worker); no separate eviction term, the 15% covers it.
      Source: Red Hat OpenShift sizing guidance (reliability M: a rule of thumb, not a formula).
    - none: allocatable = capacity.

    Returns floats for scalar inputs, arrays otherwise.

    Example: ``allocatable(4, 16, model="gke", max_pods=110)`` -> ``(3.92, 13.30234375)``.
    """
    key = model.lower().strip() if isinstance(model, str) else model
    if key not in RESERVATION_MODELS:
        raise ConfigError(
            f"unknown reservation model {model!r}; use one of {', '.join(RESERVATION_MODELS)}",
            key="platform.reservation_model",
        )
    if max_pods < 0:
        raise ConfigError(
            f"max pods per node must be >= 0, got {max_pods}", key="platform.max_pods_per_node"
        )
    scalar = np.ndim(cores) == 0 and np.ndim(memory_gib) == 0
    c = np.asarray(cores, dtype=np.float64)
    m = np.asarray(memory_gib, dtype=np.float64)
    c, m = np.broadcast_arrays(c, m)

    if key == "none":
        cpu_res = np.zeros_like(c)
        mem_res = np.zeros_like(m)
    elif key == "gke":
        cpu_res = _gke_cpu_reserved(c)
        mem_res = _gke_memory_reserved(m) + EVICTION_MEMORY_GIB
    elif key == "eks":
        cpu_res = _gke_cpu_reserved(c)
        mem_res = (11.0 * max_pods + 255.0) * _MIB + EVICTION_MEMORY_GIB + np.zeros_like(m)
    elif key == "aks":
        cpu_res = _aks_cpu_reserved(c)
        mem_res = np.minimum((20.0 * max_pods + 50.0) * _MIB, 0.25 * m)
        if os_family.lower() == "windows":
            mem_res = mem_res + 2.0
        mem_res = mem_res + EVICTION_MEMORY_GIB
    else:  # openshift
        cpu_res = OPENSHIFT_RESERVED_FRACTION * c
        mem_res = OPENSHIFT_RESERVED_FRACTION * m

    cpu = np.maximum(c - cpu_res, 0.0)
    mem = np.maximum(m - mem_res, 0.0)
    if scalar:
        return float(cpu), float(mem)
    return cpu, mem
