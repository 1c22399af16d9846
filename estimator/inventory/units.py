"""Parsing numbers and sizes as people type them into inventories.

Cells may hold numbers, or text such as `16`, `16 GB`, `16GB`, `0,5 GB`, `1.024,5 MB`,
`1,024.5`, `16 GiB`, `2 TB`, `45 %`. The functions here turn a whole column into floats
in one unit plus a mask of the cells that held text where a number belongs.

Unit rule: **every size unit is binary.** `KB`, `MB`, `GB`, `TB` are read as KiB, MiB,
GiB, TiB (powers of 1024), the same as the `...iB` spellings. That is what the tools that
produce inventories mean: vCenter, Hyper-V, Windows and Azure Migrate show memory and disk
in powers of 1024 while labelling them "GB", and RAM is never sold in decimal gigabytes.
A user who types "16 GB" of RAM means 16 GiB. Reading disk "GB" as GiB overstates a
decimal-labelled disk by at most 7.4 %, which is well inside the other uncertainties.

Decimal separators: a value with both `.` and `,` uses the last one as the decimal mark
(`1.024,5` and `1,024.5` are both 1024.5). A value with one separator followed by exactly
three digits (`1,024`) is ambiguous; the column decides: if other cells of the column show
a decimal comma (`0,5`, `1.024,5`) it is a decimal comma, otherwise a thousands separator.
Pass `decimal=","` or `decimal="."` to force it.

Blank cells and the usual "no value" markers (`-`, `n/a`, `none`, `null`, `unknown`, `?`)
are missing (NaN), not errors.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

# Size units in bytes. KB/MB/GB/TB are binary on purpose (see the module docstring).
SIZE_UNITS: dict[str, float] = {
    "b": 1.0, "byte": 1.0, "bytes": 1.0,
    "k": 1024.0, "kb": 1024.0, "kib": 1024.0,
    "m": 1024.0**2, "mb": 1024.0**2, "mib": 1024.0**2,
    "g": 1024.0**3, "gb": 1024.0**3, "gib": 1024.0**3,
    "t": 1024.0**4, "tb": 1024.0**4, "tib": 1024.0**4,
    "p": 1024.0**5, "pb": 1024.0**5, "pib": 1024.0**5,
}
# Share units, relative to a fraction (0..1).
SHARE_UNITS: dict[str, float] = {"%": 0.01, "percent": 0.01, "pct": 0.01, "fraction": 1.0}

# Unit at the end of a header such as "Memory (MB)", "ram_gb", "CPU %".
UNIT_IN_HEADER = re.compile(
    r"[\(\[_\s-](?P<unit>b|bytes|kb|kib|mb|mib|gb|gib|tb|tib|%|pct|percent)[\)\]]?\s*$"
)

MISSING_MARKERS = frozenset({"", "-", "--", "n/a", "na", "n.a.", "none", "null", "nan",
                             "unknown", "?", "#n/a"})

# A number as typed: sign, digits with optional `.` `,` space or `'` grouping, optional
# leading decimal mark (".5"), optional exponent; then an optional unit word or "%".
_CELL = re.compile(
    r"^(?P<num>[+-]?(?:\d[\d.,' \u00a0\u202f]*\d|\d|[.,]\d+)(?:e[+-]?\d+)?)"
    r"\s*(?P<unit>[a-z%]*)$"
)


def _unit_factor(unit: str) -> tuple[str, float]:
    """(dimension, factor to the base unit) of a unit name; ValueError when unknown."""
    u = unit.strip().lower()
    if u in SIZE_UNITS:
        return "size", SIZE_UNITS[u]
    if u in SHARE_UNITS:
        return "share", SHARE_UNITS[u]
    raise ValueError(f"unknown unit {unit!r}")


def _decimal_for(numbers: pd.Series) -> str:
    """The decimal mark a column of number strings uses, from its unambiguous values."""
    has_dot = numbers.str.contains(".", regex=False)
    has_comma = numbers.str.contains(",", regex=False)
    both = has_dot & has_comma
    last_comma = numbers.str.rfind(",") > numbers.str.rfind(".")
    # One separator not followed by exactly three digits is a decimal mark for sure.
    lone_comma = ~has_dot & numbers.str.fullmatch(r"[+-]?\d*,(\d{1,2}|\d{4,})(e[+-]?\d+)?")
    lone_dot = ~has_comma & numbers.str.fullmatch(r"[+-]?\d*\.(\d{1,2}|\d{4,})(e[+-]?\d+)?")
    many_dots = ~has_comma & (numbers.str.count(r"\.") > 1)
    many_commas = ~has_dot & (numbers.str.count(",") > 1)
    comma_votes = int((both & last_comma).sum() + lone_comma.sum() + many_dots.sum())
    dot_votes = int((both & ~last_comma).sum() + lone_dot.sum() + many_commas.sum())
    return "," if comma_votes > dot_votes else "."


def _numbers_to_float(numbers: pd.Series, decimal: str | None) -> pd.Series:
    """Floats from number strings (no unit), NaN where the grouping makes no sense."""
    numbers = numbers.str.replace(r"[ '\u00a0\u202f]", "", regex=True)
    col_decimal = decimal or _decimal_for(numbers)
    has_both = numbers.str.contains(".", regex=False) & numbers.str.contains(",", regex=False)
    # With both marks present the last one is the decimal mark whatever the column says.
    last_is_comma = numbers.str.rfind(",") > numbers.str.rfind(".")
    dec = pd.Series(col_decimal, index=numbers.index, dtype="string")
    if decimal is None:
        dec = dec.mask(has_both & last_is_comma, ",").mask(has_both & ~last_is_comma, ".")
    # A leading mark (".5", ",5") can only be a decimal mark.
    lead = numbers.str.extract(r"^[+-]?([.,])\d", expand=False)
    dec = dec.mask(lead.notna(), lead)
    comma_dec = dec == ","
    # Repeated marks can only be grouping: "1.024.000" under a dot-decimal column is still
    # a thousand thousands, so treat it as grouping.
    comma_dec = comma_dec.mask(numbers.str.count(",") > 1, False)
    comma_dec = comma_dec.mask(numbers.str.count(r"\.") > 1, True)
    as_comma = numbers.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    as_dot = numbers.str.replace(",", "", regex=False)
    plain = as_comma.where(comma_dec, as_dot)
    # Grouping marks must split the integer part into threes ("1.024.000", not "1..2").
    grouped_ok = numbers.str.fullmatch(
        r"[+-]?(?:\d+|\d{1,3}(?:\.\d{3})+)(?:,\d*)?(?:e[+-]?\d+)?|[+-]?,\d+(?:e[+-]?\d+)?"
    ).where(comma_dec, numbers.str.fullmatch(
        r"[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d*)?(?:e[+-]?\d+)?|[+-]?\.\d+(?:e[+-]?\d+)?"
    ))
    plain = plain.where(grouped_ok.fillna(False).astype(bool))
    return pd.to_numeric(plain, errors="coerce").astype("float64")


_NUMBER_TYPES = (int, float, np.integer, np.floating)


def _split(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """(numeric values, string cells lower-cased, missing mask, non-number-non-string mask)."""
    index = values.index
    none = pd.Series(False, index=index)
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
            values.dtype):
        numeric = values.astype("float64")
        return (numeric, pd.Series(pd.NA, index=index, dtype="string"), numeric.isna(), none)
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        kinds = np.where(values.isna().to_numpy(), 0, 2)  # 0 blank, 1 number, 2 text, 3 other
    else:
        cells = values.to_numpy(dtype=object)
        # One pass over the cells' types; the parsing itself works on distinct values.
        kinds = np.fromiter(
            (0 if v is None or v is pd.NA or (type(v) is float and v != v)
             else 2 if type(v) is str
             else 1 if isinstance(v, _NUMBER_TYPES) and not isinstance(v, bool | np.bool_)
             else 3 for v in cells), dtype=np.int8, count=len(cells))
    is_num = pd.Series(kinds == 1, index=index)
    is_str = pd.Series(kinds == 2, index=index)
    numeric = pd.Series(np.nan, index=index, dtype="float64")
    if is_num.any():
        numeric[is_num] = pd.to_numeric(values[is_num].astype(object)).astype("float64")
    # Clean the distinct strings only, then map back by position.
    codes, uniques = pd.factorize(values.where(is_str).astype(object), use_na_sentinel=True)
    cleaned = pd.Series(uniques, dtype="string").str.strip().str.lower().to_numpy()
    text = pd.Series(pd.array(np.where(codes >= 0, cleaned[np.maximum(codes, 0)]
                                       if len(cleaned) else None, None), dtype="string"),
                     index=index)
    missing = pd.Series(kinds == 0, index=index)
    missing |= is_str & text.isin(MISSING_MARKERS).fillna(False).astype(bool)
    other = pd.Series(kinds == 3, index=index)  # bools, dates and the like
    return numeric, text.where(is_str & ~missing), missing, other


def _parse(values: pd.Series, decimal: str | None) -> tuple[pd.Series, pd.Series, pd.Series,
                                                              pd.Series]:
    """(number, unit text, is-text-cell, bad) per cell; units still to be interpreted."""
    numeric, text, _missing, other = _split(values)
    number = numeric.copy()
    unit = pd.Series(pd.NA, index=values.index, dtype="string")
    bad = other.copy()
    cells = text.dropna()
    if len(cells):
        uniq = pd.Series(cells.unique(), dtype="string")
        if decimal != "," and uniq.str.fullmatch(r"[+-]?\d+(?:\.\d+)?").all():
            # Fast path: plain numbers, as most columns hold.
            parts = pd.DataFrame({"num": uniq, "unit": ""})
            num = pd.to_numeric(uniq).astype("float64")
        else:
            parts = uniq.str.extract(_CELL)
            num = pd.Series(np.nan, index=uniq.index, dtype="float64")
            ok = parts["num"].notna()
            if ok.any():
                num[ok] = _numbers_to_float(parts.loc[ok, "num"].astype("string"), decimal)
        lookup_num = dict(zip(uniq, num, strict=True))
        lookup_unit = dict(zip(uniq, parts["unit"].fillna(""), strict=True))
        number[cells.index] = cells.map(lookup_num).astype("float64")
        unit[cells.index] = cells.map(lookup_unit).astype("string")
        bad[cells.index] = number[cells.index].isna()
    return number, unit, text.notna(), bad.astype(bool)


def parse_quantity(values: pd.Series, *, to: str, default_unit: str,
                   decimal: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse a column of sizes or shares into floats in unit `to`.

    `to` and `default_unit` are unit names: `B`, `KB`/`KiB`, `MB`/`MiB`, `GB`/`GiB`,
    `TB`/`TiB` (all binary, see the module docstring), or `%` / `fraction`. Cells with no
    unit are in `default_unit` (numbers from the spreadsheet too). Returns
    `(floats, bad)`: NaN where blank or bad; `bad` is True where a cell held text that is
    not a number, or a unit of the wrong kind (`45 %` in a memory column).

    Example: `parse_quantity(pd.Series(["16 GB", "512 MB", "0,5 GB", 8]), to="GiB",
    default_unit="GB")[0]` gives 16.0, 0.5, 0.5, 8.0.
    """
    to_dim, to_factor = _unit_factor(to)
    default_dim, default_factor = _unit_factor(default_unit)
    if default_dim != to_dim:
        raise ValueError(f"cannot convert {default_unit!r} to {to!r}")
    number, unit, _is_text, bad = _parse(values, decimal)
    factor = pd.Series(default_factor, index=values.index, dtype="float64")
    given = unit.fillna("") != ""
    if given.any():
        names = unit[given].unique()
        factors: dict[str, float] = {}
        for name in names:  # a handful of distinct unit spellings per column
            try:
                dim, f = _unit_factor(str(name))
            except ValueError:
                continue
            if dim == to_dim:
                factors[str(name)] = f
        mapped = unit[given].map(factors).astype("float64")
        factor[given] = mapped
        bad = bad | (given & factor.isna())
    result = (number * factor / to_factor).where(~bad)
    return result.astype("float64"), bad.astype(bool)


def parse_number(values: pd.Series, decimal: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse plain counts or percentages (`4`, `4.0`, `"1.024,5"`, `"45 %"`) into floats.

    A trailing `%` is dropped without scaling (`"45 %"` -> 45.0). Returns `(floats, bad)`
    like `parse_quantity`; any other unit word makes the cell bad.
    """
    number, unit, _is_text, bad = _parse(values, decimal)
    u = unit.fillna("")
    bad = bad | ~u.isin(["", "%"])
    return number.where(~bad).astype("float64"), bad.astype(bool)


def percent_scale(values: pd.Series) -> str:
    """Guess whether a utilisation column holds percentages (0..100) or fractions (0..1).

    The column decides as a whole: any value above 1.5 means percent; otherwise fraction.
    Returns "percent" or "fraction" (fraction also for an all-blank column).
    """
    finite = values[np.isfinite(values.astype("float64"))]
    return "percent" if len(finite) and float(finite.max()) > 1.5 else "fraction"


def to_fraction(values: pd.Series, *, scale: str = "percent",
                decimal: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Utilisation cells -> fractions (0..1). `scale` is "percent", "fraction" or "auto".

    Cells with an explicit `%` are always percentages. With `scale="auto"` the rest are
    judged by `percent_scale` over the column.
    """
    number, unit, _is_text, bad = _parse(values, decimal)
    u = unit.fillna("")
    bad = bad | ~u.isin(["", "%"])
    if scale == "auto":
        scale = percent_scale(number.where(~bad & (u == "")))
    if scale not in ("percent", "fraction"):
        raise ValueError(f"scale must be percent, fraction or auto, not {scale!r}")
    divisor = pd.Series(100.0 if scale == "percent" else 1.0, index=values.index)
    divisor = divisor.mask(u == "%", 100.0)
    return (number / divisor).where(~bad).astype("float64"), bad.astype(bool)
