"""Gift cards' jobs, and their table by kind (TASKS) that the composition root registers with the
worker. Withdrawal payouts run as jobs on the rails' shared payout flow (peerx.rails.payout_flow):
send through the rail chosen when the payout first goes out, then poll until the provider
decides. Never holds a row lock across the network call, and never sends a second time: after
the first attempt (even a timeout) only the status is asked."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import utcnow
from peerx.core.jobs import JobContext, TaskTable
from peerx.core.secrets import FieldCipher
from peerx.platform import Platform
from peerx.products.giftcards import repository, service
from peerx.products.giftcards.models import WithdrawalStatus
from peerx.rails import payout_flow
from peerx.rails.payouts import PayoutRequest, PayoutResult, PayoutStatus

COUNTRY = "GH"  # withdrawals pay Ghanaian accounts (the country's connectors, e.g. MTN Ghana)


async def run_payout(ctx: JobContext[Platform], payload: dict[str, Any]) -> None:
    platform: Platform = ctx.services
    withdrawal_id = payload["withdrawal_id"]

    async def prepare(session: AsyncSession) -> payout_flow.Attempt | None:
        withdrawal = await repository.lock_withdrawal(session, withdrawal_id)
        if withdrawal is None or withdrawal.status not in (WithdrawalStatus.PENDING, WithdrawalStatus.PROCESSING):
            return None
        first_attempt = withdrawal.sent_at is None
        if first_attempt:
            rail = platform.rails.for_method(withdrawal.method, livemode=withdrawal.livemode, country=COUNTRY)
            withdrawal.rail, withdrawal.sent_at, withdrawal.status = rail.name, utcnow(), WithdrawalStatus.PROCESSING
        else:
            rail = platform.rails.by_name(withdrawal.rail or "manual", country=COUNTRY)
        request = PayoutRequest(
            reference=withdrawal.payout_reference,
            amount_minor=withdrawal.amount,
            currency=withdrawal.currency,
            account_number=withdrawal.account_number,
            account_name=withdrawal.account_name,
            note=f"PeerTupeer withdrawal {withdrawal.reference}",
            country=COUNTRY,
            metadata={"method": withdrawal.method},
        )
        return payout_flow.Attempt(rail, request, first_attempt)

    async def settle(session: AsyncSession, result: PayoutResult) -> None:
        withdrawal = await repository.lock_withdrawal(session, withdrawal_id)
        if withdrawal is None or withdrawal.status != WithdrawalStatus.PROCESSING:
            return  # an operator settled it meanwhile
        if result.status == PayoutStatus.SUCCEEDED:
            await service.complete_withdrawal(session, withdrawal, result.provider_reference)
        elif result.status == PayoutStatus.FAILED:
            await service.fail_withdrawal(session, withdrawal, result.reason or "Payout failed.")

    await payout_flow.run(ctx.db, job_kind="giftcards.payout", job_payload=payload, prepare=prepare, settle=settle)


async def resolve_sandbox_trade(ctx: JobContext[Platform], payload: dict[str, Any]) -> None:
    cipher: FieldCipher = ctx.services.cipher
    async with ctx.db.transaction() as session:
        await service.resolve_sandbox_trade(session, cipher, payload["trade_id"])


TASKS: TaskTable = {
    "giftcards.payout": run_payout,
    "giftcards.sandbox_resolve": resolve_sandbox_trade,
}
