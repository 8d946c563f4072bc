"""Reading the wire: JSON bodies and query parameters into typed values, refusing floats and
strings where the spec says int64, with the spec's codes for what it names."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from peerx.core.errors import InvalidField
from peerx.products.escrow.charges import check_charge_config, code_error
from peerx.products.escrow.p2p import NewP2P
from peerx.products.escrow.queries import Page
from peerx.products.escrow.service import ROLES, NewTransaction


def int64(body: dict[str, Any], name: str, *, required: bool = True, code: str | None = None) -> int | None:
    raw = body.get(name)
    if raw is None:
        if required:
            raise code_error(name, "is required", code or f"invalid_{name}")
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | Decimal) or (isinstance(raw, Decimal) and raw % 1 != 0):
        raise code_error(name, "must be an integer", code or f"invalid_{name}")
    return int(raw)


def text(body: dict[str, Any], name: str, *, required: bool = False, max_length: int = 2000) -> str | None:
    raw = body.get(name)
    if raw is None:
        if required:
            raise InvalidField(name, "is required")
        return None
    if not isinstance(raw, str):
        raise InvalidField(name, "must be a string")
    if len(raw) > max_length:
        raise InvalidField(name, f"must be at most {max_length} characters")
    return raw


def flag(body: dict[str, Any], name: str) -> bool:
    raw = body.get(name, False)
    if not isinstance(raw, bool):
        raise InvalidField(name, "must be true or false")
    return raw


def new_transaction(body: dict[str, Any]) -> NewTransaction:
    role = text(body, "role")
    if role not in ROLES:
        raise InvalidField("role", "must be buyer or seller")
    currency = text(body, "currency")
    if not currency:
        raise code_error("currency", "is required", "currency_missing")
    price, charge, version, _ = pricing(body)
    check_charge_config(body.get("charge_config"), "charge_config")
    return NewTransaction(
        role=role,
        currency=currency.lower(),
        price=price,
        description=(text(body, "description", max_length=1000) or "").strip(),
        charge=charge,
        charge_calculator_version=version,
        charge_seller=int64(body, "charge_seller", required=False, code="incorrect_charge_seller"),
    )


def _id_param(raw: str | None, name: str) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise code_error(name, "must be a non-negative integer", f"invalid_{name}")
    return int(raw)


def page(before_id: str | None = None, after_id: str | None = None, limit: str | None = None) -> Page:
    """before_id, after_id >= 0 and limit 1..50 (default 25), with the spec's codes."""
    size = 25
    if limit is not None:
        if not limit.isdigit() or not 1 <= int(limit) <= 50:
            raise code_error("limit", "must be an integer from 1 to 50", "invalid_limit")
        size = int(limit)
    return Page(_id_param(before_id, "before_id"), _id_param(after_id, "after_id"), size)


def path_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 18:
        raise code_error("transaction_id", "must be an integer id", "invalid_id")
    return int(raw)


def p2p_page(before_id: str | None = None, after_id: str | None = None, limit: str | None = None) -> Page:
    """As `page`, with the spec's `excessive_limit` for a limit above 50."""
    if limit is not None and limit.isdigit() and int(limit) > 50:
        raise code_error("limit", "must be at most 50", "excessive_limit")
    return page(before_id, after_id, limit)


def new_p2p(body: dict[str, Any]) -> NewP2P:
    """The document's {role, currency, description, depositPricing: {price, charge}}, or the
    spec's flat deposit_price / deposit_charge; charge_calculator_version optional."""
    role = text(body, "role")
    if role not in ROLES:
        raise code_error("role", "must be buyer or seller", "invalid_role")
    currency = text(body, "currency")
    if not currency:
        raise code_error("currency", "is required", "currency_missing")
    nested = body.get("depositPricing", body.get("deposit_pricing"))
    if nested is not None and not isinstance(nested, dict):
        raise InvalidField("depositPricing", "must be an object")
    flat = {k: body.get(f"deposit_{k}") for k in ("price", "charge", "charge_seller")}
    source = nested if nested is not None else flat
    price = int64(source, "price", code="invalid_price")
    assert price is not None
    if price < 0:
        raise code_error("price", "cannot be negative", "negative_price")
    charge = int64(source, "charge", code="incorrect_charge")
    assert charge is not None
    check_charge_config(body.get("deposit_charge_config", body.get("charge_config")), "deposit_charge_config")
    return NewP2P(
        role=role,
        currency=currency.lower(),
        description=(text(body, "description", max_length=1000) or "").strip(),
        deposit_price=price,
        deposit_charge=charge,
        charge_calculator_version=int64(body, "charge_calculator_version", required=False, code="invalid_calc_version"),
        deposit_charge_seller=int64(source, "charge_seller", required=False, code="incorrect_charge_seller"),
        skip_remainder=flag(body, "skip_remainder"),
    )


def pricing(body: dict[str, Any]) -> tuple[int, int, int, str | None]:
    """{currency, price, charge, charge_calculator_version} of set_price / set_pricing."""
    price = int64(body, "price", code="invalid_price")
    assert price is not None
    if price < 0:
        raise code_error("price", "cannot be negative", "negative_price")
    charge = int64(body, "charge", code="incorrect_charge")
    version = int64(body, "charge_calculator_version", code="invalid_calc_version")
    assert charge is not None and version is not None
    currency = text(body, "currency")
    return price, charge, version, currency.lower() if currency else None
