"""Step 4 of the cost model: per-VM yearly cost before and after, summing exactly to the totals.

Allocation rules (each component's `Share` in `quantities.py`):

- Windows Server licences of a host: equally over the in-scope Windows Server VMs on it.
- Hypervisor licences and hardware of a host: over the VMs on it by vCPU share.
- Hosts inferred (no host data), and the consolidated residual hosts after: as one pool per
  column, by the same rules.
- Linux subscriptions: equally over the paid-Linux VMs.
- Per-OS-instance patching, operations and backup licences: equally per VM.
- Backup storage: by used storage (before), by persistent data (moved workloads).
- Node costs of a pool (hardware, node OS, node labour, platform subscription, security tooling,
  per-node backup licences): over the pool's workloads by the mean of their CPU and memory
  request shares (requests x replicas).
- Per-workload costs after (image rebuilds, platform care, per-namespace backup): equally per
  moving workload; the control plane by request share over all moving workloads.
- An amount whose group has no VM to carry it (e.g. a pool no VM was placed in) is spread,
  before, over the in-scope VMs by vCPU; after, over the moving workloads by request share
  (else the staying VMs, else all in-scope VMs, by vCPU), so per-VM costs still add up to
  the totals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from estimator.costs.pricing import CostLines
from estimator.costs.quantities import COMPONENTS, CostQuantities, Share


def _spread(amount: np.ndarray, share: Share, fallback: np.ndarray) -> np.ndarray:
    """Per-row share of one component's per-group amounts."""
    rows = len(share.vm_bucket)
    out = np.zeros(rows)
    if amount.size == 0 or not np.any(amount):
        return out
    buckets = int(max(share.bucket_of_group.max(initial=-1), share.vm_bucket.max(initial=-1))) + 1
    per_bucket = np.bincount(share.bucket_of_group, weights=amount, minlength=buckets)
    inb = share.vm_bucket >= 0
    b = np.maximum(share.vm_bucket, 0)
    wsum = np.bincount(b[inb], weights=share.weight[inb], minlength=buckets)
    carried = wsum > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(inb & carried[b], per_bucket[b] * share.weight / wsum[b], 0.0)
    orphan = per_bucket[~carried].sum()
    if orphan != 0 and fallback.sum() > 0:
        out = out + orphan * fallback / fallback.sum()
    return out


def attribute(quantities: CostQuantities, lines: CostLines,
              vms: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per-VM `annual_before`, `annual_after`, `annual_savings` (point estimate).

    One row per row of the VM frame (same index, so it can be joined onto it). Out-of-scope
    VMs get NaN: they are in neither column. The in-scope rows add up to the totals of `lines`.
    """
    q = quantities
    before = np.zeros(len(q.rows))
    after = np.zeros(len(q.rows))
    for name, amount in lines.components.items():
        if amount.ndim != 1:
            raise ValueError("attribute() needs the point estimate, not draws")
        side = COMPONENTS[name][1]
        fallback = q.fallback_before if side == "before" else q.fallback_after
        part = _spread(amount, q.shares[name], fallback)
        if side == "before":
            before += part
        else:
            after += part
    index = vms.index if vms is not None else q.rows
    frame = pd.DataFrame({
        "annual_before": np.where(q.in_scope, before, np.nan),
        "annual_after": np.where(q.in_scope, after, np.nan),
    }, index=index)
    frame["annual_savings"] = frame["annual_before"] - frame["annual_after"]
    return frame
