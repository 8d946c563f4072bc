"""Sell-offer escrows: the 2-of-2 P2WSH address, the chain watcher (NULL -> MEMPOOL -> FUNDED,
WRONG_FUNDING_AMOUNT, fundingExpired), cancel with a platform-signed refund PSBT, the seller's
refund broadcast, and revive."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal

from embit.psbt import PSBT
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.chain import psbt as psbts
from peerx.chain import script as scripts
from peerx.chain.backend import confirmations
from peerx.chain.errors import TransactionRejected
from peerx.chain.keys import EscrowKeys, parse_public_key
from peerx.chain.verify import parse_tx
from peerx.core.db import utcnow
from peerx.core.errors import NotFound
from peerx.core.jobs import enqueue
from peerx.products.bitcoin import errors as f
from peerx.products.bitcoin.context import Peach
from peerx.products.bitcoin.contracts import repository as contract_rows
from peerx.products.bitcoin.models import (
    Contract,
    FundingState,
    PeachEscrow,
    PeachJob,
    PeachOffer,
    PeachOfferMethod,
    PeachUser,
    TradeStatus,
)
from peerx.products.bitcoin.offers import instant
from peerx.products.bitcoin.offers import repository as offer_rows
from peerx.products.bitcoin.offers.schemas import EscrowFunding, FundingStatus, RefundPsbt
from peerx.products.bitcoin.schemas import OK, Success

DUST = 546
# Offer states in which nothing binds the seller yet: the offer may be canceled.
CANCELABLE = {
    TradeStatus.CREATE_ESCROW,
    TradeStatus.FUND_ESCROW,
    TradeStatus.WAITING_FOR_FUNDING,
    TradeStatus.ESCROW_WAITING_FOR_CONFIRMATION,
    TradeStatus.FUNDING_AMOUNT_DIFFERENT,
    TradeStatus.SEARCHING_FOR_PEER,
    TradeStatus.FUNDING_EXPIRED,
    TradeStatus.HAS_MATCHES_AVAILABLE,
    TradeStatus.OFFER_HIDDEN,
    TradeStatus.OFFER_HIDDEN_WITH_MATCHES_AVAILABLE,
    TradeStatus.REFUND_OR_REVIVE_REQUIRED,
}


async def create_escrow(session: AsyncSession, peach: Peach, offer: PeachOffer, seller_hex: str) -> PeachEscrow:
    """The escrow of a sell offer with the seller's key (`seller_hex`, compressed, in hex)."""
    if offer.type != "ask":
        raise f.FormInvalid("offerId", "must be a sell offer")
    if offer.canceled:
        raise f.BadState("The offer is canceled.")
    seller = parse_public_key(seller_hex)
    if seller is None:
        raise f.FormInvalid("publicKey", "must be a compressed secp256k1 public key in hex")
    existing = await offer_rows.escrow_of(session, offer.id)
    if existing is not None:
        if existing.seller_public_key == seller_hex.lower():
            return existing  # the app retries: same key, same escrow
        raise f.Duplicate("This offer has an escrow already.")
    platform_pk = peach.keys.public_key(offer.id)
    witness_script = scripts.escrow_script(seller.format(compressed=True), platform_pk)
    now = utcnow()
    escrow = PeachEscrow(
        offer_id=offer.id,
        key_index=offer.id,
        seller_public_key=seller_hex.lower(),
        platform_public_key=platform_pk.hex(),
        witness_script=witness_script.hex(),
        address=scripts.address_of(scripts.p2wsh_script_pubkey(witness_script), peach.settings.bitcoin_network),
        funding_status=FundingState.NULL,
        funding_txids=[],
        funding_vouts=[],
        funding_amounts=[],
        confirmations=0,
        funding_expires_at=now + timedelta(hours=peach.settings.peach_funding_window_hours),
        created_at=now,
        updated_at=now,
    )
    session.add(escrow)
    offer.trade_status, offer.updated_at = TradeStatus.FUND_ESCROW, now
    waiting = await _waiting_contract(session, offer)
    if waiting is not None:
        # A buy-offer trade: the contract shows this escrow and its funding window runs from
        # the contract's creation (the app's fundingExpectedBy).
        escrow.funding_expires_at = waiting.created_at + timedelta(hours=peach.settings.peach_funding_window_hours)
    await session.flush()
    await enqueue(
        session, PeachJob.WATCH_ESCROW, {"offer_id": offer.id}, unique_key=f"{PeachJob.WATCH_ESCROW}:{offer.id}"
    )
    return escrow


async def escrow_of(session: AsyncSession, offer: PeachOffer, *, lock: bool = False) -> PeachEscrow:
    escrow = await offer_rows.escrow_of(session, offer.id, lock=lock)
    if escrow is None:
        raise NotFound("This offer has no escrow yet.")
    return escrow


async def _waiting_contract(session: AsyncSession, offer: PeachOffer) -> Contract | None:
    """The live contract a buy-offer trade made on this sell offer before its escrow, if any."""
    found = await contract_rows.contract_of_sell_offer_for_update(session, offer.id)
    if found is None or found.canceled or found.escrow_id is not None:
        return None
    return found


def escrow_view(offer: PeachOffer, escrow: PeachEscrow) -> FundingStatus:
    return FundingStatus(
        escrow=escrow.address,
        funding=EscrowFunding(
            amounts=list(escrow.funding_amounts),
            confirmations=escrow.confirmations,
            derivation_path=EscrowKeys.path(escrow.key_index),
            expiry=scripts.ESCROW_TIMEOUT_BLOCKS,
            status=escrow.funding_status,
            tx_ids=list(escrow.funding_txids),
            vouts=list(escrow.funding_vouts),
        ),
        offer_id=str(offer.id),
        return_address=offer.return_address,
        user_confirmation_required=escrow.funding_status == FundingState.WRONG_FUNDING_AMOUNT,
    )


async def check_funding(session: AsyncSession, peach: Peach, offer_id: int) -> bool:
    """Look at the escrow address on chain and move the status; True when watching can stop."""
    offer = await offer_rows.offer_by_id(session, offer_id, lock=True)
    if offer is None:
        return True
    escrow = await offer_rows.escrow_of(session, offer.id, lock=True)
    if escrow is None or offer.canceled or escrow.funding_status in (FundingState.FUNDED, FundingState.CANCELED):
        return True
    outputs = await peach.chain.address_outputs(session, escrow.address)
    now = utcnow()
    if not outputs:
        if now >= escrow.funding_expires_at:
            offer.trade_status, offer.updated_at = TradeStatus.FUNDING_EXPIRED, now
            return True
        return False
    tip = await peach.chain.tip_height(session)
    escrow.funding_txids = [o.txid for o in outputs]
    escrow.funding_vouts = [o.vout for o in outputs]
    escrow.funding_amounts = [o.value for o in outputs]
    escrow.confirmations = min(confirmations(o.height, tip) for o in outputs)
    escrow.updated_at = offer.updated_at = now
    if sum(escrow.funding_amounts) != offer.amount_max:
        escrow.funding_status, offer.trade_status = (
            FundingState.WRONG_FUNDING_AMOUNT,
            TradeStatus.FUNDING_AMOUNT_DIFFERENT,
        )
        escrow.wrong_amount_accepted = False
        return False
    if escrow.confirmations >= peach.settings.peach_funding_confirmations:
        escrow.funding_status = FundingState.FUNDED
        taken = await contract_rows.contract_of_sell_offer_for_update(session, offer.id)
        if taken is None:
            offer.online, offer.trade_status, offer.publishing_date = True, TradeStatus.SEARCHING_FOR_PEER, now
        elif not taken.canceled and taken.escrow_id is None:
            pass  # a buy-offer trade's escrow: escrow_watch starts its contract (matching.fund_contract)
        else:  # its contract was canceled before the coins arrived: refund them (v1 path)
            offer.online, offer.trade_status = False, TradeStatus.REFUND_OR_REVIVE_REQUIRED
        return True
    escrow.funding_status, offer.trade_status = FundingState.MEMPOOL, TradeStatus.ESCROW_WAITING_FOR_CONFIRMATION
    return False


async def confirm_wrong_amount(session: AsyncSession, peach: Peach, offer: PeachOffer) -> None:
    """The seller accepts what it sent: the offer's amount becomes the funded amount."""
    escrow = await escrow_of(session, offer, lock=True)
    if escrow.funding_status != FundingState.WRONG_FUNDING_AMOUNT:
        raise f.BadState("The escrow is not funded with a different amount.")
    if await contract_rows.contract_of_sell_offer(session, offer.id):
        raise f.BadState("The contract fixes the escrow amount: cancel the contract and the offer to refund.")
    funded = sum(escrow.funding_amounts)
    if not peach.settings.peach_min_offer_sats <= funded <= peach.settings.peach_max_offer_sats:
        raise f.FormInvalid("amount", "funded outside the offer limits: cancel and refund instead")
    offer.amount_min = offer.amount_max = funded
    escrow.wrong_amount_accepted = True
    escrow.funding_status = FundingState.MEMPOOL
    await session.flush()
    if not await check_funding(session, peach, offer.id):
        await enqueue(
            session,
            PeachJob.WATCH_ESCROW,
            {"offer_id": offer.id},
            unique_key=f"{PeachJob.WATCH_ESCROW}:{offer.id}:{funded}",
        )


async def fee_rate(session: AsyncSession, peach: Peach, user: PeachUser) -> Decimal:
    """The user's feeRate (sat/vB or a fee name), else the backend's halfHourFee."""
    if user.fee_rate is not None and user.fee_rate[0].isdigit():
        return Decimal(user.fee_rate)
    estimates = await peach.chain.fee_estimates(session)
    return estimates.get(user.fee_rate or "halfHourFee", estimates["halfHourFee"])


def refund_view(offer: PeachOffer, escrow: PeachEscrow) -> RefundPsbt:
    assert escrow.refund_psbt is not None and escrow.refund_fee is not None
    return RefundPsbt(
        psbt=escrow.refund_psbt,
        return_address=offer.return_address,
        amount=sum(escrow.funding_amounts) - escrow.refund_fee,
        fees=escrow.refund_fee,
        sats_per_byte=escrow.refund_fee_rate,
    )


async def cancel_sell_offer(
    session: AsyncSession, peach: Peach, user: PeachUser, offer: PeachOffer
) -> Success | RefundPsbt:
    if offer.canceled or offer.trade_status not in CANCELABLE:
        raise f.BadState("This offer cannot be canceled now.")
    if await _waiting_contract(session, offer) is not None:
        raise f.BadState("This offer is in a contract: cancel the contract first.")
    escrow = await offer_rows.escrow_of(session, offer.id, lock=True)
    now = utcnow()
    offer.canceled, offer.online, offer.updated_at = True, False, now
    outputs = await peach.chain.address_outputs(session, escrow.address) if escrow is not None else []
    if escrow is None or not outputs:
        offer.trade_status = TradeStatus.OFFER_CANCELED
        if escrow is not None:
            escrow.funding_status = FundingState.CANCELED
        await session.flush()
        return OK
    rate = await fee_rate(session, peach, user)
    assert offer.return_address is not None
    psbt, fee = _refund_spend(
        peach, offer.return_address, escrow, [psbts.Utxo(o.txid, o.vout, o.value) for o in outputs], rate
    )
    psbts.sign_escrow_inputs(psbt, peach.keys.private_key(escrow.key_index))
    escrow.funding_txids = [o.txid for o in outputs]
    escrow.funding_vouts = [o.vout for o in outputs]
    escrow.funding_amounts = [o.value for o in outputs]
    escrow.refund_psbt, escrow.refund_fee, escrow.refund_fee_rate = psbt.to_string(), fee, rate
    escrow.updated_at = now
    offer.trade_status = TradeStatus.REFUND_TX_SIGNATURE_REQUIRED
    await session.flush()
    return refund_view(offer, escrow)


def _refund_spend(
    peach: Peach, return_address: str, escrow: PeachEscrow, utxos: list[psbts.Utxo], rate: Decimal
) -> tuple[PSBT, int]:
    """The escrow's coins back to the seller's return address, less the mining fee at `rate`; unsigned."""
    return_spk = scripts.script_pubkey_of(return_address, peach.settings.bitcoin_network)
    fee = math.ceil(rate * psbts.estimate_vsize(len(utxos), [return_spk]))
    total = sum(u.value for u in utxos)
    if total - fee < DUST:
        raise f.FormInvalid("amount", "the escrow holds less than the refund's mining fee")
    return psbts.build_escrow_spend(bytes.fromhex(escrow.witness_script), utxos, [(return_spk, total - fee)]), fee


async def seller_refund_psbt(session: AsyncSession, peach: Peach, seller: PeachUser, offer: PeachOffer) -> str | None:
    """The refund the seller's app signs in advance when its offer is double-matched (the
    seller's match answer's `refundTx`, peach-app src/components/matches/Match.tsx): the escrow
    to the return address, without the platform's signature, which peerx would only add once a
    cancelation is agreed, so the seller cannot take the coins back during the trade on its own."""
    escrow = await offer_rows.escrow_of(session, offer.id)
    if escrow is None or not escrow.funding_txids or offer.return_address is None:
        return None
    utxos = [
        psbts.Utxo(txid, vout, value)
        for txid, vout, value in zip(escrow.funding_txids, escrow.funding_vouts, escrow.funding_amounts, strict=True)
    ]
    try:
        psbt, _ = _refund_spend(peach, offer.return_address, escrow, utxos, await fee_rate(session, peach, seller))
    except f.FormInvalid:
        return None  # below dust after fees: nothing worth signing
    return str(psbt.to_string())


async def refund_psbt(session: AsyncSession, offer: PeachOffer) -> RefundPsbt:
    escrow = await escrow_of(session, offer)
    if escrow.refund_psbt is None or offer.refunded:
        raise f.BadState("There is no refund waiting for this offer.")
    return refund_view(offer, escrow)


async def refund(session: AsyncSession, peach: Peach, offer: PeachOffer, raw: str) -> str:
    """Broadcast the refund the seller completed (`raw`, hex): exactly the platform's PSBT, fully signed."""
    escrow = await escrow_of(session, offer, lock=True)
    if escrow.refund_psbt is None or offer.refunded:
        raise f.BadState("There is no refund waiting for this offer.")
    tx = parse_tx(raw)
    expected = psbts.psbt_from_base64(escrow.refund_psbt).tx
    unsigned = parse_tx(raw)
    for txin in unsigned.vin:
        txin.witness.items = []
    if unsigned.serialize() != expected.serialize():
        raise TransactionRejected("The transaction is not the refund this offer's PSBT describes.")
    txid = await peach.chain.broadcast(session, tx.serialize().hex())
    now = utcnow()
    escrow.refund_txid, escrow.funding_status, escrow.updated_at = txid, FundingState.CANCELED, now
    offer.refunded, offer.trade_status, offer.updated_at = True, TradeStatus.OFFER_CANCELED, now
    await session.flush()
    return txid


async def revive(session: AsyncSession, offer: PeachOffer) -> PeachOffer:
    """Publish a funded sell offer again under a new id, keeping its escrow (after a canceled
    trade). Only possible while no refund was signed for it."""
    escrow = await escrow_of(session, offer, lock=True)
    if (
        offer.trade_status != TradeStatus.REFUND_OR_REVIVE_REQUIRED
        or escrow.funding_status != FundingState.FUNDED
        or escrow.refund_psbt
    ):
        raise f.BadState("Only a funded offer whose trade was canceled can be revived.")
    now = utcnow()
    revived = PeachOffer(
        user_id=offer.user_id,
        type="ask",
        amount_min=offer.amount_min,
        amount_max=offer.amount_max,
        premium_bp=offer.premium_bp,
        rating_milli=offer.rating_milli,
        means_of_payment=offer.means_of_payment,
        payment_data=offer.payment_data,
        return_address=offer.return_address,
        escrow_fee=offer.escrow_fee,
        online=True,
        trade_status=TradeStatus.SEARCHING_FOR_PEER,
        publishing_date=now,
        revived_from_id=offer.id,
        created_at=now,
        updated_at=now,
    )
    session.add(revived)
    await session.flush()
    methods = await offer_rows.methods_of(session, offer.id)
    for method in methods:
        session.add(PeachOfferMethod(offer_id=revived.id, currency=method.currency, method=method.method))
    await instant.carry_over(session, offer.id, revived.id)
    escrow.offer_id, escrow.updated_at = revived.id, now  # the coins stay where they are
    offer.canceled, offer.online, offer.trade_status, offer.updated_at = True, False, TradeStatus.OFFER_CANCELED, now
    await session.flush()
    return revived
