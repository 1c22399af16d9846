"""Every assumption of an estimate: typed, sourced, ranged and overridable.

    >>> from estimator.assumptions import load_assumptions
    >>> a = load_assumptions("conservative", sets=["sizing.comfort_factor=1.5"])
    >>> a.flat_values()["sizing.comfort_factor"]
    1.5

Override order: defaults < platform archetype < preset < files (in order) < `--set key=value`.
"""

from estimator.assumptions._fields import KeyInfo, Range
from estimator.assumptions._model import Assumptions, default_assumptions
from estimator.assumptions.load import (
    DEFAULT_PLATFORM,
    PLATFORMS,
    PRESETS,
    PlatformInfo,
    load_assumptions,
    platforms,
)
from estimator.assumptions.render import docs_markdown, methodology_markdown, to_toml
from estimator.assumptions.sections import NodeType

__all__ = [
    "DEFAULT_PLATFORM",
    "PLATFORMS",
    "PRESETS",
    "Assumptions",
    "KeyInfo",
    "NodeType",
    "PlatformInfo",
    "Range",
    "default_assumptions",
    "docs_markdown",
    "load_assumptions",
    "methodology_markdown",
    "platforms",
    "to_toml",
]
