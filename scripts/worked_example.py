"""The worked examples in docs/methodology.md, derived line by line from a real run.

Every number in the generated text comes from the same pipeline steps `estimate()` runs, with
the default assumptions, so a test can check the document against the tool. Run from the
project root: `python scripts/worked_example.py` (or `python scripts/gen_docs.py`).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np

from estimator import formatting as fmt
from estimator.assumptions import PLATFORMS, load_assumptions
from estimator.costs import compute_costs
from estimator.fit import fit_counts, top_reasons
from estimator.inventory import read_inventory
from estimator.packing import node_capacity
from estimator.pipeline import prepare, resolve_inputs, run
from estimator.planning import node_types_frame, plan_estate

ROOT = Path(__file__).resolve().parents[1]
IBM = ROOT / ".." / "shared" / "data" / "real" / "rvtools-ibm-sizingworkshop" / (
    "SizingWorkshop-RVTools.xlsx")
SAMPLE = ROOT / "data" / "sample-rvtools.xlsx"
AS_OF = dt.date(2026, 11, 30)
BEGIN = "<!-- BEGIN generated: worked examples -->"
END = "<!-- END generated: worked examples -->"


def _m(x: float) -> str:
    return f"{x:,.0f}"


def _basis(counts: dict[str, int]) -> str:
    return ", ".join(f"{n:,} from {fmt.BASIS_LABELS.get(k, k)}" for k, n in counts.items())


def example(path: Path, title: str) -> str:
    inv = read_inventory(path)
    # The steps estimate() runs: as-of date pinned (so the text does not change when a release
    # reaches end of support), a node type shaped like today's hosts, host evidence.
    inputs = resolve_inputs(inv, load_assumptions(), today=AS_OF)
    a = inputs.assumptions
    v = a.flat_values()
    cur = a.finance.currency
    scoped, _ = prepare(inputs)
    plan = plan_estate(scoped, a, v, inv.hosts)
    vms = plan.vms
    costs = compute_costs(vms, inv.hosts, plan.pools, a, v, plan.rightsized_hosts)
    est = run(inputs, uncertainty=False)
    # the text quotes the same run the tool reports
    assert math.isclose(est.money.annual_savings, float(costs.annual_savings))
    q, comp = costs.quantities, costs.lines.components
    ins = vms["in_scope"].astype(bool)
    sc = vms[ins]
    excluded = vms.loc[~ins, "exclusion_reason"].value_counts()
    counts = fit_counts(sc)
    reasons = top_reasons(sc, 3)
    labour = v["operations.labour_per_hour"]
    excluded_text = ", ".join(f"{n} {str(r).replace('_', ' ')}" for r, n in excluded.items())

    def c(name: str) -> float:
        return float(np.sum(comp[name]))

    lines = [f"### {title}", ""]
    lines += [
        f"**Inventory.** `{path.name}` holds {len(vms):,} VMs; {int(ins.sum()):,} are in scope "
        f"({excluded_text} excluded). "
        f"In scope: {sc['vcpus'].sum():,.0f} vCPU and {sc['memory_gib'].sum():,.0f} GiB, "
        f"{int((sc['os_family'] == 'windows').sum())} Windows, "
        f"{int((sc['os_family'] == 'linux').sum())} Linux, "
        f"{int(sc['os_end_of_support'].astype('boolean').fillna(False).sum())} on an "
        "end-of-support OS.",
        "",
        "**Fit.** " + ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in counts.items() if n)
        + ". Most common reasons: "
        + "; ".join(f"{r.fit_reason} ({r.vms})" for r in reasons.itertuples()) + ". "
        f"{q.vms_moving} VMs move, {q.vms_staying} stay VMs, {counts['retire_idle']} are "
        f"retired (idle or zombie) and {counts['retire_with_platform']} retire with the "
        f"virtualisation platform; {q.os_upgrades} moving VMs need an OS upgrade first.",
        "",
    ]
    moving = vms[vms["moves"].astype("boolean").fillna(False)]
    ev = est.quality
    lines += [
        "**Sizing** (the best evidence per VM, see step 3). CPU: " + _basis(ev.cpu_basis)
        + ". Memory: " + _basis(ev.memory_basis)
        + f" (comfort factor {v['sizing.comfort_factor']:g}"
        + (f", memory {v['sizing.memory_position']:g} of the way from Active to Consumed"
           if ev.memory_basis.get("active_consumed") else "")
        + f"). Confidence: {ev.confidence_stars} of 5 stars. The {len(moving)} moving "
        "workloads request "        f"{moving['cpu_request_cores'].sum():,.1f} cores and "
        f"{moving['memory_request_gib'].sum():,.1f} GiB in total, after removing the guest OS "
        f"({v['sizing.os_overhead_cpu_cores.windows']:g} core and "
        f"{v['sizing.os_overhead_memory_gib.windows']:g} GiB per Windows VM, "
        f"{v['sizing.os_overhead_cpu_cores.linux']:g} core and "
        f"{v['sizing.os_overhead_memory_gib.linux']:g} GiB per Linux VM).",
        "",
        "**Pools.** Node capacity = allocatable "
        f"({a.platform.reservation_model}) × {v['platform.target_utilisation']:g} − DaemonSets "
        f"({v['platform.daemonset_cpu_cores']:g} core, {v['platform.daemonset_memory_gib']:g} "
        "GiB):",
        "",
        "| pool | node type | capacity per node | workloads | requests | nodes | lower bound |",
        "|---|---|---|---|---|---|---|",
    ]
    nodes_cat = node_types_frame(a).set_index("name")
    for p in plan.pools.itertuples():
        cap = node_capacity(
            nodes_cat.loc[[p.node_type]].reset_index(),
            reservation_model=a.platform.reservation_model,
            max_pods_per_node=int(v["platform.max_pods_per_node"]),
            target_utilisation=v["platform.target_utilisation"],
            daemonset_cpu_cores=v["platform.daemonset_cpu_cores"],
            daemonset_memory_gib=v["platform.daemonset_memory_gib"],
            os_family=p.os_family,
        )
        cpu_cap, mem_cap, pods_cap = (float(x) for x in cap[0][0][:3])
        lines.append(
            f"| {p.pool} | {p.node_type} ({p.node_cores:g} cores, {p.node_memory_gib:g} GiB) | "
            f"{cpu_cap:.2f} cores, {mem_cap:.1f} GiB, {pods_cap:g} pods | {p.workloads} | "
            f"{p.cpu_request_cores:,.1f} cores, {p.memory_request_gib:,.1f} GiB | "
            f"{p.nodes} (incl. {p.spare_nodes} spare) | {p.nodes_lower_bound} |")
    lines += [
        "",
        f"Today: {q.hosts_before:g} hosts with {q.physical_cores_before:g} physical cores run "
        f"{int(ins.sum())} in-scope VMs ({int(ins.sum()) / q.hosts_before:.1f} per host); after: "
        f"{plan.plan.totals['nodes']:g} nodes run {len(moving)} workloads "
        f"({plan.plan.totals['workloads_per_node']:.1f} per node), plus "
        f"{fmt.plural(q.hosts_after, 'residual host')} for the VMs that stay.",
        "",
        f"**Costs** (yearly, {cur}; *L* = {labour:g} {cur}/h).",
        "",
        "| category | before | after | how |",
        "|---|---:|---:|---|",
    ]
    cat = costs.categories.set_index("category")
    win_hosts = int((q.host_groups_before.windows_vms > 0).sum())
    how = {
        "Guest OS licences": (
            f"before: Windows on {win_hosts} hosts ({q.windows_vms_before} Windows Server VMs), "
            f"cheaper edition per host = {_m(c('windows_hosts_before'))}; paid Linux "
            f"{q.linux_paid_vms_before} VMs → {q.linux_units_before:g} subscriptions × "
            f"{v['licences.rhel_per_subscription_year']:g} = {_m(c('linux_before'))}. after: "
            "residual "
            f"{_m(c('windows_hosts_residual') + c('linux_residual'))} + Windows nodes "
            f"{_m(c('windows_nodes'))} + Linux nodes {_m(c('linux_nodes'))}"),
        "Hypervisor licences": (
            f"before: {int(q.host_groups_before.hypervisor_cores.sum()):,} licensed cores "
            f"(≥ {v['current.hypervisor_min_cores_per_cpu']:g} per CPU) × "
            f"{v['current.hypervisor_per_core_year']:g}; after: residual hosts "
            f"{_m(c('hypervisor_residual'))} + hosts kept for node VMs "
            f"{_m(c('hypervisor_node_hosts'))}"),
        "Patching labour": (
            f"before: {q.vms_in_scope} VMs × {v['operations.patch_hours_per_os_month']:g} h × 12 "
            f"× L; after: {q.vms_staying} staying VMs {_m(c('patch_residual'))} + "
            f"{q.nodes:g} nodes × {v['operations.node_patch_hours_per_node_month']:g} h × 12 × L "
            f"= {_m(c('patch_nodes'))} + {q.vms_moving} images × "
            f"{v['operations.image_rebuild_hours_per_workload_month']:g} h × 12 × L = "
            f"{_m(c('image_rebuild'))}"),
        "Other OS operations": (
            f"before: {q.vms_in_scope} VMs × (("
            f"{v['operations.os_care_hours_per_os_month']:g} + "
            f"{v['operations.monitoring_hours_per_os_month']:g}) h × 12 × L + "
            f"{v['operations.agent_per_os_year']:g}); after: staying "
            f"{_m(c('ops_residual'))} + nodes {_m(c('ops_nodes'))} + platform care "
            f"{_m(c('platform_care'))}"),
        "Backup": (
            f"before: {q.vms_in_scope} licences × {v['backup.licence_per_workload_year']:g} "
            f"+ {q.backup_gib_before:,.0f} GiB stored = {_m(c('backup_storage_before'))}; after: "
            f"staying {_m(c('backup_licence_residual') + c('backup_storage_residual'))} + "
            f"{q.backup_gib_moved:,.0f} GiB persistent data {_m(c('backup_storage_moved'))} + "
            f"licences {_m(c('backup_licence_moved'))}"),
        "End of support": (
            f"{q.eos_vms[0]:g} in-scope VMs on an end-of-support OS need "
            f"{'an upgrade' if a.eos.staying_action == 'upgrade' else 'ESU'} if they stay "
            f"({v['eos.upgrade_hours_per_vm']:g} h × {v['migration.labour_per_hour']:g} / "
            f"{v['finance.horizon_years']:g} years); after: the {q.eos_vms[1]:g} that stay "
            "(moved ones are rebuilt in the one-off)"),
        "Storage": (
            f"before: {q.backup_gib_before:,.0f} GiB used × "
            f"{v['storage.before_per_gb_month']:g} per GB-month; after: staying "
            f"{_m(c('storage_residual'))} + persistent data {_m(c('storage_moved'))} + node "
            f"disks {_m(c('storage_nodes') + c('storage_control_plane'))}"),
        "Network and load balancing": (
            f"before: {q.hosts_before:g} hosts × {v['network.before_per_host_year']:g}; after: "
            f"residual {_m(c('network_residual'))} + {fmt.plural(q.clusters, 'cluster')} × "
            f"{v['network.after_per_cluster_year']:g}"),
        "Hardware and facilities": (
            f"before: {q.hosts_before:g} hosts × ({v['current.host_price']:g} / "
            f"{v['current.amortisation_years']:g} + "
            f"{v['current.power_cooling_per_host_year']:g}); after: residual "
            f"{_m(c('hardware_residual'))} + nodes {_m(c('hardware_nodes'))} + "
            f"{q.cp_nodes:g} control-plane and infrastructure nodes "
            f"{_m(c('hardware_control_plane'))} + kept hosts {_m(c('hardware_node_hosts'))}"),
        "Container platform": (
            f"subscription ({a.platform.subscription_basis.replace('_', ' ')}) "
            f"{_m(c('platform_subscription'))} + security tooling "
            f"{_m(c('platform_security'))} + control plane {_m(c('platform_control_plane'))}"
            + (f" + cloud instances {_m(c('cloud_nodes') + c('cloud_control_plane'))}"
               if q.hardware_model == "cloud" else "")),
        "Windows containers": f"Windows nodes × support {_m(c('windows_support'))}",
        "Platform team": (
            f"{fmt.plural(q.clusters, 'cluster')} × "
            f"{v['platform.platform_team_fte_per_cluster']:g} FTE × "
            f"{v['operations.hours_per_fte_year']:g} h × L"),
        "Registry and CI": (
            f"{fmt.plural(q.clusters, 'cluster')} × "
            f"{v['platform.registry_ci_per_cluster_year']:g} + "
            f"{q.vms_moving} workloads × {v['platform.registry_ci_per_workload_year']:g}"),
    }
    for name, r in cat.iterrows():
        lines.append(f"| {name} | {_m(r.annual_before)} | {_m(r.annual_after)} | "
                     f"{how[str(name)]} |")
    lines.append(f"| **Total** | **{_m(costs.annual_before)}** | **{_m(costs.annual_after)}** "
                 f"| savings **{_m(costs.annual_savings)}** a year |")
    lines += [
        "",
        "**Capacity today and after** (physical cores and GiB):",
        "",
        "| | cores | memory GiB | how |",
        "|---|---:|---:|---|",
    ]
    for r in est.insights.capacity:
        lines.append(f"| {r.figure} | {fmt.count(r.cores)} | {fmt.count(r.memory_gib)} | "
                     f"{r.note} |")
    if est.insights.capacity_note:
        lines += ["", est.insights.capacity_note]
    payback = costs.payback_months
    lines += [
        "",
        "**Money over time.** One-off migration = ("
        + " + ".join(f"{n} {lvl.replace('_', ' ')} × "
                     f"{v.get(f'migration.hours_per_workload.{lvl}', 0):g} h"
                     for lvl, n in q.moving_by_fit.items() if n)
        + f" + {q.os_upgrades} OS upgrades × {v['migration.os_upgrade_hours_per_vm']:g} h) × "
        f"{v['migration.labour_per_hour']:g} = {_m(costs.one_off_migration)} {cur}. "
        + ("It never pays back within the horizon" if payback is None or not math.isfinite(
            payback) else f"It pays back after {payback:.1f} months")
        + f"; NPV over {v['finance.horizon_years']:g} years at "
        f"{v['finance.discount_rate']:.0%} = {_m(costs.npv)} {cur}. Year by year, with the "
        f"ramp {list(a.migration.ramp)} (share moved by the end of each year) and "
        f"{v['current.hypervisor_term_months_left']:g} months left on today's hypervisor "
        "term:",
        "",
        "| year | cost of staying | cost after | dual running | new servers | migration | net "
        "| cumulative |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in est.cash_flow.itertuples():
        lines.append(f"| {r.year} | {_m(r.opex_before)} | {_m(r.opex_after)} | "
                     f"{_m(r.dual_running)} | {_m(r.capex)} | {_m(r.migration_cost)} | "
                     f"{_m(r.net)} | {_m(r.cumulative)} |")
    lines.append("")
    lines += [f"{line}" for line in est.insights.money_notes] + [""] \
        if est.insights.money_notes else []
    return "\n".join(lines)


def platform_walk(path: Path, title: str) -> str:
    """The same estate on two archetypes, category by category, and on all of them in short."""
    inv = read_inventory(path)
    runs = {name: run(resolve_inputs(inv, load_assumptions(platform=name), today=AS_OF),
                      uncertainty=False) for name in PLATFORMS}
    main, vms = runs["openshift-bare-metal"], runs["vms-rightsized"]
    cur = main.currency
    lines = [f"### {title}", "",
             f"The same {main.inventory.vms_in_scope:,} in-scope VMs, sizing evidence and "
             "fit, priced as containers on owned servers with OpenShift "
             "(`openshift-bare-metal`, the default) and as the same VMs right-sized onto fewer "
             "hosts (`vms-rightsized`, the baseline a CFO asks about). Yearly, "
             f"{cur}:", "",
             "| category | today | after, openshift-bare-metal | after, vms-rightsized |",
             "|---|---:|---:|---:|"]
    a_main = main.costs.set_index("category")
    a_vms = vms.costs.set_index("category")
    for cat in a_main.index:
        lines.append(f"| {cat} | {_m(a_main.loc[cat, 'annual_before'])} | "
                     f"{_m(a_main.loc[cat, 'annual_after'])} | "
                     f"{_m(a_vms.loc[cat, 'annual_after'])} |")
    lines.append(f"| **Total** | **{_m(main.money.annual_before)}** | "
                 f"**{_m(main.money.annual_after)}** | **{_m(vms.money.annual_after)}** |")
    beyond = main.money.annual_savings - vms.money.annual_savings
    lines += [
        "",
        f"Right-sizing alone keeps {vms.target.hosts_kept:g} of today's "
        f"{main.current.hosts:g} hosts and saves {_m(vms.money.annual_savings)} a year (one-off "
        f"{_m(vms.money.one_off_migration)}); containers on OpenShift save "
        f"{_m(main.money.annual_savings)}, so {_m(beyond)} a year comes only from running "
        "fewer operating systems and hypervisors, against a one-off of "
        f"{_m(main.money.one_off_migration)}.",
        "",
        "| archetype | nodes (hosts for VMs) | yearly cost after | yearly savings | one-off | "
        "NPV |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, est in runs.items():
        count = est.target.hosts_kept if name == "vms-rightsized" else est.target.nodes
        lines.append(f"| `{name}` | {count:g} | {_m(est.money.annual_after)} | "
                     f"{_m(est.money.annual_savings)} | {_m(est.money.one_off_migration)} | "
                     f"{_m(est.money.npv)} |")
    lines.append("")
    return "\n".join(lines)


def worked_examples_markdown() -> str:
    parts = [
        BEGIN,
        "## Worked examples",
        "",
        "Generated by `scripts/worked_example.py` from real runs with the default assumptions "
        f"(no Monte Carlo), end of support judged as of {AS_OF.isoformat()} (`scope.as_of`); "
        "a test keeps them in step with the tool. The cost lines use the formulas above; "
        "components are rounded to whole units only here.",
        "",
        example(IBM, "IBM sizing workshop (a legacy Windows estate, no per-VM usage)"),
        example(SAMPLE, "The bundled sample (800 VMs, one RVTools snapshot of usage)"),
        "## The same estates on other platforms",
        "",
        "The platform archetype decides how the nodes and the platform are paid (see "
        "[assumptions.md](assumptions.md) and `estimator platforms`); the plan inputs stay "
        "the same. `estimator estimate INV --compare-platforms` prints the short table for any "
        "inventory.",
        "",
        platform_walk(IBM, "IBM sizing workshop"),
        platform_walk(SAMPLE, "The bundled sample"),
        END,
        "",
    ]
    return "\n".join(parts)


def update(path: Path = ROOT / "docs" / "methodology.md") -> bool:
    """Replace (or insert before the defaults section) the worked examples; True if changed."""
    text = path.read_text(encoding="utf-8")
    block = worked_examples_markdown()
    if BEGIN in text:
        start = text.index(BEGIN)
        end = text.index(END) + len(END) + 1
        new = text[:start] + block + text[end:]
    else:
        anchor = text.index("<!-- BEGIN generated: default assumptions -->")
        new = text[:anchor] + block + "\n" + text[anchor:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    print("updated" if update() else "unchanged")
