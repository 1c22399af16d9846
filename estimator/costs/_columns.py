"""Reading pipeline columns and settings tolerantly (missing columns get documented defaults)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from estimator.errors import ConfigError


def flag(frame: pd.DataFrame, column: str, default: bool) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), default, dtype=bool)
    return frame[column].astype("boolean").fillna(default).to_numpy(dtype=bool)


def number(frame: pd.DataFrame, column: str, fallback: np.ndarray | float = 0.0) -> np.ndarray:
    fb = np.broadcast_to(np.asarray(fallback, dtype=float), (len(frame),))
    if column not in frame.columns:
        return fb.copy()
    arr = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isfinite(arr), arr, fb)


def per_unique(col: pd.Series, func: Any, default: str) -> np.ndarray:
    """`func` (Series of str -> Series of str) applied once per distinct value; blanks -> default.

    Text columns repeat few values (OS names, hosts, pools), so this is much faster than a
    per-row string operation on 10^5..10^6 VMs.
    """
    codes, uniques = pd.factorize(col.astype("string"))
    mapped = func(pd.Series(uniques, dtype="string")).fillna(default).to_numpy(dtype=object)
    return np.append(mapped, default).astype(object)[codes]  # code -1 (blank) -> default


def text(frame: pd.DataFrame, column: str, default: str = "", *,
          lower: bool = False) -> np.ndarray:
    """A text column as an object array of str (lower-cased when asked), blanks as `default`."""
    default = default.lower() if lower else default
    if column not in frame.columns:
        return np.full(len(frame), default, dtype=object)
    return per_unique(frame[column], (lambda u: u.str.lower()) if lower else (lambda u: u),
                       default)


def _attr(settings: Any, dotted: str, default: Any = None) -> Any:
    obj = settings
    for part in dotted.split("."):
        if obj is None:
            return default
        obj = obj.get(part) if isinstance(obj, Mapping) else getattr(obj, part, None)
    return default if obj is None else obj


def setting(settings: Any, dotted: str, allowed: tuple[str, ...] | None = None,
            default: Any = None) -> Any:
    """A non-numeric setting read as an attribute path, checked against `allowed`."""
    v = _attr(settings, dotted, default)
    if v is None:
        raise ConfigError("the cost model needs this setting", key=dotted)
    if allowed is not None and str(v) not in allowed:
        raise ConfigError(f"must be one of {', '.join(allowed)}, got {v!r}", key=dotted)
    return v
