"""Typed errors that services raise. They carry a stable code, never an HTTP status:
each wire surface maps them to its own document's envelope in one place."""

from __future__ import annotations


class PeerxError(Exception):
    code = "error"

    def __init__(self, message: str, *, field: str | None = None, details: dict[str, object] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}


class InvalidField(PeerxError):
    code = "invalid_field"

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field} {reason}", field=field)
        self.reason = reason


class Unauthorized(PeerxError):
    code = "unauthorized"


class Forbidden(PeerxError):
    code = "forbidden"


class NotFound(PeerxError):
    code = "not_found"


class Conflict(PeerxError):
    code = "conflict"


class InsufficientFunds(PeerxError):
    code = "insufficient_funds"


class IdempotencyMismatch(PeerxError):
    code = "idempotency_mismatch"


class RateLimited(PeerxError):
    code = "rate_limited"

    def __init__(self, retry_after: int):
        super().__init__("Too many requests. Retry later.")
        self.retry_after = retry_after
