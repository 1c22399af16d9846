"""The self-contained HTML report and the headline tiles, rendered from an `Estimate`.

One file that works offline: plotly.js is inlined once, there are no external fonts, images or
requests, and every piece of inventory text goes through Jinja2 autoescaping (chart labels are
escaped in `charts`). Per-VM detail is capped here; the full table lives in the workbook.

>>> html = render_html(est)                # doctest: +SKIP
>>> est.to_html("reports/estate.html")     # doctest: +SKIP
"""

from __future__ import annotations

import functools
import json
import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from estimator import __version__
from estimator import formatting as fmt
from estimator.insights import assumption_label, short_source
from estimator.model import Block
from estimator.report.charts import (
    CHART_TITLES,
    PRINT_LAYOUT,
    TOP_ROOM,
    WIDE_CHARTS,
    figures_with_takeaways,
)

if TYPE_CHECKING:
    from estimator.model import Estimate

PROBLEMS_LIST = 50    # data-quality problems listed one by one
PLOTLY_CONFIG = {
    "displaylogo": False,
    # The page resizes the charts itself (report.html.j2): plotly's own handler would also
    # fire while printing and undo the print sizes.
    "responsive": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
}


@functools.cache
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("estimator.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=fmt.money, money_full=fmt.money_full, count=fmt.count, pct=fmt.pct,
        months=fmt.months, stars=fmt.stars, number=fmt.number, label=fmt.label,
        money_range=fmt.money_range, text=_text, quantity=fmt.quantity,
        fit_label=fmt.fit_label, code=_code_words, key=_key,
    )
    return env


@functools.cache
def _plotly_js() -> Markup:
    from plotly.offline import get_plotlyjs

    # plotly.js is trusted, bundled code; "</script" never occurs in it (checked in tests).
    return Markup(get_plotlyjs())


def render_html(est: Estimate) -> str:
    """The whole report as one HTML document (UTF-8 text)."""
    built = figures_with_takeaways(est)
    charts = [
        {"id": f"chart-{name}", "name": name, "title": CHART_TITLES.get(name, fmt.label(name)),
         "takeaway": text, "wide": name in WIDE_CHARTS}
        for name, (_, text) in built.items()
    ]
    fig_json, for_print, for_screen = {}, {}, {}
    for name, (fig, _) in built.items():
        # The page prints the takeaway above each chart, so the figure drops its own title.
        fig = go.Figure(fig).update_layout(title=None, margin={"t": TOP_ROOM.get(name, 30)})
        doc = json.loads(pio.to_json(fig, validate=False))
        fig_json[f"chart-{name}"] = doc
        for_print[f"chart-{name}"], for_screen[f"chart-{name}"] = _print_layout(
            name, doc["layout"])
    context = _context(est)
    context.update(
        charts=charts,
        figure_data=_script_json({"figures": fig_json, "config": PLOTLY_CONFIG,
                                  "print": for_print, "screen": for_screen}),
        plotly_js=_plotly_js(),
    )
    return _env().get_template("report.html.j2").render(**context)


# A4 less 12 mm margins is 186 mm, about 700 CSS px: two charts to a row, or one wide one.
PRINT_WIDTH, PRINT_WIDE, PRINT_HEIGHT = 340, 700, 300


def _print_layout(name: str, layout: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(relayout for paper, relayout back to the screen) of one chart, as plotly paths."""
    height = layout.get("height") or 380
    wide = name in WIDE_CHARTS
    paper: dict[str, Any] = {
        "autosize": False, "width": PRINT_WIDE if wide else PRINT_WIDTH,
        "height": height if wide else min(height, PRINT_HEIGHT),
        "font.size": 11 if wide else 10, **PRINT_LAYOUT.get(name, {})}
    screen: dict[str, Any] = {"autosize": True, "width": None, "height": height}
    for path in paper:
        if path in screen:
            continue
        node: Any = layout
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        screen[path] = node
    return paper, screen


def render_tiles(est: Estimate) -> str:
    """The headline tiles alone (a notebook's rich display of an `Estimate`)."""
    return _env().get_template("tiles_standalone.html.j2").render(**_headline(est))


# -- context ---------------------------------------------------------------------------------
def _script_json(data: Any) -> Markup:
    """JSON safe inside a <script> element: no `<`, `>` or `&` can close it or open a tag."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return Markup(text)


# A setting as typed: a dotted assumption key (`platform.isolation_keys`, `current.*`) or a
# snake_case word (`per_socket_pair`, a column of the overrides file).
_SETTING = re.compile(r"(?<![\w.-])(?:[a-z]{3,}[a-z0-9]*(?:\.[a-z0-9_*-]*[a-z0-9_*])+"
                      r"|[a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?![\w-])")


# A command-line option (`--platform`), kept on one line.
_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*[a-z](?![\w-])")


def _key(text: Any) -> Markup:
    """An assumption key, escaped, that may break after its dots and underscores (and only
    there) when a column is narrow."""
    return Markup(re.sub(r"([._])", r"\1<wbr>", str(escape(_text(text)))))


def _code_words(text: Any) -> Markup:
    """Escaped text with the settings and options it names in <code>, as the user types
    them."""
    plain = str(escape(_text(text)))
    plain = _SETTING.sub(lambda m: f"<code>{_key(m.group(0))}</code>", plain)
    return Markup(_FLAG.sub(lambda m: f'<code class="flag">{m.group(0)}</code>', plain))


def _text(x: Any) -> str:
    """Any cell as display text: missing values as an en dash."""
    if x is None or x is pd.NA or (isinstance(x, float) and np.isnan(x)):
        return fmt.DASH
    if isinstance(x, bool | np.bool_):
        return "yes" if x else "no"
    if isinstance(x, list | tuple | set | frozenset):
        return ", ".join(str(v) for v in x) if x else "none"
    if isinstance(x, float | np.floating):
        f = float(x)
        return f"{f:,.0f}" if abs(f) >= 1000 or f.is_integer() else f"{f:,.3g}"
    return str(x)


def _headline(est: Estimate) -> dict[str, Any]:
    """Tiles and the executive summary, shared by the report and the notebook display."""
    cur = est.currency
    m, t = est.money, est.target
    unc = est.uncertainty

    def spread(p: Any, kind: str = "money") -> str | None:
        """'P10–P90: …' for a tile, or None without a Monte Carlo."""
        if unc is None:
            return None
        if kind == "months":
            return f"P10–P90: {fmt.months_range(p.p10, p.p90)}"
        return f"P10–P90: {fmt.money_range(p.p10, p.p90)}"

    tiles = [
        {"label": "VMs in scope", "value": fmt.count(est.inventory.vms_in_scope),
         "sub": f"of {fmt.count(est.inventory.vms_total)} read"},
        {"label": "Container nodes", "value": fmt.count(t.nodes),
         "sub": f"lower bound {fmt.count(t.nodes_lower_bound)}"
         + (f", {fmt.count(t.spare_nodes)} spare" if t.spare_nodes else "")},
        {"label": "Cost today", "value": fmt.money(m.annual_before, cur), "sub": "per year"},
        {"label": "Cost after", "value": fmt.money(m.annual_after, cur),
         "sub": "per year, staying VMs included"},
        {"label": "Yearly savings", "value": fmt.money(m.annual_savings, cur),
         "sub": spread(unc.annual_savings) if unc is not None else
         ("negative: costs more than today" if m.annual_savings < 0 else ""),
         "tone": "good" if m.annual_savings > 0 else "bad"},
        {"label": "One-off migration", "value": fmt.money(m.one_off_migration, cur),
         "sub": spread(unc.one_off_migration) if unc is not None else "the budget to move"},
        {"label": "Payback", "value": fmt.months(m.payback_months),
         "sub": spread(unc.payback_months, "months") if unc is not None else
         f"within {fmt.count(m.horizon_years)} years" if m.payback_months is not None
         else f"not within {fmt.count(m.horizon_years)} years"},
        {"label": f"Net present value, {fmt.count(m.horizon_years)} years",
         "value": fmt.money(m.npv, cur),
         "sub": spread(unc.npv) if unc is not None else
         f"at {fmt.pct(m.discount_rate)} a year",
         "tone": "good" if m.npv > 0 else "bad"},
        {"label": "Confidence", "value": fmt.stars(est.quality.confidence_stars),
         "sub": est.insights.evidence_note, "stars": True},
    ]
    return {"name": est.name, "currency": cur, "tiles": tiles,
            "summary_lines": list(est.insights.headline)}


def _context(est: Estimate) -> dict[str, Any]:
    ctx = _headline(est)
    ins = est.insights
    ctx.update(
        version=__version__,
        as_of=est.as_of.isoformat(),
        inputs=list(est.inputs),
        notes=list(est.notes),
        pools=_records(est.pools),
        pool_columns=POOL_COLUMNS,
        costs=_records(est.costs),
        money=est.money,
        cash_flow=_records(est.cash_flow),
        capacity=_dicts(ins.capacity),
        contract_prices=_dicts(ins.contract_prices),
        capacity_note=ins.capacity_note,
        key_assumptions=_dicts(ins.key_assumptions),
        next_steps=list(ins.next_steps),
        staying={"total": ins.staying_total, "by_reason": _dicts(ins.staying_by_reason),
                 "rows": _dicts(ins.staying_vms),
                 "more": max(0, ins.staying_total - len(ins.staying_vms))},
        top_vms=_dicts(ins.moving_vms),
        outcomes=_outcomes(est),
        security=_dicts(ins.security),
        os_support=_dicts(ins.os_support),
        quality=_quality(est),
        assumptions=_assumptions(est.assumption_table, ins.appendix_keys),
        scenarios=_records(est.scenarios),
        platforms=_records(est.platforms),
        platform=est.target.platform,
        scenario_columns=SCENARIO_COLUMNS,
        uncertainty=_uncertainty(est),
    )
    return ctx


def _records(df: pd.DataFrame | None) -> list[dict[str, Any]]:
    if df is None or df.empty:
        return []
    return df.to_dict("records")


def _dicts(items: tuple[Block, ...]) -> list[dict[str, Any]]:
    return [i.model_dump() for i in items]


# Pool columns shown, with their heading and formatter name, in order.
POOL_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("pool", "Pool", "text"), ("node_type", "Node type", "text"),
    ("nodes", "Nodes", "count"), ("nodes_lower_bound", "Lower bound", "count"),
    ("spare_nodes", "Spares", "count"), ("workloads", "Workloads", "count"),
    ("cpu_allocatable_util", "CPU use", "pct"), ("memory_allocatable_util", "Memory use", "pct"),
    ("annual_cost", "Yearly cost", "money"),
)
# Scenario columns shown: (column, heading, formatter name).
SCENARIO_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("name", "Scenario", "text"), ("nodes", "Nodes", "count"),
    ("annual_before", "Yearly cost today", "money"), ("annual_after", "Yearly cost after", "money"),
    ("annual_savings", "Yearly savings", "money"),
    ("one_off_migration", "One-off migration", "money"), ("payback_months", "Payback", "months"),
    ("npv", "NPV", "money"),
)


def _outcomes(est: Estimate) -> list[dict[str, Any]]:
    """The four fit outcomes with their VM counts and top reasons, in report order."""
    return [{"label": fmt.OUTCOME_LABELS.get(o, fmt.label(o)), "vms": n,
             "reasons": [r for r in est.fit.outcome_reasons if r.outcome == o]}
            for o, n in est.fit.outcomes.items()]


def range_cells(kind: str, values: tuple[float | None, ...], currency: str) -> list[str]:
    """Point, P10, P50, P90 of one ranged figure as text (None: a payback that never comes)."""
    if kind == "money":
        return [fmt.money(v, currency) for v in values]
    if kind == "months":
        return [fmt.months(v) for v in values]
    return [fmt.count(v) for v in values]


def _uncertainty(est: Estimate) -> dict[str, Any] | None:
    unc = est.uncertainty
    if unc is None:
        return None
    rows = [{"label": r.figure,
             "cells": range_cells(r.kind, (r.point, r.p10, r.p50, r.p90), est.currency)}
            for r in est.ranges]
    return {"draws": unc.draws, "seed": unc.seed,
            "distribution": fmt.label(unc.distribution).lower(),
            "positive": unc.probability_positive_savings, "rows": rows}


def _quality(est: Estimate) -> dict[str, Any]:
    """The data-quality section: headline figures, the files table and the problems."""
    q, o = est.quality, est.quality.overall
    head: list[tuple[str, str]] = []
    if q.confidence_stars is not None:
        head.append(("Confidence", f"{fmt.stars(q.confidence_stars)} "
                                   f"({fmt.count(q.confidence_stars)} of 5). "
                                   f"{q.confidence_reason}"))
    head += [
        ("CPU sized from", _basis_text(q.cpu_basis)),
        ("Memory sized from", _basis_text(q.memory_basis)),
        ("In-scope VMs with CPU and memory usage", fmt.pct(o.usage_share)),
        ("Rows rejected while reading", fmt.count(o.rows_dropped)),
        ("Duplicate VMs dropped", fmt.count(o.duplicates)),
        ("Moving VMs sized from allocation (no usage)", fmt.count(est.target.sizing_fallbacks)),
    ]
    if est.current.hosts_inferred:
        head.append(("Hosts", "some inferred from the current.* assumptions, not read"))
    if est.inventory.excluded:
        head.append(("Excluded from scope", fmt.exclusions(est.inventory.excluded)))
    files = [{
        "file": f.file, "format": f.format, "rows_read": fmt.count(f.rows_read),
        "vms_kept": fmt.count(f.vms_kept), "rows_dropped": fmt.count(f.rows_dropped),
        "duplicates": fmt.count(f.duplicates), "imputed": fmt.count(f.imputed_fields),
        "unmapped": list(f.unmapped_columns),
        "usage": fmt.pct(f.usage_share), "stars": fmt.stars(f.confidence_stars),
    } for f in q.files]
    problems = [{"kind": fmt.label(p.kind), "where": _where(p.file, p.sheet, p.row, p.column),
                 "message": p.message} for p in q.problems[:PROBLEMS_LIST]]
    return {"head": head, "files": files, "problems": problems, "raise": list(q.raise_confidence),
            "problems_total": len(q.problems),
            "problems_more": max(0, len(q.problems) - PROBLEMS_LIST)}


def _basis_text(counts: dict[str, int]) -> str:
    if not counts:
        return fmt.DASH
    return "; ".join(f"{fmt.BASIS_LABELS.get(k, fmt.label(k))}: {fmt.count(v)} VMs"
                     for k, v in counts.items())


def _where(file: str | None, sheet: str | None, row: int | None, column: str | None) -> str:
    parts = [file or "", f"sheet {sheet}" if sheet else "",
             f"row {fmt.count(row)}" if row is not None else "",
             f"column {fmt.column_label(column)}" if column else ""]
    return ", ".join(p for p in parts if p) or fmt.DASH


def _assumptions(table: pd.DataFrame | None, lead: tuple[str, ...]) -> dict[str, Any]:
    """The appendix: the assumptions that matter first (in `lead` order), then every one."""
    if table is None or table.empty:
        return {"rows": [], "lead": [], "changed": 0}
    changed = table["changed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    rows = []
    for r, ch in zip(table.to_dict("records"), changed, strict=True):
        lo, hi = r.get("low"), r.get("high")
        rng = "" if fmt.is_missing(lo) or fmt.is_missing(hi) else f"{_text(lo)}–{_text(hi)}"
        rows.append({"key": r.get("key"), "value": r.get("value"), "range": rng,
                     "unit": r.get("unit"), "description": r.get("description"),
                     "label": assumption_label(r.get("description") or r.get("key")),
                     "source": r.get("source"), "short_source": short_source(r.get("source")),
                     "changed": bool(ch)})
    by_key = {r["key"]: r for r in rows}
    first = [by_key[k] for k in lead if k in by_key]
    return {"rows": rows, "lead": first, "changed": int(np.count_nonzero(changed))}
