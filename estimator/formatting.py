"""Money, number, percent and month formatting: the one place every renderer formats figures.

Round only here, when presenting. `None`, NaN and infinities render as an en dash.

>>> money(1234567, "USD")
'USD 1.23 M'
>>> money_full(1234567.4, "USD")
'USD 1,234,567'
>>> money_range(812_000, 1_640_000)
'0.8–1.6 M'
>>> pct(0.4567)
'46%'
>>> months(14.2)
'15 months'
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

DASH = "–"

# (threshold, divisor, suffix) from largest to smallest; below 1,000 money is shown in full.
_SCALES: tuple[tuple[float, float, str], ...] = (
    (1e9, 1e9, "B"),
    (1e6, 1e6, "M"),
    (1e3, 1e3, "k"),
)

# Characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """A string a spreadsheet would read as a formula gets a leading apostrophe; others as is.

    Every CSV the tool writes passes its cells through here (numbers stay numbers).

    >>> csv_safe("=HYPERLINK(1)"), csv_safe("web01"), csv_safe(-3.5)
    ("'=HYPERLINK(1)", 'web01', -3.5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# Excel number formats. Money is whole units: a finance reader wants 1,234,567 not 1.23 M.
EXCEL_COUNT = "#,##0"
EXCEL_DECIMAL = "#,##0.0"
EXCEL_DECIMAL2 = "#,##0.00"
EXCEL_DECIMAL_ANY = "#,##0.0#####"  # a fraction's own digits, up to six
EXCEL_PERCENT = "0.0%"
EXCEL_MONTHS = '0" months"'


def excel_money_format(currency: str) -> str:
    """Excel number format for whole amounts in `currency`, negatives in red.

    >>> excel_money_format("EUR")
    '"EUR "#,##0;[Red]-"EUR "#,##0'
    """
    code = _currency_code(currency)
    return f'"{code} "#,##0;[Red]-"{code} "#,##0'


def _currency_code(currency: str) -> str:
    # Only letters are kept so a currency setting can never inject into a number format.
    code = "".join(ch for ch in str(currency) if ch.isalpha())[:3].upper()
    return code or "USD"


def is_missing(x: Any) -> bool:
    """True for None, pandas NA, NaN and infinities."""
    if x is None:
        return True
    try:
        if x is np.ma.masked:
            return True
        f = float(x)
    except (TypeError, ValueError):
        return True
    return not math.isfinite(f)


def _scaled(x: float, digits: int = 3) -> tuple[str, str]:
    """(number text, suffix) with `digits` significant digits for the scaled value."""
    ax = abs(x)
    for threshold, divisor, suffix in _SCALES:
        # 999,999 rounds up to "1.00 M" rather than "1,000 k".
        if ax >= threshold * (1 - 0.5 * 10 ** -digits):
            v = x / divisor
            return _sig(v, digits), suffix
    return f"{x:,.0f}", ""


def _sig(v: float, digits: int) -> str:
    """`v` with `digits` significant digits, never in scientific notation."""
    av = abs(v)
    if av == 0:
        return "0"
    int_digits = max(1, math.floor(math.log10(av)) + 1)
    decimals = max(0, digits - int_digits)
    return f"{v:,.{decimals}f}"


def money(x: Any, currency: str = "USD", digits: int = 3) -> str:
    """Short money: `USD 1.23 M`, `USD 845 k`, `USD 512`, negatives as `-USD 1.23 M` (the sign
    before the currency, as the workbook's number format writes them)."""
    if is_missing(x):
        return DASH
    v = float(x)
    num, suffix = _scaled(abs(v), digits)
    sign = "-" if v < 0 and num.strip("0.,") else ""
    return f"{sign}{_currency_code(currency)} {num}{' ' + suffix if suffix else ''}"


def money_number(x: Any, digits: int = 3) -> str:
    """Short money without the currency: `1.23 M`."""
    if is_missing(x):
        return DASH
    num, suffix = _scaled(float(x), digits)
    return f"{num}{' ' + suffix if suffix else ''}"


def money_full(x: Any, currency: str = "USD") -> str:
    """Whole units with thousands separators: `USD 1,234,567`, `-USD 1,234,567`."""
    if is_missing(x):
        return DASH
    v = float(x)
    text = f"{abs(v):,.0f}"
    sign = "-" if v < 0 and text != "0" else ""
    return f"{sign}{_currency_code(currency)} {text}"


def money_range(low: Any, high: Any, currency: str | None = None, digits: int = 2) -> str:
    """A range with one shared suffix where possible: `0.81–1.64 M` or `USD 810 k–1.64 M`."""
    if is_missing(low) or is_missing(high):
        return DASH
    lo, hi = float(low), float(high)
    if currency and min(lo, hi) < 0:
        # each end carries its sign before the currency, as a single amount does
        return f"{money(lo, currency, digits)} to {money(hi, currency, digits)}"
    big = max(abs(lo), abs(hi))
    prefix = f"{_currency_code(currency)} " if currency else ""
    # "-610–418 k" misreads; with a negative end the range is spelt "-610 to 418 k".
    sep = " to " if min(lo, hi) < 0 else "–"
    for threshold, divisor, suffix in _SCALES:
        if big >= threshold:
            return (f"{prefix}{_sig(lo / divisor, digits)}{sep}{_sig(hi / divisor, digits)} "
                    f"{suffix}")
    return f"{prefix}{lo:,.0f}{sep}{hi:,.0f}"


def count(n: Any) -> str:
    """Whole count with thousands separators: `12,345`."""
    if is_missing(n):
        return DASH
    return f"{round(float(n)):,.0f}"


def plural(n: Any, one: str, many: str | None = None) -> str:
    """A count and its noun in agreement, in the shared count format.

    >>> plural(1, "VM"), plural(1777, "VM"), plural(0, "entry", "entries")
    ('1 VM', '1,777 VMs', '0 entries')
    """
    return f"{count(n)} {noun(n, one, many)}"


def noun(n: Any, one: str, many: str | None = None) -> str:
    """The noun alone, singular for exactly one: `noun(3, 'VM stays a VM', 'VMs stay VMs')`."""
    singular = not is_missing(n) and round(float(n)) == 1
    return one if singular else (many or one + "s")


def number(x: Any, decimals: int = 1) -> str:
    """A plain number with `decimals` decimals and thousands separators."""
    if is_missing(x):
        return DASH
    return f"{float(x):,.{decimals}f}"


def quantity(x: Any) -> str:
    """A value as a reader writes it: `20,000`, `60`, `0.35` (three significant digits below
    100, whole numbers above)."""
    if is_missing(x):
        return DASH
    f = float(x)
    if abs(f) >= 100 or f.is_integer():
        return f"{f:,.0f}"
    return f"{f:.3g}"


def pct(fraction: Any, decimals: int = 0) -> str:
    """A fraction as a percentage: `0.4567 -> '46%'`."""
    if is_missing(fraction):
        return DASH
    return f"{float(fraction) * 100:.{decimals}f}%"


def whole_months(m: Any) -> int | None:
    """The one rounding rule for a payback: months rounded up (it is reached at the end of a
    month), None when it never comes (None, NaN or +inf). Every output uses it: the text of
    `months()`, the Excel cell, the terminal and the notebook; the JSON keeps the raw value."""
    if m is None or is_missing(m):
        return None
    return max(0, math.ceil(float(m) - 1e-9))


def months(m: Any) -> str:
    """A payback as text: `'15 months'`, `'immediately'`, or `'never'` (None, NaN, +inf: the
    savings never repay the migration within the horizon)."""
    value = whole_months(m)
    if value is None:
        return "never"
    if value == 0:
        return "immediately"
    return f"{value} month" if value == 1 else f"{value} months"


def months_range(p10: float | None, p90: float | None) -> str:
    """A payback range: `'30–52 months'`, `'30 months–never'` or `'never'`."""
    low, high = months(p10), months(p90)
    if low == high:
        return low
    if low.endswith(" months") and high.endswith(" months"):
        low = low.removesuffix(" months")
    return f"{low}{DASH}{high}"


def stars(n: Any, out_of: int = 5) -> str:
    """Confidence stars: `3 -> '★★★☆☆'`."""
    if is_missing(n):
        return DASH
    k = min(out_of, max(0, round(float(n))))
    return "★" * k + "☆" * (out_of - k)


# How each sizing rule reads in the reports.
BASIS_LABELS: dict[str, str] = {
    "vm_usage": "the VM's own use", "host_usage": "the host's measured use",
    "vcpu_ratio": "allocation at today's vCPU-to-core ratio",
    "active_consumed": "between Active and Consumed memory",
    "active_allocated": "between Active memory and allocation less the guest OS",
    "allocated": "allocation",
}

# How each fit outcome reads in the reports.
OUTCOME_LABELS: dict[str, str] = {
    "moving": "Become containers", "staying": "Stay VMs",
    "retire_with_platform": "Retire with the virtualisation platform",
    "retire_idle": "Retired as idle or zombie",
}

# How each fit level reads in the reports: idle VMs read as retired, never as a fit.
FIT_LABELS: dict[str, str] = {
    "excellent": "Excellent", "good": "Good", "needs_work": "Needs work", "no_fit": "No fit",
    "insufficient_data": "Insufficient data", "retire_idle": "Retire (idle)",
    "retire_with_platform": "Retires with the platform", "stays_vm": "Stays a VM",
}

# Why a VM is out of scope, as a count reads: "12 templates".
EXCLUSION_LABELS: dict[str, str] = {
    "template": "templates", "srm_placeholder": "Site Recovery Manager placeholders",
    "infrastructure_vm": "infrastructure VMs (by name)", "powered_off": "powered off",
    "suspended": "suspended", "cluster": "outside the clusters in scope",
    "datacenter": "outside the datacenters in scope", "override": "excluded by the overrides file",
}

# Inventory columns (the glossary's canonical names) as a reader knows them.
COLUMN_LABELS: dict[str, str] = {
    "name": "VM name", "vm_id": "VM ID", "power_state": "power state", "vcpus": "vCPUs",
    "memory_gib": "memory [GiB]", "storage_provisioned_gib": "provisioned storage [GiB]",
    "storage_used_gib": "used storage [GiB]", "os_raw": "OS", "os_family": "OS family",
    "os_name": "OS name", "os_version": "OS version", "os_edition": "OS edition",
    "os_end_of_support": "OS end of support", "cpu_util": "CPU use",
    "memory_util": "memory use", "memory_active_gib": "active memory [GiB]",
    "memory_consumed_gib": "consumed memory [GiB]", "usage_source": "usage source",
    "usage_period_days": "usage period [days]", "security_zone": "security zone",
    "is_template": "template flag", "is_srm_placeholder": "SRM placeholder flag",
    "cpu_sockets": "CPU sockets", "cores_per_socket": "cores per socket",
    "cpu_mhz": "CPU speed [MHz]", "cpu_usage_fraction": "host CPU use",
    "memory_usage_fraction": "host memory use", "source_row": "source row",
}


def fit_label(level: Any) -> str:
    """A fit level as the reports name it: `'retire_idle' -> 'Retire (idle)'`."""
    if not isinstance(level, str) and is_missing(level):
        return DASH
    return FIT_LABELS.get(str(level), label(str(level)))


def column_label(name: Any) -> str:
    """An inventory column as a reader knows it (a header from the file stays as it is)."""
    text = str(name)
    return COLUMN_LABELS.get(text, text)


def exclusions(counts: dict[str, int]) -> str:
    """Out-of-scope counts as text: `'12 templates; 64 powered off'` (zeros left out)."""
    parts = [f"{count(n)} {EXCLUSION_LABELS.get(r, label(r).lower())}"
             for r, n in counts.items() if n]
    return "; ".join(parts) or "none"


# Words that keep their own spelling when a key becomes a label.
_WORDS = {"vms": "VMs", "vm": "VM", "vcpus": "vCPUs", "vcpu": "vCPU", "npv": "NPV", "os": "OS",
          "gib": "GiB", "cpu": "CPU", "usd": "USD", "id": "ID", "ids": "IDs", "ha": "HA",
          "eos": "EOS", "uuid": "UUID"}


def label(key: str) -> str:
    """A column or key name in plain words: `vms_kept -> 'VMs kept'`."""
    words = [_WORDS.get(w.lower(), w) for w in str(key).replace("_", " ").split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:]
