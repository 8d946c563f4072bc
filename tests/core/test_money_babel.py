"""core.money on Babel: exponents from CLDR except where the wire (ISO 4217) differs, and amounts
formatted for people; the wire's own formatting (from_minor, the golden tests) is unchanged."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import get_currency_precision, is_currency

from peerx.core.money import CURRENCIES, EXPONENTS, exponent, format_amount, format_money, from_minor

# The table the APIs were built on (ISO 4217 minor units; BTC in sats): wire amounts depend on it.
WIRE_EXPONENTS = {
    **dict.fromkeys(
        [
            "USD",
            "EUR",
            "GBP",
            "CAD",
            "AUD",
            "CHF",
            "GHS",
            "NGN",
            "KES",
            "ZAR",
            "SEK",
            "NOK",
            "DKK",
            "PLN",
            "CZK",
            "HUF",
            "RON",
            "BGN",
            "TRY",
            "BRL",
            "INR",
            "CNY",
            "AED",
            "TZS",
        ],
        2,
    ),
    **dict.fromkeys(["XAF", "XOF", "JPY", "UGX", "RWF", "SAT"], 0),
    "BTC": 8,
}


def test_exponents_are_the_wires() -> None:
    assert EXPONENTS == WIRE_EXPONENTS and set(CURRENCIES) == set(WIRE_EXPONENTS)
    # Babel's data decides all but the three written exceptions.
    assert {code for code in CURRENCIES if get_currency_precision(code) != EXPONENTS[code]} == {"HUF", "BTC", "SAT"}
    assert all(is_currency(code) for code in CURRENCIES if code not in ("BTC", "SAT"))
    with pytest.raises(ValueError, match="unsupported currency 'ZZZ'"):
        exponent("ZZZ")


@pytest.mark.parametrize(
    ("minor", "currency", "locale", "text"),
    [
        (12345, "GHS", "en", "GHS 123.45"),
        (85000, "GHS", "en", "GHS 850.00"),
        (150000, "XAF", "en", "XAF 150,000"),
        (150000, "XAF", "fr", "XAF 150\u202f000"),
        (123456789, "EUR", "de", "EUR 1.234.567,89"),
        (-1250, "USD", "en", "USD -12.50"),
        (12345, "BTC", "en", "BTC 0.00012345"),
        (5, "HUF", "en", "HUF 0.05"),
        (0, "JPY", "en", "JPY 0"),
    ],
)
def test_format_money_for_people(minor: int, currency: str, locale: str, text: str) -> None:
    assert format_money(minor, currency, locale) == text


def test_format_amount_rounds_half_up_to_the_currency() -> None:
    assert format_amount(Decimal("828.745"), "GHS") == "GHS 828.75"
    assert format_amount(Decimal("1500.5"), "XAF") == "XAF 1,501"
    assert from_minor(85000, "GHS") == Decimal("850.00")  # the wire's form is not Babel's


def test_rail_exponents_are_iso_4217() -> None:
    from peerx.rails.amounts import CURRENCY_EXPONENTS, minor_to_decimal_string

    iso = {"EUR": 2, "USD": 2, "GHS": 2, "NGN": 2, "KES": 2, "ZMW": 2, "ZAR": 2, "SZL": 2, "LRD": 2}
    iso |= {"XAF": 0, "XOF": 0, "UGX": 0, "RWF": 0, "GNF": 0}
    assert iso == CURRENCY_EXPONENTS
    assert minor_to_decimal_string(500, "EUR") == "5.00" and minor_to_decimal_string(1500, "XAF") == "1500"
