"""The Peex wire, parsed: request_payment's params with the rules of the document's params and
Formatting sections, each error naming its field (422)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from peerx.core.errors import InvalidField
from peerx.core.money import EXPONENTS, parse_decimal
from peerx.products.remittances.common import COUNTRY, CURRENCY, TYPE
from peerx.products.remittances.countries import ISO_3166_ALPHA2
from peerx.products.remittances.partners import cameroon_wallet, check_email
from peerx.products.remittances.service import PaymentRequest
from peerx.rails.msisdn import CAMEROON_COUNTRY_CODE, normalize_msisdn

# "complete phone number with country code ... (without spaces nor hyphens)": E.164 with its +.
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_AMOUNT_DIGITS = 12  # integer digits of amount; far above any real remittance
MAX_FXRATE_DECIMALS = 12


def _text(body: dict[str, Any], name: str, *, required: bool, max_length: int = 100) -> str | None:
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidField(name, "is required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidField(name, "must be a string")
    text = str(value).strip()
    if len(text) > max_length:
        raise InvalidField(name, f"must be at most {max_length} characters")
    return text


def _number(body: dict[str, Any], name: str, *, required: bool) -> Decimal | None:
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidField(name, "is required")
        return None
    try:
        return parse_decimal(value)
    except ValueError:
        raise InvalidField(name, "must be a number such as 6789.23") from None


def _phone(raw: str, name: str) -> str:
    if not _E164.match(raw):
        raise InvalidField(
            name, "must be a complete phone number with its country code, such as +237678923563 (no spaces or hyphens)"
        )
    try:
        return "+" + normalize_msisdn(raw, CAMEROON_COUNTRY_CODE)
    except ValueError as exc:
        raise InvalidField(name, f"is not a valid phone number ({exc})") from None


def _country(body: dict[str, Any], name: str) -> str:
    value = _text(body, name, required=True, max_length=2)
    assert value is not None
    if not _COUNTRY.match(value) or value not in ISO_3166_ALPHA2:
        raise InvalidField(name, "must be an ISO 3166 alpha-2 country code such as CM (upper-case)")
    return value


def _currency(body: dict[str, Any], name: str, default: str | None = None) -> str:
    value = _text(body, name, required=default is None, max_length=10) or default
    assert value is not None
    if not _CURRENCY.match(value):
        raise InvalidField(name, "must be an upper-case ISO 4217 currency code such as USD")
    if value not in EXPONENTS:
        raise InvalidField(name, "is not a supported currency")
    return value


def _is_true(value: object) -> bool:
    """aml_cft is a boolean, but the document's own sample sends 1: true, 1, "true" and "1" pass."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value == 1
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return False


def payment_request(body: dict[str, Any]) -> PaymentRequest:
    """Every rule of request_payment that needs no database, in the document's order."""
    email = _text(body, "email", required=False, max_length=254)
    mobile_phone = _text(body, "mobile_phone", required=False, max_length=16)
    if email is None and mobile_phone is None:
        raise InvalidField("email", "or mobile_phone is required")
    if email is not None:
        email = check_email(email, "email")
    msisdn = network = None
    if mobile_phone is not None:
        mobile_phone = _phone(mobile_phone, "mobile_phone")
        msisdn, network = cameroon_wallet(mobile_phone, "mobile_phone")

    amount = _number(body, "amount", required=True)
    assert amount is not None
    if amount <= 0:
        raise InvalidField("amount", "must be greater than 0")
    if amount.adjusted() >= MAX_AMOUNT_DIGITS:
        raise InvalidField("amount", "is too large")
    from_currency = _currency(body, "from_currency")
    to_currency = _currency(body, "to_currency", default=CURRENCY)
    if to_currency != CURRENCY:
        raise InvalidField("to_currency", "must be XAF: payments are paid out in XAF in Cameroon")
    fxrate = _number(body, "fxrate", required=from_currency != to_currency)
    if from_currency == to_currency:
        if fxrate is not None and fxrate != 1:
            raise InvalidField("fxrate", "must be 1 when from_currency and to_currency are the same")
        fxrate = Decimal(1)
    assert fxrate is not None
    if fxrate <= 0 or fxrate.adjusted() >= 9:
        raise InvalidField("fxrate", "must be a positive rate such as 655.34")
    if fxrate.as_tuple().exponent < -MAX_FXRATE_DECIMALS:  # type: ignore[operator]
        raise InvalidField("fxrate", f"must have at most {MAX_FXRATE_DECIMALS} decimal places")

    if not _is_true(body.get("aml_cft")):
        raise InvalidField("aml_cft", "must be true: the transaction is only considered when aml_cft is true")

    sender_first_name = _text(body, "sender_first_name", required=False)
    sender_last_name = _text(body, "sender_last_name", required=False)
    sender_email = _text(body, "sender_email", required=False, max_length=254)
    if sender_email is not None:
        sender_email = check_email(sender_email, "sender_email")
    sender_mobile_phone = _text(body, "sender_mobile_phone", required=True, max_length=16)
    assert sender_mobile_phone is not None
    sender_mobile_phone = _phone(sender_mobile_phone, "sender_mobile_phone")
    sender_country = _country(body, "sender_country")

    first_name = _text(body, "first_name", required=False)
    last_name = _text(body, "last_name", required=False)
    to_country = _country(body, "to_country")
    if to_country != COUNTRY:
        raise InvalidField("to_country", "must be CM: the inbound API sends transactions to Cameroon")
    purpose = _text(body, "purpose", required=True, max_length=255)
    fund_origin = _text(body, "fund_origin", required=True, max_length=255)
    track_id = _text(body, "track_id", required=True)
    transaction_type = _text(body, "transaction_type", required=False, max_length=20)
    if transaction_type is not None and transaction_type != TYPE:
        raise InvalidField("transaction_type", "must be mobile")
    assert purpose is not None and fund_origin is not None and track_id is not None
    return PaymentRequest(
        track_id=track_id,
        amount=amount,
        from_currency=from_currency,
        to_currency=to_currency,
        fxrate=fxrate,
        email=email,
        msisdn=msisdn,
        network=network,
        mobile_phone=mobile_phone,
        first_name=first_name,
        last_name=last_name,
        to_country=to_country,
        sender_first_name=sender_first_name,
        sender_last_name=sender_last_name,
        sender_email=sender_email,
        sender_mobile_phone=sender_mobile_phone,
        sender_country=sender_country,
        purpose=purpose,
        fund_origin=fund_origin,
    )
