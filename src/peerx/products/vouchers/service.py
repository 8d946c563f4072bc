"""Peerwallet vouchers: the rules. Vendors with the "transfer funds" permission buy prepaid USD
vouchers from their balance; anyone with a key redeems a code into their own USD wallet; vendors
void what is unredeemed; a timer expires the rest. Takes a session, raises core errors, emits
events; the caller (request, job or CLI) owns the transaction.

Money: issuing moves face value from the vendor's wallet to the platform's voucher float (a
liability: what outstanding vouchers are worth) and the fee to the platform's fees account, in
one transaction. Redemption moves a voucher's amount from the float to the redeemer's wallet;
void and expiry move it back to the vendor (or, for expiry, to voucher_breakage if the operator
says so). The float may never go negative, so no voucher is ever paid out twice.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core import ledger, metrics
from peerx.core.db import utcnow
from peerx.core.errors import Conflict, Forbidden, InsufficientFunds, InvalidField, NotFound
from peerx.core.events import emit
from peerx.core.jobs import enqueue
from peerx.core.mail import queue_mail
from peerx.core.money import from_minor, round_to_minor, to_minor
from peerx.core.parties import Caller, get_party, has_permission
from peerx.core.secrets import KeyMaterial, keyed_hash
from peerx.products.vouchers import repository
from peerx.products.vouchers.models import Voucher, VoucherOrder, VoucherStatus
from peerx.settings import Settings

SURFACE = "peerwallet"
CURRENCY = "USD"
PERMISSION = "transfer_funds"
MIN_QUANTITY, MAX_QUANTITY = 1, 100
MIN_AMOUNT, MAX_AMOUNT = Decimal(1), Decimal(5000)
VALIDITY = timedelta(days=365)  # the document's sample: exp_date - date_created = 31536000
CODE_DIGITS = 20
ORDER_ID_ALPHABET = string.ascii_uppercase + string.digits
ORDER_ID_LENGTH = 10
EXPIRE_JOB = "vouchers.expire"
PERMISSION_MESSAGE = (
    'This API call requires the "transfer funds" permission, which must be enabled in your API settings.'
)


# ---------------------------------------------------------------- accounts


def wallet_account(party_id: int, livemode: bool) -> ledger.AccountSpec:
    return ledger.party_wallet(party_id, CURRENCY, livemode)


def float_account(livemode: bool) -> ledger.AccountSpec:
    # A liability that grows by credits; never below zero, so nothing is paid out twice.
    return ledger.platform_account(
        "voucher_float", CURRENCY, livemode, ledger.AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS
    )


def fees_account(livemode: bool) -> ledger.AccountSpec:
    return ledger.platform_account("fees", CURRENCY, livemode)


def breakage_account(livemode: bool) -> ledger.AccountSpec:
    return ledger.platform_account("voucher_breakage", CURRENCY, livemode)


# ---------------------------------------------------------------- codes, ids, tokens


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_code(pepper: bytes, code: str) -> str:
    return keyed_hash(pepper, code)


def normalize_code(raw: str, field: str = "voucher_code") -> str:
    """Codes may be typed with spaces or dashes; what is left must be exactly 20 digits."""
    code = raw.replace(" ", "").replace("-", "")
    if len(code) != CODE_DIGITS or not code.isascii() or not code.isdigit():
        raise InvalidField(field, f"must be a {CODE_DIGITS}-digit voucher code")
    return code


def masked(last4: str) -> str:
    return "*" * (CODE_DIGITS - 4) + last4


def new_order_id() -> str:
    return "".join(secrets.choice(ORDER_ID_ALPHABET) for _ in range(ORDER_ID_LENGTH))


def _receipt_signature(pepper: bytes, order_id: str) -> str:
    # Domain-separated from code hashes: an order id is never 20 digits and carries this label.
    digest = hmac.new(pepper, f"peerwallet.receipt:{order_id}".encode(), "sha256").digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def receipt_token(pepper: bytes, order_id: str) -> str:
    return f"{order_id}{_receipt_signature(pepper, order_id)}"


def order_id_from_token(pepper: bytes, token: str) -> str | None:
    order_id, signature = token[:ORDER_ID_LENGTH], token[ORDER_ID_LENGTH:]
    if len(order_id) != ORDER_ID_LENGTH or not hmac.compare_digest(
        signature.encode(), _receipt_signature(pepper, order_id).encode()
    ):
        return None
    return order_id


def receipt_url(settings: Settings, pepper: bytes, order_id: str) -> str:
    base = settings.public_base_url.rstrip("/") + settings.peerwallet_prefix
    return f"{base}/receipt?token={receipt_token(pepper, order_id)}"


# ---------------------------------------------------------------- wire values


def wire_amount(minor: int) -> Decimal:
    """Whole dollars print as integers, as the document shows (2000, 50); cents as 12.50."""
    value = from_minor(minor, CURRENCY)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def unix(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


# ---------------------------------------------------------------- issue


@dataclass(frozen=True)
class IssueRequest:
    quantity: int
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class FeePolicy:
    pct: Decimal
    fixed_per_voucher: int  # cents

    @classmethod
    def from_settings(cls, settings: Settings) -> FeePolicy:
        try:
            fixed = to_minor(settings.vouchers_fee_fixed, CURRENCY)
        except ValueError as exc:
            raise ValueError(f"PEERX_VOUCHERS_FEE_FIXED {exc}") from None
        return cls(pct=settings.vouchers_fee_pct, fixed_per_voucher=fixed)

    def fee(self, face_total: int, quantity: int) -> int:
        """pct of the face total, rounded half up once, plus the fixed fee per voucher."""
        variable = round_to_minor(from_minor(face_total, CURRENCY) * self.pct / 100, CURRENCY)
        return variable + self.fixed_per_voucher * quantity


def check_issue(request: IssueRequest) -> int:
    """Validate in the document's field order; returns the amount in cents."""
    if not MIN_QUANTITY <= request.quantity <= MAX_QUANTITY:
        raise InvalidField("quantity", f"must be a whole number from {MIN_QUANTITY} to {MAX_QUANTITY}")
    if not MIN_AMOUNT <= request.amount <= MAX_AMOUNT:
        raise InvalidField("amount", f"must be from {MIN_AMOUNT} to {MAX_AMOUNT} {CURRENCY}")
    try:
        amount = to_minor(request.amount, CURRENCY)
    except ValueError:
        raise InvalidField("amount", "must have at most 2 decimal places") from None
    if request.currency != CURRENCY:
        raise InvalidField("currency", f"must be {CURRENCY}, the only voucher currency for now")
    return amount


@dataclass(frozen=True)
class IssuedOrder:
    order: VoucherOrder
    codes: list[str]  # in the clear only here, on the way to the response and the email
    receipt_url: str


async def require_permission(session: AsyncSession, caller: Caller) -> None:
    if not await has_permission(session, caller.party_id, PERMISSION):
        raise Forbidden(PERMISSION_MESSAGE)


async def issue(
    session: AsyncSession, keys: KeyMaterial, settings: Settings, caller: Caller, request: IssueRequest
) -> IssuedOrder:
    amount = check_issue(request)
    await require_permission(session, caller)
    vendor = await get_party(session, caller.party_id)
    face_total = amount * request.quantity
    fee = FeePolicy.from_settings(settings).fee(face_total, request.quantity)
    order_id = await _unused_order_id(session)

    # Money first: a short balance fails before anything else is written.
    wallet = await ledger.get_account(session, wallet_account(caller.party_id, caller.livemode))
    float_acc = await ledger.get_account(session, float_account(caller.livemode))
    try:
        await ledger.transfer(session, wallet, float_acc, face_total, code="vouchers.issue", reference=order_id)
        if fee > 0:
            fees = await ledger.get_account(session, fees_account(caller.livemode))
            await ledger.transfer(session, wallet, fees, fee, code="vouchers.issue_fee", reference=order_id)
    except InsufficientFunds:
        total = wire_amount(face_total + fee)
        raise InsufficientFunds(
            f"Insufficient balance: total_charged {total} {CURRENCY} exceeds your available balance"
        ) from None

    now = utcnow()
    order = VoucherOrder(
        order_id=order_id,
        party_id=caller.party_id,
        livemode=caller.livemode,
        currency=CURRENCY,
        quantity=request.quantity,
        amount=amount,
        face_total=face_total,
        fee=fee,
        total_charged=face_total + fee,
        created_at=now,
        expires_at=now + VALIDITY,
    )
    codes = await _fresh_codes(session, keys.pepper, request.quantity)
    url = receipt_url(settings, keys.pepper, order_id)
    # The mail is queued before the order is written, so the order's row carries its id in its
    # one INSERT (written after, it took an UPDATE).
    mail = await queue_mail(
        session,
        keys.cipher,
        settings,
        to=vendor.email,
        subject=f"{'' if order.livemode else '[TEST] '}Your Peerwallet vouchers: order {order_id}",
        text=codes_email(order, codes, url),
        purpose="vouchers.codes",
        party_id=vendor.id,
    )
    order.mail_message_id = mail.id
    session.add(order)
    await session.flush()
    rows = [
        {
            "order_pk": order.id,
            "party_id": caller.party_id,
            "livemode": caller.livemode,
            "code_hash": hash_code(keys.pepper, code),
            "last4": code[-4:],
            "currency": CURRENCY,
            "amount": amount,
            "status": VoucherStatus.ACTIVE,
            "created_at": now,
            "expires_at": order.expires_at,
            "updated_at": now,
        }
        for code in codes
    ]
    await repository.insert_vouchers(session, rows)
    await enqueue(
        session, EXPIRE_JOB, {"order_pk": order.id}, run_at=order.expires_at, unique_key=f"{EXPIRE_JOB}:{order.id}"
    )
    # The event shows the vouchers as just inserted, in the same order: built from the rows, not
    # read back.
    await _emit(
        session, order, "voucher.issued", [Voucher(**row) for row in rows], settings=settings, pepper=keys.pepper
    )
    metrics.count_operation(session, "vouchers", "vouchers_issued", len(rows))  # each voucher, not each order
    return IssuedOrder(order=order, codes=codes, receipt_url=url)


async def _unused_order_id(session: AsyncSession) -> str:
    while True:  # 36^10 ids: a repeat is astronomically rare, but never reuse one
        candidate = new_order_id()
        if not await repository.order_id_taken(session, candidate):
            return candidate


async def _fresh_codes(session: AsyncSession, pepper: bytes, quantity: int) -> list[str]:
    """Codes no voucher (live, test, settled or not) has ever had: the hash index stays unique."""
    codes: dict[str, str] = {}
    while len(codes) < quantity:
        batch = {hash_code(pepper, code): code for code in (new_code() for _ in range(quantity - len(codes)))}
        taken = await repository.taken_code_hashes(session, batch)
        codes.update((h, code) for h, code in batch.items() if h not in taken and h not in codes)
    return list(codes.values())


def codes_email(order: VoucherOrder, codes: Sequence[str], url: str) -> str:
    expires = order.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "Your Peerwallet voucher purchase was successful." + ("" if order.livemode else " (TEST MODE)"),
        "",
        f"Order ID:      {order.order_id}",
        f"Quantity:      {order.quantity}",
        f"Amount each:   {wire_amount(order.amount)} {order.currency}",
        f"Total charged: {wire_amount(order.total_charged)} {order.currency}"
        + (f" (includes a {wire_amount(order.fee)} {order.currency} fee)" if order.fee else ""),
        f"Valid until:   {expires}",
        f"Receipt:       {url}",
        "",
        "Voucher codes:",
        *codes,
        "",
        "Store these codes safely. Peerwallet keeps only a one-way hash of each code and cannot",
        "show them again; this email and the response to your issue call are the only copies.",
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- reading


def effective_status(voucher: Voucher, now: datetime | None = None) -> str:
    """An active voucher past its expiry is expired, even before the expiry job has run."""
    if voucher.status == VoucherStatus.ACTIVE and voucher.expires_at <= (now or utcnow()):
        return VoucherStatus.EXPIRED
    return voucher.status


async def order_for_receipt(session: AsyncSession, pepper: bytes, token: str) -> VoucherOrder:
    order_id = order_id_from_token(pepper, token)
    if order_id is None:
        raise NotFound("Receipt not found")
    return await repository.find_order(session, order_id)


async def voucher_by_code(session: AsyncSession, pepper: bytes, caller: Caller, code: str) -> Voucher:
    return await _find_voucher(session, pepper, caller, code, lock=False)


async def _find_voucher(session: AsyncSession, pepper: bytes, caller: Caller, code: str, *, lock: bool) -> Voucher:
    voucher = await repository.voucher_by_hash(session, hash_code(pepper, normalize_code(code)), lock=lock)
    if voucher is None or voucher.livemode != caller.livemode:  # test codes exist only for test keys
        raise NotFound("voucher_code does not match any voucher")
    return voucher


# ---------------------------------------------------------------- redeem


@dataclass(frozen=True)
class Redemption:
    voucher: Voucher
    balance: int  # the redeemer's available USD balance afterwards


async def redeem(session: AsyncSession, pepper: bytes, caller: Caller, code: str) -> Redemption:
    """Single use under a row lock: of any number of racing redemptions, one credits."""
    voucher = await _find_voucher(session, pepper, caller, code, lock=True)
    _require_active(voucher, "voucher_code")
    order = await repository.order_of(session, voucher)
    source = await ledger.get_account(session, float_account(voucher.livemode))
    wallet = await ledger.get_account(session, wallet_account(caller.party_id, caller.livemode))
    credit = await ledger.transfer(
        session, source, wallet, voucher.amount, code="vouchers.redeem", reference=f"{order.order_id}:{voucher.id}"
    )
    now = utcnow()
    voucher.status, voucher.redeemed_at, voucher.redeemed_by = VoucherStatus.REDEEMED, now, caller.party_id
    voucher.settled_transfer_id, voucher.updated_at = credit.id, now
    await session.flush()
    await _emit(session, order, "voucher.redeemed", [voucher])
    await session.refresh(wallet)
    return Redemption(voucher=voucher, balance=wallet.available)


def _require_active(voucher: Voucher, field: str) -> None:
    state = effective_status(voucher)
    if state == VoucherStatus.REDEEMED:
        raise Conflict(f"{field} has already been redeemed")
    if state == VoucherStatus.VOID:
        raise Conflict(f"{field} has been voided")
    if state == VoucherStatus.EXPIRED:
        raise Conflict(f"{field} has expired")


# ---------------------------------------------------------------- void


async def void(
    session: AsyncSession, pepper: bytes, caller: Caller, order_id: str, codes: Sequence[str] | None
) -> tuple[VoucherOrder, list[Voucher]]:
    """The vendor takes back unredeemed vouchers of one of its orders: the named codes (all of
    them must be active) or, with none named, every active voucher. Face value is refunded; the
    issuance fee is not (it paid for issuing)."""
    await require_permission(session, caller)
    order = await repository.get_order(session, caller, order_id)
    hashes = {hash_code(pepper, normalize_code(code, "voucher_codes")) for code in codes} if codes else None
    rows = await repository.lock_vouchers(session, order, code_hashes=hashes)
    if hashes is not None:
        if len(rows) != len(hashes):
            raise InvalidField("voucher_codes", "must all be codes of this order")
        for voucher in rows:
            _require_active(voucher, f"voucher_codes (code ending {voucher.last4})")
    else:
        rows = [v for v in rows if effective_status(v) == VoucherStatus.ACTIVE]
        if not rows:
            raise Conflict("order_id has no active vouchers to void")
    await _settle(session, order, rows, to_vendor=True, code="vouchers.void", status=VoucherStatus.VOID)
    await _emit(session, order, "voucher.voided", rows)
    return order, rows


async def operator_void(session: AsyncSession, order_id: str) -> tuple[VoucherOrder, list[Voucher]]:
    """An operator voids every active voucher of an order (e.g. fraud): the vendor is refunded."""
    order = await repository.find_order(session, order_id)
    rows = [v for v in await repository.lock_vouchers(session, order) if effective_status(v) == VoucherStatus.ACTIVE]
    if not rows:
        raise Conflict(f"order {order.order_id} has no active vouchers to void")
    await _settle(session, order, rows, to_vendor=True, code="vouchers.void", status=VoucherStatus.VOID)
    await _emit(session, order, "voucher.voided", rows)
    return order, rows


async def _settle(
    session: AsyncSession, order: VoucherOrder, rows: list[Voucher], *, to_vendor: bool, code: str, status: str
) -> None:
    source = await ledger.get_account(session, float_account(order.livemode))
    target_spec = wallet_account(order.party_id, order.livemode) if to_vendor else breakage_account(order.livemode)
    target = await ledger.get_account(session, target_spec)
    moved = await ledger.transfer(
        session, source, target, sum(v.amount for v in rows), code=code, reference=order.order_id
    )
    now = utcnow()
    for voucher in rows:
        voucher.status, voucher.settled_transfer_id, voucher.updated_at = status, moved.id, now
        if status == VoucherStatus.VOID:
            voucher.voided_at = now
        else:
            voucher.expired_at = now
    await session.flush()


# ---------------------------------------------------------------- expiry


async def expire_order(session: AsyncSession, settings: Settings, order_pk: int) -> list[Voucher]:
    """Run by the expiry timer; idempotent (only still-active, past-due vouchers are touched)."""
    order = await repository.order_by_pk(session, order_pk)
    if order is None:
        return []
    rows = await repository.lock_past_due(session, order, utcnow())
    if not rows:
        return []
    refund = settings.vouchers_expiry_action == "refund"
    await _settle(
        session,
        order,
        rows,
        to_vendor=refund,
        code="vouchers.expiry_refund" if refund else "vouchers.expiry_forfeit",
        status=VoucherStatus.EXPIRED,
    )
    await _emit(session, order, "voucher.expired", rows, extra={"value_returned_to_vendor": refund})
    return rows


# ---------------------------------------------------------------- views and events


def voucher_view(voucher: Voucher) -> dict[str, Any]:
    return {
        "voucher_code": masked(voucher.last4),
        "amount": wire_amount(voucher.amount),
        "currency": voucher.currency,
        "voucher_status": effective_status(voucher),
        "exp_date": unix(voucher.expires_at),
        "date_created": unix(voucher.created_at),
        "date_redeemed": unix(voucher.redeemed_at),
        "date_voided": unix(voucher.voided_at),
        "date_expired": unix(voucher.expired_at),
    }


def order_summary(order: VoucherOrder) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "currency": order.currency,
        "quantity": order.quantity,
        "amount": wire_amount(order.amount),
        "total_charged": wire_amount(order.total_charged),
        "fee": wire_amount(order.fee),
        "exp_date": unix(order.expires_at),
        "date_created": unix(order.created_at),
    }


def status_counts(vouchers: Sequence[Voucher]) -> dict[str, int]:
    counts = {str(status): 0 for status in VoucherStatus}
    now = utcnow()
    for voucher in vouchers:
        counts[effective_status(voucher, now)] += 1
    return counts


async def _emit(
    session: AsyncSession,
    order: VoucherOrder,
    event_type: str,
    vouchers: Sequence[Voucher],
    *,
    settings: Settings | None = None,
    pepper: bytes | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    data: dict[str, Any] = {**order_summary(order), "vouchers": [voucher_view(v) for v in vouchers]}
    if settings is not None and pepper is not None:
        data["receipt_url"] = receipt_url(settings, pepper, order.order_id)
    data.update(extra or {})
    await emit(
        session,
        surface=SURFACE,
        type=event_type,
        livemode=order.livemode,
        party_id=order.party_id,
        body={"event": event_type, "created": unix(utcnow()), "data": data},
    )
