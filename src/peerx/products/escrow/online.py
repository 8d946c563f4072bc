"""Online (basic) escrow transactions: create with a join code, join / reject / cancel, pay by
card into escrow, track, delivery, complaint period, release to the seller or refund to the
buyer. The steps both kinds of transaction share (joining, complaints, release, refund, the
complaint period, resolving) are the kernel's (kernel.py); this module adds the online ones.

Money: the card payment lands in a per-transaction escrow account (it may never go negative);
two pending transfers reserve the seller's part and the platform's fee; release posts them,
refund voids them and sends the whole payment back to the card."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core import metrics
from peerx.core.db import utcnow
from peerx.core.jobs import enqueue
from peerx.products.escrow import charges
from peerx.products.escrow.kernel import (
    PAYIN_STALE,
    Flow,
    PayinPlan,
    Payment,
    Timing,
    at_deadline,
    hold_payment,
    moments,
    not_ended,
    only,
    opening,
    parties,
    payin_failed,
    post_holds,
    return_payments,
    state_error,
)
from peerx.products.escrow.models import EscrowJob, EscrowTransaction, TransactionStatus
from peerx.products.escrow.repository import Actor
from peerx.products.escrow.wire import wire_time
from peerx.rails.payins import PayinResult

CARRIERS = ("fedex", "ups", "usps")


# ---------------------------------------------------------------- views


# The statuses an online transaction moves through before it is settled (the operator's filter).
STATUSES = tuple(
    status.value
    for status in (
        TransactionStatus.CREATED,
        TransactionStatus.JOINED,
        TransactionStatus.REJECTED,
        TransactionStatus.CANCELLED,
        TransactionStatus.PAID,
        TransactionStatus.TRACKED,
        TransactionStatus.DELIVERED,
        TransactionStatus.COMPLAINED,
    )
)


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
        **parties(tx),
    }
    view.update(
        moments(
            tx,
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
        )
    )
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


class Online(Flow[EscrowTransaction]):
    model = EscrowTransaction
    kind = "basic"
    label = "transaction"

    def tx_view(self, tx: EscrowTransaction) -> dict[str, Any]:
        return tx_view(tx)

    def settled(self, tx: EscrowTransaction) -> bool:
        return tx.funds_released is not None or tx.payment_refunded is not None

    def check_paid(self, tx: EscrowTransaction) -> None:
        if tx.paid is None:
            raise state_error("not_paid", "The transaction has not been paid.")

    async def release(self, session: AsyncSession, tx: EscrowTransaction, actor_id: int | None) -> None:
        assert tx.seller_hold_id is not None
        await post_holds(session, tx, [(tx.seller_hold_id, "escrow.released"), (tx.fee_hold_id, "escrow.fee")])
        tx.status = TransactionStatus.FUNDS_RELEASED
        await self.released(session, tx, actor_id)

    async def refund(self, session: AsyncSession, tx: EscrowTransaction, actor_id: int | None) -> None:
        assert tx.seller_hold_id is not None and tx.payin_id is not None
        total = tx.price + tx.charge
        payment = Payment(tx.payin_id, total, f"trustap-basic-{tx.id}-refund")
        await return_payments(session, tx, [tx.seller_hold_id, tx.fee_hold_id], [payment], reference=f"basic:{tx.id}")
        tx.payment_refunded = tx.updated_at = utcnow()
        await self.refunded(session, tx, actor_id)


FLOW = Online()


# ---------------------------------------------------------------- creating and cancelling


@dataclass(frozen=True)
class NewTransaction:
    role: str
    currency: str
    price: int
    description: str
    charge: int
    charge_calculator_version: int
    charge_seller: int | None
    payment_method: str = "card"  # what the charge was quoted for


async def create_transaction(session: AsyncSession, actor: Actor, new: NewTransaction) -> EscrowTransaction:
    checked = await charges.verify(
        session,
        "online",
        currency=new.currency,
        price=new.price,
        charge=new.charge,
        version=new.charge_calculator_version,
        charge_seller=new.charge_seller,
        payment_method=new.payment_method,
    )
    if checked.charge_seller >= new.price:
        raise charges.code_error("price", "must be above the seller's charge", "price_too_low")
    tx = EscrowTransaction(
        **opening(actor, new.role, new.currency, new.description),
        price=new.price,
        charge=checked.charge,
        charge_seller=checked.charge_seller,
        charge_calculator_version=checked.version,
        payment_method=checked.payment_method,
    )
    return await FLOW.add(session, tx, actor)


async def cancel(session: AsyncSession, actor: Actor, tx_id: int) -> EscrowTransaction:
    tx = await FLOW.load(session, actor, tx_id)
    not_ended(tx)
    if tx.tracked is not None:
        raise state_error("tracking_already_added", "Tracking details have already been added.")
    if tx.paid is not None:
        raise state_error("already_paid", "The transaction has already been paid.")
    if tx.payin_started is not None:
        raise state_error("payment_in_progress", "A payment for this transaction is in progress.")
    tx.cancelled = tx.updated_at = utcnow()
    return await FLOW.moved(session, tx, TransactionStatus.CANCELLED, actor.user_id, "Your transaction was cancelled.")


# ---------------------------------------------------------------- money in (three steps)


async def begin_pay(session: AsyncSession, actor: Actor, tx_id: int, token: str | None) -> PayinPlan:
    """Step 1 of 3: check and mark the payment in flight; committed before the card is charged."""
    tx = await FLOW.load(session, actor, tx_id)
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
    tx = await FLOW.lock(session, plan.tx_id)
    assert tx is not None
    if tx.payin_started is None:
        raise state_error("payment_in_progress", "The payment was recorded by another request.")
    tx.payin_started = tx.payin_token = None
    if await payin_failed(session, tx, result):
        return tx
    assert result.payin_id is not None and tx.seller_id is not None
    tx.seller_hold_id, tx.fee_hold_id = await hold_payment(
        session,
        tx,
        amount=plan.amount,
        seller_part=tx.price - tx.charge_seller,
        code="escrow.paid",
        reference=f"basic:{tx.id}",
    )
    now = utcnow()
    tx.payin_id = result.payin_id
    tx.paid = tx.updated_at = now
    tx.tracking_details_deadline = now + timing.tracking_window
    tx.status = TransactionStatus.PAID
    await session.flush()
    metrics.count_operation(session, "escrow", "payment_made")
    await at_deadline(session, EscrowJob.TRACKING_DEADLINE, tx.id, tx.tracking_details_deadline, "escrow:tracking")
    await FLOW.tell(session, tx, "paid", actor.user_id, "The buyer paid: add the tracking details.")
    return tx


# ---------------------------------------------------------------- shipping and delivery


async def track(
    session: AsyncSession, actor: Actor, tx_id: int, carrier: str | None, code: str | None, timing: Timing
) -> EscrowTransaction:
    tx = await FLOW.load(session, actor, tx_id)
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
    tx.status = TransactionStatus.TRACKED
    await session.flush()
    await enqueue(session, EscrowJob.CARRIER_POLL, {"transaction_id": tx.id}, unique_key=f"escrow:carrier:{tx.id}")
    await FLOW.tell(session, tx, "tracked", actor.user_id, "The seller shipped your item.")
    return tx


async def _mark_delivered(session: AsyncSession, tx: EscrowTransaction, actor_id: int | None, timing: Timing) -> None:
    now = utcnow()
    tx.delivered = tx.updated_at = now
    tx.complaint_period_deadline = now + timing.complaint_period
    tx.status = TransactionStatus.DELIVERED
    await session.flush()
    await at_deadline(session, EscrowJob.COMPLAINT_PERIOD, tx.id, tx.complaint_period_deadline, "escrow:complaint")
    await FLOW.tell(session, tx, "delivered", actor_id, "The item was delivered; the complaint period has started.")


async def confirm_delivery(session: AsyncSession, actor: Actor, tx_id: int, timing: Timing) -> EscrowTransaction:
    tx = await FLOW.load(session, actor, tx_id)
    only(tx, actor, "buyer", "confirm delivery")
    if tx.tracked is None:
        raise state_error("tracking_not_added", "Tracking details have not been added yet.")
    if tx.delivered is not None:
        raise state_error("delivery_already_set", "Delivery has already been confirmed.")
    await _mark_delivered(session, tx, actor.user_id, timing)
    return tx


async def carrier_delivered(session: AsyncSession, tx_id: int, timing: Timing) -> bool:
    """The carrier adapter saw the parcel delivered (job). False when nothing was left to do."""
    tx = await FLOW.lock(session, tx_id)
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
    tx = await FLOW.load(session, actor, tx_id)
    only(tx, actor, "buyer", "complain")
    if description is not None and not description.strip():
        raise charges.code_error("complaint_description", "must not be empty", "empty_complaint_description")
    _complaint_window(tx)
    return await FLOW.record_complaint(session, tx, actor, description)


async def end_complaint_period(session: AsyncSession, actor: Actor, tx_id: int) -> EscrowTransaction:
    tx = await FLOW.load(session, actor, tx_id)
    only(tx, actor, "buyer", "end the complaint period")
    _complaint_window(tx)
    tx.complaint_period_ended = utcnow()
    await FLOW.release(session, tx, actor.user_id)
    return tx


async def tracking_deadline_passed(session: AsyncSession, tx_id: int) -> bool:
    """Job: the seller never shipped, so the buyer gets the payment back."""
    tx = await FLOW.lock(session, tx_id)
    if tx is None or tx.paid is None or tx.tracked is not None or tx.payment_refunded is not None:
        return False
    if tx.funds_released is not None:
        return False
    await FLOW.refund(session, tx, None)
    return True


# ---------------------------------------------------------------- the payment method


@dataclass(frozen=True)
class PaymentMethodChoice:
    """set_payment_method: the method and the fees the buyer was quoted for it
    (GET /transactions/{id}/charge)."""

    payment_method: str
    charge_config: int | None
    currency: str
    price: int
    charge: int
    charge_seller: int | None


async def set_payment_method(
    session: AsyncSession, actor: Actor, tx_id: int, choice: PaymentMethodChoice
) -> EscrowTransaction:
    """The buyer sets how it will pay before paying; the transaction's fees become the current
    calculator's for that method (the quote must match). Setting what is already set (same
    method, config and calculator version) is the spec's `payment_method_already_set`."""
    tx = await FLOW.load(session, actor, tx_id)
    only(tx, actor, "buyer", "set the payment method")
    not_ended(tx)
    if tx.paid is not None:
        raise state_error("already_paid", "The transaction has already been paid.")
    if tx.payin_started is not None:
        raise state_error("payment_in_progress", "A payment for this transaction is in progress.")
    if choice.currency.lower() != tx.currency:
        raise charges.code_error("currency", f"must be the transaction's currency {tx.currency}", "incorrect_currency")
    if choice.price != tx.price:
        raise charges.code_error("price", "must be the transaction's price", "incorrect_price")
    fees = await charges.for_payment_method(
        session,
        "online",
        payment_method=choice.payment_method,
        charge_config=choice.charge_config,
        currency=tx.currency,
        price=tx.price,
        charge=choice.charge,
        charge_seller=choice.charge_seller,
    )
    if (tx.payment_method, tx.charge_calculator_version) == (fees.payment_method, fees.version):
        raise charges.code_error(
            "payment_method", "this payment method and charge config are already set", "payment_method_already_set"
        )
    tx.payment_method, tx.charge_calculator_version = fees.payment_method, fees.version
    tx.charge, tx.charge_seller = fees.charge, fees.charge_seller
    tx.updated_at = utcnow()
    await session.flush()
    return tx
