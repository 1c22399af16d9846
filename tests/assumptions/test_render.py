"""Generated text: the commented TOML file and the docs stay in step with the model."""

from __future__ import annotations

import tomllib
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from estimator.assumptions import (
    default_assumptions,
    docs_markdown,
    load_assumptions,
    methodology_markdown,
    to_toml,
)
from estimator.assumptions.render import METHODOLOGY_BEGIN, METHODOLOGY_END

ROOT = Path(__file__).resolve().parents[2]
REGENERATE = (
    'python -c "from estimator.assumptions import docs_markdown; '
    "open('docs/assumptions.md', 'w').write(docs_markdown())\""
)


def test_docs_assumptions_md_is_up_to_date() -> None:
    text = (ROOT / "docs" / "assumptions.md").read_text(encoding="utf-8")
    assert text == docs_markdown(), f"docs/assumptions.md is out of date; run {REGENERATE}"


def test_methodology_defaults_section_is_up_to_date() -> None:
    text = (ROOT / "docs" / "methodology.md").read_text(encoding="utf-8")
    start = text.index(METHODOLOGY_BEGIN)
    end = text.index(METHODOLOGY_END) + len(METHODOLOGY_END) + 1
    assert text[start:end] == methodology_markdown(), (
        "docs/methodology.md defaults section is out of date; replace it with "
        "estimator.assumptions.methodology_markdown()"
    )
    assert text.index("## Formulas") < start


def test_docs_list_every_key_with_its_default() -> None:
    docs = docs_markdown()
    a = default_assumptions()
    for e in a.entries():
        assert f"| `{e.key}` |" in docs, e.key
    assert (
        "| `sizing.comfort_factor` | 1.3 | 1.1 – 2 | x | Headroom multiplied onto measured demand "
        "before it becomes a request. |"
    ) in docs
    assert "| `operations.labour_per_hour` | 62 | 50 – 90 | USD/h |" in docs


def test_toml_is_complete_and_commented() -> None:
    a = default_assumptions()
    text = to_toml(a)
    data = tomllib.loads(text)
    assert data["sizing"]["comfort_factor"] == {"low": 1.1, "likely": 1.3, "high": 2}
    assert data["platform"]["node_types"]["general-16"]["cores"] == 16
    assert data["migration"]["ramp"] == [0.2, 0.5, 1.0]
    assert "overrides_file" not in data["scope"]  # None is written as a comment
    lines = text.splitlines()
    # Every numeric key is preceded by a comment with its unit and source.
    for e in a.entries():
        if not e.numeric:
            continue
        name = e.key.rsplit(".", 1)[1]
        index = next(
            i for i, line in enumerate(lines) if line.startswith(f"{name} = ")
        )
        block = " ".join(lines[max(0, index - 6) : index])
        assert "Unit: " in block and "Source: " in block, e.key
    assert "# Unit: USD/h. Source: US BLS" in text


def test_toml_units_follow_the_currency() -> None:
    text = to_toml(load_assumptions(sets=["finance.currency=EUR"]))
    assert "# Unit: EUR/h." in text
    assert "USD/h" not in text
    assert 'currency = "EUR"' in text


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_round_trip_with_arbitrary_values(tmp_path_factory, data) -> None:
    """Any valid numbers (ranges or single values) survive to_toml -> load."""
    a = default_assumptions()
    ranged = sorted(a.ranges())
    keys = data.draw(st.lists(st.sampled_from(ranged), min_size=1, max_size=8, unique=True))
    values = {}
    for key in keys:
        low, _, high = a.ranges()[key]
        values[key] = data.draw(st.floats(min_value=low, max_value=high, allow_nan=False))
    b = a.with_values(values)
    path = tmp_path_factory.mktemp("rt") / "b.toml"
    path.write_text(to_toml(b), encoding="utf-8")
    assert load_assumptions(files=[path]) == b
