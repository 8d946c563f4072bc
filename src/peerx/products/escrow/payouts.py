"""The seller's credit account and the payout of released funds to it through the payout rails.

When funds are released (or a credit account is added), `start` holds the seller's whole
available balance (pending transfer wallet -> payouts in flight) and queues a payout job. The
job (tasks.py) runs on the rails' shared payout flow (peerx.rails.payout_flow): `prepare` marks the payout
sent before any network call, the rail is asked with no transaction or lock held (`send` once,
then only `status`), and `settle` posts the hold on success or voids it on failure (the money
is back in the wallet and goes out with the next payout).

Credit accounts are bank accounts (`type: bank`); the account number is stored encrypted
(AES-GCM) and shown only as its last four digits. Card credit accounts are not supported."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core import ledger
from peerx.core.db import utcnow
from peerx.core.jobs import enqueue
from peerx.core.secrets import FieldCipher
from peerx.products.escrow import repository
from peerx.products.escrow.accounts import in_flight_account, seller_wallet
from peerx.products.escrow.charges import code_error
from peerx.products.escrow.models import EscrowJob, EscrowNotification, EscrowPayout, EscrowUser
from peerx.products.escrow.wire import wire_time
from peerx.rails.payouts import PayoutResult, PayoutStatus

CONTEXT = "escrow.credit_account"
METHOD = "bank"


# ---------------------------------------------------------------- the credit account


def _digits_or_letters(value: str, field: str, code: str, *, lo: int, hi: int) -> str:
    cleaned = value.replace(" ", "").replace("-", "").upper()
    if not lo <= len(cleaned) <= hi or not cleaned.isalnum() or not cleaned.isascii():
        raise code_error(field, f"must be {lo} to {hi} letters or digits", code)
    return cleaned


@dataclass(frozen=True)
class BankDetails:
    """The document's BankDetails, as sent (formats are checked here)."""

    account_number: str
    country_code: str
    currency: str
    routing_number: str | None


async def set_credit_account(
    session: AsyncSession, cipher: FieldCipher, user: EscrowUser, kind: str | None, details: BankDetails | None
) -> dict[str, Any]:
    """POST /me/credit_account: validate, store (number encrypted), pay out what is waiting."""
    if kind is None:
        raise code_error("type", "is required", "parameter_missing")
    if kind != "bank":
        raise code_error("type", "must be bank (card credit accounts are not supported)", "invalid_account_type")
    if details is None:
        raise code_error("bank_details", "are required for a bank account", "bank_details_missing")
    number = _digits_or_letters(details.account_number, "account_number", "account_number_invalid", lo=4, hi=34)
    country = details.country_code
    if len(country) != 2 or not country.isascii() or not country.isalpha():
        raise code_error("country_code", "must be an ISO 3166-1 alpha-2 code", "parameter_missing")
    currency = details.currency
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        raise code_error("currency", "must be an ISO 4217 code", "parameter_missing")
    routing = details.routing_number
    if country.upper() == "US" and (
        routing is None or len(routing) != 9 or not routing.isascii() or not routing.isdigit()
    ):
        raise code_error("routing_number", "must be a 9-digit ABA routing number", "routing_number_invalid")
    view = {
        "bank_account": {
            "country": country.upper(),
            "currency_alpha_2": currency.lower(),
            "last4": number[-4:],
            "routing": routing or "",
        }
    }
    user.credit_account = {"type": "bank", **view}
    user.credit_account_secret = cipher.encrypt(number, context=CONTEXT)
    await session.flush()
    for currency_code, livemode in await _wallets(session, user.id):
        await start(session, user.id, currency_code, livemode)
    return view


async def _wallets(session: AsyncSession, user_id: int) -> list[tuple[str, bool]]:
    return [(row.currency.lower(), row.livemode) for row in await repository.wallet_accounts(session, user_id)]


# ---------------------------------------------------------------- payouts


async def start(session: AsyncSession, user_id: int, currency: str, livemode: bool) -> EscrowPayout | None:
    """Hold the whole available balance for a payout, if the seller has a credit account."""
    user = await repository.lock_user(session, user_id)  # one payout decision per user at a time
    if user is None or user.credit_account_secret is None:
        return None
    wallet = await ledger.get_account(session, seller_wallet(user_id, currency, livemode))
    await session.refresh(wallet)
    amount = wallet.available
    if amount <= 0:
        return None
    reference = str(uuid.uuid4())
    target = await ledger.get_account(session, in_flight_account(currency, livemode))
    hold = await ledger.transfer(
        session, wallet, target, amount, code="escrow.payout", reference=f"payout:{reference}", pending=True
    )
    payout = EscrowPayout(
        user_id=user_id,
        livemode=livemode,
        currency=currency.lower(),
        amount=amount,
        method=METHOD,
        account_secret=user.credit_account_secret,
        reference=reference,
        status="pending",
        hold_id=hold.id,
        created=utcnow(),
    )
    session.add(payout)
    await session.flush()
    await enqueue(session, EscrowJob.PAYOUT, {"payout_id": payout.id}, unique_key=f"escrow:payout:{payout.id}")
    return payout


def payout_view(p: EscrowPayout) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": p.id,
        "user_id": p.user_id,
        "amount": p.amount,
        "currency": p.currency,
        "status": p.status,
        "rail": p.rail,
        "created": wire_time(p.created),
        "livemode": p.livemode,
    }
    if p.finished is not None:
        view["finished"] = wire_time(p.finished)
    if p.failure_reason is not None:
        view["failure_reason"] = p.failure_reason
    return view


async def finish(session: AsyncSession, payout: EscrowPayout, result: PayoutResult) -> None:
    if result.status == PayoutStatus.SUCCEEDED:
        await ledger.post_pending(session, payout.hold_id, code="escrow.payout_sent")
        payout.status, payout.provider_reference = "succeeded", result.provider_reference
        text = "Your payout was sent to your bank account."
    else:
        await ledger.void_pending(session, payout.hold_id, code="escrow.payout_failed")
        payout.status, payout.failure_reason = "failed", result.reason or "Payout failed."
        text = "Your payout failed; the money is back in your balance."
    payout.finished = utcnow()
    session.add(
        EscrowNotification(
            user_id=payout.user_id, description=text, target=f"payout/{payout.id}", created=payout.finished, read=None
        )
    )
    await session.flush()
