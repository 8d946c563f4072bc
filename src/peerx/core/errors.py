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


class PayloadTooLarge(PeerxError):
    code = "payload_too_large"

    def __init__(self, limit: int):
        super().__init__(f"The request body is too large: at most {limit} bytes.", field="body")
        self.limit = limit


class RequestTimeout(PeerxError):
    code = "request_timeout"

    def __init__(self) -> None:
        super().__init__("The request body did not arrive in time.", field="body")


class Unavailable(PeerxError):
    """The platform is out of a shared resource (database connections) for now: retry soon."""

    code = "unavailable"

    def __init__(self, message: str = "The service is busy. Retry later.", *, retry_after: int = 1):
        super().__init__(message)
        self.retry_after = retry_after
