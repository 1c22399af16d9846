"""Colours shared by the report's plotly charts and the workbook's native charts, so a cost
category, a fit level or a cash-flow line looks the same in both."""

from __future__ import annotations

from estimator.model import COST_CATEGORIES

GREY = "#9aa5b1"
BLUE = "#2563eb"
GREEN = "#15803d"
ORANGE = "#d97706"
RED = "#b91c1c"
PURPLE = "#7c3aed"
# Cash-flow columns drawn below the axis: (column, legend name, colour); the workbook's chart
# uses the same colours.
CASH_OUTFLOWS: tuple[tuple[str, str, str], ...] = (
    ("migration_cost", "Migration", ORANGE), ("dual_running", "Dual running", RED),
    ("capex", "New servers", PURPLE),
)
# A year whose running costs exceed today's: the negative part of the savings, drawn below the
# axis under its own name, so a green "Savings" bar never points down.
EXTRA_RUNNING = ("Costs more than today", GREY)
# One colour per cost category, in COST_CATEGORIES order, none repeated: Okabe-Ito's eight
# (grey for network) and five of Paul Tol's, all told apart by colour-blind readers.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#332288",
           "#7f7f7f", "#f0e442", "#882255", "#44aa99", "#999933", "#aa4499")


def category_colour(category: str, position: int = 0) -> str:
    """The colour of a cost category, the same in every chart and in the workbook."""
    if category in COST_CATEGORIES:
        position = COST_CATEGORIES.index(category)
    return PALETTE[position % len(PALETTE)]


# Fit levels: greens for what moves as it is, amber for work, red for no fit, greys for the
# retired (an idle VM is never drawn as a green fit) and blue for VMs that stay VMs.
FIT_COLOURS = {
    "excellent": "#15803d", "good": "#65a30d", "needs_work": "#d97706", "no_fit": "#b91c1c",
    "insufficient_data": "#9aa5b1", "retire_idle": "#52606d", "retire_with_platform": "#7b8794",
    "stays_vm": "#0072b2",
}
# Savings bars: positive green, negative (a new cost) orange, in both outputs.
SAVING = GREEN
NEW_COST = ORANGE
