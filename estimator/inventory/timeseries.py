"""Per-VM utilisation time series (Bitbrains GWA-T-12 style) into sizing percentiles.

The Bitbrains trace has one CSV per VM, named after the VM, sampled every 5 minutes, with the
separator `;` followed by a tab and the headers

    Timestamp [ms]; CPU cores; CPU capacity provisioned [MHZ]; CPU usage [MHZ]; CPU usage [%];
    Memory capacity provisioned [KB]; Memory usage [KB]; (disk and network throughput)

`read_timeseries()` reads such files as they are (I/O) into one long frame. The pure
`utilisation_percentiles()` turns it into one row per VM: CPU and memory use at the chosen
percentiles, as fractions of what was provisioned, and the span of history they cover.
`apply_timeseries()` puts those fractions on the inventory's `cpu_util` / `memory_util` by VM name,
with `usage_source` "timeseries" and `usage_period_days` the span.

Edge cases seen in the real trace and how they are treated:

- Rows with 0 CPU cores (and 0 capacity) are periods when the VM was not running or not
  monitored. They are dropped: counting them as 0% use would drag the percentiles down.
- Duplicate timestamps for one VM: the first row of each timestamp is kept.
- Provisioned memory (or CPU) that changes part-way: each sample is divided by its own provisioned
  value, so a resize does not distort earlier samples; `cpu_cores` and `memory_gib` report the
  latest provisioned values.
- The header says milliseconds but the values are Unix seconds; values above 10^11 (which would be
  after the year 5000 in seconds) are taken as milliseconds and converted.

References: Shen, van Beek, Iosup, "Statistical Characterization of Business-Critical Workloads
Hosted in Cloud Datacenters", CCGrid 2015 (the GWA-T-12 Bitbrains trace).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from estimator.errors import InputError
from estimator.inventory.tabular import Limits

__all__ = ["SERIES_COLUMNS", "SeriesUsage", "apply_timeseries", "read_timeseries",
           "series_usage", "utilisation_percentiles"]

# Columns of the long frame `read_timeseries` returns.
SERIES_COLUMNS: tuple[str, ...] = (
    "vm", "timestamp_s", "cpu_cores", "cpu_usage_mhz", "cpu_capacity_mhz",
    "memory_provisioned_gib", "memory_used_gib",
)

# Canonical field -> accepted headers (compared lower-case with spaces collapsed).
_HEADERS: dict[str, tuple[str, ...]] = {
    "timestamp": ("timestamp [ms]", "timestamp [s]", "timestamp"),
    "cpu_cores": ("cpu cores",),
    "cpu_capacity_mhz": ("cpu capacity provisioned [mhz]",),
    "cpu_usage_mhz": ("cpu usage [mhz]",),
    "memory_provisioned_kib": ("memory capacity provisioned [kb]",),
    "memory_used_kib": ("memory usage [kb]",),
}
# The display header named in messages, per field.
_DISPLAY = {
    "timestamp": "Timestamp [ms]", "cpu_cores": "CPU cores",
    "cpu_capacity_mhz": "CPU capacity provisioned [MHZ]", "cpu_usage_mhz": "CPU usage [MHZ]",
    "memory_provisioned_kib": "Memory capacity provisioned [KB]",
    "memory_used_kib": "Memory usage [KB]",
}
_KIB_PER_GIB = 1024.0**2
# Timestamps above this are milliseconds (10^11 s is in the year 5138).
_MS_THRESHOLD = 1e11
_SECONDS_PER_DAY = 86_400.0


def _norm(header: str) -> str:
    return re.sub(r"\s+", " ", str(header)).strip().lower()


def _natural_key(path: Path) -> tuple[object, ...]:
    """Sort `2.csv` before `10.csv`."""
    return tuple(int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", path.name))


def _expand(path: Path | Sequence[Path]) -> list[Path]:
    paths = [Path(path)] if isinstance(path, (str, Path)) else [Path(p) for p in path]
    if not paths:
        raise InputError("no time-series files given")
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted((f for f in p.iterdir() if f.suffix.lower() == ".csv" and f.is_file()),
                           key=_natural_key)
            if not found:
                raise InputError("no .csv time-series files in this folder", file=str(p))
            files += found
        elif p.is_file():
            files.append(p)
        else:
            raise InputError("no such file or folder", file=str(p))
    return files


def _read_one(file: Path, limits: Limits) -> pd.DataFrame:
    """One VM's series: the six numeric fields, checked, with the source row numbers."""
    name = str(file)
    size = file.stat().st_size
    if size > limits.max_file_bytes:
        raise InputError(f"the file is {size:,} bytes, above the {limits.max_file_bytes:,} byte "
                         "limit", file=name,
                         hint="read_timeseries(..., limits=Limits(max_file_bytes=N)) in Python")
    try:
        with open(file, encoding="utf-8-sig") as fh:
            header = fh.readline()
    except UnicodeDecodeError:
        raise InputError("not a UTF-8 text file", file=name) from None
    if not header.strip():
        raise InputError("the file is empty", file=name)
    # Bitbrains writes ";\t"; the tab then reads as leading space, which numbers tolerate.
    sep = ";" if ";" in header else "\t" if "\t" in header else ","
    # A header of 200,000 fields would make pandas de-duplicate names for minutes.
    if header.count(sep) + 1 > limits.max_columns:
        raise InputError(f"{header.count(sep) + 1} columns, above the {limits.max_columns} "
                         "column limit", file=name, row=1,
                         hint=f"a time series has {len(_HEADERS)} to a dozen columns")
    try:
        raw = pd.read_csv(file, sep=sep, encoding="utf-8-sig", skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"cannot be read as a time series CSV ({exc})".replace("\n", " "),
                         file=name) from None
    by_norm = {_norm(c): c for c in raw.columns}
    picked: dict[str, pd.Series] = {}
    for field, accepted in _HEADERS.items():
        col = next((by_norm[a] for a in accepted if a in by_norm), None)
        if col is None:
            raise InputError(
                "missing column", file=name, column=_DISPLAY[field],
                hint="expected the Bitbrains headers: " + "; ".join(_DISPLAY.values()))
        picked[field] = raw[col]
    if raw.empty:
        raise InputError("no samples under the header", file=name)
    out = {}
    for field, values in picked.items():
        if values.dtype.kind not in "iuf":
            # Text left in a numeric column: strip the tab after ";" so that blanks show as such.
            values = values.astype("str").str.strip().replace("", np.nan)
        numbers = pd.to_numeric(values, errors="coerce").astype(np.float64)
        bad = numbers.isna().to_numpy() | ~np.isfinite(numbers.to_numpy()) | (
            numbers.to_numpy() < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            cell = values.iloc[i]
            what = "is blank" if pd.isna(cell) else f"is not a non-negative number: {cell!r}"
            # Row numbers as in a spreadsheet: the header is row 1.
            raise InputError(f"value {what}", file=name, row=i + 2, column=_DISPLAY[field])
        out[field] = numbers.to_numpy()
    frame = pd.DataFrame(out)
    frame["source_row"] = np.arange(2, len(frame) + 2)
    return frame


def read_timeseries(path: Path | Sequence[Path], limits: Limits | None = None) -> pd.DataFrame:
    """Read Bitbrains-style per-VM CSV files into one long frame.

    `path` is a file, a folder (every `*.csv` in it) or a list of either. The VM name is the file
    name without `.csv`. Returns `SERIES_COLUMNS`: `vm`, `timestamp_s` (Unix seconds),
    `cpu_cores`, `cpu_usage_mhz`, `cpu_capacity_mhz`, `memory_provisioned_gib`,
    `memory_used_gib`; every row of every file, in file order (cleaning is left to
    `utilisation_percentiles`). Raises `InputError` naming the file, row and column of the first
    problem: a missing column, a blank, negative or non-numeric value, an empty file, or two files
    for the same VM.

    >>> series = read_timeseries(Path("bitbrains/2013-7"))  # doctest: +SKIP
    """
    files = _expand(path)
    seen: dict[str, Path] = {}
    for f in files:
        key = f.stem.casefold()
        if key in seen:
            raise InputError(f"VM {f.stem!r} also has a time series in {seen[key]}", file=str(f),
                             hint="give each VM one file (file name = VM name)")
        seen[key] = f
    limits = limits or Limits()
    parts = [_read_one(f, limits) for f in files]
    lengths = [len(p) for p in parts]
    data = pd.concat(parts, ignore_index=True)
    timestamps = data["timestamp"].to_numpy()
    in_ms = np.repeat([np.median(p["timestamp"]) > _MS_THRESHOLD for p in parts], lengths)
    return pd.DataFrame({
        "vm": pd.Series(np.repeat([f.stem for f in files], lengths), dtype="str"),
        "timestamp_s": np.where(in_ms, timestamps / 1000.0, timestamps).astype(np.int64),
        "cpu_cores": data["cpu_cores"].to_numpy(),
        "cpu_usage_mhz": data["cpu_usage_mhz"].to_numpy(),
        "cpu_capacity_mhz": data["cpu_capacity_mhz"].to_numpy(),
        "memory_provisioned_gib": data["memory_provisioned_kib"].to_numpy() / _KIB_PER_GIB,
        "memory_used_gib": data["memory_used_kib"].to_numpy() / _KIB_PER_GIB,
    })


def utilisation_percentiles(
    series: pd.DataFrame, *, cpu_percentile: float, memory_percentile: float
) -> pd.DataFrame:
    """Per-VM CPU and memory use at the given percentiles, as fractions of provisioned.

    `series` has `SERIES_COLUMNS`. Percentiles are in percent (95 = p95) with numpy's default
    linear interpolation. Rows with 0 CPU cores are dropped, and only the first row of a duplicated
    timestamp is kept. Each sample is divided by its own provisioned value and clipped to 0..1.
    Returns a frame indexed by `vm` with `cpu_util`, `memory_util` (fractions), `cpu_cores`,
    `memory_gib` (latest provisioned), `samples` (rows used) and `period_days` (last minus first
    timestamp of those rows); a VM without any usable row has `samples` 0 and NaN elsewhere.
    """
    for label, value in (("cpu_percentile", cpu_percentile),
                         ("memory_percentile", memory_percentile)):
        if not 0 <= value <= 100:
            raise ValueError(f"{label} must be between 0 and 100, got {value}")
    missing = [c for c in SERIES_COLUMNS if c not in series.columns]
    if missing:
        raise ValueError(f"series lacks columns: {', '.join(missing)}")
    all_vms, fractions = _fractions(series)
    grouped = fractions.groupby("vm", sort=False)
    out = pd.DataFrame({
        "cpu_util": grouped["cpu"].quantile(cpu_percentile / 100.0),
        "memory_util": grouped["mem"].quantile(memory_percentile / 100.0),
        # Sorted by timestamp, so last() is the latest provisioned size.
        "cpu_cores": grouped["cpu_cores"].last(),
        "memory_gib": grouped["memory_gib"].last(),
        "samples": grouped.size(),
        "period_days": (grouped["timestamp_s"].max() - grouped["timestamp_s"].min())
        / _SECONDS_PER_DAY,
    })
    out = out.reindex(all_vms)
    out["samples"] = out["samples"].fillna(0).astype(np.int64)
    out.index.name = "vm"
    return out


def _fractions(series: pd.DataFrame) -> tuple[pd.Index, pd.DataFrame]:
    """Every VM named in `series`, and its usable samples as fractions of provisioned."""
    all_vms = pd.Index(pd.unique(series["vm"]), name="vm")
    usable = series[series["cpu_cores"].to_numpy() > 0]
    # Stable sort so that "first of a duplicated timestamp" means first in the file.
    usable = usable.sort_values(["vm", "timestamp_s"], kind="stable")
    usable = usable.drop_duplicates(subset=["vm", "timestamp_s"], keep="first")
    cap = usable["cpu_capacity_mhz"].to_numpy()
    mem = usable["memory_provisioned_gib"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        cpu_frac = np.where(cap > 0, usable["cpu_usage_mhz"].to_numpy() / cap, np.nan)
        mem_frac = np.where(mem > 0, usable["memory_used_gib"].to_numpy() / mem, np.nan)
    fractions = pd.DataFrame({
        "vm": usable["vm"].to_numpy(),
        "cpu": np.clip(cpu_frac, 0.0, 1.0),
        "mem": np.clip(mem_frac, 0.0, 1.0),
        "cpu_cores": usable["cpu_cores"].to_numpy(),
        "memory_gib": np.where(mem > 0, mem, np.nan),
        "timestamp_s": usable["timestamp_s"].to_numpy(dtype=np.float64),
    })
    return all_vms, fractions


@dataclass(frozen=True)
class SeriesUsage:
    """CPU and memory use of each VM row at a grid of percentiles, from its time series, so
    that a re-plan can size the VMs at another percentile without reading the samples again.

    `cpu` and `memory` have one row per VM row and one column per percentile in
    `cpu_percentiles` / `memory_percentiles` (ascending); NaN where a VM has no series.
    """

    cpu_percentiles: np.ndarray
    cpu: np.ndarray
    memory_percentiles: np.ndarray
    memory: np.ndarray

    def at(self, cpu_percentile: float, memory_percentile: float
           ) -> tuple[np.ndarray, np.ndarray]:
        """Use per VM row at the given percentiles: exact on the grid, linear between its
        points (a quantile is monotone in its percentile), clamped to the grid's span."""
        return (_interpolate(self.cpu_percentiles, self.cpu, cpu_percentile),
                _interpolate(self.memory_percentiles, self.memory, memory_percentile))


def _interpolate(grid: np.ndarray, table: np.ndarray, p: float) -> np.ndarray:
    if grid.size == 1:
        return table[:, 0]
    j = int(np.clip(np.searchsorted(grid, p, side="right"), 1, grid.size - 1))
    w = float(np.clip((p - grid[j - 1]) / (grid[j] - grid[j - 1]), 0.0, 1.0))
    return table[:, j - 1] * (1.0 - w) + table[:, j] * w


def series_usage(vms: pd.DataFrame, series: pd.DataFrame, *,
                 cpu_percentiles: Sequence[float], memory_percentiles: Sequence[float]
                 ) -> SeriesUsage:
    """`SeriesUsage` for the rows of `vms`, matched by name as `apply_timeseries` does."""
    _, fractions = _fractions(series)
    grouped = fractions.groupby("vm", sort=False)
    names = vms["name"].astype("str").str.casefold()
    tables = []
    for column, pcts in (("cpu", cpu_percentiles), ("mem", memory_percentiles)):
        grid = np.unique(np.asarray(pcts, dtype=np.float64))
        q = grouped[column].quantile(list(grid / 100.0)).unstack()
        q.index = q.index.astype(str).str.casefold()
        q = q[~q.index.duplicated()]
        rows = q.index.get_indexer(names)
        values = q.to_numpy(dtype=np.float64)
        table = np.where(rows[:, None] >= 0, values[np.maximum(rows, 0)], np.nan) \
            if len(q) else np.full((len(vms), grid.size), np.nan)
        tables.append((grid, table))
    (cpu_grid, cpu), (mem_grid, mem) = tables
    return SeriesUsage(cpu_grid, cpu, mem_grid, mem)


def apply_timeseries(vms: pd.DataFrame, percentiles: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Overwrite `cpu_util` / `memory_util` of VMs whose name matches a series (case-insensitive).

    `percentiles` comes from `utilisation_percentiles`. A VM name that appears twice in `vms`
    (the same name in two vCenters) gets the series on both rows. A NaN percentile (no usable
    sample) leaves the inventory's value alone. The rows that receive a value get
    `usage_source` "timeseries" and `usage_period_days` the series' span (`period_days`, NaN
    when `percentiles` lacks it). Returns the new frame and the number of VM rows that received
    at least one value.
    """
    keys = percentiles.index.astype(str).str.casefold()
    if keys.duplicated().any():
        dup = percentiles.index[keys.duplicated()][0]
        raise InputError(f"two time series for VM {dup!r} (names differ only in case)")
    names = vms["name"].astype("str").str.casefold()
    out = vms.copy()
    got_any = np.zeros(len(vms), dtype=bool)
    for column in ("cpu_util", "memory_util"):
        lookup = pd.Series(percentiles[column].to_numpy(dtype=np.float64), index=keys)
        values = names.map(lookup).to_numpy(dtype=np.float64, na_value=np.nan)
        has = ~np.isnan(values)
        current = (out[column] if column in out.columns
                   else pd.Series(np.nan, index=out.index)).to_numpy(dtype=np.float64)
        out[column] = np.where(has, values, current)
        got_any |= has
    period = (names.map(pd.Series(percentiles["period_days"].to_numpy(dtype=np.float64),
                                  index=keys)).to_numpy(dtype=np.float64, na_value=np.nan)
              if "period_days" in percentiles.columns else np.full(len(vms), np.nan))
    source = (out["usage_source"] if "usage_source" in out.columns
              else pd.Series(pd.NA, index=out.index)).astype("string")
    out["usage_source"] = source.mask(got_any, "timeseries")
    days = (out["usage_period_days"] if "usage_period_days" in out.columns
            else pd.Series(np.nan, index=out.index)).to_numpy(dtype=np.float64, na_value=np.nan)
    out["usage_period_days"] = np.where(got_any, period, days)
    return out, int(got_any.sum())
