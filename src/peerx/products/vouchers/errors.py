"""Peerwallet's error envelope: {"status": <HTTP status>, "message": ...}, the same shape as the
document's success sample, with the HTTP status in the body too. One mapping, in one place."""

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
from peerx.web import WireJSON, error_status, retry_after

STATUS: dict[type[PeerxError], int] = {
    InvalidField: 400,
    Unauthorized: 401,
    InsufficientFunds: 402,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    IdempotencyMismatch: 422,
    RateLimited: 429,
}
MESSAGES = {
    Unauthorized: "api-private-key is missing or invalid.",
    RateLimited: "Too many requests. Retry later.",
}


def render_error(exc: PeerxError) -> Response:
    status = error_status(exc, STATUS, 400)
    message = MESSAGES.get(type(exc), exc.message)
    if not message.endswith("."):
        message += "."
    return WireJSON({"status": status, "message": message}, status_code=status, headers=retry_after(exc))
