"""Reading assumption values that may be one number or a 1-D array of Monte Carlo draws."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from estimator.errors import ConfigError

# A value: the likely number, or a 1-D array of draws (shape (draws,)).
Value = float | np.ndarray
Values = Mapping[str, Value]


def value(values: Values, key: str) -> Value:
    """`values[key]` as a float or a float array of draws; a clear error when missing."""
    try:
        v = values[key]
    except KeyError:
        raise ConfigError("the cost model needs this assumption but it has no value",
                          key=key) from None
    if isinstance(v, np.ndarray):
        if v.ndim == 0:
            return float(v)
        if v.ndim != 1:
            raise ConfigError(f"draws must be a 1-D array, got shape {v.shape}", key=key)
        return v.astype(float, copy=False)
    if v is None:
        raise ConfigError("the cost model needs a number here, got nothing", key=key)
    return float(v)


def scalar(values: Values, key: str) -> float:
    """A value that shapes the estate (host geometry, minimums) and so must be one number."""
    v = value(values, key)
    if isinstance(v, np.ndarray):
        raise ConfigError(
            "this assumption changes the quantities, not only the prices: pass one value to "
            "cost_quantities() and re-run it per draw (see QUANTITY_KEYS)", key=key)
    return v


def optional_scalar(values: Values, key: str, default: float) -> float:
    """Like `scalar`, with a default when the key is absent."""
    return scalar(values, key) if key in values else default


def by_group(v: Value) -> Value:
    """Shape a value so it broadcasts against per-group arrays: float, or (draws, 1)."""
    return v[:, None] if isinstance(v, np.ndarray) else v


def tidy(x: np.ndarray | float) -> Value:
    """0-d results back to a Python float; arrays of draws stay arrays."""
    arr = np.asarray(x, dtype=float)
    return float(arr) if arr.ndim == 0 else arr
