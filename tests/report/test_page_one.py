"""Page one of both reports: key assumptions, next steps and why the node count is what it
is, computed once in the insights and laid out by the HTML report and the workbook."""

from __future__ import annotations

import dataclasses
import re

import openpyxl
import pytest
from test_html import _visible

from estimator import formatting as fmt
from estimator.insights import _nodes_note, assumption_label
from estimator.model import CurrentEstate, FitSummary, TargetSummary
from estimator.pipeline import with_insights
from estimator.report.excel import write_excel
from estimator.report.html import render_html


@pytest.fixture(scope="module")
def sample_html(sample_est) -> str:
    return render_html(sample_est)


@pytest.fixture(scope="module")
def sample_summary(sample_est, tmp_path_factory) -> list[str]:
    """Column A of the sample workbook's Summary sheet, row by row."""
    path = write_excel(sample_est, tmp_path_factory.mktemp("xlsx") / "sample.xlsx")
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [str(r[0]) for r in wb["Summary"].iter_rows(values_only=True)
                if r and r[0] is not None]
    finally:
        wb.close()


def test_key_assumptions_name_platform_sizing_and_the_top_prices(sample_est) -> None:
    ins = sample_est.insights
    rows = {r.topic: r for r in ins.key_assumptions}
    assert "openshift-bare-metal" in rows["Platform"].text
    assert "OpenShift Container Platform on owned servers" in rows["Platform"].text
    for topic, basis in (("CPU sized from", sample_est.quality.cpu_basis),
                         ("Memory sized from", sample_est.quality.memory_basis)):
        for key, n in basis.items():
            assert f"{fmt.BASIS_LABELS[key]} for {fmt.count(n)} VMs" in rows[topic].text
    prices = [r for r in ins.key_assumptions if r.topic == "Price"]
    assert [p.key for p in prices] == [p.key for p in ins.key_prices]
    assert len(prices) == 3
    # the three that move the NPV most, largest first, each with its source
    swings = [p.swing for p in ins.key_prices]
    assert swings == sorted(swings, reverse=True)
    assert all(r.source and r.source != fmt.DASH for r in ins.key_assumptions)
    assert ins.key_prices[0].source.startswith(prices[0].source)
    assert rows["Finance"].text == "5-year horizon, 7% discount rate"


def test_next_steps_come_from_this_estate(sample_est) -> None:
    ins = sample_est.insights
    steps = ins.next_steps
    easy = sample_est.fit.counts["excellent"] + sample_est.fit.counts["good"]
    first = next(r.name for r in ins.moving_vms if r.fit_level in ("excellent", "good"))
    assert steps[0].startswith(f"Move the {fmt.count(easy)} VMs that fit as they are first")
    assert first in steps[0]
    idle = sample_est.fit.counts["retire_idle"]
    assert any(f"retire the {fmt.count(idle)} idle or zombie VMs" in s for s in steps)
    tip = sample_est.quality.raise_confidence[0]
    assert any(tip[1:40] in s for s in steps)
    contract = next(s for s in steps if "contract prices" in s)
    assert ins.contract_prices[0].label.lower() in contract.lower()


def test_rebuilt_insights_keep_the_price_findings(sample_est) -> None:
    again = with_insights(sample_est).insights
    assert again.key_assumptions == sample_est.insights.key_assumptions
    assert again.next_steps == sample_est.insights.next_steps
    assert again.appendix_keys == sample_est.insights.appendix_keys


def test_assumption_labels_leave_out_settings() -> None:
    assert assumption_label("Platform subscription per bare-metal socket pair "
                            "(subscription_basis = per_socket_pair).") == \
        "Platform subscription per bare-metal socket pair"
    assert assumption_label("Yearly price of the node as a cloud instance (managed "
                            "Kubernetes), used when platform.hardware_model = cloud.") == \
        "Yearly price of the node as a cloud instance (managed Kubernetes)"
    assert assumption_label("Patching effort per OS instance (VM) per month.") == \
        "Patching effort per OS instance (VM) per month"


def _target(nodes: int, workloads: int, spares: int = 1) -> TargetSummary:
    return TargetSummary(
        platform="openshift-bare-metal", hardware_model="owned", nodes=nodes,
        nodes_lower_bound=nodes, spare_nodes=spares, workloads=workloads,
        workloads_per_node=workloads / nodes, isolation_extra_nodes=0, sizing_fallbacks=0,
        cpu_request_cores=900.0, memory_request_gib=4000.0, node_cores=64.0 * nodes,
        node_memory_gib=512.0 * nodes, hosts_kept=0.0, cpu_request_share=0.78,
        memory_request_share=0.4)


def _fit(moving: int) -> FitSummary:
    return FitSummary(counts={"good": moving}, vms_moving=moving, vms_staying=0,
                      vms_retiring=0, outcomes={}, outcome_reasons=(), top_reasons=())


def test_more_nodes_than_hosts_says_why_with_capacity_side_by_side() -> None:
    now = CurrentEstate(hosts=18, hosts_inferred=False, physical_cores=1_440.0,
                        memory_gib=18_000.0, cpu_used_cores=700.0, memory_used_gib=9_000.0,
                        vms_per_host=30.0)
    note = _nodes_note(now, _target(20, 500), _fit(500))
    assert note is not None
    assert note.startswith("There are more nodes after (20) than hosts today (18) because CPU "
                           "fills them first")
    assert "request 900 cores against 700 cores in use today (78% of" in note
    assert "each node has 64 cores and 512 GiB" in note
    assert "(a host today: 80 cores and 1,000 GiB)" in note
    assert "1 node is an HA spare" in note


def test_no_note_when_fewer_nodes_hold_more_each() -> None:
    now = CurrentEstate(hosts=18, hosts_inferred=False, physical_cores=1_440.0,
                        memory_gib=18_000.0, cpu_used_cores=700.0, memory_used_gib=9_000.0,
                        vms_per_host=20.0)
    assert _nodes_note(now, _target(10, 500), _fit(500)) is None


def test_density_that_falls_is_explained_in_the_headline(sample_est) -> None:
    t, c = sample_est.target, sample_est.current
    assert t.workloads_per_node < c.vms_per_host  # the sample's nodes hold fewer
    note = sample_est.insights.capacity_note
    assert note is not None and note in sample_est.insights.headline
    assert (f"The nodes hold fewer workloads ({fmt.number(t.workloads_per_node)} per node) than "
            f"today's hosts hold VMs ({fmt.number(c.vms_per_host)} per host)") in note


def test_html_page_one_has_the_box_the_steps_and_the_why(sample_est, sample_html) -> None:
    first = _visible(sample_html).split("What the numbers say")[0]
    assert "Key assumptions" in first and "Next steps" in first
    # the parser puts a space around inline elements such as <code>, so compare without
    squeezed = re.sub(r"\s+", "", first)
    for row in sample_est.insights.key_assumptions:
        assert re.sub(r"\s+", "", row.text) in squeezed, row.text
    for step in sample_est.insights.next_steps:
        assert re.sub(r"\s+", "", step) in squeezed, step
    assert sample_est.insights.capacity_note in first
    assert len(re.findall(r'<ol class="steps">.*?</ol>', sample_html, re.S)) == 1


def test_html_cost_table_has_a_total_row(sample_est, sample_html) -> None:
    foot = re.search(r'<tfoot><tr class="total">(.*?)</tr></tfoot>', sample_html, re.S)
    assert foot is not None
    cells = re.findall(r'<td class="num">([^<]*)</td>', foot.group(1))
    m = sample_est.money
    assert cells == [fmt.money_full(v, "USD") for v in (m.annual_before, m.annual_after,
                                                        m.annual_savings)]


def test_workbook_summary_has_the_box_and_the_steps(sample_est, sample_summary) -> None:
    text = re.sub(r"\s+", " ", " ".join(sample_summary))
    assert "Key assumptions" in sample_summary and "Next steps" in sample_summary
    for row in sample_est.insights.key_assumptions:
        assert f"{row.topic}: {row.text}" in text, row.text
    for i, step in enumerate(sample_est.insights.next_steps, 1):
        assert f"{i}. {step}" in text, step
    # page one, before the figures
    assert sample_summary.index("Next steps") < sample_summary.index("Figure")


def test_file_names_are_kept_exactly(est, tmp_path) -> None:
    name = "RVTools_export_all_2024-05-01"
    odd = dataclasses.replace(est, name=name, inputs=(f"{name}.xlsx",))
    text = _visible(render_html(odd))
    assert f"Containerisation estimate: {name}" in text
    assert f"From {name}.xlsx" in text
    wb = openpyxl.load_workbook(write_excel(odd, tmp_path / "x.xlsx"))
    assert wb["Summary"]["A1"].value == f"Containerisation estimate: {name}"
    assert wb["VMs"].oddHeader.left.text == f"Containerisation estimate: {name}"


def test_confidence_tile_names_the_evidence(sample_est, ibm_est) -> None:
    # IBM has no per-VM usage: 735 of 763 VMs are sized from their host's measured use
    assert ibm_est.insights.evidence_note == "sized from host usage for 96% of VMs"
    assert sample_est.insights.evidence_note == "sized from own usage for 100% of VMs"
    assert ibm_est.insights.evidence_note in ibm_est.to_html()


def test_terminal_shows_the_key_assumptions_and_next_steps(sample_est) -> None:
    import io

    from rich.console import Console

    from estimator.report.terminal import render_summary

    buf = io.StringIO()
    render_summary(sample_est, Console(file=buf, width=200, color_system=None))
    out = " ".join(buf.getvalue().split())  # rich wraps long lines
    assert "Key assumptions" in out and "Next steps" in out
    for k in sample_est.insights.key_assumptions:
        assert k.topic in out
    for i, step in enumerate(sample_est.insights.next_steps, 1):
        assert f"{i}. {' '.join(step.split())}" in out
