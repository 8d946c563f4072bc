"""Trustap's error body, in one place: {"code": ..., "error": ...}. The spec's code travels in
details["code"]; core errors without one get a code derived from their kind or field."""

from __future__ import annotations

import re

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
    IdempotencyMismatch: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    RateLimited: 429,
}


def error_code(exc: PeerxError) -> str:
    code = exc.details.get("code")
    if isinstance(code, str):
        return code
    if isinstance(exc, InvalidField) and exc.field:
        return "invalid_" + re.sub(r"[^a-z0-9]+", "_", exc.field.lower()).strip("_")
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
