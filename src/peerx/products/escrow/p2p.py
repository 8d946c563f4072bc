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

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core import metrics
from peerx.core.db import utcnow
from peerx.core.errors import InvalidField
from peerx.products.escrow import charges
from peerx.products.escrow.kernel import (
    PAYIN_STALE,
    ROLES,
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
from peerx.products.escrow.models import EscrowJob, EscrowP2PTransaction, TransactionStatus
from peerx.products.escrow.repository import Actor
from peerx.products.escrow.wire import wire_time
from peerx.rails.payins import PayinResult

STAGES = ("deposit", "remainder")


# ---------------------------------------------------------------- views


# The statuses a face-to-face transaction moves through before it is settled (the operator's filter).
STATUSES = tuple(
    status.value
    for status in (
        TransactionStatus.CREATED,
        TransactionStatus.JOINED,
        TransactionStatus.REJECTED,
        TransactionStatus.CANCELLED,
        TransactionStatus.DEPOSIT_PAID,
        TransactionStatus.DEPOSIT_ACCEPTED,
        TransactionStatus.PRICED,
        TransactionStatus.REMAINDER_PAID,
        TransactionStatus.HANDOVER_CONFIRMED,
        TransactionStatus.COMPLAINED,
    )
)


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
        "skip_remainder": tx.remainder_skipped is not None,
        "quantity": 1,
        "created": wire_time(tx.created),
        "is_deposit_payment_in_progress": tx.payin_stage == "deposit",
        "is_remainder_payment_in_progress": tx.payin_stage == "remainder",
        **parties(tx),
    }
    if tx.listing_id is not None:
        view["listing_id"] = str(tx.listing_id)
        view["listing_type"] = "single_use"
    if tx.price is not None:
        assert tx.charge is not None and tx.charge_seller is not None
        view["pricing"] = _pricing(tx.price, tx.charge, tx.charge_seller)
    view.update(
        moments(
            tx,
            "joined",
            "rejected",
            "cancelled",
            "deposit_paid",
            "deposit_acceptance_deadline",
            "deposit_accepted",
            "priced",
            "remainder_skipped",
            "remainder_paid",
            "buyer_handover_confirmed",
            "seller_handover_confirmed",
            "complaint_period_deadline",
            "complained",
            "funds_released",
            "deposit_refunded",
            "refunded",
        )
    )
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


class P2P(Flow[EscrowP2PTransaction]):
    model = EscrowP2PTransaction
    kind = "p2p"
    label = "p2p transaction"

    def tx_view(self, tx: EscrowP2PTransaction) -> dict[str, Any]:
        return tx_view(tx)

    def settled(self, tx: EscrowP2PTransaction) -> bool:
        return tx.funds_released is not None or tx.refunded is not None

    def check_paid(self, tx: EscrowP2PTransaction) -> None:
        if tx.deposit_paid is None:
            raise state_error("deposit_not_paid", "The deposit has not been paid.")
        if tx.deposit_refunded is not None:
            raise state_error("deposit_already_refunded", "The deposit has already been refunded.")

    async def release(self, session: AsyncSession, tx: EscrowP2PTransaction, actor_id: int | None) -> None:
        await _release(session, tx, actor_id, deposit_only=False)

    async def refund(self, session: AsyncSession, tx: EscrowP2PTransaction, actor_id: int | None) -> None:
        await _refund(session, tx)
        await self.refunded(session, tx, actor_id)


FLOW = P2P()


# ---------------------------------------------------------------- creating and joining


@dataclass(frozen=True)
class NewP2P:
    role: str
    currency: str
    description: str
    deposit_price: int
    deposit_charge: int
    charge_calculator_version: int | None  # the document's body has none: then the current one
    skip_remainder: bool = False
    deposit_charge_seller: int | None = None  # the spec's, when sent: must match the calculator
    deposit_payment_method: str = "card"  # what the deposit charge was quoted for


async def checked_deposit(
    session: AsyncSession,
    *,
    currency: str,
    price: int,
    charge: int,
    version: int | None,
    charge_seller: int | None = None,
    payment_method: str = "card",
) -> charges.Charge:
    if version is None:
        rule = await charges.current_rule(session, "p2p", currency, payment_method)
        version = rule.version
    checked = await charges.verify(
        session,
        "p2p",
        currency=currency,
        price=price,
        charge=charge,
        version=version,
        charge_seller=charge_seller,
        payment_method=payment_method,
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
        charge_seller=new.deposit_charge_seller,
        payment_method=new.deposit_payment_method,
    )
    tx = EscrowP2PTransaction(
        **opening(actor, new.role, new.currency, new.description),
        listing_id=listing_id,
        deposit_price=new.deposit_price,
        deposit_charge=checked.charge,
        deposit_charge_seller=checked.charge_seller,
        deposit_calc_version=checked.version,
        deposit_payment_method=checked.payment_method,
        payin_attempt=0,
    )
    if new.skip_remainder:
        _skip(tx)
    return await FLOW.add(session, tx, actor)


# ---------------------------------------------------------------- paying (three steps)


def _check_stage(tx: EscrowP2PTransaction, actor: Actor, stage: str) -> None:
    only(tx, actor, "buyer", "pay for this transaction")
    not_ended(tx)
    if stage == "deposit":
        if tx.deposit_paid is not None:
            raise state_error("deposit_already_paid", "The deposit has already been paid.")
        if tx.seller_id is None:
            raise state_error("second_party_not_joined", "The seller has not joined the transaction yet.")
    else:
        if tx.remainder_skipped is not None:
            raise state_error("remainder_already_skipped", "The seller skipped the remainder: nothing is left to pay.")
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
    tx = await FLOW.load(session, actor, tx_id)
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
    tx = await FLOW.lock(session, plan.tx_id)
    assert tx is not None
    if tx.payin_stage != plan.stage:
        raise state_error("payment_in_progress", "The payment was recorded by another request.")
    tx.payin_stage = tx.payin_started = tx.payin_token = None
    if await payin_failed(session, tx, result):
        return tx
    assert result.payin_id is not None and tx.seller_id is not None
    if plan.stage == "deposit":
        seller_part = tx.deposit_price - tx.deposit_charge_seller
    else:
        assert tx.price is not None and tx.charge_seller is not None
        seller_part = (tx.price - tx.deposit_price) - (tx.charge_seller - tx.deposit_charge_seller)
    seller_hold_id, fee_hold_id = await hold_payment(
        session,
        tx,
        amount=plan.amount,
        seller_part=seller_part,
        code=f"escrow.p2p_{plan.stage}_paid",
        reference=f"p2p:{tx.id}",
    )
    now = utcnow()
    metrics.count_operation(session, "escrow", "payment_made")  # a deposit or a remainder
    if plan.stage == "deposit":
        tx.deposit_payin_id, tx.deposit_seller_hold_id, tx.deposit_fee_hold_id = (
            result.payin_id,
            seller_hold_id,
            fee_hold_id,
        )
        tx.deposit_paid = tx.updated_at = now
        tx.deposit_acceptance_deadline = now + timing.deposit_acceptance
        tx.status = TransactionStatus.DEPOSIT_PAID
        await session.flush()
        await at_deadline(
            session, EscrowJob.P2P_DEPOSIT_ACCEPTANCE, tx.id, tx.deposit_acceptance_deadline, "escrow:p2p_deposit"
        )
        await FLOW.tell(session, tx, "deposit_paid", actor.user_id, "The buyer paid the deposit: accept it.")
    else:
        tx.remainder_payin_id, tx.remainder_seller_hold_id, tx.remainder_fee_hold_id = (
            result.payin_id,
            seller_hold_id,
            fee_hold_id,
        )
        tx.remainder_paid = tx.updated_at = now
        await FLOW.moved(
            session,
            tx,
            TransactionStatus.REMAINDER_PAID,
            actor.user_id,
            "The buyer paid the remainder: hand the item over.",
        )
    return tx


# ---------------------------------------------------------------- the seller's steps


async def accept_deposit(session: AsyncSession, actor: Actor, tx_id: int) -> EscrowP2PTransaction:
    tx = await FLOW.load(session, actor, tx_id)
    only(tx, actor, "seller", "accept the deposit")
    not_ended(tx)
    if tx.payin_stage == "deposit":  # charged, outcome not recorded yet
        raise state_error("deposit_payment_in_review", "The deposit payment is still being processed.")
    if tx.deposit_paid is None:
        raise state_error("deposit_not_paid", "The deposit has not been paid yet.")
    if tx.deposit_accepted is not None:
        raise state_error("deposit_already_accepted", "The deposit has already been accepted.")
    tx.deposit_accepted = tx.updated_at = utcnow()
    return await FLOW.moved(
        session, tx, TransactionStatus.DEPOSIT_ACCEPTED, actor.user_id, "The seller accepted your deposit."
    )


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
    tx = await FLOW.load(session, actor, tx_id)
    only(tx, actor, "seller", "set the price")
    not_ended(tx)
    if currency is not None and currency.lower() != tx.currency:
        raise charges.code_error("currency", "must be the transaction's currency", "currency_mismatch")
    if tx.remainder_skipped is not None:
        raise state_error("remainder_already_skipped", "The seller skipped the remainder: the deposit is the price.")
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
    return await FLOW.moved(
        session, tx, TransactionStatus.PRICED, actor.user_id, "The seller set the price: pay the rest."
    )


def _fully_paid(tx: EscrowP2PTransaction) -> bool:
    """The whole price is held: the remainder was paid, or skipped and the deposit accepted."""
    return tx.remainder_paid is not None or (tx.remainder_skipped is not None and tx.deposit_accepted is not None)


def _skip(tx: EscrowP2PTransaction) -> None:
    """The deposit is the whole price: the transaction goes to the handover once it is accepted."""
    tx.price, tx.charge, tx.charge_seller = tx.deposit_price, tx.deposit_charge, tx.deposit_charge_seller
    tx.calc_version = tx.deposit_calc_version
    tx.remainder_skipped = tx.priced = tx.updated_at = utcnow()


async def skip_remainder(session: AsyncSession, actor: Actor, tx_id: int) -> EscrowP2PTransaction:
    """The spec's skip_remainder: allowed until the total price is set."""
    tx = await FLOW.load(session, actor, tx_id)
    only(tx, actor, "seller", "skip the remainder")
    not_ended(tx)
    if tx.priced is not None:
        raise state_error("price_already_set", "The price has already been set.")
    _skip(tx)
    await session.flush()
    await FLOW.tell(session, tx, "remainder_skipped", actor.user_id, "The deposit is the whole price.")
    return tx


# ---------------------------------------------------------------- handover, complaint, release


async def confirm_handover(session: AsyncSession, actor: Actor, tx_id: int, timing: Timing) -> EscrowP2PTransaction:
    tx = await FLOW.load(session, actor, tx_id)
    not_ended(tx)
    if tx.payin_stage == "remainder":  # charged, outcome not recorded yet
        raise state_error("remainder_payment_in_review", "The remainder payment is still being processed.")
    if not _fully_paid(tx):
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
        tx.status = TransactionStatus.HANDOVER_CONFIRMED
        tx.complaint_period_deadline = now + timing.complaint_period
    await session.flush()
    if both:
        assert tx.complaint_period_deadline is not None
        await at_deadline(
            session, EscrowJob.P2P_COMPLAINT_PERIOD, tx.id, tx.complaint_period_deadline, "escrow:p2p_complaint"
        )
    await FLOW.tell(
        session,
        tx,
        "handover_confirmed",
        actor.user_id,
        "The handover is confirmed; the complaint period has started."
        if both
        else "The other party confirmed the handover: confirm it too.",
    )
    return tx


async def complain(session: AsyncSession, actor: Actor, tx_id: int, description: str | None) -> EscrowP2PTransaction:
    tx = await FLOW.load(session, actor, tx_id)
    only(tx, actor, "buyer", "complain")
    if tx.funds_released is not None or tx.refunded is not None:
        raise state_error("funds_already_released", "The funds have already been released.")
    not_ended(tx)
    if not _fully_paid(tx):
        raise state_error("remainder_required", "The remainder must be paid before a complaint.")
    if tx.complained is not None:
        raise state_error("already_complained", "A complaint has already been submitted.")
    if tx.complaint_period_deadline is not None and utcnow() >= tx.complaint_period_deadline:
        raise state_error("complaint_period_expired", "The complaint period has expired.")
    return await FLOW.record_complaint(session, tx, actor, description)


def _payment_holds(tx: EscrowP2PTransaction, *, deposit_only: bool = False) -> list[tuple[int | None, str]]:
    """(pending transfer, code when posted) of each payment's reservations, deposit first."""
    holds = [(tx.deposit_seller_hold_id, "escrow.released"), (tx.deposit_fee_hold_id, "escrow.fee")]
    if not deposit_only:
        holds += [(tx.remainder_seller_hold_id, "escrow.released"), (tx.remainder_fee_hold_id, "escrow.fee")]
    return holds


async def _release(
    session: AsyncSession, tx: EscrowP2PTransaction, actor_id: int | None, *, deposit_only: bool
) -> None:
    await post_holds(session, tx, _payment_holds(tx, deposit_only=deposit_only))
    if not deposit_only:
        tx.status = TransactionStatus.FUNDS_RELEASED
    await FLOW.released(session, tx, actor_id)


async def _refund(session: AsyncSession, tx: EscrowP2PTransaction) -> int:
    """Void every open reservation and send each card payment back. Returns the amount."""
    payments = [
        Payment(payin_id, _stage_amount(tx, stage), f"trustap-p2p-{tx.id}-{stage}-refund")
        for payin_id, stage in ((tx.deposit_payin_id, "deposit"), (tx.remainder_payin_id, "remainder"))
        if payin_id is not None
    ]
    holds = [hold for hold, _ in _payment_holds(tx)]
    total = await return_payments(session, tx, holds, payments, reference=f"p2p:{tx.id}")
    now = utcnow()
    tx.amount_refunded = total
    tx.deposit_refunded = now
    if tx.remainder_payin_id is not None or tx.remainder_skipped is not None:
        tx.refunded = now  # every payment of the price went back
    tx.updated_at = now
    await session.flush()
    return total


async def cancel(session: AsyncSession, actor: Actor, tx_id: int, reason: str | None = None) -> EscrowP2PTransaction:
    tx = await FLOW.load(session, actor, tx_id)
    not_ended(tx)
    if tx.joined is None:
        raise state_error("second_party_not_joined", "The other party has not joined the transaction yet.")
    if tx.buyer_handover_confirmed is not None or tx.seller_handover_confirmed is not None:
        raise state_error("handover_already_confirmed", "The handover has already been confirmed.")
    if _fully_paid(tx):
        raise state_error("remainder_already_paid", "The remainder has already been paid.")
    if tx.payin_stage is not None:
        raise state_error("payment_in_progress", "A payment for this transaction is in progress.")
    now = utcnow()
    if tx.deposit_paid is not None:
        if actor.user_id == tx.buyer_id and tx.deposit_accepted is not None:
            await _release(session, tx, actor.user_id, deposit_only=True)  # the buyer walked away
        else:
            await _refund(session, tx)
    tx.cancelled = tx.updated_at = now
    tx.cancelled_by = actor.user_id
    tx.cancellation_reason = (reason or "").strip() or ("cancelled by the " + _role(tx, actor.user_id))
    return await FLOW.moved(session, tx, TransactionStatus.CANCELLED, actor.user_id, "Your transaction was cancelled.")


def _role(tx: EscrowP2PTransaction, user_id: int) -> str:
    return "seller" if user_id == tx.seller_id else "buyer"


async def deposit_acceptance_passed(session: AsyncSession, tx_id: int) -> bool:
    """Job: the seller never accepted the deposit, so the buyer gets it back."""
    tx = await FLOW.lock(session, tx_id)
    if tx is None or tx.deposit_paid is None or tx.deposit_accepted is not None or tx.cancelled is not None:
        return False
    assert tx.deposit_acceptance_deadline is not None
    if utcnow() < tx.deposit_acceptance_deadline:
        return False
    await _refund(session, tx)
    tx.cancelled = tx.updated_at = utcnow()
    tx.cancellation_reason = "deposit_not_accepted"
    await FLOW.moved(
        session,
        tx,
        TransactionStatus.CANCELLED,
        None,
        "The deposit was not accepted in time and was refunded.",
        event="deposit_refunded",
    )
    return True


# ---------------------------------------------------------------- the deposit's payment method


@dataclass(frozen=True)
class DepositPaymentMethod:
    """set_deposit_payment_method (the spec's p2p.DepositPaymentMethod): the method and the
    deposit's fees the caller was quoted for it (GET /p2p/charge)."""

    payment_method: str
    charge_config: int | None
    currency: str
    deposit_price: int
    deposit_charge: int
    deposit_charge_seller: int | None


async def set_deposit_payment_method(
    session: AsyncSession, actor: Actor, tx_id: int, choice: DepositPaymentMethod
) -> EscrowP2PTransaction:
    """Either party sets how the deposit will be paid, before it is paid; the deposit's fees
    become the current calculator's for that method (the quote must match). Setting what is
    already set is the spec's `payment_method_already_set`."""
    tx = await FLOW.load(session, actor, tx_id)
    not_ended(tx)
    if tx.deposit_paid is not None:
        raise charges.code_error("deposit_price", "the deposit has already been paid", "deposit_already_paid")
    if tx.payin_stage is not None:
        raise state_error("payment_in_progress", "A payment for this transaction is in progress.")
    if choice.currency.lower() != tx.currency:
        raise charges.code_error("currency", f"must be the transaction's currency {tx.currency}", "incorrect_currency")
    if choice.deposit_price != tx.deposit_price:
        raise charges.code_error("deposit_price", "must be the transaction's deposit price", "incorrect_price")
    fees = await charges.for_payment_method(
        session,
        "p2p",
        payment_method=choice.payment_method,
        charge_config=choice.charge_config,
        currency=tx.currency,
        price=tx.deposit_price,
        charge=choice.deposit_charge,
        charge_seller=choice.deposit_charge_seller,
        fields=("deposit_charge", "deposit_charge_seller"),
    )
    if (tx.deposit_payment_method, tx.deposit_calc_version) == (fees.payment_method, fees.version):
        raise charges.code_error(
            "payment_method", "this payment method and charge config are already set", "payment_method_already_set"
        )
    tx.deposit_payment_method, tx.deposit_calc_version = fees.payment_method, fees.version
    tx.deposit_charge, tx.deposit_charge_seller = fees.charge, fees.charge_seller
    tx.updated_at = utcnow()
    await session.flush()
    return tx
