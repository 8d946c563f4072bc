"""Parsing the PeerTupeer wire: form fields, JSON bodies and query strings into typed values,
with errors that name the field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.datastructures import FormData, UploadFile

from peerx.core.errors import InvalidField
from peerx.core.money import parse_decimal
from peerx.products.giftcards.service import TradeSubmission, Upload, WithdrawalRequest


def text_field(source: FormData | dict[str, Any], name: str, *, required: bool, max_length: int = 200) -> str | None:
    value = source.get(name)
    if isinstance(value, UploadFile):
        raise InvalidField(name, "must be a text field, not a file")
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidField(name, "is required")
        return None
    if not isinstance(value, str | int | Decimal) or isinstance(value, bool):
        raise InvalidField(name, "must be a string")
    text = str(value).strip()
    if len(text) > max_length:
        raise InvalidField(name, f"must be at most {max_length} characters")
    return text


def _integer(source: FormData | dict[str, Any], name: str, *, default: int | None = None) -> int:
    raw = text_field(source, name, required=default is None)
    if raw is None:
        assert default is not None
        return default
    if not raw.lstrip("-").isdigit():
        raise InvalidField(name, "must be a whole number")
    return int(raw)


def _decimal(source: FormData | dict[str, Any], name: str) -> Decimal:
    raw = source.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise InvalidField(name, "is required")
    if isinstance(raw, UploadFile):
        raise InvalidField(name, "must be a number")
    try:
        return parse_decimal(raw)
    except ValueError:
        raise InvalidField(name, "must be a number") from None


async def _upload(form: FormData, name: str, *, required: bool, max_bytes: int) -> Upload | None:
    value = form.get(name)
    if value is None or (isinstance(value, str) and not value):
        if required:
            raise InvalidField(name, "is required")
        return None
    if not isinstance(value, UploadFile):
        raise InvalidField(name, "must be an uploaded file")
    data = await value.read(max_bytes + 1)  # one byte over the limit is enough to refuse it
    return Upload(field=name, data=data)


async def trade_submission(form: FormData, *, max_bytes: int) -> TradeSubmission:
    card_type_id = _integer(form, "card_type_id")
    country = text_field(form, "country", required=True, max_length=60)
    currency = text_field(form, "currency", required=True, max_length=3)
    card_amount = _decimal(form, "card_amount")
    quantity = _integer(form, "quantity", default=1)
    front = await _upload(form, "front_image", required=True, max_bytes=max_bytes)
    back = await _upload(form, "back_image", required=True, max_bytes=max_bytes)
    receipt = await _upload(form, "receipt_image", required=False, max_bytes=max_bytes)
    assert country is not None and currency is not None and front is not None and back is not None
    return TradeSubmission(
        card_type_id=card_type_id,
        country=country,
        currency=currency,
        card_amount=card_amount,
        quantity=quantity,
        notes=text_field(form, "notes", required=False, max_length=1000),
        card_number=text_field(form, "card_number", required=False, max_length=64),
        front_image=front,
        back_image=back,
        receipt_image=receipt,
    )


def withdrawal_request(body: dict[str, Any]) -> WithdrawalRequest:
    amount = _decimal(body, "amount")
    method = text_field(body, "method", required=True, max_length=30)
    account_name = text_field(body, "account_name", required=True, max_length=100)
    account_number = text_field(body, "account_number", required=True, max_length=40)
    assert method is not None and account_name is not None and account_number is not None
    return WithdrawalRequest(
        amount=amount,
        method=method,
        account_name=account_name,
        account_number=account_number,
        bank_name=text_field(body, "bank_name", required=False, max_length=100),
    )
