import math

import pytest

from estimator import formatting as fmt


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1_234_567, "USD 1.23 M"),
        (845_300, "USD 845 k"),
        (70_090, "USD 70.1 k"),
        (512.4, "USD 512"),
        (999_999, "USD 1.00 M"),
        (2_500_000_000, "USD 2.50 B"),
        (-1_234_567, "-USD 1.23 M"),  # the sign before the currency, as in the workbook
        (-372_610, "-USD 373 k"),
        (-0.4, "USD 0"),
        (0, "USD 0"),
        (None, "–"),
        (math.nan, "–"),
        (math.inf, "–"),
    ],
)
def test_money_short(value, expected):
    assert fmt.money(value, "USD") == expected


def test_money_full_and_currency_is_sanitised():
    assert fmt.money_full(1234567.4, "EUR") == "EUR 1,234,567"
    assert fmt.money_full(-372_610.4, "USD") == "-USD 372,610"
    assert fmt.money(1500, 'EU"R;') == "EUR 1.50 k"


def test_money_range_shares_one_suffix():
    assert fmt.money_range(812_000, 1_640_000) == "0.8–1.6 M"
    assert fmt.money_range(50_100, 90_700, "USD") == "USD 50–91 k"
    assert fmt.money_range(None, 5) == "–"
    assert fmt.money_range(-610_000, 418_000) == "-610 to 418 k"
    # with the currency, each end signed as a single amount is: -USD 262 k, not USD -262
    assert fmt.money_range(-262_000, -153_000, "USD") == "-USD 262 k to -USD 153 k"
    assert fmt.money_range(-610_000, 418_000, "USD") == "-USD 610 k to USD 418 k"


def test_counts_numbers_and_percent():
    assert fmt.count(12345.4) == "12,345"
    assert fmt.number(3.14159, 2) == "3.14"
    assert fmt.pct(0.4567) == "46%"
    assert fmt.pct(0.4567, 1) == "45.7%"
    assert fmt.pct(None) == "–"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(14.2, "15 months"), (12.0, "12 months"), (1, "1 month"), (0, "immediately"),
     (None, "never"), (math.inf, "never")],
)
def test_months_round_up(value, expected):
    assert fmt.months(value) == expected


def test_stars_and_label():
    assert fmt.stars(3) == "★★★☆☆"
    assert fmt.stars(7) == "★★★★★"
    assert fmt.label("annual_cost_before") == "Annual cost before"


def test_excel_formats():
    assert fmt.excel_money_format("usd") == '"USD "#,##0;[Red]-"USD "#,##0'
    assert fmt.EXCEL_PERCENT == "0.0%"


def test_plural_agrees_with_the_count():
    assert fmt.plural(1, "VM") == "1 VM"
    assert fmt.plural(1777, "VM") == "1,777 VMs"
    assert fmt.plural(0, "host") == "0 hosts"
    assert fmt.plural(1, "inventory", "inventories") == "1 inventory"
    assert fmt.plural(3, "inventory", "inventories") == "3 inventories"
    assert fmt.noun(1, "VM stays a VM", "VMs stay VMs") == "VM stays a VM"
    assert fmt.noun(2, "VM stays a VM", "VMs stay VMs") == "VMs stay VMs"
    assert fmt.plural(None, "VM") == "– VMs"
