"""Everything a reader is told, computed once: summary blocks, findings and sentences.

The pipeline calls these after the steps; HTML, Excel, JSON, the terminal and the notebook
only lay out what they return. Renderers never count, group or sum per-VM rows themselves.

- `summarise_current`, `summarise_fit`, `summarise_target`, `summarise_money`: the typed
  headline blocks of `Estimate`.
- `build_insights`: staying VMs by reason (idle ones as retired), the costliest staying and
  best-saving moving VMs, the OS x end-of-support table, the security findings tied to the
  estate, the executive summary and one takeaway per chart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from estimator import formatting as fmt
from estimator.assumptions import Assumptions, platforms
from estimator.fit import fit_counts, outcome_counts, outcome_reasons, top_reasons
from estimator.model import (
    RETIRING_LEVELS,
    CapacityRow,
    ContractPriceRow,
    CurrentEstate,
    FitReasonRow,
    FitSummary,
    Insights,
    InventorySummary,
    KeyAssumptionRow,
    MoneySummary,
    MovingVmRow,
    OsSupportRow,
    OutcomeReasonRow,
    QualityReport,
    SecurityFinding,
    StayingReasonRow,
    StayingVmRow,
    TargetSummary,
    Uncertainty,
    rows,
)

TOP_MOVING = 50      # best-saving moving VMs listed
TOP_STAYING = 100    # costliest staying VMs listed
TOP_OS = 12          # OS products shown; the rest are "other"
RETIRE_LEVEL = "retire_idle"
# OS families as a sentence names them ("724 Windows, 38 Linux, 1 other OS").
OS_FAMILIES = {"windows": "Windows", "linux": "Linux", "other": "other OS",
               "unknown": "unknown OS"}


# -- small helpers ---------------------------------------------------------------------------
def _mask(vms: pd.DataFrame, column: str) -> np.ndarray:
    if column not in vms.columns:
        return np.zeros(len(vms), dtype=bool)
    return vms[column].astype("boolean").fillna(False).to_numpy(dtype=bool)


def _float(vms: pd.DataFrame, column: str) -> pd.Series:
    if column not in vms.columns:
        return pd.Series(np.nan, index=vms.index, dtype="float64")
    return pd.to_numeric(vms[column], errors="coerce").astype("float64")


def _text(vms: pd.DataFrame, column: str) -> pd.Series:
    if column not in vms.columns:
        return pd.Series(pd.NA, index=vms.index, dtype="string")
    return vms[column].astype("string")


def _rows(vms: pd.DataFrame, mask: np.ndarray, columns: Sequence[str]) -> pd.DataFrame:
    """The masked rows of just the named columns: a row filter of the whole per-VM frame
    copies every text column (about 0.5 GB at a million VMs)."""
    return vms.loc[mask, [c for c in dict.fromkeys(columns) if c in vms.columns]]


def short_reason(text: Any) -> str:
    """The headline of a fit reason: the part before its first colon, without a final stop.

    >>> short_reason("Windows Server older than 2016: upgrade the OS first.")
    'Windows Server older than 2016'
    """
    t = str(text).strip()
    head = t.split(": ", 1)[0]
    if len(head) >= 8:
        t = head
    return t.rstrip(". ")


# -- headline blocks -------------------------------------------------------------------------
def _used(hosts: pd.DataFrame, fraction: str, size: str) -> float | None:
    """Hosts' measured use (fraction x size); hosts without a figure at the mean fraction."""
    if fraction not in hosts.columns or size not in hosts.columns:
        return None
    f = pd.to_numeric(hosts[fraction], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    s = pd.to_numeric(hosts[size], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    known = np.isfinite(f) & np.isfinite(s)
    if not known.any():
        return None
    mean = float(np.dot(f[known], s[known]) / s[known].sum()) if s[known].sum() > 0 else 0.0
    return float(np.nansum(np.where(known, f * s, mean * s)))


def summarise_current(hosts: pd.DataFrame, host_count: int, hosts_inferred: bool,
                      physical_cores: float, vms: pd.DataFrame) -> CurrentEstate:
    """The hosts that run the in-scope VMs today: installed and in-use capacity.

    `hosts` are the hosts the cost model counts (read, unlisted and inferred); in-use capacity
    comes from their measured use (vHost CPU and memory usage), else from the VMs' own use.
    """
    scope = _mask(vms, "in_scope")
    n_scope = int(scope.sum())
    memory = pd.to_numeric(hosts["memory_gib"], errors="coerce").sum() if len(hosts) else 0.0
    cpu_used = _used(hosts, "cpu_usage_fraction", "cores")
    mem_used = _used(hosts, "memory_usage_fraction", "memory_gib")
    on = vms[scope & (_text(vms, "power_state") == "poweredOn").fillna(False).to_numpy(bool)]
    if cpu_used is None and _float(on, "cpu_util").notna().any():
        cpu_used = float((_float(on, "vcpus") * _float(on, "cpu_util")).sum())
    if mem_used is None and _float(on, "memory_util").notna().any():
        mem_used = float((_float(on, "memory_gib") * _float(on, "memory_util")).sum())
    return CurrentEstate(
        hosts=int(host_count), hosts_inferred=bool(hosts_inferred),
        physical_cores=float(physical_cores) if host_count else None,
        memory_gib=float(memory) if host_count and memory > 0 else None,
        cpu_used_cores=cpu_used, memory_used_gib=mem_used,
        vms_per_host=float(n_scope / host_count) if host_count else None,
    )


def summarise_fit(vms: pd.DataFrame, fit_reasons: pd.DataFrame) -> FitSummary:
    """Which in-scope VMs move, stay or retire, and the most common reasons."""
    scope = _mask(vms, "in_scope")
    moves = _mask(vms, "moves") & scope
    level = _text(vms, "fit_level")
    retire = level.isin(list(RETIRING_LEVELS)).fillna(False).to_numpy(dtype=bool) & scope
    return FitSummary(
        counts=fit_counts(vms[scope]), vms_moving=int(moves.sum()),
        vms_staying=int((scope & ~moves & ~retire).sum()), vms_retiring=int(retire.sum()),
        outcomes=outcome_counts(vms[scope]),
        outcome_reasons=rows(outcome_reasons(vms[scope]), OutcomeReasonRow),
        top_reasons=rows(fit_reasons.head(10), FitReasonRow),
    )


def summarise_target(pools: pd.DataFrame, totals: Mapping[str, float], fallbacks: int,
                     isolation_extra_nodes: int, hosts_kept: float = 0.0,
                     platform: str = "custom", hardware_model: str = "owned") -> TargetSummary:
    """The container platform after the move, from the packing result."""
    has = len(pools) > 0
    packed = (pools["nodes"] - pools["spare_nodes"]).to_numpy(dtype=float) if has else np.zeros(0)
    cpu_req = float(pools["cpu_request_cores"].sum()) if has else 0.0
    mem_req = float(pools["memory_request_gib"].sum()) if has else 0.0
    cpu_alloc = float((packed * pools["allocatable_cpu_cores"].to_numpy(float)).sum()) \
        if has else 0.0
    mem_alloc = float((packed * pools["allocatable_memory_gib"].to_numpy(float)).sum()) \
        if has else 0.0
    return TargetSummary(
        platform=platform, hardware_model=hardware_model,
        nodes=int(totals.get("nodes", 0)),
        nodes_lower_bound=int(totals.get("nodes_lower_bound", 0)),
        spare_nodes=int(pools["spare_nodes"].sum()) if has else 0,
        workloads=int(totals.get("workloads", 0)),
        workloads_per_node=float(totals.get("workloads_per_node", 0.0)),
        isolation_extra_nodes=int(isolation_extra_nodes),
        sizing_fallbacks=int(fallbacks),
        cpu_request_cores=cpu_req, memory_request_gib=mem_req,
        node_cores=float((pools["nodes"] * pools["node_cores"]).sum()) if has else 0.0,
        node_memory_gib=float((pools["nodes"] * pools["node_memory_gib"]).sum()) if has else 0.0,
        hosts_kept=float(hosts_kept),
        cpu_request_share=cpu_req / cpu_alloc if cpu_alloc > 0 else None,
        memory_request_share=mem_req / mem_alloc if mem_alloc > 0 else None,
    )


def summarise_money(annual_before: float, annual_after: float, one_off: float,
                    payback_months: float | None, npv: float, values: Mapping[str, float]
                    ) -> MoneySummary:
    """The yearly costs, the one-off and the return."""
    return MoneySummary(
        annual_before=float(annual_before), annual_after=float(annual_after),
        annual_savings=float(annual_before) - float(annual_after),
        one_off_migration=float(one_off),
        payback_months=None if payback_months is None else float(payback_months),
        npv=float(npv), horizon_years=int(values["finance.horizon_years"]),
        discount_rate=float(values["finance.discount_rate"]),
    )


# -- findings --------------------------------------------------------------------------------
def _staying(vms: pd.DataFrame) -> tuple[int, tuple[StayingReasonRow, ...],
                                         tuple[StayingVmRow, ...]]:
    """In-scope VMs that do not move: by level and reason, and the costliest ones."""
    stay = _rows(vms, _mask(vms, "in_scope") & ~_mask(vms, "moves"),
                 ["fit_level", "fit_reason", "annual_before", "name", "os_raw"])
    if stay.empty:
        return 0, (), ()
    level = _text(stay, "fit_level").fillna("unknown")
    reason = _text(stay, "fit_reason").fillna("").replace("", fmt.DASH)
    by = (pd.DataFrame({"fit_level": level, "reason": reason}).value_counts()
          .rename("vms").reset_index())
    cost = _float(stay, "annual_before")
    order = cost.fillna(-1).to_numpy().argsort(kind="stable")[::-1][:TOP_STAYING]
    top = pd.DataFrame({
        "name": _text(stay, "name").fillna(fmt.DASH).iloc[order].to_numpy(),
        "fit_level": level.iloc[order].to_numpy(),
        "reason": reason.iloc[order].to_numpy(),
        "os": _text(stay, "os_raw").iloc[order].to_numpy(),
        "annual_before": cost.iloc[order].to_numpy(),
    })
    return len(stay), rows(by, StayingReasonRow), rows(top, StayingVmRow)


def _moving(vms: pd.DataFrame) -> tuple[MovingVmRow, ...]:
    moving = _rows(vms, _mask(vms, "moves"),
                   ["name", "fit_level", "pool", "cpu_request_cores", "memory_request_gib",
                    "annual_before", "annual_after", "annual_savings", "os_raw"])
    if moving.empty:
        return ()
    top = moving.nlargest(TOP_MOVING, "annual_savings")
    frame = pd.DataFrame({
        "name": _text(top, "name").fillna(fmt.DASH), "fit_level": _text(top, "fit_level"),
        "pool": _text(top, "pool"), "cpu_request_cores": _float(top, "cpu_request_cores"),
        "memory_request_gib": _float(top, "memory_request_gib"),
        "annual_before": _float(top, "annual_before"),
        "annual_after": _float(top, "annual_after"),
        "annual_savings": _float(top, "annual_savings"), "os": _text(top, "os_raw"),
    })
    return rows(frame, MovingVmRow)


def _os_support(vms: pd.DataFrame) -> tuple[OsSupportRow, ...]:
    """In-scope VMs per OS product and support status, top products first."""
    v = _rows(vms, _mask(vms, "in_scope"),
              ["os_family", "os_name", "os_version", "os_end_of_support"])
    if v.empty:
        return ()
    family = _text(v, "os_family").fillna("unknown")
    name = _text(v, "os_name").fillna(family)
    product = (name + " " + _text(v, "os_version").fillna("")).str.strip()
    eos = _mask(v, "os_end_of_support")
    table = (pd.DataFrame({"product": product, "eos": eos})
             .groupby(["product", "eos"]).size().unstack(fill_value=0))
    for col in (False, True):
        if col not in table:
            table[col] = 0
    table["total"] = table[False] + table[True]
    table = table.sort_values(["total"], ascending=False, kind="stable")
    if len(table) > TOP_OS:
        rest = table.iloc[TOP_OS:].sum()
        table = pd.concat([table.iloc[:TOP_OS], pd.DataFrame([rest], index=["other"])])
    frame = pd.DataFrame({"product": table.index.astype(str),
                          "supported_vms": table[False].to_numpy(),
                          "end_of_support_vms": table[True].to_numpy(),
                          "total_vms": table["total"].to_numpy()})
    return rows(frame, OsSupportRow)


def _security(vms: pd.DataFrame, target: TargetSummary, inventory: InventorySummary,
              isolation_keys: Sequence[str], pools: int) -> tuple[SecurityFinding, ...]:
    """Security points, each tied to this estate's figures."""
    moving = _rows(vms, _mask(vms, "moves"),
                   ["security_zone", "needs_os_upgrade", "os_name", "os_version", "os_family",
                    "environment"])
    n_work = len(moving)
    zones = _text(moving, "security_zone").dropna()
    n_zones = int(zones[zones.str.strip() != ""].nunique())
    keys = list(isolation_keys) or ["os_family"]
    split = ", ".join(fmt.column_label(k) for k in keys)
    extra = target.isolation_extra_nodes
    items: list[SecurityFinding] = []
    if n_zones > 1 and "security_zone" in keys:
        iso = (f"{fmt.count(n_zones)} security zones among the moving workloads are kept on "
               f"separate node pools ({fmt.plural(pools, 'pool')} in all); that isolation costs "
               f"{fmt.plural(extra, 'extra node')}.")
    elif n_zones > 1:
        iso = (f"{fmt.count(n_zones)} security zones among the moving workloads would share "
               f"nodes and a kernel. Add the security zone to the isolation keys "
               f"(platform.isolation_keys) to give each zone its own node pool; today's "
               f"{fmt.plural(pools, 'pool')} split only by {split}.")
    else:
        iso = (f"Containers share the node's kernel. The {fmt.plural(n_work, 'workload')} run in "
               f"{fmt.plural(pools, 'node pool')} split by {split}"
               + (f", costing {fmt.plural(extra, 'extra node')}" if extra else "")
               + "; no security-zone tags were found to split further.")
    items.append(SecurityFinding(title="Shared-kernel isolation", text=iso))

    upgrade = moving[_mask(moving, "needs_os_upgrade")]
    if len(upgrade):
        prod = (_text(upgrade, "os_name").fillna("unknown") + " "
                + _text(upgrade, "os_version").fillna("")).str.strip()
        top = prod.value_counts().head(3)
        detail = ", ".join(f"{fmt.count(c)} on {p}" for p, c in top.items())
        text = (f"{fmt.plural(len(upgrade), 'moving workload')} run an end-of-support OS "
                f"({detail}): rebuild them on a supported, minimal base image and scan every "
                f"image for known vulnerabilities in the build pipeline.")
    else:
        text = ("No moving workload runs an end-of-support OS. Build on minimal, supported "
                "base images and scan every image for known vulnerabilities before release.")
    if inventory.os_end_of_support_vms:
        text += (f" In all, {fmt.plural(inventory.os_end_of_support_vms, 'in-scope VM')} run an "
                 "end-of-support OS today.")
    items.append(SecurityFinding(title="Image vulnerabilities", text=text))

    windows = int((_text(moving, "os_family") == "windows").sum())
    items.append(SecurityFinding(title="Privileged access", text=(
        f"VM administrators had root on {fmt.plural(n_work, 'machine')} that become containers. "
        "Enforce the Pod Security 'restricted' profile: no privileged containers, no host "
        "paths or host network, non-root users, read-only root file systems where possible."
        + (f" The {fmt.plural(windows, 'Windows workload')} need Windows nodes and HostProcess "
           "containers only where unavoidable." if windows else ""))))
    items.append(SecurityFinding(title="Registries and supply chain", text=(
        f"About {fmt.plural(n_work, 'image')} will be built. Pull only from a private registry, "
        "sign images and admit only signed ones, and pin base images by digest.")))
    text = (f"Set requests and limits from the sizing table (VMs sheet of the workbook): "
            f"{fmt.number(target.cpu_request_cores)} cores and "
            f"{fmt.number(target.memory_request_gib)} GiB requested across "
            f"{fmt.plural(n_work, 'workload')}, so that one workload cannot starve its neighbours.")
    if target.sizing_fallbacks:
        text += (f" {fmt.plural(target.sizing_fallbacks, 'VM was', 'VMs were')} sized from "
                 "allocation because usage was missing: measure them in a trial run and "
                 "tighten their limits.")
    items.append(SecurityFinding(title="Resource requests and limits", text=text))
    envs = int(_text(moving, "environment").dropna().nunique())
    items.append(SecurityFinding(title="Network policy", text=(
        "Apply default-deny network policies per namespace and open only the flows each "
        "workload needs" + (f"; keep the {fmt.count(envs)} environments" if envs > 1 else "")
        + (f" and {fmt.count(n_zones)} security zones" if n_zones > 1 else "")
        + (" in separate namespaces." if envs > 1 or n_zones > 1 else "."))))
    items.append(SecurityFinding(title="Monitoring and audit", text=(
        f"Per-VM agents on {fmt.plural(n_work, 'machine')} give way to per-node agents on "
        f"{fmt.plural(target.nodes, 'node')}: collect container logs and metrics, enable "
        "Kubernetes audit logging and runtime threat detection, and alert on policy "
        "violations.")))
    return tuple(items)


def _capacity(current: CurrentEstate, target: TargetSummary, fit: FitSummary,
              quality: QualityReport) -> tuple[tuple[CapacityRow, ...], str | None]:
    """Today and after in the same units, and why the nodes hold more when they do."""
    now, cpu_basis = current, quality.cpu_basis
    per_host = (now.physical_cores / now.hosts) if now.hosts and now.physical_cores else None
    mem_host = (now.memory_gib / now.hosts) if now.hosts and now.memory_gib else None
    measured = ("the hosts' measured use at export time" if cpu_basis.get("host_usage")
                else "the VMs' own use" if now.cpu_used_cores is not None else "not measured")
    rows = [
        CapacityRow(figure="Installed today", cores=now.physical_cores,
                    memory_gib=now.memory_gib,
                    note=f"{fmt.plural(now.hosts, 'host')}"
                    + (", some inferred from the current.* assumptions"
                       if now.hosts_inferred else "")),
        CapacityRow(figure="In use today", cores=now.cpu_used_cores,
                    memory_gib=now.memory_used_gib, note=measured),
        CapacityRow(figure="Requested after", cores=target.cpu_request_cores,
                    memory_gib=target.memory_request_gib,
                    note=f"container requests of {fmt.plural(fit.vms_moving, 'moving workload')}"),
        CapacityRow(figure="Node capacity after", cores=target.node_cores,
                    memory_gib=target.node_memory_gib,
                    note=f"{fmt.plural(target.nodes, 'node')}, spares included"),
    ]
    if target.hosts_kept:
        rows.append(CapacityRow(
            figure="Hosts kept for VMs that stay",
            cores=target.hosts_kept * per_host if per_host else None,
            memory_gib=target.hosts_kept * mem_host if mem_host else None,
            note=f"{fmt.count(target.hosts_kept)} of today's hosts"))
    over_cpu = now.physical_cores is not None and target.node_cores > now.physical_cores
    over_mem = now.memory_gib is not None and target.node_memory_gib > now.memory_gib
    if not (over_cpu or over_mem):
        return tuple(rows), _nodes_note(now, target, fit)
    what = (f"{fmt.count(target.node_cores)} cores against {fmt.count(now.physical_cores)} "
            "installed today" if over_cpu else
            f"{fmt.count(target.node_memory_gib)} GiB against {fmt.count(now.memory_gib)} GiB "
            "installed today")
    main = max(cpu_basis, key=lambda k: cpu_basis[k]) if cpu_basis else ""
    if main == "vcpu_ratio":
        why = ("most VMs were sized from allocation at today's vCPU-to-core ratio, as no usage "
               "was measured")
    elif main == "host_usage" and now.cpu_used_cores is not None and now.physical_cores:
        busy = fmt.pct(now.cpu_used_cores / now.physical_cores)
        why = (f"sized from the hosts' measured use ({busy} of today's cores are busy) plus "
               "the comfort factor, node reservations and headroom")
    else:
        why = ("requests include the comfort factor, and nodes keep reservations, headroom and "
               "HA spares")
    if over_mem and not over_cpu:
        why = ("memory is the binding resource: " + why)
    return tuple(rows), f"After, the nodes hold {what}: {why}."


def _nodes_note(now: CurrentEstate, target: TargetSummary, fit: FitSummary) -> str | None:
    """One sentence when there are more nodes than hosts today, or fewer workloads per node
    than VMs per host: which resource fills the nodes, with today's figure beside it."""
    if not target.nodes:
        return None
    more = bool(now.hosts) and target.nodes > now.hosts
    sparser = (now.vms_per_host is not None
               and target.workloads_per_node < now.vms_per_host - 0.05)
    if not (more or sparser):
        return None
    if more:
        lead = (f"There are more nodes after ({fmt.count(target.nodes)}) than hosts today "
                f"({fmt.count(now.hosts)})")
    else:
        lead = (f"The nodes hold fewer workloads ({fmt.number(target.workloads_per_node)} per "
                f"node) than today's hosts hold VMs ({fmt.number(now.vms_per_host)} per host)")
    cpu, mem = target.cpu_request_share, target.memory_request_share
    if cpu is None and mem is None:
        return None
    per_node_cores = target.node_cores / target.nodes
    per_node_mem = target.node_memory_gib / target.nodes
    if (cpu or 0.0) >= (mem or 0.0):
        used = (f" against {fmt.count(now.cpu_used_cores)} cores in use today"
                if now.cpu_used_cores is not None else "")
        fills = (f"CPU fills them first: the {fmt.plural(fit.vms_moving, 'moving workload')} "
                 f"request {fmt.count(target.cpu_request_cores)} cores{used} "
                 f"({fmt.pct(cpu)} of what the nodes can allocate)")
    else:
        used = (f" against {fmt.count(now.memory_used_gib)} GiB in use today"
                if now.memory_used_gib is not None else "")
        fills = (f"memory fills them first: the "
                 f"{fmt.plural(fit.vms_moving, 'moving workload')} request "
                 f"{fmt.count(target.memory_request_gib)} GiB{used} ({fmt.pct(mem)} of what "
                 "the nodes can allocate)")
    size = (f"each node has {fmt.count(per_node_cores)} cores and {fmt.count(per_node_mem)} GiB "
            "less reservations and headroom")
    if now.hosts and now.physical_cores and now.memory_gib:
        size += (f" (a host today: {fmt.count(now.physical_cores / now.hosts)} cores and "
                 f"{fmt.count(now.memory_gib / now.hosts)} GiB)")
    spare = fmt.plural(target.spare_nodes, "node is an HA spare", "nodes are HA spares")
    spares = f", and {spare}" if target.spare_nodes else ""
    return f"{lead} because {fills}; {size}{spares}."


# -- page one: key assumptions and next steps -------------------------------------------------
KEY_PRICES = 3       # prices in the key-assumptions box
APPENDIX_RANGED = 8  # ranged assumptions the appendix leads with, beyond the changed ones


def assumption_label(text: Any) -> str:
    """An assumption's description as a label: no final stop, and no parenthesis that names
    settings (`(subscription_basis = per_socket_pair)`), which a reader cannot act on.

    >>> assumption_label("Platform subscription per socket pair (subscription_basis = x).")
    'Platform subscription per socket pair'
    """
    t = re.sub(r"\s*\([^()]*(?:_|=)[^()]*\)", "", str(text).strip()).rstrip(". ")
    # a trailing clause about a setting ("…, used when platform.hardware_model = cloud")
    head, sep, tail = t.rpartition(", ")
    if sep and head and re.search(r"_|=|[a-z]\.[a-z0-9.-]*_", tail):
        t = head
    return t.strip()


def _lower_first(text: str) -> str:
    """`'Patching effort'` -> `'patching effort'`, but `'OS care'` stays as it is."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def short_source(source: Any) -> str:
    """The first clause of a source ('estimate, no public source; …' reads 'estimate, no
    public source')."""
    if not isinstance(source, str):
        return fmt.DASH
    return source.split("; ", 1)[0].strip().rstrip(".") or fmt.DASH


def _key_prices(sensitivity: pd.DataFrame | None, a: Assumptions | None
                ) -> tuple[ContractPriceRow, ...]:
    """The price assumptions that move the net present value most, sourced or not."""
    if sensitivity is None or a is None or sensitivity.empty:
        return ()
    values = a.flat_values()
    return tuple(
        ContractPriceRow(key=str(r.key), label=assumption_label(r.label), unit=str(r.unit),
                         value=float(values[str(r.key)]), swing=float(r.swing),
                         source=a.describe(str(r.key)).source)
        for r in sensitivity.head(KEY_PRICES).itertuples(index=False))


def _basis(counts: Mapping[str, int]) -> str:
    """`'the host's measured use for 735 VMs; allocation for 28 VMs'`, largest first."""
    order = sorted(counts.items(), key=lambda kv: -kv[1])
    return "; ".join(f"{fmt.BASIS_LABELS.get(k, fmt.label(k))} for {fmt.plural(n, 'VM')}"
                     for k, n in order if n) or "no VM moves"


def _platform_summary(name: str) -> str:
    """The archetype's description up to its first colon: what the platform is."""
    for p in platforms():
        if p.name == name:
            return short_reason(p.description)
    return "custom settings" if name == "custom" else name


def _key_assumptions(current: CurrentEstate, money: MoneySummary, quality: QualityReport,
                     platform: str, prices: tuple[ContractPriceRow, ...],
                     a: Assumptions | None) -> tuple[KeyAssumptionRow, ...]:
    """What the result rests on: platform, sizing basis, hosts, finance, the top prices."""
    rows = []
    if platform:
        rows.append(KeyAssumptionRow(
            topic="Platform", text=f"{_platform_summary(platform)} ({platform})",
            source="chosen with --platform; estimator platforms lists the others",
            key=None))
    rows += [
        KeyAssumptionRow(topic="CPU sized from", text=_basis(quality.cpu_basis),
                         source="the inventory's usage figures", key=None),
        KeyAssumptionRow(topic="Memory sized from", text=_basis(quality.memory_basis),
                         source="the inventory's usage figures", key=None),
    ]
    if current.hosts_inferred:
        rows.append(KeyAssumptionRow(
            topic="Hosts today", text=f"{fmt.plural(current.hosts, 'host')}, some inferred",
            source="the inventory, with the current.* host geometry where hosts were not "
                   "listed", key=None))
    rows.append(KeyAssumptionRow(
        topic="Finance",
        text=(f"{fmt.count(money.horizon_years)}-year horizon, "
              f"{fmt.quantity(money.discount_rate * 100)}% discount rate"),
        source=short_source(a.describe("finance.discount_rate").source) if a else fmt.DASH,
        key="finance.discount_rate"))
    for p in prices:
        rows.append(KeyAssumptionRow(
            topic="Price",
            text=f"{p.label}: {fmt.quantity(p.value)} {p.unit}".strip(),
            source=short_source(p.source), key=p.key))
    return tuple(rows)


def _next_steps(vms: pd.DataFrame, currency: str, fit: FitSummary, money: MoneySummary,
                quality: QualityReport, moving: tuple[MovingVmRow, ...],
                contract: tuple[ContractPriceRow, ...]) -> tuple[str, ...]:
    """What to do next for this estate: which VMs first, what to retire, which data and which
    prices would firm the estimate up."""
    cur = currency
    out: list[str] = []
    level = _text(vms, "fit_level")
    scope = _mask(vms, "in_scope")
    easy = scope & _mask(vms, "moves") & level.isin(["excellent", "good"]).fillna(False) \
        .to_numpy(dtype=bool)
    n_easy = int(easy.sum())
    if n_easy:
        saved = float(_float(vms, "annual_savings")[easy].sum())
        first = [r for r in moving if r.fit_level in ("excellent", "good")
                 and (r.annual_savings or 0) > 0][:3]
        easy = fmt.plural(n_easy, "VM that fits as it is", "VMs that fit as they are")
        text = (f"Move the {easy} first "
                f"({fmt.count(fit.counts.get('excellent', 0))} excellent, "
                f"{fmt.count(fit.counts.get('good', 0))} good)")
        if saved > 0:
            text += f": {'together they save' if n_easy > 1 else 'it saves'} " \
                    f"{fmt.money(saved, cur)} a year"
        if first:
            text += f"; the largest savings are on {', '.join(r.name for r in first)}"
        out.append(text + ".")
    elif fit.vms_moving:
        first = [r for r in moving if (r.annual_savings or 0) > 0][:3]
        out.append(f"No VM fits as it is: plan the work for the "
                   f"{fmt.plural(fit.vms_moving, 'VM')} that move"
                   + (f", starting with the largest savings ({', '.join(r.name for r in first)})"
                      if first else "") + ".")
    idle = scope & (level == RETIRE_LEVEL).fillna(False).to_numpy(dtype=bool)
    if idle.any():
        cost = float(_float(vms, "annual_before")[idle].sum())
        out.append(f"Confirm with their owners, then retire the "
                   f"{fmt.plural(int(idle.sum()), 'idle or zombie VM')}: they cost "
                   f"{fmt.money(cost, cur)} a year today.")
    if quality.raise_confidence:
        stars = quality.confidence_stars
        head = (f"Raise the confidence (now {fmt.count(stars)} of 5 stars): " if stars is not None
                else "Raise the confidence: ")
        tip = quality.raise_confidence[0]
        out.append(head + _lower_first(tip))
    if contract:
        names = "; ".join(_lower_first(c.label) for c in contract[:3])
        out.append(f"Replace the default prices that move the result most and have no public "
                   f"source with your contract prices: {names}.")
    if money.payback_months is None and money.annual_savings > 0:
        out.append(f"Before committing the one-off budget of "
                   f"{fmt.money(money.one_off_migration, cur)}, check the migration effort: "
                   f"at these prices it does not pay back within "
                   f"{fmt.plural(money.horizon_years, 'year')}.")
    return tuple(out)


def _appendix_keys(a: Assumptions | None, contract: tuple[ContractPriceRow, ...],
                   prices: pd.DataFrame | None, unc: Uncertainty | None) -> tuple[str, ...]:
    """Changed keys, then the ranged ones that move the result most, unsourced first."""
    keys: list[str] = sorted(a.changed_keys()) if a is not None else []
    keys += [c.key for c in contract]
    if prices is not None and not prices.empty:
        keys += [str(k) for k in prices["key"].head(APPENDIX_RANGED)]
    if unc is not None:
        keys += [r.key for r in unc.tornado[:APPENDIX_RANGED]]
    return tuple(dict.fromkeys(keys))


# -- sentences -------------------------------------------------------------------------------
def _platform_split(currency: str, platforms: pd.DataFrame | None) -> str | None:
    """How the saving splits between right-sizing alone and containers, across platforms."""
    if platforms is None or len(platforms) < 2:
        return None
    cur = currency
    box = platforms[platforms["name"] != "vms-rightsized"]
    if box.empty:
        return None
    best = box.loc[box["annual_savings"].astype(float).idxmax()]
    text = (f"Of {len(platforms)} platforms, {best['name']} saves the most: "
            f"{fmt.money(best['annual_savings'], cur)} a year")
    rs = platforms[platforms["name"] == "vms-rightsized"]
    if len(rs):
        alone = fmt.money(rs["annual_savings"].iloc[0], cur)
        text += (f"; right-sizing the VMs alone would save {alone}, so "
                 f"{fmt.money(best['savings_beyond_rightsizing'], cur)} a year comes only from "
                 "containers")
    return text + "."


def _headline(currency: str, inventory: InventorySummary, current: CurrentEstate,
              fit: FitSummary, target: TargetSummary, money: MoneySummary,
              quality: QualityReport, unc: Uncertainty | None,
              staying: tuple[StayingReasonRow, ...], platform: str = "") -> tuple[str, ...]:
    """The executive summary: what moves, what it needs, what it saves, how sure we are."""
    cur = currency
    hosts_text = (f"{fmt.plural(current.hosts, 'host')}' worth of VMs".replace("host' ", "host's ")
                  if current.hosts else "today's hosts")
    on = f" on {platform}" if platform else ""
    if platform == "vms-rightsized":
        first = (f"Right-sizing the {fmt.count(inventory.vms_in_scope)} in-scope VMs onto "
                 f"{fmt.plural(target.hosts_kept, 'host')} instead of {hosts_text}, ")
    else:
        first = (f"Containerising {fmt.count(fit.vms_moving)} of "
                 f"{fmt.count(inventory.vms_in_scope)} VMs{on} would need "
                 f"{fmt.plural(target.nodes, 'node')} instead of {hosts_text}, ")
    if money.annual_savings >= 0:
        first += f"saving {fmt.money(money.annual_savings, cur)} a year"
    else:
        first += f"costing {fmt.money(-money.annual_savings, cur)} more a year"
    if unc is not None:
        p10, p90 = unc.annual_savings.p10, unc.annual_savings.p90
        if money.annual_savings < 0 and p90 is not None and p90 < 0 and p10 is not None:
            # a cost increase reads as a range of extra cost
            first += f" (P10–P90: {fmt.money_range(-p90, -p10)} more)"
        else:
            first += f" (P10–P90: {fmt.money_range(p10, p90)})"
    if money.payback_months is not None:
        first += f", paying back in {fmt.months(money.payback_months)}."
    else:
        first += (f", and the migration does not pay back within "
                  f"{fmt.count(money.horizon_years)} years.")
    lines = [first]
    second = []
    if fit.vms_staying:
        reason = next((short_reason(r.reason) for r in staying
                       if r.fit_level != RETIRE_LEVEL), None)
        second.append(f"{fmt.plural(fit.vms_staying, 'VM stays a VM', 'VMs stay VMs')}"
                      + (f", most often: {reason}" if reason else ""))
    idle = fit.counts.get(RETIRE_LEVEL, 0)
    if idle:
        second.append(f"{fmt.plural(idle, 'idle or zombie VM')} could be retired instead")
    with_platform = fit.vms_retiring - idle
    if with_platform > 0:
        second.append(f"{fmt.plural(with_platform, 'virtualisation-management VM')} "
                      f"{fmt.noun(with_platform, 'retires', 'retire')} with the platform")
    second.append(f"the one-off migration costs {fmt.money(money.one_off_migration, cur)}")
    text = "; ".join(second)
    lines.append(text[:1].upper() + text[1:] + ".")
    stars = quality.confidence_stars
    if stars is not None:
        lines.append(f"Confidence is {fmt.count(stars)} of 5 stars. {quality.confidence_reason}")
    return tuple(lines)


# The point and the median of the draws differ enough to need a sentence.
POINT_MEDIAN_GAP = 0.2


def _money_why(currency: str, money: MoneySummary, cash_flow: pd.DataFrame,
               unc: Uncertainty | None) -> tuple[str, ...]:
    """One sentence each for a money result a reader would question: yearly savings that
    never pay back, and a point estimate far from the median of the draws."""
    cur = currency
    out: list[str] = []
    if money.annual_savings > 0 and money.payback_months is None and len(cash_flow):
        saved = float(cash_flow["savings"].sum())
        costs = [f"{text} ({fmt.money(v, cur)})" for v, text in (
            (float(cash_flow[col].sum()), text) for col, text in (
                ("migration_cost", "the one-off migration"), ("dual_running", "dual running"),
                ("capex", "new servers"))) if v > 0]
        spent = costs[0] + "".join(f" plus {c}" for c in costs[1:]) if costs else "its costs"
        years = len(cash_flow)
        full = float(cash_flow["savings"].iloc[-1])
        out.append(
            f"Savings reach {fmt.money(full, cur)} a year once the moves are done, but over "
            f"{fmt.plural(years, 'year')} they add up to {fmt.money(saved, cur)}, less than "
            f"{spent}, so the migration does not pay back within the horizon.")
    if unc is not None:
        for label, point, p in (("yearly savings", money.annual_savings, unc.annual_savings),
                                ("net present value", money.npv, unc.npv)):
            why = _point_vs_median(cur, label, point, p.p50, unc, money.annual_savings)
            if why:
                out.append(why)
    return tuple(out)


def _point_vs_median(cur: str, label: str, point: float, median: float | None,
                     unc: Uncertainty, savings: float) -> str | None:
    """A sentence when the point and the median differ by more than POINT_MEDIAN_GAP, naming
    the ranges that pull the draws away from the likely values (from the tornado, which is
    in yearly savings around `savings`)."""
    if median is None or abs(point - median) <= POINT_MEDIAN_GAP * abs(median):
        return None
    lower = median < point
    text = (f"The point {label} ({fmt.money(point, cur)}) uses every assumption's likely "
            f"value; the median of {fmt.count(unc.draws)} draws is "
            f"{'lower' if lower else 'higher'} ({fmt.money(median, cur)})")
    # A range reaching further one way than the other moves the typical draw that way: a
    # split-triangular draw's mean sits (low + high - 2 x likely) / 6 from the likely value.
    pull = []
    for r in unc.tornado:
        shift = (r.low_savings - savings) + (r.high_savings - savings)
        if shift != 0 and (shift < 0) == lower:
            pull.append((abs(shift), r.label.strip().rstrip(".")))
    pull.sort(reverse=True)
    if pull:
        names = "; ".join(name[:1].lower() + name[1:] for _, name in pull[:2])
        text += (" because some ranges reach further towards "
                 f"{'higher costs' if lower else 'lower costs'} than the other way, above "
                 f"all: {names}")
    return text + "."


def _takeaways(currency: str, current: CurrentEstate, fit: FitSummary, target: TargetSummary,
               money: MoneySummary, costs: pd.DataFrame, cash_flow: pd.DataFrame,
               pools: pd.DataFrame, unc: Uncertainty | None, scenarios: pd.DataFrame | None,
               os_support: tuple[OsSupportRow, ...], inventory: InventorySummary,
               ) -> dict[str, str]:
    """One sentence per chart, for the charts the estimate has data for (report order)."""
    cur = currency
    out: dict[str, str] = {}
    if len(costs):
        before, after = money.annual_before, money.annual_after
        text = f"Yearly cost goes from {fmt.money(before, cur)} to {fmt.money(after, cur)}"
        if before:
            change = (after - before) / before
            text += f" ({'−' if change < 0 else '+'}{fmt.pct(abs(change))})"
        out["cost_by_category"] = text + "."
        order = costs.sort_values("annual_savings", kind="stable")
        best, worst = order.iloc[-1], order.iloc[0]
        text = (f"The largest saving is {best['category']}: "
                f"{fmt.money(best['annual_savings'], cur)} a year")
        if float(worst["annual_savings"]) < 0:
            text += f"; {worst['category']} adds {fmt.money(-float(worst['annual_savings']), cur)}"
        out["savings_by_category"] = text + "."
    if len(cash_flow):
        end = float(cash_flow["cumulative"].iloc[-1])
        years = len(cash_flow)
        if money.payback_months is None:
            out["cash_flow"] = (f"The migration does not pay back within {years} years; "
                                f"cumulative {fmt.money(end, cur)}.")
        else:
            out["cash_flow"] = (f"Pays back in {fmt.months(money.payback_months)}; cumulative "
                                f"net {fmt.money(end, cur)} after {years} years.")
    if unc is not None and unc.savings_draws:
        p = unc.annual_savings
        out["savings_distribution"] = (
            f"In {fmt.count(unc.draws)} draws, yearly savings are "
            f"{fmt.money_range(p.p10, p.p90, cur)} (P10–P90), positive in "
            f"{fmt.pct(unc.probability_positive_savings)} of cases.")
    if unc is not None and unc.tornado:
        top = unc.tornado[0]
        lo, hi = sorted((top.low_savings, top.high_savings))
        out["tornado"] = (f"{top.label.strip().rstrip('.')} moves the yearly savings most: "
                          f"from {fmt.money(lo, cur)} to {fmt.money(hi, cur)} across its range.")
    out["density"] = (f"Today {fmt.number(current.vms_per_host)} VMs per host on "
                      f"{fmt.plural(current.hosts, 'host')}; after, "
                      f"{fmt.number(target.workloads_per_node)} workloads per node on "
                      f"{fmt.plural(target.nodes, 'node')}.")
    if len(pools):
        text = f"{fmt.plural(target.nodes, 'node')} in {fmt.plural(len(pools), 'pool')}"
        gap = target.nodes - target.nodes_lower_bound
        text += ("; equal to the proven lower bound" if gap <= 0 else
                 f"; the proven lower bound is {fmt.count(target.nodes_lower_bound)} "
                 f"({fmt.count(gap)} fewer)")
        if target.cpu_request_share is not None and target.memory_request_share is not None:
            text += (f"; requests use {fmt.pct(target.cpu_request_share)} of CPU and "
                     f"{fmt.pct(target.memory_request_share)} of memory allocatable")
        out["pools"] = text + "."
    if sum(fit.counts.values()):
        easy = fit.counts.get("excellent", 0) + fit.counts.get("good", 0)
        text = (f"{fmt.count(fit.vms_moving)} of {fmt.count(inventory.vms_in_scope)} in-scope "
                f"VMs can become containers; {fmt.count(easy)} fit well as they are")
        if fit.top_reasons:
            text += f". Most common finding: {short_reason(fit.top_reasons[0].fit_reason)}"
        out["fit"] = text + "."
    if os_support:
        fam = ", ".join(f"{fmt.count(c)} {OS_FAMILIES.get(f, f)}"
                        for f, c in inventory.os_families.items())
        text = f"In scope: {fam}."
        if inventory.os_end_of_support_vms:
            worst_os = max(os_support, key=lambda r: r.end_of_support_vms)
            text = (f"{fmt.plural(inventory.os_end_of_support_vms, 'in-scope VM')} run an "
                    f"end-of-support OS, most often {worst_os.product}. {text}")
        out["os"] = text
    if scenarios is not None and len(scenarios) >= 2:
        best_s = scenarios.loc[scenarios["annual_savings"].astype(float).idxmax()]
        out["scenarios"] = (f"Of {len(scenarios)} scenarios, {best_s['name']} saves the most: "
                            f"{fmt.money(best_s['annual_savings'], cur)} a year.")
    return out


def build_insights(*, vms: pd.DataFrame, currency: str, inventory: InventorySummary,
                   current: CurrentEstate, fit: FitSummary, target: TargetSummary,
                   money: MoneySummary, quality: QualityReport, pools: pd.DataFrame,
                   costs: pd.DataFrame, cash_flow: pd.DataFrame, uncertainty: Uncertainty | None,
                   scenarios: pd.DataFrame | None, isolation_keys: Sequence[str],
                   platform: str = "", platforms: pd.DataFrame | None = None,
                   sensitivity: pd.DataFrame | None = None,
                   assumptions: Assumptions | None = None,
                   keep: Insights | None = None) -> Insights:
    """Every finding and sentence the reports show, from the result's parts.

    `sensitivity` is the NPV swing of each ranged price (uncertainty.price_sensitivity);
    without it, `keep` (the insights built with it) lends its price findings, so rebuilding
    after scenarios keeps them."""
    total, by_reason, staying = _staying(vms)
    os_support = _os_support(vms)
    capacity, capacity_note = _capacity(current, target, fit, quality)
    headline = _headline(currency, inventory, current, fit, target, money, quality,
                         uncertainty, by_reason, platform)
    if capacity_note:
        headline = (headline[0], capacity_note, *headline[1:])
    takeaways = _takeaways(currency, current, fit, target, money, costs, cash_flow, pools,
                           uncertainty, scenarios, os_support, inventory)
    why = _money_why(currency, money, cash_flow, uncertainty)
    headline = (headline[0], *why, *headline[1:])
    split = _platform_split(currency, platforms)
    if split:
        takeaways["platforms"] = split
        headline = (*headline, split)
    if sensitivity is None and keep is not None:
        contract, prices, appendix = keep.contract_prices, keep.key_prices, keep.appendix_keys
    else:
        contract = _contract_prices(sensitivity, assumptions)
        prices = _key_prices(sensitivity, assumptions)
        appendix = _appendix_keys(assumptions, contract, sensitivity, uncertainty)
    moving = _moving(vms)
    return Insights(
        headline=headline,
        takeaways=takeaways,
        staying_total=total, staying_by_reason=by_reason, staying_vms=staying,
        moving_vms=moving, os_support=os_support,
        security=_security(vms, target, inventory, isolation_keys, len(pools)),
        capacity=capacity, capacity_note=capacity_note, money_notes=why,
        contract_prices=contract, key_prices=prices,
        key_assumptions=_key_assumptions(current, money, quality, platform, prices,
                                         assumptions),
        next_steps=_next_steps(vms, currency, fit, money, quality, moving, contract),
        appendix_keys=appendix,
        evidence_note=_evidence_note(quality),
    )


# The sizing evidence in a few words, for the confidence tile.
_EVIDENCE_WORDS = {"vm_usage": "own usage", "host_usage": "host usage",
                   "vcpu_ratio": "allocation", "allocated": "allocation"}


def _evidence_note(quality: QualityReport) -> str:
    """'own usage for 100% of VMs', 'host usage for 96% of VMs': the CPU sizing evidence most
    VMs rest on."""
    counts: dict[str, int] = {}
    for basis, n in quality.cpu_basis.items():
        word = _EVIDENCE_WORDS.get(basis, basis)
        counts[word] = counts.get(word, 0) + n
    total = sum(counts.values())
    if not total:
        return ""
    word, n = max(counts.items(), key=lambda kv: kv[1])
    return f"sized from {word} for {fmt.pct(n / total)} of VMs"


CONTRACT_PRICES = 5


def unsourced(source: str) -> bool:
    """True for a default that no public figure backs (an estimate or a placeholder)."""
    s = source.lower()
    return "no public source" in s or s.startswith(("estimate", "placeholder"))


def _contract_prices(sensitivity: pd.DataFrame | None, a: Assumptions | None
                     ) -> tuple[ContractPriceRow, ...]:
    """The assumptions without a public source that move the saving most."""
    if sensitivity is None or a is None or sensitivity.empty:
        return ()
    values = a.flat_values()
    out = []
    for r in sensitivity.itertuples(index=False):
        info = a.describe(str(r.key))
        if not unsourced(info.source):
            continue
        out.append(ContractPriceRow(key=str(r.key), label=assumption_label(r.label),
                                    unit=str(r.unit),
                                    value=float(values[str(r.key)]), swing=float(r.swing),
                                    source=info.source))
        if len(out) == CONTRACT_PRICES:
            break
    return tuple(out)


__all__ = ["build_insights", "fit_counts", "short_reason", "summarise_current", "summarise_fit",
           "summarise_money", "summarise_target", "top_reasons"]
