"""Peach's error envelope, in one place: {"error": CODE, "message": ...} with the document's
codes and statuses (docs/bitcoin.md lists the mapping)."""

from __future__ import annotations

from fastapi import Response

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
from peerx.web import EDGE_STATUS, WireJSON, retry_after

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
