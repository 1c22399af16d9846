"""Tests for `estimator batch`: per-inventory reports, the summary files and failures."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from estimator.batch import SUMMARY_COLUMNS, text_cell
from estimator.cli import app
from estimator.formatting import csv_safe
from estimator.sample import write_sample

runner = CliRunner()
FAST = ["--no-html", "--no-xlsx", "--no-uncertainty"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three small inventories (different sizes and seeds) and two things that are not."""
    root = tmp_path_factory.mktemp("exports")
    for i, vms in enumerate((40, 55, 70)):
        write_sample(root / f"site{i}.xlsx", vms=vms, seed=10 + i)
    (root / "notes.md").write_text("not an inventory")
    (root / "old").mkdir()
    return root


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_folder_of_three_writes_three_reports_and_a_correct_summary(
    folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "batch"
    result = runner.invoke(app, ["batch", str(folder), "--out-dir", str(out), "--json"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([f"site{i}.{ext}" for i in range(3) for ext in ("html", "xlsx", "json")]
                           + ["summary.csv", "summary.xlsx"])
    assert "skipped notes.md: not a spreadsheet or CSV file" in result.stderr
    assert "skipped folder old" in result.stderr

    rows = _rows(out / "summary.csv")
    assert [r["file"] for r in rows] == ["site0.xlsx", "site1.xlsx", "site2.xlsx"]
    wb = load_workbook(out / "summary.xlsx")
    sheet = list(wb["Summary"].iter_rows(values_only=True))
    assert list(sheet[0]) == [head for _, head, _ in SUMMARY_COLUMNS]
    for i, row in enumerate(rows):
        doc = json.loads((out / f"site{i}.json").read_text())
        unc = doc["uncertainty"]
        expected = {
            "vms": doc["inventory"]["vms_total"], "vms_in_scope": doc["inventory"]["vms_in_scope"],
            "vms_moving": doc["fit"]["vms_moving"], "nodes": doc["target"]["nodes"],
            "nodes_lower_bound": doc["target"]["nodes_lower_bound"],
            "annual_before": doc["costs"]["annual_before"],
            "annual_after": doc["costs"]["annual_after"],
            "annual_savings": doc["costs"]["annual_savings"], "npv": doc["costs"]["npv"],
            "savings_p10": unc["annual_savings"]["p10"],
            "savings_p90": unc["annual_savings"]["p90"],
        }
        for key, value in expected.items():
            assert float(row[key]) == pytest.approx(value, rel=1e-12), (i, key)
        assert (row["status"], row["error"], row["currency"]) == ("ok", "", "USD")
        payback = doc["costs"]["payback_months"]
        assert row["payback_months"] == ("" if payback is None else repr(payback))
        xrow = dict(zip([c for c, _, _ in SUMMARY_COLUMNS], sheet[i + 1], strict=True))
        assert xrow["nodes"] == doc["target"]["nodes"]
        assert xrow["annual_savings"] == pytest.approx(doc["costs"]["annual_savings"])
    assert "Batch summary" in result.stdout and "site2.xlsx" in result.stdout


def test_a_failing_inventory_does_not_stop_the_batch(folder: Path, tmp_path: Path) -> None:
    bad = tmp_path / "in" / "=bad.csv"
    bad.parent.mkdir()
    bad.write_text("a,b\n1,2\n")
    good = folder / "site0.xlsx"
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(good), str(bad), "-o", str(out), "--json", *FAST])
    assert result.exit_code == 1
    rows = _rows(out / "summary.csv")
    assert [(r["file"], r["status"]) for r in rows] == [("site0.xlsx", "ok"),
                                                        ("'=bad.csv", "error")]
    assert "not an inventory: no column is one the readers know" in rows[1]["error"]
    assert rows[1]["nodes"] == ""
    assert (out / "site0.json").exists() and not (out / "=bad.json").exists()
    assert "1 of 2 inventories failed." in result.stderr
    # The workbook keeps the name as text (a string cell), not a formula.
    wb = load_workbook(out / "summary.xlsx")
    cell = wb["Summary"]["A3"]
    assert (cell.value, cell.data_type) == ("=bad.csv", "s")


def test_quoted_glob_and_same_names_in_two_folders(tmp_path: Path) -> None:
    for sub in ("eu", "us"):
        write_sample(tmp_path / sub / "rvtools.xlsx", vms=30, seed=len(sub) + ord(sub[0]))
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(tmp_path / "*" / "rvtools.xlsx"), "-o", str(out),
                                 "--json", *FAST])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.json")) == ["rvtools-2.json", "rvtools.json"]
    assert len(_rows(out / "summary.csv")) == 2


def test_anonymised_batch_names_files_apart_and_keeps_mappings_separate(
    folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "anon"
    names = tmp_path / "names.csv"
    result = runner.invoke(app, ["batch", str(folder), "-o", str(out), "--anonymise", "--json",
                                 "--mapping-out", str(names), *FAST])
    assert result.exit_code == 0, result.output
    rows = _rows(out / "summary.csv")
    assert [r["file"] for r in rows] == ["inventory-1.xlsx", "inventory-2.xlsx",
                                         "inventory-3.xlsx"]
    assert not list(out.glob("*mapping*"))  # the mapping never goes with the reports
    for path in [out / "summary.csv", out / "summary.xlsx", *out.glob("inventory-?.json")]:
        data = path.read_bytes() if path.suffix != ".xlsx" else b"".join(
            zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist())
        assert b"site" not in data, path
    assert "site" not in result.stdout + result.stderr
    # One mapping for the batch; each row says which (pseudonymous) inventory it belongs to.
    mapping = _rows(names)
    assert {"inventory": "inventory-2.xlsx", "kind": "file", "original": "site1.xlsx",
            "pseudonym": "inventory-2.xlsx"} in mapping
    assert {r["inventory"] for r in mapping} == {f"inventory-{i}.xlsx" for i in (1, 2, 3)}
    firsts = [r for r in mapping if r["pseudonym"] == "vm-0001"]
    assert len(firsts) == 3  # vm-0001 in each inventory, told apart by the inventory column
    assert f"Wrote the pseudonym mapping to {names}" in " ".join(result.stderr.split())


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["nowhere"], 1, "nowhere: no such file or folder"),
        (["{folder}/*.nothing"], 1, "the pattern matches no file"),
        (["{folder}/old"], 1, "the folder holds no inventory files"),
        (["{folder}", "--preset", "cheap"], 1, "unknown preset 'cheap'"),
        (["{folder}", "--set", "x"], 1, "expected KEY=VALUE"),
    ],
)
def test_bad_arguments(folder: Path, tmp_path: Path, args: list[str], code: int,
                       message: str) -> None:
    argv = ["batch", *[a.format(folder=folder) for a in args], "-o", str(tmp_path / "o"), *FAST]
    result = runner.invoke(app, argv)
    assert result.exit_code == code
    assert message in result.stderr
    assert not (tmp_path / "o" / "summary.csv").exists()


def test_out_dir_is_required_and_must_be_a_folder(folder: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["batch", str(folder)])
    assert result.exit_code == 2
    assert "--out-dir" in result.stderr
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(app, ["batch", str(folder), "-o", str(blocker), *FAST])
    assert result.exit_code == 1
    assert "is a file, not a folder" in result.stderr


def test_summary_never_replaces_an_input_named_like_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    inventory = out / "summary.csv"
    inventory.write_text("VM,Powerstate,CPUs,Memory\nweb01,poweredOn,2,4096\n")
    result = runner.invoke(app, ["batch", str(inventory), "-o", str(out), *FAST])
    assert result.exit_code == 1
    assert "output path is the same as an input file" in result.stderr
    assert inventory.read_text().startswith("VM,Powerstate")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+2", "'=1+2"), ("+cmd", "'+cmd"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"),
     ("\tx", "'\tx"), ("\rx", "'\rx"), ("web01", "web01"), ("", ""), (-1.5, -1.5), (None, None)],
)
def test_csv_safe(value: object, expected: object) -> None:
    assert csv_safe(value) == expected


def test_text_cell_is_never_a_formula(tmp_path: Path) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("s")
    ws.append([text_cell(ws, "=HYPERLINK(\"http://x\")"), text_cell(ws, "@x")])
    wb.save(tmp_path / "t.xlsx")
    row = next(load_workbook(tmp_path / "t.xlsx")["s"].iter_rows())
    assert [(c.value, c.data_type) for c in row] == [("=HYPERLINK(\"http://x\")", "s"),
                                                    ("@x", "s")]


def test_summary_table_keeps_every_column_on_an_80_column_terminal(tmp_path: Path) -> None:
    """A long file name folds onto a second line; it does not push payback off the screen."""
    root = tmp_path / "in"
    root.mkdir()
    write_sample(root / "SizingWorkshop-RVTools-export-2026.xlsx", vms=40, seed=3)
    result = runner.invoke(app, ["batch", str(root), "--out-dir", str(tmp_path / "out"), *FAST],
                           env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    header = next(line for line in lines if line.lstrip().startswith("file"))
    for column in ("format", "VMs", "in scope", "nodes", "yearly savings", "payback"):
        assert column in header
