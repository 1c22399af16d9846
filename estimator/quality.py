"""How far to trust an estimate: a data-quality report per file and overall.

Per file: rows read, VMs kept, rows dropped, fields imputed, duplicates, and the share of
in-scope VMs with usage data (both `cpu_util` and `memory_util` known). The share maps to
confidence stars as in Azure Migrate's performance-based assessments: 0-20 % one star,
21-40 % two, 41-60 % three, 61-80 % four, 81-100 % five.

`quality_report` returns the typed `QualityReport` the `Estimate` carries;
`validation_summary` builds the `estimator validate --json` document around it.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from estimator.errors import Problem
from estimator.inventory import Inventory
from estimator.model import (
    FileQualityRow,
    InventorySummary,
    ProblemRow,
    QualityOverall,
    QualityReport,
    plain,
)
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


def problem_row(p: Problem) -> ProblemRow:
    """A reading problem as a table row."""
    return ProblemRow(kind=p.kind, message=p.message, file=p.file, sheet=p.sheet, row=p.row,
                      column=p.column)


def quality_report(inventory: Inventory, scoped_vms: pd.DataFrame,
                   extra_problems: tuple[Problem, ...] = ()) -> QualityReport:
    """Per-file and overall quality of an `Inventory` and its scoped VM table.

    `extra_problems` (e.g. override lines that match no VM) are listed after the readers'.
    """
    duplicates: dict[str, int] = {}
    for p in inventory.problems:
        if p.kind == "duplicate":
            duplicates[str(p.file)] = duplicates.get(str(p.file), 0) + 1
    files = []
    for f in inventory.files:
        mine = scoped_vms[scoped_vms["source"] == f.file]
        n, with_usage, share = _usage_share(mine)
        files.append(FileQualityRow(
            file=f.file, format=f.format, rows_read=int(f.rows_read), vms_kept=int(f.vms_kept),
            rows_dropped=sum(p.kind == "rejected" for p in f.problems),
            duplicates=duplicates.get(f.file, 0),
            imputed_fields=sum(p.kind == "imputed" for p in f.problems),
            unmapped_columns=tuple(str(p.column) for p in f.problems
                                   if p.kind == "unmapped_column"),
            vms_in_scope=n, vms_with_usage=with_usage, usage_share=share,
            confidence_stars=confidence_stars(share),
        ))
    n, with_usage, share = _usage_share(scoped_vms)
    overall = QualityOverall(
        rows_read=sum(f.rows_read for f in files),
        vms_kept=len(scoped_vms),
        rows_dropped=sum(f.rows_dropped for f in files),
        duplicates=sum(f.duplicates for f in files),
        vms_in_scope=n, vms_with_usage=with_usage, usage_share=share,
        confidence_stars=confidence_stars(share),
    )
    problems = tuple(problem_row(p) for p in (*inventory.all_problems, *extra_problems))
    return QualityReport(files=tuple(files), overall=overall, problems=problems)


def inventory_summary(scoped_vms: pd.DataFrame, rows_rejected: int) -> InventorySummary:
    """What was read and what is in scope, from the scoped VM table."""
    vms = scoped_vms
    inscope = vms[vms["in_scope"].astype("boolean").fillna(False).to_numpy(bool)]
    eos = inscope["os_end_of_support"].astype("boolean").fillna(False)
    families = inscope["os_family"].astype("string").fillna("unknown").value_counts()
    return InventorySummary(
        vms_total=len(vms),
        rows_rejected=int(rows_rejected),
        vms_in_scope=len(inscope),
        excluded={k: n for k, n in excluded_counts(vms).items() if n},
        vcpus_in_scope=float(inscope["vcpus"].sum()),
        memory_gib_in_scope=float(inscope["memory_gib"].sum()),
        storage_used_gib_in_scope=float(inscope["storage_used_gib"].fillna(0).sum()),
        os_end_of_support_vms=int(eos.sum()),
        os_families={str(k): int(v) for k, v in families.items()},
    )


def validation_summary(inventory: Inventory, scoped_vms: pd.DataFrame,
                       extra_problems: tuple[Problem, ...] = ()) -> dict[str, Any]:
    """The `estimator validate --json` document.

    Keys: `inventory` (counts, in-scope capacity, VMs by source, OS families of the in-scope
    VMs), `current` (hosts and physical cores, null when no host data), `quality` (see
    `quality_report`), `problems` (every problem) and `usable` (at least one VM in scope).
    """
    vms = scoped_vms
    report = quality_report(inventory, vms, extra_problems)
    summary = inventory_summary(vms, report.overall.rows_dropped)
    by_source = {}
    for f in inventory.files:
        mine = vms[vms["source"] == f.file]
        by_source[f.file] = {"format": f.format, "vms": len(mine),
                             "in_scope": int(mine["in_scope"].astype(bool).sum())}
    hosts = inventory.hosts
    known = len(hosts) > 0

    def total(column: str) -> float | None:
        if not known or not hosts[column].notna().any():
            return None
        return float(hosts[column].sum())

    inv = summary.model_dump(exclude={"rows_rejected", "os_end_of_support_vms"})
    inv["excluded"] = excluded_counts(vms)  # every reason, zeros included
    inv["by_source"] = by_source
    doc = {
        "inventory": inv,
        "current": {
            "hosts": len(hosts) if known else None,
            "physical_cores": total("cores"),
            "cpu_sockets": total("cpu_sockets"),
            "memory_gib": total("memory_gib"),
        },
        "quality": report.model_dump(exclude={"problems"}),
        "problems": [p.model_dump() for p in report.problems],
        "usable": summary.vms_in_scope > 0,
    }
    return plain(doc)  # type: ignore[no-any-return]
