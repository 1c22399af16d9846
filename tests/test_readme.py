"""The README's 5-minute tour runs as written: every shell line of it, in an empty folder."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def tour_blocks(lang: str) -> list[str]:
    """The fenced `lang` blocks of the README's tour section, in order."""
    text = README.read_text(encoding="utf-8")
    start = text.index("## A 5-minute tour")
    end = text.find("\n## ", start + 1)
    section = text[start:] if end < 0 else text[start:end]
    return re.findall(rf"^```{lang}\n(.*?)^```", section, flags=re.S | re.M)


def tour_commands() -> list[str]:
    """Each shell line of the tour (comments and blank lines left out)."""
    lines = [line.strip() for block in tour_blocks("bash") for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_the_tour_has_the_commands_it_promises() -> None:
    commands = tour_commands()
    assert commands[0].startswith("estimator sample demo.xlsx")
    assert any(c.startswith("estimator batch exports/") for c in commands)
    # Nothing the reader has to have already: every input is made by an earlier line.
    assert all(c.startswith("estimator ") for c in commands), commands


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """Run the tour in an empty folder with this checkout's `estimator` first on PATH."""
    folder = tmp_path_factory.mktemp("tour")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}"
                                 f"{os.environ.get('PATH', '')}", "COLUMNS": "100"}
    outputs = []
    for command in tour_commands():
        done = subprocess.run(["bash", "-c", f"set -euo pipefail; {command}"], cwd=folder,
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr, command
        outputs.append(done.stdout + done.stderr)
    return folder, outputs


def test_the_tour_runs_as_written(tour: tuple[Path, list[str]]) -> None:
    folder, _ = tour
    for path in ("reports/demo.html", "reports/demo.xlsx", "reports/demo-roomy.html",
                 "mine.toml", "reports/batch/summary.csv", "reports/shareable/inventory-1.html",
                 "anonymise-mapping.csv"):
        assert (folder / path).is_file(), path
    # The anonymised report folder holds no mapping; --json - wrote the document alone.
    assert sorted(p.name for p in (folder / "reports" / "shareable").iterdir()) == [
        "inventory-1.html"]
    doc = json.loads((folder / "demo.json").read_text(encoding="utf-8"))
    assert doc["name"] == "demo" and doc["inventory"]["vms_total"] == 1000
    summary = (folder / "reports" / "batch" / "summary.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in summary[1:]] == ["vcenter-east.xlsx", "vcenter-west"]


def test_the_tour_prints_what_the_text_says(tour: tuple[Path, list[str]]) -> None:
    _, outputs = tour
    # Each command without its trailing comment -> what it printed.
    printed = {c.split("#")[0].strip(): out for c, out in zip(tour_commands(), outputs,
                                                              strict=True)}
    estimate = printed["estimator estimate demo.xlsx"]
    assert "Savings P10–P90" in estimate and "Node pools" in estimate
    assert "Wrote reports/demo.html" in estimate
    assert "Rzadca et al., EuroSys 2020" in printed[
        "estimator assumptions show --preset conservative"]  # the sources the text promises
    assert "keep it private" in printed[
        "estimator estimate demo.xlsx --anonymise --out-dir reports/shareable --no-xlsx"]


def test_the_notebook_lines_run(monkeypatch: pytest.MonkeyPatch) -> None:
    [code] = tour_blocks("python")
    monkeypatch.chdir(ROOT)  # the snippet reads the bundled sample by its relative path
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    est = namespace["est"]
    assert est.summary["nodes"] > 0  # type: ignore[attr-defined]
    assert est.summary["annual_savings_p10"] is not None  # type: ignore[attr-defined]
