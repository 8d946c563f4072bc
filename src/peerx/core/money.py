"""Money is integers in minor units from the wire edge inward; Decimal only at the edges.

Rounding rule (one, everywhere): ROUND_HALF_UP to the currency's exponent, as PHP's round()
does, which is what the PeerTupeer document's platform uses. Derived amounts are computed so
parts add up exactly (net = gross - fee), so no cent is lost or invented by rounding.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 exponents for the currencies the products handle; BTC is counted in sats.
EXPONENTS: dict[str, int] = {
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "CAD": 2,
    "AUD": 2,
    "CHF": 2,
    "GHS": 2,
    "NGN": 2,
    "KES": 2,
    "ZAR": 2,
    "XAF": 0,
    "XOF": 0,
    "JPY": 0,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "CZK": 2,
    "HUF": 2,
    "RON": 2,
    "BGN": 2,
    "TRY": 2,
    "BRL": 2,
    "INR": 2,
    "CNY": 2,
    "AED": 2,
    "UGX": 0,
    "TZS": 2,
    "RWF": 0,
    "BTC": 8,
    "SAT": 0,
}


def exponent(currency: str) -> int:
    try:
        return EXPONENTS[currency]
    except KeyError:
        raise ValueError(f"unsupported currency {currency!r}") from None


def parse_decimal(raw: object) -> Decimal:
    """Parse a wire number (str, int or Decimal; never float) into a finite Decimal."""
    if isinstance(raw, (bool, float)):
        # floats reach here only from JSON parsed without Decimal; refuse to guess.
        raise ValueError("must be a number")
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValueError("must be a number") from None
    if not value.is_finite():
        raise ValueError("must be a finite number")
    return value


def to_minor(value: Decimal, currency: str) -> int:
    """Exact conversion: refuses values with more decimals than the currency has."""
    scaled = value.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"has more than {exponent(currency)} decimal places for {currency}")
    return int(scaled)


def round_to_minor(value: Decimal, currency: str) -> int:
    """The platform's one rounding rule for derived amounts (conversions, fees)."""
    return int(value.scaleb(exponent(currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_minor(amount: int, currency: str) -> Decimal:
    """Minor units back to a Decimal with exactly the currency's decimals (850.00, not 850)."""
    exp = exponent(currency)
    return (Decimal(amount).scaleb(-exp)).quantize(Decimal(1).scaleb(-exp))
