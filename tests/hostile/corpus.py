"""Shared helpers of the hostile-input tests: the corpus folder and its expectations."""

from __future__ import annotations

import importlib.util
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad"
ESTIMATOR_BIN = ROOT / ".venv" / "bin" / "estimator"

# Defects found by these tests and not fixed yet (case id -> why). Each is run as a strict xfail,
# so a fix makes the test fail until the entry is removed.
KNOWN_DEFECTS: dict[str, str] = {}

# Known defects that would abort or stall the test process itself: only run in a subprocess.
UNSAFE_IN_PROCESS = {"far_cell_no_dimension.xlsx", "huge_area.xlsx", "many_delimiters.csv",
                     "shared_strings_bomb.xlsx"} & set(KNOWN_DEFECTS)


@dataclass(frozen=True)
class Case:
    """One `estimator validate` run of expected.toml."""

    inputs: tuple[str, ...]
    exit: int
    args: tuple[str, ...] = ()
    message: str | None = None
    also: tuple[str, ...] = ()
    vms: int | None = None
    rows_read: int | None = None
    rejected: tuple[tuple[int, str, str], ...] = ()
    names: tuple[str, ...] = ()
    problems: tuple[tuple[str, str, str], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        arg = f"[{' '.join(a for a in self.args if a.endswith('.toml'))}]" if self.args else ""
        return "+".join(self.inputs) + arg

    def argv(self, folder: Path = BAD) -> list[str]:
        """validate's arguments, corpus file names made absolute."""
        files = [str(folder / f) for f in self.inputs]
        args = [str(folder / a) if (folder / a).is_file() else a for a in self.args]
        return ["validate", *files, *args]

    def files(self, folder: Path = BAD) -> list[Path]:
        return [folder / f for f in self.inputs] + [
            folder / a for a in self.args if (folder / a).is_file()]


def load_cases() -> list[Case]:
    doc = tomllib.loads((BAD / "expected.toml").read_text(encoding="utf-8"))
    cases = []
    for c in doc["case"]:
        cases.append(Case(
            inputs=tuple(c["inputs"]), exit=c["exit"], args=tuple(c.get("args", ())),
            message=c.get("message"), also=tuple(c.get("also", ())), vms=c.get("vms"),
            rows_read=c.get("rows_read"),
            rejected=tuple(tuple(r) for r in c.get("rejected", ())),
            names=tuple(c.get("names", ())),
            problems=tuple(tuple(p) for p in c.get("problems", ())),
        ))
    return cases


def make_corpus() -> ModuleType:
    """tests/data/bad/make_corpus.py as a module (it is a script, not on the import path)."""
    spec = importlib.util.spec_from_file_location("make_corpus", BAD / "make_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
