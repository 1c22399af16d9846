"""Container sizing: each step worked out by hand, fallbacks, replicas and pool names."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from estimator.assumptions import load_assumptions
from estimator.errors import ConfigError
from estimator.sizing import SIZING_COLUMNS, assign_pools, size_containers

# The numbers the hand computations below assume, pinned through the real loader (which
# validates every key) rather than taken from whatever the defaults are today.
PINNED = {
    "sizing.comfort_factor": 1.3,
    "sizing.os_overhead_memory_gib.windows": 2.0,
    "sizing.os_overhead_memory_gib.linux": 0.5,
    "sizing.os_overhead_memory_gib.other": 1.0,
    "sizing.os_overhead_memory_gib.unknown": 1.0,
    "sizing.os_overhead_cpu_cores.windows": 0.25,
    "sizing.os_overhead_cpu_cores.linux": 0.1,
    "sizing.os_overhead_cpu_cores.other": 0.1,
    "sizing.os_overhead_cpu_cores.unknown": 0.1,
    "sizing.min_cpu_request_cores": 0.1,
    "sizing.min_memory_request_gib": 0.25,
    "sizing.replicas": 1,
    "sizing.memory_position": 0.5,
    "current.vcpu_per_core": 4,
}
ASSUMPTIONS = load_assumptions(sets=[f"{k}={v}" for k, v in PINNED.items()])
VALUES: dict[str, float] = ASSUMPTIONS.flat_values()
UTILISATION = ASSUMPTIONS.sizing
ALLOCATED = ASSUMPTIONS.sizing.model_copy(update={"basis": "allocated"})


def vms(**columns: list) -> pd.DataFrame:
    """A small VM frame; os_family defaults to linux."""
    n = len(next(iter(columns.values())))
    columns.setdefault("os_family", ["linux"] * n)
    frame = pd.DataFrame(columns)
    frame["os_family"] = frame["os_family"].astype("string")
    for col in ("vcpus", "memory_gib", "cpu_util", "memory_util"):
        if col in frame:
            frame[col] = frame[col].astype("float64")
    return frame


def test_utilisation_basis_worked_example() -> None:
    # 8 × 0.25 × 1.3 − 0.1 = 2.5 cores; 32 × 0.5 × 1.3 − 0.5 = 20.3 GiB.
    result = size_containers(
        vms(vcpus=[8], memory_gib=[32], cpu_util=[0.25], memory_util=[0.5]), UTILISATION, VALUES)
    row = result.frame.iloc[0]
    assert row["cpu_request_cores"] == pytest.approx(2.5)
    assert row["memory_request_gib"] == pytest.approx(20.3)
    assert (row["cpu_basis"], row["memory_basis"]) == ("vm_usage", "vm_usage")
    assert row["replicas"] == 1
    assert result.fallbacks == 0
    assert list(result.frame.columns) == list(SIZING_COLUMNS)


def test_windows_overhead_is_larger() -> None:
    # 4 × 0.5 × 1.3 − 0.25 = 2.35 cores; 16 × 0.5 × 1.3 − 2.0 = 8.4 GiB.
    result = size_containers(
        vms(vcpus=[4], memory_gib=[16], cpu_util=[0.5], memory_util=[0.5],
            os_family=["windows"]), UTILISATION, VALUES)
    assert result.frame["cpu_request_cores"].iloc[0] == pytest.approx(2.35)
    assert result.frame["memory_request_gib"].iloc[0] == pytest.approx(8.4)


def test_missing_or_odd_family_uses_unknown_overhead() -> None:
    # unknown overhead: 0.1 core, 1.0 GiB -> 8 / 4 − 0.1 and 32 − 1.0 on the allocated basis.
    frame = vms(vcpus=[8, 8], memory_gib=[32, 32], os_family=[None, "Plan9"])
    result = size_containers(frame, ALLOCATED, VALUES)
    assert result.frame["cpu_request_cores"].tolist() == pytest.approx([1.9, 1.9])
    assert result.frame["memory_request_gib"].tolist() == pytest.approx([31.0, 31.0])


def test_fallback_per_dimension_is_counted() -> None:
    frame = vms(vcpus=[8, 8, 8], memory_gib=[32, 32, 32],
                cpu_util=[np.nan, 0.25, np.nan], memory_util=[0.5, 0.5, np.nan])
    result = size_containers(frame, UTILISATION, VALUES)
    out = result.frame
    # Row 0: CPU at today's ratio (8 / 4 − 0.1; never 1 vCPU = 1 core), memory from use.
    assert out["cpu_request_cores"].tolist() == pytest.approx([1.9, 2.5, 1.9])
    assert out["memory_request_gib"].tolist() == pytest.approx([20.3, 20.3, 31.5])
    assert out["cpu_basis"].tolist() == ["vcpu_ratio", "vm_usage", "vcpu_ratio"]
    assert out["memory_basis"].tolist() == ["vm_usage", "vm_usage", "allocated"]
    assert result.fallbacks == 2


def test_only_in_scope_fallbacks_are_counted() -> None:
    frame = vms(vcpus=[8, 8, 8], memory_gib=[32, 32, 32], cpu_util=[np.nan] * 3,
                memory_util=[0.5] * 3)
    frame["in_scope"] = [True, False, True]
    result = size_containers(frame, UTILISATION, VALUES)
    assert result.fallbacks == 2
    assert result.frame["cpu_basis"].tolist() == ["vcpu_ratio"] * 3


def test_allocated_basis_ignores_usage_and_counts_no_fallbacks() -> None:
    frame = vms(vcpus=[8, 2], memory_gib=[32, 4], cpu_util=[0.25, np.nan],
                memory_util=[0.5, np.nan])
    result = size_containers(frame, ALLOCATED, VALUES)
    # CPU at today's 4 vCPUs per core: 8 / 4 − 0.1 and 2 / 4 − 0.1
    assert result.frame["cpu_request_cores"].tolist() == pytest.approx([1.9, 0.4])
    assert result.frame["memory_request_gib"].tolist() == pytest.approx([31.5, 3.5])
    assert set(result.frame["cpu_basis"]) == {"vcpu_ratio"}
    assert set(result.frame["memory_basis"]) == {"allocated"}
    assert result.fallbacks == 0


def test_measured_ratio_beats_the_assumed_one() -> None:
    frame = vms(vcpus=[6, 6], memory_gib=[8, 8])
    frame["vcpu_per_core_measured"] = [3.0, np.nan]
    out = size_containers(frame, UTILISATION, VALUES).frame
    assert out["cpu_request_cores"].tolist() == pytest.approx([6 / 3 - 0.1, 6 / 4 - 0.1])


def test_host_usage_when_the_vm_has_none() -> None:
    frame = vms(vcpus=[4, 4], memory_gib=[16, 16], cpu_util=[0.5, np.nan],
                memory_util=[np.nan, np.nan])
    frame["host_cpu_used_cores"] = [9.0, 2.0]
    frame["host_memory_used_gib"] = [np.nan, 6.0]
    out = size_containers(frame, UTILISATION, VALUES).frame
    # row 0 keeps its own CPU use (4 × 0.5 × 1.3 − 0.1); row 1: 2 × 1.3 − 0.1, 6 × 1.3 − 0.5
    assert out["cpu_request_cores"].tolist() == pytest.approx([2.5, 2.5])
    assert out["memory_request_gib"].tolist() == pytest.approx([15.5, 7.3])
    assert out["cpu_basis"].tolist() == ["vm_usage", "host_usage"]
    assert out["memory_basis"].tolist() == ["allocated", "host_usage"]


def test_memory_bracket_between_active_and_consumed() -> None:
    # active 4, consumed 12 of 16 GiB, Linux: position 0.5 -> (4 + 0.5 × 8) × 1.3 − 0.5 = 9.9
    frame = vms(vcpus=[2, 2], memory_gib=[16, 16], memory_util=[0.25, 0.25])
    frame["memory_active_gib"] = [4.0, 4.0]
    frame["memory_consumed_gib"] = [12.0, np.nan]
    out = size_containers(frame, UTILISATION, VALUES).frame
    # without Consumed the high end is allocation less the guest OS: 16 − 0.5 = 15.5
    assert out["memory_request_gib"].tolist() == pytest.approx(
        [9.9, (4 + 0.5 * 11.5) * 1.3 - 0.5])
    assert out["memory_basis"].tolist() == ["active_consumed", "active_allocated"]
    ends = []
    for position in (0.0, 1.0):
        v = {**VALUES, "sizing.memory_position": position}
        ends.append(size_containers(frame, UTILISATION, v).frame["memory_request_gib"].iloc[0])
    assert ends == pytest.approx([4 * 1.3 - 0.5, 12 * 1.3 - 0.5])
    assert ends[0] < out["memory_request_gib"].iloc[0] < ends[1]


def test_time_series_memory_wins_over_the_snapshot() -> None:
    frame = vms(vcpus=[2], memory_gib=[16], memory_util=[0.5])
    frame["memory_active_gib"] = [4.0]
    frame["memory_consumed_gib"] = [12.0]
    frame["usage_source"] = ["timeseries"]
    out = size_containers(frame, UTILISATION, VALUES).frame
    assert out["memory_basis"].iloc[0] == "vm_usage"
    assert out["memory_request_gib"].iloc[0] == pytest.approx(16 * 0.5 * 1.3 - 0.5)


def test_minimum_request_floor() -> None:
    # 1 × 0.01 × 1.3 − 0.1 < 0 -> 0.1 core; 2 × 0.01 × 1.3 − 0.5 < 0 -> 0.25 GiB.
    result = size_containers(
        vms(vcpus=[1], memory_gib=[2], cpu_util=[0.01], memory_util=[0.01]), UTILISATION, VALUES)
    assert result.frame["cpu_request_cores"].iloc[0] == pytest.approx(0.1)
    assert result.frame["memory_request_gib"].iloc[0] == pytest.approx(0.25)


def test_never_above_allocated() -> None:
    # 4 × 1.0 × 1.3 − 0.1 = 5.1 -> capped at 4; 2 × 0.9 × 1.3 − 0.5 = 1.84 stays.
    # A 0.125 GiB VM: the 0.25 GiB floor is capped back to its allocation.
    frame = vms(vcpus=[4, 1], memory_gib=[2, 0.125], cpu_util=[1.0, 0.5],
                memory_util=[0.9, 0.5])
    out = size_containers(frame, UTILISATION, VALUES).frame
    assert out["cpu_request_cores"].tolist() == pytest.approx([4.0, 0.55])
    assert out["memory_request_gib"].tolist() == pytest.approx([1.84, 0.125])


def test_missing_size_gives_missing_request_not_a_fallback() -> None:
    frame = vms(vcpus=[np.nan], memory_gib=[8], cpu_util=[np.nan], memory_util=[np.nan])
    result = size_containers(frame, UTILISATION, VALUES)
    assert np.isnan(result.frame["cpu_request_cores"].iloc[0])
    assert result.frame["memory_request_gib"].iloc[0] == pytest.approx(7.5)
    assert result.fallbacks == 0


def test_comfort_factor_is_read_from_values() -> None:
    values = {**VALUES, "sizing.comfort_factor": 2.0}
    # 8 × 0.25 × 2 − 0.1 = 3.9
    out = size_containers(
        vms(vcpus=[8], memory_gib=[32], cpu_util=[0.25], memory_util=[0.5]), UTILISATION,
        values).frame
    assert out["cpu_request_cores"].iloc[0] == pytest.approx(3.9)
    assert out["memory_request_gib"].iloc[0] == pytest.approx(31.5)


def test_replicas_default_and_override() -> None:
    frame = vms(vcpus=[2, 2, 2], memory_gib=[4, 4, 4])
    # float64 with NaN where not given, as estimator.scope provides it.
    frame["override_replicas"] = [np.nan, 3.0, 1.0]
    out = size_containers(frame, ALLOCATED, {**VALUES, "sizing.replicas": 2.0}).frame
    assert out["replicas"].tolist() == [2, 3, 1]
    assert str(out["replicas"].dtype) == "Int64"


def test_bad_replicas_raise_config_error() -> None:
    frame = vms(vcpus=[2], memory_gib=[4])
    frame["name"] = pd.array(["web01"], dtype="string")
    frame["override_replicas"] = [0]
    with pytest.raises(ConfigError, match=r"web01.*whole number >= 1"):
        size_containers(frame, ALLOCATED, VALUES)
    with pytest.raises(ConfigError, match=r"sizing.replicas"):
        size_containers(vms(vcpus=[2], memory_gib=[4]), ALLOCATED,
                        {**VALUES, "sizing.replicas": 1.5})


def test_bad_basis_and_missing_key_raise_config_error() -> None:
    frame = vms(vcpus=[2], memory_gib=[4])
    with pytest.raises(ConfigError, match=r"sizing.basis.*'peak'"):
        size_containers(frame, SimpleNamespace(basis="peak"), VALUES)
    values = {k: v for k, v in VALUES.items() if k != "sizing.comfort_factor"}
    with pytest.raises(ConfigError, match=r"sizing.comfort_factor"):
        size_containers(frame, UTILISATION, values)


def test_keeps_the_input_index() -> None:
    frame = vms(vcpus=[2, 4], memory_gib=[4, 8]).set_axis([10, 20])
    assert size_containers(frame, ALLOCATED, VALUES).frame.index.tolist() == [10, 20]


def test_pool_names_from_isolation_keys() -> None:
    frame = pd.DataFrame({
        "os_family": ["linux", "windows", "windows", None],
        "environment": ["prod", "Prod ", None, "dev"],
        "security_zone": ["dmz", "dmz", "", "a/b"],
    }).astype("string")
    assert assign_pools(frame, ["os_family"]).tolist() == ["linux", "windows", "windows", "unset"]
    # os_family always comes first, even when not listed.
    assert assign_pools(frame, ["environment", "security_zone"]).tolist() == [
        "linux/prod/dmz", "windows/prod/dmz", "windows/unset/unset", "unset/dev/a-b"]


def test_pool_key_must_be_a_column() -> None:
    frame = pd.DataFrame({"os_family": ["linux"]})
    with pytest.raises(ConfigError, match=r"platform.isolation_keys.*owner"):
        assign_pools(frame, ["owner"])


finite = st.floats(min_value=0.0, max_value=1.5, allow_nan=False)


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.floats(min_value=0.5, max_value=256),
            st.floats(min_value=0.0625, max_value=4096),
            st.one_of(st.none(), finite),
            st.one_of(st.none(), finite),
            st.sampled_from(["linux", "windows", "other", "unknown"]),
        ),
        min_size=1, max_size=30),
    basis=st.sampled_from(["utilisation", "allocated"]),
)
def test_requests_are_positive_and_never_above_allocated(rows: list, basis: str) -> None:
    vcpus, memory, cpu_util, mem_util, family = zip(*rows, strict=True)
    frame = vms(vcpus=list(vcpus), memory_gib=list(memory),
                cpu_util=[np.nan if u is None else u for u in cpu_util],
                memory_util=[np.nan if u is None else u for u in mem_util],
                os_family=list(family))
    result = size_containers(frame, SimpleNamespace(basis=basis), VALUES)
    out = result.frame
    assert (out["cpu_request_cores"] > 0).all()
    assert (out["memory_request_gib"] > 0).all()
    assert (out["cpu_request_cores"] <= frame["vcpus"]).all()
    assert (out["memory_request_gib"] <= frame["memory_gib"]).all()
    assert 0 <= result.fallbacks <= len(frame)
    if basis == "utilisation":
        own = (out["cpu_basis"] == "vm_usage") & (out["memory_basis"] == "vm_usage")
        assert result.fallbacks == (~own).sum()
    else:
        assert result.fallbacks == 0


def test_unknown_isolation_keys_are_named_with_a_plural_that_agrees() -> None:
    frame = pd.DataFrame({"os_family": ["linux"]})
    with pytest.raises(ConfigError, match=r"isolation key team is not an inventory column"):
        assign_pools(frame, ["team"])
    with pytest.raises(ConfigError, match=r"isolation keys team, site are not inventory columns"):
        assign_pools(frame, ["team", "site"])
