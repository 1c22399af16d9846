import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from estimator.inventory.units import (
    UNIT_IN_HEADER,
    parse_number,
    parse_quantity,
    percent_scale,
    to_fraction,
)


def _q(values, **kw):
    v, bad = parse_quantity(pd.Series(values, dtype=object), **kw)
    return [None if math.isnan(x) else round(x, 6) for x in v], bad.tolist()


def test_sizes_with_and_without_units():
    values, bad = _q(["16", "16 GB", "16GB", "16 GiB", "512 MB", "2 TB", "16 gb", 8, 2.5],
                     to="GiB", default_unit="GB")
    assert values == [16.0, 16.0, 16.0, 16.0, 0.5, 2048.0, 16.0, 8.0, 2.5]
    assert not any(bad)


def test_default_unit_and_target_unit_convert():
    values, _ = _q([4096, "4096", "4 GB"], to="GiB", default_unit="MB")
    assert values == [4.0, 4.0, 4.0]
    values, _ = _q([1.5], to="MiB", default_unit="GiB")
    assert values == [1536.0]


def test_decimal_comma_and_grouping():
    values, bad = _q(["0,5 GB", "1.024,5 MB", "1,5"], to="MiB", default_unit="MiB")
    assert values == [512.0, 1024.5, 1.5]
    values, _ = _q(["1,024.5", "1,024", "2,048,000"], to="MiB", default_unit="MiB")
    assert values == [1024.5, 1024.0, 2048000.0]
    assert not any(bad)


def test_ambiguous_thousands_follow_the_column():
    # "1,024" alone reads as a thousands separator ...
    assert _q(["1,024"], to="MiB", default_unit="MiB")[0] == [1024.0]
    # ... but as a decimal comma in a column that shows decimal commas elsewhere.
    assert _q(["1,024", "0,5", "2,25"], to="MiB", default_unit="MiB")[0] == [1.024, 0.5, 2.25]
    # and "1.024" is a thousands dot in a decimal-comma column.
    assert _q(["1.024", "0,5"], to="MiB", default_unit="MiB")[0] == [1024.0, 0.5]
    # forcing the decimal mark overrides the guess
    assert _q(["1,024"], to="MiB", default_unit="MiB", decimal=",")[0] == [1.024]


def test_space_grouping_and_leading_decimal():
    assert _q(["1 024 MB", ".5 GB", ",25"], to="GiB", default_unit="GB")[0] == [
        round(1024 / 1024, 6), 0.5, 0.25]


def test_blanks_and_markers_are_missing_not_bad():
    values, bad = _q([None, "", "  ", "n/a", "-", np.nan], to="GiB", default_unit="GB")
    assert values == [None] * 6
    assert bad == [False] * 6


def test_text_and_wrong_units_are_bad():
    values, bad = _q(["abc", "16 parsecs", "45 %", True, "1..2", "16 GB"], to="GiB",
                     default_unit="GB")
    assert bad == [True, True, True, True, True, False]
    assert values == [None, None, None, None, None, 16.0]


def test_numeric_column_passes_straight_through():
    v, bad = parse_quantity(pd.Series([1024.0, np.nan, 2048.0]), to="GiB", default_unit="MiB")
    assert v.tolist()[0] == 1.0 and math.isnan(v.tolist()[1]) and v.tolist()[2] == 2.0
    assert not bad.any()


def test_percent_quantities():
    values, bad = _q(["45 %", "45%", "12,5 %", 30], to="fraction", default_unit="%")
    assert values == [0.45, 0.45, 0.125, 0.3]
    assert not any(bad)


def test_incompatible_default_unit_is_a_programming_error():
    with pytest.raises(ValueError, match="cannot convert"):
        parse_quantity(pd.Series([1]), to="GiB", default_unit="%")


def test_index_is_kept():
    v, bad = parse_quantity(pd.Series(["1 GB", "x"], index=[5, 9]), to="MiB", default_unit="MB")
    assert list(v.index) == [5, 9] and list(bad.index) == [5, 9]
    assert v[5] == 1024.0 and bad[9]


def test_parse_number_counts_and_percentages():
    v, bad = parse_number(pd.Series(["4", 4.0, "45 %", "45%", "1.234,5", "x", "4 GB", None]))
    assert v.tolist()[:5] == [4.0, 4.0, 45.0, 45.0, 1234.5]
    assert bad.tolist() == [False, False, False, False, False, True, True, False]


def test_parse_number_forced_decimal_comma():
    v, _ = parse_number(pd.Series(["2,5", "1.000"]), decimal=",")
    assert v.tolist() == [2.5, 1000.0]


def test_percent_scale_and_to_fraction():
    assert percent_scale(pd.Series([0.1, 0.9, np.nan])) == "fraction"
    assert percent_scale(pd.Series([10.0, 90.0])) == "percent"
    assert percent_scale(pd.Series([np.nan])) == "fraction"
    v, _ = to_fraction(pd.Series([50, "20", "30 %"]), scale="auto")
    assert v.tolist() == [0.5, 0.2, 0.3]
    v, _ = to_fraction(pd.Series([0.5, 0.2]), scale="auto")
    assert v.tolist() == [0.5, 0.2]
    v, bad = to_fraction(pd.Series(["45,5", "abc"]), scale="percent")
    assert v.tolist()[0] == pytest.approx(0.455) and bad.tolist() == [False, True]


def test_unit_in_header():
    found = {h: (m.group("unit") if (m := UNIT_IN_HEADER.search(h.lower())) else None)
             for h in ("Memory (MB)", "ram_gb", "RAM [GiB]", "CPU %", "memory", "Server name")}
    assert found == {"Memory (MB)": "mb", "ram_gb": "gb", "RAM [GiB]": "gib", "CPU %": "%",
                     "memory": None, "Server name": None}


_UNITS = {"MB": 1 / 1024, "MiB": 1 / 1024, "GB": 1.0, "GiB": 1.0, "TB": 1024.0}


@settings(max_examples=60, deadline=None)
@given(
    value=st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False),
    unit=st.sampled_from(sorted(_UNITS)),
    comma=st.booleans(),
    space=st.booleans(),
)
def test_round_trip_formatted_sizes(value, unit, comma, space):
    text = f"{value:f}".rstrip("0").rstrip(".") or "0"
    if comma:
        text = text.replace(".", ",")
    cell = f"{text}{' ' if space else ''}{unit}"
    # Force the decimal mark the way it was written: a single value can be ambiguous.
    v, bad = parse_quantity(pd.Series([cell]), to="GiB", default_unit="GiB",
                            decimal="," if comma else ".")
    assert not bad[0]
    assert v[0] == pytest.approx(float(value) * _UNITS[unit], rel=1e-12, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e9, allow_nan=False), min_size=1,
                max_size=20))
def test_round_trip_grouped_english_and_european(numbers):
    english = [f"{x:,.2f}" for x in numbers]
    european = [s.replace(",", "_").replace(".", ",").replace("_", ".") for s in english]
    expected = [round(x, 2) for x in numbers]
    for cells in (english, european):
        v, bad = parse_number(pd.Series(cells))
        assert not bad.any()
        assert v.tolist() == pytest.approx(expected, rel=1e-12, abs=1e-9)
