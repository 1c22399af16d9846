"""Monte Carlo, tornado and scenario table (estimator.uncertainty)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from estimator.assumptions import Assumptions, load_assumptions
from estimator.costs import compute_costs
from estimator.errors import ConfigError
from estimator.inventory import Inventory, read_inventory
from estimator.model import Estimate
from estimator.pipeline import estimate, prepare, resolve_inputs
from estimator.planning import plan_estate
from estimator.sample import write_sample
from estimator.uncertainty import (
    Replanner,
    draw_values,
    key_kind,
    monte_carlo,
    quantiles,
    run_uncertainty,
    scenario_table,
)

AS_OF = dt.date(2026, 11, 30)
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample-rvtools.xlsx"
LABOUR = "operations.labour_per_hour"


def only_ranged(ranges: dict[str, tuple[float, float, float]]) -> Assumptions:
    """Default assumptions with every range collapsed except the given ones."""
    defaults = load_assumptions()
    # (no node type shaped like the hosts: its price range would add a ranged key)
    sets = ["platform.host_shaped_node_type=false"]
    sets += [f"{k}={li}" for k, (_, li, _) in defaults.ranges().items() if k not in ranges]
    sets += [f"{k}={{low={lo}, likely={li}, high={hi}}}" for k, (lo, li, hi) in ranges.items()]
    return load_assumptions(sets=sets)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    path = tmp_path_factory.mktemp("estate") / "small.xlsx"
    write_sample(path, vms=150, seed=5)
    return read_inventory(path)


@pytest.fixture(scope="module")
def sample_estimate() -> Estimate:
    return estimate(SAMPLE)


def scoped(inv: Inventory, a: Assumptions) -> pd.DataFrame:
    """The VM table the pipeline hands to the Monte Carlo (scope, evidence, as-of date)."""
    return prepare(resolve_inputs(inv, a, today=AS_OF))[0]


def resolved(inv: Inventory, a: Assumptions) -> Assumptions:
    """The assumptions the pipeline runs with (a node type shaped like the hosts added)."""
    return resolve_inputs(inv, a, today=AS_OF).assumptions


def test_default_sample_shows_a_real_ordered_spread(sample_estimate: Estimate) -> None:
    u = sample_estimate.uncertainty
    assert u is not None and (u.draws, u.seed) == (1000, 42)
    assert u.distribution == "split_triangular"
    for p in (u.annual_savings, u.npv, u.nodes):
        assert p.p10 is not None and p.p50 is not None and p.p90 is not None
        assert p.p10 <= p.p50 <= p.p90
    assert u.annual_savings.p10 < u.annual_savings.p90
    assert u.nodes.p10 < u.nodes.p90
    assert u.payback_months.p10 is not None
    pb = u.payback_months
    assert pb.p90 is None or pb.p50 is None or pb.p50 <= pb.p90
    assert len(u.savings_draws) == 1000
    assert u.probability_positive_savings == pytest.approx(np.mean(np.array(u.savings_draws) > 0))
    # the point estimate sits inside the range
    assert u.annual_savings.p10 < sample_estimate.summary["annual_savings"] < u.annual_savings.p90
    t = u.tornado_frame
    assert list(t.columns) == ["key", "label", "unit", "low_value", "high_value", "low_savings",
                               "high_savings", "swing"]
    assert len(t) == 10
    assert (np.diff(t["swing"].to_numpy()) <= 0).all()
    assert t["swing"].to_numpy() == pytest.approx((t["high_savings"] - t["low_savings"]).abs())
    assert t["label"].str.len().min() > 0


def test_collapsed_ranges_give_the_point_estimate(small: Inventory) -> None:
    a = load_assumptions(sets=["platform.host_shaped_node_type=false"]).collapsed()
    assert a.ranges() == {}
    est = estimate(small, a, uncertainty=False)
    u = run_uncertainty(scoped(small, a), small.hosts, resolved(small, a),
                        point_nodes=est.target.nodes, draws=50)
    s = est.summary
    for name, p in (("annual_savings", u.annual_savings), ("npv", u.npv),
                    ("nodes", u.nodes), ("payback_months", u.payback_months)):
        if s[name] is None:
            assert (p.p10, p.p50, p.p90) == (None, None, None)
        else:
            assert p.p10 == pytest.approx(s[name], rel=1e-12)
            assert p.p50 == pytest.approx(s[name], rel=1e-12)
            assert p.p90 == pytest.approx(s[name], rel=1e-12)
    assert u.probability_positive_savings == float(s["annual_savings"] > 0)
    assert u.tornado == ()


def test_collapsed_plan_keys_with_a_price_range_keep_the_point_nodes(small: Inventory) -> None:
    a = only_ranged({LABOUR: (40.0, 62.0, 120.0)})
    est = estimate(small, a, uncertainty=False)
    u = run_uncertainty(scoped(small, a), small.hosts, resolved(small, a),
                        point_nodes=est.target.nodes, draws=100)
    assert u.nodes.p10 == u.nodes.p90 == est.summary["nodes"]
    assert u.annual_savings.p10 < u.annual_savings.p90


def test_same_seed_same_numbers_other_seed_other_draws(small: Inventory) -> None:
    a = load_assumptions()
    est = estimate(small, a, uncertainty=False)
    sc = scoped(small, a)
    plan = plan_estate(sc, resolved(small, a), hosts=small.hosts)
    one = run_uncertainty(sc, small.hosts, resolved(small, a), point_nodes=est.target.nodes,
                          draws=200, seed=7, plan=plan)
    two = run_uncertainty(sc, small.hosts, resolved(small, a), point_nodes=est.target.nodes,
                          draws=200, seed=7, plan=plan)
    np.testing.assert_array_equal(one.savings_draws, two.savings_draws)
    assert one.annual_savings == two.annual_savings and one.npv == two.npv
    assert one.nodes == two.nodes and one.payback_months == two.payback_months
    assert one.tornado == two.tornado
    # another seed: other draws (a price-only range keeps this run cheap)
    b = only_ranged({LABOUR: (40.0, 62.0, 120.0)})
    plan_b = plan_estate(sc, resolved(small, b), hosts=small.hosts)
    runs = [run_uncertainty(sc, small.hosts, resolved(small, b), draws=200, seed=s,
                            plan=plan_b)
            for s in (7, 8)]
    assert not np.array_equal(runs[0].savings_draws, runs[1].savings_draws)
    assert runs[0].seed == 7 and runs[1].seed == 8
    assert not np.array_equal(draw_values(a.ranges(), 10, 7)[LABOUR],
                              draw_values(a.ranges(), 10, 8)[LABOUR])


def test_tornado_ranks_the_dominant_assumption_first(small: Inventory) -> None:
    # labour rate ranged wide, storage price ranged narrow: labour must top the tornado, and its
    # bars must equal the point pipeline run at the low and at the high rate
    # (labour is a price key: a rate high enough to change the packer's node-type choice, such
    # as 300, would not be followed by the tornado, so the high end stays below that)
    a = only_ranged({LABOUR: (20.0, 62.0, 200.0),
                     "backup.storage_per_gb_month": (0.022, 0.023, 0.024)})
    est = estimate(small, a, uncertainty=False)
    u = run_uncertainty(scoped(small, a), small.hosts, resolved(small, a),
                        point_nodes=est.target.nodes, draws=100)
    t = u.tornado_frame
    assert t["key"].tolist() == [LABOUR, "backup.storage_per_gb_month"]
    low = estimate(small, a.with_values({LABOUR: 20.0}), uncertainty=False)
    high = estimate(small, a.with_values({LABOUR: 200.0}), uncertainty=False)
    row = t.iloc[0]
    assert row["low_value"] == 20.0 and row["high_value"] == 200.0
    assert row["low_savings"] == pytest.approx(low.summary["annual_savings"], rel=1e-9)
    assert row["high_savings"] == pytest.approx(high.summary["annual_savings"], rel=1e-9)
    assert row["swing"] > 10 * t.iloc[1]["swing"]
    assert row["unit"] == "USD/h"


def test_plan_key_tornado_matches_an_exact_replan(small: Inventory) -> None:
    key = "sizing.comfort_factor"
    a = only_ranged({key: (1.1, 1.3, 2.0)})
    est = estimate(small, a, uncertainty=False)
    u = run_uncertainty(scoped(small, a), small.hosts, resolved(small, a),
                        point_nodes=est.target.nodes, draws=50,
                        replan="exact", grid_points=1)
    high = estimate(small, a.with_values({key: 2.0}), uncertainty=False)
    row = u.tornado_frame.iloc[0]
    assert row["key"] == key
    assert row["high_savings"] == pytest.approx(high.summary["annual_savings"], rel=1e-9)
    # a larger comfort factor means more node capacity (more nodes, or bigger node types)
    assert u.nodes.p90 >= est.summary["nodes"]
    assert high.summary["nodes"] >= est.summary["nodes"]
    assert high.summary["annual_after"] > est.summary["annual_after"]


def test_vectorised_draws_equal_scalar_pricing(small: Inventory) -> None:
    ranged = {LABOUR: (40.0, 62.0, 120.0),
              "licences.rhel_per_subscription_year": (350.0, 800.0, 1300.0),
              "migration.labour_per_hour": (50.0, 62.0, 150.0),
              "finance.discount_rate": (0.05, 0.07, 0.10)}
    a = only_ranged(ranged)
    sc = scoped(small, a)
    planner = Replanner(sc, small.hosts, resolved(small, a))
    res, _ = monte_carlo(planner, a.ranges(), draws=5, seed=3, distribution="triangular")
    drawn = draw_values(a.ranges(), 5, 3, "triangular")
    plan = planner.plan
    for i in range(5):
        values = a.flat_values() | {k: float(v[i]) for k, v in drawn.items()}
        costs = compute_costs(plan.vms, small.hosts, plan.pools, a, values)
        assert res.annual_savings[i] == pytest.approx(costs.annual_savings, rel=1e-12)
        assert res.npv[i] == pytest.approx(costs.npv, rel=1e-12)
        assert res.one_off_migration[i] == pytest.approx(costs.one_off_migration, rel=1e-12)
        if costs.payback_months is None:
            assert np.isnan(res.payback_months[i])
        else:
            assert res.payback_months[i] == pytest.approx(costs.payback_months, rel=1e-12)


def test_scaled_replan_at_the_point_is_the_point(small: Inventory) -> None:
    a = load_assumptions()
    planner = Replanner(scoped(small, a), small.hosts, resolved(small, a))
    types, same, _ = planner._scaled_pools(a, a.flat_values())
    np.testing.assert_array_equal(same, planner.point.pool_nodes)
    np.testing.assert_array_equal(types, planner._type0)
    up = planner.at({"sizing.comfort_factor": 2.0})
    assert up.nodes > planner.point.nodes and not up.exact
    assert planner.at({"sizing.comfort_factor": 2.0}) is up  # cached


def test_draws_stay_in_range_and_pert_centres_on_its_mean() -> None:
    ranges = {"x": (1.0, 2.0, 10.0), "y": (0.0, 0.0, 1.0)}
    tri = draw_values(ranges, 20_000, 1, "triangular")
    pert = draw_values(ranges, 20_000, 1, "pert")
    split = draw_values(ranges, 20_000, 1)
    for d in (tri, pert, split):
        assert d["x"].min() >= 1.0 and d["x"].max() <= 10.0
        assert d["y"].min() >= 0.0 and d["y"].max() <= 1.0
    assert tri["x"].mean() == pytest.approx((1 + 2 + 10) / 3, rel=0.02)
    assert pert["x"].mean() == pytest.approx((1 + 4 * 2 + 10) / 6, rel=0.02)
    # the default puts half the mass on each side of the likely value: it is the median
    assert np.median(split["x"]) == pytest.approx(2.0, rel=0.02)
    assert np.mean(split["x"] < 2.0) == pytest.approx(0.5, abs=0.01)
    # each half is a triangle: a quarter of the draws below the middle of the low side
    assert np.mean(split["x"] < 1.5) == pytest.approx(0.125, abs=0.01)
    with pytest.raises(ConfigError, match=r"uncertainty\.distribution"):
        draw_values(ranges, 10, 1, "uniform")
    with pytest.raises(ConfigError, match=r"uncertainty\.draws"):
        draw_values(ranges, 0, 1)


def test_quantiles_treat_never_as_after_every_month() -> None:
    assert quantiles(np.array([10.0, 20.0, 30.0])) == [12.0, 20.0, 28.0]
    # 3 of 10 draws never pay back: P90 is "never", P50 is still a month
    x = np.array([1, 2, 3, 4, 5, 6, 7, np.nan, np.nan, np.nan])
    p10, p50, p90 = quantiles(x)
    assert p10 == pytest.approx(1.9) and p50 == pytest.approx(5.5) and p90 is None
    assert quantiles(np.full(4, np.nan)) == [None, None, None]


def test_key_kinds() -> None:
    assert key_kind("sizing.comfort_factor") == "plan"
    assert key_kind("fit.idle_cpu_util") == "plan"
    assert key_kind("platform.target_utilisation") == "plan"
    assert key_kind("platform.node_types.general-16.cores") == "plan"
    assert key_kind("platform.node_types.general-16.power_kw") == "quantity"
    assert key_kind("backup.os_disk_gib.linux") == "quantity"
    assert key_kind("platform.node_types.general-16.hardware_per_node_year") == "price"
    assert key_kind(LABOUR) == "price"


def test_scenario_table(small: Inventory, sample_estimate: Estimate) -> None:
    plain = estimate(small, uncertainty=False)
    table = scenario_table([("base", sample_estimate), ("small", plain)])
    assert table["name"].tolist() == ["base", "small"]
    assert list(table.columns) == ["name", "vms_moving", "nodes", "nodes_lower_bound",
                                   "annual_before", "annual_after", "annual_savings",
                                   "one_off_migration", "payback_months", "npv",
                                   "savings_p10", "savings_p90"]
    assert table.loc[1, "nodes"] == plain.summary["nodes"]
    assert table.loc[0, "annual_savings"] == sample_estimate.summary["annual_savings"]
    assert table.loc[0, "savings_p10"] == sample_estimate.uncertainty.annual_savings.p10
    assert np.isnan(table.loc[1, "savings_p90"])
    # one declared layout: the range columns are always there, NaN without a Monte Carlo
    assert scenario_table([("small", plain)])["savings_p10"].isna().all()


def test_grid_assigns_draws_to_several_plan_points(small: Inventory) -> None:
    # Fit thresholds re-plan exactly (a joint grid point moving them would too): pin them.
    a = load_assumptions(sets=["fit.stateful_storage_gib=2048", "fit.large_vcpus=16"])
    planner = Replanner(scoped(small, a), small.hosts, resolved(small, a))
    res, tornado = monte_carlo(planner, a.ranges(), draws=300, seed=1,
                               distribution="triangular", grid_points=5)
    assert set(np.unique(res.grid_index)) <= set(range(6)) and res.grid_index.max() > 0
    plan_keys = sum(key_kind(k) == "plan" for k in a.ranges())
    assert planner.runs["scaled"] == 2 * plan_keys + 5  # low and high cut runs, 5 grid points
    p10, p50, p90 = np.quantile(res.annual_savings, [0.1, 0.5, 0.9])
    assert p10 < p50 < p90
    # every ranged key that moves the savings, largest swing first (reports show the top 10)
    assert len(tornado) > 10 and (tornado["swing"] > 0).all()
    assert tornado["swing"].is_monotonic_decreasing


def _bitbrains_inventory(tmp_path: Path) -> tuple[Path, Path]:
    """The 20 Bitbrains VMs as a hand-kept inventory (the most cores and memory each trace
    shows), with the trace folder to size them from."""
    from shared_data import real_data

    trace = real_data("bitbrains-rnd", "2013-7")
    rows = ["name,vcpus,memory_gib,os,power state"]
    for i in range(1, 21):
        lines = [line.split(";\t") for line in
                 (trace / f"{i}.csv").read_text().splitlines()[1:]]
        cores = max(float(f[1]) for f in lines)
        memory_gib = max(float(f[5]) for f in lines) / 1024**2
        rows.append(f"{i},{cores:g},{memory_gib:.3f},Ubuntu Linux,poweredOn")
    path = tmp_path / "bitbrains.csv"
    path.write_text("\n".join(rows) + "\n")
    return path, trace


@pytest.mark.slow
@pytest.mark.parametrize("which", ["sample", "ibm", "kubev2v", "bitbrains"])
def test_every_point_lies_inside_its_range(which: str, tmp_path: Path) -> None:
    """On the sample and every real inventory in ../shared/data/real, the point savings, NPV,
    one-off and node capacity lie within their P10-P90."""
    from shared_data import IBM_WORKSHOP, KUBEV2V_EXAMPLE1, real_data

    series = None
    if which == "sample":
        inv = read_inventory(Path(__file__).resolve().parents[1] / "data" / "sample-rvtools.xlsx")
    elif which == "bitbrains":
        path, series = _bitbrains_inventory(tmp_path)
        inv = read_inventory(path)
    else:
        inv = read_inventory(real_data(*(IBM_WORKSHOP if which == "ibm" else KUBEV2V_EXAMPLE1)))
    est = estimate(inv, timeseries=series)
    if which == "bitbrains":
        assert est.quality.cpu_basis == {"vm_usage": 20}  # sized from the month of samples
    checked = {r.figure: r for r in est.ranges}
    for figure in ("Yearly savings", "Net present value", "One-off migration",
                   "Node capacity [physical cores]", "Node capacity [GiB]"):
        r = checked[figure]
        assert r.p10 is not None and r.p90 is not None
        assert r.p10 <= r.point <= r.p90, (figure, r)
    pb = checked["Payback"]
    if pb.point is not None and pb.p10 is not None:
        assert pb.p10 <= pb.point and (pb.p90 is None or pb.point <= pb.p90)
