"""Minor units to the decimal strings that provider APIs want, with Decimal and never float.

The core owns money (peerx.core.money); rails only need the ISO 4217 exponent of the currencies
mobile-money providers settle in, so they carry this small table instead of importing the core.
"""

from __future__ import annotations

from decimal import Decimal

# ISO 4217 minor-unit exponents for the currencies the mobile-money rails can be asked to pay.
CURRENCY_EXPONENTS: dict[str, int] = {
    "EUR": 2,  # MTN MoMo sandbox
    "USD": 2,
    "GHS": 2,
    "NGN": 2,
    "KES": 2,
    "ZMW": 2,
    "ZAR": 2,
    "SZL": 2,
    "LRD": 2,
    "XAF": 0,
    "XOF": 0,
    "UGX": 0,
    "RWF": 0,
    "GNF": 0,
}


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
