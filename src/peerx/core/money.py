"""Money is integers in minor units from the wire edge inward; Decimal only at the edges.

Rounding rule (one, everywhere): ROUND_HALF_UP to the currency's exponent, as PHP's round()
does, which is what the PeerTupeer document's platform uses. Derived amounts are computed so
parts add up exactly (net = gross - fee), so no cent is lost or invented by rounding.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision

# The currencies the products handle; any other code is refused as unsupported. BTC is counted in
# sats (SAT) on the wire.
CURRENCIES = (
    "USD", "EUR", "GBP", "CAD", "AUD", "CHF", "GHS", "NGN", "KES", "ZAR", "XAF", "XOF", "JPY", "SEK", "NOK",
    "DKK", "PLN", "CZK", "HUF", "RON", "BGN", "TRY", "BRL", "INR", "CNY", "AED", "UGX", "TZS", "RWF", "BTC", "SAT",
)  # fmt: skip

# Exponents (decimal places of the minor unit) come from Babel's CLDR currency data, except where
# the wire must differ: the APIs follow ISO 4217, and CLDR gives HUF 0 digits (no filler coins)
# where ISO 4217 keeps 2; BTC and SAT are not ISO currencies.
_NOT_CLDR = {"HUF": 2, "BTC": 8, "SAT": 0}
EXPONENTS: dict[str, int] = {code: _NOT_CLDR.get(code, get_currency_precision(code)) for code in CURRENCIES}


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


def _pattern(currency: str) -> str:
    digits = exponent(currency)
    number = "#,##0" + ("." + "0" * digits if digits else "")
    # The ISO code first, the sign with the number ("GHS -12.50"), as the console always showed.
    return f"¤¤ {number};¤¤ -{number}"


def format_amount(value: Decimal, currency: str, locale: str = "en") -> str:
    """A major-unit amount for people (console, CLI text), never for the wire: the ISO code, then
    the amount with exactly the currency's decimals, grouped as `locale` groups digits (Babel):
    "GHS 1,234.50" in English, "XAF 1 500" in French."""
    quantum = Decimal(1).scaleb(-exponent(currency))
    quantized = value.quantize(quantum, rounding=ROUND_HALF_UP)
    return format_currency(quantized, currency, format=_pattern(currency), locale=locale, currency_digits=False)


def format_money(amount: int, currency: str, locale: str = "en") -> str:
    """Minor units for people: 12345, "GHS" -> "GHS 123.45"; 1500, "XAF" -> "XAF 1,500"."""
    return format_amount(from_minor(amount, currency), currency, locale)
