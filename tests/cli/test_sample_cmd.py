"""Tests for `estimator sample`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from estimator.cli import app
from estimator.sample import sample_tables

runner = CliRunner()


def test_writes_workbook(tmp_path: Path) -> None:
    out = tmp_path / "demo.xlsx"
    result = runner.invoke(app, ["sample", str(out), "--vms", "150", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert f"Wrote 150 VMs to {out}" in result.output
    info = pd.read_excel(out, sheet_name="vInfo", engine="calamine")
    assert info["VM"].tolist() == sample_tables(150, seed=7)["vInfo"]["VM"].tolist()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.xlsx"]


def test_csv_path_writes_rvtools_csv_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sample", str(tmp_path / "estate.csv"), "--vms", "40"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "estate"
    assert (folder / "RVTools_tabvInfo.csv").is_file()
    assert len(pd.read_csv(folder / "RVTools_tabvInfo.csv")) == 40
    assert str(folder) in result.output


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "demo.xlsx"
    out.write_bytes(b"keep me")
    result = runner.invoke(app, ["sample", str(out), "--vms", "20"])
    assert result.exit_code == 1
    assert "already exists" in result.output and "--force" in result.output
    assert out.read_bytes() == b"keep me"
    result = runner.invoke(app, ["sample", str(out), "--vms", "20", "--force"])
    assert result.exit_code == 0, result.output
    assert len(pd.read_excel(out, sheet_name="vInfo", engine="calamine")) == 20


def test_refuses_existing_csv_folder_without_force(tmp_path: Path) -> None:
    (tmp_path / "estate").mkdir()
    result = runner.invoke(app, ["sample", str(tmp_path / "estate.csv"), "--vms", "5"])
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_bad_suffix_is_one_line_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sample", str(tmp_path / "demo.txt")])
    assert result.exit_code == 1
    assert "'.txt'" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "demo.txt").exists()


def test_bad_vms_option(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sample", str(tmp_path / "d.xlsx"), "--vms", "0"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["sample", str(tmp_path / "d.xlsx"), "--vms", "many"])
    assert result.exit_code == 2
    assert not (tmp_path / "d.xlsx").exists()


def test_quiet_prints_nothing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--quiet", "sample", str(tmp_path / "q.xlsx"), "--vms", "5"])
    assert result.exit_code == 0
    assert result.output == ""
    assert (tmp_path / "q.xlsx").is_file()


def test_help_has_summary_and_example() -> None:
    result = runner.invoke(app, ["sample", "--help"])
    assert result.exit_code == 0
    assert "Write a realistic synthetic RVTools export" in result.output
    assert "Example: estimator sample demo.xlsx --vms 800 --seed 42" in result.output
