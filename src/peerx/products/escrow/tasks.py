"""Escrow's jobs by kind (`TASKS`, the table the composition root registers with the worker):
deadlines (the tracking deadline refunds when the seller never shipped, the complaint period
releases when the buyer stayed silent, the face-to-face deposit acceptance refunds a deposit the
seller never accepted), the carrier poll, card refunds and payouts. Each handler re-checks the
state under a row lock, so a job that runs twice acts once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import utcnow
from peerx.core.jobs import Handler, JobContext, RetryLater, TaskTable
from peerx.core.secrets import FieldCipher
from peerx.platform import Platform
from peerx.products.escrow import online, p2p, payouts, repository
from peerx.products.escrow.carriers import CarrierTracker, SandboxCarrier
from peerx.products.escrow.kernel import Timing
from peerx.products.escrow.models import EscrowJob, EscrowTransaction
from peerx.rails import payout_flow
from peerx.rails.payins import PayinRail, SandboxPayins
from peerx.rails.payouts import PayoutRequest, PayoutResult
from peerx.rails.stripe.client import StripePayins


def timing(platform: Platform) -> Timing:
    s = platform.settings
    return Timing(
        complaint_period=timedelta(seconds=s.trustap_complaint_period_seconds),
        tracking_window=timedelta(seconds=s.trustap_tracking_window_seconds),
        carrier_poll=timedelta(seconds=s.trustap_carrier_poll_seconds),
        deposit_acceptance=timedelta(seconds=s.trustap_deposit_acceptance_seconds),
    )


def payin_rail(platform: Platform, livemode: bool) -> PayinRail | None:
    """Test mode always uses the sandbox; live mode the connector the operator chose: Stripe (when
    its secret key is set), the sandbox (demos), or none (live card payments refused)."""
    s = platform.settings
    if not livemode or s.trustap_live_payins == "sandbox":
        return SandboxPayins()
    if s.trustap_live_payins == "stripe" and s.trustap_stripe_secret_key:
        return StripePayins(
            api_key=s.trustap_stripe_secret_key,
            api_base=s.trustap_stripe_api_base,
            timeout_seconds=s.outbound_timeout_seconds,
        )
    return None


def carrier_tracker(platform: Platform) -> CarrierTracker:
    return SandboxCarrier()


async def carrier_poll(ctx: JobContext[Platform], payload: dict[str, Any]) -> None:
    platform = ctx.services
    tx_id = int(payload["transaction_id"])
    async with ctx.db.transaction() as session:
        tx = await repository.row(session, EscrowTransaction, tx_id)
        if tx is None or tx.delivered is not None or tx.tracking_code is None or tx.payment_refunded is not None:
            return
        carrier, code = tx.tracking_carrier or "", tx.tracking_code
    # The carrier is asked outside any transaction: no lock is held across a network call.
    delivered = await carrier_tracker(platform).delivered_at(carrier, code)
    if delivered is None:
        raise RetryLater(utcnow() + timing(platform).carrier_poll, "not delivered yet")
    async with ctx.db.transaction() as session:
        await online.carrier_delivered(session, tx_id, timing(platform))


DeadlineAct = Callable[[AsyncSession, int], Awaitable[bool]]


def deadline_handler(act: DeadlineAct) -> Handler:
    async def handler(ctx: JobContext[Platform], payload: dict[str, Any]) -> None:
        async with ctx.db.transaction() as session:
            await act(session, int(payload["transaction_id"]))

    return handler


# Deadlines: each act re-checks the state under a row lock and does nothing when not due.
DEADLINES: dict[str, DeadlineAct] = {
    EscrowJob.COMPLAINT_PERIOD: online.FLOW.complaint_period_over,
    EscrowJob.TRACKING_DEADLINE: online.tracking_deadline_passed,
    EscrowJob.P2P_DEPOSIT_ACCEPTANCE: p2p.deposit_acceptance_passed,
    EscrowJob.P2P_COMPLAINT_PERIOD: p2p.FLOW.complaint_period_over,
}


async def card_refund(ctx: JobContext[Platform], payload: dict[str, Any]) -> None:
    """Tell the card network about a refund the ledger already made; no transaction is open
    during the call, and the reference (Stripe's Idempotency-Key) makes a retry harmless."""
    rail = payin_rail(ctx.services, bool(payload["livemode"]))
    assert rail is not None, "a paid transaction had a rail"
    await rail.refund(
        payin_id=str(payload["payin_id"]), amount=int(payload["amount"]), reference=str(payload["reference"])
    )


async def run_payout(ctx: JobContext[Platform], payload: dict[str, Any]) -> None:
    platform: Platform = ctx.services
    cipher: FieldCipher = ctx.services.cipher
    payout_id = int(payload["payout_id"])

    async def prepare(session: AsyncSession) -> payout_flow.Attempt | None:
        payout = await repository.lock_payout(session, payout_id)
        if payout is None or payout.status not in ("pending", "processing"):
            return None
        first = payout.sent_at is None
        if first:
            rail = platform.rails.for_method(payout.method, livemode=payout.livemode)
            payout.rail, payout.sent_at, payout.status = rail.name, utcnow(), "processing"
        else:
            rail = platform.rails.by_name(payout.rail or "manual")
        request = PayoutRequest(
            reference=payout.reference,
            amount_minor=payout.amount,
            currency=payout.currency.upper(),
            account_number=cipher.decrypt(payout.account_secret, context=payouts.CONTEXT),
            note=f"Trustap payout {payout.id}",
            metadata={"method": payout.method},
        )
        return payout_flow.Attempt(rail, request, first)

    async def settle(session: AsyncSession, result: PayoutResult) -> None:
        payout = await repository.lock_payout(session, payout_id)
        if payout is None or payout.status != "processing":
            return
        await payouts.finish(session, payout, result)

    await payout_flow.run(ctx.db, job_kind=EscrowJob.PAYOUT, job_payload=payload, prepare=prepare, settle=settle)


TASKS: TaskTable = {
    EscrowJob.CARRIER_POLL: carrier_poll,
    EscrowJob.CARD_REFUND: card_refund,
    EscrowJob.PAYOUT: run_payout,
    **{kind: deadline_handler(act) for kind, act in DEADLINES.items()},
}
