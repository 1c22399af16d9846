"""Several assumption sets on the same inventory, side by side."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from estimator.model import Estimate, ScenarioRow, check_frame

SCENARIO_FIGURES: tuple[str, ...] = tuple(
    k for k in ScenarioRow.model_fields if k not in ("name", "savings_p10", "savings_p90"))


def scenario_table(runs: Sequence[tuple[str, Estimate]]) -> pd.DataFrame:
    """One row per scenario (`ScenarioRow` columns): the headline figures and the P10/P90 of
    yearly savings (NaN for a run without a Monte Carlo).

    `payback_months` is NaN where the scenario never pays back within its horizon.
    """
    records = []
    for name, est in runs:
        m, unc = est.money, est.uncertainty
        records.append({
            "name": name, "vms_moving": est.fit.vms_moving, "nodes": est.target.nodes,
            "nodes_lower_bound": est.target.nodes_lower_bound,
            "annual_before": m.annual_before, "annual_after": m.annual_after,
            "annual_savings": m.annual_savings, "one_off_migration": m.one_off_migration,
            "payback_months": np.nan if m.payback_months is None else m.payback_months,
            "npv": m.npv,
            "savings_p10": np.nan if unc is None or unc.annual_savings.p10 is None
            else unc.annual_savings.p10,
            "savings_p90": np.nan if unc is None or unc.annual_savings.p90 is None
            else unc.annual_savings.p90,
        })
    frame = pd.DataFrame(records, columns=list(ScenarioRow.model_fields))
    frame = frame.astype({"name": "string", "vms_moving": "int64", "nodes": "int64",
                          "nodes_lower_bound": "int64"} | {
        k: "float64" for k in ScenarioRow.model_fields
        if k not in ("name", "vms_moving", "nodes", "nodes_lower_bound")})
    return check_frame(frame, ScenarioRow, "scenarios")
