"""Hand-computed cash flow: migration cost, ramp, payback month and NPV."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from cost_helpers import make_settings, vm_frame

from estimator.costs import (
    CATEGORIES,
    CostLines,
    cash_flow,
    cost_quantities,
    one_off_migration,
    ramp_shares,
)
from estimator.errors import ConfigError


def _lines(savings: float) -> CostLines:
    before = dict.fromkeys(CATEGORIES, 0.0)
    before["Backup"] = savings
    return CostLines(before, dict.fromkeys(CATEGORIES, 0.0), {}, 0.0, "USD")


def _quantities(values, settings, moving_by_fit, os_upgrades=0):
    q = cost_quantities(vm_frame([{}]), None, None, settings, values)
    return replace(q, moving_by_fit=moving_by_fit, os_upgrades=os_upgrades)


def test_one_off_migration_by_fit_level_and_os_upgrades(values, settings):
    q = _quantities(values, settings, {"excellent": 10, "good": 2, "needs_work": 1}, 3)
    # (10 x 8 + 2 x 16 + 1 x 60 + 3 x 24 h) x USD 62
    assert one_off_migration(q, values) == pytest.approx((80 + 32 + 60 + 72) * 62)


def test_payback_month_and_npv_hand_computed(values):
    # USD 12,000 of migration and USD 12,000 a year of savings, all moved during year 1:
    # year 1 saves 12,000 x 0.5 (linear move) - 12,000 = -6,000; year 2 adds 1,000 a month,
    # so the cumulative reaches 0 after month 18.
    values.update({"finance.horizon_years": 2.0,
                   "migration.hours_per_workload.excellent": 12000 / 62})
    s = make_settings(migration__ramp=[1.0])
    flow = cash_flow(_lines(12000.0), _quantities(values, s, {"excellent": 1}), s, values)
    frame = flow.to_frame()
    assert frame["migration_cost"].tolist() == pytest.approx([12000.0, 0.0])
    assert frame["savings"].tolist() == pytest.approx([6000.0, 12000.0])
    assert frame["cumulative"].tolist() == pytest.approx([-6000.0, 6000.0])
    assert flow.payback_months == pytest.approx(18.0)
    assert flow.npv == pytest.approx(-6000 / 1.07 + 12000 / 1.07**2)
    assert frame["discounted"].sum() == pytest.approx(flow.npv)


def test_payback_interpolates_within_the_month(values):
    # As above with USD 12,500: cumulative -6,500 at month 12, +1,000 a month -> 18.5 months.
    values.update({"finance.horizon_years": 2.0,
                   "migration.hours_per_workload.excellent": 12500 / 62})
    s = make_settings(migration__ramp=[1.0])
    flow = cash_flow(_lines(12000.0), _quantities(values, s, {"excellent": 1}), s, values)
    assert flow.payback_months == pytest.approx(18.5)


def test_default_ramp_spreads_spend_and_savings(values, settings):
    values["migration.hours_per_workload.excellent"] = 1000 / 62
    flow = cash_flow(_lines(100.0), _quantities(values, settings, {"excellent": 1}), settings,
                     values)
    frame = flow.to_frame()
    assert frame["year"].tolist() == [1, 2, 3, 4, 5]
    # moved by end of year: 20 %, 50 %, 100 %, then held
    assert frame["migration_cost"].tolist() == pytest.approx([200.0, 300.0, 500.0, 0.0, 0.0])
    # savings on the mean share moved during each year
    assert frame["savings"].tolist() == pytest.approx([10.0, 35.0, 75.0, 100.0, 100.0])


def test_never_pays_back(values, settings):
    q = _quantities(values, settings, {"needs_work": 10})
    flow = cash_flow(_lines(10.0), q, settings, values)
    assert flow.payback_months is None
    assert flow.notes == ("The migration does not pay back within the 5-year horizon.",)
    flow = cash_flow(_lines(0.0), _quantities(values, settings, {}), settings, values)
    assert flow.payback_months is None


def test_no_migration_cost_pays_back_at_once(values, settings):
    flow = cash_flow(_lines(1000.0), _quantities(values, settings, {}), settings, values)
    assert flow.payback_months == 0.0


def test_payback_per_draw_with_nan_for_never(values):
    values.update({"finance.horizon_years": 2.0,
                   "migration.hours_per_workload.excellent": 12000 / 62})
    s = make_settings(migration__ramp=[1.0])
    lines = CostLines({**dict.fromkeys(CATEGORIES, 0.0), "Backup": np.array([12000.0, 1.0])},
                      dict.fromkeys(CATEGORIES, 0.0), {}, 0.0, "USD")
    flow = cash_flow(lines, _quantities(values, s, {"excellent": 1}), s, values)
    assert flow.payback_months[0] == pytest.approx(18.0)
    assert np.isnan(flow.payback_months[1])
    assert flow.net.shape == (2, 2)


def test_ramp_must_be_non_decreasing_shares():
    assert ramp_shares([0.2, 0.5], 4).tolist() == [0.0, 0.2, 0.5, 0.5, 0.5]
    with pytest.raises(ConfigError, match=r"migration\.ramp"):
        ramp_shares([0.5, 0.2], 3)
    with pytest.raises(ConfigError, match=r"migration\.ramp"):
        ramp_shares([1.5], 3)


def test_level_without_its_own_effort_uses_needs_work(values, settings):
    q = _quantities(values, settings, {"no_fit": 2})
    assert one_off_migration(q, values) == pytest.approx(2 * 60 * 62)
    flow = cash_flow(_lines(1e6), q, settings, values)
    assert flow.notes[0] == ("2 moving workloads of fit level 'no_fit' were given the "
                             "needs_work migration effort.")
