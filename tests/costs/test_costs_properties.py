"""Property tests: on random small estates, per-VM costs add up and prices scale costs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cost_helpers import VALUES, currency_keys, make_settings, pool_frame, vm_frame
from hypothesis import given, settings
from hypothesis import strategies as st

from estimator.costs import compute_costs

SETTINGS = make_settings()
MONEY = set(currency_keys(VALUES))

vm_rows = st.lists(
    st.fixed_dictionaries({
        "os_family": st.sampled_from(["windows", "linux", "other", "unknown"]),
        "os_name": st.sampled_from(["Windows Server", "RHEL", "Ubuntu", "Windows"]),
        "host": st.sampled_from(["a", "b", "c.example.com", None]),
        "vcpus": st.floats(1, 32),
        "memory_gib": st.floats(0.5, 256),
        "storage_used_gib": st.one_of(st.none(), st.floats(0, 2000)),
        "in_scope": st.booleans(),
        "moves": st.booleans(),
        "retire_candidate": st.booleans(),
        "fit_level": st.sampled_from(["excellent", "good", "needs_work", "insufficient_data"]),
        "needs_os_upgrade": st.booleans(),
        "pool": st.sampled_from(["lin", "win", "gone"]),
        "cpu_request_cores": st.floats(0.1, 8),
        "memory_request_gib": st.floats(0.25, 64),
    }),
    max_size=12,
)
HOSTS = pd.DataFrame({"host": pd.array(["a", "b"], dtype="string"), "cpu_sockets": [2.0, 1.0],
                      "cores_per_socket": [24.0, 8.0], "cores": [48.0, 8.0]})
POOLS = pool_frame([
    {"pool": "lin", "node_type": "general-16", "nodes": 2, "node_cores": 16,
     "os_family": "linux"},
    {"pool": "win", "node_type": "general-32", "nodes": 1, "node_cores": 32,
     "os_family": "windows"},
])


def _rows(rows):
    return [{**r, "storage_used_gib": np.nan if r["storage_used_gib"] is None
             else r["storage_used_gib"]} for r in rows]


@settings(max_examples=25, deadline=None)
@given(rows=vm_rows, factor=st.sampled_from([0.0, 2.0, 3.5]))
def test_per_vm_sums_and_price_scaling(rows, factor):
    vms = vm_frame(_rows(rows)) if rows else vm_frame([{}]).iloc[0:0]
    pools = POOLS if any(r["moves"] and r["in_scope"] for r in rows) else None
    base = compute_costs(vms, HOSTS, pools, SETTINGS, VALUES)
    assert base.per_vm["annual_before"].sum() == pytest.approx(base.annual_before,
                                                                    rel=1e-9, abs=1e-6)
    assert base.per_vm["annual_after"].sum() == pytest.approx(base.annual_after,
                                                                   rel=1e-9, abs=1e-6)
    if not any(r["in_scope"] for r in rows):
        assert (base.annual_before, base.annual_after) == (0.0, 0.0)
    scaled = {k: v * factor if k in MONEY else v for k, v in VALUES.items()}
    other = compute_costs(vms, HOSTS, pools, SETTINGS, scaled)
    assert other.categories["annual_before"].to_numpy() == pytest.approx(
        factor * base.categories["annual_before"].to_numpy(), rel=1e-9, abs=1e-6)
    assert other.categories["annual_after"].to_numpy() == pytest.approx(
        factor * base.categories["annual_after"].to_numpy(), rel=1e-9, abs=1e-6)
    assert other.one_off_migration == pytest.approx(factor * base.one_off_migration)
