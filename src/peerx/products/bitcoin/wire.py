"""Small wire helpers: timestamps as the document prints them, ids as strings, body fields."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from peerx.products.bitcoin.failures import FormInvalid


def wire_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def millis(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def text(body: dict[str, Any], name: str, *, required: bool = True, max_length: int = 500) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise FormInvalid(name, "is required")
        return None
    if not isinstance(value, str) or len(value) > max_length:
        raise FormInvalid(name, f"must be a string of at most {max_length} characters")
    return value


def decimal(
    body: dict[str, Any], name: str, *, low: Decimal, high: Decimal, places: int | None = None
) -> Decimal | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise FormInvalid(name, "must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise FormInvalid(name, "must be a number") from None
    if not number.is_finite() or not low <= number <= high:
        raise FormInvalid(name, f"must be between {low} and {high}")
    if places is not None and number != number.quantize(Decimal(1).scaleb(-places)):
        raise FormInvalid(name, f"must have at most {places} decimals")
    return number


def sats(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or value != int(value):
        raise FormInvalid(name, "must be a whole number of sats")
    return int(value)


OFFER_ID = re.compile(r"^[1-9][0-9]{0,17}$")


def offer_id(raw: str) -> int | None:
    return int(raw) if OFFER_ID.match(raw) else None
