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
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from estimator import __version__
from estimator.report import formatting as fmt
from estimator.report.charts import (
    CHART_TITLES,
    figures_with_takeaways,
    fit_reason_table,
    pool_column,
    short_reason,
)

if TYPE_CHECKING:
    from estimator.model import Estimate

TOP_VMS = 50          # rows in "top VMs by saving"
STAYING_LIST = 100    # names listed under "VMs that stay VMs"
PROBLEMS_LIST = 50    # data-quality problems listed one by one
# Plain-words headings for summary keys shown as table columns.
HEADINGS = {
    "scenario": "Scenario", "nodes": "Nodes", "annual_before": "Yearly cost today",
    "annual_after": "Yearly cost after", "annual_savings": "Yearly savings",
    "one_off_migration": "One-off migration", "payback_months": "Payback", "npv": "NPV",
}
PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
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
        money_range=fmt.money_range, text=_text,
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
         "takeaway": text}
        for name, (_, text) in built.items()
    ]
    fig_json = {}
    for name, (fig, _) in built.items():
        # The page prints the takeaway above each chart, so the figure drops its own title.
        fig = go.Figure(fig).update_layout(title=None, margin={"t": 30})
        fig_json[f"chart-{name}"] = json.loads(pio.to_json(fig, validate=False))
    context = _context(est)
    context.update(
        charts=charts,
        figure_data=_script_json({"figures": fig_json, "config": PLOTLY_CONFIG}),
        plotly_js=_plotly_js(),
    )
    return _env().get_template("report.html.j2").render(**context)


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


def _get(est: Estimate, key: str) -> Any:
    value = est.summary.get(key)
    if isinstance(value, dict | list | tuple | str | bool):
        return value
    return None if fmt.is_missing(value) else value


def _headline(est: Estimate) -> dict[str, Any]:
    """Tiles and the executive summary, shared by the report and the notebook display."""
    cur = est.currency
    s = {k: _get(est, k) for k in est.summary}
    unc = est.uncertainty
    savings_range = None
    payback_range = None
    if unc is not None:
        savings_range = fmt.money_range(unc.annual_savings.p10, unc.annual_savings.p90)
        pb = unc.payback_months
        if not (fmt.is_missing(pb.p10) or fmt.is_missing(pb.p90)):
            payback_range = "P10–P90: " + f"{fmt.months(pb.p10)}–{fmt.months(pb.p90)}".replace(
                " months–", "–")
        elif not fmt.is_missing(pb.p10):
            # P90 missing means the slowest tenth of draws never pays back
            payback_range = f"P10 {fmt.months(pb.p10)}, P90 never"
    in_scope, total = s.get("vms_in_scope"), s.get("vms_total")
    nodes, lower = s.get("nodes"), s.get("nodes_lower_bound")
    before, after, savings = s.get("annual_before"), s.get("annual_after"), s.get("annual_savings")
    tiles = [
        {"label": "VMs in scope", "value": fmt.count(in_scope),
         "sub": f"of {fmt.count(total)} read" if total is not None else ""},
        {"label": "Container nodes", "value": fmt.count(nodes),
         "sub": (f"lower bound {fmt.count(lower)}" if lower is not None else "")
         + (f", {fmt.count(s.get('spare_nodes'))} spare" if s.get("spare_nodes") else "")},
        {"label": "Cost today", "value": fmt.money(before, cur), "sub": "per year"},
        {"label": "Cost after", "value": fmt.money(after, cur),
         "sub": "per year, staying VMs included"},
        {"label": "Yearly savings", "value": fmt.money(savings, cur),
         "sub": f"P10–P90: {savings_range}" if savings_range else
         ("negative: costs more than today" if (savings or 0) < 0 else ""),
         "tone": "good" if (savings or 0) > 0 else "bad"},
        {"label": "Payback", "value": fmt.months(s.get("payback_months")),
         "sub": payback_range if payback_range else
         f"one-off {fmt.money(s.get('one_off_migration'), cur)}"},
        {"label": "Confidence", "value": fmt.stars(s.get("confidence_stars")),
         "sub": f"usage data for {fmt.pct(s.get('usage_coverage'))} of VMs"
         if s.get("usage_coverage") is not None else "", "stars": True},
    ]
    return {"name": est.name, "currency": cur, "tiles": tiles,
            "summary_lines": _summary_lines(est, s, savings_range)}


def _summary_lines(est: Estimate, s: dict[str, Any], savings_range: str | None) -> list[str]:
    cur = est.currency
    moving, in_scope = s.get("vms_moving"), s.get("vms_in_scope")
    nodes, hosts = s.get("nodes"), s.get("hosts")
    savings = s.get("annual_savings")
    payback = s.get("payback_months")
    hosts_text = (f"{fmt.count(hosts)} hosts' worth of VMs" if hosts is not None
                  else "today's hosts")
    first = (f"Containerising {fmt.count(moving)} of {fmt.count(in_scope)} VMs would need "
             f"{fmt.count(nodes)} nodes instead of {hosts_text}, ")
    if savings is not None and savings >= 0:
        first += f"saving {fmt.money(savings, cur)} a year"
    elif savings is not None:
        first += f"costing {fmt.money(-savings, cur)} more a year"
    else:
        first += "with no cost figure"
    if savings_range:
        first += f" (P10–P90: {savings_range})"
    horizon = s.get("horizon_years")
    if payback is not None:
        first += f", paying back in {fmt.months(payback)}."
    else:
        first += (f", and the migration does not pay back within "
                  f"{fmt.count(horizon) if horizon else 'the'} years.")
    lines = [first]
    second = []
    staying, retiring = s.get("vms_staying"), s.get("vms_retiring")
    if staying:
        reason = _top_staying_reason(est)
        second.append(f"{fmt.count(staying)} VMs stay VMs"
                      + (f", most often: {reason}" if reason else ""))
    if retiring:
        second.append(f"{fmt.count(retiring)} VMs retire instead (idle, or with the "
                      "virtualisation platform)")
    if s.get("one_off_migration") is not None:
        second.append(f"the one-off migration costs {fmt.money(s['one_off_migration'], cur)}")
    if second:
        text = "; ".join(second)
        lines.append(text[:1].upper() + text[1:] + ".")
    stars = s.get("confidence_stars")
    if stars is not None:
        conf = f"Confidence is {fmt.count(stars)} of 5 stars"
        if s.get("usage_coverage") is not None:
            conf += f": {fmt.pct(s['usage_coverage'])} of in-scope VMs have CPU and memory usage"
        if s.get("hosts_inferred"):
            conf += "; the hosts were inferred, not read"
        lines.append(conf + ".")
    return lines


def _top_staying_reason(est: Estimate) -> str | None:
    r = fit_reason_table(est)
    stay = r[r["level"].isin(["stays_vm", "no_fit", "insufficient_data"])]
    return None if stay.empty else short_reason(stay.iloc[0]["reason"])


def _context(est: Estimate) -> dict[str, Any]:
    vms = est.vms
    ctx = _headline(est)
    ctx.update(
        version=__version__,
        inputs=list(est.inputs),
        notes=list(est.notes),
        pools=_records(est.pools),
        pool_columns=_pool_columns(est.pools),
        costs=_records(est.costs),
        cash_flow=_records(est.cash_flow),
        staying=_staying(vms),
        top_vms=_top_vms(vms),
        security=_security(est),
        quality=_quality(est.quality),
        quality_head=_quality_head(est),
        assumptions=_assumptions(est.assumption_table),
        scenarios=_records(est.scenarios) if est.scenarios is not None else [],
        scenario_columns=list(est.scenarios.columns) if est.scenarios is not None else [],
        headings=HEADINGS,
        money_cols={"annual_before", "annual_after", "annual_savings", "one_off_migration",
                    "npv", "annual_cost", "before", "after", "savings"},
        uncertainty=_uncertainty(est),
        excluded=_get(est, "vms_excluded") or {},
    )
    return ctx


def _records(df: pd.DataFrame | None) -> list[dict[str, Any]]:
    if df is None or df.empty:
        return []
    return df.to_dict("records")


# Pool columns shown, with their heading and formatter name, in order.
_POOL_COLUMNS = (
    ("pool", "Pool", "text"), ("node_type", "Node type", "text"),
    ("nodes", "Nodes", "count"), ("nodes_lower_bound", "Lower bound", "count"),
    ("spare_nodes", "Spares", "count"), ("workloads", "Workloads", "count"),
    ("cpu_util", "CPU use", "pct"), ("memory_util", "Memory use", "pct"),
    ("annual_cost", "Yearly cost", "money"),
)


def _pool_columns(pools: pd.DataFrame | None) -> list[tuple[str, str, str]]:
    """(column, heading, format) of the pool table, for the columns `pools` has."""
    if pools is None:
        return []
    out = []
    for key, head, kind in _POOL_COLUMNS:
        col = pool_column(pools, key)
        if col is not None:
            out.append((col, head, kind))
    return out


def _col(vms: pd.DataFrame, name: str, default: Any = None) -> pd.Series:
    if name in vms.columns:
        return vms[name]
    return pd.Series(default, index=vms.index)


def _mask(vms: pd.DataFrame, name: str) -> np.ndarray:
    return _col(vms, name, False).astype("boolean").fillna(False).to_numpy(dtype=bool)


def _staying(vms: pd.DataFrame) -> dict[str, Any]:
    """In-scope VMs that do not move: counts by level and reason, and a capped list."""
    stay = vms[_mask(vms, "in_scope") & ~_mask(vms, "moves")]
    if stay.empty:
        return {"total": 0, "by_reason": [], "rows": [], "more": 0}
    retire = _mask(stay, "retire_candidate")
    level = _col(stay, "fit_level").astype("string").fillna("unknown")
    level = level.where(~retire, "retire")
    reason = _col(stay, "fit_reason").astype("string").fillna("").replace("", fmt.DASH)
    reason = reason.where(~retire, "Idle or zombie: retire rather than migrate")
    by = (pd.DataFrame({"level": level, "reason": reason}).value_counts()
          .rename("vms").reset_index().to_dict("records"))
    cost = _col(stay, "annual_cost_before", np.nan).astype(float)
    order = cost.fillna(-1).to_numpy().argsort(kind="stable")[::-1][:STAYING_LIST]
    top = stay.iloc[order]
    rows = [
        {"name": n, "level": lv, "reason": r, "os": o, "cost": c}
        for n, lv, r, o, c in zip(
            _col(top, "name"), level.iloc[order], reason.iloc[order], _col(top, "os_raw"),
            cost.iloc[order], strict=True)
    ]
    return {"total": len(stay), "by_reason": by, "rows": rows,
            "more": max(0, len(stay) - STAYING_LIST)}


def _top_vms(vms: pd.DataFrame) -> list[dict[str, Any]]:
    if "annual_savings" not in vms:
        return []
    moving = vms[_mask(vms, "moves")]
    if moving.empty:
        return []
    top = moving.nlargest(TOP_VMS, "annual_savings")
    return [
        {"name": r.get("name"), "level": r.get("fit_level"), "pool": r.get("pool"),
         "cpu": r.get("cpu_request_cores"), "memory": r.get("memory_request_gib"),
         "before": r.get("annual_cost_before"), "after": r.get("annual_cost_after"),
         "savings": r.get("annual_savings"), "os": r.get("os_raw")}
        for r in top.to_dict("records")
    ]


def _uncertainty(est: Estimate) -> dict[str, Any] | None:
    unc = est.uncertainty
    if unc is None:
        return None
    rows = []
    for lab, p, kind in (("Yearly savings", unc.annual_savings, "money"),
                         ("Payback", unc.payback_months, "months"),
                         ("Net present value", unc.npv, "money"),
                         ("Nodes", unc.nodes, "count")):
        cells = []
        for v in (p.p10, p.p50, p.p90):
            if kind == "money":
                cells.append(fmt.money(v, est.currency))
            elif kind == "months":
                cells.append(fmt.months(v) if not fmt.is_missing(v) else "never")
            else:
                cells.append(fmt.count(v))
        rows.append({"label": lab, "cells": cells})
    return {"draws": unc.draws, "seed": unc.seed, "distribution": unc.distribution,
            "positive": unc.probability_positive_savings, "rows": rows}


def _security(est: Estimate) -> list[dict[str, str]]:
    """Security points, each tied to this estate's figures."""
    vms = est.vms
    moving = vms[_mask(vms, "moves")]
    n_work = len(moving)
    s = est.summary
    items: list[dict[str, str]] = []

    zones = _col(moving, "security_zone").astype("string").dropna()
    zones = zones[zones.str.strip() != ""]
    n_zones = zones.nunique()
    keys = _isolation_keys(est)
    extra = _get(est, "isolation_extra_nodes")
    n_pools = 0 if est.pools is None else len(est.pools)
    if n_zones > 1 and "security_zone" in keys:
        iso = (f"{fmt.count(n_zones)} security zones among the moving workloads are kept on "
               f"separate node pools ({fmt.count(n_pools)} pools in all); that isolation costs "
               f"{fmt.count(extra or 0)} extra nodes.")
    elif n_zones > 1:
        iso = (f"{fmt.count(n_zones)} security zones among the moving workloads would share "
               f"nodes and a kernel. Add security_zone to platform.isolation_keys to give each "
               f"zone its own node pool; today's pools ({fmt.count(n_pools)}) split only by "
               f"{', '.join(keys) or 'nothing'}.")
    else:
        iso = (f"Containers share the node's kernel. The {fmt.count(n_work)} workloads run in "
               f"{fmt.count(n_pools)} node pools split by {', '.join(keys) or 'nothing'}"
               + (f", costing {fmt.count(extra)} extra nodes" if extra else "")
               + "; no security-zone tags were found to split further.")
    items.append({"title": "Shared-kernel isolation", "text": iso})

    upgrade = moving[_mask(moving, "needs_os_upgrade")]
    eos_total = _get(est, "os_end_of_support_vms") or 0
    if len(upgrade):
        prod = (_col(upgrade, "os_name").astype("string").fillna("unknown") + " "
                + _col(upgrade, "os_version").astype("string").fillna("")).str.strip()
        top = prod.value_counts().head(3)
        detail = ", ".join(f"{fmt.count(c)} on {p}" for p, c in top.items())
        text = (f"{fmt.count(len(upgrade))} moving workloads run an end-of-support OS "
                f"({detail}): rebuild them on a supported, minimal base image and scan every "
                f"image for known vulnerabilities in the build pipeline.")
    else:
        text = ("No moving workload runs an end-of-support OS. Build on minimal, supported "
                "base images and scan every image for known vulnerabilities before release.")
    if eos_total:
        text += f" In all, {fmt.count(eos_total)} in-scope VMs run an end-of-support OS today."
    items.append({"title": "Image vulnerabilities", "text": text})

    windows = int((_col(moving, "os_family").astype("string") == "windows").sum())
    items.append({"title": "Privileged access", "text": (
        f"VM administrators had root on {fmt.count(n_work)} machines that become containers. "
        "Enforce the Pod Security 'restricted' profile: no privileged containers, no host "
        "paths or host network, non-root users, read-only root file systems where possible."
        + (f" The {fmt.count(windows)} Windows workloads need Windows nodes and "
           "HostProcess containers only where unavoidable." if windows else ""))})
    items.append({"title": "Registries and supply chain", "text": (
        f"About {fmt.count(n_work)} images will be built. Pull only from a private registry, "
        "sign images and admit only signed ones, and pin base images by digest.")})

    cpu = float(_col(moving, "cpu_request_cores", np.nan).astype(float).sum())
    mem = float(_col(moving, "memory_request_gib", np.nan).astype(float).sum())
    fallbacks = _get(est, "sizing_fallbacks")
    text = (f"Set requests and limits from the sizing table (VMs sheet of the workbook): "
            f"{fmt.number(cpu)} cores and {fmt.number(mem)} GiB requested across "
            f"{fmt.count(n_work)} workloads, so that one workload cannot starve its neighbours.")
    if fallbacks:
        text += (f" {fmt.count(fallbacks)} were sized from their allocation because usage was "
                 "missing: measure them in a trial run and tighten their limits.")
    items.append({"title": "Resource requests and limits", "text": text})

    envs = _col(moving, "environment").astype("string").dropna().nunique()
    items.append({"title": "Network policy", "text": (
        "Apply default-deny network policies per namespace and open only the flows each "
        "workload needs" + (f"; keep the {fmt.count(envs)} environments" if envs > 1 else "")
        + (f" and {fmt.count(n_zones)} security zones" if n_zones > 1 else "")
        + (" in separate namespaces." if envs > 1 or n_zones > 1 else "."))})
    nodes = s.get("nodes")
    items.append({"title": "Monitoring and audit", "text": (
        f"Per-VM agents on {fmt.count(n_work)} machines give way to per-node agents on "
        f"{fmt.count(nodes)} nodes: collect container logs and metrics, enable Kubernetes "
        "audit logging and runtime threat detection, and alert on policy violations.")})
    return items


def _isolation_keys(est: Estimate) -> list[str]:
    platform = getattr(est.assumptions, "platform", None)
    keys = getattr(platform, "isolation_keys", None)
    if keys:
        return [str(k) for k in keys]
    t = est.assumption_table
    if t is not None and "key" in t and (t["key"] == "platform.isolation_keys").any():
        value = t.loc[t["key"] == "platform.isolation_keys", "value"].iloc[0]
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
        return [v.strip() for v in str(value).replace(",", ";").split(";") if v.strip()]
    return ["os_family"]


def _quality_head(est: Estimate) -> list[tuple[str, str]]:
    """The headline data-quality figures from the summary."""
    s = est.summary
    out = []
    stars = _get(est, "confidence_stars")
    if stars is not None:
        out.append(("Confidence", f"{fmt.stars(stars)} ({fmt.count(stars)} of 5)"))
    for key, label, render in (
        ("usage_coverage", "In-scope VMs with CPU and memory usage", fmt.pct),
        ("rows_rejected", "Rows rejected while reading", fmt.count),
        ("sizing_fallbacks", "Moving VMs sized from allocation (no usage)", fmt.count),
    ):
        if _get(est, key) is not None:
            out.append((label, render(s[key])))
    if _get(est, "hosts_inferred"):
        out.append(("Hosts", "inferred from the current.* assumptions, not read"))
    return out


def _compact(value: Any, limit: int = 300) -> Any:
    """A nested list or dict as one line of text (for a table cell); scalars unchanged."""
    if isinstance(value, dict):
        text = ", ".join(f"{k}={_compact(v)}" for k, v in value.items())
    elif isinstance(value, list | tuple):
        if any(isinstance(v, dict) for v in value):
            return len(value)  # nested records (e.g. imputed columns): listed elsewhere
        text = "; ".join(str(_compact(v)) for v in value)
    else:
        return value
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quality_parts(q: Any) -> tuple[list[tuple[str, Any]], list[tuple[str, pd.DataFrame]]]:
    """The quality dict as (label, value) rows and (title, table) pairs, however nested."""
    rows: list[tuple[str, Any]] = []
    tables: list[tuple[str, pd.DataFrame]] = []

    def walk(path: list[str], value: Any) -> None:
        label = " › ".join(fmt.label(p) for p in path)
        if isinstance(value, dict):
            flat = all(not isinstance(v, dict | list | tuple) for v in value.values())
            if flat and len(value) <= 12:
                if value:
                    rows.append((label, "; ".join(f"{k}: {_text(v)}" for k, v in value.items())))
                return
            for k, v in value.items():
                walk([*path, str(k)], v)
        elif isinstance(value, list | tuple):
            dicts = [v for v in value if isinstance(v, dict)]
            if dicts:
                frame = pd.DataFrame([{k: _compact(v) for k, v in d.items()} for d in dicts])
                for col in frame.columns:
                    # shares read as percentages
                    if str(col).endswith(("share", "coverage")) and pd.api.types.is_numeric_dtype(
                            frame[col]):
                        frame[col] = frame[col].map(fmt.pct)
                tables.append((label, frame))
            elif value:
                rows.append((label, "; ".join(str(v) for v in value)))
        else:
            rows.append((label, value))

    if isinstance(q, dict):
        for key, value in q.items():
            walk([str(key)], value)
    return rows, tables


def _quality(q: Any) -> dict[str, Any]:
    rows, tables = quality_parts(q)
    return {
        "scalars": rows,
        "tables": [{"title": title, "columns": list(t.columns),
                    "rows": t.head(PROBLEMS_LIST).to_dict("records"),
                    "more": max(0, len(t) - PROBLEMS_LIST)} for title, t in tables],
    }


def _assumptions(table: pd.DataFrame | None) -> dict[str, Any]:
    if table is None or table.empty:
        return {"rows": [], "changed": 0}
    t = table.copy()
    changed = (t["changed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
               if "changed" in t else np.zeros(len(t), dtype=bool))
    rows = []
    for r, ch in zip(t.to_dict("records"), changed, strict=True):
        lo, hi = r.get("low"), r.get("high")
        rng = "" if fmt.is_missing(lo) or fmt.is_missing(hi) else f"{_text(lo)}–{_text(hi)}"
        rows.append({"key": r.get("key"), "value": r.get("value"), "range": rng,
                     "unit": r.get("unit"), "description": r.get("description"),
                     "source": r.get("source"), "changed": bool(ch)})
    return {"rows": rows, "changed": int(changed.sum())}
