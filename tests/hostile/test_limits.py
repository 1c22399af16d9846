"""Every reading limit (`tabular.Limits`) refuses quickly, names itself and says how to raise it;
raising it lets a genuine file through."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from corpus import BAD, make_corpus

from estimator.errors import InputError
from estimator.inventory import Limits, read_inventory

MC = make_corpus()
QUICK_SECONDS = 2.0


def _csv(path: Path, rows: int, cols: int = 3) -> Path:
    header = ["Name", "vCPU", "Memory GB"] + [f"extra{i}" for i in range(cols - 3)]
    lines = [",".join(header)] + [",".join([f"vm{i}", "2", "8"] + ["x"] * (cols - 3))
                                  for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _xlsx(path: Path, rows: int, cols: int = 3) -> Path:
    header = ["VM", "CPUs", "Memory"] + [f"extra{i}" for i in range(cols - 3)]
    body = [[f"vm{i}", 2, 4096] + ["x"] * (cols - 3) for i in range(rows)]
    return MC.write_xlsx(path, {"vInfo": [header, *body]})


def _refused(path: Path, limits: Limits) -> str:
    start = time.perf_counter()
    with pytest.raises(InputError) as info:
        read_inventory(path, limits=limits)
    assert time.perf_counter() - start < QUICK_SECONDS
    message = str(info.value)
    assert message.startswith(path.name)
    return message


# (limit field, lowered value, file builder, words the message must hold)
CASES = [
    ("max_file_bytes", 1024, lambda p: _csv(p / "big.csv", 200), "above the 1 KiB limit"),
    ("max_rows", 10, lambda p: _csv(p / "rows.csv", 50), "above the 10 row limit"),
    ("max_rows", 10, lambda p: _xlsx(p / "rows.xlsx", 50), "above the 10 row limit"),
    ("max_columns", 10, lambda p: _csv(p / "cols.csv", 3, cols=30), "above the 10 column limit"),
    ("max_columns", 10, lambda p: _xlsx(p / "cols.xlsx", 3, cols=30),
     "above the 10 column limit"),
    ("max_csv_line_chars", 100, lambda p: MC.long_line_csv(p / "line.csv", 500),
     "above the 100 limit"),
    ("max_uncompressed_bytes", 2048, lambda p: _xlsx(p / "unz.xlsx", 50),
     "above the 2 KiB limit"),
    ("max_cells", 100, lambda p: _xlsx(p / "cells.xlsx", 50, cols=5), "cell limit"),
    ("max_cells", 100, lambda p: _csv(p / "cells.csv", 50, cols=5), "cell limit"),
]


@pytest.mark.parametrize(("field", "value", "build", "words"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_lowered_limit_refuses_and_says_how_to_raise_it(tmp_path: Path, field: str, value: int,
                                                         build, words: str) -> None:
    path = build(tmp_path)
    message = _refused(path, Limits(**{field: value}))
    assert words in message
    assert field in message  # which limit
    assert f"--limit {field}=" in message  # and how a CLI user raises it
    # The same file reads with the default limits.
    assert len(read_inventory(path).vms) > 0


def test_compression_ratio_limit_is_configurable() -> None:
    """The corpus ratio bomb is refused by default and reads once the limit is raised."""
    path = BAD / "zip_bomb_ratio.xlsx"
    message = _refused(path, Limits())
    assert "max_compression_ratio" in message
    inv = read_inventory(path, limits=Limits(max_compression_ratio=5000))
    assert inv.vms["name"].tolist() == ["vm001", "vm002", "vm003"]


def test_defaults_are_documented() -> None:
    """docs/security.md lists every limit with its default."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text(
        encoding="utf-8")
    for f in dataclasses.fields(Limits):
        assert f"`{f.name}`" in doc, f.name
        default = f.default
        shown = (f"{default:,}" if isinstance(default, int) else f"{default:g}")
        assert shown in doc or _human(default) in doc, (f.name, shown)


def _human(value: float) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20)):
        if value >= size and value % size == 0:
            return f"{value // size:.0f} {unit}"
    return str(value)


@pytest.mark.parametrize("command", ["validate", "estimate", "batch"])
def test_cli_limit_option_lowers_and_raises(tmp_path: Path, command: str) -> None:
    from typer.testing import CliRunner

    from estimator.cli import app

    path = _csv(tmp_path / "rows.csv", 50)
    extra = {"validate": [], "estimate": ["--no-html", "--no-xlsx", "--no-uncertainty"],
             "batch": ["--out-dir", str(tmp_path / "out"), "--no-html", "--no-xlsx",
                       "--no-uncertainty"]}[command]
    low = CliRunner().invoke(app, [command, str(path), *extra, "--limit", "max_rows=10"])
    assert low.exit_code == 1
    assert "rows.csv: 51 lines, above the 10 row limit" in low.stderr
    assert "--limit max_rows=N" in low.stderr
    high = CliRunner().invoke(app, [command, str(path), *extra, "--limit", "max_rows=100",
                                    "--limit", "max_cells=1_000_000"])
    assert high.exit_code == 0, high.output


@pytest.mark.parametrize(("option", "words"), [
    ("max_rowz=10", "unknown limit 'max_rowz=10'; use NAME=VALUE with NAME one of max_file_bytes"),
    ("max_rows=lots", "max_rows must be a number, got 'lots'"),
    ("max_rows=0", "max_rows must be above 0, got '0'"),
    ("max_rows", "unknown limit 'max_rows'"),
])
def test_cli_limit_option_refuses_bad_values(tmp_path: Path, option: str, words: str) -> None:
    from typer.testing import CliRunner

    from estimator.cli import app

    path = _csv(tmp_path / "rows.csv", 5)
    result = CliRunner().invoke(app, ["estimate", str(path), "--limit", option, "--no-html",
                                      "--no-xlsx", "--no-uncertainty"])
    assert result.exit_code == 1
    [line] = [x for x in result.stderr.splitlines() if x.startswith("Error:")]
    assert words in line and "--limit" in line


def test_time_series_header_with_200000_fields_is_refused_quickly(tmp_path: Path) -> None:
    """pandas would spend minutes de-duplicating 200,000 header names of a 440 KB file."""
    from estimator.inventory.timeseries import read_timeseries

    header = "Timestamp [ms];\tCPU cores;\tCPU usage [MHZ]" + ";x" * 200_000
    path = tmp_path / "vm1.csv"
    path.write_text(header + "\n" + "1;2;3\n" * 3000, encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(InputError) as info:
        read_timeseries(path)
    assert time.perf_counter() - start < QUICK_SECONDS
    assert str(info.value).startswith(f"{path}, row 1: 200003 columns, above the 2000 column")
    with pytest.raises(InputError, match="above the 100 byte limit"):
        read_timeseries(path, limits=Limits(max_file_bytes=100))
