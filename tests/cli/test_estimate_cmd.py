"""Tests for `estimator estimate`: outputs, JSON, summary, progress and every error path."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from estimator import formatting as fmt
from estimator.cli import app
from estimator.cli.estimate_cmd import Progress
from estimator.pipeline import estimate
from estimator.report.outputs import slug
from estimator.sample import write_sample

runner = CliRunner()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 60-VM synthetic RVTools workbook named like a customer export."""
    return write_sample(tmp_path_factory.mktemp("inv") / "Acme Corp RVTools.xlsx", vms=60,
                        seed=3)


@pytest.fixture(scope="module")
def full_run(small: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """One run with every default output and the Monte Carlo."""
    out = tmp_path_factory.mktemp("reports")
    result = runner.invoke(app, ["estimate", str(small), "--out-dir", str(out),
                                 "--json", str(out / "est.json")])
    return out, result


def test_default_run_writes_html_and_xlsx_named_after_the_estate(full_run: tuple) -> None:
    out, result = full_run
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "acme-corp-rvtools.html", "acme-corp-rvtools.xlsx", "est.json"]
    html = (out / "acme-corp-rvtools.html").read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    with zipfile.ZipFile(out / "acme-corp-rvtools.xlsx") as z:
        assert "xl/workbook.xml" in z.namelist()
        assert "Summary" in z.read("xl/workbook.xml").decode()
    # No temporary files are left beside the reports.
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_summary_shows_headline_pools_categories_and_range(full_run: tuple) -> None:
    out, result = full_run
    doc = json.loads((out / "est.json").read_text())
    text = result.stdout
    assert "Estimate: Acme Corp RVTools" in text
    assert "Node pools" in text and "Yearly costs by category (USD)" in text
    costs = doc["costs"]
    assert fmt.money(costs["annual_savings"], "USD") in text
    unc = doc["uncertainty"]
    assert unc is not None and unc["annual_savings"]["p10"] <= unc["annual_savings"]["p90"]
    p10, p90 = unc["annual_savings"]["p10"], unc["annual_savings"]["p90"]
    assert fmt.money_range(p10, p90, "USD") in text
    for pool in doc["target"]["pools"]:
        assert pool["pool"] in text
    for cat in costs["categories"]:
        assert cat["category"] in text
    assert f"Wrote {out / 'acme-corp-rvtools.html'}" in result.stderr


def test_json_to_stdout_is_the_only_stdout_and_matches_the_library(
        small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # nothing may land in the working directory either
    result = runner.invoke(app, ["estimate", str(small), "--json", "-", "--no-uncertainty",
                                 "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)  # stdout is the document and nothing else
    est = estimate(small, uncertainty=False)
    assert doc["target"]["nodes"] == est.summary["nodes"]
    assert doc["costs"]["annual_savings"] == pytest.approx(est.summary["annual_savings"])
    assert doc["uncertainty"] is None
    assert "Node pools" in result.stderr  # the human view moved to stderr
    assert "Wrote" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # no HTML or Excel report unless asked for


def test_json_to_stdout_writes_a_report_only_where_a_path_asks(small: Path,
                                                                 tmp_path: Path) -> None:
    html = tmp_path / "only.html"
    result = runner.invoke(app, ["-q", "estimate", str(small), "--json", "-", "--html", str(html),
                                 "--no-uncertainty", "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["name"] == "Acme Corp RVTools"
    assert result.stderr == ""  # --quiet: not even the summary on stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["only.html"]


def test_explicit_paths_preset_set_and_scenario(small: Path, tmp_path: Path) -> None:
    html, xlsx = tmp_path / "a" / "x.html", tmp_path / "b" / "y.xlsx"
    result = runner.invoke(app, [
        "estimate", str(small), "--html", str(html), "--xlsx", str(xlsx), "--no-uncertainty",
        "-p", "conservative", "--set", "finance.currency=EUR", "--scenario", "aggressive",
        "--json", str(tmp_path / "e.json"), "-o", str(tmp_path / "unused")])
    assert result.exit_code == 0, result.output
    assert html.exists() and xlsx.exists()
    doc = json.loads((tmp_path / "e.json").read_text())
    assert doc["currency"] == "EUR"
    assert [s["name"] for s in doc["scenarios"]] == ["as configured", "aggressive"]
    assert "Scenarios (EUR per year)" in result.stdout
    assert "as configured" in result.stdout and "aggressive" in result.stdout
    assert "Yearly costs by category (EUR)" in result.stdout


def test_no_html_no_xlsx_and_quiet(small: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["-q", "estimate", str(small), "--no-html", "--xlsx",
                                 str(tmp_path / "only.xlsx"), "--no-uncertainty"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["only.xlsx"]
    assert result.stderr == ""  # --quiet: no progress, no "Wrote" lines
    assert "Estimate:" in result.stdout  # the summary is the command's output


def test_two_inventories_merge_into_one_estate(small: Path, tmp_path: Path) -> None:
    other = write_sample(tmp_path / "second.xlsx", vms=30, seed=9)
    result = runner.invoke(app, ["estimate", str(small), str(other), "--json", "-",
                                 "--no-html", "--no-xlsx", "--no-uncertainty"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["inputs"] == ["Acme Corp RVTools.xlsx", "second.xlsx"]
    assert doc["inventory"]["vms_total"] == 90
    assert doc["name"] == "Acme Corp RVTools (+1)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.xlsx"], "missing.xlsx: no such file or folder"),
        (["{inv}", "--set", "sizing.comfort_factor"], "expected KEY=VALUE"),
        (["{inv}", "--set", "sizing.comfort_factor=0.5"], "sizing.comfort_factor"),
        (["{inv}", "--set", "nosuch.key=1"], "key 'nosuch': unknown key"),
        (["{inv}", "--preset", "cheap"], "unknown preset 'cheap'"),
        (["{inv}", "--format", "nonsense"], "unknown format 'nonsense'"),
        (["{inv}", "--html", "{inv}"], "same as an input"),
        (["{inv}", "--json", "{inv}"], "same as an input"),
        (["{inv}", "--scenario", "nosuch"], "unknown scenario 'nosuch'"),
        (["{inv}", "-a", "nosuch.toml"], "nosuch.toml: assumptions file not found"),
    ],
)
def test_bad_input_or_option_is_one_red_line_and_exit_one(
    small: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    argv = ["estimate", "--no-uncertainty", "-o", str(tmp_path / "r"),
            *[a.format(inv=small) for a in args]]
    result = runner.invoke(app, argv)
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.output
    assert not list(tmp_path.glob("r/*.html"))


def test_nothing_in_scope_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "off.csv"
    path.write_text("VM,Powerstate,CPUs,Memory\na,poweredOff,2,4096\nb,poweredOff,1,2048\n")
    result = runner.invoke(app, ["estimate", str(path), "-o", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert "no VM is in scope (powered off 2), so there is nothing to estimate" in result.stderr
    assert not list((tmp_path / "r").glob("*.*"))
    result = runner.invoke(app, ["estimate", str(path), "-o", str(tmp_path / "r"), "--json", "-",
                                 "--set", "scope.include_powered_off=true", "--no-uncertainty"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["inventory"]["vms_in_scope"] == 2


def test_unwritable_out_dir_fails_before_the_run(small: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = runner.invoke(app, ["estimate", str(small), "-o", str(blocker / "sub")])
    assert result.exit_code == 1
    assert "cannot create folder" in result.stderr
    result = runner.invoke(app, ["estimate", str(small), "-o", str(blocker)])
    assert result.exit_code == 1
    assert "a-file: is a file, not a folder" in result.stderr
    assert "Estimate:" not in result.stdout


def test_existing_report_is_replaced_whole(small: Path, tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    target.write_text("old report")
    result = runner.invoke(app, ["estimate", str(small), "--html", str(target), "--no-xlsx",
                                 "--no-uncertainty"])
    assert result.exit_code == 0, result.output
    assert "old report" not in target.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_help_has_summary_and_example() -> None:
    result = runner.invoke(app, ["estimate", "--help"])
    assert result.exit_code == 0
    assert "Estimate container nodes and yearly savings for one estate" in result.stdout
    assert "Example: estimator estimate data/sample-rvtools.xlsx" in result.stdout


def test_progress_shows_on_a_terminal_only() -> None:
    buf = io.StringIO()
    progress = Progress(Console(file=buf, force_terminal=True, width=80))
    progress.enabled = True  # `is_quiet` is False outside a command
    with progress.run("Reading") as say:
        say("Monte Carlo")
    assert "Monte Carlo" in buf.getvalue() or "Reading" in buf.getvalue()
    silent = io.StringIO()
    quiet = Progress(Console(file=silent, force_terminal=False))
    assert not quiet.enabled
    with quiet.run("Reading") as say:
        say("Costs")
    assert silent.getvalue() == ""


@pytest.mark.parametrize(
    ("name", "expected"),
    [("sample-rvtools", "sample-rvtools"), ("Acme Corp RVTools (+1)", "acme-corp-rvtools-1"),
     ("../../etc/passwd", "etc-passwd"), ("***", "estate")],
)
def test_slug(name: str, expected: str) -> None:
    assert slug(name) == expected


def test_timeseries_folder_sizes_the_matching_vm(small: Path, tmp_path: Path) -> None:
    from estimator.inventory import read_inventory

    name = str(read_inventory(small).vms["name"].iloc[0])
    series = tmp_path / "series"
    series.mkdir()
    head = ("Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\t"
            "CPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB]")
    rows = [f"{1376314846 + 300 * i};\t2;\t5200;\t{1300 + 10 * i};\t25;\t8388608;\t2097152"
            for i in range(24)]
    (series / f"{name}.csv").write_text("\n".join([head, *rows]) + "\n")
    result = runner.invoke(app, ["estimate", str(small), "--timeseries", str(series), "--json",
                                 "-", "--no-html", "--no-xlsx", "--no-uncertainty"])
    assert result.exit_code == 0, result.output
    notes = json.loads(result.stdout)["notes"]
    assert any("usage of 1 VM taken from time-series percentiles" in n for n in notes)
    result = runner.invoke(app, ["estimate", str(small), "--timeseries", str(tmp_path / "none"),
                                 "--no-html", "--no-xlsx", "--no-uncertainty"])
    assert result.exit_code == 1 and "Error:" in result.stderr


def test_limit_guards_big_files(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    rows = "".join(f"vm{i:06d},poweredOn,2,4096,{'x' * 40}\n" for i in range(25_000))
    path.write_text("VM,Powerstate,CPUs,Memory,Annotation\n" + rows)
    assert path.stat().st_size > 2**20
    result = runner.invoke(app, ["estimate", str(path), "--limit", f"max_file_bytes={2**20}",
                                 "--no-html", "--no-xlsx", "--no-uncertainty"])
    assert result.exit_code == 1
    assert "above the 1 MiB limit" in result.stderr


def test_limit_guards_long_sheets_in_estimate_and_batch(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("VM,Powerstate,CPUs,Memory\n" + "".join(
        f"vm{i},poweredOn,2,4096\n" for i in range(30)))
    result = runner.invoke(app, ["estimate", str(path), "--limit", "max_rows=10", "--no-html",
                                 "--no-xlsx", "--no-uncertainty"])
    assert result.exit_code == 1
    assert "above the 10 row limit" in result.stderr
    result = runner.invoke(app, ["batch", str(path), "-o", str(tmp_path / "b"), "--limit",
                                 "max_rows=10", "--no-html", "--no-xlsx", "--no-uncertainty"])
    assert result.exit_code == 1
    assert "above the 10 row limit" in (tmp_path / "b" / "summary.csv").read_text()
    result = runner.invoke(app, ["estimate", str(path), "--limit", "max_rows=1_000",
                                 "--no-html", "--no-xlsx", "--no-uncertainty"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("option", "words"), [
    ("max_rowz=10", "--limit: unknown limit 'max_rowz=10'; use NAME=VALUE with NAME one of "
     "max_file_bytes"),
    ("max_rows=lots", "--limit: max_rows must be a number, got 'lots'"),
    ("max_rows=0", "--limit: max_rows must be above 0, got '0'"),
    ("max_rows", "--limit: unknown limit 'max_rows'"),
])
def test_bad_limit_is_a_config_error(small: Path, option: str, words: str) -> None:
    result = runner.invoke(app, ["estimate", str(small), "--limit", option, "--no-html",
                                 "--no-xlsx"])
    assert result.exit_code == 1
    assert words in result.stderr


# -- folders as input ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two exports of different estates, and a README, in one folder."""
    folder = tmp_path_factory.mktemp("exports")
    write_sample(folder / "vc-east.xlsx", vms=40, seed=1)
    write_sample(folder / "vc-west.xlsx", vms=30, seed=2)
    (folder / "README.md").write_text("# What these exports are\n")
    return folder


def test_a_folder_of_several_inventories_is_not_merged_silently(exports: Path,
                                                                  tmp_path: Path) -> None:
    result = runner.invoke(app, ["estimate", str(exports), "--no-uncertainty", "-o",
                                 str(tmp_path)])
    assert result.exit_code == 1
    text = " ".join(result.stderr.split())
    assert ("the folder holds 2 inventories (vc-east.xlsx, vc-west.xlsx); they are not merged "
            "into one estate unless asked") in text
    assert f"estimator batch {exports} --out-dir reports/batch" in text
    assert "--merge" in text
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_merge_reads_the_folder_as_one_estate_and_lists_each_file(exports: Path) -> None:
    result = runner.invoke(app, ["estimate", str(exports), "--merge", "--json", "-",
                                 "--no-uncertainty"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["inputs"] == ["vc-east.xlsx", "vc-west.xlsx"]
    assert doc["inventory"]["vms_total"] == 70
    lines = [line.strip() for line in result.stderr.splitlines()]
    assert lines[:4] == ["Read 2 inventories:", "vc-east.xlsx: RVTools export, 40 VMs",
                         "vc-west.xlsx: RVTools export, 30 VMs",
                         "skipped (not a CSV or spreadsheet file): README.md"]


def test_an_rvtools_csv_folder_is_one_inventory(tmp_path: Path) -> None:
    write_sample(tmp_path / "export.csv", vms=30, seed=4)  # writes the folder export/
    result = runner.invoke(app, ["estimate", str(tmp_path / "export"), "--json", "-",
                                 "--no-uncertainty"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["inventory"]["vms_total"] == 30
    assert "export: RVTools CSV export, 30 VMs" in result.stderr


def test_one_inventory_in_a_folder_needs_no_merge(exports: Path, tmp_path: Path) -> None:
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "vc.xlsx").write_bytes((exports / "vc-east.xlsx").read_bytes())
    result = runner.invoke(app, ["estimate", str(folder), "--json", "-", "--no-uncertainty"])
    assert result.exit_code == 0, result.output
    assert "vc.xlsx: RVTools export, 40 VMs" in result.stderr


# -- the pseudonym mapping of --anonymise -------------------------------------------------------
def test_anonymise_writes_the_mapping_beside_not_into_the_reports(
        small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    argv = ["estimate", str(small), "--anonymise", "--no-uncertainty", "--no-xlsx"]
    first = runner.invoke(app, argv)
    assert first.exit_code == 0, first.output
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["inventory-1.html"]
    mapping = tmp_path / "anonymise-mapping.csv"
    assert mapping.read_text(encoding="utf-8").startswith("kind,original,pseudonym\n")
    assert mapping.stat().st_mode & 0o077 == 0  # private to its owner
    text = " ".join(first.stderr.split())
    assert ("Wrote the pseudonym mapping to anonymise-mapping.csv. It holds the original "
            "names: keep it private, and do not send it with the reports.") in text
    # A second run never overwrites it: it takes the next free name, and says so even -q.
    before = mapping.read_bytes()
    second = runner.invoke(app, ["-q", *argv])
    assert second.exit_code == 0, second.output
    assert mapping.read_bytes() == before
    assert (tmp_path / "anonymise-mapping-2.csv").exists()
    assert "Wrote the pseudonym mapping to anonymise-mapping-2.csv" in " ".join(
        second.stderr.split())


def test_anonymise_refuses_an_existing_mapping_out(small: Path, tmp_path: Path) -> None:
    taken = tmp_path / "names.csv"
    taken.write_text("keep me")
    result = runner.invoke(app, ["estimate", str(small), "--anonymise", "--mapping-out",
                                 str(taken), "--no-uncertainty", "-o", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert "names.csv: already exists, and a pseudonym mapping is never overwritten" in (
        " ".join(result.stderr.split()))
    assert taken.read_text() == "keep me"
    assert not (tmp_path / "r").exists()  # refused before the run


def test_a_bug_is_one_line_with_its_own_exit_code(
        small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected exception says it is a bug (exit 70), not a traceback; --debug shows it."""
    import estimator.cli.estimate_cmd as cmd

    def broken(*_a: object, **_k: object) -> None:
        raise TypeError("float() argument must be a real number, not 'NoneType'")

    monkeypatch.setattr(cmd, "estimate", broken)
    result = runner.invoke(app, ["estimate", str(small), "--out-dir", str(tmp_path)])
    assert result.exit_code == 70
    assert "Error: internal error (TypeError: float() argument" in result.output
    assert "this is a bug in estimator" in result.output
    assert "Traceback" not in result.output
    debug = runner.invoke(app, ["--debug", "estimate", str(small), "--out-dir", str(tmp_path)])
    assert isinstance(debug.exception, TypeError)
