"""Parsing the Peerwallet wire: POST values sent form-encoded (as the document's platform expects)
or as a JSON object, into typed values, with errors that name the field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from peerx.core.errors import InvalidField
from peerx.core.money import parse_decimal
from peerx.products.vouchers.service import MAX_QUANTITY, MIN_QUANTITY, IssueRequest
from peerx.web import json_object

MAX_FIELDS = 20
MAX_CODES = 100  # voucher_codes in one void: at most one order's worth


async def post_values(request: Request) -> dict[str, Any]:
    """JSON when the client says so; otherwise form fields (urlencoded or multipart)."""
    if "json" in request.headers.get("content-type", "").lower():
        return json_object(await request.body())
    async with request.form(max_files=0, max_fields=MAX_FIELDS) as form:
        values: dict[str, Any] = {}
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                raise InvalidField(name, "must be a text field, not a file")
            values.setdefault(name, value)
        return values


def text(values: dict[str, Any], name: str, *, required: bool = True, max_length: int = 100) -> str | None:
    value = values.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidField(name, "is required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise InvalidField(name, "must be a string")
    result = str(value).strip()
    if len(result) > max_length:
        raise InvalidField(name, f"must be at most {max_length} characters")
    return result


def _scalar(value: object) -> bool:
    """Missing, text or a JSON number: what a numeric field may be (never true/false or a list)."""
    return value is None or (isinstance(value, str | int | Decimal) and not isinstance(value, bool))


def whole_number(values: dict[str, Any], name: str, *, low: int, high: int) -> int:
    raw = text(values, name, max_length=40) if _scalar(values.get(name)) else "-"
    assert raw is not None
    try:
        number = parse_decimal(raw)
    except ValueError:
        number = None
    if number is None or number != number.to_integral_value() or not low <= number <= high:
        raise InvalidField(name, f"must be a whole number from {low} to {high}")
    return int(number)


def number(values: dict[str, Any], name: str) -> Decimal:
    raw = text(values, name, max_length=40) if _scalar(values.get(name)) else "-"
    assert raw is not None
    try:
        return parse_decimal(raw)
    except ValueError:
        raise InvalidField(name, "must be a number") from None


def issue_request(values: dict[str, Any]) -> IssueRequest:
    quantity = whole_number(values, "quantity", low=MIN_QUANTITY, high=MAX_QUANTITY)
    amount = number(values, "amount")
    currency = text(values, "currency", max_length=10)
    assert currency is not None
    return IssueRequest(quantity=quantity, amount=amount, currency=currency.upper())


def voucher_code(values: dict[str, Any]) -> str:
    code = text(values, "voucher_code", max_length=60)
    assert code is not None
    return code


def order_id(values: dict[str, Any]) -> str:
    value = text(values, "order_id", max_length=10)
    assert value is not None
    return value


def voucher_codes(values: dict[str, Any]) -> list[str] | None:
    """One comma-separated string, as voucher-issue returns them (a JSON list is accepted too)."""
    raw = values.get("voucher_codes")
    if isinstance(raw, list):
        if not all(isinstance(item, str) for item in raw):
            raise InvalidField("voucher_codes", "must be a comma-separated string of codes")
        parts = [item.strip() for item in raw]
    else:
        joined = text(values, "voucher_codes", required=False, max_length=MAX_CODES * 30)
        if joined is None:
            return None
        parts = [part.strip() for part in joined.split(",")]
    codes = [part for part in parts if part]
    if not codes:
        return None
    if len(codes) > MAX_CODES:
        raise InvalidField("voucher_codes", f"must name at most {MAX_CODES} codes")
    return codes
