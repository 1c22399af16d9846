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
import re
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from estimator import formatting as fmt
from estimator.insights import assumption_label, short_reason
from estimator.model import FIT_LEVELS
from estimator.report.palette import (
    BLUE,
    CASH_OUTFLOWS,
    EXTRA_RUNNING,
    FIT_COLOURS,
    GREEN,
    GREY,
    NEW_COST,
    ORANGE,
    RED,
    SAVING,
    category_colour,
)

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
    "platforms": "Target platforms compared",
}

# Charts whose labels are long: the report gives them the full width of the page.
WIDE_CHARTS = frozenset({"tornado", "fit"})
# Room above the plot (px) where a chart labels lines there; the report's default is 30.
TOP_ROOM = {"savings_distribution": 56}
# Printed, a chart is 340 px wide (700 px for a wide one) and at most 300 px high; these
# charts change more of their layout for paper (plotly relayout paths).
PRINT_LAYOUT: dict[str, dict[str, Any]] = {
    # thirteen categories: a legend beside the bars rather than a scrolling one below
    "cost_by_category": {"height": 380, "legend.orientation": "v", "legend.x": 1.02,
                         "legend.yref": "paper", "legend.y": 1, "legend.yanchor": "top",
                         "legend.font.size": 9},
}

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
TOP_TORNADO = 10
TOP_OS = 12
TOP_REASONS = 8
_HIST_BINS = 40


def esc(text: Any) -> str:
    """Escape inventory text for plotly labels and hover text.

    plotly.js decodes `&lt;`, `&gt;` and `&amp;` (not `&quot;`), so only those are used; quotes
    are harmless because plotly writes label text as text nodes.
    """
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return "–"
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _wrap_name(name: Any, width: int = 12) -> str:
    """A name (platform, scenario, pool) over lines of about `width` characters, broken
    after a hyphen, slash or space: side by side, whole names collide. The lines keep every
    character, so the label still reads as the name."""
    lines: list[str] = []
    line = ""
    for part in re.findall(r"[^/\s-]*[/\s-]?", str(name)):
        if line and len(line) + len(part) > width:
            lines.append(line)
            line = ""
        while len(part) > 2 * width:  # a long run without a break point
            lines.append(part[:width])
            part = part[width:]
        line += part
    if line:
        lines.append(line)
    return "<br>".join(esc(x) for x in lines) or esc(name)


def _rows_height(labels: list[str], minimum: int = 30) -> int:
    """Pixels for horizontal bars whose labels span several <br> lines: each bar gets the
    height of its label (15 px a line) and at least `minimum`, so labels never overlap."""
    return sum(max(minimum, 15 * (label.count("<br>") + 1) + 8) for label in labels)


def wrap(text: Any, width: int = 32) -> str:
    """Escaped label text broken into lines of at most `width` characters with <br>, so a
    long label is shown whole rather than cut off with an ellipsis."""
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return "–"
    lines = textwrap.wrap(str(text), width, break_long_words=True, break_on_hyphens=False)
    return "<br>".join(esc(line) for line in lines) or esc(text)


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
    """Every figure the insights have a takeaway for, titled with it."""
    builders: dict[str, Callable[[Estimate], go.Figure | None]] = {
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
        "platforms": _platforms,
    }
    out: dict[str, tuple[go.Figure, str]] = {}
    takeaways = est.insights.takeaways
    for name, build in builders.items():
        text = takeaways.get(name)
        if text is None:
            continue
        fig = build(est)
        if fig is None:
            continue
        _style(fig, text)
        out[name] = (fig, text)
    return out


def _style(fig: go.Figure, title: str) -> None:
    fig.update_layout(
        title={"text": esc(title), "x": 0, "xanchor": "left", "font": {"size": 15}},
        font={"family": FONT, "size": 12, "color": "#1f2933"},
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 10, "r": 20, "t": max(60, fig.layout.margin.t or 0), "b": 40},
        # a builder that sized its figure to its labels keeps that height
        height=fig.layout.height or 380,
        # the legend sits at the foot of the figure, below the axis title, however high it is
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0},
        hoverlabel={"font": {"family": FONT}},
    )
    fig.update_xaxes(gridcolor="#e5e7eb", zerolinecolor="#9aa5b1", automargin=True)
    fig.update_yaxes(gridcolor="#e5e7eb", zerolinecolor="#9aa5b1", automargin=True)


# -- money -----------------------------------------------------------------------------------
def _cost_by_category(est: Estimate) -> go.Figure | None:
    costs = est.costs
    if costs.empty:
        return None
    cur = est.currency
    fig = go.Figure()
    for i, row in enumerate(costs.itertuples()):
        values = [float(row.annual_before), float(row.annual_after)]
        fig.add_bar(
            name=wrap(row.category, 20), x=["Today", "After<br>containerising"], y=values,
            marker_color=category_colour(str(row.category), i),
            hovertemplate=f"{esc(row.category)}<br>%{{x}}: %{{customdata}}<extra></extra>",
            customdata=[fmt.money(v, cur) for v in values],
        )
    for x, total in (("Today", est.money.annual_before),
                     ("After<br>containerising", est.money.annual_after)):
        fig.add_annotation(x=x, y=total, text=f"<b>{fmt.money(total, cur)}</b>",
                           showarrow=False, yshift=12)
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text=f"{cur} per year", tickformat="~s")
    return fig


def _savings_by_category(est: Estimate) -> go.Figure | None:
    costs = est.costs
    if costs.empty:
        return None
    cur = est.currency
    data = costs.sort_values("annual_savings", kind="stable")
    savings = data["annual_savings"].astype(float)
    fig = go.Figure(go.Bar(
        x=savings, y=[esc(c) for c in data["category"]], orientation="h",
        marker_color=[SAVING if v >= 0 else NEW_COST for v in savings],
        text=[fmt.money(v, cur) for v in savings], textposition="auto",
        hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    # Room beside the longest bars for their labels, which sit outside the bar when it is
    # too short to hold them: without it a label runs off the plot and is cut.
    lo, hi = min(0.0, float(savings.min())), max(0.0, float(savings.max()))
    pad = 0.45 * (hi - lo) or 1.0
    fig.update_xaxes(title_text=f"{cur} a year (negative: new cost)", tickformat="~s",
                     range=[lo - (pad if lo < 0 else 0), hi + (pad if hi > 0 else 0)])
    fig.update_traces(cliponaxis=False)
    return fig


def _cash_flow(est: Estimate) -> go.Figure | None:
    cf = est.cash_flow
    if cf.empty:
        return None
    cur = est.currency
    years = cf["year"].astype(int).tolist()
    # Start at year 0 with nothing spent so the cumulative line begins at zero.
    x = [0, *years]
    cumulative = [0.0, *cf["cumulative"].astype(float).tolist()]
    fig = go.Figure()
    savings = cf["savings"].astype(float)
    if (savings > 0).any() or not (savings < 0).any():
        fig.add_bar(x=years, y=savings.clip(lower=0), name="Savings", marker_color=GREEN,
                    hovertemplate="Year %{x}: savings %{customdata}<extra></extra>",
                    customdata=[fmt.money(v, cur) for v in cf["savings"]])
    if (savings < 0).any():
        extra, colour = EXTRA_RUNNING
        fig.add_bar(x=years, y=savings.clip(upper=0), name=extra, marker_color=colour,
                    hovertemplate=f"Year %{{x}}: {extra.lower()} by %{{customdata}}<extra></extra>",
                    customdata=[fmt.money(-v, cur) for v in savings.clip(upper=0)])
    # what the move costs, below the axis: one-off work, dual running, servers bought
    for column, name, colour in CASH_OUTFLOWS:
        out = -cf[column].astype(float)
        if not out.any():
            continue
        fig.add_bar(x=years, y=out, name=name, marker_color=colour,
                    hovertemplate=f"Year %{{x}}: {name.lower()} %{{customdata}}<extra></extra>",
                    customdata=[fmt.money(v, cur) for v in out])
    fig.add_scatter(x=x, y=cumulative, name="Cumulative net", mode="lines+markers",
                    line={"color": BLUE, "width": 3},
                    hovertemplate="End of year %{x}: %{customdata}<extra></extra>",
                    customdata=[fmt.money(v, cur) for v in cumulative])
    payback = est.money.payback_months
    if payback is not None:
        px = float(payback) / 12
        fig.add_vline(x=px, line_dash="dot", line_color=GREY)
        fig.add_annotation(x=px, y=1, yref="paper", text=f"payback: {fmt.months(payback)}",
                           showarrow=False, xanchor="right", yanchor="top", xshift=-4,
                           bgcolor="rgba(255,255,255,0.85)")
    fig.update_layout(barmode="relative")
    fig.update_xaxes(title_text="Year", tickmode="linear", dtick=1)
    fig.update_yaxes(title_text=cur, tickformat="~s")
    return fig


def _savings_distribution(est: Estimate) -> go.Figure | None:
    unc = est.uncertainty
    if unc is None or not unc.savings_draws:
        return None
    cur = est.currency
    draws = np.asarray(unc.savings_draws, dtype=float)
    draws = draws[np.isfinite(draws)]
    if draws.size == 0:
        return None
    # Binned here so the page carries 40 bars, not every draw.
    counts, edges = np.histogram(draws, bins=_HIST_BINS)
    mids = (edges[:-1] + edges[1:]) / 2
    share = counts / draws.size
    fig = go.Figure(go.Bar(
        x=mids, y=share, width=np.diff(edges), marker_color=[GREEN if m >= 0 else ORANGE
                                                            for m in mids],
        customdata=[f"{fmt.money(a, cur)} to {fmt.money(b, cur)}"
                    for a, b in itertools.pairwise(edges)],
        hovertemplate="%{customdata}: %{y:.1%} of draws<extra></extra>", name="draws",
    ))
    p = unc.annual_savings
    # P10 reads to the left of its line, P90 to the right and P50 above both, so the three
    # labels never overlap however close the percentiles are.
    for lab, v, anchor, shift in (("P10", p.p10, "right", 4), ("P50", p.p50, "center", 22),
                                  ("P90", p.p90, "left", 4)):
        if v is None:
            continue
        fig.add_vline(x=float(v), line_dash="dash" if lab != "P50" else "solid",
                      line_color="#1f2933")
        fig.add_annotation(x=float(v), y=1, yref="paper", text=f"{lab} {fmt.money(v, cur)}",
                           showarrow=False, yshift=shift, xanchor=anchor, yanchor="bottom",
                           font={"size": 11}, bgcolor="rgba(255,255,255,0.85)")
    fig.update_layout(margin={"t": 30 + TOP_ROOM["savings_distribution"]})
    fig.update_xaxes(title_text=f"Yearly savings ({cur})", tickformat="~s")
    fig.update_yaxes(title_text="Share of draws", tickformat=".0%")
    fig.update_layout(bargap=0.02, showlegend=False)
    return fig


def _tornado(est: Estimate) -> go.Figure | None:
    unc = est.uncertainty
    if unc is None or not unc.tornado:
        return None
    cur = est.currency
    top = list(unc.tornado[:TOP_TORNADO])[::-1]  # largest swing at the top of the chart
    base = est.money.annual_savings
    names = [assumption_label(r.label or r.key) for r in top]
    # Whole labels over two or three lines; the hover adds the key.
    labels = [wrap(n, 44) for n in names]
    full = [f"{esc(n)} ({esc(r.key)})" for n, r in zip(names, top, strict=True)]
    fig = go.Figure()
    for side, name, colour in (("low", "Low value of the assumption", ORANGE),
                               ("high", "High value of the assumption", BLUE)):
        savings = [getattr(r, f"{side}_savings") for r in top]
        at = [f"{_val(getattr(r, f'{side}_value'))} {esc(r.unit)}".strip() for r in top]
        fig.add_bar(y=labels, x=[v - base for v in savings], base=base, orientation="h",
                    name=name, marker_color=colour,
                    customdata=np.stack([at, [fmt.money(v, cur) for v in savings], full],
                                        axis=-1),
                    hovertemplate="%{customdata[2]}<br>at %{customdata[0]}: %{customdata[1]}"
                                  "<extra></extra>")
    fig.add_vline(x=base, line_color="#1f2933")
    fig.update_layout(barmode="overlay", height=max(320, 90 + _rows_height(labels)))
    fig.update_xaxes(title_text=f"Yearly savings ({cur})", tickformat="~s")
    return fig


def _val(v: Any) -> str:
    if fmt.is_missing(v):
        return "–"
    f = float(v)
    return f"{f:,.0f}" if abs(f) >= 100 else f"{f:g}"


# -- estate ----------------------------------------------------------------------------------
def _density(est: Estimate) -> go.Figure | None:
    cur, tgt = est.current, est.target
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Machines", "Density"),
                        horizontal_spacing=0.15)
    # Two-line tick labels: side by side they would collide in a half-width chart.
    host_label = "Hosts today" + ("<br>(some inferred)" if cur.hosts_inferred else "")
    fig.add_bar(x=[host_label, "Nodes<br>after"], y=[cur.hosts, tgt.nodes],
                marker_color=[GREY, BLUE], text=[fmt.count(cur.hosts), fmt.count(tgt.nodes)],
                textposition="auto", row=1, col=1, showlegend=False,
                hovertemplate="%{x}: %{text}<extra></extra>")
    fig.add_bar(x=["VMs per<br>host today", "Workloads<br>per node"],
                y=[cur.vms_per_host or 0, tgt.workloads_per_node],
                marker_color=[GREY, BLUE],
                text=[fmt.number(cur.vms_per_host), fmt.number(tgt.workloads_per_node)],
                textposition="auto", row=1, col=2, showlegend=False,
                hovertemplate="%{x}: %{text}<extra></extra>")
    fig.update_xaxes(tickangle=0)
    return fig


def _pools(est: Estimate) -> go.Figure | None:
    pools = est.pools
    if pools.empty:
        return None
    ticks = [
        f"{_wrap_name(n, 16)}<br>{fmt.count(k)} nodes (≥ {fmt.count(b)})"
        for n, k, b in zip(pools["pool"], pools["nodes"], pools["nodes_lower_bound"],
                           strict=True)
    ]
    fig = go.Figure()
    for col, lab, colour in (("cpu_allocatable_util", "CPU requests / allocatable", BLUE),
                             ("memory_allocatable_util", "Memory requests / allocatable",
                              GREEN)):
        v = pools[col].astype(float)
        fig.add_bar(x=ticks, y=v, name=lab, marker_color=colour,
                    text=[fmt.pct(x) for x in v], textposition="auto",
                    hovertemplate="%{x}<br>" + lab + ": %{text}<extra></extra>")
    fig.update_yaxes(title_text="Share of allocatable", tickformat=".0%", rangemode="tozero")
    fig.update_layout(barmode="group")
    return fig


def _fit(est: Estimate) -> go.Figure | None:
    counts = est.fit.counts
    if not counts:
        return None
    levels = [lv for lv in FIT_LEVELS if lv in counts] + [lv for lv in counts
                                                          if lv not in FIT_LEVELS]
    top = list(est.fit.top_reasons[:TOP_REASONS])[::-1]
    fig = make_subplots(
        rows=2, cols=1, vertical_spacing=0.1,
        row_heights=[24 * len(levels), max(24, _rows_height(
            [wrap(short_reason(r.fit_reason), 60) for r in top], 24))],
        subplot_titles=("In-scope VMs by fit level", "Most common findings"),
    )
    # Subplot titles start at the left edge: centred over a plot squeezed by long labels, they
    # run off the right.
    fig.update_annotations(x=0, xanchor="left", xref="paper", font={"size": 13})
    rev = levels[::-1]
    fig.add_bar(y=[fmt.fit_label(lv) for lv in rev], x=[counts[lv] for lv in rev],
                orientation="h",
                marker_color=[FIT_COLOURS.get(lv, GREY) for lv in rev],
                text=[fmt.count(counts[lv]) for lv in rev], textposition="auto",
                showlegend=False, row=1, col=1, hovertemplate="%{y}: %{text} VMs<extra></extra>")
    reasons = [wrap(short_reason(r.fit_reason), 60) for r in top]
    if top:
        fig.add_bar(y=reasons,
                    x=[r.vms for r in top], orientation="h", showlegend=False, row=2, col=1,
                    marker_color=[FIT_COLOURS.get(r.fit_level, GREY) for r in top],
                    text=[fmt.count(r.vms) for r in top], textposition="auto",
                    customdata=[esc(r.fit_reason) for r in top],
                    hovertemplate="%{customdata}: %{x} VMs<extra></extra>")
    fig.update_layout(height=max(380, 140 + 24 * len(levels) + _rows_height(reasons, 24)))
    return fig


def _os(est: Estimate) -> go.Figure | None:
    table = list(est.insights.os_support)[::-1]
    if not table:
        return None
    labels = [wrap(r.product, 28) for r in table]
    fig = go.Figure()
    fig.add_bar(y=labels, x=[r.supported_vms for r in table], orientation="h", name="Supported",
                marker_color=BLUE, hovertemplate="%{y}: %{x} VMs supported<extra></extra>")
    fig.add_bar(y=labels, x=[r.end_of_support_vms for r in table], orientation="h",
                name="End of support", marker_color=RED,
                hovertemplate="%{y}: %{x} VMs end of support<extra></extra>")
    fig.update_layout(barmode="stack", height=max(320, 90 + 30 * len(table)))
    fig.update_xaxes(title_text="In-scope VMs")
    return fig


def _scenarios(est: Estimate) -> go.Figure | None:
    sc = est.scenarios
    if sc is None or len(sc) < 2:
        return None
    cur = est.currency
    names = [f"{_wrap_name(n)}<br>{fmt.count(k)} nodes"
             for n, k in zip(sc["name"], sc["nodes"], strict=True)]
    fig = go.Figure()
    for col, lab, colour in (("annual_after", "Yearly cost after", GREY),
                             ("annual_savings", "Yearly savings", GREEN)):
        fig.add_bar(x=names, y=sc[col].astype(float), name=lab, marker_color=colour,
                    text=[fmt.money(x, cur) for x in sc[col]], textposition="auto",
                    hovertemplate="%{x}<br>" + lab + ": %{text}<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=f"{cur} per year", tickformat="~s")
    return fig


def _platforms(est: Estimate) -> go.Figure | None:
    pf = est.platforms
    if pf is None or len(pf) < 2:
        return None
    cur = est.currency
    # names break after a hyphen ("openshift-<br>bare-metal"): five side by side collide
    names = [f"{_wrap_name(n)}<br>{fmt.count(k)} {'hosts' if o == 'vms' else 'nodes'}"
             for n, k, o in zip(pf["name"], pf["nodes"], pf["nodes_on"], strict=True)]
    fig = go.Figure()
    for col, lab, colour in (("annual_after", "Yearly cost after", GREY),
                             ("annual_savings", "Yearly savings", GREEN),
                             ("one_off_migration", "One-off migration", ORANGE)):
        fig.add_bar(x=names, y=pf[col].astype(float), name=lab, marker_color=colour,
                    text=[fmt.money(x, cur) for x in pf[col]], textposition="auto",
                    hovertemplate="%{x}<br>" + lab + ": %{text}<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=cur, tickformat="~s")
    return fig
