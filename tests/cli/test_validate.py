"""Tests for `estimator validate`."""

from __future__ import annotations

import json
from pathlib import Path

from shared_data import IBM_WORKSHOP, real_data, write_xlsx
from typer.testing import CliRunner

from estimator.cli import app

runner = CliRunner()
HEADER = ["VM", "Powerstate", "Template", "CPUs", "Memory"]


def test_ibm_workshop_summary_and_exit_zero() -> None:
    result = runner.invoke(app, ["validate", str(real_data(*IBM_WORKSHOP))])
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "763 of 805 VMs in scope" in out
    assert "Excluded: template 10, powered off 32" in out
    assert "Hosts: 34, physical cores: 528" in out
    assert "SizingWorkshop-RVTools.xlsx rvtools 805 763" in out


def test_json_to_stdout_is_clean(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "inv.xlsx", {"vInfo": [
        HEADER, ["web", "poweredOn", "False", 2, 4096], ["bad", "poweredOn", "False", "x", 1],
        ["t", "poweredOff", "True", 1, 1024]]})
    result = runner.invoke(app, ["validate", str(path), "--json", "-"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["inventory"]["vms_total"] == 2
    assert doc["inventory"]["vms_in_scope"] == 1
    assert doc["inventory"]["excluded"]["template"] == 1
    assert doc["inventory"]["vcpus_in_scope"] == 2.0
    assert doc["inventory"]["memory_gib_in_scope"] == 4.0
    assert doc["current"]["physical_cores"] is None
    [rejected] = [p for p in doc["problems"] if p["kind"] == "rejected"]
    assert (rejected["row"], rejected["column"]) == (3, "CPUs")
    assert "VMs by source" in result.stderr  # the human view goes to stderr


def test_json_to_file_and_not_over_an_input(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "inv.xlsx", {"vInfo": [HEADER, ["a", "poweredOn", "", 1, 512]]})
    out = tmp_path / "out" / "summary.json"
    result = runner.invoke(app, ["validate", str(path), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["inventory"]["vms_in_scope"] == 1
    result = runner.invoke(app, ["validate", str(path), "--json", str(path)])
    assert result.exit_code == 1
    assert "same as an input" in result.stderr


def test_nothing_in_scope_exits_one(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "off.xlsx", {"vInfo": [HEADER, ["a", "poweredOff", "", 1, 512]]})
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert "powered off 1" in result.stdout
    assert "no VM is in scope" in result.stderr
    result = runner.invoke(app, ["validate", str(path), "--set",
                                 "scope.include_powered_off=true"])
    assert result.exit_code == 0, result.output


def test_junk_file_is_one_line_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(bytes(range(256)) * 4)
    result = runner.invoke(app, ["validate", str(junk)])
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: junk.xlsx: binary data, not a CSV or spreadsheet file"
    assert "Traceback" not in result.output


def test_problem_list_is_capped(tmp_path: Path) -> None:
    rows = [HEADER] + [[f"vm{i}", "poweredOn", "", -1, 512] for i in range(60)] + [
        ["ok", "poweredOn", "", 1, 512]]
    result = runner.invoke(app, ["validate", str(write_xlsx(tmp_path / "m.xlsx",
                                                            {"vInfo": rows}))])
    assert result.exit_code == 0, result.output
    assert "Problems (60)" in result.stdout
    assert "and 10 more" in result.stdout


def test_help_has_summary_and_example() -> None:
    result = runner.invoke(app, ["validate", "--help"])
    assert result.exit_code == 0
    assert "Check inventory files" in result.stdout
    assert "Example: estimator validate" in result.stdout
