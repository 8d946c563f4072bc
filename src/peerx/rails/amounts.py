"""Minor units to the decimal strings that provider APIs want, with Decimal and never float.

The core owns money (peerx.core.money); rails only need the ISO 4217 exponent of the currencies
mobile-money providers settle in, so they take it from Babel instead of importing the core.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import get_currency_precision

# The currencies the mobile-money rails can be asked to pay (EUR: MTN MoMo's sandbox); their
# exponents are Babel's CLDR data, which agrees with ISO 4217 for every one of them (a test checks).
RAIL_CURRENCIES = ("EUR", "USD", "GHS", "NGN", "KES", "ZMW", "ZAR", "SZL", "LRD", "XAF", "XOF", "UGX", "RWF", "GNF")
CURRENCY_EXPONENTS: dict[str, int] = {code: get_currency_precision(code) for code in RAIL_CURRENCIES}


def currency_exponent(currency: str) -> int:
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise ValueError(f"unsupported currency {currency!r} for a mobile-money rail") from None


def minor_to_decimal_string(amount_minor: int, currency: str) -> str:
    """500 EUR-cents -> "5.00"; 1500 XAF -> "1500". Exact: scaling by a power of ten."""
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
        raise ValueError(f"amount must be an integer number of minor units, got {amount_minor!r}")
    if amount_minor <= 0:
        raise ValueError(f"amount must be positive, got {amount_minor}")
    exponent = currency_exponent(currency)
    return format(Decimal(amount_minor).scaleb(-exponent), "f")
