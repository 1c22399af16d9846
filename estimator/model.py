"""The frozen `Estimate` result that every renderer reads.

`estimate()` (in `estimator.pipeline`) fills it; the HTML and Excel reports, the JSON output, the
terminal summary and the notebook helpers only read it and recompute nothing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from estimator.assumptions import Assumptions

# Fit levels in display order (declared once; `estimator.fit` combines them). Only excellent,
# good and needs_work move; retire_* cost before and nothing after; the rest stay VMs.
FIT_LEVELS: tuple[str, ...] = (
    "excellent", "good", "needs_work", "retire_idle", "retire_with_platform", "stays_vm",
    "no_fit", "insufficient_data",
)

# The keys of `Estimate.summary`, with their meaning. Money is yearly in `Estimate.currency`.
SUMMARY_KEYS: dict[str, str] = {
    "vms_total": "VMs read from all inventories (after rejected rows)",
    "rows_rejected": "rows rejected with a reason while reading",
    "vms_in_scope": "VMs in scope",
    "vms_excluded": "excluded VMs by reason (dict reason -> count)",
    "vcpus_in_scope": "vCPUs of the in-scope VMs",
    "memory_gib_in_scope": "memory of the in-scope VMs [GiB]",
    "vms_moving": "in-scope VMs that become containers",
    "vms_staying": "in-scope VMs that stay VMs (stays a VM, no fit or insufficient data)",
    "vms_retiring": "in-scope VMs that retire (idle or zombie, or with the platform)",
    "fit_counts": "in-scope VMs by fit level (dict level -> count)",
    "os_end_of_support_vms": "in-scope VMs on an end-of-support OS",
    "hosts": "physical hosts today (read or inferred)",
    "hosts_inferred": "True when some hosts took the current.* shape (not in the host list)",
    "physical_cores": "physical cores of those hosts",
    "vms_per_host": "in-scope VMs per host today",
    "nodes": "container nodes needed, HA spares included",
    "nodes_lower_bound": "proven lower bound on nodes (spares included)",
    "spare_nodes": "HA spare nodes included in `nodes`",
    "workloads": "container workloads (moving VMs)",
    "workloads_per_node": "workloads per node",
    "isolation_extra_nodes": "extra nodes caused by isolation keys beyond OS family",
    "sizing_fallbacks": "in-scope VMs sized from allocation because usage was missing",
    "annual_before": "yearly cost today",
    "annual_after": "yearly cost after containerisation (staying VMs included)",
    "annual_savings": "annual_before - annual_after",
    "one_off_migration": "one-off migration cost",
    "payback_months": "months until cumulative savings repay the migration (None: never)",
    "npv": "net present value over the horizon",
    "horizon_years": "years in the cash flow",
    "usage_coverage": "share of in-scope VMs with CPU and memory usage data",
    "confidence_stars": "1-5, from usage coverage (Azure Migrate bands)",
}


@dataclass(frozen=True)
class Percentiles:
    """P10/P50/P90 of one output over the Monte Carlo draws."""

    p10: float | None
    p50: float | None
    p90: float | None

    def to_dict(self) -> dict[str, float | None]:
        return {"p10": _num(self.p10), "p50": _num(self.p50), "p90": _num(self.p90)}


@dataclass(frozen=True)
class Uncertainty:
    """Monte Carlo ranges and the sensitivity tornado."""

    draws: int
    seed: int
    distribution: str
    annual_savings: Percentiles
    payback_months: Percentiles
    npv: Percentiles
    nodes: Percentiles
    probability_positive_savings: float
    # key, label, unit, low_value, high_value, low_savings, high_savings, swing (sorted, top first)
    tornado: pd.DataFrame
    # every draw's yearly savings, for the distribution chart
    savings_draws: np.ndarray = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "draws": int(self.draws),
            "seed": int(self.seed),
            "distribution": self.distribution,
            "annual_savings": self.annual_savings.to_dict(),
            "payback_months": self.payback_months.to_dict(),
            "npv": self.npv.to_dict(),
            "nodes": self.nodes.to_dict(),
            "probability_positive_savings": _num(self.probability_positive_savings),
            "tornado": [
                {
                    "key": r.key,
                    "low_savings": _num(r.low_savings),
                    "high_savings": _num(r.high_savings),
                }
                for r in self.tornado.itertuples()
            ],
        }


@dataclass(frozen=True)
class Estimate:
    """Everything one run produced. Renderers read it; nothing here is recomputed by them.

    Attributes:
        name: estate name (stem of the first inventory file).
        currency: ISO currency of every money figure (assumption finance.currency).
        inputs: inventory file names, in the order given.
        summary: headline figures (see `SUMMARY_KEYS`).
        vms: one row per VM read (in scope or not): inventory columns, scope, fit, sizing,
            pool, node index and per-VM yearly cost before/after.
        hosts: physical hosts today (read, or inferred when the inventory had none).
        pools: one row per node pool: node type, nodes, lower bound, utilisation, cost.
        costs: one row per cost category: before, after, savings (yearly, `currency`).
        cash_flow: one row per year: migration_cost, savings, net, cumulative, discounted.
        fit_reasons: fit_reason, fit_level, vms (most common reasons first).
        quality: data-quality report (per file, confidence stars, problems) as a JSON-ready dict.
        assumptions: the assumptions used.
        assumption_table: key, value, low, high, unit, description, source, changed.
        uncertainty: Monte Carlo result, or None when it was not run.
        scenarios: one row per scenario with the headline figures, or None for a single run.
        notes: plain-words caveats (hosts inferred, usage missing...).
    """

    name: str
    currency: str
    inputs: tuple[str, ...]
    summary: Mapping[str, Any]
    vms: pd.DataFrame
    hosts: pd.DataFrame
    pools: pd.DataFrame
    costs: pd.DataFrame
    cash_flow: pd.DataFrame
    fit_reasons: pd.DataFrame
    quality: Mapping[str, Any]
    assumptions: Assumptions
    assumption_table: pd.DataFrame
    uncertainty: Uncertainty | None = None
    scenarios: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()

    # -- renderers ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The versioned JSON document (`estimator estimate --json`)."""
        from estimator.report.jsonout import estimate_to_dict

        return estimate_to_dict(self)

    def to_json(self, path: str | Path | None = None, *, indent: int = 2) -> str:
        """JSON text; also written to `path` (atomically) when given."""
        text = json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)
        if path is not None:
            from estimator.report.atomic import write_text_atomic

            write_text_atomic(Path(path), text + "\n")
        return text

    def figures(self) -> dict[str, Any]:
        """The report's plotly figures, by name."""
        from estimator.report.charts import figures

        return figures(self)

    def to_html(self, path: str | Path | None = None) -> str:
        """The self-contained HTML report; also written to `path` when given."""
        from estimator.report.html import render_html

        html = render_html(self)
        if path is not None:
            from estimator.report.atomic import write_text_atomic

            write_text_atomic(Path(path), html)
        return html

    def to_excel(self, path: str | Path) -> Path:
        """Write the Excel workbook to `path` and return it."""
        from estimator.report.excel import write_excel

        return write_excel(self, Path(path))

    def _repr_html_(self) -> str:
        from estimator.report.html import render_tiles

        return render_tiles(self)


def _num(x: Any) -> Any:
    """A JSON-safe number: numpy scalars to Python, NaN/inf to None."""
    if x is None:
        return None
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x
