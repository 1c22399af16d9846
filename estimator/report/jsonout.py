"""The JSON document of an `Estimate` and its published JSON Schema.

The document is `EstimateDocument`: the result's typed blocks and tables, serialised through
the same row models that check the tables, so the document and `json_schema()` cannot drift.
Every property has a description; every number an `x-unit` (money as "USD per year" or
"USD", with the document's `currency`).

>>> doc = estimate_to_dict(est)             # doctest: +SKIP
>>> schema = json_schema()                  # doctest: +SKIP
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import Field

from estimator import __version__
from estimator.model import (
    CURRENCY,
    Block,
    CashFlowRow,
    CostRow,
    CurrentEstate,
    Estimate,
    FitSummary,
    Insights,
    InventorySummary,
    MoneySummary,
    PlatformRow,
    PoolRow,
    QualityReport,
    ScenarioRow,
    TargetSummary,
    Uncertainty,
    num,
    plain,
    rows,
    txt,
)

SCHEMA_VERSION = 2
SCHEMA_ID = "https://github.com/estimator/estimator/schema/estimate-v2.json"


class TargetDocument(TargetSummary):
    """The container platform after the move, with its node pools."""

    pools: tuple[PoolRow, ...] = txt("One row per node pool.")


class CostsDocument(MoneySummary):
    """Yearly costs by category, the one-off, the return and the cash flow."""

    currency: str = txt("ISO currency of every money figure.")
    categories: tuple[CostRow, ...] = txt("One row per cost category, in report order.")
    cash_flow: tuple[CashFlowRow, ...] = txt("One row per year of the horizon.")


class AssumptionChange(Block):
    """An assumption whose value differs from the default."""

    key: str = txt("Dotted assumption key.")
    value: Any = Field(description="The value used (a number, text, list or date).",
                       json_schema_extra={"x-unit": "the row's unit"})
    unit: str = txt("Unit of the value ('' for settings).")
    source: str = txt("Where the default comes from.")


class EstimateDocument(Block):
    """The result of `estimator estimate --json`: one estate, before and after."""

    schema_version: int = num("Version of this document's layout.", "version")
    estimator_version: str = txt("Version of estimator that wrote the document.")
    name: str = txt("Estate name (stem of the first inventory file).")
    inputs: tuple[str, ...] = txt("Inventory file names, in the order given.")
    currency: str = txt("ISO currency of every money figure.")
    as_of: str = txt("Date end of support was judged on (YYYY-MM-DD).")
    inventory: InventorySummary = txt("What was read and what is in scope.")
    current: CurrentEstate = txt("The hosts that run the in-scope VMs today.")
    fit: FitSummary = txt("Which in-scope VMs move, stay or retire.")
    target: TargetDocument = txt("The container platform after the move.")
    costs: CostsDocument = txt("Money before and after.")
    quality: QualityReport = txt("Data quality and every problem met while reading.")
    insights: Insights = txt("Findings and sentences the reports show.")
    uncertainty: Uncertainty | None = txt("Monte Carlo ranges and tornado; null when not run.")
    scenarios: tuple[ScenarioRow, ...] = txt("Scenarios side by side (the main run first); "
                                             "empty for a single run.")
    platforms: tuple[PlatformRow, ...] = txt("Every target platform on the same inventory "
                                             "(--compare-platforms); empty otherwise.")
    assumptions_changed: tuple[AssumptionChange, ...] = txt(
        "Assumptions that differ from the defaults.")
    notes: tuple[str, ...] = txt("Plain-words caveats.")


def document(est: Estimate) -> EstimateDocument:
    """The typed JSON document of `est` (validated on construction)."""
    t = est.assumption_table
    changed = t[t["changed"].astype(bool)] if len(t) else t
    return EstimateDocument(
        schema_version=SCHEMA_VERSION,
        estimator_version=__version__,
        name=est.name,
        inputs=est.inputs,
        currency=est.currency,
        as_of=est.as_of.isoformat(),
        inventory=est.inventory,
        current=est.current,
        fit=est.fit,
        target=TargetDocument(**est.target.model_dump(), pools=rows(est.pools, PoolRow)),
        costs=CostsDocument(**est.money.model_dump(), currency=est.currency,
                            categories=rows(est.costs, CostRow),
                            cash_flow=rows(est.cash_flow, CashFlowRow)),
        quality=est.quality,
        insights=est.insights,
        uncertainty=est.uncertainty,
        scenarios=rows(est.scenarios, ScenarioRow),
        platforms=rows(est.platforms, PlatformRow),
        assumptions_changed=tuple(
            AssumptionChange(key=str(r["key"]), value=plain(r["value"]), unit=str(r["unit"]),
                             source=str(r["source"]))
            for r in changed.to_dict("records")),
        notes=est.notes,
    )


def estimate_to_dict(est: Estimate) -> dict[str, Any]:
    """The versioned JSON document of `est` as plain JSON types."""
    return plain(document(est).model_dump(mode="json"))  # type: ignore[no-any-return]


def json_schema(currency: str = "USD") -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the document, money units in `currency`."""
    schema = EstimateDocument.model_json_schema(mode="serialization")
    schema = _units(schema, currency)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            **schema}


_NUMERIC = ("number", "integer")


def _is_numeric(node: dict[str, Any]) -> bool:
    return node.get("type") in _NUMERIC


def _units(schema: dict[str, Any], currency: str) -> dict[str, Any]:
    """Money units in `currency`, and each property's `x-unit` pushed down to the numeric
    schemas inside it (nullable unions, maps of counts), so every number carries one."""
    out = copy.deepcopy(schema)
    defs = out.get("$defs", {})

    def walk(node: Any, unit: str | None) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, unit)
            return
        if not isinstance(node, dict):
            return
        if isinstance(node.get("x-unit"), str):
            node["x-unit"] = node["x-unit"].replace(CURRENCY, currency)
            unit = node["x-unit"]
        if _is_numeric(node) and "x-unit" not in node and unit is not None:
            node["x-unit"] = unit
        for key in ("anyOf", "oneOf", "allOf", "items", "prefixItems"):
            if key in node:
                walk(node[key], unit)
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], unit)
        for prop in node.get("properties", {}).values():
            ref = prop.get("$ref", "")
            if "description" not in prop and ref.startswith("#/$defs/"):
                # pydantic drops a field description equal to the model's docstring
                prop["description"] = defs[ref.rsplit("/", 1)[1]].get("description", "")
            walk(prop, None)
        for sub in node.get("$defs", {}).values():
            walk(sub, None)

    walk(out, None)
    return out
