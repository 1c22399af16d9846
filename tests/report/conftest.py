"""A hand-made, realistic `Estimate` for the report tests, with hostile inventory strings.

`build_estimate(n_vms)` is vectorised so the benchmarks can make 100,000-VM estates with it.
The figures are self-consistent (summary, per-VM costs, cost lines and cash flow agree) so the
tests can check that renderers show what the model says, not that they recompute it.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from estimator.insights import (
    build_insights,
    summarise_current,
    summarise_fit,
    summarise_money,
    summarise_target,
    top_reasons,
)
from estimator.inventory.schema import HOST_SCHEMA, VM_SCHEMA, conform
from estimator.model import (
    COST_CATEGORIES,
    CoresRange,
    Estimate,
    FileQualityRow,
    GibRange,
    MoneyRange,
    MonthsRange,
    NodesRange,
    PoolRow,
    ProblemRow,
    QualityOverall,
    QualityReport,
    SavingsRange,
    TornadoRow,
    Uncertainty,
    rows,
)
from estimator.quality import inventory_summary

HOSTILE_FORMULA = '=HYPERLINK("http://x","y")'
HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_IMG = '"><img src=x onerror=alert(1)>'
HOSTILE_NAMES = (HOSTILE_FORMULA, HOSTILE_SCRIPT, HOSTILE_IMG, "+cmd|' /C calc'!A0", "@SUM(1+1)")

CATEGORIES = COST_CATEGORIES
# Share of the yearly cost before, and what is left after, per category (a plausible estate).
# (categories: guest OS, hypervisor, patching, operations, backup, end of support, storage,
# network, hardware, platform, Windows containers, platform team, registry and CI)
_BEFORE_SHARE = np.array([0.19, 0.16, 0.15, 0.13, 0.09, 0.01, 0.06, 0.01, 0.20, 0.0, 0.0, 0.0,
                          0.0])
_AFTER_FACTOR = np.array([0.55, 0.35, 0.30, 0.45, 0.60, 0.3, 0.8, 1.0, 0.55, 0.0, 0.0, 0.0,
                          0.0])
_PLATFORM_SHARE_OF_BEFORE = 0.08

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("ESTIMATOR_SHARED", ROOT / ".." / "shared"))
SAMPLE = ROOT / "data" / "sample-rvtools.xlsx"
IBM_WORKSHOP = (SHARED / "data" / "real" / "rvtools-ibm-sizingworkshop"
                / "SizingWorkshop-RVTools.xlsx")
KUBEV2V_EXAMPLE1 = SHARED / "data" / "real" / "rvtools-kubev2v-example1" / "example1.xlsx"
CHROMIUM = Path("/usr/bin/chromium")


def _assumption_table() -> pd.DataFrame:
    rows = [
        ("finance.currency", "USD", None, None, "", "Currency of every money figure", "—", False),
        ("finance.horizon_years", 5, None, None, "years", "Years in the cash flow", "—", False),
        ("finance.discount_rate", 0.07, 0.05, 0.1, "fraction", "Discount rate for NPV",
         "Corporate WACC typical range", False),
        ("operations.labour_per_hour", 75, 50, 90, "USD/h",
         "Loaded cost of one admin hour", "US BLS 15-1244 median + 40% overhead", True),
        ("operations.patch_hours_per_os_month", 0.5, 0.25, 2.0, "h per OS per month",
         "Patching effort per OS instance", "Azure Migrate business case default", False),
        ("current.hypervisor_per_core_year", 350, 135, 350, "USD per core per year",
         "vSphere subscription per core", "Broadcom VVF/VCF list price 2024", False),
        ("sizing.comfort_factor", 1.3, 1.1, 2.0, "x", "Headroom on measured use",
         "Azure Migrate performance-based sizing", False),
        ("platform.target_utilisation", 0.8, 0.7, 0.9, "fraction",
         "Target share of allocatable", "Kubernetes bin-packing practice", False),
        ("platform.isolation_keys", "os_family; security_zone", None, None, "",
         "Pool split keys", "—", True),
        ("note.hostile", HOSTILE_SCRIPT, None, None, "", HOSTILE_IMG, HOSTILE_FORMULA, False),
    ]
    return pd.DataFrame(
        rows,
        columns=["key", "value", "low", "high", "unit", "description", "source", "changed"],
    )


def _assumptions() -> Any:
    from estimator.assumptions import load_assumptions

    return load_assumptions()


def build_estimate(
    n_vms: int = 48,
    *,
    seed: int = 7,
    hostile: bool = True,
    uncertainty: bool = True,
    scenarios: bool = True,
    currency: str = "USD",
) -> Estimate:
    """A realistic, self-consistent Estimate of `n_vms` VMs in two pools (linux, windows)."""
    rng = np.random.default_rng(seed)
    n = n_vms
    idx = np.arange(n)
    names = pd.array([f"app-{i:06d}" for i in idx], dtype="string")
    if hostile:
        for j, bad in enumerate(HOSTILE_NAMES[: min(len(HOSTILE_NAMES), n)]):
            names[j] = bad
    windows = rng.random(n) < 0.3
    os_name = np.where(windows, "Windows Server", "RHEL")
    version = np.where(
        windows, rng.choice(["2008 R2", "2012 R2", "2016", "2019", "2022"], n),
        rng.choice(["6", "7", "8", "9"], n),
    )
    eos = np.isin(version, ["2008 R2", "2012 R2", "6", "7"])
    n_hosts = max(2, math.ceil(n / 24))
    vcpus = rng.choice([1, 2, 4, 8, 16], n, p=[0.1, 0.35, 0.35, 0.15, 0.05]).astype(float)
    memory = vcpus * rng.choice([2, 4, 8], n)
    power = np.where(rng.random(n) < 0.08, "poweredOff", "poweredOn")
    zone = rng.choice(["dmz", "internal"], n, p=[0.25, 0.75])
    raw = pd.DataFrame(
        {
            "vm_id": [f"uuid-{i}" for i in idx],
            "name": names,
            "source": "estate.xlsx" if not hostile else f"estate{HOSTILE_SCRIPT}.xlsx",
            "source_format": "rvtools",
            "source_sheet": "vInfo",
            "source_row": idx + 2,
            "vcenter": "vc01",
            "power_state": power,
            "is_template": False,
            "is_srm_placeholder": False,
            "vcpus": vcpus,
            "memory_gib": memory,
            "storage_provisioned_gib": vcpus * 40.0,
            "storage_used_gib": vcpus * 25.0,
            "os_raw": np.where(windows, "Microsoft Windows Server " + version,
                               "Red Hat Enterprise Linux " + version + " (64-bit)"),
            "os_family": np.where(windows, "windows", "linux"),
            "os_name": os_name,
            "os_version": version,
            "os_end_of_support": eos,
            "datacenter": "dc-east",
            "cluster": np.where(idx % 2 == 0, "prod-a", "prod-b"),
            "host": [f"esx{(i % n_hosts):03d}" for i in idx],
            "environment": rng.choice(["prod", "test", "dev"], n),
            "security_zone": zone,
            "cpu_util": np.where(rng.random(n) < 0.15, np.nan, rng.uniform(0.02, 0.7, n)),
            "memory_util": np.where(rng.random(n) < 0.15, np.nan, rng.uniform(0.1, 0.9, n)),
        }
    )
    if hostile:
        raw.loc[0, "security_zone"] = HOSTILE_IMG
        raw.loc[1, "os_raw"] = HOSTILE_SCRIPT
        raw.loc[2, "annotation"] = HOSTILE_FORMULA
    vms = conform(raw, VM_SCHEMA)

    in_scope = vms["power_state"].eq("poweredOn").to_numpy(dtype=bool)
    level = rng.choice(["excellent", "good", "needs_work", "no_fit", "insufficient_data"], n,
                       p=[0.3, 0.3, 0.2, 0.12, 0.08])
    if hostile:
        level[:3] = ["good", "no_fit", "needs_work"]
        in_scope[:3] = True
    rules = {
        "excellent": "", "good": "LNX-PKG", "needs_work": "OS-EOS;DB-NAME",
        "no_fit": "APPLIANCE", "insufficient_data": "NO-USAGE",
    }
    reasons = {
        "excellent": "", "good": "Standard Linux packages",
        "needs_work": "End-of-support OS needs an upgrade",
        "no_fit": "Appliance or kernel dependency",
        "insufficient_data": "No CPU or memory usage data",
    }
    vms["in_scope"] = in_scope
    vms["exclusion_reason"] = pd.array(np.where(in_scope, None, "powered_off"), dtype="string")
    vms["fit_level"] = pd.array(np.where(in_scope, level, None), dtype="string")
    vms["fit_rules"] = pd.array([rules[x] for x in level], dtype="string")
    vms["fit_reason"] = pd.array([reasons[x] for x in level], dtype="string")
    if hostile:
        vms.loc[1, "fit_reason"] = f"Name matches {HOSTILE_SCRIPT}"
    moves = in_scope & np.isin(level, ["excellent", "good", "needs_work"])
    retire = in_scope & ~moves & (rng.random(n) < 0.1)
    vms["retire_candidate"] = retire
    vms["moves"] = moves
    vms["needs_os_upgrade"] = moves & eos
    util_c = np.nan_to_num(vms["cpu_util"].to_numpy(dtype=float), nan=1.0)
    util_m = np.nan_to_num(vms["memory_util"].to_numpy(dtype=float), nan=1.0)
    vms["cpu_request_cores"] = np.where(moves, np.maximum(0.1, vcpus * util_c * 1.3), np.nan)
    vms["memory_request_gib"] = np.where(moves, np.maximum(0.25, memory * util_m * 1.3), np.nan)
    vms["replicas"] = pd.array(np.where(moves, 1, None), dtype="Int64")
    no_usage = np.isnan(vms["cpu_util"])
    vms["cpu_basis"] = pd.array(
        np.where(moves, np.where(no_usage, "host_usage", "vm_usage"), None), dtype="string")
    vms["memory_basis"] = pd.array(
        np.where(moves, np.where(no_usage, "allocated", "vm_usage"), None), dtype="string")
    pool = np.where(windows, "windows", "linux")
    pool_names = {"linux": f"linux/{HOSTILE_IMG}" if hostile else "linux", "windows": "windows"}
    vms["pool"] = pd.array(
        np.where(moves, np.where(windows, pool_names["windows"], pool_names["linux"]), None),
        dtype="string",
    )
    # Next-fit packing in order: a node closes when 80% of its allocatable CPU or memory is used.
    alloc_cpu, alloc_mem = 32 - 1.2, 128 - 10.5
    node_index = np.zeros(n, dtype=float)
    for p in ("linux", "windows"):
        m = moves & (pool == p)
        by_cpu = np.cumsum(vms["cpu_request_cores"].to_numpy()[m]) // (alloc_cpu * 0.8)
        by_mem = np.cumsum(vms["memory_request_gib"].to_numpy()[m]) // (alloc_mem * 0.8)
        node_index[m] = np.maximum(by_cpu, by_mem)
    vms["node_index"] = pd.array(np.where(moves, node_index, np.nan), dtype="Int64")
    before = np.where(in_scope, 900 + vcpus * 420 + np.where(windows, 1100, 350), 0.0)
    after = np.where(moves, before * 0.42, np.where(retire, 0.0, before))
    vms["annual_before"] = np.where(in_scope, before, np.nan)
    vms["annual_after"] = np.where(in_scope, after, np.nan)
    vms["annual_savings"] = vms["annual_before"] - vms["annual_after"]

    # Pools: nodes from the per-node packing above, plus one HA spare.
    pools_rows = []
    for p, cores, mem in (("linux", 32, 128), ("windows", 32, 128)):
        m = moves & (pool == p)
        work = int(m.sum())
        packed = int(node_index[m].max() + 1) if work else 0
        cpu_req = float(vms.loc[m, "cpu_request_cores"].sum())
        mem_req = float(vms.loc[m, "memory_request_gib"].sum())
        lb = max(math.ceil(cpu_req / (alloc_cpu * 0.8)), math.ceil(mem_req / (alloc_mem * 0.8)))
        pools_rows.append({
            "pool": pool_names[p],
            "os_family": p,
            "node_type": "general-32",
            "node_cores": float(cores),
            "node_memory_gib": float(mem),
            "allocatable_cpu_cores": alloc_cpu,
            "allocatable_memory_gib": alloc_mem,
            "nodes": packed + 1,
            "spare_nodes": 1,
            "nodes_lower_bound": min(packed, lb) + 1,
            "workloads": work,
            "pods": work,
            "cpu_request_cores": cpu_req,
            "memory_request_gib": mem_req,
            "cpu_allocatable_util": cpu_req / (alloc_cpu * max(packed, 1)),
            "memory_allocatable_util": mem_req / (alloc_mem * max(packed, 1)),
            "annual_cost": (packed + 1) * 9_500.0,
        })
    pools = pd.DataFrame(pools_rows, columns=list(PoolRow.model_fields))
    pools = pools.astype({"pool": "string", "os_family": "string", "node_type": "string"})

    total_before = float(before.sum())
    total_after = float(after.sum())
    cat_before = total_before * _BEFORE_SHARE
    cat_after = cat_before * _AFTER_FACTOR
    cat_after[9] = total_before * _PLATFORM_SHARE_OF_BEFORE
    cat_after[10:] = total_before * np.array([0.002, 0.03, 0.01])
    cat_after *= total_after / cat_after.sum()  # the cost lines add up to the per-VM totals
    costs = pd.DataFrame({"category": pd.array(CATEGORIES, dtype="string"),
                          "annual_before": cat_before, "annual_after": cat_after,
                          "annual_savings": cat_before - cat_after})

    savings = total_before - total_after
    migration = float(moves.sum()) * 2_600.0
    ramp = np.array([0.2, 0.5, 1.0, 1.0, 1.0])
    years = np.arange(1, 6)
    yearly_savings = savings * ramp
    mig = np.array([migration * 0.4, migration * 0.4, migration * 0.2, 0, 0])
    dual = np.array([0.1, 0.05, 0.02, 0, 0]) * total_before
    capex = np.array([0.15, 0.05, 0.0, 0.0, 0.1]) * total_before
    net = yearly_savings - mig - dual - capex
    cumulative = np.cumsum(net)
    discounted = net / (1.07 ** years)
    cash_flow = pd.DataFrame({
        "year": years, "opex_before": np.full(5, total_before),
        "opex_after": total_before - yearly_savings, "savings": yearly_savings,
        "dual_running": dual, "capex": capex, "migration_cost": mig, "net": net,
        "cumulative": cumulative, "discounted": discounted,
    })
    payback = _payback_months(cash_flow)
    hosts = conform(pd.DataFrame({
        "host": [f"esx{i:03d}" for i in range(n_hosts)], "source": "estate.xlsx",
        "cluster": ["prod-a" if i % 2 == 0 else "prod-b" for i in range(n_hosts)],
        "cpu_sockets": 2.0, "cores_per_socket": 16.0, "cores": 32.0, "memory_gib": 512.0,
    }), HOST_SCHEMA)

    # The summary blocks come from the same builders the pipeline uses.
    fit_reasons = top_reasons(vms, 20)
    nodes = int(pools["nodes"].sum())
    totals = {"nodes": nodes, "nodes_lower_bound": int(pools["nodes_lower_bound"].sum()),
              "workloads": int(moves.sum()),
              "workloads_per_node": float(moves.sum()) / max(nodes, 1)}
    inventory = inventory_summary(vms, rows_rejected=2)
    current = summarise_current(hosts, n_hosts, False, n_hosts * 32.0, vms)
    fit = summarise_fit(vms, fit_reasons)
    target = summarise_target(pools, totals, int((vms["cpu_basis"] == "host_usage").sum()),
                              isolation_extra_nodes=1)
    money = summarise_money(total_before, total_after, migration, payback,
                            float(discounted.sum()),
                            {"finance.horizon_years": 5.0, "finance.discount_rate": 0.07})
    usage_cov = float((~np.isnan(vms["cpu_util"]) & ~np.isnan(vms["memory_util"]))[in_scope]
                      .mean())
    source = str(vms["source"].iloc[0])
    quality = QualityReport(
        files=(FileQualityRow(
            file=source, format="rvtools", rows_read=n + 2, vms_kept=n, rows_dropped=2,
            duplicates=0, imputed_fields=1, unmapped_columns=("Custom 1", HOSTILE_SCRIPT),
            vms_in_scope=inventory.vms_in_scope, vms_with_usage=0, usage_share=usage_cov,
            confidence_stars=3),),
        overall=QualityOverall(rows_read=n + 2, vms_kept=n, rows_dropped=2, duplicates=0,
                               vms_in_scope=inventory.vms_in_scope, vms_with_usage=0,
                               usage_share=usage_cov, confidence_stars=3),
        confidence_stars=3,
        confidence_reason="Of the in-scope VMs, most are sized from their own usage.",
        raise_confidence=("Collect 30 days of per-VM samples.",),
        cpu_basis={"vm_usage": int((vms["cpu_basis"] == "vm_usage").sum()),
                   "host_usage": int((vms["cpu_basis"] == "host_usage").sum())},
        memory_basis={"vm_usage": int((vms["memory_basis"] == "vm_usage").sum())},
        problems=(
            ProblemRow(kind="rejected", message="negative vCPUs", file="estate.xlsx",
                       sheet="vInfo", row=17, column="CPUs"),
            ProblemRow(kind="rejected", message=f"not a number: {HOSTILE_IMG!r}",
                       file="estate.xlsx", sheet="vInfo", row=23, column="Memory"),
            ProblemRow(kind="imputed", message="memory usage from vMemory 'Consumed'",
                       file="estate.xlsx", sheet="vMemory", row=None, column="Consumed"),
        ),
    )
    unc = None
    if uncertainty:
        draws = rng.normal(savings, abs(savings) * 0.22 + 1.0, 1000)
        p10, p50, p90 = np.percentile(draws, [10, 50, 90])
        keys = [("operations.labour_per_hour", "Admin labour rate", "USD/h", 50, 90),
                ("current.hypervisor_per_core_year", "Hypervisor price", "USD/core/y",
                 135, 350),
                ("sizing.comfort_factor", "Sizing headroom", "x", 1.1, 2.0),
                ("operations.patch_hours_per_os_month", "Patching hours", "h/OS/month",
                 0.25, 2.0),
                ("platform.target_utilisation", "Node target use", "fraction", 0.7, 0.9),
                ("current.host_price", "Host price", "USD", 15000, 25000),
                ("licences.software_assurance_fraction", "Software assurance", "fraction",
                 0.15, 0.3),
                ("backup.licence_per_workload_year", "Backup licence", "USD/workload/y",
                 150, 350),
                ("finance.discount_rate", "Discount rate", "fraction", 0.05, 0.1),
                ("operations.os_care_hours_per_os_month", "OS care hours", "h/OS/month", 0.5, 2),
                ("platform.daemonset_memory_gib", "DaemonSet memory", "GiB", 0.3, 1.0),
                ("sizing.os_overhead_memory_gib.windows", HOSTILE_SCRIPT, "GiB", 1, 4)]
        swings = np.sort(rng.uniform(0.01, 0.25, len(keys)))[::-1] * savings
        tornado = pd.DataFrame([
            {"key": k, "label": lab, "unit": u, "low_value": float(lo), "high_value": float(hi),
             "low_savings": savings - s * 0.6, "high_savings": savings + s * 0.4,
             "swing": float(s)}
            for (k, lab, u, lo, hi), s in zip(keys, swings, strict=True)
        ])
        npv = float(discounted.sum())
        unc = Uncertainty(
            draws=1000, seed=42, distribution="triangular",
            annual_savings=SavingsRange(p10=float(p10), p50=float(p50), p90=float(p90)),
            payback_months=MonthsRange(p10=payback * 0.8 if payback else None, p50=payback,
                                       p90=payback * 1.35 if payback else None),
            npv=MoneyRange(p10=npv * 0.7, p50=npv, p90=npv * 1.3),
            one_off_migration=MoneyRange(p10=migration * 0.9, p50=migration * 1.05,
                                         p90=migration * 1.6),
            nodes=NodesRange(p10=nodes - 1, p50=nodes, p90=nodes + 2),
            node_cores=CoresRange(p10=(nodes - 1) * 32.0, p50=nodes * 32.0,
                                  p90=(nodes + 2) * 32.0),
            node_memory_gib=GibRange(p10=(nodes - 1) * 128.0, p50=nodes * 128.0,
                                     p90=(nodes + 2) * 128.0),
            probability_positive_savings=float((draws > 0).mean()),
            tornado=rows(tornado, TornadoRow), savings_draws=tuple(draws.tolist()),
        )
    scen = None
    if scenarios:
        scen = pd.DataFrame([
            {"name": "as configured", "vms_moving": int(moves.sum()), "nodes": nodes,
             "nodes_lower_bound": totals["nodes_lower_bound"], "annual_before": total_before,
             "annual_after": total_after, "annual_savings": savings,
             "one_off_migration": migration,
             "payback_months": np.nan if payback is None else payback,
             "npv": float(discounted.sum()), "savings_p10": np.nan, "savings_p90": np.nan},
            {"name": "openshift" if not hostile else f"openshift {HOSTILE_SCRIPT}",
             "vms_moving": int(moves.sum()), "nodes": nodes + 2,
             "nodes_lower_bound": totals["nodes_lower_bound"] + 2,
             "annual_before": total_before, "annual_after": total_after * 1.18,
             "annual_savings": total_before - total_after * 1.18,
             "one_off_migration": migration * 1.1,
             "payback_months": (payback or 0) * 1.6 or np.nan,
             "npv": float(discounted.sum()) * 0.6, "savings_p10": np.nan,
             "savings_p90": np.nan},
        ]).astype({"name": "string"})
    plats = None
    if scenarios:
        plats = pd.DataFrame([
            {"name": name, "description": f"{name} {HOSTILE_SCRIPT if hostile else ''}",
             "nodes_on": on, "vms_moving": int(moves.sum()) if on != "vms" else 0,
             "nodes": nodes + k, "node_cores": 32.0 * (nodes + k),
             "annual_before": total_before, "annual_after": total_after * f,
             "annual_savings": total_before - total_after * f,
             "one_off_migration": migration * (0.05 if on == "vms" else 1.0),
             "payback_months": np.nan if payback is None else payback * f,
             "npv": float(discounted.sum()) * (2 - f), "savings_beyond_rightsizing": np.nan}
            for name, on, k, f in (("openshift-bare-metal", "bare-metal", 0, 1.0),
                                   ("managed-cloud", "cloud", 2, 1.2),
                                   ("vms-rightsized", "vms", 4, 1.6))
        ]).astype({"name": "string", "description": "string", "nodes_on": "string"})
        rs = float(plats.loc[plats["name"] == "vms-rightsized", "annual_savings"].iloc[0])
        plats["savings_beyond_rightsizing"] = np.where(
            plats["name"] == "vms-rightsized", np.nan, plats["annual_savings"] - rs)
    notes = ("Usage data is missing for some VMs; they were sized from their allocation.",)
    if hostile:
        notes += (f"File {HOSTILE_SCRIPT} had no vHost sheet.",)
    a = _assumptions()
    insights = build_insights(
        vms=vms, currency=currency, inventory=inventory, current=current, fit=fit,
        target=target, money=money, quality=quality, pools=pools, costs=costs,
        cash_flow=cash_flow, uncertainty=unc, scenarios=scen,
        isolation_keys=("os_family", "security_zone"), platform="openshift-bare-metal",
        platforms=plats)
    return Estimate(
        name="estate" if not hostile else f"estate {HOSTILE_SCRIPT}",
        currency=currency,
        as_of=dt.date(2026, 11, 30),
        inputs=(source,),
        inventory=inventory, current=current, fit=fit, target=target, money=money,
        quality=quality, insights=insights,
        vms=vms,
        hosts=hosts,
        pools=pools,
        costs=costs,
        cash_flow=cash_flow,
        fit_reasons=fit_reasons,
        assumptions=a,
        assumption_table=_assumption_table(),
        uncertainty=unc,
        scenarios=scen,
        platforms=plats,
        notes=notes,
    )


def _payback_months(cash_flow: pd.DataFrame) -> float | None:
    """Months until the cumulative net cash flow turns positive, interpolated within the year."""
    prev = 0.0
    for row in cash_flow.itertuples():
        if row.cumulative >= 0:
            frac = (0 - prev) / (row.cumulative - prev) if row.cumulative != prev else 0.0
            return (row.year - 1 + frac) * 12
        prev = row.cumulative
    return None


@pytest.fixture(scope="session")
def est() -> Estimate:
    """The hostile 48-VM estimate most tests render."""
    return build_estimate()


@pytest.fixture(scope="session")
def plain_est() -> Estimate:
    """A single-run estimate without uncertainty or scenarios."""
    return build_estimate(30, seed=3, hostile=False, uncertainty=False, scenarios=False)


def require_tool(path: Path | str | None, what: str) -> None:
    """Skip when a system tool is absent, except in CI, where its absence is a failure."""
    found = path is not None and (Path(path).exists() if os.sep in str(path)
                                  else shutil.which(str(path)) is not None)
    if found:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI but was not found ({path})")
    pytest.skip(f"{what} not installed")


@pytest.fixture(scope="session")
def built(est: Estimate) -> dict[str, Any]:
    """Figures and takeaways of `est`, built once (plotly figure building is slow)."""
    from estimator.report.charts import figures_with_takeaways

    return figures_with_takeaways(est)


@pytest.fixture(scope="session")
def html_file(est: Estimate, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile estimate's HTML report, written once."""
    from estimator.report.html import render_html

    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render_html(est), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def xlsx_file(est: Estimate, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile estimate's workbook, written once."""
    from estimator.report.excel import write_excel

    return write_excel(est, tmp_path_factory.mktemp("xlsx") / "report.xlsx")


def _real_estimate(path: Path) -> Estimate:
    """`estimate(read_inventory(path))`, Monte Carlo included."""
    from estimator.inventory import read_inventory
    from estimator.pipeline import estimate

    return estimate(read_inventory(path))


@pytest.fixture(scope="session")
def sample_est() -> Estimate:
    """The bundled sample through the real pipeline."""
    return _real_estimate(SAMPLE)


@pytest.fixture(scope="session")
def kubev2v_est() -> Estimate:
    """The kubev2v example1 RVTools file (../shared) through the real pipeline."""
    if not KUBEV2V_EXAMPLE1.exists():
        pytest.skip(f"shared data not found: {KUBEV2V_EXAMPLE1}")
    return _real_estimate(KUBEV2V_EXAMPLE1)


@pytest.fixture(scope="session")
def ibm_est() -> Estimate:
    """The IBM sizing-workshop RVTools file (../shared) through the real pipeline."""
    if not IBM_WORKSHOP.exists():
        pytest.skip(f"shared data not found: {IBM_WORKSHOP}")
    return _real_estimate(IBM_WORKSHOP)
