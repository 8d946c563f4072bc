"""Peach's error envelope, in one place: {"error": CODE, "message": ...} with the document's
codes and statuses (docs/bitcoin.md lists the mapping)."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from fastapi.exceptions import RequestValidationError

from peerx.chain.errors import ChainUnavailable, TransactionRejected
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
from peerx.products.bitcoin import failures as f
from peerx.products.bitcoin.market import PriceUnavailable
from peerx.web import EDGE_STATUS, WireJSON, retry_after, validation_failure
from peerx.web.types import forbidden_character

# Most specific first: the first class in an error's MRO found here decides.
ENVELOPE: dict[type[PeerxError], tuple[int, str]] = {
    f.FormInvalid: (400, "FORM_INVALID"),
    f.InvalidSignature: (400, "INVALID_SIGNATURE"),
    f.InvalidPgpSignature: (400, "INVALID_PGP_SIGNATURE"),
    TransactionRejected: (400, "TRANSACTION_INVALID"),
    f.AuthenticationFailed: (401, "AUTHENTICATION_FAILED"),
    f.TradingLimitReached: (401, "TRADING_LIMIT_REACHED"),
    f.PaymentHashInvalid: (401, "PAYMENT_HASH_INVALID"),
    f.NotEnoughPoints: (401, "NOT_ENOUGH_POINTS"),
    f.OfferTaken: (401, "OFFER_TAKEN"),
    f.AlreadyTaken: (409, "ALREADY_TAKEN"),
    f.CannotMatch: (401, "CANNOT_MATCH"),
    f.CannotDoubleMatch: (401, "CANNOT_DOUBLEMATCH"),
    f.PgpMissing: (401, "PGP_MISSING"),
    f.AccountBanned: (403, "ACCOUNT_BANNED"),
    f.UserExists: (401, "USER_EXISTS"),
    f.Duplicate: (409, "DUPLICATE"),
    f.BadState: (400, "BAD_REQUEST"),
    InvalidField: (400, "BAD_REQUEST"),
    InsufficientFunds: (400, "BAD_REQUEST"),
    Unauthorized: (401, "UNAUTHORIZED"),
    Forbidden: (401, "UNAUTHORIZED"),
    NotFound: (404, "NOT_FOUND"),
    IdempotencyMismatch: (409, "DUPLICATE"),
    Conflict: (409, "DUPLICATE"),
    RateLimited: (429, "TOO_MANY_REQUESTS"),
    ChainUnavailable: (503, "SERVICE_UNAVAILABLE"),
    PriceUnavailable: (503, "SERVICE_UNAVAILABLE"),
}
BY_STATUS = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    404: "NOT_FOUND",
    405: "BAD_REQUEST",
    408: "REQUEST_TIMEOUT",
    413: "PAYLOAD_TOO_LARGE",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def render_error(exc: PeerxError) -> Response:
    status, code = next((ENVELOPE[cls] for cls in type(exc).__mro__ if cls in ENVELOPE), (500, "INTERNAL_SERVER_ERROR"))
    forced = int(str(exc.details.get("status", 0))) or EDGE_STATUS.get(type(exc), 0)
    if forced:
        status, code = forced, BY_STATUS.get(forced, "BAD_REQUEST" if forced < 500 else "INTERNAL_SERVER_ERROR")
    return WireJSON({"error": code, "message": exc.message}, status_code=status, headers=retry_after(exc))


# Tags of the discriminated unions a body may be (POST offer: a buy or a sell offer): pydantic
# puts the tag in an error's location ("body.ask.amount"); the wire name is "amount".
UNION_TAGS = frozenset({"bid", "ask"})


FIELD_PART_MAX = 60  # a dict key in a location is the client's text: shown cut and without controls


def _wire_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    parts = [_shown(part) for part in loc if part != "[key]"]
    if len(parts) > 2 and parts[0] == "body" and parts[1] in UNION_TAGS:
        del parts[1]
    return tuple(parts)


def _shown(part: Any) -> Any:
    if not isinstance(part, str):
        return part
    return "".join("?" if forbidden_character(ch) else ch for ch in part[:FIELD_PART_MAX])


def invalid_request(exc: RequestValidationError) -> PeerxError:
    """A request the wire models refused: FORM_INVALID naming the field (its wire name), or
    BAD_REQUEST when the body as a whole is not JSON / not an object."""
    errors = [{**error, "loc": _wire_loc(tuple(error.get("loc", ())))} for error in exc.errors()]
    first = errors[0] if errors else {}
    kind, ctx = str(first.get("type", "")), first.get("ctx") or {}
    if kind == "union_tag_not_found":
        return f.FormInvalid(str(ctx.get("discriminator", "type")).strip("'"), "is required")
    if kind == "union_tag_invalid":
        tag = str(ctx.get("discriminator", "type")).strip("'")
        return f.FormInvalid(tag, f"must be one of {ctx.get('expected_tags')}")
    problem = validation_failure(RequestValidationError(errors))
    field = problem.field or "body"
    return problem if field == "body" else f.FormInvalid(field, problem.reason)
