"""estimator: how many container nodes a VM estate needs, and what moving saves a year.

    >>> import estimator
    >>> inv = estimator.read_inventory("data/sample-rvtools.xlsx")          # doctest: +SKIP
    >>> est = estimator.estimate(inv, estimator.load_assumptions("typical"))  # doctest: +SKIP
    >>> est.summary["nodes"], est.pools, est.costs                           # doctest: +SKIP

The names below are the public API; everything else is internal and may change. They are
imported on first use, so `import estimator` stays fast for the command line.
"""

# Private aliases only: every public name of this module is in __all__ (tests/test_api.py).
import importlib as _importlib
import typing as _typing

__version__ = "0.1.0"

__all__ = [
    "Assumptions",
    "ConfigError",
    "Estimate",
    "EstimatorError",
    "InputError",
    "Inventory",
    "__version__",
    "estimate",
    "load_assumptions",
    "pack",
    "read_inventory",
]

# public name -> module that defines it
_LAZY: dict[str, str] = {
    "Assumptions": "estimator.assumptions",
    "ConfigError": "estimator.errors",
    "Estimate": "estimator.model",
    "EstimatorError": "estimator.errors",
    "InputError": "estimator.errors",
    "Inventory": "estimator.inventory",
    "estimate": "estimator.pipeline",
    "load_assumptions": "estimator.assumptions",
    "pack": "estimator.packing",
    "read_inventory": "estimator.inventory",
}

if _typing.TYPE_CHECKING:
    from estimator.assumptions import Assumptions, load_assumptions
    from estimator.errors import ConfigError, EstimatorError, InputError
    from estimator.inventory import Inventory, read_inventory
    from estimator.model import Estimate
    from estimator.packing import pack
    from estimator.pipeline import estimate


def __getattr__(name: str) -> _typing.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'estimator' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
