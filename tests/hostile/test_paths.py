"""Paths a user can get wrong: missing files, folders given as files, unusable output folders,
and outputs that would overwrite an input. Each gets one clear error, and no input is ever
touched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from corpus import BAD
from typer.testing import CliRunner

from estimator.cli import app

RUN = ["--no-uncertainty"]


def _invoke(args: list[str]):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception)
    return result


def _error(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    path = tmp_path / "estate.xlsx"
    shutil.copy(BAD / "hostile_rvtools.xlsx", path)
    return path


def _same(path: Path, data: bytes, mtime: int) -> bool:
    return path.read_bytes() == data and path.stat().st_mtime_ns == mtime


@pytest.mark.parametrize("command", ["validate", "estimate"])
def test_missing_file(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "nope.xlsx"
    result = _invoke([command, missing] + (RUN if command == "estimate" else []))
    assert result.exit_code == 1
    assert _error(result) == f"Error: {missing}: no such file or folder"


def test_missing_file_among_good_ones(inventory: Path, tmp_path: Path) -> None:
    result = _invoke(["validate", inventory, tmp_path / "typo.xlsx"])
    assert result.exit_code == 1
    assert f"{tmp_path / 'typo.xlsx'}: no such file or folder" in _error(result)


def test_empty_folder_given_as_inventory(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    result = _invoke(["validate", folder])
    assert result.exit_code == 1
    assert _error(result) == f"Error: {folder}: the folder holds no CSV or spreadsheet files"


@pytest.mark.parametrize("option", ["--mapping", "--config"])
def test_folder_given_as_config_file(inventory: Path, tmp_path: Path, option: str) -> None:
    folder = tmp_path / "settings"
    folder.mkdir()
    result = _invoke(["validate", inventory, option, folder])
    assert result.exit_code == 1
    line = _error(result)
    assert str(folder) in line or folder.name in line
    assert "directory" in line.lower() or "folder" in line.lower()


@pytest.mark.parametrize("option", ["--html", "--xlsx", "--json"])
def test_output_that_is_a_folder(inventory: Path, tmp_path: Path, option: str) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    result = _invoke(["estimate", inventory, option, folder, *RUN])
    assert result.exit_code == 1
    assert _error(result) == f"Error: {folder}: is a directory; give a file name"
    assert list(folder.iterdir()) == []


def test_out_dir_under_a_file(inventory: Path, tmp_path: Path) -> None:
    """A folder that cannot be created (its parent is a file) fails before the run."""
    blocker = tmp_path / "blocker"
    blocker.write_text("a file", encoding="utf-8")
    result = _invoke(["estimate", inventory, "--out-dir", blocker / "reports", *RUN])
    assert result.exit_code == 1
    line = _error(result)
    assert "cannot create folder" in line and str(blocker) in line


def test_out_dir_that_is_a_file(inventory: Path, tmp_path: Path) -> None:
    data, mtime = inventory.read_bytes(), inventory.stat().st_mtime_ns
    result = _invoke(["estimate", inventory, "--out-dir", inventory, *RUN])
    assert result.exit_code == 1
    assert _error(result).startswith(f"Error: {inventory}: is a file, not a folder")
    assert _same(inventory, data, mtime)


def test_read_only_folder(inventory: Path, tmp_path: Path) -> None:
    """/proc refuses new files even for root, where chmod would not."""
    result = _invoke(["estimate", inventory, "--html", "/proc/estate.html", "--no-xlsx", *RUN])
    assert result.exit_code == 1
    assert "/proc" in _error(result)


@pytest.mark.parametrize("option", ["--html", "--xlsx", "--json"])
def test_output_equal_to_input_is_refused(inventory: Path, option: str) -> None:
    data, mtime = inventory.read_bytes(), inventory.stat().st_mtime_ns
    result = _invoke(["estimate", inventory, option, inventory, *RUN])
    assert result.exit_code == 1
    assert _error(result) == (f"Error: {inventory}: output path is the same as an input file; "
                              "choose another")
    assert _same(inventory, data, mtime)


def test_output_equal_to_input_through_another_spelling(inventory: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A relative path, a `..` detour and a symlink all name the same file."""
    data, mtime = inventory.read_bytes(), inventory.stat().st_mtime_ns
    link = tmp_path / "link.xlsx"
    link.symlink_to(inventory)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    for out in ("estate.xlsx", "sub/../estate.xlsx", str(link)):
        result = _invoke(["estimate", "estate.xlsx", "--xlsx", out, "--no-html", *RUN])
        assert result.exit_code == 1, out
        assert "output path is the same as an input file" in _error(result)
    result = _invoke(["estimate", link, "--xlsx", inventory, "--no-html", *RUN])
    assert result.exit_code == 1
    assert _same(inventory, data, mtime)


def test_default_report_name_equal_to_input(tmp_path: Path) -> None:
    """`estimate reports/estate.xlsx` would write its workbook to reports/estate.xlsx."""
    reports = tmp_path / "reports"
    reports.mkdir()
    inventory = reports / "estate.xlsx"
    shutil.copy(BAD / "hostile_rvtools.xlsx", inventory)
    data, mtime = inventory.read_bytes(), inventory.stat().st_mtime_ns
    result = _invoke(["estimate", inventory, "--out-dir", reports, *RUN])
    assert result.exit_code == 1
    assert "output path is the same as an input file" in _error(result)
    assert _same(inventory, data, mtime)
    assert sorted(p.name for p in reports.iterdir()) == ["estate.xlsx"]  # nothing half-written


def test_validate_json_equal_to_input(inventory: Path) -> None:
    data, mtime = inventory.read_bytes(), inventory.stat().st_mtime_ns
    result = _invoke(["validate", inventory, "--json", inventory])
    assert result.exit_code == 1
    assert "output path is the same as an input file" in _error(result)
    assert _same(inventory, data, mtime)


def test_batch_never_overwrites_an_input_named_like_its_summary(tmp_path: Path) -> None:
    """An inventory called summary.csv inside --out-dir must not be replaced by the summary."""
    out = tmp_path / "out"
    out.mkdir()
    inventory = out / "summary.csv"
    inventory.write_text("Name,vCPU,Memory GB,OS\nweb01,2,8,Ubuntu 22.04\n", encoding="utf-8")
    data, mtime = inventory.read_bytes(), inventory.stat().st_mtime_ns
    result = _invoke(["batch", inventory, "--out-dir", out, "--no-html", "--no-xlsx", *RUN])
    assert result.exit_code == 1
    assert "output path is the same as an input file" in _error(result)
    assert _same(inventory, data, mtime)


def test_batch_out_dir_equal_to_an_input_file(inventory: Path) -> None:
    data, mtime = inventory.read_bytes(), inventory.stat().st_mtime_ns
    result = _invoke(["batch", inventory, "--out-dir", inventory, *RUN])
    assert result.exit_code == 1
    assert "is a file, not a folder" in _error(result)
    assert _same(inventory, data, mtime)
