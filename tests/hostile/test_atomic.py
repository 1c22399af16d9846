"""Atomic output: a crash or Ctrl-C in the middle of writing a report leaves the previous report
byte for byte intact and no temporary file behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus import BAD
from typer.testing import CliRunner

from estimator.cli import app
from estimator.model import Estimate
from estimator.pipeline import estimate
from estimator.report import atomic, excel


class Boom(RuntimeError):
    pass


@pytest.fixture(scope="module")
def est() -> Estimate:
    return estimate(BAD / "bad_values.csv", uncertainty=False)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp")
                  or p.name.startswith("."))


@pytest.mark.parametrize("exc", [Boom("disk full"), KeyboardInterrupt()],
                         ids=["crash", "ctrl-c"])
def test_excel_interrupted_mid_write_keeps_previous_report(
        est: Estimate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        exc: BaseException) -> None:
    path = est.to_excel(tmp_path / "report.xlsx")
    before = path.read_bytes()
    real = excel._splice_rows

    def half_then_fail(buf, target, *args, **kwargs):
        real(buf, target, *args, **kwargs)  # the whole new workbook is on disk (as the temp)
        Path(target).write_bytes(Path(target).read_bytes()[:1000])  # ...then half of it
        raise exc

    monkeypatch.setattr(excel, "_splice_rows", half_then_fail)
    with pytest.raises(type(exc)):
        est.to_excel(path)
    assert path.read_bytes() == before
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("exc", [Boom("disk full"), KeyboardInterrupt()],
                         ids=["crash", "ctrl-c"])
@pytest.mark.parametrize("kind", ["html", "json"])
def test_text_reports_interrupted_mid_write_keep_previous(
        est: Estimate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException,
        kind: str) -> None:
    path = tmp_path / f"report.{kind}"
    write = est.to_html if kind == "html" else est.to_json
    write(path)
    before = path.read_bytes()
    real = Path.write_text

    def partial(self: Path, text: str, *args, **kwargs):
        real(self, text[: len(text) // 2], *args, **kwargs)
        raise exc

    monkeypatch.setattr(Path, "write_text", partial)
    with pytest.raises(type(exc)):
        write(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_failed_first_write_leaves_nothing(tmp_path: Path) -> None:
    def fail(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise Boom("no")

    with pytest.raises(Boom):
        atomic.write_atomic(tmp_path / "new.xlsx", fail)
    assert list(tmp_path.iterdir()) == []


def test_cli_ctrl_c_while_writing_keeps_every_previous_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C during the Excel step: exit 130, 'Interrupted.', old html and xlsx as they were."""
    inv = BAD / "bad_values.csv"
    args = ["estimate", str(inv), "--out-dir", str(tmp_path), "--no-uncertainty"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    reports = sorted(tmp_path.glob("bad_values.*"))
    assert [p.suffix for p in reports] == [".html", ".xlsx"]
    before = {p: p.read_bytes() for p in reports}

    def interrupted(est, target):
        Path(target).write_bytes(b"PK\x03\x04 half a workbook")
        raise KeyboardInterrupt

    monkeypatch.setattr(excel, "_write", interrupted)
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 130
    assert "Interrupted." in second.stderr
    assert {p: p.read_bytes() for p in reports} == before
    assert _leftovers(tmp_path) == []
