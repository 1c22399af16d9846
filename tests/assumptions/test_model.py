"""The assumption model: metadata on every field, flat views, copies, currency in units."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from estimator.assumptions import Assumptions, KeyInfo, Range, default_assumptions
from estimator.assumptions._fields import NO_SOURCE
from estimator.assumptions.sections import node_annual_cost
from estimator.errors import ConfigError


@pytest.fixture(scope="module")
def a() -> Assumptions:
    return default_assumptions()


def test_every_numeric_field_has_unit_description_and_source(a: Assumptions) -> None:
    numeric = [e for e in a.entries() if e.numeric]
    assert len(numeric) >= 80
    for e in numeric:
        assert e.unit.strip(), e.key
        assert e.description.strip(), e.key
        assert e.source.strip(), e.key


def test_every_setting_has_a_description(a: Assumptions) -> None:
    for e in a.entries():
        assert e.description.strip(), e.key


def test_agreed_keys_exist(a: Assumptions) -> None:
    flat = a.flat_values()
    for key in (
        "sizing.comfort_factor",
        "sizing.os_overhead_memory_gib.windows",
        "sizing.os_overhead_cpu_cores.unknown",
        "fit.idle_cpu_util",
        "platform.node_types.general-16.hardware_per_node_year",
        "platform.node_types.memory-32.memory_gib",
        "platform.target_utilisation",
        "platform.subscription_per_core_year",
        "current.hypervisor_per_core_year",
        "licences.windows_datacenter_per_16_cores",
        "operations.platform_care_hours_per_workload_month",
        "backup.os_disk_gib.linux",
        "migration.hours_per_workload.insufficient_data",
        "finance.discount_rate",
        "uncertainty.draws",
    ):
        assert key in flat, key
    assert flat["platform.node_types.general-64.cores"] == 64.0
    assert flat["current.hypervisor_per_core_year"] == 243.0  # the middle of 135-350
    assert flat["operations.labour_per_hour"] == 62.0
    assert all(isinstance(v, float) for v in flat.values())


def test_settings_are_attributes(a: Assumptions) -> None:
    assert a.sizing.basis == "utilisation"
    assert a.scope.exclude_name_patterns == ("vCLS-*", "vCLS (*")
    assert a.platform.isolation_keys == ("os_family",)
    assert a.migration.ramp == (0.2, 0.5, 1.0)
    assert a.uncertainty.draws == 1000 and isinstance(a.uncertainty.draws, int)
    assert a.platform.node_types["general-32"].cores == 32


def test_node_cost_follows_the_documented_rule() -> None:
    # (3000 + 250*32 + 8*128) / 4 = 3006 -> 3010; range -20% / +30%
    cost = node_annual_cost(32, 128)
    assert cost.likely == 3010.0
    assert (cost.low, cost.high) == (2400.0, 3910.0)
    assert default_assumptions().platform.node_types["general-32"].hardware_per_node_year == cost


def test_weak_defaults_carry_ranges(a: Assumptions) -> None:
    ranges = a.ranges()
    for key in (
        "operations.patch_hours_per_os_month",
        "operations.labour_per_hour",
        "sizing.comfort_factor",
        "platform.target_utilisation",
        "current.host_price",
        "platform.node_types.general-16.hardware_per_node_year",
    ):
        low, likely, high = ranges[key]
        assert low < likely <= high or low <= likely < high, key
    assert ranges["sizing.comfort_factor"] == (1.1, 1.3, 2.0)
    # Every "no public source" default carries a range, except host shapes and the
    # informational node power (already inside hardware_per_node_year).
    structural = ("current.host_cores", "current.host_sockets", "current.host_memory_gib")
    for e in a.entries():
        if not e.numeric or not e.source.startswith(NO_SOURCE):
            continue
        if e.key in structural or e.key.endswith(".power_kw"):
            continue
        assert isinstance(e.value, Range), e.key


def test_ranges_only_lists_real_ranges(a: Assumptions) -> None:
    assert "sizing.min_cpu_request_cores" not in a.ranges()
    assert "uncertainty.seed" not in a.ranges()
    assert set(a.ranges()) < set(a.flat_values())


def test_with_values_sets_single_values(a: Assumptions) -> None:
    b = a.with_values({"sizing.comfort_factor": 1.7, "platform.node_types.general-16.cores": 24})
    assert b.sizing.comfort_factor == 1.7
    assert b.platform.node_types["general-16"].cores == 24
    assert "sizing.comfort_factor" not in b.ranges()
    assert b.changed_keys() == {"sizing.comfort_factor", "platform.node_types.general-16.cores"}
    assert a.sizing.comfort_factor == Range(low=1.1, likely=1.3, high=2.0)


def test_with_values_rejects_unknown_and_bad_values(a: Assumptions) -> None:
    with pytest.raises(ConfigError) as err:
        a.with_values({"sizing.comfort_factr": 1.5})
    assert str(err.value) == (
        "key 'sizing.comfort_factr': unknown numeric key (did you mean 'sizing.comfort_factor'?)"
    )
    with pytest.raises(ConfigError, match=r"key 'uncertainty.draws': must be a whole number"):
        a.with_values({"uncertainty.draws": 2.5})


def test_collapsed_keeps_likely_values(a: Assumptions) -> None:
    c = a.collapsed()
    assert c.ranges() == {}
    assert c.flat_values() == a.flat_values()
    assert c.sizing.comfort_factor == 1.3


def test_table_columns_and_values(a: Assumptions) -> None:
    t = a.table()
    assert list(t.columns) == [
        "key", "value", "low", "high", "unit", "description", "source", "changed"
    ]
    row = t.set_index("key").loc["sizing.comfort_factor"]
    assert (row["value"], row["low"], row["high"]) == (1.3, 1.1, 2.0)
    assert row["unit"] == "x"
    basis = t.set_index("key").loc["sizing.basis"]
    assert basis["value"] == "utilisation" and math.isnan(basis["low"])
    patterns = t.set_index("key").loc["fit.database_patterns", "value"]
    assert patterns[0] == "*sql*" and isinstance(patterns, list)
    assert not t["changed"].any()
    assert t["key"].is_unique


def test_units_follow_the_currency(a: Assumptions) -> None:
    eur = a.model_copy(update={"finance": a.finance.model_copy(update={"currency": "EUR"})})
    assert a.describe("operations.labour_per_hour").unit == "USD/h"
    assert eur.describe("operations.labour_per_hour").unit == "EUR/h"
    assert eur.describe("current.hypervisor_per_core_year").unit == "EUR per core per year"
    units = eur.table()["unit"]
    assert not units.str.contains("USD").any()
    assert not units.str.contains("{", regex=False).any()


def test_describe_returns_unit_description_source(a: Assumptions) -> None:
    info = a.describe("backup.storage_per_gb_month")
    assert isinstance(info, KeyInfo)
    unit, description, source = info
    assert unit == "USD per GB-month"
    assert description == "Backup storage price."
    assert "AWS S3" in source
    with pytest.raises(ConfigError, match="unknown key"):
        a.describe("backup.nope")


def test_models_are_frozen_and_strict(a: Assumptions) -> None:
    with pytest.raises(ValidationError):
        a.sizing.comfort_factor = 2.0  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Range(low=2, likely=1, high=3)
    with pytest.raises(ValidationError):
        Assumptions.model_validate({"sizing": {"nope": 1}})


def test_isolation_keys_always_start_with_os_family() -> None:
    b = Assumptions.model_validate({"platform": {"isolation_keys": ["environment"]}})
    assert b.platform.isolation_keys == ("os_family", "environment")
