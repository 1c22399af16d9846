"""The public notebook API: `estimator.__all__` is sorted, importable, documented and complete."""

from __future__ import annotations

import inspect
import subprocess
import sys
import types

import estimator

EXPECTED = {
    "Assumptions", "ConfigError", "Estimate", "EstimatorError", "InputError", "Inventory",
    "__version__", "estimate", "load_assumptions", "pack", "read_inventory",
}


def test_all_is_sorted_and_the_agreed_short_list() -> None:
    assert estimator.__all__ == sorted(estimator.__all__)
    assert set(estimator.__all__) == EXPECTED


def test_every_name_imports_and_is_documented() -> None:
    for name in estimator.__all__:
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
    # Submodules become attributes once imported anywhere; they are not API names.
    extra = {n for n in public - set(estimator.__all__)
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
