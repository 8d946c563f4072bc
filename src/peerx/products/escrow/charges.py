"""The versioned charge calculator. A version fixes, for one (model, currency, payment method),
the buyer's part (percent of price + fixed) and the seller's part, and the lowest price. The
operator adds versions; the newest is current; every version stays computable.

Version 1 is built in (used until an operator sets one): usd, card, buyer 5% + 0, seller 0,
minimum price 100 (1.00 USD). Rounding: half up to the minor unit (core.money's one rule)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import utcnow
from peerx.core.errors import InvalidField, NotFound
from peerx.core.money import EXPONENTS
from peerx.products.escrow.models import ChargeVersion

MODELS = ("online", "p2p")
PAYMENT_METHODS = ("card",)  # what the calculator (and the card rail) can price and take
# The payment methods the public spec names: one peerx cannot take is `unsupported_combination`,
# any other name `invalid_payment_method`.
SPEC_PAYMENT_METHODS = ("card", "bank_transfer", "p24", "fpx")
CHARGE_CONFIG = 1  # the only charge config; others are invalid_charge_config


@dataclass(frozen=True)
class Rule:
    version: int
    model: str
    currency: str
    payment_method: str
    buyer_pct: Decimal
    buyer_fixed: int
    seller_pct: Decimal
    seller_fixed: int
    min_price: int


BUILT_IN = [Rule(1, model, "usd", "card", Decimal(5), 0, Decimal(0), 0, 100) for model in MODELS]


@dataclass(frozen=True)
class Charge:
    currency: str
    price: int
    charge: int  # buyer's part
    charge_seller: int
    version: int
    payment_method: str


def code_error(field: str, reason: str, code: str) -> InvalidField:
    error = InvalidField(field, reason)
    error.details["code"] = code
    return error


def _part(price: int, pct: Decimal, fixed: int) -> int:
    return int((Decimal(price) * pct / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)) + fixed


def compute(rule: Rule, price: int) -> Charge:
    if price < 0:
        raise code_error("price", "cannot be negative", "negative_price")
    if price < rule.min_price:
        raise code_error("price", f"must be at least {rule.min_price}", "price_too_low")
    return Charge(
        rule.currency,
        price,
        _part(price, rule.buyer_pct, rule.buyer_fixed),
        _part(price, rule.seller_pct, rule.seller_fixed),
        rule.version,
        rule.payment_method,
    )


def _rule(row: ChargeVersion) -> Rule:
    return Rule(
        row.version,
        row.model,
        row.currency,
        row.payment_method,
        row.buyer_pct,
        row.buyer_fixed,
        row.seller_pct,
        row.seller_fixed,
        row.min_price,
    )


async def _all_rules(session: AsyncSession, model: str) -> list[Rule]:
    rows = await session.scalars(select(ChargeVersion).where(ChargeVersion.model == model))
    return [*[r for r in BUILT_IN if r.model == model], *(_rule(row) for row in rows)]


async def current_rule(session: AsyncSession, model: str, currency: str | None, payment_method: str) -> Rule:
    """The newest version for the combination, or the spec's error for what is missing."""
    if not currency:
        raise code_error("currency", "is required", "currency_missing")
    currency = currency.lower()
    rules = await _all_rules(session, model)
    for_currency = [r for r in rules if r.currency == currency]
    if not for_currency:
        raise code_error("currency", f"{currency} is not supported", "unsupported_currency")
    matching = [r for r in for_currency if r.payment_method == payment_method]
    if not matching:
        raise code_error("payment_method", "is not supported for this currency", "unsupported_combination")
    return max(matching, key=lambda r: r.version)


async def rule_at(session: AsyncSession, model: str, version: int, currency: str, payment_method: str) -> Rule:
    """An old or current version, for recomputing a past charge."""
    for rule in await _all_rules(session, model):
        if (rule.version, rule.currency, rule.payment_method) == (version, currency.lower(), payment_method):
            return rule
    raise NotFound(f"charge calculator version {version} not found for {currency} {payment_method}")


async def quote(
    session: AsyncSession,
    model: str,
    *,
    currency: str | None,
    price: str | int | None,
    payment_method: str = "card",
    charge_config: str | int | None = None,
) -> Charge:
    """GET /charge: parse the query as the spec's errors describe, then compute."""
    check_charge_config(charge_config, "charge_config")
    rule = await current_rule(session, model, currency, payment_method)
    return compute(rule, parse_price(price))


def check_payment_method(value: str, field: str = "payment_method") -> None:
    """A payment method the spec names (peerx prices `card`; the others are unsupported_combination)."""
    if value not in SPEC_PAYMENT_METHODS:
        raise code_error(field, f"must be one of {', '.join(SPEC_PAYMENT_METHODS)}", "invalid_payment_method")


def check_charge_config(value: object, field: str) -> None:
    """Only the one charge config exists: anything else is the spec's invalid_charge_config."""
    if value is not None and (isinstance(value, bool) or str(value).strip() != str(CHARGE_CONFIG)):
        raise code_error(field, "is not a valid charge config", "invalid_charge_config")


def parse_price(price: str | int | None) -> int:
    if isinstance(price, int) and not isinstance(price, bool):
        return price
    text = (price or "").strip() if isinstance(price, str) else ""
    try:
        return int(text)
    except ValueError:
        raise code_error("price", "must be an integer in the currency's smallest unit", "invalid_price") from None


async def verify(
    session: AsyncSession,
    model: str,
    *,
    currency: str,
    price: int,
    charge: int,
    version: int,
    charge_seller: int | None,
    payment_method: str = "card",
) -> Charge:
    """A transaction's charge must be what the current calculator gives for its price."""
    if version < 1:
        raise code_error("charge_calculator_version", "is not a valid version", "invalid_calc_version")
    rule = await current_rule(session, model, currency, payment_method)
    if version != rule.version:
        raise code_error(
            "charge_calculator_version", f"must be the current version {rule.version}", "incorrect_calc_version"
        )
    expected = compute(rule, price)
    if charge != expected.charge:
        raise code_error("charge", "does not match the charge for this price", "incorrect_charge")
    if charge_seller is not None and charge_seller != expected.charge_seller:
        raise code_error("charge_seller", "does not match the seller charge for this price", "incorrect_charge_seller")
    return expected


async def for_payment_method(
    session: AsyncSession,
    model: str,
    *,
    payment_method: str,
    charge_config: int | None,
    currency: str,
    price: int,
    charge: int,
    charge_seller: int | None,
    fields: tuple[str, str] = ("charge", "charge_seller"),
) -> Charge:
    """set_payment_method / set_deposit_payment_method: the current calculator's fees for `price`
    paid with `payment_method`, which must be the `charge` (and `charge_seller`) the client was
    quoted (the price itself is the transaction's: the caller checks `incorrect_price`). `fields`
    name the body's two charge fields in the errors."""
    charge_field, seller_field = fields
    if payment_method not in SPEC_PAYMENT_METHODS:
        raise code_error(
            "payment_method", f"must be one of {', '.join(SPEC_PAYMENT_METHODS)}", "invalid_payment_method"
        )
    check_charge_config(charge_config, "charge_config")
    rule = await current_rule(session, model, currency, payment_method)
    expected = compute(rule, price)
    if charge != expected.charge:
        raise code_error(
            charge_field, "does not match the charge for this price and payment method", "incorrect_charge"
        )
    if charge_seller is not None and charge_seller != expected.charge_seller:
        raise code_error(seller_field, "does not match the seller charge for this price", "incorrect_charge_seller")
    return expected


async def set_version(
    session: AsyncSession,
    *,
    model: str,
    currency: str,
    payment_method: str,
    buyer_pct: Decimal,
    buyer_fixed: int,
    seller_pct: Decimal,
    seller_fixed: int,
    min_price: int,
) -> Rule:
    """Add a new version (the operator's `peerx escrow charges set`); it becomes current."""
    currency = currency.strip().lower()
    if model not in MODELS:
        raise InvalidField("model", "must be online or p2p")
    if currency.upper() not in EXPONENTS:
        raise InvalidField("currency", "must be a supported ISO 4217 code")
    if payment_method not in PAYMENT_METHODS:
        raise InvalidField("payment_method", f"must be one of {', '.join(PAYMENT_METHODS)}")
    for name, pct in (("buyer_pct", buyer_pct), ("seller_pct", seller_pct)):
        if not Decimal(0) <= pct < Decimal(100) or pct.as_tuple().exponent < -4:  # type: ignore[operator]
            raise InvalidField(name, "must be at least 0 and below 100, with at most 4 decimal places")
    for name, amount in (("buyer_fixed", buyer_fixed), ("seller_fixed", seller_fixed), ("min_price", min_price)):
        if amount < 0:
            raise InvalidField(name, "must not be negative")
    # Versions are one global sequence, so a version number names exactly one moment of pricing.
    # The unique constraint makes two concurrent operators collide instead of sharing a number.
    highest = await session.scalar(select(func.max(ChargeVersion.version)))
    version = max(int(highest or 0), max(r.version for r in BUILT_IN)) + 1
    row = ChargeVersion(
        version=version,
        model=model,
        currency=currency,
        payment_method=payment_method,
        buyer_pct=buyer_pct,
        buyer_fixed=buyer_fixed,
        seller_pct=seller_pct,
        seller_fixed=seller_fixed,
        min_price=min_price,
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    return _rule(row)


def rule_view(rule: Rule) -> dict[str, object]:
    return {
        "version": rule.version,
        "model": rule.model,
        "currency": rule.currency,
        "payment_method": rule.payment_method,
        "buyer_pct": rule.buyer_pct,
        "buyer_fixed": rule.buyer_fixed,
        "seller_pct": rule.seller_pct,
        "seller_fixed": rule.seller_fixed,
        "min_price": rule.min_price,
    }
