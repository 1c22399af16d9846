"""Monte Carlo over the ranged assumptions, the sensitivity tornado, and scenarios.

    >>> from estimator.uncertainty import run_uncertainty
    >>> unc = run_uncertainty(scoped, inv.hosts, assumptions, point=summary)  # doctest: +SKIP
    >>> unc.annual_savings.p10, unc.annual_savings.p90  # doctest: +SKIP

See `montecarlo` for the method and `docs/uncertainty.md` for its measured error.
"""

from estimator.uncertainty.draws import DISTRIBUTIONS, draw_values, percentiles, quantiles
from estimator.uncertainty.montecarlo import (
    TORNADO_COLUMNS,
    DrawResults,
    monte_carlo,
    price_sensitivity,
    run_uncertainty,
    summarise_draws,
)
from estimator.uncertainty.replan import REPLAN_METHODS, PlanPoint, Replanner, key_kind
from estimator.uncertainty.scenarios import SCENARIO_FIGURES, scenario_table

__all__ = [
    "DISTRIBUTIONS",
    "REPLAN_METHODS",
    "SCENARIO_FIGURES",
    "TORNADO_COLUMNS",
    "DrawResults",
    "PlanPoint",
    "Replanner",
    "draw_values",
    "key_kind",
    "monte_carlo",
    "percentiles",
    "price_sensitivity",
    "quantiles",
    "run_uncertainty",
    "scenario_table",
    "summarise_draws",
]
