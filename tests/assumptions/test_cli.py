"""`estimator assumptions show|init` through the typer app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from estimator.assumptions import default_assumptions, load_assumptions
from estimator.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["assumptions", *args], env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_show_table_lists_sections_and_marks_changes() -> None:
    code, out, _ = run("show", "--set", "sizing.comfort_factor=1.5")
    assert code == 0
    assert "comfort_factor *" in out
    assert "cpu_percentile " in out and "cpu_percentile *" not in out
    assert "node_types.general-16.hardware_per_node_year" in out
    assert "1500 – 2440" in out
    assert "1 key changed from the defaults" in out


def test_show_json_is_a_flat_list_with_ranges() -> None:
    code, out, _ = run("show", "--format", "json", "--preset", "conservative")
    assert code == 0
    records = json.loads(out)
    by_key = {r["key"]: r for r in records}
    assert by_key["sizing.comfort_factor"] == {
        "key": "sizing.comfort_factor",
        "value": 1.5,
        "low": 1.3,
        "high": 2.0,
        "unit": "x",
        "description": "Headroom multiplied onto measured demand before it becomes a request.",
        "source": by_key["sizing.comfort_factor"]["source"],
        "changed": True,
    }
    assert "Azure Migrate" in by_key["sizing.comfort_factor"]["source"]
    single = by_key["sizing.min_cpu_request_cores"]
    assert "low" not in single and single["value"] == 0.1
    assert by_key["sizing.basis"]["value"] == "utilisation"
    assert by_key["fit.database_patterns"]["value"][0] == "*sql*"
    assert by_key["platform.node_types.general-16.hardware_per_node_year"]["unit"] == (
        "USD per node per year"
    )
    assert len(records) == len(default_assumptions().entries())


def test_every_json_key_works_with_set() -> None:
    _, out, _ = run("show", "--format", "json")
    numeric = [r for r in json.loads(out) if isinstance(r["value"], float)]
    sets = [f"--set={r['key']}={r.get('high', r['value'])}" for r in numeric]
    code, out, err = run("show", "--format", "json", *sets)
    assert code == 0, err
    changed = {r["key"] for r in json.loads(out) if r["changed"]}
    assert changed == {r["key"] for r in numeric if "high" in r}


def test_show_toml_round_trips(tmp_path: Path) -> None:
    code, out, _ = run("show", "--format", "toml", "--preset", "aggressive")
    assert code == 0
    path = tmp_path / "a.toml"
    path.write_text(out, encoding="utf-8")
    assert load_assumptions(files=[path]) == load_assumptions("aggressive")


def test_show_with_file_and_currency(tmp_path: Path) -> None:
    path = tmp_path / "eur.toml"
    path.write_text('[finance]\ncurrency = "EUR"\n', encoding="utf-8")
    code, out, _ = run("show", "-a", str(path), "--format", "json")
    assert code == 0
    by_key = {r["key"]: r for r in json.loads(out)}
    assert by_key["operations.labour_per_hour"]["unit"] == "EUR/h"


def test_init_writes_a_loadable_commented_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    code, out, _ = run("init", str(path), "--preset", "conservative")
    assert code == 0
    assert f"Wrote {path}" in out
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Assumptions for `estimator`.")
    assert load_assumptions(files=[path]) == load_assumptions("conservative")


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text("keep me", encoding="utf-8")
    code, _, err = run("init", str(path))
    assert code == 1
    assert err.strip() == f"Error: {path}: already exists (use --force to overwrite)"
    assert path.read_text(encoding="utf-8") == "keep me"
    code, _, _ = run("init", str(path), "--force")
    assert code == 0
    assert load_assumptions(files=[path]) == default_assumptions()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--preset", "optimistic"),
            "Error: key 'preset': unknown preset 'optimistic' "
            "(choose from conservative, typical, aggressive)",
        ),
        (
            ("--set", "sizing.cpu_percentile=101"),
            "Error: --set, key 'sizing.cpu_percentile': must be <= 100, got 101",
        ),
        (
            ("--set", "platform.node_types.general-16.hardware_per_node_year=-1"),
            "Error: --set, key 'platform.node_types.general-16.hardware_per_node_year': "
            "must be >= 0, got -1",
        ),
    ],
)
def test_show_errors_are_one_line(args: tuple[str, ...], message: str) -> None:
    code, out, err = run("show", *args)
    assert code == 1
    assert out == ""
    assert err.strip() == message


def test_bad_file_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[sizing]\ncomfort_factor = = 2\n", encoding="utf-8")
    code, _, err = run("show", "-a", str(path))
    assert code == 1
    assert err.strip() == f"Error: {path}: invalid TOML: Invalid value (at line 2, column 18)"


def test_help_texts_have_an_example() -> None:
    for command in ("show", "init"):
        code, out, _ = run(command, "--help")
        assert code == 0
        assert "Example: estimator assumptions " + command in out


def test_show_prints_each_source_in_a_narrow_terminal_too() -> None:
    result = runner.invoke(app, ["assumptions", "show"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    i = next(n for n, line in enumerate(lines) if line.startswith(" memory_percentile "))
    assert lines[i].split()[1:] == ["98", "percent", "(range", "95", "–", "100)"]
    assert lines[i + 1] == ("   Rzadca et al., EuroSys 2020: Autopilot sizes memory at p98 or "
                            "the maximum")
    assert max(len(line.rstrip()) for line in lines) <= 100  # long sources wrap, indented
    assert "   Microsoft container base images exist for Windows Server 2016 and later" in lines


def test_show_has_description_and_source_columns_when_wide() -> None:
    code, out, _ = run("show")
    assert code == 0
    header = next(line for line in out.splitlines() if line.lstrip().startswith("key "))
    assert header.split() == ["key", "value", "range", "unit", "description", "source"]
    assert "Rzadca et al., EuroSys 2020" in out
