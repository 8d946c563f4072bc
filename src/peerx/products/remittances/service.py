"""The Peex remittance rules: payment requests and the nine statuses, the partner's XAF solde held
two-phase around each payout, and the platform's float at the mobile-money operator (partners and
platform users are in partners.py). Takes a session, raises core errors, emits events; the caller (request,
job or operator action) owns the transaction.

Status machine (docs/remittances.md):

    created -> max_amount | balance_pending | mw_balance_pending | new
    new -> pending (sent to the rail) -> paid | failed
    balance_pending, mw_balance_pending -> (re-checked every retry interval) ... | rejected (timer)
    max_amount -> (operator retry) ... | rejected (timer)
    new, balance_pending, mw_balance_pending, max_amount -> canceled (operator)
    failed -> (operator retry, a new payout reference) ...
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core import ledger, metrics
from peerx.core.db import utcnow
from peerx.core.errors import Conflict, Forbidden, InsufficientFunds, InvalidField, NotFound, Unauthorized
from peerx.core.events import emit
from peerx.core.jobs import enqueue
from peerx.core.money import from_minor, round_to_minor, to_minor
from peerx.core.parties import Caller
from peerx.products.remittances import repository
from peerx.products.remittances.common import (
    COUNTRY,
    CURRENCY,
    NETWORK_RAILS,
    RAIL_NETWORKS,
    SURFACE,
    TYPE,
    Policy,
    fees_account,
    in_flight_account,
    untracked_payouts_account,
    wallet_account,
    wire_time,
)
from peerx.products.remittances.models import Beneficiary, RemittanceStatus, Sender, Transaction
from peerx.products.remittances.partners import effective_max_amount, partner_profile
from peerx.rails import floats
from peerx.rails.msisdn import cameroon_network
from peerx.rails.payouts import PayoutRequest

STATUSES = tuple(RemittanceStatus)
# Bounds that keep every amount inside the 64-bit columns and ledger sums: far above any real
# remittance (the partner's maximum, 1 000 000 XAF by default, decides what is paid).
MAX_MINOR = 10**15  # amount in from_currency's minor units
MAX_TO_AMOUNT = 10**15  # XAF
WAITING = (RemittanceStatus.BALANCE_PENDING, RemittanceStatus.MW_BALANCE_PENDING, RemittanceStatus.MAX_AMOUNT)
CANCELABLE = (RemittanceStatus.NEW, *WAITING)  # nothing has been sent to a rail yet
# payment_proof of a rejected transaction, by the state it waited in (the document's sample
# shows AMOUNT_EXCEED_THRESHOLD).
REJECTION_REASONS: dict[str, str] = {
    RemittanceStatus.BALANCE_PENDING: "INSUFFICIENT_FUNDS",
    RemittanceStatus.MW_BALANCE_PENDING: "INSUFFICIENT_MW_BALANCE",
    RemittanceStatus.MAX_AMOUNT: "AMOUNT_EXCEED_THRESHOLD",
}


async def _try_hold(
    session: AsyncSession, debit: ledger.AccountSpec, credit: ledger.AccountSpec, amount: int, *, code: str, ref: str
) -> int | None:
    """A pending transfer, or None when the debit side cannot cover it. The savepoint undoes the
    refused attempt (and expires the accounts it touched), so the unit of work goes on."""
    try:
        async with session.begin_nested():
            debit_account = await ledger.get_account(session, debit)
            credit_account = await ledger.get_account(session, credit)
            moved = await ledger.transfer(
                session, debit_account, credit_account, amount, code=code, reference=ref, pending=True
            )
            return moved.id
    except InsufficientFunds:
        return None


def _ref(tx: Transaction) -> str:
    return f"peex:{tx.id}"


# ---------------------------------------------------------------- payment requests


@dataclass(frozen=True)
class PaymentRequest:
    """A request_payment body after the document's field and format rules (schemas.py)."""

    track_id: str
    amount: Decimal
    from_currency: str
    to_currency: str
    fxrate: Decimal
    email: str | None
    msisdn: str | None  # 237..., when mobile_phone was given
    network: str | None
    mobile_phone: str | None  # as given, +237...
    first_name: str | None
    last_name: str | None
    to_country: str
    sender_first_name: str | None
    sender_last_name: str | None
    sender_email: str | None
    sender_mobile_phone: str  # +E.164
    sender_country: str
    purpose: str
    fund_origin: str


def convert(amount: Decimal, from_currency: str, fxrate: Decimal) -> tuple[int, int]:
    """(amount in from_currency minor units, to_amount in XAF): to_amount = amount x fxrate,
    rounded once to XAF's 0 decimals by the platform's rule (ROUND_HALF_UP)."""
    try:
        amount_minor = to_minor(amount, from_currency)
    except ValueError as exc:
        raise InvalidField("amount", str(exc)) from None
    if amount_minor > MAX_MINOR:
        raise InvalidField("amount", f"is too large for {from_currency}")
    to_amount = round_to_minor(from_minor(amount_minor, from_currency) * fxrate, CURRENCY)
    if to_amount < 1:
        raise InvalidField("amount", "multiplied by fxrate must come to at least 1 XAF")
    if to_amount > MAX_TO_AMOUNT:
        raise InvalidField("amount", f"multiplied by fxrate must come to at most {MAX_TO_AMOUNT} XAF")
    return amount_minor, to_amount


async def _sender(session: AsyncSession, caller: Caller, request: PaymentRequest) -> Sender:
    msisdn = request.sender_mobile_phone.removeprefix("+")
    found = await repository.sender(session, caller, msisdn)
    if found is not None:
        return found
    for name in ("sender_first_name", "sender_last_name"):
        if not getattr(request, name):
            raise InvalidField(name, "is required for the first transaction of this sender")
    return await repository.add_sender_once(
        session, caller, msisdn, first_name=request.sender_first_name, last_name=request.sender_last_name
    )


async def request_payment(
    session: AsyncSession, caller: Caller, request: PaymentRequest, policy: Policy
) -> Transaction:
    partner = await partner_profile(session, caller.party_id, policy)
    if not partner.is_activated:
        raise Unauthorized("Your account is not activated.")
    amount_minor, to_amount = convert(request.amount, request.from_currency, request.fxrate)
    beneficiary: Beneficiary | None = None
    first_name, last_name = request.first_name, request.last_name
    if request.msisdn is not None and request.network is not None and request.mobile_phone is not None:
        msisdn, network, identifier = request.msisdn, request.network, request.mobile_phone
    else:
        assert request.email is not None
        beneficiary = await repository.beneficiary(session, caller.livemode, request.email)
        if beneficiary is None:
            raise NotFound("The given user is not found in peex platform.")
        msisdn, identifier = beneficiary.msisdn, request.email
        found_network = cameroon_network(msisdn)
        if found_network is None:  # checked at registration; a plan change could undo it
            raise InvalidField("email", "belongs to a platform user without an MTN or Orange wallet")
        network = found_network
        first_name, last_name = first_name or beneficiary.first_name, last_name or beneficiary.last_name
    if await repository.track_id_taken(session, caller, request.track_id):
        raise InvalidField("track_id", "has already been taken")
    sender = await _sender(session, caller, request)
    now = utcnow()
    tx = Transaction(
        party_id=caller.party_id,
        livemode=caller.livemode,
        track_id=request.track_id,
        status=RemittanceStatus.NEW,
        type=TYPE,
        identifier_by=identifier,
        beneficiary_id=beneficiary.id if beneficiary else None,
        msisdn=msisdn,
        network=network,
        first_name=first_name,
        last_name=last_name,
        to_country=request.to_country,
        amount=amount_minor,
        from_currency=request.from_currency,
        to_currency=request.to_currency,
        fxrate=request.fxrate,
        to_amount=to_amount,
        fee=partner.mtn_fees if network == "mtn" else partner.orange_fees,
        sender_id=sender.id,
        sender_first_name=request.sender_first_name or sender.first_name,
        sender_last_name=request.sender_last_name or sender.last_name,
        sender_email=request.sender_email,
        sender_mobile_phone=request.sender_mobile_phone,
        sender_country=request.sender_country,
        purpose=request.purpose,
        fund_origin=request.fund_origin,
        payout_reference=str(uuid.uuid4()),
        cycle=0,
        created_at=now,
        updated_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(tx)
    except IntegrityError:  # the same track_id committed by a concurrent request
        raise InvalidField("track_id", "has already been taken") from None
    await advance(session, tx, effective_max_amount(partner, policy), policy, created=True)
    metrics.count_operation(session, "remittances", "payment_requested")
    return tx


# ---------------------------------------------------------------- moving a transaction on


async def _reserve(session: AsyncSession, tx: Transaction, max_amount: int) -> str:
    """Take what a payout needs, in order; the status to stop at ("new" when all is held)."""
    if tx.hold_transfer_id is None:
        if tx.to_amount > max_amount:
            return RemittanceStatus.MAX_AMOUNT
        hold = await _try_hold(
            session,
            wallet_account(tx.party_id, tx.livemode),
            in_flight_account(tx.livemode),
            tx.to_amount + tx.fee,
            code="remittances.hold",
            ref=_ref(tx),
        )
        if hold is None:
            return RemittanceStatus.BALANCE_PENDING
        tx.hold_transfer_id = hold
    rail = NETWORK_RAILS[tx.network]
    if tx.float_transfer_id is None and await floats.find_float(session, rail, CURRENCY, tx.livemode) is not None:
        reserved = await _try_hold(
            session,
            in_flight_account(tx.livemode),
            floats.float_account(rail, CURRENCY, tx.livemode),
            tx.to_amount,
            code="remittances.float_reserve",
            ref=_ref(tx),
        )
        if reserved is None:
            return RemittanceStatus.MW_BALANCE_PENDING
        tx.float_transfer_id = reserved
    return RemittanceStatus.NEW


async def advance(
    session: AsyncSession, tx: Transaction, max_amount: int, policy: Policy, *, created: bool = False
) -> None:
    """Move a transaction that has no payout in flight as far as money allows, and set the status
    it stops at: queue the payout ("new"), or wait (a new wait, with its timer, per state)."""
    status = await _reserve(session, tx, max_amount)
    if status == RemittanceStatus.NEW:
        tx.waiting_since = None
        await enqueue(session, "remittances.payout", {"transaction_id": tx.id, "reference": tx.payout_reference})
    elif created or status != tx.status:
        tx.cycle += 1
        tx.waiting_since = utcnow()
        due = (
            policy.reject_after
            if status == RemittanceStatus.MAX_AMOUNT
            else min(policy.retry_every, policy.reject_after)
        )
        await enqueue(
            session,
            "remittances.wait",
            {"transaction_id": tx.id, "cycle": tx.cycle},
            run_at=tx.waiting_since + due,
        )
    await _set_status(session, tx, status, force=created)


def wait_deadline(tx: Transaction, policy: Policy) -> datetime | None:
    return tx.waiting_since + policy.reject_after if tx.waiting_since is not None else None


async def _set_status(session: AsyncSession, tx: Transaction, status: str, *, force: bool = False) -> None:
    if status == tx.status and not force:
        return
    tx.status = status
    tx.updated_at = utcnow()
    await session.flush()
    await emit(
        session,
        surface=SURFACE,
        type=f"request.{status}",
        livemode=tx.livemode,
        party_id=tx.party_id,
        body=transaction_view(tx),
    )


async def _release(session: AsyncSession, tx: Transaction, code: str) -> None:
    """Give back what the transaction holds: the partner's solde and the float."""
    if tx.hold_transfer_id is not None:
        await ledger.void_pending(session, tx.hold_transfer_id, code=code)
        tx.hold_transfer_id = None
    if tx.float_transfer_id is not None:
        await ledger.void_pending(session, tx.float_transfer_id, code=code)
        tx.float_transfer_id = None


async def _locked(session: AsyncSession, transaction_id: int) -> Transaction:
    tx = await repository.lock_transaction(session, transaction_id)
    if tx is None:
        raise NotFound(f"remittance {transaction_id} not found")
    return tx


async def mark_sent(session: AsyncSession, tx: Transaction, rail: str) -> None:
    tx.rail, tx.sent_at = rail, utcnow()
    await _set_status(session, tx, RemittanceStatus.PENDING)


async def mark_paid(session: AsyncSession, tx: Transaction, proof: str) -> None:
    assert tx.hold_transfer_id is not None
    await ledger.post_pending(session, tx.hold_transfer_id, code="remittances.paid")
    in_flight = await ledger.get_account(session, in_flight_account(tx.livemode))
    if tx.float_transfer_id is not None:
        await ledger.post_pending(session, tx.float_transfer_id, code="remittances.paid")
    else:
        paid_out = await ledger.get_account(session, untracked_payouts_account(NETWORK_RAILS[tx.network], tx.livemode))
        await ledger.transfer(session, in_flight, paid_out, tx.to_amount, code="remittances.paid", reference=_ref(tx))
    if tx.fee > 0:
        fees = await ledger.get_account(session, fees_account(tx.livemode))
        await ledger.transfer(session, in_flight, fees, tx.fee, code="remittances.fee", reference=_ref(tx))
    tx.provider_reference = proof
    tx.payment_proof = proof  # the confirmation identifier the partner waited for
    await _set_status(session, tx, RemittanceStatus.PAID)


async def mark_failed(session: AsyncSession, tx: Transaction, reason: str) -> None:
    await _release(session, tx, "remittances.failed")
    tx.payment_proof = reason
    await _set_status(session, tx, RemittanceStatus.FAILED)


def payout_request(tx: Transaction) -> PayoutRequest:
    return PayoutRequest(
        reference=tx.payout_reference,
        amount_minor=tx.to_amount,
        currency=CURRENCY,
        account_number=tx.msisdn,
        account_name=" ".join(n for n in (tx.first_name, tx.last_name) if n),
        note=f"Peex transfer {tx.id}",
        country=COUNTRY,
        metadata={"network": tx.network},
    )


async def on_wait_timer(session: AsyncSession, transaction_id: int, cycle: int, policy: Policy) -> datetime | None:
    """One tick of a waiting transaction: reject it past its time, else try to move it on.
    Returns when to tick again (None: the wait is over)."""
    tx = await repository.lock_transaction(session, transaction_id)
    if tx is None or tx.status not in WAITING or tx.cycle != cycle:
        return None  # moved on (funded, canceled, retried) since this timer was set
    deadline = wait_deadline(tx, policy)
    assert deadline is not None
    now = utcnow()
    if now >= deadline:
        await reject(session, tx)
        return None
    if tx.status == RemittanceStatus.MAX_AMOUNT:
        return deadline  # only an operator's retry (or the deadline) moves it
    partner = await partner_profile(session, tx.party_id, policy)
    await advance(session, tx, effective_max_amount(partner, policy), policy)
    if tx.status in WAITING and tx.cycle == cycle:
        return min(now + policy.retry_every, deadline)
    return None


async def reject(session: AsyncSession, tx: Transaction) -> None:
    reason = REJECTION_REASONS[tx.status]
    await _release(session, tx, "remittances.rejected")
    tx.payment_proof = reason
    tx.waiting_since = None
    await _set_status(session, tx, RemittanceStatus.REJECTED)


async def resume_waiting_for_float(session: AsyncSession, transaction_id: int, policy: Policy) -> None:
    tx = await repository.lock_transaction(session, transaction_id)
    if tx is None or tx.status != RemittanceStatus.MW_BALANCE_PENDING:
        return
    partner = await partner_profile(session, tx.party_id, policy)
    await advance(session, tx, effective_max_amount(partner, policy), policy)


async def waiting_for_float(session: AsyncSession, rail: str, livemode: bool) -> list[int]:
    return await repository.waiting_for_float(session, RAIL_NETWORKS.get(rail), livemode)


# ---------------------------------------------------------------- operator actions


async def cancel(session: AsyncSession, transaction_id: int, reason: str) -> Transaction:
    reason = reason.strip()
    if not reason:
        raise InvalidField("reason", "is required")
    tx = await _locked(session, transaction_id)
    if tx.status not in CANCELABLE:
        raise Conflict(
            f"remittance {transaction_id} is {tx.status}: only new, waiting or max_amount remittances can be canceled"
        )
    await _release(session, tx, "remittances.canceled")
    tx.payment_proof = reason[:1000]
    tx.waiting_since = None
    await _set_status(session, tx, RemittanceStatus.CANCELED)
    return tx


async def retry(session: AsyncSession, transaction_id: int, policy: Policy) -> Transaction:
    """Try again now: a waiting (or max_amount) remittance is re-checked at once, with the
    partner's current limit; a failed one is paid again under a new payout reference (the
    provider said the first one failed, so a second payout cannot pay twice)."""
    tx = await _locked(session, transaction_id)
    partner = await partner_profile(session, tx.party_id, policy)
    limit = effective_max_amount(partner, policy)
    if tx.status == RemittanceStatus.FAILED:
        tx.payout_reference = str(uuid.uuid4())
        tx.rail = tx.sent_at = tx.provider_reference = tx.payment_proof = None
        await advance(session, tx, limit, policy, created=True)
        return tx
    if tx.status not in WAITING:
        raise Conflict(f"remittance {transaction_id} is {tx.status}: only failed or waiting remittances can be retried")
    before = tx.status
    await advance(session, tx, limit, policy)
    if tx.status == before:
        float_name = NETWORK_RAILS[tx.network]
        reasons: dict[str, str] = {
            RemittanceStatus.MAX_AMOUNT: f"{tx.to_amount} XAF is above the partner's maximum of {limit} XAF",
            RemittanceStatus.BALANCE_PENDING: f"the partner's solde does not cover {tx.to_amount + tx.fee} XAF",
            RemittanceStatus.MW_BALANCE_PENDING: f"the {float_name} float does not cover {tx.to_amount} XAF",
        }
        why = reasons[before]
        raise Conflict(f"remittance {transaction_id} is still {before}: {why}")
    return tx


async def settle(session: AsyncSession, transaction_id: int, *, paid: bool, note: str) -> Transaction:
    """An operator's verdict on a payout the manual rail cannot decide (or one stuck at a rail)."""
    tx = await _locked(session, transaction_id)
    if tx.status != RemittanceStatus.PENDING:
        raise Conflict(f"remittance {transaction_id} is {tx.status}: only pending payouts can be settled")
    if paid:
        await mark_paid(session, tx, note.strip() or tx.payout_reference)
    else:
        await mark_failed(session, tx, note.strip() or "PAYOUT_FAILED")
    return tx


# ---------------------------------------------------------------- reading


async def by_track_id(session: AsyncSession, caller: Caller, track_id: str) -> list[Transaction]:
    rows = await repository.by_track_id(session, caller, track_id)
    if rows:
        return rows
    if await repository.track_id_of_another(session, caller, track_id):
        raise Forbidden("The transaction does not belong to you.")
    raise NotFound("There is no transaction for the given track_id.")


def amount_view(amount_minor: int, currency: str) -> Decimal:
    """The amount as the partner sent it: 10, 6789.23 (the document's samples print 10)."""
    value = from_minor(amount_minor, currency)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def transaction_view(tx: Transaction, *, with_type: bool = True) -> dict[str, Any]:
    """The document's transaction object; request_payment's sample shows it without `type`."""
    view: dict[str, Any] = {
        "id": tx.id,
        "amount": amount_view(tx.amount, tx.from_currency),
        "status": tx.status,
        "from_currency": tx.from_currency,
        "to_currency": tx.to_currency,
        "created_at": wire_time(tx.created_at),
        "updated_at": wire_time(tx.updated_at),
        "payment_proof": tx.payment_proof,
        "identifier_by": tx.identifier_by,
        "track_id": tx.track_id,
    }
    if with_type:
        view["type"] = tx.type
    return view


def operator_view(tx: Transaction) -> dict[str, Any]:
    """Everything an operator needs to judge a remittance (ops API and CLI)."""
    return {
        **transaction_view(tx),
        "account_id": tx.party_id,
        "livemode": tx.livemode,
        "fxrate": tx.fxrate,
        "to_amount": tx.to_amount,
        "fee": tx.fee,
        "network": tx.network,
        "mobile_phone": "+" + tx.msisdn,
        "rail": tx.rail,
        "payout_reference": tx.payout_reference,
        "waiting_since": wire_time(tx.waiting_since) if tx.waiting_since else None,
    }
