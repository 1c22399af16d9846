"""`estimator validate` over every file of the hostile corpus (tests/data/bad, expected.toml).

Each run must end with the expected exit code, print exactly one clear "Error: ..." line naming the
file (and sheet, row, column where known) and never a traceback, finish within seconds, and leave
the input's bytes and mtime untouched. Accepted files must keep every good row and report every
dropped row with its row number and reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from corpus import (
    BAD,
    ESTIMATOR_BIN,
    KNOWN_DEFECTS,
    UNSAFE_IN_PROCESS,
    Case,
    load_cases,
    make_corpus,
)
from typer.testing import CliRunner

from estimator.cli import app
from estimator.inventory import read_inventory

CASES = load_cases()
IN_PROCESS_SECONDS = 5.0
# A fresh interpreter imports pandas, plotly and friends first: allow for that.
SUBPROCESS_SECONDS = 30.0
CRASH_MARKERS = ("Traceback", "stack backtrace", "panicked", "Fatal Python error", "MemoryError")


def _params(cases: list[Case]) -> list[object]:
    return [pytest.param(c, id=c.id, marks=[pytest.mark.xfail(strict=True,
                                                              reason=KNOWN_DEFECTS[c.id])]
                         if c.id in KNOWN_DEFECTS else []) for c in cases]


def _snapshot(files: list[Path]) -> dict[Path, tuple[bytes, int]]:
    return {f: (f.read_bytes(), f.stat().st_mtime_ns) for f in files}


def _check_output(case: Case, code: int, stdout: str, stderr: str) -> None:
    both = stdout + stderr
    for marker in CRASH_MARKERS:
        assert marker not in both, both[-2000:]
    assert code == case.exit, both[-2000:]
    errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
    if case.exit == 0:
        assert errors == []
        return
    assert len(errors) == 1, stderr
    assert "Error:" not in stdout
    line = errors[0]
    assert case.message is not None
    assert case.message in line, line
    for extra in case.also:
        assert extra in stderr, stderr
    # The line names the file (or the config file) it is about.
    assert any(Path(f).name in line for f in (*case.inputs, *case.args)), line


def _check_summary(case: Case, stdout: str) -> None:
    doc = json.loads(stdout)
    assert doc["inventory"]["vms_total"] == case.vms
    assert sum(f["rows_read"] for f in doc["quality"]["files"]) == case.rows_read
    dropped = [(p["row"], p["column"], p["message"]) for p in doc["problems"]
               if p["kind"] == "rejected"]
    assert len(dropped) == len(case.rejected), dropped
    for (row, column, reason), (e_row, e_column, e_reason) in zip(dropped, case.rejected,
                                                                  strict=True):
        assert (row, column) == (e_row, e_column)
        assert reason.startswith("row dropped: ") and e_reason in reason
    # Nothing vanishes: kept + dropped + duplicates = rows read.
    dups = sum(p["kind"] == "duplicate" for p in doc["problems"])
    assert doc["inventory"]["vms_total"] + len(dropped) + dups == case.rows_read
    for kind, column, text in case.problems:
        assert any(p["kind"] == kind and (not column or p["column"] == column)
                   and text in p["message"] for p in doc["problems"]), doc["problems"]


@pytest.mark.parametrize("case", _params([c for c in CASES if c.id not in UNSAFE_IN_PROCESS]))
def test_validate_in_process(case: Case) -> None:
    before = _snapshot(case.files())
    argv = case.argv() + (["--json", "-"] if case.exit == 0 else [])
    start = time.perf_counter()
    result = CliRunner().invoke(app, argv)
    elapsed = time.perf_counter() - start
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception)
    _check_output(case, result.exit_code, result.stdout, result.stderr)
    if case.exit == 0:
        _check_summary(case, result.stdout)
    assert elapsed < IN_PROCESS_SECONDS, f"{elapsed:.1f} s"
    assert _snapshot(case.files()) == before


# The real console script, for the files that could kill or stall a process outside Python
# (a Rust abort, a runaway allocation), plus one accepted file and one config error.
SUBPROCESS_CASES = {"billion_laughs.xlsx", "xxe.xlsx", "dtd_after_padding.xlsx",
                    "zip_bomb_ratio.xlsx", "zip_bomb_claims.xlsx", "huge_dimension.xlsx",
                    "far_cell_no_dimension.xlsx", "shared_strings_bomb.xlsx",
                    "ods_repeat_bomb.ods", "xls_dimensions_bomb.xls", "xls_column_bomb.xls",
                    "huge_area.xlsx", "many_delimiters.csv", "random_junk.xlsx", "bad_values.csv",
                    "csv_named.xlsx[broken.toml]"}


@pytest.mark.slow
@pytest.mark.parametrize("case", _params([c for c in CASES if c.id in SUBPROCESS_CASES]))
def test_validate_subprocess(case: Case, tmp_path: Path) -> None:
    """One real process per case: exit code, one error line, no crash, input untouched."""
    exe = [str(ESTIMATOR_BIN)] if ESTIMATOR_BIN.exists() else [sys.executable, "-m",
                                                                "estimator"]
    before = _snapshot(case.files())
    argv = case.argv() + (["--json", "-"] if case.exit == 0 else [])
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    try:
        proc = subprocess.run([*exe, *argv], capture_output=True, text=True, cwd=tmp_path,
                              timeout=SUBPROCESS_SECONDS, env=env, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"validate ran over {SUBPROCESS_SECONDS:.0f} s")
    _check_output(case, proc.returncode, proc.stdout, proc.stderr)
    if case.exit == 0:
        _check_summary(case, proc.stdout)
    assert _snapshot(case.files()) == before
    assert list(tmp_path.iterdir()) == []  # validate writes nothing unless asked


@pytest.mark.parametrize("case", [c for c in CASES if c.names], ids=lambda c: c.id)
def test_names_read_back_unchanged(case: Case) -> None:
    inv = read_inventory([BAD / f for f in case.inputs])
    assert inv.vms["name"].tolist() == list(case.names)


def test_corpus_is_big_enough_and_reproducible(tmp_path: Path) -> None:
    """At least 25 distinct files, every one in expected.toml, and make_corpus rebuilds them."""
    made = make_corpus().build(tmp_path)
    assert len(made) >= 25
    for p in made:
        assert (BAD / p.name).read_bytes() == p.read_bytes(), p.name
    assert {c.id for c in CASES} >= SUBPROCESS_CASES
    covered = {f for c in CASES for f in c.files()}
    assert {BAD / p.name for p in made} <= covered


def test_hundred_megabyte_line_is_refused_quickly(tmp_path: Path) -> None:
    """The 100 MB single-line CSV of the issue, made here rather than committed."""
    path = make_corpus().long_line_csv(tmp_path / "one_line.csv", 100 * 2**20)
    start = time.perf_counter()
    result = CliRunner().invoke(app, ["validate", str(path)])
    elapsed = time.perf_counter() - start
    assert result.exit_code == 1
    assert "one_line.csv: a line is 104857604 characters long, above the 1000000 limit" in (
        result.stderr)
    assert elapsed < 10, f"{elapsed:.1f} s"
