"""How far to trust an estimate: a data-quality report per file and overall.

Per file: rows read, VMs kept, rows dropped (row number and reason), fields imputed and
how, duplicates, and the share of in-scope VMs with usage data (both `cpu_util` and
`memory_util` known). The share maps to confidence stars as in Azure Migrate's
performance-based assessments: 0-20 % one star, 21-40 % two, 41-60 % three,
61-80 % four, 81-100 % five.

`validation_summary` builds the `estimator validate --json` document; `estimate` embeds
the same dict, so everything in it is plain JSON (no numpy or pandas scalars).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from estimator.errors import Problem
from estimator.scope import excluded_counts

# Upper bound (percent, inclusive) of each star band; Azure Migrate's confidence ratings.
STAR_BANDS_PCT: tuple[float, ...] = (20.0, 40.0, 60.0, 80.0, 100.0)


def confidence_stars(usage_share: float | None) -> int | None:
    """1-5 stars for the share (0..1) of VMs with usage data; None when there are no VMs."""
    if usage_share is None or math.isnan(usage_share):
        return None
    pct = round(usage_share * 100.0)
    return next(i + 1 for i, top in enumerate(STAR_BANDS_PCT) if pct <= top or i == 4)


def _usage_share(scoped: pd.DataFrame) -> tuple[int, int, float | None]:
    inscope = scoped[scoped["in_scope"].astype(bool)]
    with_usage = int((inscope["cpu_util"].notna() & inscope["memory_util"].notna()).sum())
    n = len(inscope)
    return n, with_usage, (with_usage / n if n else None)


def quality_report(inventory: Any, scoped_vms: pd.DataFrame) -> dict[str, Any]:
    """`{"files": [...], "overall": {...}}` for an `Inventory` and its scoped VM table."""
    files = []
    dup_by_file: dict[str, list[Problem]] = {}
    for p in inventory.problems:
        if p.kind == "duplicate":
            dup_by_file.setdefault(str(p.file), []).append(p)
    for f in inventory.files:
        mine = scoped_vms[scoped_vms["source"] == f.file]
        n, with_usage, share = _usage_share(mine)
        dropped = [{"row": p.row, "column": p.column, "reason": p.message}
                   for p in f.problems if p.kind == "rejected"]
        duplicates = [{"row": p.row, "reason": p.message} for p in dup_by_file.get(f.file, [])]
        files.append({
            "file": f.file,
            "format": f.format,
            "rows_read": int(f.rows_read),
            "vms_kept": int(f.vms_kept),
            "rows_dropped": len(dropped),
            "dropped": dropped,
            "duplicates": len(duplicates),
            "duplicate_rows": duplicates,
            "imputed": [{"column": p.column, "sheet": p.sheet, "how": p.message}
                        for p in f.problems if p.kind == "imputed"],
            "unmapped_columns": [p.column for p in f.problems if p.kind == "unmapped_column"],
            "vms_in_scope": n,
            "vms_with_usage": with_usage,
            "usage_share": share,
            "stars": confidence_stars(share),
        })
    n, with_usage, share = _usage_share(scoped_vms)
    overall = {
        "rows_read": sum(f["rows_read"] for f in files),
        "vms_kept": len(scoped_vms),
        "rows_dropped": sum(f["rows_dropped"] for f in files),
        "duplicates": sum(f["duplicates"] for f in files),
        "vms_in_scope": n,
        "vms_with_usage": with_usage,
        "usage_share": share,
        "stars": confidence_stars(share),
    }
    return {"files": files, "overall": overall}


def validation_summary(inventory: Any, scoped_vms: pd.DataFrame,
                       extra_problems: tuple[Problem, ...] = ()) -> dict[str, Any]:
    """The `estimator validate --json` document (also embedded in `estimate`'s JSON).

    Keys: `inventory` (counts, in-scope capacity, VMs by source, OS families of the
    in-scope VMs), `current` (hosts and physical cores, null when no host data),
    `quality` (see `quality_report`), `problems` (every problem as a dict) and `usable`
    (at least one VM in scope).
    """
    vms = scoped_vms
    inscope = vms[vms["in_scope"].astype(bool)]
    by_source = {}
    for f in inventory.files:
        mine = vms[vms["source"] == f.file]
        by_source[f.file] = {"format": f.format, "vms": len(mine),
                             "in_scope": int(mine["in_scope"].astype(bool).sum())}
    os_families = {str(k): int(v) for k, v in
                   inscope["os_family"].fillna("unknown").value_counts().items()}
    hosts = inventory.hosts
    known = len(hosts) > 0
    problems = [p.to_dict() for p in inventory.all_problems + tuple(extra_problems)]
    return {
        "inventory": {
            "vms_total": len(vms),
            "vms_in_scope": len(inscope),
            "excluded": excluded_counts(vms),
            "vcpus_in_scope": _float(inscope["vcpus"].sum()),
            "memory_gib_in_scope": _float(inscope["memory_gib"].sum()),
            "storage_used_gib_in_scope": _float(inscope["storage_used_gib"].sum()),
            "by_source": by_source,
            "os_families": os_families,
        },
        "current": {
            "hosts": len(hosts) if known else None,
            "physical_cores": _float(hosts["cores"].sum()) if known and hosts["cores"].notna(
                ).any() else None,
            "cpu_sockets": _float(hosts["cpu_sockets"].sum()) if known and hosts[
                "cpu_sockets"].notna().any() else None,
            "memory_gib": _float(hosts["memory_gib"].sum()) if known and hosts[
                "memory_gib"].notna().any() else None,
        },
        "quality": quality_report(inventory, vms),
        "problems": problems,
        "usable": len(inscope) > 0,
    }


def _float(value: Any) -> float:
    """A plain float rounded for presentation-free JSON (whole numbers stay exact)."""
    return round(float(value), 6)
