"""The payback (and its range) reads the same in the HTML, the workbook, the terminal and the
JSON: one rounding rule, 'never' where it does not come within the horizon."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import openpyxl
import pytest
from rich.console import Console

from estimator import formatting as fmt
from estimator.model import Estimate
from estimator.report.terminal import render_summary


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _html_text(est: Estimate) -> str:
    p = _Text()
    p.feed(est.to_html())
    return re.sub(r"\s+", " ", " ".join(p.parts))


def _terminal(est: Estimate) -> str:
    buf = io.StringIO()
    render_summary(est, Console(file=buf, width=200, color_system=None))
    return buf.getvalue()


def _row(ws, label: str) -> list[object]:
    for row in ws.iter_rows(values_only=True):
        if row[0] == label:
            return list(row)
    raise AssertionError(f"no row {label!r} in {ws.title}")


@pytest.mark.slow
@pytest.mark.parametrize("which", ["est", "sample_est", "ibm_est", "kubev2v_est"])
def test_payback_reads_the_same_everywhere(which: str, request: pytest.FixtureRequest,
                                           tmp_path) -> None:
    est: Estimate = request.getfixturevalue(which)
    unc = est.uncertainty
    assert unc is not None
    # JSON: the raw months (null: never); every other output shows whole months, rounded up
    doc = est.to_dict()
    raw = doc["costs"]["payback_months"]
    assert raw == est.money.payback_months
    months = fmt.whole_months(raw)
    text = fmt.months(raw)
    assert text == ("never" if raw is None else
                    "immediately" if months == 0 else f"{months} months")
    ranged = [fmt.whole_months(doc["uncertainty"]["payback_months"][p])
              for p in ("p10", "p50", "p90")]

    # HTML: the tile and the ranges table
    html = _html_text(est)
    spread = fmt.months_range(unc.payback_months.p10, unc.payback_months.p90)
    assert f"Payback {text} P10–P90: {spread}" in html
    assert "Payback " + " ".join([text, *(fmt.months(m) for m in ranged)]) in html

    # Workbook: the Summary cell is the whole months or blank with "never" beside it; the
    # Uncertainty sheet has the point, P10, P50 and P90 cells the same way
    wb = openpyxl.load_workbook(est.to_excel(tmp_path / "r.xlsx"))
    summary = _row(wb["Summary"], "Payback [months]")
    assert summary[1] == months
    assert (summary[2] or "").startswith("never") == (months is None)
    cells = _row(wb["Uncertainty"], "Payback [months]")
    assert cells[1:5] == [months, *ranged]
    assert ("never" in (cells[5] or "")) == (None in [months, *ranged])

    # Terminal
    term = _terminal(est)
    assert re.search(rf"Payback\s+{re.escape(text)}\s*\n", term)
    assert re.search(r"Payback P10–P90\s+" + re.escape(
        fmt.months_range(unc.payback_months.p10, unc.payback_months.p90)), term)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["est", "sample_est", "ibm_est", "kubev2v_est"])
def test_capacity_reads_the_same_everywhere(which: str, request: pytest.FixtureRequest,
                                            tmp_path) -> None:
    """Capacity today and after: the same rows and figures in JSON, HTML, workbook, terminal."""
    est: Estimate = request.getfixturevalue(which)
    rows = est.to_dict()["insights"]["capacity"]
    assert [r["figure"] for r in rows][:4] == ["Installed today", "In use today",
                                               "Requested after", "Node capacity after"]
    # JSON: the current and target blocks carry the same figures
    doc = est.to_dict()
    assert rows[0]["cores"] == doc["current"]["physical_cores"]
    assert rows[3]["cores"] == doc["target"]["node_cores"]
    assert rows[3]["memory_gib"] == doc["target"]["node_memory_gib"]
    html = _html_text(est)
    term = _terminal(est)
    wb = openpyxl.load_workbook(est.to_excel(tmp_path / "r.xlsx"))
    for r in rows:
        cores, memory = fmt.count(r["cores"]), fmt.count(r["memory_gib"])
        assert f"{r['figure']} {cores} {memory}" in html, r
        assert re.search(rf"{re.escape(r['figure'])}\s+{re.escape(cores)}\s+"
                         rf"{re.escape(memory)}", term), r
        cells = _row(wb["Summary"], r["figure"])
        assert cells[1] == pytest.approx(r["cores"]) if r["cores"] is not None \
            else cells[1] is None
        assert cells[2] == pytest.approx(r["memory_gib"]) if r["memory_gib"] is not None \
            else cells[2] is None
