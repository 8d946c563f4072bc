"""The sandbox payout rail: test mode's rail, deterministic, no network, no real money.

Outcomes are chosen by the last four digits of the account number (the "magic numbers", as in
Stripe's test mode), so integrators and our own tests can drive every branch of a payout:

    ends in  send                          status
    1111     FAILED  PAYEE_NOT_FOUND       FAILED  PAYEE_NOT_FOUND
    2222     PENDING                       SUCCEEDED
    3333     PENDING                       FAILED  NOT_ENOUGH_FUNDS
    4444     raises RailUnavailable        SUCCEEDED   (a timeout after the money moved)
    other    SUCCEEDED                     SUCCEEDED

The rail keeps no state: the answer is a function of the request alone, so the same reference
(carrying, as it must, the same payout) gets the same answer from any instance, in any process,
after any restart. provider_reference is derived from the reference.
"""

from __future__ import annotations

import uuid

from peerx.rails.payouts import PayoutRequest, PayoutResult, PayoutStatus, RailUnavailable

PAYEE_NOT_FOUND = "PAYEE_NOT_FOUND"
NOT_ENOUGH_FUNDS = "NOT_ENOUGH_FUNDS"

MAGIC_PAYEE_NOT_FOUND = "1111"
MAGIC_PENDING_THEN_SUCCEEDED = "2222"
MAGIC_PENDING_THEN_FAILED = "3333"
MAGIC_TIMEOUT_THEN_SUCCEEDED = "4444"

# provider_reference = uuid5(namespace, reference): stable, looks like a provider id, and
# cannot be mistaken for our own reference.
_PROVIDER_REFERENCE_NAMESPACE = uuid.UUID("5f0c6a52-1d8e-4b7e-9a57-8f3e2c1b0a11")


def sandbox_provider_reference(reference: str) -> str:
    return "sbx_" + uuid.uuid5(_PROVIDER_REFERENCE_NAMESPACE, reference).hex


def _magic(account_number: str) -> str:
    """Last four digits of the account number; non-digits (+, spaces) do not count."""
    digits = "".join(ch for ch in account_number if ch.isascii() and ch.isdigit())
    return digits[-4:]


def _validate(request: PayoutRequest) -> None:
    # Refuse what a live rail would refuse, so a bug shows up in test mode and not in live.
    if not request.reference:
        raise ValueError("payout reference is empty")
    if isinstance(request.amount_minor, bool) or not isinstance(request.amount_minor, int):
        raise ValueError(f"amount must be an integer number of minor units, got {request.amount_minor!r}")
    if request.amount_minor <= 0:
        raise ValueError(f"amount must be positive, got {request.amount_minor}")
    if len(request.currency) != 3 or not request.currency.isalpha() or not request.currency.isupper():
        raise ValueError(f"currency must be an ISO 4217 code, got {request.currency!r}")
    if not any(ch.isdigit() for ch in request.account_number):
        raise ValueError(f"account number {request.account_number!r} has no digits")


class SandboxRail:
    name = "sandbox"

    async def send(self, request: PayoutRequest) -> PayoutResult:
        _validate(request)
        suffix = _magic(request.account_number)
        ref = sandbox_provider_reference(request.reference)
        if suffix == MAGIC_PAYEE_NOT_FOUND:
            return PayoutResult(PayoutStatus.FAILED, ref, PAYEE_NOT_FOUND)
        if suffix in (MAGIC_PENDING_THEN_SUCCEEDED, MAGIC_PENDING_THEN_FAILED):
            return PayoutResult(PayoutStatus.PENDING, ref)
        if suffix == MAGIC_TIMEOUT_THEN_SUCCEEDED:
            raise RailUnavailable(f"sandbox: simulated timeout for payout {request.reference}")
        return PayoutResult(PayoutStatus.SUCCEEDED, ref)

    async def status(self, request: PayoutRequest) -> PayoutResult:
        _validate(request)
        suffix = _magic(request.account_number)
        ref = sandbox_provider_reference(request.reference)
        if suffix == MAGIC_PAYEE_NOT_FOUND:
            return PayoutResult(PayoutStatus.FAILED, ref, PAYEE_NOT_FOUND)
        if suffix == MAGIC_PENDING_THEN_FAILED:
            return PayoutResult(PayoutStatus.FAILED, ref, NOT_ENOUGH_FUNDS)
        return PayoutResult(PayoutStatus.SUCCEEDED, ref)
