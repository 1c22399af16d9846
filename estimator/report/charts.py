"""The report's plotly figures, shared by the HTML report and notebooks.

`figures(est)` returns the figures by name, each titled with its one-line takeaway;
`takeaways(est)` returns those lines alone and `CHART_TITLES` a short heading per figure.
Everything plotted is aggregated (per category, pool, year, bin...), so a 100,000-VM estate
puts no per-VM points into the page. Inventory strings are escaped before they reach plotly,
which renders a subset of HTML in labels and hover text.

>>> figs = figures(est)            # doctest: +SKIP
>>> figs["cash_flow"].show()       # doctest: +SKIP
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from estimator.report import formatting as fmt

if TYPE_CHECKING:
    from estimator.model import Estimate

# Short headings, in the order the report shows the figures.
CHART_TITLES: dict[str, str] = {
    "cost_by_category": "Yearly cost before and after, by category",
    "savings_by_category": "Yearly savings by category",
    "cash_flow": "Cash flow and payback",
    "savings_distribution": "Range of yearly savings",
    "tornado": "What moves the savings most",
    "density": "Density: VMs per host today vs workloads per node",
    "pools": "Node pools and allocatable utilisation",
    "fit": "Container fit and the top reasons",
    "os": "Operating systems and end of support",
    "scenarios": "Scenario comparison",
}

GREY = "#9aa5b1"
BLUE = "#2563eb"
GREEN = "#15803d"
ORANGE = "#d97706"
RED = "#b91c1c"
# Categories in a stable, colour-blind-friendly order (Okabe-Ito based).
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#332288",
           "#7f7f7f", "#88ccee", "#f0e442")
FIT_COLOURS = {
    "excellent": "#15803d", "good": "#65a30d", "needs_work": "#d97706", "no_fit": "#b91c1c",
    "insufficient_data": "#9aa5b1", "retire_idle": "#52606d", "retire_with_platform": "#7b8794",
    "stays_vm": "#0072b2",
}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
TOP_TORNADO = 10
TOP_OS = 12
TOP_REASONS = 8
_HIST_BINS = 40


# Column names the renderers accept for the same pool figure (first match wins).
POOL_COLUMNS: dict[str, tuple[str, ...]] = {
    "cpu_util": ("cpu_allocatable_util", "cpu_utilisation"),
    "memory_util": ("memory_allocatable_util", "memory_utilisation"),
    "annual_cost": ("annual_cost", "annual_cost_usd"),
}


def pool_column(pools: pd.DataFrame, figure: str) -> str | None:
    """The column of `pools` holding `figure` (see `POOL_COLUMNS`), or None."""
    for name in POOL_COLUMNS.get(figure, (figure,)):
        if name in pools.columns:
            return name
    return None


def fit_reason_table(est: Estimate) -> pd.DataFrame:
    """`est.fit_reasons` as columns reason, level, vms (most common first)."""
    r = est.fit_reasons
    if r is None or r.empty:
        return pd.DataFrame(columns=["reason", "level", "vms"])
    r = r.rename(columns={"fit_reason": "reason", "fit_level": "level", "fit_rules": "rule"})
    if "reason" not in r or "vms" not in r:
        return pd.DataFrame(columns=["reason", "level", "vms"])
    if "level" not in r:
        r = r.assign(level=pd.NA)
    return r


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


def esc(text: Any) -> str:
    """Escape inventory text for plotly labels and hover text.

    plotly.js decodes `&lt;`, `&gt;` and `&amp;` (not `&quot;`), so only those are used; quotes
    are harmless because plotly writes label text as text nodes.
    """
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return "–"
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def figures(est: Estimate) -> dict[str, go.Figure]:
    """The report's figures by name (only those the estimate has data for), takeaway as title."""
    return {name: fig for name, (fig, _) in _build(est).items()}


def takeaways(est: Estimate) -> dict[str, str]:
    """The one-line takeaway of each figure, by the same names as `figures`."""
    return {name: text for name, (_, text) in _build(est).items()}


def figures_with_takeaways(est: Estimate) -> dict[str, tuple[go.Figure, str]]:
    """Both at once (the HTML report uses this to build each figure once)."""
    return _build(est)


def _build(est: Estimate) -> dict[str, tuple[go.Figure, str]]:
    builders: dict[str, Callable[[Estimate], tuple[go.Figure, str] | None]] = {
        "cost_by_category": _cost_by_category,
        "savings_by_category": _savings_by_category,
        "cash_flow": _cash_flow,
        "savings_distribution": _savings_distribution,
        "tornado": _tornado,
        "density": _density,
        "pools": _pools,
        "fit": _fit,
        "os": _os,
        "scenarios": _scenarios,
    }
    out: dict[str, tuple[go.Figure, str]] = {}
    for name, build in builders.items():
        made = build(est)
        if made is None:
            continue
        fig, text = made
        _style(fig, text)
        out[name] = (fig, text)
    return out


def _style(fig: go.Figure, title: str) -> None:
    fig.update_layout(
        title={"text": esc(title), "x": 0, "xanchor": "left", "font": {"size": 15}},
        font={"family": FONT, "size": 12, "color": "#1f2933"},
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 10, "r": 20, "t": 60, "b": 40},
        height=380,
        legend={"orientation": "h", "y": -0.15, "x": 0},
        hoverlabel={"font": {"family": FONT}},
    )
    fig.update_xaxes(gridcolor="#e5e7eb", zerolinecolor="#9aa5b1", automargin=True)
    fig.update_yaxes(gridcolor="#e5e7eb", zerolinecolor="#9aa5b1", automargin=True)


def _s(est: Estimate, key: str, default: Any = None) -> Any:
    value = est.summary.get(key, default)
    return default if fmt.is_missing(value) and not isinstance(value, dict | str) else value


# -- money -----------------------------------------------------------------------------------
def _cost_by_category(est: Estimate) -> tuple[go.Figure, str] | None:
    costs = est.costs
    if costs is None or costs.empty:
        return None
    cur = est.currency
    fig = go.Figure()
    for i, row in enumerate(costs.itertuples()):
        values = [float(row.before), float(row.after)]
        fig.add_bar(
            name=esc(row.category), x=["Today", "After containerising"], y=values,
            marker_color=PALETTE[i % len(PALETTE)],
            hovertemplate=f"{esc(row.category)}<br>%{{x}}: %{{customdata}}<extra></extra>",
            customdata=[fmt.money(v, cur) for v in values],
        )
    before = _s(est, "annual_before", float(costs["before"].sum()))
    after = _s(est, "annual_after", float(costs["after"].sum()))
    for x, total in (("Today", before), ("After containerising", after)):
        fig.add_annotation(x=x, y=total, text=f"<b>{fmt.money(total, cur)}</b>",
                           showarrow=False, yshift=12)
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text=f"{cur} per year", tickformat="~s")
    change = (after - before) / before if before else None
    text = f"Yearly cost goes from {fmt.money(before, cur)} to {fmt.money(after, cur)}"
    if change is not None:
        text += f" ({'−' if change < 0 else '+'}{fmt.pct(abs(change))})."
    return fig, text


def _savings_by_category(est: Estimate) -> tuple[go.Figure, str] | None:
    costs = est.costs
    if costs is None or costs.empty:
        return None
    cur = est.currency
    data = costs.sort_values("savings")
    savings = data["savings"].astype(float)
    fig = go.Figure(go.Bar(
        x=savings, y=[esc(c) for c in data["category"]], orientation="h",
        marker_color=[GREEN if v >= 0 else ORANGE for v in savings],
        text=[fmt.money(v, cur) for v in savings], textposition="auto",
        hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    fig.update_xaxes(title_text=f"{cur} saved per year (negative: new cost)", tickformat="~s")
    best = data.iloc[-1]
    text = f"The largest saving is {best['category']}: {fmt.money(best['savings'], cur)} a year"
    worst = data.iloc[0]
    if float(worst["savings"]) < 0:
        text += f"; {worst['category']} adds {fmt.money(-float(worst['savings']), cur)}"
    return fig, text + "."


def _cash_flow(est: Estimate) -> tuple[go.Figure, str] | None:
    cf = est.cash_flow
    if cf is None or cf.empty:
        return None
    cur = est.currency
    years = cf["year"].astype(int).tolist() if "year" in cf else list(range(1, len(cf) + 1))
    # Start at year 0 with nothing spent so the cumulative line begins at zero.
    x = [0, *years]
    cumulative = [0.0, *cf["cumulative"].astype(float).tolist()]
    fig = go.Figure()
    if "savings" in cf:
        fig.add_bar(x=years, y=cf["savings"].astype(float), name="Savings", marker_color=GREEN,
                    hovertemplate="Year %{x}: savings %{customdata}<extra></extra>",
                    customdata=[fmt.money(v, cur) for v in cf["savings"]])
    if "migration_cost" in cf:
        mig = -cf["migration_cost"].astype(float)
        fig.add_bar(x=years, y=mig, name="Migration cost", marker_color=ORANGE,
                    hovertemplate="Year %{x}: migration %{customdata}<extra></extra>",
                    customdata=[fmt.money(v, cur) for v in mig])
    fig.add_scatter(x=x, y=cumulative, name="Cumulative net", mode="lines+markers",
                    line={"color": BLUE, "width": 3},
                    hovertemplate="End of year %{x}: %{customdata}<extra></extra>",
                    customdata=[fmt.money(v, cur) for v in cumulative])
    payback = _s(est, "payback_months")
    if payback is not None and not fmt.is_missing(payback):
        px = float(payback) / 12
        fig.add_vline(x=px, line_dash="dot", line_color=GREY)
        fig.add_annotation(x=px, y=1, yref="paper", text=f"payback: {fmt.months(payback)}",
                           showarrow=False, xanchor="right", yanchor="top", xshift=-4,
                           bgcolor="rgba(255,255,255,0.85)")
    fig.update_layout(barmode="relative")
    fig.update_xaxes(title_text="Year", tickmode="linear", dtick=1)
    fig.update_yaxes(title_text=cur, tickformat="~s")
    end = cumulative[-1]
    if payback is None or fmt.is_missing(payback):
        text = (f"The migration does not pay back within {len(years)} years; "
                f"cumulative {fmt.money(end, cur)}.")
    else:
        text = (f"Pays back in {fmt.months(payback)}; cumulative net "
                f"{fmt.money(end, cur)} after {len(years)} years.")
    return fig, text


def _savings_distribution(est: Estimate) -> tuple[go.Figure, str] | None:
    unc = est.uncertainty
    if unc is None or unc.savings_draws is None or len(unc.savings_draws) == 0:
        return None
    cur = est.currency
    draws = np.asarray(unc.savings_draws, dtype=float)
    draws = draws[np.isfinite(draws)]
    if draws.size == 0:
        return None
    # Binned here so the page carries 40 bars, not every draw.
    counts, edges = np.histogram(draws, bins=_HIST_BINS)
    mids = (edges[:-1] + edges[1:]) / 2
    share = counts / counts.sum()
    fig = go.Figure(go.Bar(
        x=mids, y=share, width=np.diff(edges), marker_color=[GREEN if m >= 0 else ORANGE
                                                            for m in mids],
        customdata=[f"{fmt.money(a, cur)} to {fmt.money(b, cur)}"
                    for a, b in itertools.pairwise(edges)],
        hovertemplate="%{customdata}: %{y:.1%} of draws<extra></extra>", name="draws",
    ))
    p = unc.annual_savings
    for lab, v in (("P10", p.p10), ("P50", p.p50), ("P90", p.p90)):
        if v is None or fmt.is_missing(v):
            continue
        fig.add_vline(x=float(v), line_dash="dash" if lab != "P50" else "solid",
                      line_color="#1f2933")
        fig.add_annotation(x=float(v), y=1, yref="paper", text=f"{lab} {fmt.money(v, cur)}",
                           showarrow=False, yshift=8, font={"size": 11})
    fig.update_xaxes(title_text=f"Yearly savings ({cur})", tickformat="~s")
    fig.update_yaxes(title_text="Share of draws", tickformat=".0%")
    fig.update_layout(bargap=0.02, showlegend=False)
    text = (f"In {unc.draws:,} draws, yearly savings are {fmt.money_range(p.p10, p.p90, cur)} "
            f"(P10–P90), positive in {fmt.pct(unc.probability_positive_savings)} of cases.")
    return fig, text


def _tornado(est: Estimate) -> tuple[go.Figure, str] | None:
    unc = est.uncertainty
    if unc is None or unc.tornado is None or unc.tornado.empty:
        return None
    cur = est.currency
    t = unc.tornado.copy()
    if "swing" not in t:
        t["swing"] = (t["high_savings"] - t["low_savings"]).abs()
    t = t.sort_values("swing", ascending=False).head(TOP_TORNADO).iloc[::-1]
    base = _s(est, "annual_savings", 0.0) or 0.0
    names = [str(r.label if "label" in t and not _blank(r.label) else r.key).strip().rstrip(".")
             for r in t.itertuples()]
    # Short tick labels keep the bars wide; the hover shows the whole label and the key.
    labels = [esc(_short(n, 44)) for n in names]
    full = [f"{esc(n)} ({esc(k)})" for n, k in zip(names, t["key"], strict=True)]
    blank = pd.Series([None] * len(t), index=t.index, dtype="object")
    unit = t["unit"] if "unit" in t else blank.fillna("")
    lo_text = [f"{_val(v)} {esc(u)}".strip()
               for v, u in zip(t.get("low_value", blank), unit, strict=True)]
    hi_text = [f"{_val(v)} {esc(u)}".strip()
               for v, u in zip(t.get("high_value", blank), unit, strict=True)]
    fig = go.Figure()
    fig.add_bar(y=labels, x=t["low_savings"].astype(float) - base, base=base, orientation="h",
                name="Low value of the assumption", marker_color=ORANGE,
                customdata=np.stack([lo_text, [fmt.money(v, cur) for v in t["low_savings"]],
                                     full], axis=-1),
                hovertemplate="%{customdata[2]}<br>at %{customdata[0]}: %{customdata[1]}"
                              "<extra></extra>")
    fig.add_bar(y=labels, x=t["high_savings"].astype(float) - base, base=base, orientation="h",
                name="High value of the assumption", marker_color=BLUE,
                customdata=np.stack([hi_text, [fmt.money(v, cur) for v in t["high_savings"]],
                                     full], axis=-1),
                hovertemplate="%{customdata[2]}<br>at %{customdata[0]}: %{customdata[1]}"
                              "<extra></extra>")
    fig.add_vline(x=base, line_color="#1f2933")
    fig.update_layout(barmode="overlay", height=max(320, 40 + 34 * len(t)))
    fig.update_xaxes(title_text=f"Yearly savings ({cur})", tickformat="~s")
    top = t.iloc[-1]
    name = names[-1]
    lo, hi = sorted((float(top["low_savings"]), float(top["high_savings"])))
    text = (f"{name} moves the yearly savings most: from {fmt.money(lo, cur)} "
            f"to {fmt.money(hi, cur)} across its range.")
    return fig, text


def _blank(x: Any) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and np.isnan(x)) or str(x) == ""


def _val(v: Any) -> str:
    if fmt.is_missing(v):
        return esc(v) if isinstance(v, str) else "–"
    f = float(v)
    return f"{f:,.0f}" if abs(f) >= 100 else f"{f:g}"


# -- estate ----------------------------------------------------------------------------------
def _density(est: Estimate) -> tuple[go.Figure, str] | None:
    hosts = _s(est, "hosts")
    nodes = _s(est, "nodes")
    vph = _s(est, "vms_per_host")
    wpn = _s(est, "workloads_per_node")
    if hosts is None and nodes is None:
        return None
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Machines", "Density"),
                        horizontal_spacing=0.15)
    host_label = "Hosts today" + (" (inferred)" if _s(est, "hosts_inferred") else "")
    fig.add_bar(x=[host_label, "Nodes after"], y=[hosts or 0, nodes or 0],
                marker_color=[GREY, BLUE], text=[fmt.count(hosts), fmt.count(nodes)],
                textposition="auto", row=1, col=1, showlegend=False,
                hovertemplate="%{x}: %{text}<extra></extra>")
    fig.add_bar(x=["VMs per host", "Workloads per node"], y=[vph or 0, wpn or 0],
                marker_color=[GREY, BLUE], text=[fmt.number(vph), fmt.number(wpn)],
                textposition="auto", row=1, col=2, showlegend=False,
                hovertemplate="%{x}: %{text}<extra></extra>")
    fig.update_xaxes(tickangle=0)
    text = (f"Today {fmt.number(vph)} VMs per host on {fmt.count(hosts)} hosts; after, "
            f"{fmt.number(wpn)} workloads per node on {fmt.count(nodes)} nodes.")
    return fig, text


def _pools(est: Estimate) -> tuple[go.Figure, str] | None:
    pools = est.pools
    if pools is None or pools.empty or "pool" not in pools:
        return None
    names = [esc(p) for p in pools["pool"]]
    nodes = pools["nodes"] if "nodes" in pools else pd.Series([np.nan] * len(pools))
    lb = pools.get("nodes_lower_bound")
    ticks = [
        f"{n}<br>{fmt.count(k)} nodes" + (f" (≥ {fmt.count(b)})" if lb is not None else "")
        for n, k, b in zip(names, nodes, lb if lb is not None else nodes, strict=True)
    ]
    cpu_col, mem_col = pool_column(pools, "cpu_util"), pool_column(pools, "memory_util")
    fig = go.Figure()
    for col, lab, colour in ((cpu_col, "CPU requests / allocatable", BLUE),
                             (mem_col, "Memory requests / allocatable", GREEN)):
        if col is None:
            continue
        v = pools[col].astype(float)
        fig.add_bar(x=ticks, y=v, name=lab, marker_color=colour,
                    text=[fmt.pct(x) for x in v], textposition="auto",
                    hovertemplate="%{x}<br>" + lab + ": %{text}<extra></extra>")
    if not fig.data:
        fig.add_bar(x=ticks, y=nodes.astype(float), name="Nodes", marker_color=BLUE)
        fig.update_yaxes(title_text="Nodes")
    else:
        fig.update_yaxes(title_text="Share of allocatable", tickformat=".0%", rangemode="tozero")
    fig.update_layout(barmode="group")
    total = _s(est, "nodes", float(nodes.sum()))
    lower = _s(est, "nodes_lower_bound")
    text = f"{fmt.count(total)} nodes in {len(pools)} pool{'s' if len(pools) != 1 else ''}"
    if lower is not None and not fmt.is_missing(lower):
        gap = float(total) - float(lower)
        text += ("; equal to the proven lower bound" if gap <= 0 else
                 f"; the proven lower bound is {fmt.count(lower)} ({fmt.count(gap)} fewer)")
    if mem_col is not None and "nodes" in pools and nodes.sum() > 0:
        w = nodes.astype(float)
        mem = float((pools[mem_col].astype(float) * w).sum() / w.sum())
        cpu = (float((pools[cpu_col].astype(float) * w).sum() / w.sum())
               if cpu_col is not None else None)
        text += f"; requests use {fmt.pct(cpu)} of CPU and {fmt.pct(mem)} of memory allocatable"
    return fig, text + "."


def _fit(est: Estimate) -> tuple[go.Figure, str] | None:
    counts = _s(est, "fit_counts")
    if not isinstance(counts, dict) or not counts:
        return None
    from estimator.model import FIT_LEVELS

    levels = [lv for lv in FIT_LEVELS if lv in counts] + [lv for lv in counts
                                                          if lv not in FIT_LEVELS]
    reasons = fit_reason_table(est)
    has_reasons = not reasons.empty
    top = reasons.head(TOP_REASONS).iloc[::-1] if has_reasons else None
    n_reasons = 0 if top is None else len(top)
    fig = make_subplots(
        rows=2, cols=1, vertical_spacing=0.16,
        row_heights=[len(levels), max(1, n_reasons)],
        subplot_titles=("In-scope VMs by fit level", "Most common findings"),
    )
    rev = levels[::-1]
    fig.add_bar(y=[fmt.label(lv) for lv in rev], x=[counts[lv] for lv in rev], orientation="h",
                marker_color=[FIT_COLOURS.get(lv, GREY) for lv in rev],
                text=[fmt.count(counts[lv]) for lv in rev], textposition="auto",
                showlegend=False, row=1, col=1, hovertemplate="%{y}: %{text} VMs<extra></extra>")
    if top is not None:
        lv = top["level"]
        fig.add_bar(y=[esc(_short(short_reason(r))) for r in top["reason"]],
                    x=top["vms"].astype(float), orientation="h", showlegend=False, row=2, col=1,
                    marker_color=[FIT_COLOURS.get(str(x), GREY) for x in lv],
                    text=[fmt.count(x) for x in top["vms"]], textposition="auto",
                    customdata=[esc(r) for r in top["reason"]],
                    hovertemplate="%{customdata}: %{x} VMs<extra></extra>")
    fig.update_layout(height=max(380, 140 + 24 * (len(levels) + n_reasons)))
    in_scope = _s(est, "vms_in_scope", sum(counts.values()))
    moving = _s(est, "vms_moving")
    easy = counts.get("excellent", 0) + counts.get("good", 0)
    text = (f"{fmt.count(moving)} of {fmt.count(in_scope)} in-scope VMs can become containers; "
            f"{fmt.count(easy)} fit well as they are")
    if has_reasons:
        text += f". Most common finding: {short_reason(reasons.iloc[0]['reason'])}"
    return fig, text + "."


def _short(text: str, n: int = 48) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _os(est: Estimate) -> tuple[go.Figure, str] | None:
    vms = est.vms
    if vms is None or vms.empty or "os_family" not in vms:
        return None
    scope = vms["in_scope"].astype(bool) if "in_scope" in vms else pd.Series(True, vms.index)
    v = vms.loc[scope.to_numpy()]
    if v.empty:
        return None
    name = v["os_name"] if "os_name" in v else v["os_family"]
    name = name.astype("string").fillna(v["os_family"].astype("string")).fillna("unknown")
    version = (v["os_version"].astype("string").fillna("") if "os_version" in v
               else pd.Series("", index=v.index, dtype="string"))
    product = (name + " " + version).str.strip()
    eos = (v["os_end_of_support"].astype("boolean").fillna(False).astype(bool)
           if "os_end_of_support" in v else pd.Series(False, index=v.index))
    table = (pd.DataFrame({"product": product, "eos": eos})
             .groupby(["product", "eos"]).size().unstack(fill_value=0))
    for col in (False, True):
        if col not in table:
            table[col] = 0
    table["total"] = table[False] + table[True]
    table = table.sort_values("total", ascending=False)
    if len(table) > TOP_OS:
        rest = table.iloc[TOP_OS:].sum()
        table = pd.concat([table.iloc[:TOP_OS], pd.DataFrame([rest], index=["other"])])
    table = table.iloc[::-1]
    labels = [esc(_short(str(p), 36)) for p in table.index]
    fig = go.Figure()
    fig.add_bar(y=labels, x=table[False], orientation="h", name="Supported", marker_color=BLUE,
                hovertemplate="%{y}: %{x} VMs supported<extra></extra>")
    fig.add_bar(y=labels, x=table[True], orientation="h", name="End of support",
                marker_color=RED, hovertemplate="%{y}: %{x} VMs end of support<extra></extra>")
    fig.update_layout(barmode="stack", height=max(320, 60 + 26 * len(table)))
    fig.update_xaxes(title_text="In-scope VMs")
    n_eos = int(_s(est, "os_end_of_support_vms", int(eos.sum())) or 0)
    fam = v["os_family"].astype("string").fillna("unknown").value_counts()
    fam_text = ", ".join(f"{fmt.count(c)} {f}" for f, c in fam.items())
    text = f"In scope: {fam_text}."
    if n_eos:
        worst = table[True].idxmax() if table[True].max() > 0 else None
        text = (f"{fmt.count(n_eos)} in-scope VMs run an end-of-support OS"
                + (f", most often {worst}" if worst else "") + f". {text}")
    return fig, text


def _scenarios(est: Estimate) -> tuple[go.Figure, str] | None:
    sc = est.scenarios
    if sc is None or len(sc) < 2:
        return None
    cur = est.currency
    name_col = "scenario" if "scenario" in sc else sc.columns[0]
    names = [esc(n) for n in sc[name_col]]
    if "nodes" in sc:
        names = [f"{n}<br>{fmt.count(k)} nodes" for n, k in zip(names, sc["nodes"], strict=True)]
    fig = go.Figure()
    for col, lab, colour in (("annual_after", "Yearly cost after", GREY),
                             ("annual_savings", "Yearly savings", GREEN)):
        if col in sc:
            fig.add_bar(x=names, y=sc[col].astype(float), name=lab, marker_color=colour,
                        text=[fmt.money(x, cur) for x in sc[col]], textposition="auto",
                        hovertemplate="%{x}<br>" + lab + ": %{text}<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=f"{cur} per year", tickformat="~s")
    if "annual_savings" not in sc:
        return fig, f"{len(sc)} scenarios compared."
    best = sc.loc[sc["annual_savings"].astype(float).idxmax()]
    text = (f"Of {len(sc)} scenarios, {best[name_col]} saves the most: "
            f"{fmt.money(best['annual_savings'], cur)} a year.")
    return fig, text
