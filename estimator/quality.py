"""How far to trust an estimate: a data-quality report per file and overall.

Per file: rows read, VMs kept, rows dropped, fields imputed, duplicates, and the share of
in-scope VMs with usage data (both `cpu_util` and `memory_util` known).

Confidence stars say how much of the sizing rests on history, not just on how many VMs have
a number (Azure Migrate's stars count performance data points over the assessment period; a
single snapshot is not a history). Each in-scope VM scores the weaker of its CPU and memory
evidence:

    per-VM time series over >= 30 days     5      (>= 14 days 4, >= 7 days 3, shorter 2)
    an assessment import's utilisation     3
    a snapshot of per-VM usage (RVTools)   2
    the host's measured use                2
    allocation / vCPU ratio only           1

The estimate gets the mean score rounded down, one star less when a tenth or more of the
in-scope VMs run on hosts that were inferred rather than read (never below one).

`quality_report` returns the typed `QualityReport` the `Estimate` carries;
`validation_summary` builds the `estimator validate --json` document around it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from estimator import formatting as fmt
from estimator.assumptions import Assumptions, load_assumptions
from estimator.errors import Problem
from estimator.evidence import host_evidence, inferred_share
from estimator.fit import classify_fit, family_counts, rule_counts
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
from estimator.sizing import CPU_BASES, MEMORY_BASES, size_containers

# Upper bound (percent, inclusive) of each star band; Azure Migrate's confidence ratings.
STAR_BANDS_PCT: tuple[float, ...] = (20.0, 40.0, 60.0, 80.0, 100.0)
# Share of in-scope VMs on inferred hosts from which confidence loses a star.
INFERRED_SHARE_PENALTY = 0.10
# Days of per-VM history -> stars for that VM.
SERIES_DAYS_STARS: tuple[tuple[float, int], ...] = ((30.0, 5), (14.0, 4), (7.0, 3), (0.0, 2))


def confidence_stars(usage_share: float | None) -> int | None:
    """1-5 stars for a share (0..1) in Azure Migrate's bands; None when there are no VMs."""
    if usage_share is None or math.isnan(usage_share):
        return None
    pct = round(usage_share * 100.0)
    return next(i + 1 for i, top in enumerate(STAR_BANDS_PCT) if pct <= top or i == 4)


def _usage_share(scoped: pd.DataFrame, rows: np.ndarray | None = None
                 ) -> tuple[int, int, float | None]:
    """In-scope VMs, those with usage data and their share, over `rows` (a mask) or all."""
    # Masks of the three columns, not rows of the whole frame (a copy of every column).
    inscope = scoped["in_scope"].astype(bool).to_numpy(dtype=bool)
    if rows is not None:
        inscope = inscope & rows
    usage = (scoped["cpu_util"].notna() & scoped["memory_util"].notna()).to_numpy(dtype=bool)
    with_usage = int((inscope & usage).sum())
    n = int(inscope.sum())
    return n, with_usage, (with_usage / n if n else None)


def _text(vms: pd.DataFrame, column: str) -> np.ndarray:
    if column not in vms.columns:
        return np.full(len(vms), "", dtype=object)
    return vms[column].astype("string").fillna("").to_numpy(dtype=object)


def vm_evidence_stars(vms: pd.DataFrame) -> np.ndarray:
    """Per row: the stars its sizing evidence earns (the weaker of CPU and memory)."""
    source = _text(vms, "usage_source")
    days = (pd.to_numeric(vms["usage_period_days"], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan) if "usage_period_days" in vms.columns
        else np.full(len(vms), np.nan))
    series = np.select([days >= d for d, _ in SERIES_DAYS_STARS],
                       [s for _, s in SERIES_DAYS_STARS], 2)
    own = np.where(source == "timeseries", series, np.where(source == "summary", 3, 2))

    def score(basis: np.ndarray) -> np.ndarray:
        return np.select([basis == "vm_usage", np.isin(basis, ["host_usage", "active_consumed",
                                                                "active_allocated"])],
                         [own, 2], 1)

    return np.minimum(score(_text(vms, "cpu_basis")), score(_text(vms, "memory_basis")))


def evidence_stars(scores: np.ndarray, inferred_share: float) -> int | None:
    """The estimate's stars from per-VM scores (mean rounded down, inferred-host penalty)."""
    if scores.size == 0:
        return None
    stars = math.floor(float(scores.mean()) + 1e-9)
    if inferred_share >= INFERRED_SHARE_PENALTY:
        stars -= 1
    return max(1, min(5, stars))


def _basis_counts(vms: pd.DataFrame, column: str, names: tuple[str, ...]) -> dict[str, int]:
    counts = vms[column].astype("string").value_counts() if column in vms.columns else {}
    return {n: int(counts.get(n, 0)) for n in names if int(counts.get(n, 0))}


def _confidence_text(vms: pd.DataFrame, stars: int | None, inferred_share: float
                     ) -> tuple[str, tuple[str, ...]]:
    """The reason for the stars and what would raise them."""
    n = len(vms)
    if n == 0 or stars is None:
        return "No VM is in scope.", ()
    cpu = _text(vms, "cpu_basis")
    source = _text(vms, "usage_source")
    series = int(((source == "timeseries") & (cpu == "vm_usage")).sum())
    own = int(((cpu == "vm_usage") & (source != "timeseries")).sum())
    host = int((cpu == "host_usage").sum())
    ratio = int((cpu == "vcpu_ratio").sum())
    phrases = [(series, "from per-VM time series"),
               (own, "from one snapshot or summary of their own usage"),
               (host, "from their hosts' measured use at export time"),
               (ratio, "from allocation at today's vCPU-to-core ratio")]
    parts = [(count, text) for count, text in phrases if count]
    if len(parts) == 1 and parts[0][0] == n:
        # "all 710 ... 710 from one snapshot" would say the number twice
        reason = (f"All {fmt.count(n)} in-scope VMs are sized" if n > 1
                  else "The one in-scope VM is sized") + f" {parts[0][1]} (CPU sizing)."
    else:
        reason = (f"Of {fmt.plural(n, 'in-scope VM')}, CPU is sized for "
                  + "; ".join(f"{count:,} {text}" for count, text in parts) + ".")
    if inferred_share >= INFERRED_SHARE_PENALTY:
        reason += (f" {inferred_share:.0%} of the VMs run on hosts that were inferred, not "
                   "read (one star less).")
    raise_: list[str] = []
    if ratio or host:
        raise_.append("Export RVTools with its vCPU and vMemory tabs, so that each VM is sized "
                      "from its own CPU use (Overall MHz) and memory (Active and Consumed).")
    if series < n:
        raise_.append("Collect 30 days or more of per-VM CPU and memory samples (for example "
                      "from Aria/vRealize Operations, Azure Migrate performance data or "
                      "Prometheus) and pass them with --timeseries: stars rise to 5 when the "
                      "sizing rests on a month of history.")
    if inferred_share > 0:
        raise_.append("Include the vHost tab (or a host list) so that every host is read, "
                      "not inferred from the current.* assumptions.")
    return reason, tuple(raise_)


def problem_row(p: Problem) -> ProblemRow:
    """A reading problem as a table row."""
    return ProblemRow(kind=p.kind, message=p.message, file=p.file, sheet=p.sheet, row=p.row,
                      column=p.column)


def quality_report(inventory: Inventory, sized_vms: pd.DataFrame,
                   extra_problems: tuple[Problem, ...] = (),
                   inferred_share: float = 0.0) -> QualityReport:
    """Per-file and overall quality of an `Inventory` and its scoped, sized VM table.

    `sized_vms` carries `cpu_basis` / `memory_basis` (from sizing); `inferred_share` is the
    share of in-scope VMs on inferred hosts. `extra_problems` (e.g. override lines that match
    no VM) are listed after the readers'.
    """
    duplicates: dict[str, int] = {}
    for p in inventory.problems:
        if p.kind == "duplicate":
            duplicates[str(p.file)] = duplicates.get(str(p.file), 0) + 1
    in_scope = sized_vms["in_scope"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    scores = vm_evidence_stars(sized_vms)
    source = sized_vms["source"].astype("string").to_numpy(dtype=object)
    files = []
    for f in inventory.files:
        n, with_usage, share = _usage_share(sized_vms, source == f.file)
        files.append(FileQualityRow(
            file=f.file, format=f.format, rows_read=int(f.rows_read), vms_kept=int(f.vms_kept),
            rows_dropped=sum(p.kind == "rejected" for p in f.problems),
            duplicates=duplicates.get(f.file, 0),
            imputed_fields=sum(p.kind == "imputed" for p in f.problems),
            unmapped_columns=tuple(str(p.column) for p in f.problems
                                   if p.kind == "unmapped_column"),
            vms_in_scope=n, vms_with_usage=with_usage, usage_share=share,
            confidence_stars=evidence_stars(scores[(source == f.file) & in_scope],
                                            inferred_share),
        ))
    n, with_usage, share = _usage_share(sized_vms)
    stars = evidence_stars(scores[in_scope], inferred_share)
    overall = QualityOverall(
        rows_read=sum(f.rows_read for f in files),
        vms_kept=len(sized_vms),
        rows_dropped=sum(f.rows_dropped for f in files),
        duplicates=sum(f.duplicates for f in files),
        vms_in_scope=n, vms_with_usage=with_usage, usage_share=share,
        confidence_stars=stars,
    )
    # Only the columns the confidence text and basis counts read.
    scoped = sized_vms[[c for c in ("cpu_basis", "memory_basis", "usage_source")
                        if c in sized_vms.columns]][in_scope]
    reason, raise_ = _confidence_text(scoped, stars, inferred_share)
    problems = tuple(problem_row(p) for p in (*inventory.all_problems, *extra_problems))
    return QualityReport(
        files=tuple(files), overall=overall, confidence_stars=stars, confidence_reason=reason,
        raise_confidence=raise_, cpu_basis=_basis_counts(scoped, "cpu_basis", CPU_BASES),
        memory_basis=_basis_counts(scoped, "memory_basis", MEMORY_BASES), problems=problems)


def sized_for_quality(inventory: Inventory, scoped_vms: pd.DataFrame,
                      assumptions: Assumptions | None = None) -> pd.DataFrame:
    """`scoped_vms` with the evidence and sizing-basis columns (for `validate`, which does not
    plan)."""
    a = assumptions or load_assumptions()
    vms = pd.concat([scoped_vms, host_evidence(scoped_vms, inventory.hosts)], axis=1)
    sizing = size_containers(vms, a.sizing, a.flat_values()).frame
    return vms.assign(cpu_basis=sizing["cpu_basis"], memory_basis=sizing["memory_basis"])


def inventory_summary(scoped_vms: pd.DataFrame, rows_rejected: int) -> InventorySummary:
    """What was read and what is in scope, from the scoped VM table."""
    vms = scoped_vms
    # Only the columns summed here, not rows of the whole frame (a copy of every column).
    inscope = vms[["os_end_of_support", "os_family", "vcpus", "memory_gib", "storage_used_gib"]][
        vms["in_scope"].astype("boolean").fillna(False).to_numpy(bool)]
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


# Problem kinds that are normal gap-filling, shown by `validate` as notes, not problems.
NOTE_KINDS = frozenset({"imputed"})
# (sizing column, basis, what a VM sized that way lacks and what replaces it).
_FILLED_BASES: tuple[tuple[str, str, str], ...] = (
    ("cpu_basis", "host_usage", "no CPU use of {its} own: sized from {its} host's measured use"),
    ("cpu_basis", "vcpu_ratio", "no CPU use of {its} own: sized from allocation at today's "
     "vCPU-to-core ratio"),
    ("memory_basis", "allocated", "no memory use of {its} own: sized from allocation"),
)


def validation_notes(vms: pd.DataFrame, hosts_known: bool) -> list[dict[str, Any]]:
    """Notes on how the estimate will fill gaps: VMs sized without their own usage, and
    hosts that will be inferred. Rows shaped like problems (kind, message, file...)."""
    scope = vms["in_scope"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    inscope = vms[scope]
    out: list[str] = []
    for column, basis, text in _FILLED_BASES:
        n = _basis_counts(inscope, column, (basis,)).get(basis, 0)
        if n:
            its = fmt.noun(n, "its", "their")
            out.append(f"{fmt.plural(n, 'in-scope VM')} {fmt.noun(n, 'has', 'have')} "
                       + text.format(its=its))
    listed = (vms["on_listed_host"].to_numpy(dtype=bool) if "on_listed_host" in vms.columns
              else np.zeros(len(vms), dtype=bool))
    unlisted = int((scope & ~listed).sum())
    if not hosts_known and scope.any():
        out.append("No host list: today's hosts will be inferred from the current.host_cores, "
                   "current.vcpu_per_core and current.host_memory_gib assumptions")
    elif unlisted:
        out.append(f"{fmt.plural(unlisted, 'in-scope VM runs', 'in-scope VMs run')} on hosts "
                   "missing from the host list (or name none): those hosts will be inferred "
                   "from the current.* assumptions")
    return [{"kind": "estimate", "message": m, "file": None, "sheet": None, "row": None,
             "column": None} for m in out]


def validation_summary(inventory: Inventory, scoped_vms: pd.DataFrame,
                       extra_problems: tuple[Problem, ...] = (),
                       assumptions: Assumptions | None = None) -> dict[str, Any]:
    """The `estimator validate --json` document.

    Keys: `inventory` (counts, in-scope capacity, VMs by source, OS families of the in-scope
    VMs), `current` (hosts and physical cores, null when no host data), `quality` (see
    `quality_report`), `problems` (rows dropped, duplicates, unreadable cells, unmapped
    columns...), `notes` (the normal gap-filling: imputed fields, VMs sized from allocation,
    inferred hosts) and `usable` (at least one VM in scope).
    """
    vms = sized_for_quality(inventory, scoped_vms, assumptions)
    report = quality_report(inventory, vms, extra_problems, inferred_share(vms))
    summary = inventory_summary(vms, report.overall.rows_dropped)
    by_source = {}
    in_scope = vms["in_scope"].astype(bool).to_numpy(dtype=bool)
    for f in inventory.files:
        mine = (vms["source"] == f.file).to_numpy(dtype=bool)
        by_source[f.file] = {"format": f.format, "vms": int(mine.sum()),
                             "in_scope": int((in_scope & mine).sum())}
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
        "problems": [p.model_dump() for p in report.problems if p.kind not in NOTE_KINDS],
        "notes": [*(p.model_dump() for p in report.problems if p.kind in NOTE_KINDS),
                  *validation_notes(vms, known)],
        "usable": summary.vms_in_scope > 0,
    }
    # Fit rules without sizing (SIZE-EXCEEDS-NODE needs the plan): VMs caught per family.
    a = assumptions or load_assumptions()
    fit = classify_fit(scoped_vms, a.fit, a.flat_values())
    doc["fit_families"] = family_counts(fit)
    doc["fit_rules"] = rule_counts(fit)
    return plain(doc)  # type: ignore[no-any-return]
