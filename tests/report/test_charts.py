import json

import plotly.io as pio
from conftest import HOSTILE_IMG, HOSTILE_SCRIPT, build_estimate

from estimator.report.charts import CHART_TITLES, esc, figures, takeaways


def test_every_chart_is_built_with_its_takeaway_as_title(built):
    assert list(built) == list(CHART_TITLES)
    for fig, text in built.values():
        assert fig.layout.title.text == esc(text)
        assert len(fig.data) >= 1


def test_takeaways_quote_the_estimate(est, built):
    t = {name: text for name, (_, text) in built.items()}
    s = est.summary
    assert t["cost_by_category"].startswith("Yearly cost goes from USD 139 k to USD 68.6 k")
    assert f"{s['nodes']} nodes in 2 pools" in t["pools"]
    assert "Pays back in 38 months" in t["cash_flow"]
    assert "Admin labour rate moves the yearly savings most" in t["tornado"]
    assert t["fit"].startswith(f"{s['vms_moving']} of {s['vms_in_scope']} in-scope VMs")
    assert f"{s['os_end_of_support_vms']} in-scope VMs run an end-of-support OS" in t["os"]


def test_optional_charts_are_left_out_without_uncertainty_or_scenarios(plain_est):
    names = set(takeaways(plain_est))
    assert {"savings_distribution", "tornado", "scenarios"}.isdisjoint(names)
    assert {"cost_by_category", "cash_flow", "fit", "os", "pools"} <= names


def test_tornado_shows_top_ten(est, built):
    fig = built["tornado"][0]
    assert len(fig.data[0].y) == 10
    assert len(est.uncertainty.tornado) == 12


def test_inventory_text_is_escaped_in_labels_and_hover(built):
    figs = {name: fig for name, (fig, _) in built.items()}
    text = "".join(json.dumps(f.to_plotly_json(), default=str) for f in figs.values())
    assert HOSTILE_SCRIPT not in text
    assert "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    pool_ticks = list(figs["pools"].data[0].x)
    # the name is escaped whole, then broken over lines (<br>) so ticks do not collide
    assert pool_ticks[0].replace("<br>", "").startswith(esc(f"linux/{HOSTILE_IMG}"))


def test_large_estate_charts_are_aggregated():
    big = build_estimate(5_000, hostile=False)
    figs = figures(big)
    size = sum(len(pio.to_json(f)) for f in figs.values())
    assert size < 150_000
    hist = figs["savings_distribution"]
    assert len(hist.data[0].x) == 40


def test_tornado_takeaway_names_the_largest_swing(est):
    text = takeaways(est)["tornado"]
    top = est.uncertainty.tornado[0]
    assert top.swing == max(r.swing for r in est.uncertainty.tornado)
    assert text.startswith(f"{top.label} moves the yearly savings most")
