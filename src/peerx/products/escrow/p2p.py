"""Face-to-face (p2p) escrow: the buyer pays a deposit ahead of the meeting, the seller accepts it,
names the full price at the meeting, the buyer pays the remainder, both confirm the handover, a
complaint period runs, and the seller is paid. Takes a session, raises core errors (the spec's
code in details["code"]), emits events and notifications; the request, job or CLI owns the
transaction.

Money (two-phase, as online): each card payment (deposit, remainder) lands in the transaction's
escrow account; two pending transfers per payment reserve the seller's part and the platform's
fee. Release posts all four; a refund voids them and sends each payment back to the card.

Cancel (the spec allows it until the remainder is paid): the deposit goes back to the buyer,
except when the buyer walks away after the seller accepted the deposit: then the deposit is the
seller's (that is what a deposit is for). A deposit the seller does not accept in time is
refunded by a job and the transaction is cancelled.

Paying is three steps so no network call happens inside a database transaction: `begin_payin`
marks the payment in flight and returns what to charge, the caller charges the card with no
transaction open, `finish_payin` applies the outcome."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core import ledger
from peerx.core.db import utcnow
from peerx.core.errors import InvalidField, NotFound
from peerx.core.events import emit
from peerx.core.jobs import enqueue
from peerx.products.escrow import charges
from peerx.products.escrow.models import EscrowNotification, EscrowP2PTransaction, EscrowUser
from peerx.products.escrow.service import (
    PAYIN_STALE,
    ROLES,
    SURFACE,
    Actor,
    PayinPlan,
    Timing,
    card_payins_account,
    fees_account,
    forbidden,
    queue_card_refund,
    seller_wallet,
    state_error,
    wire_time,
)
from peerx.rails.payins import PayinResult

STAGES = ("deposit", "remainder")


def escrow_account(tx: EscrowP2PTransaction) -> ledger.AccountSpec:
    return ledger.AccountSpec(
        f"escrow_p2p:{tx.id}",
        "escrow",
        tx.currency.upper(),
        tx.livemode,
        ledger.AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS,
    )


# ---------------------------------------------------------------- views


def _pricing(price: int, charge: int, charge_seller: int) -> dict[str, int]:
    return {
        "price": price,
        "charge": charge,
        "charge_seller": charge_seller,
        "charge_buyer_client": 0,
        "charge_seller_client": 0,
    }


def tx_view(tx: EscrowP2PTransaction) -> dict[str, Any]:
    """p2p.Transaction: timestamps only once their step happened. `funds_released` (spec) and
    `funds_release` (document) both."""
    view: dict[str, Any] = {
        "id": tx.id,
        "status": tx.status,
        "currency": tx.currency,
        "deposit_pricing": _pricing(tx.deposit_price, tx.deposit_charge, tx.deposit_charge_seller),
        "description": tx.description,
        "skip_remainder": False,
        "quantity": 1,
        "created": wire_time(tx.created),
        "is_deposit_payment_in_progress": tx.payin_stage == "deposit",
        "is_remainder_payment_in_progress": tx.payin_stage == "remainder",
        "client_id": tx.client_id,
        "join_code": tx.join_code,
    }
    if tx.buyer_id is not None:
        view["buyer_id"] = tx.buyer_id
    if tx.seller_id is not None:
        view["seller_id"] = tx.seller_id
    if tx.listing_id is not None:
        view["listing_id"] = str(tx.listing_id)
        view["listing_type"] = "single_use"
    if tx.price is not None:
        assert tx.charge is not None and tx.charge_seller is not None
        view["pricing"] = _pricing(tx.price, tx.charge, tx.charge_seller)
    for name in (
        "joined",
        "rejected",
        "cancelled",
        "deposit_paid",
        "deposit_acceptance_deadline",
        "deposit_accepted",
        "priced",
        "remainder_paid",
        "buyer_handover_confirmed",
        "seller_handover_confirmed",
        "complaint_period_deadline",
        "complained",
        "funds_released",
        "deposit_refunded",
        "refunded",
    ):
        moment = getattr(tx, name)
        if moment is not None:
            view[name] = wire_time(moment)
    if tx.funds_released is not None:
        view["funds_release"] = wire_time(tx.funds_released)
        view["released_to_seller"] = True
    if tx.cancellation_reason is not None:
        view["cancellation"] = {"reason": tx.cancellation_reason}
    if tx.complaint is not None:
        view["complaint"] = tx.complaint
    if tx.amount_refunded is not None:
        view["amount_refunded"] = tx.amount_refunded
    return view


# ---------------------------------------------------------------- events and notifications


async def _tell(session: AsyncSession, tx: EscrowP2PTransaction, code: str, *, actor_id: int | None, text: str) -> None:
    now = utcnow()
    for user_id in (tx.buyer_id, tx.seller_id):
        if user_id is not None and user_id != actor_id and text:
            session.add(
                EscrowNotification(user_id=user_id, description=text, target=f"p2p/{tx.id}", created=now, read=None)
            )
    await session.flush()
    await emit(
        session,
        surface=SURFACE,
        type=code,
        livemode=tx.livemode,
        party_id=tx.client_party_id,
        body={
            "code": code,
            "user_id": str(actor_id) if actor_id is not None else None,
            "target_id": str(tx.id),
            "target_preview": tx_view(tx),
            "time": wire_time(now),
        },
    )


# ---------------------------------------------------------------- reading


async def _lock(session: AsyncSession, tx_id: int) -> EscrowP2PTransaction | None:
    return await session.scalar(
        select(EscrowP2PTransaction)
        .where(EscrowP2PTransaction.id == tx_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def _load(session: AsyncSession, actor: Actor, tx_id: int, *, lock: bool = True) -> EscrowP2PTransaction:
    query = select(EscrowP2PTransaction).where(
        EscrowP2PTransaction.id == tx_id, EscrowP2PTransaction.livemode == actor.livemode
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    tx = await session.scalar(query)
    if tx is None or actor.user_id not in (tx.buyer_id, tx.seller_id):
        raise NotFound("Not Found")
    return tx


async def get_transaction(session: AsyncSession, actor: Actor, tx_id: int) -> EscrowP2PTransaction:
    return await _load(session, actor, tx_id, lock=False)


async def by_join_code(session: AsyncSession, actor: Actor, join_code: str, *, lock: bool) -> EscrowP2PTransaction:
    query = select(EscrowP2PTransaction).where(
        EscrowP2PTransaction.join_code == join_code, EscrowP2PTransaction.livemode == actor.livemode
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    tx = await session.scalar(query)
    if tx is None:
        raise NotFound("Not Found")
    return tx


async def list_transactions(
    session: AsyncSession, actor: Actor, *, after_id: int | None, limit: int
) -> list[EscrowP2PTransaction]:
    query = select(EscrowP2PTransaction).where(
        EscrowP2PTransaction.livemode == actor.livemode,
        (EscrowP2PTransaction.buyer_id == actor.user_id) | (EscrowP2PTransaction.seller_id == actor.user_id),
    )
    if after_id is not None:
        query = query.where(EscrowP2PTransaction.id < after_id)
    return list(await session.scalars(query.order_by(EscrowP2PTransaction.id.desc()).limit(limit)))


async def buyer_details(session: AsyncSession, actor: Actor, tx_id: int) -> dict[str, Any]:
    """The document's User {email, name}: the seller needs to know whom to meet."""
    tx = await _load(session, actor, tx_id, lock=False)
    if tx.buyer_id is None:
        raise NotFound("Not Found")
    buyer = await session.get(EscrowUser, tx.buyer_id)
    assert buyer is not None
    return {"email": buyer.email, "name": f"{buyer.first_name} {buyer.last_name}".strip()}


# ---------------------------------------------------------------- creating and joining


@dataclass(frozen=True)
class NewP2P:
    role: str
    currency: str
    description: str
    deposit_price: int
    deposit_charge: int
    charge_calculator_version: int | None  # the document's body has none: then the current one


async def checked_deposit(
    session: AsyncSession, *, currency: str, price: int, charge: int, version: int | None
) -> charges.Charge:
    if version is None:
        rule = await charges.current_rule(session, "p2p", currency, "card")
        version = rule.version
    checked = await charges.verify(
        session, "p2p", currency=currency, price=price, charge=charge, version=version, charge_seller=None
    )
    if checked.charge_seller >= price:
        raise charges.code_error("price", "must be above the seller's charge", "price_too_low")
    return checked


async def create_transaction(
    session: AsyncSession, actor: Actor, new: NewP2P, *, listing_id: int | None = None, buyer_id: int | None = None
) -> EscrowP2PTransaction:
    if new.role not in ROLES:
        raise InvalidField("role", "must be buyer or seller")
    checked = await checked_deposit(
        session,
        currency=new.currency,
        price=new.deposit_price,
        charge=new.deposit_charge,
        version=new.charge_calculator_version,
    )
    now = utcnow()
    tx = EscrowP2PTransaction(
        livemode=actor.livemode,
        client_id=actor.client_id,
        client_party_id=actor.client_party_id,
        status="created",
        join_code=str(uuid.uuid4()),
        creator_role=new.role,
        seller_id=actor.user_id if new.role == "seller" else None,
        buyer_id=actor.user_id if new.role == "buyer" else None,
        currency=new.currency.lower(),
        description=new.description,
        listing_id=listing_id,
        deposit_price=new.deposit_price,
        deposit_charge=checked.charge,
        deposit_charge_seller=checked.charge_seller,
        deposit_calc_version=checked.version,
        created=now,
        updated_at=now,
        payin_attempt=0,
    )
    session.add(tx)
    await session.flush()
    await _tell(session, tx, "p2p_tx.created", actor_id=actor.user_id, text="")
    return tx


def _not_ended(tx: EscrowP2PTransaction) -> None:
    if tx.cancelled is not None or tx.rejected is not None:
        raise state_error("already_cancelled", "The transaction has been cancelled.")


async def join(session: AsyncSession, actor: Actor, join_code: str) -> EscrowP2PTransaction:
    tx = await by_join_code(session, actor, join_code, lock=True)
    if actor.user_id in (tx.buyer_id, tx.seller_id):
        raise state_error("cannot_join_own_transaction", "You cannot join your own transaction.")
    _not_ended(tx)
    if tx.joined is not None:
        raise state_error("second_party_already_joined", "Another user has already joined this transaction.")
    await _join_as_other(session, tx, actor.user_id)
    return tx


async def _join_as_other(session: AsyncSession, tx: EscrowP2PTransaction, user_id: int) -> None:
    if tx.creator_role == "seller":
        tx.buyer_id = user_id
    else:
        tx.seller_id = user_id
    tx.joined = tx.updated_at = utcnow()
    tx.status = "joined"
    await session.flush()
    await _tell(session, tx, "p2p_tx.joined", actor_id=user_id, text="The other party joined your transaction.")


async def reject(session: AsyncSession, actor: Actor, join_code: str) -> EscrowP2PTransaction:
    tx = await by_join_code(session, actor, join_code, lock=True)
    if actor.user_id in (tx.buyer_id, tx.seller_id):
        raise state_error("cannot_join_own_transaction", "You cannot reject your own transaction.")
    _not_ended(tx)
    if tx.joined is not None:
        raise state_error("second_party_already_joined", "Another user has already joined this transaction.")
    tx.rejected = tx.updated_at = utcnow()
    tx.status = "rejected"
    await session.flush()
    await _tell(session, tx, "p2p_tx.rejected", actor_id=actor.user_id, text="Your transaction was rejected.")
    return tx


# ---------------------------------------------------------------- paying (three steps)


def _check_stage(tx: EscrowP2PTransaction, actor: Actor, stage: str) -> None:
    if tx.buyer_id != actor.user_id:
        raise forbidden("not_buyer", "Only the buyer can pay for this transaction.")
    _not_ended(tx)
    if stage == "deposit":
        if tx.deposit_paid is not None:
            raise state_error("deposit_already_paid", "The deposit has already been paid.")
        if tx.seller_id is None:
            raise state_error("second_party_not_joined", "The seller has not joined the transaction yet.")
    else:
        if tx.remainder_paid is not None:
            raise state_error("remainder_already_paid", "The remainder has already been paid.")
        if tx.deposit_accepted is None:
            raise state_error("deposit_not_accepted", "The seller has not accepted the deposit yet.")
        if tx.priced is None:
            raise state_error("price_not_set", "The seller has not set the price yet.")


def _stage_amount(tx: EscrowP2PTransaction, stage: str) -> int:
    if stage == "deposit":
        return tx.deposit_price + tx.deposit_charge
    assert tx.price is not None and tx.charge is not None
    return (tx.price - tx.deposit_price) + (tx.charge - tx.deposit_charge)


async def begin_payin(session: AsyncSession, actor: Actor, tx_id: int, stage: str, token: str | None) -> PayinPlan:
    """Step 1: check, and mark the charge in flight (committed before the rail is called)."""
    tx = await _load(session, actor, tx_id)
    _check_stage(tx, actor, stage)
    now = utcnow()
    if tx.payin_stage is not None:
        if tx.payin_started is not None and now - tx.payin_started < PAYIN_STALE:
            raise state_error("payment_in_progress", "A payment for this transaction is in progress.")
        # A request died between charging and recording: ask again with the same key and token.
        assert tx.payin_token is not None
        token = tx.payin_token
        stage = tx.payin_stage
    else:
        if not token or not token.strip():
            raise charges.code_error("stripe_charge_token", "is required", "missing_stripe_token")
        token = token.strip()
        tx.payin_stage, tx.payin_token = stage, token
    tx.payin_started = now
    await session.flush()
    return PayinPlan(
        tx.id,
        stage,
        token,
        _stage_amount(tx, stage),
        tx.currency,
        tx.livemode,
        f"trustap-p2p-{tx.id}-{stage}-{tx.payin_attempt}",
    )


async def finish_payin(
    session: AsyncSession, actor: Actor, plan: PayinPlan, result: PayinResult, timing: Timing
) -> EscrowP2PTransaction:
    """Step 3: record the outcome. A failure clears the in-flight mark (the caller commits that,
    then reports the card's error); a success moves the money and the state."""
    tx = await _lock(session, plan.tx_id)
    assert tx is not None
    if tx.payin_stage != plan.stage:
        raise state_error("payment_in_progress", "The payment was recorded by another request.")
    tx.payin_stage = tx.payin_started = tx.payin_token = None
    if not result.succeeded:
        tx.payin_attempt += 1
        await session.flush()
        return tx
    assert result.payin_id is not None and tx.seller_id is not None
    escrow = await ledger.get_account(session, escrow_account(tx))
    card = await ledger.get_account(session, card_payins_account(tx.currency, tx.livemode))
    ref = f"p2p:{tx.id}"
    await ledger.transfer(session, card, escrow, plan.amount, code=f"escrow.p2p_{plan.stage}_paid", reference=ref)
    if plan.stage == "deposit":
        seller_part = tx.deposit_price - tx.deposit_charge_seller
        fee = tx.deposit_charge + tx.deposit_charge_seller
    else:
        assert tx.price is not None and tx.charge is not None and tx.charge_seller is not None
        seller_part = (tx.price - tx.deposit_price) - (tx.charge_seller - tx.deposit_charge_seller)
        fee = plan.amount - seller_part
    wallet = await ledger.get_account(session, seller_wallet(tx.seller_id, tx.currency, tx.livemode))
    seller_hold = await ledger.transfer(
        session, escrow, wallet, seller_part, code="escrow.hold_seller", reference=ref, pending=True
    )
    fee_hold_id: int | None = None
    if fee > 0:
        fees = await ledger.get_account(session, fees_account(tx.currency, tx.livemode))
        fee_hold_id = (
            await ledger.transfer(session, escrow, fees, fee, code="escrow.hold_fee", reference=ref, pending=True)
        ).id
    now = utcnow()
    if plan.stage == "deposit":
        tx.deposit_payin_id, tx.deposit_seller_hold_id, tx.deposit_fee_hold_id = (
            result.payin_id,
            seller_hold.id,
            fee_hold_id,
        )
        tx.deposit_paid = tx.updated_at = now
        tx.deposit_acceptance_deadline = now + timing.deposit_acceptance
        tx.status = "deposit_paid"
        await session.flush()
        await enqueue(
            session,
            "escrow.p2p_deposit_acceptance",
            {"transaction_id": tx.id},
            run_at=tx.deposit_acceptance_deadline,
            unique_key=f"escrow:p2p_deposit:{tx.id}",
        )
        await _tell(
            session, tx, "p2p_tx.deposit_paid", actor_id=actor.user_id, text="The buyer paid the deposit: accept it."
        )
    else:
        tx.remainder_payin_id, tx.remainder_seller_hold_id, tx.remainder_fee_hold_id = (
            result.payin_id,
            seller_hold.id,
            fee_hold_id,
        )
        tx.remainder_paid = tx.updated_at = now
        tx.status = "remainder_paid"
        await session.flush()
        await _tell(
            session,
            tx,
            "p2p_tx.remainder_paid",
            actor_id=actor.user_id,
            text="The buyer paid the remainder: hand the item over.",
        )
    return tx


# ---------------------------------------------------------------- the seller's steps


async def accept_deposit(session: AsyncSession, actor: Actor, tx_id: int) -> EscrowP2PTransaction:
    tx = await _load(session, actor, tx_id)
    if tx.seller_id != actor.user_id:
        raise forbidden("not_seller", "Only the seller can accept the deposit.")
    _not_ended(tx)
    if tx.deposit_paid is None:
        raise state_error("deposit_not_paid", "The deposit has not been paid yet.")
    if tx.deposit_accepted is not None:
        raise state_error("deposit_already_accepted", "The deposit has already been accepted.")
    tx.deposit_accepted = tx.updated_at = utcnow()
    tx.status = "deposit_accepted"
    await session.flush()
    await _tell(
        session, tx, "p2p_tx.deposit_accepted", actor_id=actor.user_id, text="The seller accepted your deposit."
    )
    return tx


async def set_price(
    session: AsyncSession,
    actor: Actor,
    tx_id: int,
    *,
    currency: str | None,
    price: int,
    charge: int,
    version: int,
) -> EscrowP2PTransaction:
    """The full price (deposit included) and its charge from /p2p/charge."""
    tx = await _load(session, actor, tx_id)
    if tx.seller_id != actor.user_id:
        raise forbidden("not_seller", "Only the seller can set the price.")
    _not_ended(tx)
    if currency is not None and currency.lower() != tx.currency:
        raise charges.code_error("currency", "must be the transaction's currency", "currency_mismatch")
    if tx.deposit_accepted is None:
        raise state_error("deposit_not_accepted", "The deposit must be accepted before the price is set.")
    if tx.remainder_paid is not None:
        raise state_error("remainder_already_paid", "The remainder has already been paid.")
    checked = await charges.verify(
        session, "p2p", currency=tx.currency, price=price, charge=charge, version=version, charge_seller=None
    )
    if (
        price <= tx.deposit_price
        or checked.charge < tx.deposit_charge
        or checked.charge_seller < (tx.deposit_charge_seller)
    ):
        raise charges.code_error("price", "must be above the deposit", "remainder_too_low")
    tx.price, tx.charge, tx.charge_seller, tx.calc_version = price, checked.charge, checked.charge_seller, version
    tx.priced = tx.updated_at = utcnow()
    tx.status = "priced"
    await session.flush()
    await _tell(session, tx, "p2p_tx.priced", actor_id=actor.user_id, text="The seller set the price: pay the rest.")
    return tx


# ---------------------------------------------------------------- handover, complaint, release


async def confirm_handover(session: AsyncSession, actor: Actor, tx_id: int, timing: Timing) -> EscrowP2PTransaction:
    tx = await _load(session, actor, tx_id)
    _not_ended(tx)
    if tx.remainder_paid is None:
        raise state_error("remainder_required", "The remainder must be paid before the handover.")
    if tx.complained is not None:
        raise state_error("already_complained", "A complaint has already been submitted.")
    now = utcnow()
    if actor.user_id == tx.seller_id:
        if tx.seller_handover_confirmed is not None:
            raise state_error("seller_handover_already_confirmed", "You have already confirmed the handover.")
        tx.seller_handover_confirmed = now
    else:
        if tx.buyer_handover_confirmed is not None:
            raise state_error("buyer_handover_already_confirmed", "You have already confirmed the handover.")
        tx.buyer_handover_confirmed = now
    tx.updated_at = now
    both = tx.seller_handover_confirmed is not None and tx.buyer_handover_confirmed is not None
    if both:
        tx.status = "handover_confirmed"
        tx.complaint_period_deadline = now + timing.complaint_period
    await session.flush()
    if both:
        assert tx.complaint_period_deadline is not None
        await enqueue(
            session,
            "escrow.p2p_complaint_period",
            {"transaction_id": tx.id},
            run_at=tx.complaint_period_deadline,
            unique_key=f"escrow:p2p_complaint:{tx.id}",
        )
    await _tell(
        session,
        tx,
        "p2p_tx.handover_confirmed",
        actor_id=actor.user_id,
        text="The handover is confirmed; the complaint period has started."
        if both
        else "The other party confirmed the handover: confirm it too.",
    )
    return tx


async def complain(session: AsyncSession, actor: Actor, tx_id: int, description: str | None) -> EscrowP2PTransaction:
    tx = await _load(session, actor, tx_id)
    if tx.buyer_id != actor.user_id:
        raise forbidden("not_buyer", "Only the buyer can complain.")
    if tx.funds_released is not None or tx.refunded is not None:
        raise state_error("funds_already_released", "The funds have already been released.")
    _not_ended(tx)
    if tx.remainder_paid is None:
        raise state_error("remainder_required", "The remainder must be paid before a complaint.")
    if tx.complained is not None:
        raise state_error("already_complained", "A complaint has already been submitted.")
    if tx.complaint_period_deadline is not None and utcnow() >= tx.complaint_period_deadline:
        raise state_error("complaint_period_expired", "The complaint period has expired.")
    tx.complained = tx.updated_at = utcnow()
    tx.complaint = (description or "").strip()
    tx.status = "complained"
    await session.flush()
    await _tell(
        session, tx, "p2p_tx.complained", actor_id=actor.user_id, text="The buyer complained; the platform will decide."
    )
    return tx


def _holds(tx: EscrowP2PTransaction) -> list[tuple[int, str]]:
    """(pending transfer, code when posted) for every reservation still open."""
    return [
        (hold, code)
        for hold, code in (
            (tx.deposit_seller_hold_id, "escrow.released"),
            (tx.deposit_fee_hold_id, "escrow.fee"),
            (tx.remainder_seller_hold_id, "escrow.released"),
            (tx.remainder_fee_hold_id, "escrow.fee"),
        )
        if hold is not None
    ]


async def _release(
    session: AsyncSession, tx: EscrowP2PTransaction, actor_id: int | None, *, deposit_only: bool
) -> None:
    holds = [(tx.deposit_seller_hold_id, "escrow.released"), (tx.deposit_fee_hold_id, "escrow.fee")]
    if not deposit_only:
        holds += [(tx.remainder_seller_hold_id, "escrow.released"), (tx.remainder_fee_hold_id, "escrow.fee")]
    for hold, code in holds:
        if hold is not None:
            await ledger.post_pending(session, hold, code=code)
    tx.funds_released = tx.updated_at = utcnow()
    if not deposit_only:
        tx.status = "funds_released"
    await session.flush()
    assert tx.seller_id is not None
    from peerx.products.escrow import payouts  # payouts imports the service modules

    await payouts.start(session, tx.seller_id, tx.currency, tx.livemode)
    await _tell(session, tx, "p2p_tx.funds_released", actor_id=actor_id, text="The funds were released to the seller.")


async def _refund(session: AsyncSession, tx: EscrowP2PTransaction, actor_id: int | None) -> int:
    """Void every open reservation and send each card payment back. Returns the amount."""
    for hold, _ in _holds(tx):
        await ledger.void_pending(session, hold, code="escrow.refunded")
    total = 0
    payments = [(tx.deposit_payin_id, "deposit")]
    if tx.remainder_payin_id is not None:
        payments.append((tx.remainder_payin_id, "remainder"))
    escrow = await ledger.get_account(session, escrow_account(tx))
    card = await ledger.get_account(session, card_payins_account(tx.currency, tx.livemode))
    for payin_id, stage in payments:
        if payin_id is None:
            continue
        amount = _stage_amount(tx, stage)
        await ledger.transfer(session, escrow, card, amount, code="escrow.refund", reference=f"p2p:{tx.id}")
        await queue_card_refund(session, tx.livemode, payin_id, amount, f"trustap-p2p-{tx.id}-{stage}-refund")
        total += amount
    now = utcnow()
    tx.amount_refunded = total
    tx.deposit_refunded = now
    if tx.remainder_payin_id is not None:
        tx.refunded = now
    tx.updated_at = now
    await session.flush()
    return total


async def cancel(session: AsyncSession, actor: Actor, tx_id: int, reason: str | None = None) -> EscrowP2PTransaction:
    tx = await _load(session, actor, tx_id)
    _not_ended(tx)
    if tx.joined is None:
        raise state_error("second_party_not_joined", "The other party has not joined the transaction yet.")
    if tx.buyer_handover_confirmed is not None or tx.seller_handover_confirmed is not None:
        raise state_error("handover_already_confirmed", "The handover has already been confirmed.")
    if tx.remainder_paid is not None:
        raise state_error("remainder_already_paid", "The remainder has already been paid.")
    if tx.payin_stage is not None:
        raise state_error("payment_in_progress", "A payment for this transaction is in progress.")
    now = utcnow()
    if tx.deposit_paid is not None:
        if actor.user_id == tx.buyer_id and tx.deposit_accepted is not None:
            await _release(session, tx, actor.user_id, deposit_only=True)  # the buyer walked away
        else:
            await _refund(session, tx, actor.user_id)
    tx.cancelled = tx.updated_at = now
    tx.cancelled_by = actor.user_id
    tx.cancellation_reason = (reason or "").strip() or ("cancelled by the " + _role(tx, actor.user_id))
    tx.status = "cancelled"
    await session.flush()
    await _tell(session, tx, "p2p_tx.cancelled", actor_id=actor.user_id, text="Your transaction was cancelled.")
    return tx


def _role(tx: EscrowP2PTransaction, user_id: int) -> str:
    return "seller" if user_id == tx.seller_id else "buyer"


async def deposit_acceptance_passed(session: AsyncSession, tx_id: int) -> bool:
    """Job: the seller never accepted the deposit, so the buyer gets it back."""
    tx = await _lock(session, tx_id)
    if tx is None or tx.deposit_paid is None or tx.deposit_accepted is not None or tx.cancelled is not None:
        return False
    assert tx.deposit_acceptance_deadline is not None
    if utcnow() < tx.deposit_acceptance_deadline:
        return False
    await _refund(session, tx, None)
    tx.cancelled = tx.updated_at = utcnow()
    tx.cancellation_reason = "deposit_not_accepted"
    tx.status = "cancelled"
    await session.flush()
    await _tell(
        session,
        tx,
        "p2p_tx.deposit_refunded",
        actor_id=None,
        text="The deposit was not accepted in time and was refunded.",
    )
    return True


async def complaint_period_over(session: AsyncSession, tx_id: int) -> bool:
    """Job: the period after the handover passed without a complaint, so the seller is paid."""
    tx = await _lock(session, tx_id)
    if tx is None or tx.complaint_period_deadline is None or tx.complained is not None:
        return False
    if tx.funds_released is not None or tx.refunded is not None or utcnow() < tx.complaint_period_deadline:
        return False
    await _release(session, tx, None, deposit_only=False)
    return True


async def resolve(session: AsyncSession, tx_id: int, *, outcome: str) -> EscrowP2PTransaction:
    """The operator decides a complained transaction: release to the seller or refund the buyer."""
    if outcome not in ("release", "refund"):
        raise InvalidField("outcome", "must be release or refund")
    tx = await _lock(session, tx_id)
    if tx is None:
        raise NotFound(f"p2p transaction {tx_id} not found")
    if tx.funds_released is not None or tx.refunded is not None:
        raise state_error("funds_already_released", "The transaction has already been settled.")
    if tx.complained is None:
        raise state_error("not_complained", "Only a complained transaction can be resolved.")
    if outcome == "release":
        await _release(session, tx, None, deposit_only=False)
    else:
        await _refund(session, tx, None)
        tx.status = "funds_refunded"
        await session.flush()
        await _tell(
            session, tx, "p2p_tx.payment_refunded", actor_id=None, text="The payment was refunded to the buyer."
        )
    return tx


async def operator_view(session: AsyncSession, tx_id: int) -> dict[str, Any]:
    tx = await session.get(EscrowP2PTransaction, tx_id)
    if tx is None:
        raise NotFound(f"p2p transaction {tx_id} not found")
    return {**tx_view(tx), "livemode": tx.livemode}
