"""The presets move the estimate the way their names promise, on the same inventory."""

from __future__ import annotations

from pathlib import Path

import pytest

from estimator.assumptions import load_assumptions
from estimator.inventory import Inventory, read_inventory
from estimator.pipeline import estimate
from estimator.sample import write_sample


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    path = write_sample(Path(tmp_path_factory.mktemp("presets")) / "estate.xlsx", vms=100, seed=3)
    return read_inventory([path])


def test_conservative_saves_less_than_typical_less_than_aggressive(inventory: Inventory) -> None:
    summaries = {
        preset: estimate(inventory, load_assumptions(preset), uncertainty=False).summary
        for preset in ("conservative", "typical", "aggressive")
    }
    savings = {p: s["annual_savings"] for p, s in summaries.items()}
    assert savings["conservative"] < savings["typical"] < savings["aggressive"]
    npv = {p: s["npv"] for p, s in summaries.items()}
    assert npv["conservative"] < npv["typical"] < npv["aggressive"]
    # Same inventory, same scope: only the assumptions differ.
    assert len({s["vms_in_scope"] for s in summaries.values()}) == 1
    assert summaries["conservative"]["nodes"] >= summaries["aggressive"]["nodes"]


def test_typical_preset_equals_no_preset(inventory: Inventory) -> None:
    plain = estimate(inventory, load_assumptions(), uncertainty=False).summary
    typical = estimate(inventory, load_assumptions("typical"), uncertainty=False).summary
    assert plain["annual_savings"] == typical["annual_savings"]
    assert plain["nodes"] == typical["nodes"]
