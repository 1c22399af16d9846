"""The JSON document, its published schema, a golden copy of the sample, and repeatability."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from shared_data import IBM_WORKSHOP, KUBEV2V_EXAMPLE1, real_data
from typer.testing import CliRunner

from estimator.assumptions import load_assumptions
from estimator.cli import app
from estimator.pipeline import estimate
from estimator.report.jsonout import SCHEMA_VERSION, json_schema

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample-rvtools.xlsx"
GOLDEN = ROOT / "tests" / "data" / "golden" / "sample-estimate.json"
AS_OF = "scope.as_of=2026-11-30"
SCHEMA = json_schema()
VALIDATOR = Draft202012Validator(SCHEMA)


def pinned(*sets: str) -> Any:
    return load_assumptions(sets=[AS_OF, *sets])


def _numeric(node: dict[str, Any]) -> bool:
    return node.get("type") in ("number", "integer")


def _walk(node: Any, path: str, out: list[tuple[str, str]]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, path, out)
        return
    if not isinstance(node, dict):
        return
    if _numeric(node) and "x-unit" not in node:
        out.append(("no x-unit", path))
    for name, prop in node.get("properties", {}).items():
        if not prop.get("description"):
            out.append(("no description", f"{path}.{name}"))
        _walk(prop, f"{path}.{name}", out)
    for key in ("anyOf", "oneOf", "allOf", "items", "additionalProperties"):
        if key in node:
            _walk(node[key], f"{path}/{key}", out)
    for name, sub in node.get("$defs", {}).items():
        _walk(sub, name, out)


def test_schema_is_draft_2020_12_with_descriptions_and_units() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    problems: list[tuple[str, str]] = []
    _walk(SCHEMA, "", problems)
    assert problems == []
    money = SCHEMA["$defs"]["CostsDocument"]["properties"]["annual_savings"]
    assert money["x-unit"] == "USD per year"
    assert SCHEMA["$defs"]["CostsDocument"]["properties"]["npv"]["x-unit"] == "USD"
    counts = SCHEMA["$defs"]["FitSummary"]["properties"]["counts"]
    assert counts["additionalProperties"]["x-unit"] == "VMs"
    assert json_schema("EUR")["$defs"]["CostsDocument"]["properties"]["npv"]["x-unit"] == "EUR"


def test_schema_command_prints_the_schema() -> None:
    runner = CliRunner()
    plain = runner.invoke(app, ["schema"])
    as_json = runner.invoke(app, ["schema", "--format", "json"])
    assert plain.exit_code == 0 and as_json.exit_code == 0
    assert json.loads(plain.stdout) == SCHEMA == json.loads(as_json.stdout)


def test_hostile_fixture_document_validates(est: Any, plain_est: Any) -> None:
    for e in (est, plain_est):
        doc = e.to_dict()
        VALIDATOR.validate(doc)
        assert doc["schema_version"] == SCHEMA_VERSION == 2


def test_a_misnamed_field_fails_validation(est: Any) -> None:
    doc = est.to_dict()
    doc["target"]["node_count"] = doc["target"].pop("nodes")
    assert not VALIDATOR.is_valid(doc)


@pytest.mark.parametrize("which", ["sample", "ibm", "kubev2v"])
def test_real_inventories_validate(which: str) -> None:
    path = {"sample": lambda: SAMPLE, "ibm": lambda: real_data(*IBM_WORKSHOP),
            "kubev2v": lambda: real_data(*KUBEV2V_EXAMPLE1)}[which]()
    est = estimate(path, pinned(), scenarios=["conservative"])
    doc = est.to_dict()
    VALIDATOR.validate(doc)
    assert doc["as_of"] == "2026-11-30"
    assert [s["name"] for s in doc["scenarios"]] == ["as configured", "conservative"]
    assert doc["scenarios"][0]["annual_savings"] == pytest.approx(doc["costs"]["annual_savings"])


def test_two_runs_give_identical_json() -> None:
    one = estimate(SAMPLE, pinned()).to_json()
    two = estimate(SAMPLE, pinned()).to_json()
    assert one == two


def _compare(got: Any, want: Any, path: str, diffs: list[str]) -> None:
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(got) != set(want):
            diffs.append(f"{path}: keys {sorted(set(got or {}) ^ set(want))}")
            return
        for k in want:
            _compare(got[k], want[k], f"{path}.{k}", diffs)
    elif isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            diffs.append(f"{path}: length {len(got or [])} != {len(want)}")
            return
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _compare(g, w, f"{path}[{i}]", diffs)
    elif isinstance(want, float) and isinstance(got, int | float):
        if not math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-6):
            diffs.append(f"{path}: {got!r} != {want!r}")
    elif got != want:
        diffs.append(f"{path}: {got!r} != {want!r}")


def test_sample_matches_the_golden_document() -> None:
    """The whole JSON of the bundled sample, numbers within 1e-9 (regenerate on purpose with
    ESTIMATOR_UPDATE_GOLDEN=1 when a change is meant to move the figures)."""
    doc = estimate(SAMPLE, pinned()).to_dict()
    doc.pop("estimator_version")
    if os.environ.get("ESTIMATOR_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n",
                          encoding="utf-8")
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    diffs: list[str] = []
    _compare(doc, want, "", diffs)
    assert diffs == [], "\n".join(diffs[:20])
