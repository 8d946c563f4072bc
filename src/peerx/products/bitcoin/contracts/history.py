"""Trade history: one outcome row per finished contract, then the reputation of both parties
and the referral points their trading earns (docs/bitcoin.md, "Reputation", "Referrals")."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import utcnow
from peerx.products.bitcoin.contracts import repository
from peerx.products.bitcoin.identity import referrals, reputation
from peerx.products.bitcoin.identity import repository as identity
from peerx.products.bitcoin.models import Contract, PeachTradeOutcome, TradeStatus


def bitcoin_reached_buyer(contract: Contract) -> bool:
    """A trade is completed when the buyer got the bitcoin: a release, or a dispute the buyer won."""
    if contract.canceled:
        return False
    return (
        contract.trade_status == TradeStatus.TRADE_COMPLETED
        or contract.release_txid is not None
        or (contract.dispute_winner == "buyer")
    )


async def record_trade_outcome(session: AsyncSession, contract: Contract) -> None:
    """Record a finished contract once (a retried step records nothing new), then recompute
    both parties' reputation and credit their referrers. Runs in the caller's transaction."""
    parties = [contract.seller_id, contract.buyer_id]
    completed = bitcoin_reached_buyer(contract)
    by_party = await referrals.referrers(session, parties) if completed else {}
    # Every user written below is locked first, in id order, before any row referencing them is
    # inserted: two finishing contracts sharing users (as parties or referrers) cannot deadlock.
    for user_id in sorted({*parties, *by_party.values()}):
        await identity.lock_user(session, user_id)
    known = await repository.outcome_id(session, contract.id)
    if known is not None:
        return
    winner = {"seller": contract.seller_id, "buyer": contract.buyer_id}.get(contract.dispute_winner or "")
    loser = None if winner is None else (contract.buyer_id if winner == contract.seller_id else contract.seller_id)
    outcome = PeachTradeOutcome(
        contract_id=contract.id,
        seller_id=contract.seller_id,
        buyer_id=contract.buyer_id,
        amount=contract.amount,
        completed=completed,
        dispute_opened_by_id=contract.dispute_initiator_id,
        dispute_winner_id=winner,
        dispute_loser_id=loser,
        created_at=utcnow(),
    )
    session.add(outcome)
    await session.flush()
    if not completed:
        await referrals.return_free_trade(session, contract)
    for user_id in parties:
        await reputation.recompute(session, user_id)
    await referrals.credit_referred_trade(session, outcome, by_party)
