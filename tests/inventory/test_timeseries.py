"""Tests for estimator.inventory.timeseries against the real Bitbrains trace."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from estimator.errors import InputError
from estimator.inventory.timeseries import (
    SERIES_COLUMNS,
    apply_timeseries,
    read_timeseries,
    series_usage,
    utilisation_percentiles,
)

TRACE = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "real"
         / "bitbrains-rnd" / "2013-7")
HEADER = ("Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\t"
          "CPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB]")


def _raw(name: str) -> np.ndarray:
    """The numeric columns of one trace file, parsed without pandas: (rows, 7+)."""
    lines = (TRACE / name).read_text().splitlines()[1:]
    return np.array([[float(v) for v in line.split(";\t")] for line in lines])


@pytest.fixture(scope="module")
def series() -> pd.DataFrame:
    return read_timeseries(TRACE)


@pytest.fixture(scope="module")
def percentiles(series: pd.DataFrame) -> pd.DataFrame:
    return utilisation_percentiles(series, cpu_percentile=95, memory_percentile=98)


def test_reads_every_file_and_row(series: pd.DataFrame) -> None:
    assert tuple(series.columns) == SERIES_COLUMNS
    assert len(series) == 165_590  # 165,610 lines less 20 headers
    assert series["vm"].nunique() == 20
    assert list(pd.unique(series["vm"]))[:3] == ["1", "2", "3"]  # natural order
    first = series.iloc[0]
    assert first["vm"] == "1" and first["timestamp_s"] == 1372629804
    assert first["cpu_cores"] == 2 and first["cpu_capacity_mhz"] == pytest.approx(5851.9989)
    assert first["memory_provisioned_gib"] == pytest.approx(8218624 / 1024**2)
    assert first["memory_used_gib"] == pytest.approx(1034592.8 / 1024**2)


def test_cpu_p95_matches_numpy_on_raw_file(percentiles: pd.DataFrame) -> None:
    raw = _raw("1.csv")
    expected = np.percentile(raw[:, 3] / raw[:, 2], 95)
    assert percentiles.loc["1", "cpu_util"] == pytest.approx(expected, rel=1e-12)
    assert percentiles.loc["1", "samples"] == 8260
    assert percentiles.loc["1", "cpu_cores"] == 2


def test_memory_uses_each_samples_own_provisioned_size(percentiles: pd.DataFrame) -> None:
    raw = _raw("4.csv")  # provisioned memory changes part-way (1.24 to 3.87 GiB)
    assert len(np.unique(raw[:, 5])) > 100
    expected = np.percentile(raw[:, 6] / raw[:, 5], 98)
    assert percentiles.loc["4", "memory_util"] == pytest.approx(expected, rel=1e-12)
    assert percentiles.loc["4", "memory_gib"] == pytest.approx(raw[-1, 5] / 1024**2)
    # Dividing by the latest size instead would give a clearly different figure.
    assert abs(np.percentile(raw[:, 6] / raw[-1, 5], 98) - expected) > 0.01


def test_zero_core_rows_and_duplicate_timestamps_are_dropped(percentiles: pd.DataFrame) -> None:
    raw = _raw("20.csv")
    running = raw[raw[:, 1] > 0]
    _ts, first = np.unique(running[:, 0], return_index=True)
    kept = running[np.sort(first)]
    assert (raw[:, 1] == 0).sum() == 12077
    assert percentiles.loc["20", "samples"] == len(kept) == 4476
    assert percentiles.loc["20", "cpu_util"] == pytest.approx(
        np.percentile(kept[:, 3] / kept[:, 2], 95))
    assert percentiles.loc["14", "samples"] == 428 - 8


def test_duplicate_timestamp_keeps_first_row() -> None:
    series = pd.DataFrame({
        "vm": ["a", "a", "a", "b"], "timestamp_s": [0, 300, 300, 0],
        "cpu_cores": [2.0, 2.0, 2.0, 0.0], "cpu_usage_mhz": [100.0, 400.0, 4000.0, 0.0],
        "cpu_capacity_mhz": [4000.0] * 3 + [0.0],
        "memory_provisioned_gib": [4.0, 4.0, 8.0, 0.0], "memory_used_gib": [1.0, 2.0, 8.0, 0.0],
    })
    out = utilisation_percentiles(series, cpu_percentile=100, memory_percentile=100)
    assert out.loc["a", "samples"] == 2
    assert out.loc["a", "cpu_util"] == pytest.approx(0.1)
    assert out.loc["a", "memory_util"] == pytest.approx(0.5)
    assert out.loc["a", "memory_gib"] == 4.0
    # A VM with only 0-core rows is reported, with no figures.
    assert out.loc["b", "samples"] == 0 and np.isnan(out.loc["b", "cpu_util"])


def test_bad_percentile() -> None:
    with pytest.raises(ValueError, match="cpu_percentile"):
        utilisation_percentiles(pd.DataFrame(columns=SERIES_COLUMNS), cpu_percentile=150,
                                memory_percentile=98)


def _write(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


def test_plain_semicolon_and_single_file(tmp_path: Path) -> None:
    f = _write(tmp_path / "web01.csv", HEADER.replace("\t", "") + "\n"
               "1372629804000;2;5000;500;10;4194304;1048576\n")
    out = read_timeseries(f)
    assert out["vm"].tolist() == ["web01"]
    assert out["timestamp_s"].tolist() == [1372629804]  # milliseconds recognised
    assert out["memory_used_gib"].tolist() == [1.0]


def test_non_numeric_cell_names_file_row_and_column(tmp_path: Path) -> None:
    f = _write(tmp_path / "vm7.csv", HEADER + "\n1;\t1;\t2000;\t10;\t0.5;\t100;\t50\n"
               "301;\t1;\t2000;\tn/a;\t0.5;\t100;\t50\n")
    with pytest.raises(InputError) as err:
        read_timeseries(f)
    assert err.value.row == 3 and err.value.column == "CPU usage [MHZ]"
    assert "vm7.csv" in str(err.value) and "'n/a'" in str(err.value)


def test_negative_and_blank_values(tmp_path: Path) -> None:
    f = _write(tmp_path / "neg.csv", HEADER + "\n1;\t1;\t2000;\t10;\t0.5;\t-100;\t50\n")
    with pytest.raises(InputError, match=r"row 2.*Memory capacity provisioned"):
        read_timeseries(f)
    f = _write(tmp_path / "blank.csv", HEADER + "\n1;\t;\t2000;\t10;\t0.5;\t100;\t50\n")
    with pytest.raises(InputError, match=r"row 2.*CPU cores.*blank"):
        read_timeseries(f)


def test_missing_column_and_empty_files(tmp_path: Path) -> None:
    f = _write(tmp_path / "nomem.csv", "Timestamp [ms];\tCPU cores\n1;\t1\n")
    with pytest.raises(InputError, match="CPU capacity provisioned") as err:
        read_timeseries(f)
    assert err.value.column == "CPU capacity provisioned [MHZ]"
    with pytest.raises(InputError, match="empty"):
        read_timeseries(_write(tmp_path / "empty.csv", ""))
    with pytest.raises(InputError, match="no samples"):
        read_timeseries(_write(tmp_path / "head.csv", HEADER + "\n"))


def test_paths_that_do_not_work(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_timeseries(tmp_path / "missing")
    (tmp_path / "none").mkdir()
    with pytest.raises(InputError, match=r"no \.csv"):
        read_timeseries(tmp_path / "none")
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        _write(tmp_path / d / ("App1.csv" if d == "a" else "app1.csv"),
               HEADER + "\n1;\t1;\t2000;\t10;\t0.5;\t100;\t50\n")
    with pytest.raises(InputError, match="also has a time series"):
        read_timeseries([tmp_path / "a", tmp_path / "b"])


def test_apply_matches_names_case_insensitively(percentiles: pd.DataFrame) -> None:
    p = percentiles.rename(index={"1": "Web01", "2": "db02"})
    vms = pd.DataFrame({
        "name": ["WEB01", "web01", "DB02", "other"],
        "cpu_util": [0.9, np.nan, 0.9, 0.33],
        "memory_util": [0.9, 0.9, np.nan, 0.44],
    })
    out, matched = apply_timeseries(vms, p)
    assert matched == 3
    assert out["cpu_util"].tolist()[:3] == pytest.approx(
        [p.loc["Web01", "cpu_util"]] * 2 + [p.loc["db02", "cpu_util"]])
    assert out.loc[2, "memory_util"] == pytest.approx(p.loc["db02", "memory_util"])
    assert out.loc[3, "cpu_util"] == 0.33 and out.loc[3, "memory_util"] == 0.44
    assert vms.loc[0, "cpu_util"] == 0.9  # the input is not modified


def test_apply_keeps_values_where_series_has_no_samples() -> None:
    p = pd.DataFrame({"cpu_util": [np.nan], "memory_util": [np.nan], "cpu_cores": [np.nan],
                      "memory_gib": [np.nan], "samples": [0]},
                     index=pd.Index(["idle"], name="vm"))
    vms = pd.DataFrame({"name": ["idle"], "cpu_util": [0.2], "memory_util": [0.3]})
    out, matched = apply_timeseries(vms, p)
    assert matched == 0 and out["cpu_util"].tolist() == [0.2]


def test_period_is_the_span_of_the_usable_samples(series: pd.DataFrame,
                                                  percentiles: pd.DataFrame) -> None:
    one = series[(series["vm"] == "1") & (series["cpu_cores"] > 0)]
    span = (one["timestamp_s"].max() - one["timestamp_s"].min()) / 86_400
    assert percentiles.loc["1", "period_days"] == pytest.approx(span)
    assert 25 < span < 32  # one month of 5-minute samples


def test_apply_marks_the_source_and_period(percentiles: pd.DataFrame) -> None:
    vms = pd.DataFrame({
        "name": ["1", "other", "none"],
        "cpu_util": [0.9, 0.33, np.nan],
        "memory_util": [0.9, np.nan, np.nan],
        "usage_source": pd.array(["snapshot", "summary", pd.NA], dtype="string"),
        "usage_period_days": [np.nan, np.nan, np.nan],
    })
    out, matched = apply_timeseries(vms, percentiles)
    assert matched == 1
    assert out["usage_source"].tolist() == ["timeseries", "summary", pd.NA]
    assert out.loc[0, "usage_period_days"] == pytest.approx(percentiles.loc["1", "period_days"])
    assert np.isnan(out.loc[1, "usage_period_days"])
    # Frames without the columns get them.
    bare, _ = apply_timeseries(vms[["name", "cpu_util", "memory_util"]], percentiles)
    assert bare["usage_source"].tolist()[:2] == ["timeseries", pd.NA]


def test_series_usage_is_each_vms_quantile_on_the_grid_and_between(series: pd.DataFrame) -> None:
    """The Monte Carlo's per-VM quantile grid: exact at its points (the same figure as
    `utilisation_percentiles`), between neighbours in between, matched by name like
    `apply_timeseries` (case-insensitive), NaN for a VM without a series."""
    vms = pd.DataFrame({"name": ["3", "no-such-vm", "1", "17"]})
    usage = series_usage(vms, series, cpu_percentiles=[95, 50, 99, 80],
                         memory_percentiles=[98])
    assert usage.cpu_percentiles.tolist() == [50, 80, 95, 99]  # sorted
    for p in (50, 80, 95, 99):
        cpu, mem = usage.at(p, 98)
        want = utilisation_percentiles(series, cpu_percentile=p, memory_percentile=98)
        for row, vm in ((0, "3"), (2, "1"), (3, "17")):
            assert cpu[row] == pytest.approx(want.loc[vm, "cpu_util"], abs=1e-12)
            assert mem[row] == pytest.approx(want.loc[vm, "memory_util"], abs=1e-12)
        assert np.isnan(cpu[1]) and np.isnan(mem[1])
    lo, _ = usage.at(80, 98)
    mid, _ = usage.at(90, 98)
    hi, _ = usage.at(95, 98)
    known = ~np.isnan(mid)
    assert (lo[known] <= mid[known] + 1e-15).all() and (mid[known] <= hi[known] + 1e-15).all()
    assert usage.at(10, 98)[0][0] == usage.at(50, 98)[0][0]  # clamped to the grid's span
