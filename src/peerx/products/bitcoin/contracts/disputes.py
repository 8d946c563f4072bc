"""Disputes: a party raises one with a reason from the document's list (an email for
noPayment.*) and the chat's symmetric key encrypted for the platform's PGP key, so a mediator
can read the chat; the other party acknowledges; an operator decides:

- sellerWins / cancelTrade: the contract is canceled, the seller refunds (or revives) its sell
  offer through part 1 (the 2-of-2 refund needs the seller's signature anyway);
- buyerWins / payOutBuyer: the platform pays the buyer alone through the escrow script's
  timeout branch, as soon as the escrow is old enough (a job waits for that depth).

The winner is recorded for buyerWins and sellerWins only (reputation counts disputes won/lost);
cancelTrade and payOutBuyer end a dispute without a loser."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.chain import script as scripts
from peerx.chain.backend import confirmations
from peerx.core.db import utcnow
from peerx.core.errors import NotFound
from peerx.core.jobs import JobContext, RetryLater, enqueue
from peerx.platform import Platform
from peerx.products.bitcoin import errors as f
from peerx.products.bitcoin import repository as shared
from peerx.products.bitcoin.context import Peach, peach_of
from peerx.products.bitcoin.contracts import cancel as cancels
from peerx.products.bitcoin.contracts import release, repository
from peerx.products.bitcoin.contracts.multisig import fee_rate
from peerx.products.bitcoin.contracts.payment import released, set_status
from peerx.products.bitcoin.contracts.repository import role_of
from peerx.products.bitcoin.contracts.schemas import DisputeRequest
from peerx.products.bitcoin.models import Contract, PeachJob, PeachUser, TradeStatus
from peerx.products.bitcoin.push.notify import notify

OUTCOMES = ("buyerWins", "sellerWins", "cancelTrade", "payOutBuyer")
PAYOUT_RETRY = timedelta(minutes=10)


def _email(email: str | None, reason: str | None) -> str | None:
    """An email ("" is none), required when the reason is noPayment.*."""
    if not email:
        if reason in ("noPayment.seller", "noPayment.buyer"):
            raise f.FormInvalid("email", "is required")
        return None
    if "@" not in email:
        raise f.FormInvalid("email", "must be an email address")
    return email


async def raise_dispute(session: AsyncSession, user: PeachUser, contract: Contract, body: DisputeRequest) -> None:
    reason = body.reason
    email = _email(body.email, reason)
    message = body.message or None
    key = body.symmetric_key_encrypted
    if not key.lstrip().startswith("-----BEGIN PGP MESSAGE"):
        raise f.FormInvalid("symmetricKeyEncrypted", "must be a PGP message for the platform's key")
    if contract.canceled or contract.trade_status in (TradeStatus.TRADE_COMPLETED, TradeStatus.PAYOUT_PENDING):
        raise f.BadState("The contract is over.")
    if contract.dispute_active or contract.dispute_outcome is not None:
        raise f.BadState("This contract was disputed already.")
    if contract.escrow_id is None:
        raise f.BadState("The escrow is not funded yet: cancel the contract instead.")
    now = utcnow()
    contract.dispute_active, contract.dispute_initiator_id, contract.dispute_date = True, user.id, now
    contract.dispute_reason, contract.dispute_message, contract.dispute_email = reason, message, email
    contract.dispute_symmetric_key_encrypted = key
    await set_status(session, contract, "dispute", now)
    other = contract.buyer_id if user.id == contract.seller_id else contract.seller_id
    await notify(session, other, "contract.disputeRaised", {"contractId": contract.id, "reason": reason})


async def acknowledge(session: AsyncSession, user: PeachUser, contract: Contract, email: str | None) -> None:
    if not contract.dispute_active:
        raise f.BadState("There is no active dispute.")
    if contract.dispute_initiator_id == user.id:
        raise f.BadState("The counterparty acknowledges a dispute, not its initiator.")
    contract.dispute_counterparty_email = _email(email, contract.dispute_reason)
    contract.dispute_acknowledged_by_counterparty, contract.updated_at = True, utcnow()
    assert contract.dispute_initiator_id is not None
    await notify(session, contract.dispute_initiator_id, "contract.disputeAcknowledged", {"contractId": contract.id})


async def acknowledge_outcome(session: AsyncSession, user: PeachUser, contract: Contract) -> None:
    if contract.dispute_outcome is None:
        raise f.BadState("The dispute has no outcome yet.")
    role = role_of(contract, user)
    if role not in contract.dispute_outcome_acknowledged_by:
        contract.dispute_outcome_acknowledged_by = [*contract.dispute_outcome_acknowledged_by, role]
        contract.updated_at = utcnow()


async def resolve(session: AsyncSession, contract_id: str, outcome: str) -> Contract:
    """The operator's decision; the escrow moves as the module docstring says."""
    if outcome not in OUTCOMES:
        raise f.FormInvalid("outcome", f"must be one of {', '.join(OUTCOMES)}")
    contract = await repository.contract_by_id(session, contract_id, lock=True)
    if contract is None:
        raise NotFound("Contract not found.")
    if not contract.dispute_active:
        raise f.BadState("The contract has no active dispute.")
    now = utcnow()
    contract.dispute_active, contract.dispute_outcome, contract.dispute_resolved_date = False, outcome, now
    contract.dispute_winner = {"buyerWins": "buyer", "sellerWins": "seller"}.get(outcome)
    if outcome in ("sellerWins", "cancelTrade"):
        await cancels.end(session, contract, "mediator", revive_buy_offer=outcome == "cancelTrade")
    else:
        await set_status(session, contract, TradeStatus.PAYOUT_PENDING, now)
        await enqueue(
            session,
            PeachJob.DISPUTE_PAYOUT,
            {"contractId": contract.id},
            unique_key=f"{PeachJob.DISPUTE_PAYOUT}:{contract.id}",
        )
    for party in (contract.seller_id, contract.buyer_id):
        await notify(session, party, "contract.disputeResolved", {"contractId": contract.id, "outcome": outcome})
    return contract


async def pay_out_buyer(session: AsyncSession, peach: Peach, contract_id: str) -> bool:
    """Broadcast the timeout-branch payout once the escrow is deep enough. False: not yet."""
    contract = await repository.contract_by_id(session, contract_id, lock=True)
    if contract is None or contract.trade_status != TradeStatus.PAYOUT_PENDING or contract.release_txid is not None:
        return True  # paid (or released by other means) already
    escrow = await repository.escrow_for_update(session, contract.escrow_id)
    assert escrow is not None
    terms = scripts.parse_escrow_script(bytes.fromhex(escrow.witness_script))
    assert terms is not None
    outputs = await peach.chain.address_outputs(session, escrow.address)
    tip = await peach.chain.tip_height(session)
    funding = set(zip(escrow.funding_txids, escrow.funding_vouts, strict=True))
    depth = min((confirmations(o.height, tip) for o in outputs if (o.txid, o.vout) in funding), default=0)
    if depth < terms.timeout:  # BIP68: mined in the next block, its input must be that deep
        return False
    buyer = await shared.user(session, contract.buyer_id)
    assert buyer is not None
    tx = release.timeout_payout(peach, contract, escrow, await fee_rate(session, peach, buyer))
    raw = tx.serialize().hex()
    await released(session, contract, raw, await peach.chain.broadcast(session, raw), utcnow())
    return True


async def dispute_payout(context: JobContext[Platform], payload: dict[str, Any]) -> None:
    peach = peach_of(context.services)
    async with context.db.transaction() as session:
        done = await pay_out_buyer(session, peach, str(payload["contractId"]))
    if not done:
        raise RetryLater(utcnow() + PAYOUT_RETRY, "waiting for the escrow timelock")
