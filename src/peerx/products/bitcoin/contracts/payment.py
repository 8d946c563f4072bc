"""payment/confirm: the buyer says it paid (within paymentExpectedBy, else paymentTooLate by a
scheduled job); the seller says it received the money and signs the release (its signed PSBT,
the app's signature over input 0, or an older app's finalized transaction), which peerx
completes and broadcasts at once, or queues for the next batch when the buyer chose batching."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import utcnow
from peerx.core.jobs import JobContext, enqueue
from peerx.platform import Platform
from peerx.products.bitcoin import errors as f
from peerx.products.bitcoin import repository as shared
from peerx.products.bitcoin.context import Peach, peach_of
from peerx.products.bitcoin.contracts import history, matching, release, repository
from peerx.products.bitcoin.contracts.multisig import fee_rate
from peerx.products.bitcoin.contracts.repository import role_of
from peerx.products.bitcoin.contracts.schemas import ConfirmPaymentRequest, Released
from peerx.products.bitcoin.models import Contract, PeachJob, PeachUser, TradeStatus
from peerx.products.bitcoin.offers import repository as offer_rows
from peerx.products.bitcoin.push.notify import notify
from peerx.products.bitcoin.schemas import OK, Success


async def set_status(session: AsyncSession, contract: Contract, status: str, now: datetime) -> None:
    """The contract's status, mirrored on both of its offers (their tradeStatus follows it)."""
    contract.trade_status, contract.updated_at = status, now
    for offer_id in (contract.sell_offer_id, contract.buy_offer_id):
        offer = await offer_rows.offer(session, offer_id)
        assert offer is not None
        offer.trade_status, offer.updated_at = status, now


def _open(contract: Contract) -> None:
    if contract.canceled or contract.trade_status in (TradeStatus.TRADE_COMPLETED, TradeStatus.PAYOUT_PENDING):
        raise f.BadState("The contract is over.")
    if contract.dispute_active:
        raise f.BadState("A dispute is active.")


async def confirm(
    session: AsyncSession, peach: Peach, user: PeachUser, contract: Contract, body: ConfirmPaymentRequest | None
) -> Success | Released:
    """`contract` is locked. Buyer: payment made. Seller: payment received, release signed."""
    _open(contract)
    now = utcnow()
    if role_of(contract, user) == "buyer":
        if contract.trade_status != TradeStatus.PAYMENT_REQUIRED:
            done = contract.payment_made is not None
            raise f.BadState("The payment was confirmed already." if done else "The payment window is over.")
        if not contract.release_address:
            named = body or ConfirmPaymentRequest()
            await matching.name_payout_address(
                session, peach, user, contract, named.release_address, named.release_address_message_signature
            )
        contract.payment_made = now
        await set_status(session, contract, TradeStatus.CONFIRM_PAYMENT_REQUIRED, now)
        await notify(session, contract.seller_id, "contract.paymentMade", {"contractId": contract.id})
        return OK
    if contract.trade_status != TradeStatus.CONFIRM_PAYMENT_REQUIRED:
        raise f.BadState("The buyer has not confirmed the payment yet.")
    escrow = await repository.escrow_for_update(session, contract.escrow_id)
    assert escrow is not None
    contract.payment_confirmed = now
    if body is not None and body.batch_release_psbt:
        if body.release_transaction_signature:  # the app sends both: a wrong key is refused all the same
            release.check_signature_only(contract, escrow, body.release_transaction_signature)
        signed = body.batch_release_psbt
        contract.batch_signed_input = release.complete_batch_input(contract, escrow, signed)
        await set_status(session, contract, TradeStatus.PAYOUT_PENDING, now)
        window = peach.settings.peach_batch_seconds
        slot = int(now.timestamp()) // window * window + window
        await enqueue(
            session,
            PeachJob.RELEASE_BATCH,
            {},
            run_at=datetime.fromtimestamp(slot, now.tzinfo),
            unique_key=f"{PeachJob.RELEASE_BATCH}:{slot}",
        )
        await notify(session, contract.buyer_id, "contract.paymentConfirmed", {"contractId": contract.id})
        return OK
    if body is not None and body.release_psbt:
        tx = release.complete(contract, escrow, body.release_psbt)
    elif body is not None and body.release_transaction_signature:
        tx = release.complete_with_signature(contract, escrow, body.release_transaction_signature)
    elif body is not None and body.release_transaction:
        tx = release.complete_from_transaction(contract, escrow, body.release_transaction)
    else:
        raise f.FormInvalid("releasePsbt", "is required (or releaseTransactionSignature, or releaseTransaction)")
    txid = await peach.chain.broadcast(session, tx.serialize().hex())
    await released(session, contract, tx.serialize().hex(), txid, now)
    return Released(tx_id=txid)


async def released(session: AsyncSession, contract: Contract, raw: str, txid: str, now: datetime) -> None:
    """The escrow went to the buyer: the contract and both offers are completed."""
    contract.release_transaction, contract.release_txid = raw, txid
    await set_status(session, contract, TradeStatus.TRADE_COMPLETED, now)
    sell = await offer_rows.offer(session, contract.sell_offer_id)
    assert sell is not None
    sell.released = True
    await history.record_trade_outcome(session, contract)
    await notify(session, contract.buyer_id, "contract.released", {"contractId": contract.id, "txId": txid})


async def payment_deadline(context: JobContext[Platform], payload: dict[str, Any]) -> None:
    """Past paymentExpectedBy without the buyer's confirmation: paymentTooLate (the seller may
    then cancel at once or extend). A deadline moved by extendTime leaves this run a no-op."""
    async with context.db.transaction() as session:
        contract = await repository.contract_by_id(session, str(payload["contractId"]), lock=True)
        now = utcnow()
        if contract is None or contract.trade_status != TradeStatus.PAYMENT_REQUIRED or contract.dispute_active:
            return
        if contract.canceled or contract.payment_expected_by > now:
            return
        await set_status(session, contract, TradeStatus.PAYMENT_TOO_LATE, now)
        for party in (contract.seller_id, contract.buyer_id):
            await notify(session, party, "contract.paymentTooLate", {"contractId": contract.id})


async def release_batch(context: JobContext[Platform], payload: dict[str, Any]) -> None:
    """Join every signed batched release into one transaction and broadcast it."""
    peach = peach_of(context.services)
    async with context.db.transaction() as session:
        contracts = await repository.batch_signed_for_update(session)
        if not contracts:
            return
        tx = release.join_batch([c.batch_signed_input or "" for c in contracts])
        buyers = [await shared.user(session, c.buyer_id) for c in contracts]
        rate = max([await fee_rate(session, peach, b) for b in buyers if b is not None])
        release.add_fee_output(peach, tx, sum(c.escrow_fee_sats or 0 for c in contracts), rate)
        raw = tx.serialize().hex()
        txid = await peach.chain.broadcast(session, raw)
        now = utcnow()
        for contract in contracts:
            contract.batch_id = txid
            await released(session, contract, raw, txid, now)


def extend_deadline(contract: Contract, peach: Peach, now: datetime) -> None:
    contract.payment_expected_by = max(contract.payment_expected_by, now) + timedelta(
        hours=peach.settings.peach_payment_window_hours
    )
