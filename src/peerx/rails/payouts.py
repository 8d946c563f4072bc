"""The payout rail interface every connector implements.

A payout is identified by a reference that *we* derive from our own row id, so a retry after a
timeout reuses it and the provider can deduplicate (MTN's X-Reference-Id). A rail never touches
the ledger: the caller holds funds (two-phase) before `send`, posts on SUCCEEDED, voids on
FAILED, and on PENDING (or a timeout) keeps the hold and asks `status` later.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Protocol


class PayoutStatus(enum.StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PENDING = "pending"


@dataclass(frozen=True)
class PayoutRequest:
    reference: str  # UUID4 string derived from our payout row; stable across retries
    amount_minor: int  # integer minor units of `currency`
    currency: str  # ISO 4217
    account_number: str  # MSISDN for mobile money (international form without '+', e.g. 233241234567)
    account_name: str = ""
    note: str = ""
    country: str = ""  # ISO 3166 alpha-2, selects per-country configuration
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PayoutResult:
    status: PayoutStatus
    provider_reference: str | None = None  # e.g. MTN financialTransactionId, Orange txnid
    reason: str | None = None  # machine-readable failure reason (PAYEE_NOT_FOUND, ...)


class RailUnavailable(Exception):
    """The provider could not be reached or answered 5xx: outcome unknown, ask `status` later."""


class PayoutRail(Protocol):
    name: str

    async def send(self, request: PayoutRequest) -> PayoutResult:
        """Start a payout. Idempotent for the same reference. Raises RailUnavailable when the
        outcome is unknown (timeout, 5xx); the caller then keeps the hold and polls `status`."""
        ...

    async def status(self, request: PayoutRequest) -> PayoutResult:
        """Ask the provider what became of the payout with request.reference."""
        ...


class PayoutNotFound(RailUnavailable):
    """The provider has no payout under this reference (or we never started one with it).

    A RailUnavailable on purpose: asking again is always safe (a status query can arrive before the
    provider has recorded a transfer whose POST timed out). A caller that catches it specifically
    may `send` again with the *same* reference: the provider either creates the payout now or
    reports the one it already has, so nothing is ever paid twice.
    """
