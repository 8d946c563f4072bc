"""Online (basic) escrow transactions: create with a join code, join / reject / cancel, pay by
card into escrow, track, delivery, complaint period, release to the seller or refund to the
buyer. Takes a session, raises core errors (the spec's code in details["code"]), emits events
and notifications; the request, job or CLI owns the transaction.

Money: the card payment lands in a per-transaction escrow account (it may never go negative);
two pending transfers reserve the seller's part and the platform's fee; release posts them,
refund voids them and sends the whole payment back to the card."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core import ledger
from peerx.core.db import utcnow
from peerx.core.errors import Conflict, Forbidden, InvalidField, NotFound
from peerx.core.events import emit
from peerx.core.jobs import enqueue
from peerx.products.escrow import charges, queries
from peerx.products.escrow.models import EscrowNotification, EscrowP2PTransaction, EscrowTransaction, EscrowUser
from peerx.products.escrow.queries import Actor
from peerx.rails.payins import PayinResult

SURFACE = "trustap"
CARRIERS = ("fedex", "ups", "usps")
ROLES = ("buyer", "seller")


@dataclass(frozen=True)
class Timing:
    complaint_period: timedelta
    tracking_window: timedelta
    carrier_poll: timedelta
    deposit_acceptance: timedelta = timedelta(days=3)  # face to face: the seller's window


def state_error(code: str, message: str) -> Conflict:
    error = Conflict(message)
    error.details["code"] = code
    return error


def forbidden(code: str, message: str) -> Forbidden:
    error = Forbidden(message)
    error.details["code"] = code
    return error


def only(tx: EscrowTransaction | EscrowP2PTransaction, actor: Actor, role: str, what: str) -> None:
    """403 not_buyer / not_seller unless the actor has the role this step belongs to."""
    if actor.user_id != (tx.buyer_id if role == "buyer" else tx.seller_id):
        raise forbidden(f"not_{role}", f"Only the {role} can {what}.")


def check_invitee(tx: EscrowTransaction | EscrowP2PTransaction, actor: Actor, verb: str) -> None:
    """Joining or rejecting by join code: only the invited party, only while the invitation is open
    (a joined transaction is not found by its code at all: queries.by_join_code)."""
    if actor.user_id in (tx.buyer_id, tx.seller_id):
        raise state_error("cannot_join_own_transaction", f"You cannot {verb} your own transaction.")
    not_ended(tx)


def set_joined(tx: EscrowTransaction | EscrowP2PTransaction, user_id: int) -> None:
    """The joiner takes the role the creator left open."""
    if tx.creator_role == "seller":
        tx.buyer_id = user_id
    else:
        tx.seller_id = user_id
    tx.joined = tx.updated_at = utcnow()
    tx.status = "joined"


def wire_time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- ledger accounts


def ledger_currency(tx: EscrowTransaction) -> str:
    return tx.currency.upper()


def escrow_account(tx: EscrowTransaction) -> ledger.AccountSpec:
    return ledger.AccountSpec(
        f"escrow_tx:{tx.id}",
        "escrow",
        ledger_currency(tx),
        tx.livemode,
        ledger.AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS,
    )


def seller_wallet(user_id: int, currency: str, livemode: bool) -> ledger.AccountSpec:
    return ledger.AccountSpec(
        f"escrow_user:{user_id}",
        "wallet",
        currency.upper(),
        livemode,
        ledger.AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS,
    )


def card_payins_account(currency: str, livemode: bool) -> ledger.AccountSpec:
    """Money received from (and refunded to) card networks: its balance mirrors the rail's."""
    return ledger.platform_account("card_payins", currency.upper(), livemode)


def fees_account(currency: str, livemode: bool) -> ledger.AccountSpec:
    return ledger.platform_account("fees", currency.upper(), livemode)


async def queue_card_refund(session: AsyncSession, livemode: bool, payin_id: str, amount: int, reference: str) -> None:
    """The ledger moves now; the card network is told by a job after commit (no network call
    inside the unit of work). The reference is derived from our ids, so a retried job never
    refunds twice (the Stripe connector sends it as the Idempotency-Key)."""
    await enqueue(
        session,
        "escrow.card_refund",
        {"livemode": livemode, "payin_id": payin_id, "amount": amount, "reference": reference},
        unique_key=f"escrow:refund:{reference}",
    )


async def hold_payment(
    session: AsyncSession,
    tx: EscrowTransaction | EscrowP2PTransaction,
    escrow: ledger.AccountSpec,
    *,
    amount: int,
    seller_part: int,
    code: str,
    reference: str,
) -> tuple[int, int | None]:
    """A card payment lands in the transaction's escrow account and is reserved in two pending
    transfers: the seller's part and the platform's fee (the rest). Returns both holds' ids
    (no fee hold when the fee is 0)."""
    assert tx.seller_id is not None
    account = await ledger.get_account(session, escrow)
    card = await ledger.get_account(session, card_payins_account(tx.currency, tx.livemode))
    await ledger.transfer(session, card, account, amount, code=code, reference=reference)
    wallet = await ledger.get_account(session, seller_wallet(tx.seller_id, tx.currency, tx.livemode))
    seller_hold = await ledger.transfer(
        session, account, wallet, seller_part, code="escrow.hold_seller", reference=reference, pending=True
    )
    fee = amount - seller_part
    if fee <= 0:
        return seller_hold.id, None
    fees = await ledger.get_account(session, fees_account(tx.currency, tx.livemode))
    fee_hold = await ledger.transfer(
        session, account, fees, fee, code="escrow.hold_fee", reference=reference, pending=True
    )
    return seller_hold.id, fee_hold.id


async def at_deadline(session: AsyncSession, job: str, tx_id: int, run_at: datetime | None, key: str) -> None:
    """Queue a deadline's job; the key makes a second scheduling of the same deadline a no-op."""
    assert run_at is not None
    await enqueue(session, job, {"transaction_id": tx_id}, run_at=run_at, unique_key=f"{key}:{tx_id}")


# ---------------------------------------------------------------- views


STATUSES = ("created", "joined", "rejected", "cancelled", "paid", "tracked", "delivered", "complained")


def tx_view(tx: EscrowTransaction) -> dict[str, Any]:
    """basic.Transaction: timestamps only once their step happened; `descr` and `description`
    both (the document says descr, the spec description)."""
    view: dict[str, Any] = {
        "id": tx.id,
        "status": tx.status,
        "currency": tx.currency,
        "price": tx.price,
        "charge": tx.charge,
        "charge_seller": tx.charge_seller,
        "charge_buyer_client": 0,
        "charge_seller_client": 0,
        "charge_calculator_version": tx.charge_calculator_version,
        "descr": tx.description,
        "description": tx.description,
        "quantity": 1,
        "created": wire_time(tx.created),
        "is_payment_in_progress": tx.payin_started is not None,
        "client_id": tx.client_id,
        "join_code": tx.join_code,
    }
    if tx.buyer_id is not None:
        view["buyer_id"] = tx.buyer_id
    if tx.seller_id is not None:
        view["seller_id"] = tx.seller_id
    for name in (
        "joined",
        "rejected",
        "cancelled",
        "paid",
        "tracked",
        "tracking_details_deadline",
        "delivered",
        "complaint_period_deadline",
        "complaint_period_ended",
        "complained",
        "funds_released",
        "payment_refunded",
    ):
        moment = getattr(tx, name)
        if moment is not None:
            view[name] = wire_time(moment)
    if tx.complaint is not None:
        view["complaint"] = tx.complaint
    if tx.tracking_carrier is not None:
        view["tracking"] = {"carrier": tx.tracking_carrier, "tracking_code": tx.tracking_code}
    if tx.funds_released is not None:
        view["released_to_seller"] = True
        view["amount_released"] = tx.price - tx.charge_seller
    if tx.payment_refunded is not None:
        view["amount_refunded"] = tx.price + tx.charge
    return view


def notification_view(n: EscrowNotification) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": n.id,
        "created": wire_time(n.created),
        "user_id": str(n.user_id),
        "description": n.description,
        "target": n.target,
    }
    if n.read is not None:
        view["read"] = wire_time(n.read)
    return view


# ---------------------------------------------------------------- events and notifications


async def tell(
    session: AsyncSession,
    tx: EscrowTransaction | EscrowP2PTransaction,
    preview: dict[str, Any],
    code: str,
    actor_id: int | None,
    text: str,
) -> None:
    """A notification for each party but the actor (none when `text` is empty), and one event
    (webhook) for the client. `basic_tx.*` events target basic/ID, `p2p_tx.*` p2p/ID."""
    now = utcnow()
    target = f"{code.partition('_tx.')[0]}/{tx.id}"
    for user_id in (tx.buyer_id, tx.seller_id):
        if text and user_id is not None and user_id != actor_id:
            session.add(EscrowNotification(user_id=user_id, description=text, target=target, created=now, read=None))
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
            "target_preview": preview,
            "time": wire_time(now),
        },
    )


async def _tell(session: AsyncSession, tx: EscrowTransaction, code: str, actor_id: int | None, text: str) -> None:
    await tell(session, tx, tx_view(tx), code, actor_id, text)


# ---------------------------------------------------------------- reading


async def _load(session: AsyncSession, actor: Actor, tx_id: int) -> EscrowTransaction:
    return await queries.load(session, EscrowTransaction, actor, tx_id)


async def _lock(session: AsyncSession, tx_id: int) -> EscrowTransaction | None:
    return await queries.lock_row(session, EscrowTransaction, tx_id)


# ---------------------------------------------------------------- creating and joining


@dataclass(frozen=True)
class NewTransaction:
    role: str
    currency: str
    price: int
    description: str
    charge: int
    charge_calculator_version: int
    charge_seller: int | None


async def create_transaction(session: AsyncSession, actor: Actor, new: NewTransaction) -> EscrowTransaction:
    checked = await charges.verify(
        session,
        "online",
        currency=new.currency,
        price=new.price,
        charge=new.charge,
        version=new.charge_calculator_version,
        charge_seller=new.charge_seller,
    )
    if checked.charge_seller >= new.price:
        raise charges.code_error("price", "must be above the seller's charge", "price_too_low")
    now = utcnow()
    tx = EscrowTransaction(
        livemode=actor.livemode,
        client_id=actor.client_id,
        client_party_id=actor.client_party_id,
        status="created",
        join_code=str(uuid.uuid4()),
        creator_role=new.role,
        seller_id=actor.user_id if new.role == "seller" else None,
        buyer_id=actor.user_id if new.role == "buyer" else None,
        currency=new.currency.lower(),
        price=new.price,
        charge=checked.charge,
        charge_seller=checked.charge_seller,
        charge_calculator_version=checked.version,
        payment_method=checked.payment_method,
        description=new.description,
        created=now,
        updated_at=now,
    )
    session.add(tx)
    await session.flush()
    await _tell(session, tx, "basic_tx.created", actor.user_id, "")
    return tx


def not_ended(tx: EscrowTransaction | EscrowP2PTransaction) -> None:
    if tx.cancelled is not None or tx.rejected is not None:
        raise state_error("already_cancelled", "The transaction has been cancelled.")


async def join(session: AsyncSession, actor: Actor, join_code: str | None) -> EscrowTransaction:
    tx = await queries.by_join_code(session, EscrowTransaction, actor, join_code, lock=True)
    check_invitee(tx, actor, "join")
    set_joined(tx, actor.user_id)
    await session.flush()
    await _tell(session, tx, "basic_tx.joined", actor.user_id, "The other party joined your transaction.")
    return tx


async def reject(session: AsyncSession, actor: Actor, join_code: str) -> EscrowTransaction:
    """The invited party declines before joining."""
    tx = await queries.by_join_code(session, EscrowTransaction, actor, join_code, lock=True)
    check_invitee(tx, actor, "reject")
    tx.rejected = tx.updated_at = utcnow()
    tx.status = "rejected"
    await session.flush()
    await _tell(session, tx, "basic_tx.rejected", actor.user_id, "Your transaction was rejected.")
    return tx


async def cancel(session: AsyncSession, actor: Actor, tx_id: int) -> EscrowTransaction:
    tx = await _load(session, actor, tx_id)
    not_ended(tx)
    if tx.tracked is not None:
        raise state_error("tracking_already_added", "Tracking details have already been added.")
    if tx.paid is not None:
        raise state_error("already_paid", "The transaction has already been paid.")
    if tx.payin_started is not None:
        raise state_error("payment_in_progress", "A payment for this transaction is in progress.")
    tx.cancelled = tx.updated_at = utcnow()
    tx.status = "cancelled"
    await session.flush()
    await _tell(session, tx, "basic_tx.cancelled", actor.user_id, "Your transaction was cancelled.")
    return tx


# ---------------------------------------------------------------- money in


@dataclass(frozen=True)
class PayinPlan:
    """What to charge, decided (and marked in flight) before the rail is called."""

    tx_id: int
    stage: str  # basic: "payment"; p2p: "deposit" | "remainder"
    token: str
    amount: int
    currency: str
    livemode: bool
    reference: str  # derived from our ids: the same attempt always sends the same key


PAYIN_STALE = timedelta(minutes=2)  # an in-flight charge older than this may be asked again


async def begin_pay(session: AsyncSession, actor: Actor, tx_id: int, token: str | None) -> PayinPlan:
    """Step 1 of 3: check and mark the payment in flight; committed before the card is charged."""
    tx = await _load(session, actor, tx_id)
    only(tx, actor, "buyer", "pay for this transaction")
    not_ended(tx)
    if tx.paid is not None:
        raise state_error("already_paid", "The transaction has already been paid.")
    if tx.seller_id is None:
        raise state_error("second_party_not_joined", "The seller has not joined the transaction yet.")
    now = utcnow()
    if tx.payin_started is not None:
        if now - tx.payin_started < PAYIN_STALE:
            raise state_error("payment_in_progress", "A payment for this transaction is in progress.")
        assert tx.payin_token is not None
        token = tx.payin_token  # a request died mid-charge: ask again with the same key and token
    elif not token or not token.strip():
        raise charges.code_error("stripe_token", "is required", "missing_stripe_token")
    token = token.strip()
    tx.payin_started, tx.payin_token = now, token
    await session.flush()
    return PayinPlan(
        tx.id,
        "payment",
        token,
        tx.price + tx.charge,
        tx.currency,
        tx.livemode,
        f"trustap-basic-{tx.id}-{tx.payin_attempt}",
    )


async def finish_pay(
    session: AsyncSession, actor: Actor, plan: PayinPlan, result: PayinResult, timing: Timing
) -> EscrowTransaction:
    """Step 3 of 3: a failure clears the mark (the caller commits it, then reports the card's
    error); a success moves the money into escrow and the state to paid."""
    tx = await _lock(session, plan.tx_id)
    assert tx is not None
    if tx.payin_started is None:
        raise state_error("payment_in_progress", "The payment was recorded by another request.")
    tx.payin_started = tx.payin_token = None
    if not result.succeeded:
        tx.payin_attempt += 1
        await session.flush()
        return tx
    assert result.payin_id is not None and tx.seller_id is not None
    tx.seller_hold_id, tx.fee_hold_id = await hold_payment(
        session,
        tx,
        escrow_account(tx),
        amount=plan.amount,
        seller_part=tx.price - tx.charge_seller,
        code="escrow.paid",
        reference=f"basic:{tx.id}",
    )
    now = utcnow()
    tx.payin_id = result.payin_id
    tx.paid = tx.updated_at = now
    tx.tracking_details_deadline = now + timing.tracking_window
    tx.status = "paid"
    await session.flush()
    await at_deadline(session, "escrow.tracking_deadline", tx.id, tx.tracking_details_deadline, "escrow:tracking")
    await _tell(session, tx, "basic_tx.paid", actor.user_id, "The buyer paid: add the tracking details.")
    return tx


# ---------------------------------------------------------------- shipping and delivery


async def track(
    session: AsyncSession, actor: Actor, tx_id: int, carrier: str | None, code: str | None, timing: Timing
) -> EscrowTransaction:
    tx = await _load(session, actor, tx_id)
    only(tx, actor, "seller", "add tracking details")
    if not carrier or not carrier.strip():
        raise charges.code_error("carrier", "is required", "empty_carrier")
    if carrier.strip().lower() not in CARRIERS:
        raise charges.code_error("carrier", f"must be one of {', '.join(CARRIERS)}", "invalid_carrier")
    if not code or not code.strip():
        raise charges.code_error("tracking_code", "is required", "empty_tracking_code")
    not_ended(tx)
    if tx.tracked is not None:
        raise state_error("tracking_already_added", "Tracking details have already been added.")
    if tx.paid is None or tx.payment_refunded is not None:
        if tx.payment_refunded is not None:
            raise state_error("tracking_details_deadline_expired", "The deadline for tracking details has passed.")
        raise state_error("payment_details_not_added", "The buyer has not paid yet.")
    now = utcnow()
    if tx.tracking_details_deadline is not None and now >= tx.tracking_details_deadline:
        raise state_error("tracking_details_deadline_expired", "The deadline for tracking details has passed.")
    tx.tracking_carrier, tx.tracking_code = carrier.strip().lower(), code.strip()
    tx.tracked = tx.updated_at = now
    tx.status = "tracked"
    await session.flush()
    await enqueue(session, "escrow.carrier_poll", {"transaction_id": tx.id}, unique_key=f"escrow:carrier:{tx.id}")
    await _tell(session, tx, "basic_tx.tracked", actor.user_id, "The seller shipped your item.")
    return tx


async def _mark_delivered(session: AsyncSession, tx: EscrowTransaction, actor_id: int | None, timing: Timing) -> None:
    now = utcnow()
    tx.delivered = tx.updated_at = now
    tx.complaint_period_deadline = now + timing.complaint_period
    tx.status = "delivered"
    await session.flush()
    await at_deadline(session, "escrow.complaint_period", tx.id, tx.complaint_period_deadline, "escrow:complaint")
    await _tell(
        session, tx, "basic_tx.delivered", actor_id, "The item was delivered; the complaint period has started."
    )


async def confirm_delivery(session: AsyncSession, actor: Actor, tx_id: int, timing: Timing) -> EscrowTransaction:
    tx = await _load(session, actor, tx_id)
    only(tx, actor, "buyer", "confirm delivery")
    if tx.tracked is None:
        raise state_error("tracking_not_added", "Tracking details have not been added yet.")
    if tx.delivered is not None:
        raise state_error("delivery_already_set", "Delivery has already been confirmed.")
    await _mark_delivered(session, tx, actor.user_id, timing)
    return tx


async def carrier_delivered(session: AsyncSession, tx_id: int, timing: Timing) -> bool:
    """The carrier adapter saw the parcel delivered (job). False when nothing was left to do."""
    tx = await _lock(session, tx_id)
    if tx is None or tx.tracked is None or tx.delivered is not None or tx.payment_refunded is not None:
        return False
    await _mark_delivered(session, tx, None, timing)
    return True


# ---------------------------------------------------------------- complaint period and outcome


def _complaint_window(tx: EscrowTransaction) -> None:
    """The checks complain and end_complaint_period share, in the spec's order of meaning."""
    if tx.funds_released is not None or tx.payment_refunded is not None:
        if tx.complaint_period_ended is not None:
            raise state_error("complaint_period_ended_prematurely", "The buyer has already ended the complaint period.")
        if tx.complained is None and tx.delivered is not None:
            raise state_error("complaint_period_expired", "The complaint period has expired.")
        raise state_error("funds_already_released", "The funds have already been released.")
    if tx.complained is not None:
        raise state_error("already_complained", "A complaint has already been submitted.")
    if tx.delivered is None:
        raise state_error("unconfirmed_delivery", "The complaint period has not started yet.")
    assert tx.complaint_period_deadline is not None
    if utcnow() >= tx.complaint_period_deadline:
        raise state_error("complaint_period_expired", "The complaint period has expired.")


async def complain(session: AsyncSession, actor: Actor, tx_id: int, description: str | None) -> EscrowTransaction:
    tx = await _load(session, actor, tx_id)
    only(tx, actor, "buyer", "complain")
    if description is not None and not description.strip():
        raise charges.code_error("complaint_description", "must not be empty", "empty_complaint_description")
    _complaint_window(tx)
    tx.complained = tx.updated_at = utcnow()
    tx.complaint = (description or "").strip()
    tx.status = "complained"
    await session.flush()
    await _tell(session, tx, "basic_tx.complained", actor.user_id, "The buyer complained; the platform will decide.")
    return tx


async def end_complaint_period(session: AsyncSession, actor: Actor, tx_id: int) -> EscrowTransaction:
    tx = await _load(session, actor, tx_id)
    only(tx, actor, "buyer", "end the complaint period")
    _complaint_window(tx)
    tx.complaint_period_ended = utcnow()
    await _release(session, tx, actor.user_id)
    return tx


async def _release(session: AsyncSession, tx: EscrowTransaction, actor_id: int | None) -> None:
    assert tx.seller_hold_id is not None
    await ledger.post_pending(session, tx.seller_hold_id, code="escrow.released")
    if tx.fee_hold_id is not None:
        await ledger.post_pending(session, tx.fee_hold_id, code="escrow.fee")
    tx.funds_released = tx.updated_at = utcnow()
    tx.status = "funds_released"
    await session.flush()
    assert tx.seller_id is not None
    from peerx.products.escrow import payouts  # payouts imports this module

    await payouts.start(session, tx.seller_id, tx.currency, tx.livemode)
    await _tell(session, tx, "basic_tx.funds_released", actor_id, "The funds were released to the seller.")


async def _refund(session: AsyncSession, tx: EscrowTransaction, actor_id: int | None) -> None:
    assert tx.seller_hold_id is not None and tx.payin_id is not None
    await ledger.void_pending(session, tx.seller_hold_id, code="escrow.refunded")
    if tx.fee_hold_id is not None:
        await ledger.void_pending(session, tx.fee_hold_id, code="escrow.refunded")
    total = tx.price + tx.charge
    escrow = await ledger.get_account(session, escrow_account(tx))
    card = await ledger.get_account(session, card_payins_account(tx.currency, tx.livemode))
    await ledger.transfer(session, escrow, card, total, code="escrow.refund", reference=f"basic:{tx.id}")
    await queue_card_refund(session, tx.livemode, tx.payin_id, total, f"trustap-basic-{tx.id}-refund")
    tx.payment_refunded = tx.updated_at = utcnow()
    tx.status = "funds_refunded"
    await session.flush()
    await _tell(session, tx, "basic_tx.payment_refunded", actor_id, "The payment was refunded to the buyer.")


async def complaint_period_over(session: AsyncSession, tx_id: int) -> bool:
    """Job: the period passed without a complaint, so the seller is paid."""
    tx = await _lock(session, tx_id)
    if tx is None or tx.delivered is None or tx.complained is not None:
        return False
    if tx.funds_released is not None or tx.payment_refunded is not None:
        return False
    assert tx.complaint_period_deadline is not None
    if utcnow() < tx.complaint_period_deadline:
        return False  # not due: the job is queued at the deadline, so only a moved clock gets here
    await _release(session, tx, None)
    return True


async def tracking_deadline_passed(session: AsyncSession, tx_id: int) -> bool:
    """Job: the seller never shipped, so the buyer gets the payment back."""
    tx = await _lock(session, tx_id)
    if tx is None or tx.paid is None or tx.tracked is not None or tx.payment_refunded is not None:
        return False
    if tx.funds_released is not None:
        return False
    await _refund(session, tx, None)
    return True


def _check_complained(tx: EscrowTransaction) -> None:
    """Settling a complaint (the seller's accept_complaint, the operator's resolve)."""
    if tx.funds_released is not None or tx.payment_refunded is not None:
        raise state_error("funds_already_released", "The transaction has already been settled.")
    if tx.paid is None:
        raise state_error("not_paid", "The transaction has not been paid.")
    if tx.complained is None:
        raise state_error("not_complained", "The buyer has not complained.")


async def accept_complaint(session: AsyncSession, actor: Actor, tx_id: int) -> EscrowTransaction:
    """The seller agrees with the buyer's complaint: the buyer gets the whole payment back."""
    tx = await _load(session, actor, tx_id)
    only(tx, actor, "seller", "accept a complaint")
    _check_complained(tx)
    await _refund(session, tx, actor.user_id)
    return tx


async def resolve(session: AsyncSession, tx_id: int, *, outcome: str) -> EscrowTransaction:
    """The operator decides a complained transaction: release to the seller or refund the buyer."""
    if outcome not in ("release", "refund"):
        raise InvalidField("outcome", "must be release or refund")
    tx = await _lock(session, tx_id)
    if tx is None:
        raise NotFound(f"transaction {tx_id} not found")
    _check_complained(tx)
    if outcome == "release":
        await _release(session, tx, None)
    else:
        await _refund(session, tx, None)
    return tx


async def party_details(
    session: AsyncSession, tx: EscrowTransaction | EscrowP2PTransaction, role: str
) -> dict[str, Any]:
    """buyer_details / seller_details: the document's User {email, name}, so the parties can
    reach each other (face to face: whom to meet). 404 until that party has joined."""
    user_id = tx.buyer_id if role == "buyer" else tx.seller_id
    user = None if user_id is None else await session.get(EscrowUser, user_id)
    if user is None:
        raise NotFound("Not Found")
    return {"email": user.email, "name": f"{user.first_name} {user.last_name}".strip()}


async def operator_view(session: AsyncSession, tx_id: int) -> dict[str, Any]:
    tx = await session.get(EscrowTransaction, tx_id)
    if tx is None:
        raise NotFound(f"transaction {tx_id} not found")
    return {**tx_view(tx), "livemode": tx.livemode}


# ---------------------------------------------------------------- notifications


async def notifications(session: AsyncSession, actor: Actor, page: queries.Page) -> list[EscrowNotification]:
    query = select(EscrowNotification).where(EscrowNotification.user_id == actor.user_id)
    return await queries.fetch_page(session, query, EscrowNotification.id, page)


async def notification(
    session: AsyncSession, actor: Actor, notification_id: int, *, mark_read: bool
) -> EscrowNotification:
    found = await session.get(EscrowNotification, notification_id)
    if found is None or found.user_id != actor.user_id:
        raise NotFound("Not Found")
    if mark_read and found.read is None:
        found.read = utcnow()
        await session.flush()
    return found


# ---------------------------------------------------------------- personal details


def personal_view(user: EscrowUser) -> dict[str, Any]:
    view: dict[str, Any] = {"name": {"first": user.first_name, "last": user.last_name}}
    for key in ("address", "dob", "tos_acceptance"):
        if key in user.personal:
            view[key] = user.personal[key]
    return view


@dataclass(frozen=True)
class PersonalUpdate:
    """PUT /me/personal: what was sent (None: keep). An address replaces the stored one whole."""

    first: str | None = None
    last: str | None = None
    address: dict[str, str] | None = None
    dob: tuple[int, int, int] | None = None  # day, month, year


async def set_personal(session: AsyncSession, user: EscrowUser, update: PersonalUpdate) -> EscrowUser:
    if update.first is not None:
        user.first_name = update.first[:100]
    if update.last is not None:
        user.last_name = update.last[:100]
    personal = dict(user.personal)
    if update.address is not None:
        personal["address"] = dict(update.address)
    if update.dob is not None:
        personal["dob"] = _dob(*update.dob)
    user.personal = personal
    await session.flush()
    return user


def _dob(day: int, month: int, year: int) -> dict[str, int]:
    try:
        datetime(year, month, day)  # noqa: DTZ001 - a calendar check only
    except (TypeError, ValueError, OverflowError):
        raise InvalidField("dob", "must be a valid date with day, month and year") from None
    return {"day": day, "month": month, "year": year}


async def accept_tos(
    session: AsyncSession, user: EscrowUser, *, unix_timestamp: int, ip: str, user_agent: str
) -> EscrowUser:
    if not ip.strip():
        raise InvalidField("ip", "is required")
    user.personal = {
        **user.personal,
        "tos_acceptance": {"unix_timestamp": unix_timestamp, "ip": ip.strip(), "user_agent": user_agent},
    }
    await session.flush()
    return user


async def set_active_country(session: AsyncSession, user: EscrowUser, country_code: str) -> EscrowUser:
    code = country_code.strip()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise charges.code_error("country_code", "must be an ISO 3166-1 alpha-2 code", "invalid_country_code")
    user.country_code = code.upper()
    await session.flush()
    return user
