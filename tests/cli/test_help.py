"""`--help` reads like a tool's: metavars, visible defaults, no Python types; -q anywhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from estimator.cli import app
from estimator.cli._docs import commands
from estimator.sample import write_sample

runner = CliRunner()
NAMES = [name for name, _, _ in commands()]


def _help(name: str) -> str:
    result = runner.invoke(app, [*name.split()[1:], "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("name", NAMES)
def test_help_shows_no_python_types_or_braces(name: str) -> None:
    text = _help(name)
    for leak in ("<bool>", "<str>", "<int", "<path>", "<list[", "list[", "{", "}",
                 "<json>", "x<="):
        assert leak not in text, f"{name} --help shows {leak!r}"
    assert re.search(r"Usage: estimator", text)


def test_usage_lines_name_the_arguments() -> None:
    assert "Usage: estimator estimate [OPTIONS] INVENTORY..." in _help("estimator estimate")
    assert "Usage: estimator batch [OPTIONS] INPUT..." in _help("estimator batch")
    assert "Usage: estimator validate [OPTIONS] INVENTORY..." in _help("estimator validate")
    assert "Usage: estimator assumptions init [OPTIONS] FILE" in _help(
        "estimator assumptions init")
    assert "Usage: estimator sample [OPTIONS] OUT" in _help("estimator sample")


def test_options_show_metavars_and_defaults() -> None:
    text = " ".join(_help("estimator estimate").split())
    for piece in ("--set KEY=VALUE", "-a FILE", "--html FILE", "--json FILE|-",
                  "--limit NAME=VALUE", "--out-dir -o FOLDER", "--platform NAME",
                  "--scenario PRESET|FILE", "--mapping-out FILE"):
        assert piece in text, piece
    # The defaults are visible, not eaten as markup.
    assert "HTML report path (default: OUT_DIR/NAME.html)." in text
    assert "[default: reports]" in text
    assert "[default: openshift-bare-metal]" in text
    sample = " ".join(_help("estimator sample").split())
    assert "--vms N" in sample and "[default: 1000]" in sample and "1 to 5,000,000" in sample
    show = " ".join(_help("estimator assumptions show").split())
    assert "-f table|json|toml" in show and "[default: table]" in show


def test_flags_show_no_value() -> None:
    text = " ".join(_help("estimator estimate").split())
    assert "--no-html Do not write the HTML report." in text
    assert "--help Show this message and exit." in text
    assert "--quiet -q Print results and errors only" in text


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample(tmp_path_factory.mktemp("inv") / "small.xlsx", vms=40, seed=5)


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_before_or_after_the_command_silences_notes(small: Path, tmp_path: Path,
                                                          where: str) -> None:
    args = ["estimate", str(small), "--no-uncertainty", "-o", str(tmp_path)]
    argv = ["-q", *args] if where == "before" else [*args, "-q"]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert "Estimate: small" in result.stdout  # the summary is the result
    assert "Note:" not in result.stdout + result.stderr
    assert "Replace these with your contract prices" not in result.stdout
    assert result.stderr == ""  # no "Wrote ..." lines either
    assert (tmp_path / "small.html").exists()


def test_without_quiet_the_notes_show(small: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["estimate", str(small), "--no-uncertainty", "-o",
                                 str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Note:" in result.stdout
    assert f"Wrote {tmp_path / 'small.html'}" in result.stderr


@pytest.mark.parametrize("argv", [["validate", "{small}", "-q"], ["sample", "{out}", "-q"],
                                  ["assumptions", "show", "-q", "--format", "json"]])
def test_every_command_takes_quiet(small: Path, tmp_path: Path, argv: list[str]) -> None:
    argv = [a.format(small=small, out=tmp_path / "s.xlsx") for a in argv]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
