import html as htmllib
import re
from html.parser import HTMLParser

import pytest
from conftest import HOSTILE_FORMULA, HOSTILE_IMG, HOSTILE_SCRIPT

from estimator import formatting as fmt
from estimator.insights import TOP_MOVING as TOP_VMS
from estimator.pipeline import with_insights
from estimator.report.html import render_html, render_tiles


class _Text(HTMLParser):
    """Visible text and the tags of a document (script and style contents left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _parse(doc: str) -> _Text:
    p = _Text()
    p.feed(doc)
    return p


def _visible(doc: str) -> str:
    return re.sub(r"\s+", " ", " ".join(_parse(doc).parts))


def test_headline_numbers_in_the_first_screen(est, html_file):
    doc = html_file.read_text(encoding="utf-8")
    text = _visible(doc)
    s = est.summary
    first = text[: text.index("What the numbers say")]
    assert (f"Containerising {s['vms_moving']} of {s['vms_in_scope']} VMs on "
            f"openshift-bare-metal would need {s['nodes']} nodes instead of {s['hosts']} hosts' "
            "worth of VMs, saving USD 70.1 k a year (P10–P90: 50–91 k), paying back in "
            "38 months.") in first
    for expected in ("VMs in scope", "40", "of 48 read", "lower bound 10", "USD 139 k",
                     "USD 68.6 k", "38 months", "P10–P90: 31–51 months", "USD 78.0 k",
                     "P10–P90: 70–125 k", "USD 78.5 k", "★★★☆☆",
                     "sized from own usage for 80% of VMs"):
        assert expected in first, expected


def test_sections_and_tables(est, html_file):
    text = _visible(html_file.read_text(encoding="utf-8"))
    for heading in ("Node pools", "Security considerations for this estate",
                    "Which VMs move, stay or retire, and why", "Data quality and confidence",
                    "Appendix: the assumptions that matter", "Scenarios", "Ranges"):
        assert heading in text, heading
    # cost table in full units, P10/P50/P90 table, and the changed-assumption marker
    assert "Hypervisor licences USD 22,194 USD 6,289 USD 15,904" in text
    # ranges: the point beside P10, P50 and P90, capacity in cores and GiB as well as nodes
    assert "Yearly savings USD 70.1 k USD 50.1 k USD 69.6 k USD 90.7 k" in text
    assert "Payback 38 months 31 months 38 months 51 months" in text
    assert "Node capacity [physical cores] 320 288 320 384" in text
    # the cash flow as a finance team reads it
    assert "Cash flow by year" in text and "Dual running" in text and "New servers" in text
    assert "marks the 2 values changed from the defaults" in text
    moving = int(est.vms["moves"].sum())
    assert f"Top {min(TOP_VMS, moving)} VMs by yearly saving" in text


def test_security_section_is_tied_to_the_estate(est, html_file):
    text = _visible(html_file.read_text(encoding="utf-8"))
    up = int(est.vms["needs_os_upgrade"].sum())
    assert f"{up} moving workloads run an end-of-support OS" in text
    assert "security zones among the moving workloads" in text
    assert "Set requests and limits from the sizing table" in text
    n = est.target.sizing_fallbacks
    assert f"{n} VMs were sized from allocation because usage was missing" in text


def test_charts_and_plotly_inlined_once(html_file):
    doc = html_file.read_text(encoding="utf-8")
    tags = _parse(doc).tags
    charts = [a for t, a in tags if t == "div" and "chart" in (a.get("class") or "").split()]
    assert len(charts) == 11
    scripts = [a for t, a in tags if t == "script"]
    assert all("src" not in a for a in scripts)
    assert doc.count("Plotly.newPlot") == 1
    assert doc.count("plotly.js v") <= 2  # the library's banner, once
    from plotly.offline import get_plotlyjs

    ours = doc.replace(get_plotlyjs(), "")
    assert len(ours) < len(doc) - 4_000_000  # plotly.js is inlined, whole
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", ours)
    assert "@media print" in doc


def test_hostile_text_is_escaped(html_file):
    doc = html_file.read_text(encoding="utf-8")
    assert HOSTILE_SCRIPT not in doc
    assert "<img" not in doc
    assert "onerror=alert(1)>" not in doc.replace("onerror=alert(1)&gt;", "")
    parsed = _parse(doc)
    assert not [t for t, _ in parsed.tags if t == "img"]
    text = " ".join(parsed.parts)
    assert HOSTILE_SCRIPT in text
    assert HOSTILE_IMG in text
    assert HOSTILE_FORMULA in text or htmllib.escape(HOSTILE_FORMULA) in doc
    # only our own three script elements
    assert sum(1 for t, _ in parsed.tags if t == "script") == 3


def test_plain_estimate_without_ranges(plain_est):
    doc = render_html(plain_est)
    text = _visible(doc)
    s = plain_est.summary
    assert f"saving {fmt.money(s['annual_savings'])} a year, paying back in" in text
    assert "P10–P90" not in text
    assert 'id="uncertainty"' not in doc and 'id="scenarios"' not in doc


def test_tiles_for_notebooks(est):
    tiles = render_tiles(est)
    text = _visible(tiles)
    assert "Yearly savings USD 70.1 k P10–P90: 50–91 k" in text
    assert "<script" not in tiles
    assert htmllib.escape(est.name, quote=False) in tiles
    assert est._repr_html_() == tiles


def test_negative_savings_are_worded_as_a_cost(plain_est):
    import dataclasses

    m = plain_est.money.model_copy(update={"annual_after": plain_est.money.annual_before + 12_000,
                                           "annual_savings": -12_000.0, "payback_months": None})
    worse = with_insights(dataclasses.replace(plain_est, money=m))
    text = _visible(render_tiles(worse))
    assert "costing USD 12.0 k more a year" in text
    assert "does not pay back within 5 years" in text


@pytest.mark.slow
@pytest.mark.parametrize("which", ["sample_est", "ibm_est"])
def test_real_inventories_render(which, request, tmp_path):
    est = request.getfixturevalue(which)
    s = est.summary
    path = tmp_path / "r.html"
    est.to_html(path)
    doc = path.read_text(encoding="utf-8")
    text = _visible(doc)
    assert f"Containerising {fmt.count(s['vms_moving'])} of {fmt.count(s['vms_in_scope'])} VMs " \
           f"on {est.target.platform} would need {fmt.count(s['nodes'])} nodes instead of " \
           f"{fmt.count(s['hosts'])} hosts' worth of VMs" in text
    savings = s["annual_savings"]
    money = fmt.money(abs(savings), est.currency)
    assert (f"saving {money} a year" if savings >= 0 else f"costing {money} more a year") in text
    assert f"lower bound {fmt.count(s['nodes_lower_bound'])}" in text
    assert fmt.stars(s["confidence_stars"]) in text
    for pool in est.pools["pool"]:
        assert str(pool) in text
    charts = [a for t, a in _parse(doc).tags if t == "div" and a.get("class") == "chart"]
    assert len(charts) >= 7
    assert len(doc) < 10_000_000


def test_payback_range_when_the_slowest_draws_never_pay_back(est):
    import dataclasses

    from estimator.model import MonthsRange

    unc = est.uncertainty.model_copy(
        update={"payback_months": MonthsRange(p10=30.0, p50=40.0, p90=None)})
    text = _visible(render_tiles(dataclasses.replace(est, uncertainty=unc)))
    assert "Payback 38 months P10–P90: 30 months–never" in text  # P10 exactly 30.0


def test_estate_where_nothing_moves(plain_est):
    import dataclasses

    import pandas as pd

    from estimator.insights import summarise_fit, summarise_target, top_reasons
    from estimator.model import CashFlowRow, CostRow, PoolRow, empty_table

    vms = plain_est.vms.assign(moves=False, pool=pd.NA, node_index=pd.NA)
    reasons = top_reasons(vms)
    pools = empty_table(PoolRow)
    empty = with_insights(dataclasses.replace(
        plain_est, vms=vms, pools=pools, cash_flow=empty_table(CashFlowRow),
        costs=empty_table(CostRow), fit_reasons=reasons, fit=summarise_fit(vms, reasons),
        target=summarise_target(pools, {}, 0, 0),
        money=plain_est.money.model_copy(update={"payback_months": None}),
        assumption_table=plain_est.assumption_table.iloc[:0]))
    text = _visible(render_html(empty))
    assert "Containerising 0 of" in text
    assert "No workloads move, so no node pools are needed." in text
    assert "No VM moves." in text


def test_fit_section_shows_every_outcome_with_its_reasons(est, html_file):
    text = _visible(html_file.read_text(encoding="utf-8"))
    for outcome, n in est.fit.outcomes.items():
        label = fmt.OUTCOME_LABELS[outcome]
        assert f"{label} {fmt.count(n)}" in text
    top = est.fit.outcome_reasons[0]
    assert f"{top.fit_reason} ({fmt.count(top.vms)})" in text
