"""The terminal summary of an `Estimate`: headline figures, node pools, costs, scenarios.

Inventory text never reaches the terminal as markup or control characters: names go through
`plain()`, and every printed string through `no_controls()`.
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from estimator import formatting as fmt
from estimator.inventory import format_label
from estimator.model import Estimate

# C0 and C1 control characters but tab and newline: ESC starts terminal sequences (window
# titles, links, clearing the screen), CR overwrites the line. Inventory text must not send them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def no_controls(text: str) -> str:
    """`text` with control characters written as `\\x1b`-style escapes, not sent as such."""
    return _CONTROL.sub(_visible, text)


def plain(value: object) -> Text:
    """Data (a file, VM or pool name) for a rich table or title: never read as markup."""
    return Text(no_controls(str(value)))


class SafeConsole(Console):
    """A console that never passes control characters from the text it prints."""

    def render_str(self, text: str, **kwargs: Any) -> Text:  # every printed str comes here
        return super().render_str(no_controls(text), **kwargs)


def headline_rows(est: Estimate) -> list[tuple[str, str]]:
    """(label, value) rows of the headline figures, in the shared number format."""
    cur, inv, fit, now, tgt, m = (est.currency, est.inventory, est.fit, est.current,
                                  est.target, est.money)
    rows = [
        ("VMs in scope", f"{fmt.count(inv.vms_in_scope)} of {fmt.count(inv.vms_total)}"),
        ("Moving / staying / retiring",
         f"{fmt.count(fit.vms_moving)} / {fmt.count(fit.vms_staying)} / "
         f"{fmt.count(fit.vms_retiring)}"),
        ("Hosts today", fmt.count(now.hosts) + (" (some inferred)" if now.hosts_inferred
                                                 else "")),
        ("Container nodes", f"{fmt.count(tgt.nodes)} (lower bound "
         f"{fmt.count(tgt.nodes_lower_bound)}, {fmt.count(tgt.spare_nodes)} spare)"),
        ("Yearly cost before", fmt.money(m.annual_before, cur)),
        ("Yearly cost after", fmt.money(m.annual_after, cur)),
        ("Yearly savings", fmt.money(m.annual_savings, cur)),
    ]
    unc = est.uncertainty
    if unc is not None:
        rows.append(("Savings P10–P90", fmt.money_range(
            unc.annual_savings.p10, unc.annual_savings.p90, cur)))
        rows.append(("Chance savings > 0", fmt.pct(unc.probability_positive_savings)))
    rows += [
        ("One-off migration", fmt.money(m.one_off_migration, cur)),
        ("Payback", fmt.months(m.payback_months)),
        (f"NPV ({m.horizon_years} years)", fmt.money(m.npv, cur)),
    ]
    if unc is not None:
        rows.insert(-2, ("One-off P10–P90", fmt.money_range(
            unc.one_off_migration.p10, unc.one_off_migration.p90, cur)))
        rows.insert(-1, ("Payback P10–P90", fmt.months_range(unc.payback_months.p10,
                                                             unc.payback_months.p90)))
        rows.append(("NPV P10–P90", fmt.money_range(unc.npv.p10, unc.npv.p90, cur)))
    rows.append(("Data confidence", fmt.stars(est.quality.confidence_stars)))
    return rows


def cash_flow_table(est: Estimate) -> Table:
    """The cash flow by year, as a finance team reads it."""
    t = Table(title=f"Cash flow by year ({est.currency})", title_justify="left",
              header_style="bold", box=None)
    # short headings: the table fits an 80-column terminal
    for c in ("year", "staying", "after", "dual", "servers", "migration", "net", "cumul."):
        t.add_column(c, justify="right", no_wrap=True)
    for r in est.cash_flow.itertuples(index=False):
        t.add_row(fmt.count(r.year), *(fmt.money_number(v) for v in (
            r.opex_before, r.opex_after, r.dual_running, r.capex, r.migration_cost, r.net,
            r.cumulative)))
    return t


def render_sources(est: Estimate, console: Console) -> None:
    """One line per inventory read: its file, the format it was read as, the VMs it gave."""
    files = est.quality.files
    console.print(f"Read {fmt.plural(len(files), 'inventory', 'inventories')}:", markup=False,
                  highlight=False)
    for f in files:
        console.print(f"  {f.file}: {format_label(f.format)}, {fmt.plural(f.vms_kept, 'VM')}",
                      markup=False, highlight=False, soft_wrap=True)


def render_summary(est: Estimate, console: Console, *, notes: bool = True) -> None:
    """Headline numbers, node pools and cost categories as rich tables, then the notes
    (which `notes=False`, for --quiet, leaves out)."""
    head = Table(title=plain(f"Estimate: {est.name}"), title_justify="left", show_header=False,
                 box=None)
    head.add_column("figure")
    head.add_column("value", justify="right")
    for label, value in headline_rows(est):
        head.add_row(label, value)
    console.print(head)
    for line in est.insights.money_notes:
        console.print(line, markup=False, highlight=False)
    cap = Table(title="Capacity today and after", title_justify="left", header_style="bold",
                box=None)
    for c in ("", "cores", "memory GiB"):
        cap.add_column(c, justify="left" if not c else "right", no_wrap=True)
    for r in est.insights.capacity:
        cap.add_row(r.figure, fmt.count(r.cores), fmt.count(r.memory_gib))
    console.print()
    console.print(cap)
    if est.insights.capacity_note:
        console.print(est.insights.capacity_note, markup=False, highlight=False)
    cur = est.currency
    if len(est.pools):
        pools = Table(title="Node pools (requests / allocatable)", title_justify="left",
                      header_style="bold", box=None)
        for c in ("pool", "node type", "nodes", "spare", "workloads", "CPU", "memory",
                  "nodes/year"):
            pools.add_column(c, justify="left" if c in ("pool", "node type") else "right",
                             no_wrap=True)
        for r in est.pools.itertuples(index=False):
            pools.add_row(plain(r.pool), plain(r.node_type), fmt.count(r.nodes),
                          fmt.count(r.spare_nodes), fmt.count(r.workloads),
                          fmt.pct(r.cpu_allocatable_util), fmt.pct(r.memory_allocatable_util),
                          fmt.money(r.annual_cost, cur))
        console.print()
        console.print(pools)
    if len(est.costs):
        costs = Table(title=f"Yearly costs by category ({cur})", title_justify="left",
                      header_style="bold", box=None)
        for c in ("category", "before", "after", "savings"):
            costs.add_column(c, justify="left" if c == "category" else "right", no_wrap=True)
        for r in est.costs.itertuples(index=False):
            costs.add_row(str(r.category), fmt.money_number(r.annual_before),
                          fmt.money_number(r.annual_after), fmt.money_number(r.annual_savings))
        m = est.money
        costs.add_row("Total", fmt.money_number(m.annual_before),
                      fmt.money_number(m.annual_after), fmt.money_number(m.annual_savings),
                      style="bold")
        console.print()
        console.print(costs)
    if len(est.cash_flow):
        console.print()
        console.print(cash_flow_table(est))
    if est.platforms is not None and len(est.platforms):
        console.print()
        console.print(platform_table(est))
    if est.scenarios is not None and len(est.scenarios):
        console.print()
        console.print(scenario_table(est))
    if est.insights.key_assumptions:
        keys = Table(title="Key assumptions", title_justify="left", show_header=False, box=None)
        keys.add_column("topic", no_wrap=True)
        keys.add_column("assumption")
        for k in est.insights.key_assumptions:
            keys.add_row(k.topic, k.text)
        console.print()
        console.print(keys)
    if est.insights.next_steps:
        console.print()
        console.print("Next steps", style="bold", markup=False, highlight=False)
        for i, step in enumerate(est.insights.next_steps, 1):
            console.print(f"{i}. {step}", markup=False, highlight=False)
    if not notes:
        return
    if est.insights.contract_prices:
        contract = ", ".join(c.key for c in est.insights.contract_prices)
        console.print(f"Replace these with your contract prices (they move the NPV most and "
                      f"have no public source): {contract}", markup=False, highlight=False)
    for note in est.notes:
        console.print(f"Note: {note}", markup=False, highlight=False)


def scenario_table(est: Estimate) -> Table:
    """One row per scenario (the main run first): nodes, savings and range, payback, NPV."""
    frame = est.scenarios
    assert frame is not None
    cur = est.currency
    t = Table(title=f"Scenarios ({cur} per year)", title_justify="left", header_style="bold",
              box=None)
    for c in ("scenario", "nodes", "savings", "P10–P90", "payback", "NPV"):
        t.add_column(c, justify="left" if c == "scenario" else "right", no_wrap=True)
    for r in frame.itertuples(index=False):
        t.add_row(plain(r.name), fmt.count(r.nodes), fmt.money_number(r.annual_savings),
                  fmt.money_range(r.savings_p10, r.savings_p90),
                  # NaN payback: never within the horizon.
                  fmt.months(r.payback_months),
                  fmt.money_number(r.npv))
    return t


def platform_table(est: Estimate) -> Table:
    """One row per target platform: nodes, yearly cost after, savings, one-off, payback, NPV."""
    frame = est.platforms
    assert frame is not None
    cur = est.currency
    t = Table(title=f"Target platforms ({cur})", title_justify="left", header_style="bold",
              box=None)
    for c in ("platform", "nodes", "after", "savings", "beyond VMs", "one-off", "payback",
              "NPV"):
        t.add_column(c, justify="left" if c == "platform" else "right",
                     no_wrap=c != "platform", overflow="fold")
    for r in frame.itertuples(index=False):
        t.add_row(plain(r.name) if r.name != est.target.platform else
                  Text(f"{r.name} *", style="bold"),
                  fmt.count(r.nodes), fmt.money_number(r.annual_after),
                  fmt.money_number(r.annual_savings),
                  fmt.money_number(r.savings_beyond_rightsizing),
                  fmt.money_number(r.one_off_migration),
                  fmt.months(r.payback_months),
                  fmt.money_number(r.npv))
    return t
