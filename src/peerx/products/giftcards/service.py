"""The gift-card desk's rules: rates, trades and their review, the merchant's GHS wallet, and
withdrawals paid out through a rail. Takes a session, raises core errors, emits events; the
caller (request, job or CLI) owns the transaction."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core import ledger, metrics
from peerx.core.db import utcnow
from peerx.core.errors import Conflict, InvalidField, NotFound
from peerx.core.events import WebhookEndpoint, emit
from peerx.core.jobs import enqueue
from peerx.core.money import EXPONENTS, from_minor, round_to_minor, to_minor
from peerx.core.parties import Caller
from peerx.core.secrets import FieldCipher
from peerx.core.storage import FileStore
from peerx.products.giftcards import repository
from peerx.products.giftcards.models import Rate, Trade, TradeStatus, Withdrawal, WithdrawalStatus
from peerx.products.giftcards.sandbox import outcome_for
from peerx.rails.msisdn import ghana_network, normalize_msisdn

SURFACE = "peertupeer"
PAYOUT_CURRENCY = "GHS"
CARD_NUMBER_CONTEXT = "giftcards.card_number"
MAX_CARD_AMOUNT = Decimal(10_000)
MAX_QUANTITY = 100
MIN_WITHDRAWAL = Decimal("1.00")
METHOD_NETWORKS = {"mtn_momo": "mtn", "vodafone_cash": "telecel", "airteltigo_money": "airteltigo"}
WITHDRAWAL_METHODS = (*METHOD_NETWORKS, "bank_transfer")

# Money accounts this product uses (besides each merchant's GHS wallet):
# the platform pays for cards it buys out of `giftcard_purchases`; its fee is revenue in `fees`;
# withdrawals wait in `payouts_in_flight` until the rail confirms them.


def purchases_account(livemode: bool) -> ledger.AccountSpec:
    return ledger.platform_account("giftcard_purchases", PAYOUT_CURRENCY, livemode)


def fees_account(livemode: bool) -> ledger.AccountSpec:
    return ledger.platform_account("fees", PAYOUT_CURRENCY, livemode)


def in_flight_account(livemode: bool) -> ledger.AccountSpec:
    return ledger.platform_account("payouts_in_flight", PAYOUT_CURRENCY, livemode)


def wallet_account(party_id: int, livemode: bool) -> ledger.AccountSpec:
    return ledger.party_wallet(party_id, PAYOUT_CURRENCY, livemode)


def new_reference(prefix: str) -> str:
    return prefix + secrets.token_hex(5).upper()


# ---------------------------------------------------------------- rates


def check_rate_values(rate_per_unit: Decimal, fee_pct: Decimal) -> None:
    if rate_per_unit <= 0 or rate_per_unit.as_tuple().exponent < -6:  # type: ignore[operator]
        raise InvalidField("rate", "must be greater than 0 with at most 6 decimal places")
    if not Decimal(0) <= fee_pct < Decimal(100) or fee_pct.as_tuple().exponent < -4:  # type: ignore[operator]
        raise InvalidField("fee_pct", "must be at least 0 and below 100, with at most 4 decimal places")


async def set_rate(
    session: AsyncSession,
    *,
    card_type_id: int,
    card_name: str,
    country: str,
    currency: str,
    rate_per_unit: Decimal,
    fee_pct: Decimal,
    active: bool = True,
) -> Rate:
    """Create or change a rate; subscribers of both modes get rate.updated (rates are global)."""
    currency = currency.strip().upper()
    country = country.strip().upper()
    if currency not in EXPONENTS:
        raise InvalidField("currency", "must be a supported ISO 4217 code")
    if not card_name.strip() or not country:
        raise InvalidField("card_name" if not card_name.strip() else "country", "is required")
    check_rate_values(rate_per_unit, fee_pct)
    now = utcnow()
    rate = await repository.rate_for_update(session, card_type_id, country, currency)
    if rate is None:
        rate = Rate(
            card_type_id=card_type_id,
            country=country,
            currency=currency,
            created_at=now,
            card_name="",
            rate_per_unit=rate_per_unit,
            platform_fee_pct=fee_pct,
            active=active,
            updated_at=now,
        )
        session.add(rate)
    rate.card_name = card_name.strip()
    rate.rate_per_unit = rate_per_unit
    rate.platform_fee_pct = fee_pct
    rate.active = active
    rate.updated_at = now
    await session.flush()
    for livemode in (True, False):
        await emit(
            session,
            surface=SURFACE,
            type="rate.updated",
            livemode=livemode,
            body=event_body("rate.updated", rate_view(rate)),
        )
    return rate


async def rate_subscriptions(session: AsyncSession, caller: Caller) -> list[WebhookEndpoint]:
    """The caller's rate.updated subscriptions (endpoints that receive only that event)."""
    endpoints = await repository.active_endpoints(session, caller, SURFACE)
    # Filtered here, not in SQL: JSON has no portable equality (PostgreSQL has no json = json).
    return [e for e in endpoints if e.event_types == ["rate.updated"]]


async def rate_subscription(session: AsyncSession, caller: Caller, subscription_id: int) -> WebhookEndpoint:
    found = next((e for e in await rate_subscriptions(session, caller) if e.id == subscription_id), None)
    if found is None:
        raise NotFound("Subscription not found.")
    return found


def wire_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def rate_view(rate: Rate) -> dict[str, Any]:
    return {
        "card_type_id": rate.card_type_id,
        "card_name": rate.card_name,
        "country": rate.country,
        "currency": rate.currency,
        "rate_per_unit": rate.rate_per_unit,
        "platform_fee_pct": rate.platform_fee_pct,
        "updated_at": wire_time(rate.updated_at),
    }


def event_body(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"event": event_type, "timestamp": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"), "data": data}


# ---------------------------------------------------------------- trades


@dataclass(frozen=True)
class Upload:
    field: str
    data: bytes


@dataclass(frozen=True)
class TradeSubmission:
    card_type_id: int
    country: str
    currency: str
    card_amount: Decimal
    quantity: int
    notes: str | None
    card_number: str | None
    front_image: Upload
    back_image: Upload
    receipt_image: Upload | None


@dataclass(frozen=True)
class Payout:
    gross: int
    fee: int
    net: int


def compute_payout(card_amount_minor: int, currency: str, quantity: int, rate: Decimal, fee_pct: Decimal) -> Payout:
    """gross = face value x quantity x rate (GHS); fee = gross x pct / 100; net = gross - fee.
    Each rounded once, half up, to the pesewa; net is a difference so gross = net + fee exactly."""
    face = from_minor(card_amount_minor, currency) * quantity
    gross = round_to_minor(face * rate, PAYOUT_CURRENCY)
    fee = round_to_minor(from_minor(gross, PAYOUT_CURRENCY) * fee_pct / 100, PAYOUT_CURRENCY)
    return Payout(gross=gross, fee=fee, net=gross - fee)


def parse_card_amount(raw: Decimal, currency: str, field: str = "card_amount") -> int:
    if raw <= 0:
        raise InvalidField(field, "must be greater than 0")
    if raw > MAX_CARD_AMOUNT:
        raise InvalidField(field, f"must be at most {MAX_CARD_AMOUNT}")
    try:
        return to_minor(raw, currency)
    except ValueError as exc:
        raise InvalidField(field, str(exc)) from None


# Built once, executed with the row's values as parameters: compiled once (SQLAlchemy's cache).
_TRADES = cast(Table, Trade.__table__)
TRADE_INSERT = insert(_TRADES).returning(_TRADES.c.id)


async def submit_trade(
    session: AsyncSession,
    files: FileStore,
    cipher: FieldCipher,
    caller: Caller,
    submission: TradeSubmission,
    *,
    sandbox_delay: timedelta,
) -> Trade:
    if submission.quantity < 1 or submission.quantity > MAX_QUANTITY:
        raise InvalidField("quantity", f"must be between 1 and {MAX_QUANTITY}")
    rate = await repository.active_rate(
        session, submission.card_type_id, submission.country.strip().upper(), submission.currency.strip().upper()
    )
    if rate is None:
        raise InvalidField("card_type_id", "with this country and currency does not match an active rate")
    card_amount = parse_card_amount(submission.card_amount, rate.currency)
    # Validate every upload before storing any, so a bad back image leaves no front image behind.
    uploads = [u for u in (submission.front_image, submission.back_image, submission.receipt_image) if u]
    kinds = {u.field: files.check_image(u.field, u.data) for u in uploads}
    card_number = (submission.card_number or "").strip() or None
    if card_number is not None and len(card_number) > 64:
        raise InvalidField("card_number", "must be at most 64 characters")
    notes = (submission.notes or "").strip() or None
    if notes is not None and len(notes) > 1000:
        raise InvalidField("notes", "must be at most 1000 characters")
    stored = dict(
        zip(
            (u.field for u in uploads),
            await files.store_many(session, [(u.data, kinds[u.field]) for u in uploads]),
            strict=True,
        )
    )
    payout = compute_payout(card_amount, rate.currency, submission.quantity, rate.rate_per_unit, rate.platform_fee_pct)
    now = utcnow()
    values: dict[str, Any] = dict(
        reference=new_reference("PTP"),
        party_id=caller.party_id,
        livemode=caller.livemode,
        status=TradeStatus.PENDING,
        rate_id=rate.id,
        card_type_id=rate.card_type_id,
        card_name=rate.card_name,
        country=rate.country,
        currency=rate.currency,
        card_amount=card_amount,
        quantity=submission.quantity,
        rate_per_unit=rate.rate_per_unit,
        platform_fee_pct=rate.platform_fee_pct,
        gross_payout=payout.gross,
        fee=payout.fee,
        net_payout=payout.net,
        notes=notes,
        card_number_encrypted=cipher.encrypt(card_number, context=CARD_NUMBER_CONTEXT) if card_number else None,
        card_number_last4=_last4(card_number) if card_number else None,
        front_image_id=stored["front_image"].id,
        back_image_id=stored["back_image"].id,
        receipt_image_id=stored["receipt_image"].id if "receipt_image" in stored else None,
        created_at=now,
        updated_at=now,
    )
    # A Core insert returning only the id: the ORM's unit of work (flush bookkeeping, identity
    # map) was a large part of a submission's CPU, and nothing changes this row afterwards here.
    trade = Trade(id=await session.scalar(TRADE_INSERT, values))
    for name, value in values.items():
        setattr(trade, name, value)
    await _emit_trade(session, trade, "trade.submitted")
    metrics.count_operation(session, "giftcards", "trade_submitted")
    if not caller.livemode and card_number and outcome_for(card_number) is not None:
        await enqueue(session, "giftcards.sandbox_resolve", {"trade_id": trade.id}, run_at=now + sandbox_delay)
    return trade


def _last4(card_number: str) -> str:
    compact = re.sub(r"[^0-9A-Za-z]", "", card_number)
    return compact[-4:]


async def _lock_trade(session: AsyncSession, reference: str) -> Trade:
    trade = await repository.trade_for_update(session, reference)
    if trade is None:
        raise NotFound(f"trade {reference} not found")
    if trade.status != TradeStatus.PENDING:
        raise Conflict(f"trade {reference} is already {trade.status}")
    return trade


async def approve_trade(session: AsyncSession, reference: str, *, card_amount: Decimal | None = None) -> Trade:
    """Approve, optionally for a lower face value (a partly valid card): the payout is recomputed
    at the rate snapshot taken at submission. Credits net to the wallet and fee to the platform."""
    trade = await _lock_trade(session, reference)
    if card_amount is not None:
        approved = parse_card_amount(card_amount, trade.currency)
        if approved > trade.card_amount:
            raise InvalidField("card_amount", "cannot exceed the submitted card amount")
        if approved != trade.card_amount:
            trade.approved_card_amount = approved
            payout = compute_payout(
                approved, trade.currency, trade.quantity, trade.rate_per_unit, trade.platform_fee_pct
            )
            trade.gross_payout, trade.fee, trade.net_payout = payout.gross, payout.fee, payout.net
    source = await ledger.get_account(session, purchases_account(trade.livemode))
    if trade.net_payout > 0:
        wallet = await ledger.get_account(session, wallet_account(trade.party_id, trade.livemode))
        credit = await ledger.transfer(
            session, source, wallet, trade.net_payout, code="giftcards.trade_payout", reference=trade.reference
        )
        trade.credit_transfer_id = credit.id
    if trade.fee > 0:
        fees = await ledger.get_account(session, fees_account(trade.livemode))
        await ledger.transfer(session, source, fees, trade.fee, code="giftcards.trade_fee", reference=trade.reference)
    trade.status = TradeStatus.APPROVED
    trade.reviewed_at = trade.updated_at = utcnow()
    await session.flush()
    await _emit_trade(session, trade, "trade.approved")
    return trade


async def reject_trade(session: AsyncSession, reference: str, *, reason: str) -> Trade:
    reason = reason.strip()
    if not reason:
        raise InvalidField("reason", "is required")
    trade = await _lock_trade(session, reference)
    trade.status = TradeStatus.REJECTED
    trade.rejection_reason = reason[:1000]
    trade.reviewed_at = trade.updated_at = utcnow()
    await session.flush()
    await _emit_trade(session, trade, "trade.rejected")
    return trade


async def resolve_sandbox_trade(session: AsyncSession, cipher: FieldCipher, trade_id: int) -> None:
    """Test cards decide their own review (the integrator's whole flow, no operator needed)."""
    trade = await repository.trade_by_id(session, trade_id)
    if trade is None or trade.status != TradeStatus.PENDING or trade.livemode or not trade.card_number_encrypted:
        return
    outcome = outcome_for(cipher.decrypt(trade.card_number_encrypted, context=CARD_NUMBER_CONTEXT))
    if outcome is None:
        return
    if outcome.decision == "rejected":
        await reject_trade(session, trade.reference, reason=outcome.reason)
    else:
        face = from_minor(trade.card_amount, trade.currency) * outcome.approved_fraction
        amount = from_minor(round_to_minor(face, trade.currency), trade.currency)
        await approve_trade(session, trade.reference, card_amount=amount)


def face_value(amount_minor: int, currency: str) -> Decimal:
    """Face values print as the merchant typed them: 100, 25.5 (the document shows 100)."""
    value = from_minor(amount_minor, currency)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def trade_view(trade: Trade) -> dict[str, Any]:
    return {
        "reference": trade.reference,
        "status": trade.status,
        "card_type_id": trade.card_type_id,
        "card_name": trade.card_name,
        "country": trade.country,
        "currency": trade.currency,
        "card_amount": face_value(trade.card_amount, trade.currency),
        "approved_card_amount": (
            face_value(trade.approved_card_amount, trade.currency) if trade.approved_card_amount is not None else None
        ),
        "quantity": trade.quantity,
        "rate_per_unit": trade.rate_per_unit,
        "platform_fee_pct": trade.platform_fee_pct,
        "gross_payout_ghs": from_minor(trade.gross_payout, PAYOUT_CURRENCY),
        "fee_ghs": from_minor(trade.fee, PAYOUT_CURRENCY),
        "net_payout_ghs": from_minor(trade.net_payout, PAYOUT_CURRENCY),
        "card_number": f"****{trade.card_number_last4}" if trade.card_number_last4 else None,
        "notes": trade.notes,
        "rejection_reason": trade.rejection_reason,
        "created_at": wire_time(trade.created_at),
        "updated_at": wire_time(trade.updated_at),
    }


async def _emit_trade(session: AsyncSession, trade: Trade, event_type: str) -> None:
    await emit(
        session,
        surface=SURFACE,
        type=event_type,
        livemode=trade.livemode,
        party_id=trade.party_id,
        body=event_body(event_type, trade_view(trade)),
    )


# ---------------------------------------------------------------- wallet


@dataclass(frozen=True)
class WalletView:
    available: int
    pending_trades: int
    held: int


async def wallet(session: AsyncSession, caller: Caller) -> WalletView:
    account = await ledger.find_account(session, wallet_account(caller.party_id, caller.livemode))
    return WalletView(
        available=account.available if account else 0,
        pending_trades=await repository.pending_payout_total(session, caller),
        held=account.held if account else 0,
    )


# ---------------------------------------------------------------- withdrawals


@dataclass(frozen=True)
class WithdrawalRequest:
    amount: Decimal
    method: str
    account_name: str
    account_number: str
    bank_name: str | None = None


def _check_account(request: WithdrawalRequest) -> str:
    """Validate the destination for the method; returns the normalized account number."""
    if request.method == "bank_transfer":
        if not request.bank_name or not request.bank_name.strip():
            raise InvalidField("bank_name", "is required for bank_transfer")
        digits = request.account_number.replace(" ", "")
        if not re.fullmatch(r"[0-9]{8,20}", digits):  # ASCII digits: "١٢٣..." passes str.isdigit()
            raise InvalidField("account_number", "must be a bank account number of 8 to 20 digits")
        return digits
    try:
        msisdn = normalize_msisdn(request.account_number, "233")
    except ValueError:
        raise InvalidField("account_number", "must be a Ghana mobile number such as 0241234567") from None
    network = ghana_network("+" + msisdn)  # normalized digits are international: keep them so
    expected = METHOD_NETWORKS[request.method]
    if network != expected:
        raise InvalidField("account_number", f"is not a {request.method} number")
    return msisdn


async def request_withdrawal(session: AsyncSession, caller: Caller, request: WithdrawalRequest) -> Withdrawal:
    if request.method not in WITHDRAWAL_METHODS:
        raise InvalidField("method", f"must be one of {', '.join(WITHDRAWAL_METHODS)}")
    if request.amount < MIN_WITHDRAWAL:
        raise InvalidField("amount", f"must be at least {MIN_WITHDRAWAL}")
    try:
        amount = to_minor(request.amount, PAYOUT_CURRENCY)
    except ValueError as exc:
        raise InvalidField("amount", str(exc)) from None
    account_name = request.account_name.strip()
    if not account_name or len(account_name) > 100:
        raise InvalidField("account_name", "is required (at most 100 characters)")
    account_number = _check_account(request)
    wallet_acc = await ledger.get_account(session, wallet_account(caller.party_id, caller.livemode))
    in_flight = await ledger.get_account(session, in_flight_account(caller.livemode))
    reference = new_reference("WDR")
    hold = await ledger.transfer(
        session, wallet_acc, in_flight, amount, code="giftcards.withdrawal_hold", reference=reference, pending=True
    )  # InsufficientFunds if short
    now = utcnow()
    withdrawal = Withdrawal(
        reference=reference,
        party_id=caller.party_id,
        livemode=caller.livemode,
        status=WithdrawalStatus.PENDING,
        amount=amount,
        currency=PAYOUT_CURRENCY,
        method=request.method,
        account_name=account_name,
        account_number=account_number,
        bank_name=(request.bank_name or "").strip() or None,
        hold_transfer_id=hold.id,
        payout_reference=str(uuid.uuid4()),
        created_at=now,
        updated_at=now,
    )
    session.add(withdrawal)
    await session.flush()
    await _emit_withdrawal(session, withdrawal, "withdrawal.created")
    await enqueue(session, "giftcards.payout", {"withdrawal_id": withdrawal.id})
    return withdrawal


async def complete_withdrawal(session: AsyncSession, withdrawal: Withdrawal, provider_reference: str | None) -> None:
    await ledger.post_pending(session, withdrawal.hold_transfer_id, code="giftcards.withdrawal_paid")
    withdrawal.status = WithdrawalStatus.COMPLETED
    withdrawal.provider_reference = provider_reference
    withdrawal.completed_at = withdrawal.updated_at = utcnow()
    await session.flush()
    await _emit_withdrawal(session, withdrawal, "withdrawal.completed")


async def fail_withdrawal(session: AsyncSession, withdrawal: Withdrawal, reason: str) -> None:
    await ledger.void_pending(session, withdrawal.hold_transfer_id, code="giftcards.withdrawal_failed")
    withdrawal.status = WithdrawalStatus.FAILED
    withdrawal.failure_reason = reason
    withdrawal.updated_at = utcnow()
    await session.flush()
    await _emit_withdrawal(session, withdrawal, "withdrawal.failed")


async def settle_withdrawal(session: AsyncSession, reference: str, *, paid: bool, note: str) -> Withdrawal:
    """An operator's decision on a payout the manual rail could not decide (or a stuck one)."""
    withdrawal = await repository.withdrawal_for_update(session, reference)
    if withdrawal is None:
        raise NotFound(f"withdrawal {reference} not found")
    if withdrawal.status not in (WithdrawalStatus.PENDING, WithdrawalStatus.PROCESSING):
        raise Conflict(f"withdrawal {reference} is already {withdrawal.status}")
    if paid:
        await complete_withdrawal(session, withdrawal, note or None)
    else:
        await fail_withdrawal(session, withdrawal, note or "Cancelled by operator.")
    return withdrawal


def withdrawal_view(withdrawal: Withdrawal) -> dict[str, Any]:
    return {
        "reference": withdrawal.reference,
        "status": withdrawal.status,
        "amount": from_minor(withdrawal.amount, withdrawal.currency),
        "currency": withdrawal.currency,
        "method": withdrawal.method,
        "account_name": withdrawal.account_name,
        "account_number": withdrawal.account_number,
        "bank_name": withdrawal.bank_name,
        "failure_reason": withdrawal.failure_reason,
        "created_at": wire_time(withdrawal.created_at),
        "updated_at": wire_time(withdrawal.updated_at),
        "completed_at": wire_time(withdrawal.completed_at) if withdrawal.completed_at else None,
    }


async def _emit_withdrawal(session: AsyncSession, withdrawal: Withdrawal, event_type: str) -> None:
    await emit(
        session,
        surface=SURFACE,
        type=event_type,
        livemode=withdrawal.livemode,
        party_id=withdrawal.party_id,
        body=event_body(event_type, withdrawal_view(withdrawal)),
    )


# ---------------------------------------------------------------- a trade's images (the console)

TRADE_IMAGES = ("front", "back", "receipt")


def trade_image_id(trade: Trade, kind: str) -> int | None:
    if kind not in TRADE_IMAGES:
        raise NotFound(f"no {kind} image")
    return {"front": trade.front_image_id, "back": trade.back_image_id, "receipt": trade.receipt_image_id}[kind]


def card_number(cipher: FieldCipher, trade: Trade) -> str | None:
    if trade.card_number_encrypted is None:
        return None
    return cipher.decrypt(trade.card_number_encrypted, context=CARD_NUMBER_CONTEXT)
