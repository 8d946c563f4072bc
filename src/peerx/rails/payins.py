"""Pay-in rails: money coming in from a buyer's card. A rail charges a card token and refunds a
charge; the reference we pass is derived from our own ids, so a retry never charges twice.

The sandbox rail (test mode, and live mode until a real connector is configured) follows
Stripe's test tokens: tok_visa, tok_mastercard, tok_amex succeed; tok_chargeDeclined and
tok_chargeDeclinedInsufficientFunds are declined; anything else is an invalid token."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class PayinResult:
    succeeded: bool
    payin_id: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None


class PayinUnavailable(Exception):
    """The card network did not answer (timeout, 5xx): the outcome is unknown. Asking again with
    the same reference is safe (the reference is the provider's idempotency key)."""


class PayinRail(Protocol):
    name: str

    async def charge(self, *, token: str, amount: int, currency: str, reference: str) -> PayinResult: ...

    async def refund(self, *, payin_id: str, amount: int, reference: str) -> str: ...


SANDBOX_SUCCESS = ("tok_visa", "tok_visa_debit", "tok_mastercard", "tok_amex")
SANDBOX_DECLINES = {
    "tok_chargeDeclined": ("card_declined", "Your card was declined."),
    "tok_chargeDeclinedInsufficientFunds": ("card_declined", "Your card has insufficient funds."),
    "tok_chargeDeclinedExpiredCard": ("expired_card", "Your card has expired."),
}


class SandboxPayins:
    """Deterministic and in-process: the same reference always gives the same charge id."""

    name = "sandbox"

    async def charge(self, *, token: str, amount: int, currency: str, reference: str) -> PayinResult:
        if amount <= 0:
            raise ValueError("charge amount must be positive")
        if token in SANDBOX_SUCCESS:
            return PayinResult(True, payin_id="ch_sandbox_" + hashlib.sha256(reference.encode()).hexdigest()[:24])
        if token in SANDBOX_DECLINES:
            code, message = SANDBOX_DECLINES[token]
            return PayinResult(False, failure_code=code, failure_message=message)
        return PayinResult(False, failure_code="invalid_token", failure_message="No such token.")

    async def refund(self, *, payin_id: str, amount: int, reference: str) -> str:
        return "re_sandbox_" + hashlib.sha256(reference.encode()).hexdigest()[:24]
