"""Generated documents stay in step with the code."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_methodology_worked_examples_match_the_tool() -> None:
    worked = _load("worked_example")
    text = (ROOT / "docs" / "methodology.md").read_text(encoding="utf-8")
    start = text.index(worked.BEGIN)
    end = text.index(worked.END) + len(worked.END) + 1
    assert text[start:end] == worked.worked_examples_markdown(), (
        "docs/methodology.md worked examples are out of date; run python scripts/gen_docs.py"
    )


def test_worked_example_quotes_the_ibm_headline_counts() -> None:
    text = (ROOT / "docs" / "methodology.md").read_text(encoding="utf-8")
    # SOURCES.md counts for the IBM workshop file, as the worked example states them.
    assert "holds 805 VMs; 763 are in scope (32 powered off, 10 template excluded)" in text


def test_methodology_formulas_come_before_the_defaults() -> None:
    text = (ROOT / "docs" / "methodology.md").read_text(encoding="utf-8")
    order = [text.index(h) for h in (
        "## Formulas", "### 6. Costs before and after", "## Worked examples",
        "## Default assumptions: values and why")]
    assert order == sorted(order)
