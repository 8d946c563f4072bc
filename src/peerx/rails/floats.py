"""The platform's float at each mobile-money operator, kept as ledger accounts.

A float is money the platform holds at the operator (an asset), so it grows by debits and is
flagged CREDITS_MUST_NOT_EXCEED_DEBITS: a payout reserves its amount with a pending credit, and
the ledger refuses a reservation the float cannot cover, in the same transaction and under the
same row lock as every other balance check. Tracking is opt-in per (rail, currency, mode): until
an operator sets a float, the account does not exist and payouts are not limited by it.

`set_float` makes the float's posted balance equal to what the operator reports the platform
holds at the operator, by one adjusting transfer against `platform/float_funding`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core import ledger
from peerx.core.errors import InsufficientFunds, InvalidField

# The rail kinds a float can be kept for (per currency and mode).
FLOAT_RAILS = ("mtn_momo", "orange_money")


def float_account(rail: str, currency: str, livemode: bool) -> ledger.AccountSpec:
    return ledger.platform_account(
        f"float:{rail}", currency, livemode, flag=ledger.AccountFlag.CREDITS_MUST_NOT_EXCEED_DEBITS
    )


def float_funding_account(currency: str, livemode: bool) -> ledger.AccountSpec:
    """The other side of float adjustments: money the operator moved to or from the operator."""
    return ledger.platform_account("float_funding", currency, livemode)


@dataclass(frozen=True)
class FloatView:
    rail: str
    currency: str
    livemode: bool
    balance: int  # posted: what the platform holds at the operator
    reserved: int  # pending: payouts in flight
    available: int  # what new payouts may still use

    def as_dict(self) -> dict[str, object]:
        return {
            "rail": self.rail,
            "currency": self.currency,
            "livemode": self.livemode,
            "balance": self.balance,
            "reserved": self.reserved,
            "available": self.available,
        }


def _view(rail: str, account: ledger.LedgerAccount) -> FloatView:
    balance = account.debits_posted - account.credits_posted
    return FloatView(
        rail, account.currency, account.livemode, balance, account.credits_pending, balance - account.credits_pending
    )


async def find_float(session: AsyncSession, rail: str, currency: str, livemode: bool) -> ledger.LedgerAccount | None:
    """The float account, or None while the float is not tracked."""
    return await ledger.find_account(session, float_account(rail, currency, livemode))


async def get_float(session: AsyncSession, rail: str, currency: str, livemode: bool) -> FloatView | None:
    account = await find_float(session, rail, currency, livemode)
    return _view(rail, account) if account is not None else None


FloatListener = Callable[[AsyncSession, FloatView], Awaitable[None]]
_LISTENERS: list[FloatListener] = []


def register_float_listener(listener: FloatListener) -> None:
    """Products waiting for float (e.g. remittances in mw_balance_pending) hear about changes."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


async def set_float(session: AsyncSession, *, rail: str, currency: str, amount: int, livemode: bool) -> FloatView:
    if rail not in FLOAT_RAILS:
        raise InvalidField("rail", f"must be one of {', '.join(FLOAT_RAILS)}")
    if amount < 0:
        raise InvalidField("amount", "must be 0 or more")
    account = await ledger.get_account(session, float_account(rail, currency, livemode))
    funding = await ledger.get_account(session, float_funding_account(currency, livemode))
    delta = amount - (account.debits_posted - account.credits_posted)
    try:
        if delta > 0:
            await ledger.transfer(session, account, funding, delta, code="rails.float_set", reference=f"float:{rail}")
        elif delta < 0:
            await ledger.transfer(session, funding, account, -delta, code="rails.float_set", reference=f"float:{rail}")
    except InsufficientFunds:
        raise InvalidField("amount", f"is below the {account.credits_pending} reserved by payouts in flight") from None
    view = _view(rail, account)
    for listener in _LISTENERS:
        await listener(session, view)
    return view
