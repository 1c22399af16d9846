"""Tests for `estimator validate`."""

from __future__ import annotations

import json
import re
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
    assert "SizingWorkshop-RVTools.xlsx RVTools export 805 763" in out


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


def test_imputations_are_notes_and_numbers_use_the_shared_format(tmp_path: Path) -> None:
    from estimator.sample import write_sample

    path = write_sample(tmp_path / "demo.xlsx", vms=1200, seed=7)
    result = runner.invoke(app, ["validate", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Problems" not in out  # nothing went wrong: every line is normal gap-filling
    notes = out[out.index("Notes ("):]
    assert "memory utilisation from vMemory 'Active' / memory size: 1,074 VMs" in notes
    assert re.search(r": 1,\d{3} VMs\n", notes)  # thousands separators and a plural
    assert "VM(s)" not in out and not re.search(r"\b\d{4,} VM", out)


def test_a_csv_without_usage_or_hosts_gets_notes_not_problems(tmp_path: Path) -> None:
    path = tmp_path / "hand.csv"
    path.write_text("Name,vCPU,Memory GB\nweb01,2,8\nweb02,4,16\nweb03,x,4\n")
    result = runner.invoke(app, ["validate", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    notes, problems = out[out.index("Notes (3)"):out.index("Problems (1)")], out[
        out.index("Problems (1)"):]
    assert ("2 in-scope VMs have no CPU use of their own: sized from allocation at today's "
            "vCPU-to-core ratio") in notes
    assert "2 in-scope VMs have no memory use of their own: sized from allocation" in notes
    assert "No host list: today's hosts will be inferred" in notes
    assert "rejected" in problems and "hand.csv, row 4, column vCPU" in problems
    doc = json.loads(runner.invoke(app, ["validate", str(path), "--json", "-"]).stdout)
    assert [p["kind"] for p in doc["problems"]] == ["rejected"]
    assert len(doc["notes"]) == 3


def test_a_file_that_is_no_inventory_says_so_and_what_is_read(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Exports\n\nThe | files | here\n|---|---|\nare | from | March\n")
    result = runner.invoke(app, ["validate", str(readme)])
    assert result.exit_code == 1
    text = " ".join(result.stderr.split())
    assert text.startswith("Error: README.md: not an inventory: a .md file with no table of VMs")
    for accepted in ("RVTools export", "Azure Migrate import", "AWS Application Discovery",
                     "hand-kept spreadsheet or CSV"):
        assert accepted in text
    assert "--mapping" not in text
    assert "Traceback" not in result.output
    # A CSV with none of the headers the readers know: the same, with the way to map one.
    prices = tmp_path / "prices.csv"
    prices.write_text("Item,Price\nlicence,12\n")
    result = runner.invoke(app, ["validate", str(prices)])
    assert result.exit_code == 1
    text = " ".join(result.stderr.split())
    assert ("prices.csv: not an inventory: no column is one the readers know (headers found: "
            "'Item', 'Price')") in text
    assert "name the columns with --mapping" in text
