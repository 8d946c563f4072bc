"""Peach's errors, in one place: the errors the rules raise, each with the document's code
(they extend core errors, so operator surfaces render them too), and the error envelope
{"error": CODE, "message": ...} with the document's codes and statuses (docs/bitcoin.md lists
the mapping)."""

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
from peerx.web import EDGE_STATUS, WireJSON, retry_after, validation_failure
from peerx.wire import forbidden_character


class FormInvalid(InvalidField):
    code = "FORM_INVALID"


class InvalidSignature(InvalidField):
    code = "INVALID_SIGNATURE"


class InvalidPgpSignature(InvalidField):
    code = "INVALID_PGP_SIGNATURE"


class AuthenticationFailed(Unauthorized):
    code = "AUTHENTICATION_FAILED"


class TradingLimitReached(Forbidden):
    code = "TRADING_LIMIT_REACHED"


class PaymentHashInvalid(Forbidden):
    code = "PAYMENT_HASH_INVALID"


class NotEnoughPoints(Forbidden):
    code = "NOT_ENOUGH_POINTS"


class AccountBanned(Forbidden):
    code = "ACCOUNT_BANNED"


class Duplicate(Conflict):
    code = "DUPLICATE"


class BadState(Conflict):
    """The offer is not in a state that allows the operation."""

    code = "BAD_REQUEST"


class UserExists(Unauthorized):
    code = "USER_EXISTS"


class OfferTaken(Forbidden):
    """The sell offer is in a contract already."""

    code = "OFFER_TAKEN"


class AlreadyTaken(Conflict):
    """The buy offer is in a contract already."""

    code = "ALREADY_TAKEN"


class CannotMatch(Forbidden):
    code = "CANNOT_MATCH"


class CannotDoubleMatch(Forbidden):
    code = "CANNOT_DOUBLEMATCH"


class PgpMissing(Forbidden):
    code = "PGP_MISSING"


class PriceUnavailable(PeerxError):
    """The live price source could not be read and no recent prices are known."""

    code = "price_unavailable"


# Most specific first: the first class in an error's MRO found here decides.
ENVELOPE: dict[type[PeerxError], tuple[int, str]] = {
    FormInvalid: (400, "FORM_INVALID"),
    InvalidSignature: (400, "INVALID_SIGNATURE"),
    InvalidPgpSignature: (400, "INVALID_PGP_SIGNATURE"),
    TransactionRejected: (400, "TRANSACTION_INVALID"),
    AuthenticationFailed: (401, "AUTHENTICATION_FAILED"),
    TradingLimitReached: (401, "TRADING_LIMIT_REACHED"),
    PaymentHashInvalid: (401, "PAYMENT_HASH_INVALID"),
    NotEnoughPoints: (401, "NOT_ENOUGH_POINTS"),
    OfferTaken: (401, "OFFER_TAKEN"),
    AlreadyTaken: (409, "ALREADY_TAKEN"),
    CannotMatch: (401, "CANNOT_MATCH"),
    CannotDoubleMatch: (401, "CANNOT_DOUBLEMATCH"),
    PgpMissing: (401, "PGP_MISSING"),
    AccountBanned: (403, "ACCOUNT_BANNED"),
    UserExists: (401, "USER_EXISTS"),
    Duplicate: (409, "DUPLICATE"),
    BadState: (400, "BAD_REQUEST"),
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
        return FormInvalid(str(ctx.get("discriminator", "type")).strip("'"), "is required")
    if kind == "union_tag_invalid":
        tag = str(ctx.get("discriminator", "type")).strip("'")
        return FormInvalid(tag, f"must be one of {ctx.get('expected_tags')}")
    problem = validation_failure(RequestValidationError(errors))
    field = problem.field or "body"
    return problem if field == "body" else FormInvalid(field, problem.reason)
