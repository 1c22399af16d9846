import dataclasses
import zipfile

import openpyxl
import pytest
from conftest import HOSTILE_FORMULA, HOSTILE_IMG, HOSTILE_NAMES, HOSTILE_SCRIPT

from estimator import formatting as fmt
from estimator.model import PoolRow, SchemaError, empty_table
from estimator.report.excel import write_excel

MONEY = fmt.excel_money_format("USD")


@pytest.fixture(scope="module")
def wb(xlsx_file):
    return openpyxl.load_workbook(xlsx_file)


def _find_row(ws, label):
    for row in ws.iter_rows():
        if row[0].value == label:
            return row
    raise AssertionError(f"no row {label!r} in {ws.title}")


def _header(ws):
    return [c.value for c in next(ws.iter_rows(min_row=1, max_row=1))]


def test_sheet_names(wb):
    assert wb.sheetnames == ["Summary", "Costs", "Node pools", "VMs", "Assumptions",
                             "Data quality", "Uncertainty", "Scenarios", "Platforms", "Findings"]


def test_summary_key_cells_and_formats(wb, est):
    ws = wb["Summary"]
    assert ws["A1"].value == f"Containerisation estimate: {est.name}"
    row = _find_row(ws, "Yearly savings [USD]")
    assert row[1].value == pytest.approx(est.money.annual_savings)
    assert row[1].number_format == MONEY
    row = _find_row(ws, "Container nodes")
    assert row[1].value == est.target.nodes
    assert row[1].number_format == fmt.EXCEL_COUNT
    row = _find_row(ws, "Usage data coverage")
    assert row[1].value == pytest.approx(est.quality.overall.usage_share)
    assert row[1].number_format == fmt.EXCEL_PERCENT
    row = _find_row(ws, "Payback [months]")
    assert row[1].number_format == fmt.EXCEL_MONTHS
    assert _find_row(ws, "Needs work")[1].value == est.fit.counts["needs_work"]


def test_native_charts(wb):
    charts = wb["Summary"]._charts
    assert len(charts) == 4
    kinds = sorted(type(c).__name__ for c in charts)
    assert kinds == ["BarChart", "BarChart", "BarChart", "BarChart"]


def _title(chart) -> str:
    return "".join(r.t for p in chart.title.tx.rich.p for r in (p.r or []))


def test_cash_flow_chart_draws_outflows_below_the_axis(wb, est):
    """As in the HTML chart: savings above the axis; migration, dual running and new servers
    below it, from hidden columns that hold the table's outflows negated."""
    chart = next(c for c in wb["Summary"]._charts if _title(c) == "Cash flow by year")
    assert chart.grouping == "stacked" and chart.overlap == 100
    assert chart.visible_cells_only is False  # hidden columns are still drawn
    ws = wb["Costs"]
    cf = est.cash_flow
    expected = {"Savings": cf["savings"], "Migration": -cf["migration_cost"],
                "Dual running": -cf["dual_running"], "New servers": -cf["capex"]}
    drawn = {}
    for series in chart.series:
        sheet, cells = series.val.numRef.f.split("!")
        assert sheet.strip("'") == "Costs"
        col, row0, _, row1 = openpyxl.utils.cell.range_boundaries(cells.replace("$", ""))
        drawn[series.tx.v] = [ws.cell(r, col).value for r in range(row0, row1 + 1)]
        if series.tx.v != "Savings":
            assert ws.column_dimensions[openpyxl.utils.get_column_letter(col)].hidden
    assert drawn.keys() == expected.keys()
    for name, values in expected.items():
        assert drawn[name] == pytest.approx(values.astype(float).tolist())
    assert min(drawn["Migration"]) < 0 < max(drawn["Savings"])


def test_costs_by_category_and_year(wb, est):
    ws = wb["Costs"]
    assert _header(ws)[:4] == ["Category", "Today", "After", "Savings"]
    row = _find_row(ws, "Hypervisor licences")
    expected = est.costs.set_index("category").loc["Hypervisor licences"]
    assert row[1].value == pytest.approx(expected["annual_before"])
    assert row[3].value == pytest.approx(expected["annual_savings"])
    assert row[1].number_format == MONEY
    assert _find_row(ws, "Total")[3].value == pytest.approx(est.money.annual_savings)
    years = [r for r in ws.iter_rows() if isinstance(r[0].value, int)]
    assert [r[0].value for r in years] == [1, 2, 3, 4, 5]
    head = next(r for r in ws.iter_rows(values_only=True) if r[0] == "Year")
    assert list(head[:10]) == ["Year", "Cost of staying", "Cost after", "Savings",
                               "Dual running", "New servers", "Migration", "Net", "Cumulative",
                               "Discounted net"]
    cf = est.cash_flow
    first = years[0]
    assert first[4].value == pytest.approx(cf["dual_running"].iloc[0])
    assert first[5].value == pytest.approx(cf["capex"].iloc[0])
    assert all(c.number_format == MONEY for c in first[1:10])
    assert ws.freeze_panes == "A2"


def test_vms_one_row_per_vm(wb, est):
    ws = wb["VMs"]
    head = _header(ws)
    assert ws.max_row == len(est.vms) + 1
    for col in ("VM", "Fit level", "Rule IDs", "CPU request [cores]", "Memory request [GiB]",
                "Pool", "Yearly cost today", "Yearly cost after"):
        assert col in head
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(head))}" \
                                 f"{len(est.vms) + 1}"
    assert ws.column_dimensions["A"].width == 30
    rows = list(ws.iter_rows(min_row=2, values_only=False))
    i_cost = head.index("Yearly cost today")
    i_cpu = head.index("CPU use")
    i_moves = head.index("Becomes a container")
    first = est.vms.iloc[0]
    assert rows[0][i_cost].value == pytest.approx(first["annual_before"])
    assert rows[0][i_cost].number_format == MONEY
    assert rows[0][i_moves].value is bool(first["moves"])
    util_rows = [r for r in rows if r[i_cpu].value is not None]
    assert util_rows[0][i_cpu].number_format == fmt.EXCEL_PERCENT
    # missing values stay empty cells, not 0 or "nan"
    n_missing = int(est.vms["cpu_util"].isna().sum())
    assert sum(1 for r in rows if r[i_cpu].value is None) == n_missing


def test_formula_like_names_are_text(wb):
    ws = wb["VMs"]
    names = [r[0] for r in ws.iter_rows(min_row=2, max_row=6)]
    assert [c.value for c in names] == list(HOSTILE_NAMES)
    assert all(c.data_type == "s" for c in names)
    head = _header(ws)
    assert HOSTILE_SCRIPT in [c.value for c in next(ws.iter_rows(min_row=3, max_row=3))]
    zone = next(ws.iter_rows(min_row=2, max_row=2))[head.index("Security zone")]
    assert zone.value == HOSTILE_IMG and zone.data_type == "s"
    # the assumption table's hostile strings too
    a = wb["Assumptions"]
    row = _find_row(a, "note.hostile")
    assert row[6].value == HOSTILE_FORMULA and row[6].data_type == "s"


def test_no_formula_in_any_sheet(xlsx_file):
    with zipfile.ZipFile(xlsx_file) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name), name


def test_assumptions_mark_changed(wb):
    ws = wb["Assumptions"]
    assert _header(ws) == ["Key", "Value", "Low", "High", "Unit", "Meaning", "Source",
                           "Changed?"]
    assert _find_row(ws, "operations.labour_per_hour")[7].value == "changed"
    assert _find_row(ws, "finance.discount_rate")[7].value is None
    assert _find_row(ws, "finance.discount_rate")[1].value == pytest.approx(0.07)
    # whole numbers grouped, fractions with their own digits (not "3010" or "0.0700000")
    assert _find_row(ws, "finance.discount_rate")[1].number_format == fmt.EXCEL_DECIMAL_ANY
    whole = [r for r in ws.iter_rows(min_row=2) if isinstance(r[1].value, int | float)
             and not isinstance(r[1].value, bool) and float(r[1].value).is_integer()]
    assert whole and all(r[1].number_format == fmt.EXCEL_COUNT for r in whole)


def test_uncertainty_scenarios_and_quality(wb, est):
    u = wb["Uncertainty"]
    row = _find_row(u, "Yearly savings")
    assert row[1].value == pytest.approx(est.money.annual_savings)  # the point beside its range
    assert row[2].value == pytest.approx(est.uncertainty.annual_savings.p10)
    assert row[4].value == pytest.approx(est.uncertainty.annual_savings.p90)
    # payback cells hold the whole months every output shows: 37.7 -> 38
    assert [c.value for c in _find_row(u, "Payback [months]")[1:5]] == [38, 31, 38, 51]
    assert _find_row(u, "operations.labour_per_hour")[1].value == "Admin labour rate"
    s = wb["Scenarios"]
    assert _header(s)[:4] == ["Scenario", "VMs moving", "Nodes", "Lower bound"]
    assert s.max_row == 3
    q = wb["Data quality"]
    assert _find_row(q, "Confidence [stars of 5]")[1].value == 3
    kinds = [r[0].value for r in q.iter_rows() if r[0].value in ("Rejected", "Imputed")]
    assert kinds == ["Rejected", "Rejected", "Imputed"]


def test_optional_sheets_absent(plain_est, tmp_path):
    path = write_excel(plain_est, tmp_path / "plain.xlsx")
    wb = openpyxl.load_workbook(path)
    assert "Uncertainty" not in wb.sheetnames and "Scenarios" not in wb.sheetnames
    assert wb["VMs"].max_row == len(plain_est.vms) + 1


def test_control_characters_do_not_break_the_workbook(plain_est, tmp_path):
    vms = plain_est.vms.copy()
    vms["name"] = vms["name"].astype("object")
    vms.loc[0, "name"] = "bad\x01name\x1f"
    vms.loc[1, "name"] = "\tleading tab"
    vms.loc[2, "name"] = "-1+2\r"
    est = dataclasses.replace(plain_est, vms=vms.astype({"name": "string"}))
    wb = openpyxl.load_workbook(write_excel(est, tmp_path / "ctl.xlsx"))
    names = [r[0].value for r in wb["VMs"].iter_rows(min_row=2, max_row=4)]
    assert names == ["bad\ufffdname\ufffd", "\tleading tab", "-1+2\r"]


def test_empty_pools_and_missing_inventory_columns(plain_est, tmp_path):
    vms = plain_est.vms.drop(columns=["security_zone"])
    est = dataclasses.replace(plain_est, vms=vms, pools=empty_table(PoolRow))
    wb = openpyxl.load_workbook(write_excel(est, tmp_path / "nopools.xlsx"))
    assert "Security zone" not in _header(wb["VMs"])
    assert "No workloads move" in wb["Node pools"]["A1"].value


def test_the_estimate_refuses_a_table_without_its_declared_columns(plain_est):
    with pytest.raises(SchemaError, match="lacks column"):
        dataclasses.replace(plain_est, vms=plain_est.vms.drop(columns=["pool"]))
    with pytest.raises(SchemaError, match="undeclared column"):
        dataclasses.replace(plain_est, pools=plain_est.pools.assign(annual_cost_usd=1.0))


@pytest.mark.slow
@pytest.mark.parametrize("which", ["sample_est", "ibm_est"])
def test_real_inventories_write(which, request, tmp_path):
    est = request.getfixturevalue(which)
    wb = openpyxl.load_workbook(est.to_excel(tmp_path / "r.xlsx"))
    assert wb.sheetnames == ["Summary", "Costs", "Node pools", "VMs", "Assumptions",
                             "Data quality", "Uncertainty", "Findings"]
    p = est.uncertainty.annual_savings
    assert _find_row(wb["Uncertainty"], "Yearly savings")[2].value == pytest.approx(p.p10)
    row = _find_row(wb["Summary"], "Yearly cost today [USD]")
    assert row[1].value == pytest.approx(est.money.annual_before)
    assert _find_row(wb["Summary"], "Container nodes")[1].value == est.target.nodes
    assert len(wb["Summary"]._charts) == 4
    assert wb["VMs"].max_row == len(est.vms) + 1
    head = _header(wb["VMs"])
    i = head.index("Yearly savings")
    total = sum(r[i] or 0 for r in wb["VMs"].iter_rows(min_row=2, values_only=True))
    assert total == pytest.approx(float(est.vms["annual_savings"].sum()), rel=1e-9)
    pools = wb["Node pools"]
    assert [r[0] for r in pools.iter_rows(min_row=2, values_only=True)] == list(est.pools["pool"])
    a = wb["Assumptions"]
    assert a.max_row == len(est.assumption_table) + 1


def test_findings_sheet_has_the_html_sections(wb, est):
    ws = wb["Findings"]
    titles = [r[0].value for r in ws.iter_rows()]
    for f in est.insights.security:
        assert f.title in titles
    assert "VMs that stay VMs, and why" in titles
    first = est.insights.os_support[0]
    assert _find_row(ws, first.product)[3].value == first.total_vms


def test_cash_flow_chart_draws_a_costlier_year_apart_from_savings(est, tmp_path):
    """A year that costs more than today is drawn below the axis as "Costs more than today",
    never as a green Savings bar pointing down; the same split as the HTML chart."""
    from estimator.report.charts import figures

    cf = est.cash_flow.copy()
    cf.loc[cf.index[0], "savings"] = -12_345.0
    costly = dataclasses.replace(est, cash_flow=cf)
    wb = openpyxl.load_workbook(write_excel(costly, tmp_path / "costly.xlsx"))
    chart = next(c for c in wb["Summary"]._charts if _title(c) == "Cash flow by year")
    ws = wb["Costs"]
    drawn = {}
    for series in chart.series:
        col, row0, _, row1 = openpyxl.utils.cell.range_boundaries(
            series.val.numRef.f.split("!")[1].replace("$", ""))
        drawn[series.tx.v] = [ws.cell(r, col).value for r in range(row0, row1 + 1)]
    assert len(drawn) == len(chart.series)  # no series drawn twice
    savings = cf["savings"].astype(float)
    assert drawn["Savings"] == pytest.approx(savings.clip(lower=0).tolist())
    assert drawn["Costs more than today"] == pytest.approx(savings.clip(upper=0).tolist())
    assert drawn["Costs more than today"][0] == pytest.approx(-12_345.0)
    fig = figures(costly)["cash_flow"]
    bars = {t.name: list(t.y) for t in fig.data if t.type == "bar"}
    assert bars["Savings"] == pytest.approx(drawn["Savings"])
    assert bars["Costs more than today"] == pytest.approx(drawn["Costs more than today"])
    assert "Costs more than today" not in {t.name for t in figures(est)["cash_flow"].data}
