"""The escrow watcher job: multisig.check_funding moves the escrow's status; when it becomes FUNDED
for a buy-offer trade's sell offer, the contract that waited for it starts (matching.fund_contract).
Its own module because matching builds on multisig (no import circle)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import utcnow
from peerx.core.jobs import JobContext, RetryLater
from peerx.platform import Platform
from peerx.products.bitcoin.context import Peach, peach_of
from peerx.products.bitcoin.contracts import matching, multisig, repository
from peerx.products.bitcoin.models import FundingState
from peerx.products.bitcoin.offers import repository as offer_rows


async def watch_escrow(context: JobContext[Platform], payload: dict[str, Any]) -> None:
    peach = peach_of(context.services)
    async with context.db.transaction() as session:
        offer_id = int(payload["offer_id"])
        done = await multisig.check_funding(session, peach, offer_id)
        if done:
            await start_waiting_contract(session, peach, offer_id)
    if not done:
        raise RetryLater(utcnow() + timedelta(seconds=peach.settings.peach_watch_seconds), "waiting for funding")


async def start_waiting_contract(session: AsyncSession, peach: Peach, sell_offer_id: int) -> None:
    """The contract made on this sell offer before its escrow, once the escrow is FUNDED (once)."""
    contract = await repository.contract_of_sell_offer_for_update(session, sell_offer_id)
    if contract is None or contract.canceled or contract.escrow_id is not None:
        return
    escrow = await offer_rows.escrow_of(session, sell_offer_id, lock=True)
    if escrow is not None and escrow.funding_status == FundingState.FUNDED:
        await matching.fund_contract(session, peach, contract, escrow)
