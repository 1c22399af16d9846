"""Drawing ranged assumptions, and percentiles that know about "never pays back"."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from estimator.errors import ConfigError

DISTRIBUTIONS: tuple[str, ...] = ("split_triangular", "triangular", "pert")
# PERT's usual shape parameter: weight of the likely value against the ends.
PERT_LAMBDA = 4.0
QUANTILES = (0.1, 0.5, 0.9)


def _triangular_ppf(u: np.ndarray, low: np.ndarray, mode: np.ndarray,
                    high: np.ndarray) -> np.ndarray:
    """Inverse CDF of the triangular distribution, vectorised over keys (columns)."""
    width = high - low
    f_mode = np.where(width > 0, (mode - low) / np.where(width > 0, width, 1.0), 0.5)
    left = low + np.sqrt(u * width * (mode - low))
    right = high - np.sqrt((1.0 - u) * width * (high - mode))
    return np.where(u < f_mode, left, right)


def _split_triangular_ppf(u: np.ndarray, low: np.ndarray, mode: np.ndarray,
                          high: np.ndarray) -> np.ndarray:
    """Inverse CDF of two half-triangles meeting at `mode`, each holding half the mass, so
    the likely value is the median: the point estimate sits at the middle of the draws."""
    left = low + (mode - low) * np.sqrt(np.clip(2.0 * u, 0.0, 1.0))
    right = high - (high - mode) * np.sqrt(np.clip(2.0 - 2.0 * u, 0.0, 1.0))
    return np.where(u < 0.5, left, right)


def draw_values(ranges: Mapping[str, tuple[float, float, float]], draws: int, seed: int,
                distribution: str = "split_triangular") -> dict[str, np.ndarray]:
    """`draws` values for every ranged key at once: key -> (draws,) array.

    One generator call for all keys, so the same seed, draws and key order give the same
    numbers. Split triangular (the default): two half-triangles meeting at the likely value,
    each with half of the mass, so the likely value is every key's median. Triangular by
    inverse CDF (its mode is the likely value); PERT as low + (high - low) x Beta(a, b) with
    a = 1 + 4 (likely - low) / (high - low), b = 1 + 4 (high - likely) / (high - low).
    """
    if distribution not in DISTRIBUTIONS:
        raise ConfigError(f"must be one of {', '.join(DISTRIBUTIONS)}, got {distribution!r}",
                          key="uncertainty.distribution")
    if draws < 1:
        raise ConfigError(f"must be at least 1, got {draws}", key="uncertainty.draws")
    keys = list(ranges)
    rng = np.random.default_rng(seed)
    if not keys:
        return {}
    low, mode, high = (np.array([ranges[k][i] for k in keys], dtype=float) for i in range(3))
    if distribution == "pert":
        width = high - low
        safe = np.where(width > 0, width, 1.0)
        a = 1.0 + PERT_LAMBDA * (mode - low) / safe
        b = 1.0 + PERT_LAMBDA * (high - mode) / safe
        matrix = low + width * rng.beta(a, b, size=(draws, len(keys)))
    elif distribution == "triangular":
        matrix = _triangular_ppf(rng.random((draws, len(keys))), low, mode, high)
    else:
        matrix = _split_triangular_ppf(rng.random((draws, len(keys))), low, mode, high)
    return {k: np.ascontiguousarray(matrix[:, i]) for i, k in enumerate(keys)}


def quantiles(x: np.ndarray, qs: tuple[float, ...] = QUANTILES) -> list[float | None]:
    """Linear-interpolated quantiles where +inf means "never"; a quantile touching inf is None.

    NaN is read as +inf (a draw whose payback never comes ranks after every finite one).
    """
    arr = np.sort(np.where(np.isnan(np.asarray(x, dtype=float)), np.inf,
                           np.asarray(x, dtype=float)))
    if arr.size == 0:
        return [None for _ in qs]
    out: list[float | None] = []
    for q in qs:
        h = (arr.size - 1) * q
        lo = int(np.floor(h))
        hi = min(lo + 1, arr.size - 1)
        frac = h - lo
        a, b = float(arr[lo]), float(arr[hi])
        if not np.isfinite(a) or (frac > 0 and not np.isfinite(b)):
            out.append(None)
        else:
            out.append(a + frac * (b - a) if frac > 0 else a)
    return out


def percentiles(x: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """P10/P50/P90 of the draws (None where the percentile is "never")."""
    p10, p50, p90 = quantiles(x)
    return p10, p50, p90
