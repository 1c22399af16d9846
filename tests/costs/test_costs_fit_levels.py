"""The fit levels in the cost model: retiring levels cost before and nothing after; a VM that
stays a VM (an infrastructure role, a desktop) is residual estate like a no-fit VM."""

from __future__ import annotations

import pytest
from cost_helpers import vm_frame

from estimator.costs import compute_costs, cost_quantities


def test_retiring_with_the_platform_costs_before_and_nothing_after(values, settings):
    vms = vm_frame([{"fit_level": "retire_with_platform"}, {"fit_level": "retire_idle",
                                                           "retire_candidate": True}])
    r = compute_costs(vms, None, None, settings, values)
    assert r.annual_before > 0
    assert r.annual_after == 0.0
    assert r.per_vm["annual_after"].tolist() == [0.0, 0.0]
    assert any("1 virtualisation-management VM retires with the platform" in n for n in r.notes)
    assert any("1 idle or zombie VM is retired" in n for n in r.notes)
    q = cost_quantities(vms, None, None, settings, values)
    assert (q.vms_retired, q.vms_staying, q.vms_moving) == (2, 0, 0)


def test_staying_roles_are_residual_like_no_fit(values, settings):
    stays = compute_costs(vm_frame([{"fit_level": "stays_vm"}] * 2), None, None, settings,
                          values)
    no_fit = compute_costs(vm_frame([{"fit_level": "no_fit"}] * 2), None, None, settings, values)
    assert stays.annual_after > 0
    assert stays.annual_before == pytest.approx(no_fit.annual_before)
    assert stays.annual_after == pytest.approx(no_fit.annual_after)
    q = cost_quantities(vm_frame([{"fit_level": "stays_vm"}]), None, None, settings, values)
    assert (q.vms_retired, q.vms_staying) == (0, 1)
