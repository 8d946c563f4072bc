"""Withdrawal payouts, run as jobs: send through the rail chosen when the payout first goes out,
then poll until the provider decides. Never holds a row lock across the network call, and never
sends a second time: after the first attempt (even a timeout) only the status is asked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from peerx.core.db import utcnow
from peerx.core.jobs import JobContext, RetryLater, job_handler
from peerx.core.secrets import FieldCipher
from peerx.platform import Platform
from peerx.products.giftcards import service
from peerx.rails.base import PayoutNotFound, PayoutRail, PayoutRequest, PayoutResult, PayoutStatus, RailUnavailable

POLL_EVERY = timedelta(seconds=30)


@job_handler("giftcards.payout")
async def run_payout(ctx: JobContext, payload: dict[str, Any]) -> None:
    platform: Platform = ctx.services["platform"]
    async with ctx.db.transaction() as session:
        withdrawal = await service.lock_withdrawal(session, payload["withdrawal_id"])
        if withdrawal is None or withdrawal.status not in ("pending", "processing"):
            return
        first_attempt = withdrawal.sent_at is None
        if first_attempt:
            rail = platform.rails.for_method(withdrawal.method, livemode=withdrawal.livemode)
            withdrawal.rail, withdrawal.sent_at, withdrawal.status = rail.name, utcnow(), "processing"
        else:
            rail = platform.rails.by_name(withdrawal.rail or "manual")
        request = PayoutRequest(
            reference=withdrawal.payout_reference,
            amount_minor=withdrawal.amount,
            currency=withdrawal.currency,
            account_number=withdrawal.account_number,
            account_name=withdrawal.account_name,
            note=f"PeerTupeer withdrawal {withdrawal.reference}",
            country="GH",
            metadata={"method": withdrawal.method},
        )
    result = await _ask_rail(rail, request, first_attempt)
    async with ctx.db.transaction() as session:
        withdrawal = await service.lock_withdrawal(session, payload["withdrawal_id"])
        if withdrawal is None or withdrawal.status != "processing":
            return  # an operator settled it meanwhile
        if result is not None and result.status == PayoutStatus.SUCCEEDED:
            await service.complete_withdrawal(session, withdrawal, result.provider_reference)
            return
        if result is not None and result.status == PayoutStatus.FAILED:
            await service.fail_withdrawal(session, withdrawal, result.reason or "Payout failed.")
            return
    if rail.name != "manual":  # the manual rail waits for an operator, not for polling
        raise RetryLater(utcnow() + POLL_EVERY, "payout pending")


async def _ask_rail(rail: PayoutRail, request: PayoutRequest, first_attempt: bool) -> PayoutResult | None:
    """The rail's answer, or None when the outcome is still unknown (keep the hold, ask again)."""
    try:
        if first_attempt:
            return await rail.send(request)
        try:
            return await rail.status(request)
        except PayoutNotFound:
            # The first send never reached the provider: sending again with the *same* reference
            # cannot pay twice (the provider deduplicates on it).
            return await rail.send(request)
    except RailUnavailable:
        return None
    except ValueError as exc:  # the rail can never carry this payout (checked before any network call)
        return PayoutResult(PayoutStatus.FAILED, reason=str(exc)[:200])


@job_handler("giftcards.sandbox_resolve")
async def resolve_sandbox_trade(ctx: JobContext, payload: dict[str, Any]) -> None:
    cipher: FieldCipher = ctx.services["cipher"]
    async with ctx.db.transaction() as session:
        await service.resolve_sandbox_trade(session, cipher, payload["trade_id"])
