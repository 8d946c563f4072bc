"""The Peex error envelope, in one place. The document names the status codes (401 wrong or
missing secret key, 404 unknown user or transaction, 422 invalid params, aml_cft not true, or
another partner's transaction) but shows no error body; ours is
{"status": 422, "error": "invalid_field", "message": "aml_cft must be true ...", "field": "aml_cft"}."""

from __future__ import annotations

from fastapi import Response

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
from peerx.core.parties import AccountSuspended
from peerx.web import WireJSON, error_status, retry_after

STATUS: dict[type[PeerxError], int] = {
    InvalidField: 422,
    InsufficientFunds: 422,
    Unauthorized: 401,
    Forbidden: 422,  # "the transaction does not belong to you" is a 422 in the document
    AccountSuspended: 401,  # the document's one refusal of a key: "not authorized" (401)
    NotFound: 404,
    Conflict: 409,
    IdempotencyMismatch: 422,
    RateLimited: 429,
}


def render_error(exc: PeerxError) -> Response:
    status = error_status(exc, STATUS, 422)
    return WireJSON(
        {"status": status, "error": exc.code, "message": exc.message, "field": exc.field},
        status_code=status,
        headers=retry_after(exc),
    )
