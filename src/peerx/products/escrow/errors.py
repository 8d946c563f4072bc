"""Trustap's error body, in one place: {"code": ..., "error": ...}. The spec's code travels in
details["code"]; errors without one get the spec's code for their field (FIELD_CODES), else a code
derived from the field (`invalid_<field>`). Malformed requests refused by the wire models get the
same codes: a field's failure is answered as the spec names it (a bad `charge` is
`incorrect_charge`, a bad path id `invalid_id`, a missing `currency` `currency_missing`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError

from peerx.core.errors import (
    Conflict,
    Forbidden,
    IdempotencyMismatch,
    InsufficientFunds,
    InvalidField,
    NotFound,
    PeerxError,
    RateLimited,
    Unauthorized,
)
from peerx.products.escrow.schemas import CODED, Error
from peerx.web import WireJSON, error_status, retry_after, validation_failure

STATUS: dict[type[PeerxError], int] = {
    InvalidField: 400,
    InsufficientFunds: 400,
    IdempotencyMismatch: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    RateLimited: 429,
}

# The spec's code for a malformed value of a field, where it is not `invalid_<field>`.
FIELD_CODES: dict[str, str] = {
    **dict.fromkeys(("transaction_id", "listing_id", "notification_id"), "invalid_id"),
    **dict.fromkeys(
        ("deposit_price", "depositPricing.price", "deposit_pricing.price"),
        "invalid_price",
    ),
    **dict.fromkeys(
        ("charge", "deposit_charge", "depositPricing.charge", "deposit_pricing.charge"),
        "incorrect_charge",
    ),
    **dict.fromkeys(
        ("charge_seller", "deposit_charge_seller", "depositPricing.charge_seller", "deposit_pricing.charge_seller"),
        "incorrect_charge_seller",
    ),
    "charge_calculator_version": "invalid_calc_version",
    "deposit_charge_config": "invalid_charge_config",
    "type": "invalid_account_type",
    "bank_details": "bank_details_missing",
    "bank_details.account_number": "account_number_invalid",
    "bank_details.routing_number": "routing_number_invalid",
    "bank_details.country_code": "parameter_missing",
    "bank_details.currency": "parameter_missing",
}
# ... and for a field that is missing altogether.
MISSING_CODES: dict[str, str] = {
    "currency": "currency_missing",
    "join_code": "join_code_missing",
    "type": "parameter_missing",
}


def field_code(field: str, reason: str) -> str:
    if reason == "is required" and field in MISSING_CODES:
        return MISSING_CODES[field]
    first = field.split(".", 1)[0]
    found = FIELD_CODES.get(field) or FIELD_CODES.get(first)
    return found or "invalid_" + re.sub(r"[^a-z0-9]+", "_", first.lower()).strip("_")


def error_code(exc: PeerxError) -> str:
    code = exc.details.get("code")
    if isinstance(code, str):
        return code
    if isinstance(exc, InvalidField) and exc.field:
        return field_code(exc.field, exc.reason)
    if isinstance(exc, IdempotencyMismatch):
        return "idempotency_key_reused"
    return exc.code


def render_error(exc: PeerxError) -> Response:
    status = error_status(exc, STATUS, 400)
    if isinstance(exc, Conflict) and "code" in exc.details:
        status = 400  # the spec's state errors (already_paid, ...) are all 400 Bad Request
    if status == 500:
        return WireJSON({"code": "internal_error", "error": "Internal server error."}, status_code=500)
    headers = retry_after(exc)
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="trustap"'
    return WireJSON({"code": error_code(exc), "error": exc.message}, status_code=status, headers=headers or None)


def validation_error(exc: RequestValidationError) -> InvalidField:
    """A request the wire models refused: the first problem, named by its field, with the spec's
    code where a field type carries one (p2p `limit` above 50 is `excessive_limit`)."""
    failure = validation_failure(exc)
    errors = exc.errors()
    first: Mapping[str, Any] = errors[0] if errors else {}
    if first.get("type") == CODED:
        failure.details["code"] = str((first.get("ctx") or {}).get("code"))
    return failure


async def handle_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    failure = validation_error(exc)
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if failure.field == "body" and kind and kind != "application/json" and not kind.endswith("+json"):
        failure = InvalidField("body", "must be a JSON object, sent as application/json")
    return render_error(failure)


# ---------------------------------------------------------------- the OpenAPI's error answers

STATUS_TEXT = {
    400: "Bad Request",
    401: "Unauthorized: no valid bearer access token (or API key, where one is accepted).",
    403: "Forbidden",
    404: "Not Found: unknown to this user (someone else's is answered the same).",
}


def documented(*statuses: int, codes: Mapping[int, Iterable[str]] | None = None) -> dict[int | str, dict[str, Any]]:
    """The `responses` of an operation: each error status with the spec's codes it can carry."""
    answers: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        description = STATUS_TEXT[status]
        listed = list((codes or {}).get(status, ()))
        if listed:
            description += "\n\n`code` can be one of the following:\n\n" + "".join(f"  * `{c}`\n" for c in listed)
        answers[status] = {"model": Error, "description": description}
    return answers
