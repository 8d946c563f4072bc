"""Remittance jobs: the payout (on the rails' shared payout flow), the timer of each waiting
remittance, and the resume that follows a float top-up; TASKS is their table by kind, which the
composition root registers with the worker."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import utcnow
from peerx.core.jobs import JobContext, RetryLater, TaskTable, enqueue
from peerx.platform import Platform
from peerx.products.remittances import common, repository, service
from peerx.products.remittances.models import RemittanceStatus
from peerx.rails import floats, payout_flow
from peerx.rails.payouts import PayoutResult, PayoutStatus


async def run_payout(ctx: JobContext[Platform], payload: dict[str, Any]) -> None:
    platform: Platform = ctx.services
    transaction_id, reference = payload["transaction_id"], payload["reference"]

    async def prepare(session: AsyncSession) -> payout_flow.Attempt | None:
        tx = await repository.lock_transaction(session, transaction_id)
        # A stale job (an earlier attempt of a retried remittance) has nothing to do.
        if (
            tx is None
            or tx.payout_reference != reference
            or tx.status not in (RemittanceStatus.NEW, RemittanceStatus.PENDING)
        ):
            return None
        first_attempt = tx.sent_at is None
        if first_attempt:
            method = common.NETWORK_RAILS[tx.network]
            rail = platform.rails.for_method(method, livemode=tx.livemode, country=common.COUNTRY)
            await service.mark_sent(session, tx, rail.name)
        else:
            rail = platform.rails.by_name(tx.rail or "manual", country=common.COUNTRY)
        return payout_flow.Attempt(rail, service.payout_request(tx), first_attempt)

    async def settle(session: AsyncSession, result: PayoutResult) -> None:
        tx = await repository.lock_transaction(session, transaction_id)
        if tx is None or tx.payout_reference != reference or tx.status != RemittanceStatus.PENDING:
            return  # an operator settled it meanwhile
        if result.status == PayoutStatus.SUCCEEDED:
            await service.mark_paid(session, tx, result.provider_reference or tx.payout_reference)
        elif result.status == PayoutStatus.FAILED:
            await service.mark_failed(session, tx, result.reason or "PAYOUT_FAILED")

    await payout_flow.run(ctx.db, job_kind="remittances.payout", job_payload=payload, prepare=prepare, settle=settle)


async def tick(ctx: JobContext[Platform], payload: dict[str, Any]) -> None:
    platform: Platform = ctx.services
    policy = common.Policy.from_settings(platform.settings)
    async with ctx.db.transaction() as session:
        again = await service.on_wait_timer(session, payload["transaction_id"], payload["cycle"], policy)
    if again is not None:  # raised after the commit: the tick's work (if any) is kept
        raise RetryLater(max(again, utcnow()), "still waiting")


async def resume_float(ctx: JobContext[Platform], payload: dict[str, Any]) -> None:
    """The float was set: remittances waiting for it go on, oldest first, each in its own unit."""
    platform: Platform = ctx.services
    policy = common.Policy.from_settings(platform.settings)
    async with ctx.db.transaction() as session:
        waiting = await service.waiting_for_float(session, payload["rail"], payload["livemode"])
    for transaction_id in waiting:
        async with ctx.db.transaction() as session:
            await service.resume_waiting_for_float(session, transaction_id, policy)


async def on_float_set(session: AsyncSession, view: floats.FloatView) -> None:
    if view.currency == common.CURRENCY and view.rail in common.RAIL_NETWORKS:
        await enqueue(session, "remittances.resume_float", {"rail": view.rail, "livemode": view.livemode})


TASKS: TaskTable = {
    "remittances.payout": run_payout,
    "remittances.wait": tick,
    "remittances.resume_float": resume_float,
}
