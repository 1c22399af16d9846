"""The public notebook API: `estimator.__all__` is sorted, importable, documented and complete."""

from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
import types

import estimator

EXPECTED = {
    "__version__", "compare_platforms", "estimate", "load_assumptions", "pack",
    "read_inventory", "read_timeseries",
}
TYPES = {"Assumptions", "ConfigError", "Estimate", "EstimatorError", "InputError", "Inventory"}


def test_all_is_sorted_and_the_agreed_short_list() -> None:
    assert estimator.__all__ == sorted(estimator.__all__)
    assert set(estimator.__all__) == EXPECTED
    assert set(estimator._TYPES) == TYPES


def test_every_name_imports_and_is_documented() -> None:
    for name in [*estimator.__all__, *TYPES]:
        value = getattr(estimator, name)
        if name == "__version__":
            assert isinstance(value, str) and value.count(".") == 2
            continue
        doc = inspect.getdoc(value)
        assert doc and len(doc.split()) >= 3, f"{name} has no docstring"
        assert value.__module__.startswith("estimator."), name


def test_from_import_star_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from estimator import *", namespace)
    assert set(namespace) - {"__builtins__"} == EXPECTED


def test_no_other_public_names() -> None:
    public = {n for n in dir(estimator) if not n.startswith("_")}
    assert public >= TYPES  # tab completion offers the types too
    # Submodules become attributes once imported anywhere; they are not API names.
    extra = {n for n in public - set(estimator.__all__) - TYPES
             if not isinstance(getattr(estimator, n), types.ModuleType)}
    assert extra == set()


def test_unknown_name_is_an_attribute_error() -> None:
    try:
        estimator.not_a_name  # noqa: B018
    except AttributeError as exc:
        assert "not_a_name" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_import_is_lazy() -> None:
    # The CLI's start-up time: a bare import must not pull pandas and the pipeline in.
    code = ("import sys, estimator; "
            "print('pandas' in sys.modules, 'estimator.pipeline' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_names_are_the_real_objects() -> None:
    from estimator.errors import EstimatorError, InputError
    from estimator.pipeline import estimate

    assert estimator.estimate is estimate
    assert issubclass(estimator.InputError, estimator.EstimatorError)
    assert estimator.EstimatorError is EstimatorError and estimator.InputError is InputError


def test_help_is_short_and_names_every_public_name() -> None:
    # In a fresh interpreter, as a notebook user meets it (no submodule imported yet).
    code = "import estimator, pydoc; print(pydoc.render_doc(estimator, renderer=pydoc.plaintext))"
    text = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout
    assert len(text.splitlines()) < 200, len(text.splitlines())
    assert "pydantic" not in text and "BaseModel" not in text and "with_traceback" not in text
    for name in EXPECTED - {"__version__"}:
        assert f"\n    {name}(" in text, name  # listed and documented
    for name in TYPES:
        assert name in inspect.getdoc(estimator), name


def _mentions(doc: str) -> set[str]:
    return set(re.findall(r"\bestimator\.([A-Za-z_][\w.]*[A-Za-z_0-9])", doc))


def _resolve(dotted: str) -> object:
    obj: object = estimator
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            obj = importlib.import_module("estimator." + ".".join(parts[: i + 1]))
    return obj


def test_every_name_the_docstrings_mention_exists() -> None:
    docs = [inspect.getdoc(estimator) or ""]
    docs += [inspect.getdoc(getattr(estimator, n)) or "" for n in [*EXPECTED, *TYPES]
             if n != "__version__"]
    mentioned = set().union(*(_mentions(d) for d in docs))
    assert {"read_timeseries", "assumptions.platforms"} <= mentioned
    for dotted in sorted(mentioned):
        _resolve(dotted)  # raises when the name does not exist
    # The functions the module docstring lists are the package's.
    listed = re.findall(r"^    (\w+)\(", inspect.getdoc(estimator) or "", flags=re.M)
    assert set(listed) == EXPECTED - {"__version__"}


def test_read_timeseries_and_compare_platforms_are_the_real_functions() -> None:
    from estimator.inventory.timeseries import read_timeseries
    from estimator.pipeline import compare_platforms

    assert estimator.read_timeseries is read_timeseries
    assert estimator.compare_platforms is compare_platforms


def test_summary_carries_the_p10_p90_figures() -> None:
    from pathlib import Path

    sample = Path(__file__).resolve().parents[1] / "data" / "sample-rvtools.xlsx"
    inv = estimator.read_inventory(sample)
    a = estimator.load_assumptions(sets=["uncertainty.draws=200"])
    summary = estimator.estimate(inv, a).summary
    for key in ("annual_savings", "npv", "nodes"):
        low, high = summary[f"{key}_p10"], summary[f"{key}_p90"]
        assert low is not None and high is not None and low <= high, key
    assert summary["annual_savings_p10"] <= summary["annual_savings"] <= summary[
        "annual_savings_p90"]
    without = estimator.estimate(inv, a, uncertainty=False).summary
    assert without["annual_savings_p10"] is None and without["nodes_p90"] is None
