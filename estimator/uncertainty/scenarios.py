"""Several assumption sets on the same inventory, side by side."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from estimator.model import Estimate

SCENARIO_FIGURES: tuple[str, ...] = (
    "vms_moving", "nodes", "nodes_lower_bound", "annual_before", "annual_after",
    "annual_savings", "one_off_migration", "payback_months", "npv",
)


def _float(x: object) -> float:
    """A summary figure as float; None (e.g. payback never reached) becomes NaN."""
    return float("nan") if x is None else float(x)  # type: ignore[arg-type]


def scenario_table(runs: Sequence[tuple[str, Estimate]]) -> pd.DataFrame:
    """One row per scenario: name, the headline figures, and P10/P90 of yearly savings.

    `payback_months` is NaN where the scenario never pays back within its horizon.
    `savings_p10` / `savings_p90` appear when any scenario carries a Monte Carlo result (NaN for
    the ones without).
    """
    rows = []
    with_ranges = any(est.uncertainty is not None for _, est in runs)
    for name, est in runs:
        row: dict[str, object] = {"name": name}
        for key in SCENARIO_FIGURES:
            row[key] = _float(est.summary.get(key))
        if with_ranges:
            unc = est.uncertainty
            row["savings_p10"] = _float(unc.annual_savings.p10) if unc else np.nan
            row["savings_p90"] = _float(unc.annual_savings.p90) if unc else np.nan
        rows.append(row)
    columns = ["name", *SCENARIO_FIGURES, *(("savings_p10", "savings_p90") if with_ranges else ())]
    frame = pd.DataFrame(rows, columns=columns)
    frame["name"] = frame["name"].astype("string")
    for key in ("vms_moving", "nodes", "nodes_lower_bound"):
        frame[key] = frame[key].astype("int64") if len(frame) else frame[key]
    return frame
