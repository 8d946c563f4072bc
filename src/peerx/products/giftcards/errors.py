"""PeerTupeer's error envelope: {"success": false, "message": ...}, in one place."""

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
    InsufficientFunds: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    IdempotencyMismatch: 422,
    RateLimited: 429,
}
MESSAGES = {
    Unauthorized: "Invalid API key or unauthorized access.",
    RateLimited: "Too many requests: this API key is over its rate limit. Retry after Retry-After seconds.",
}


def render_error(exc: PeerxError) -> Response:
    status = error_status(exc, STATUS, 400)
    message = MESSAGES.get(type(exc), exc.message)
    if not message.endswith("."):
        message += "."
    return WireJSON({"success": False, "message": message}, status_code=status, headers=retry_after(exc))
