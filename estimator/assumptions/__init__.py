"""Every assumption of an estimate: typed, sourced, ranged and overridable.

    >>> from estimator.assumptions import load_assumptions
    >>> a = load_assumptions("conservative", sets=["sizing.comfort_factor=1.5"])
    >>> a.flat_values()["sizing.comfort_factor"]
    1.5

Override order: defaults < preset < files (in order) < `--set key=value`.
"""

from estimator.assumptions._fields import KeyInfo, Range
from estimator.assumptions._model import Assumptions, default_assumptions
from estimator.assumptions.load import PRESETS, load_assumptions
from estimator.assumptions.render import docs_markdown, methodology_markdown, to_toml
from estimator.assumptions.sections import NodeType

__all__ = [
    "PRESETS",
    "Assumptions",
    "KeyInfo",
    "NodeType",
    "Range",
    "default_assumptions",
    "docs_markdown",
    "load_assumptions",
    "methodology_markdown",
    "to_toml",
]
