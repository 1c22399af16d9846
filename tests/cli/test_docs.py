"""docs/cli.md is generated from the help text, is current, and documents every command."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from estimator.cli import app
from estimator.cli._docs import cli_markdown, commands, example, is_group, summary

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
runner = CliRunner()


def test_docs_cli_md_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == cli_markdown(), (
        "docs/cli.md is out of date: run `python scripts/gen_docs.py`")


def test_every_command_has_a_heading_and_an_index_entry() -> None:
    text = DOC.read_text(encoding="utf-8")
    names = [name for name, _, _ in commands()]
    assert {"estimator estimate", "estimator batch", "estimator validate", "estimator sample",
            "estimator assumptions show", "estimator assumptions init"} <= set(names)
    for name in names:
        assert f"\n## {name}\n" in text, name
        if name != "estimator":
            assert f"[`{name}`](#{name.replace(' ', '-')})" in text, name


LEAVES = [(name, cmd) for name, cmd, _ in commands() if not is_group(cmd)]


@pytest.mark.parametrize(("name", "cmd"), LEAVES, ids=[n for n, _ in LEAVES])
def test_every_command_has_a_summary_and_a_runnable_looking_example(name: str, cmd: object) -> None:
    line = summary(cmd)
    assert line.endswith(".") and 20 <= len(line) <= 100, line
    ex = example(cmd)
    assert ex is not None, f"{name} has no 'Example:' line"
    assert ex.startswith(name + " "), ex
    # The example parses: the command accepts its options (usage errors exit 2).
    result = runner.invoke(app, [*ex.split()[1:], "--help"])
    assert result.exit_code == 0, result.output


def test_options_are_listed_with_their_metavars() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "| `-o, --out-dir FOLDER` | Folder for the default report paths. [default: reports] |" \
        in text
    assert "| `-f, --format table\\|json\\|toml` |" in text
    assert "estimator estimate [OPTIONS] INVENTORY..." in text
