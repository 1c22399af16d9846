"""The JSON document of an `Estimate`: versioned, stable keys, plain JSON types only."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from estimator import __version__

if TYPE_CHECKING:
    from estimator.model import Estimate

SCHEMA_VERSION = 1


def plain(x: Any) -> Any:
    """Convert numpy/pandas values (recursively) into JSON-safe Python values."""
    if isinstance(x, Mapping):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple | set):
        return [plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return [plain(v) for v in x.tolist()]
    if x is None or x is pd.NA or x is pd.NaT:
        return None
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, pd.Timestamp):
        return x.isoformat()
    return x


def records(frame: pd.DataFrame | None, columns: Mapping[str, str] | None = None) -> list[dict]:
    """Rows as dicts; `columns` maps output key -> frame column (default: all columns)."""
    if frame is None or frame.empty:
        return []
    cols = columns or {c: c for c in frame.columns}
    sub = frame[[c for c in cols.values() if c in frame.columns]]
    inverse = {v: k for k, v in cols.items()}
    return [
        {inverse[c]: plain(v) for c, v in zip(sub.columns, row, strict=True)}
        for row in sub.itertuples(index=False, name=None)
    ]


def estimate_to_dict(est: Estimate) -> dict[str, Any]:
    s = est.summary
    pools = records(
        est.pools,
        {
            "name": "pool",
            "os_family": "os_family",
            "node_type": "node_type",
            "nodes": "nodes",
            "nodes_lower_bound": "nodes_lower_bound",
            "spare_nodes": "spare_nodes",
            "workloads": "workloads",
            "cpu_allocatable_util": "cpu_allocatable_util",
            "memory_allocatable_util": "memory_allocatable_util",
            "annual_cost": "annual_cost_usd",
        },
    )
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "estimator_version": __version__,
        "name": est.name,
        "inputs": list(est.inputs),
        "currency": est.currency,
        "inventory": {
            "vms_total": s["vms_total"],
            "rows_rejected": s.get("rows_rejected", 0),
            "vms_in_scope": s["vms_in_scope"],
            "excluded": dict(s["vms_excluded"]),
            "vcpus_in_scope": s["vcpus_in_scope"],
            "memory_gib_in_scope": s["memory_gib_in_scope"],
            "os_end_of_support_vms": s.get("os_end_of_support_vms"),
        },
        "current": {
            "hosts": s["hosts"],
            "hosts_inferred": s["hosts_inferred"],
            "physical_cores": s["physical_cores"],
            "vms_per_host": s["vms_per_host"],
        },
        "fit": {
            "counts": dict(s["fit_counts"]),
            "vms_moving": s["vms_moving"],
            "vms_staying": s["vms_staying"],
            "vms_retiring": s["vms_retiring"],
            "top_reasons": records(est.fit_reasons.head(10)),
        },
        "target": {
            "nodes": s["nodes"],
            "nodes_lower_bound": s["nodes_lower_bound"],
            "spare_nodes": s["spare_nodes"],
            "workloads": s["workloads"],
            "workloads_per_node": s["workloads_per_node"],
            "isolation_extra_nodes": s["isolation_extra_nodes"],
            "sizing_fallbacks": s["sizing_fallbacks"],
            "pools": pools,
        },
        "costs": {
            "currency": est.currency,
            "annual_before": s["annual_before"],
            "annual_after": s["annual_after"],
            "annual_savings": s["annual_savings"],
            "categories": records(
                est.costs, {"name": "category", "before": "before", "after": "after",
                            "savings": "savings"}
            ),
            "one_off_migration": s["one_off_migration"],
            "payback_months": s["payback_months"],
            "npv": s["npv"],
            "horizon_years": s["horizon_years"],
            "cash_flow": records(est.cash_flow),
        },
        "quality": dict(est.quality),
        "uncertainty": est.uncertainty.to_dict() if est.uncertainty is not None else None,
        "scenarios": records(est.scenarios) if est.scenarios is not None else [],
        "assumptions_changed": records(
            est.assumption_table[est.assumption_table["changed"].astype(bool)],
            {"key": "key", "value": "value", "unit": "unit", "source": "source"},
        ),
        "notes": list(est.notes),
    }
    return plain(doc)
