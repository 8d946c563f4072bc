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
from peerx.web import WireJSON

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
    RateLimited: "Too many requests. The limit is 100 requests per minute per API key.",
}


def render_error(exc: PeerxError) -> Response:
    status = int(str(exc.details.get("status", 0))) or STATUS.get(type(exc), 400)
    message = MESSAGES.get(type(exc), exc.message)
    if not message.endswith("."):
        message += "."
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return WireJSON({"success": False, "message": message}, status_code=status, headers=headers)
