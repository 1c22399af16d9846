"""estimator: how many container nodes a VM estate needs, and what moving saves a year.

    >>> import estimator
    >>> est = estimator.estimate("data/sample-rvtools.xlsx")   # doctest: +SKIP
    >>> est.summary["nodes"], est.summary["annual_savings_p10"]  # doctest: +SKIP
    >>> est.pools, est.costs, est.figures()                     # doctest: +SKIP

Functions (`from estimator import *` gives these; help(estimator.estimate) and so on):

    read_inventory(paths)        inventory files -> Inventory (RVTools, Azure Migrate, AWS, CSV)
    read_timeseries(path)        per-VM utilisation CSVs -> the frame estimate(timeseries=) takes
    load_assumptions(preset)     defaults, preset, TOML files and KEY=VALUE -> Assumptions
    estimate(inventory)          the whole run -> Estimate
    compare_platforms(inventory) every target platform on the same inventory -> DataFrame
    pack(demands, capacity)      the bin packer on its own -> PackResult

Types they return or raise (attributes of the package too):

    Estimate      the result: .summary (flat dict, P10/P90 included), .pools, .costs,
                  .vms, .notes; .figures(), .to_html(), .to_excel(), .to_json()
    Inventory     the VMs and hosts read, and a report per file
    Assumptions   every assumption, frozen; .table() gives value, range, unit and source
    EstimatorError, with InputError (a file) and ConfigError (an assumption or option):
                  what bad input raises, with a message naming the file, row or key

Everything else is internal and may change. Names are imported on first use, so
`import estimator` stays fast for the command line.
"""

# Private aliases only: the public names are __all__ and _TYPES (tests/test_api.py).
import importlib as _importlib
import typing as _typing

__version__ = "0.1.0"

# The functions; `help(estimator)` documents exactly these (it would print every inherited
# pydantic and exception method of the types too, a thousand lines).
__all__ = [
    "__version__",
    "compare_platforms",
    "estimate",
    "load_assumptions",
    "pack",
    "read_inventory",
    "read_timeseries",
]
# The types: public, documented in the docstring above, not star-imported.
_TYPES = ("Assumptions", "ConfigError", "Estimate", "EstimatorError", "InputError", "Inventory")

# public name -> module that defines it
_LAZY: dict[str, str] = {
    "Assumptions": "estimator.assumptions",
    "ConfigError": "estimator.errors",
    "Estimate": "estimator.model",
    "EstimatorError": "estimator.errors",
    "InputError": "estimator.errors",
    "Inventory": "estimator.inventory",
    "compare_platforms": "estimator.pipeline",
    "estimate": "estimator.pipeline",
    "load_assumptions": "estimator.assumptions",
    "pack": "estimator.packing",
    "read_inventory": "estimator.inventory",
    "read_timeseries": "estimator.inventory.timeseries",
}

if _typing.TYPE_CHECKING:  # the types are re-exported by name (`X as X`), not via __all__
    from estimator.assumptions import Assumptions as Assumptions
    from estimator.assumptions import load_assumptions
    from estimator.errors import ConfigError as ConfigError
    from estimator.errors import EstimatorError as EstimatorError
    from estimator.errors import InputError as InputError
    from estimator.inventory import Inventory as Inventory
    from estimator.inventory import read_inventory
    from estimator.inventory.timeseries import read_timeseries
    from estimator.model import Estimate as Estimate
    from estimator.packing import pack
    from estimator.pipeline import compare_platforms, estimate


def __getattr__(name: str) -> _typing.Any:
    """Import a public name on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'estimator' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    """The public names (functions and types), for tab completion."""
    return sorted(set(globals()) | set(__all__) | set(_TYPES))
