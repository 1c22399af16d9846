"""Loading: override order, presets, files, --set, and one clear ConfigError per mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from estimator.assumptions import PRESETS, Range, default_assumptions, load_assumptions, to_toml
from estimator.assumptions.load import parse_set
from estimator.errors import ConfigError


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_no_overrides_gives_the_defaults() -> None:
    assert load_assumptions() == default_assumptions()
    assert load_assumptions("typical") == default_assumptions()


def test_override_order_defaults_preset_files_set(tmp_path: Path) -> None:
    first = write(tmp_path, "1.toml", "[sizing]\ncomfort_factor = 1.6\nmemory_percentile = 99\n")
    second = write(tmp_path, "2.toml", "[sizing]\ncomfort_factor = 1.7\n")
    preset_only = load_assumptions("conservative")
    assert preset_only.sizing.comfort_factor == Range(low=1.3, likely=1.5, high=2.0)
    files = load_assumptions("conservative", files=[first, second])
    assert files.sizing.comfort_factor == 1.7  # later file wins over earlier file and preset
    assert files.sizing.memory_percentile == 99  # earlier file still applies where not overridden
    assert files.platform.target_utilisation == Range(low=0.6, likely=0.7, high=0.8)
    final = load_assumptions("conservative", [first, second], ["sizing.comfort_factor=1.8"])
    assert final.sizing.comfort_factor == 1.8  # --set wins over everything
    assert final.changed_keys() >= {"sizing.comfort_factor", "sizing.memory_percentile"}


def test_partial_file_changes_only_its_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "p.toml", "[operations]\nlabour_per_hour = 80\n")
    a = load_assumptions(files=[path])
    assert a.changed_keys() == {"operations.labour_per_hour"}
    assert a.operations == default_assumptions().operations.model_copy(
        update={"labour_per_hour": 80.0}
    )


@pytest.mark.parametrize("preset", PRESETS)
def test_presets_load(preset: str) -> None:
    a = load_assumptions(preset)
    assert a.finance.currency == "USD"
    assert (preset == "typical") == (not a.changed_keys())


def test_conservative_and_aggressive_move_savings_levers_apart() -> None:
    cons = load_assumptions("conservative").flat_values()
    aggr = load_assumptions("aggressive").flat_values()
    base = default_assumptions().flat_values()
    # Bigger requests and emptier nodes -> more nodes; the aggressive preset does the opposite.
    key = "sizing.comfort_factor"
    assert cons[key] > base[key] > aggr[key]
    key = "platform.target_utilisation"
    assert cons[key] < base[key] < aggr[key]
    # VM effort saved is smaller, container effort larger, under conservative.
    for key in ("operations.patch_hours_per_os_month", "sizing.os_overhead_memory_gib.windows"):
        assert cons[key] < base[key] < aggr[key], key
    for key in (
        "operations.node_care_hours_per_node_month",
        "platform.subscription_per_core_year",
        "migration.hours_per_workload.needs_work",
    ):
        assert cons[key] > base[key] > aggr[key], key


def test_set_nested_node_type_key_and_range() -> None:
    a = load_assumptions(
        sets=[
            "platform.node_types.general-16.hardware_per_node_year=9000",
            "sizing.comfort_factor={low=1.1, likely=1.3, high=1.6}",
            "sizing.basis=allocated",
            'finance.currency="EUR"',
            'scope.exclude_name_patterns=["tmp-*"]',
        ]
    )
    assert a.platform.node_types["general-16"].hardware_per_node_year == 9000.0
    assert a.sizing.comfort_factor == Range(low=1.1, likely=1.3, high=1.6)
    assert a.sizing.basis == "allocated"
    assert a.finance.currency == "EUR"
    assert a.scope.exclude_name_patterns == ("tmp-*",)
    assert a.describe("platform.node_types.general-16.hardware_per_node_year").unit == (
        "EUR per node per year"
    )


def test_partial_range_over_a_single_value_keeps_it_as_likely(tmp_path: Path) -> None:
    text = "[sizing]\nmin_cpu_request_cores = { low = 0.05, high = 0.2 }\n"
    path = write(tmp_path, "r.toml", text)
    a = load_assumptions(files=[path])
    assert a.sizing.min_cpu_request_cores == Range(low=0.05, likely=0.1, high=0.2)
    b = load_assumptions(sets=["sizing.comfort_factor.high=1.5"])
    assert b.sizing.comfort_factor == Range(low=1.1, likely=1.3, high=1.5)


def test_new_node_type_from_a_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "n.toml",
        "[platform.node_types.big-96]\ncores = 96\nmemory_gib = 768\n"
        'hardware_per_node_year = 9500\nos = "linux"\n',
    )
    a = load_assumptions(files=[path])
    assert list(a.platform.node_types)[-1] == "big-96"
    assert len(a.platform.node_types) == len(default_assumptions().platform.node_types) + 1
    assert a.flat_values()["platform.node_types.big-96.memory_gib"] == 768.0
    assert a.platform.node_types["big-96"].power_kw == 0.0
    assert "platform.node_types.big-96.cores" in a.changed_keys()


def test_every_numeric_key_can_be_set() -> None:
    sets = []
    for e in default_assumptions().entries():
        if not e.numeric:
            continue
        new = e.value + 1 if isinstance(e.value, int) else e.likely * 1.01 + 0.01
        sets.append(f"{e.key}={new!r}")
    a = load_assumptions(sets=sets)
    assert a.changed_keys() == {item.split("=")[0] for item in sets}
    assert a.ranges() == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[sizing]\ncomfort_factr = 1.5\n",
            "bad.toml, key 'sizing.comfort_factr': unknown key "
            "(did you mean 'sizing.comfort_factor'?)",
        ),
        (
            "[sizng]\ncomfort_factor = 1.5\n",
            "bad.toml, key 'sizng': unknown key (did you mean 'sizing'?)",
        ),
        (
            '[sizing]\ncomfort_factor = "high"\n',
            "bad.toml, key 'sizing.comfort_factor': expected a number or {low, likely, high}, "
            "got 'high'",
        ),
        (
            "[sizing]\ncomfort_factor = { low = 2.0, likely = 1.3, high = 1.6 }\n",
            "bad.toml, key 'sizing.comfort_factor': range must have low <= likely <= high, "
            "got low=2, likely=1.3, high=1.6",
        ),
        (
            "[sizing]\nmin_cpu_request_cores = { low = 0.05 }\n",
            "bad.toml, key 'sizing.min_cpu_request_cores': a range needs low, likely and high; "
            "missing high",
        ),
        (
            "[current]\nhost_price = -5\n",
            "bad.toml, key 'current.host_price': must be >= 0, got -5",
        ),
        (
            "[sizing]\ncpu_percentile = 120\n",
            "bad.toml, key 'sizing.cpu_percentile': must be <= 100, got 120",
        ),
        (
            "[uncertainty]\ndraws = { low = 1, likely = 2, high = 3 }\n",
            "bad.toml, key 'uncertainty.draws': expected a single number, not a range",
        ),
        (
            '[sizing]\nbasis = "guess"\n',
            "bad.toml, key 'sizing.basis': must be 'utilisation' or 'allocated', got 'guess'",
        ),
        (
            '[scope]\ninclude_templates = "yes"\n',
            "bad.toml, key 'scope.include_templates': expected true or false, got 'yes'",
        ),
        (
            "[migration]\nramp = [0.5, 0.2]\n",
            "bad.toml, key 'migration.ramp': ramp shares must not decrease",
        ),
        (
            '[finance]\ncurrency = "euro"\n',
            "bad.toml, key 'finance.currency': currency must be a 3-letter ISO code like USD or "
            "EUR, got 'euro'",
        ),
        (
            "[platform.node_types.tiny]\ncores = 4\n",
            "bad.toml, key 'platform.node_types.tiny.memory_gib': missing value",
        ),
        (
            "[sizing]\ncomfort_factor = \n",
            "bad.toml: invalid TOML: Invalid value (at line 2, column 18)",
        ),
        (
            "sizing = 3\n",
            "bad.toml, key 'sizing': expected a table, got 3",
        ),
        (
            '[scope]\nexclude_clusters = "lab"\n',
            "bad.toml, key 'scope.exclude_clusters': expected a list, got 'lab'",
        ),
    ],
)
def test_bad_files_give_one_clear_message(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "bad.toml", text)
    with pytest.raises(ConfigError) as err:
        load_assumptions(files=[path])
    assert str(err.value).replace(str(tmp_path) + "/", "") == message


def test_error_names_the_file_that_caused_it(tmp_path: Path) -> None:
    good = write(tmp_path, "good.toml", "[sizing]\ncomfort_factor = 1.5\n")
    bad = write(tmp_path, "bad.toml", "[sizing]\ncpu_percentile = 101\n")
    with pytest.raises(ConfigError) as err:
        load_assumptions(files=[good, bad])
    assert err.value.file == str(bad)
    assert err.value.key == "sizing.cpu_percentile"


def test_missing_file_and_unknown_preset(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_assumptions(files=[tmp_path / "nope.toml"])
    assert str(err.value) == f"{tmp_path / 'nope.toml'}: assumptions file not found"
    with pytest.raises(ConfigError) as err:
        load_assumptions("optimistic")
    assert str(err.value) == (
        "key 'preset': unknown preset 'optimistic' (choose from conservative, typical, aggressive)"
    )


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("sizing.comfort_factor", "--set: expected KEY=VALUE, got 'sizing.comfort_factor'"),
        ("sizing.comfort_factor=", "--set, key 'sizing.comfort_factor': missing value after '='"),
        ("sizing..x=1", "--set, key 'sizing..x': empty part in dotted key"),
        (
            "sizing.comfort_factor=1,3",
            "--set, key 'sizing.comfort_factor': expected a number or {low, likely, high}, "
            "got '1,3'",
        ),
        (
            "operations.labour_per_hour=-1",
            "--set, key 'operations.labour_per_hour': must be >= 0, got -1",
        ),
        (
            "platform.node_types.general-16.cors=8",
            "--set, key 'platform.node_types.general-16.cors': unknown key "
            "(did you mean 'platform.node_types.general-16.cores'?)",
        ),
        (
            "sizing.comfort_factor={low=1.6, likely=1.3, high=2.0}",
            "--set, key 'sizing.comfort_factor': range must have low <= likely <= high, "
            "got low=1.6, likely=1.3, high=2",
        ),
    ],
)
def test_bad_set_values_give_one_clear_message(item: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_assumptions(sets=[item])
    assert str(err.value) == message


def test_parse_set_reads_toml_literals() -> None:
    assert parse_set("a.b=1.5") == ("a.b", 1.5)
    assert parse_set("a.b = true") == ("a.b", True)
    assert parse_set("a.b=[1, 2]") == ("a.b", [1, 2])
    assert parse_set("a.b=word") == ("a.b", "word")


@pytest.mark.parametrize("preset", PRESETS)
def test_round_trip_through_toml(tmp_path: Path, preset: str) -> None:
    a = load_assumptions(preset, sets=["finance.currency=EUR", "scope.overrides_file=ov.csv"])
    path = write(tmp_path, "all.toml", to_toml(a))
    assert load_assumptions(files=[path]) == a


def test_old_key_spellings_still_load_with_a_note(tmp_path: Path) -> None:
    from estimator.assumptions.load import RenamedKeyWarning

    path = write(tmp_path, "old.toml",
                 "[operations]\nlabour_usd_per_hour = 80\n"
                 "[platform.node_types.general-16]\nannual_cost_usd = 9000\n")
    with pytest.warns(RenamedKeyWarning) as caught:
        a = load_assumptions(files=[path])
    messages = " | ".join(str(w.message) for w in caught)
    assert "'operations.labour_usd_per_hour' is now 'operations.labour_per_hour'" in messages
    assert "general-16.annual_cost_usd' is now" in messages
    assert a.operations.labour_per_hour == 80
    assert a.platform.node_types["general-16"].hardware_per_node_year == 9000
    with pytest.warns(RenamedKeyWarning, match="current.host_price"):
        b = load_assumptions(sets=["current.host_price_usd=30000"])
    assert b.current.host_price == 30000
