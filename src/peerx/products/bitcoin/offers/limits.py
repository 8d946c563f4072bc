"""Trading limits in the operator's reference currency (PEERX_PEACH_LIMIT_CURRENCY): what each
user traded in the last day and year, and with anonymous (cash) methods in the last 30 days.
Every contract that was not canceled counts, for buyer and seller alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import utcnow
from peerx.products.bitcoin import errors as f
from peerx.products.bitcoin.context import Peach
from peerx.products.bitcoin.identity.schemas import TradingLimit
from peerx.products.bitcoin.market import prices as market
from peerx.products.bitcoin.offers import repository

DAY, MONTH, YEAR = timedelta(days=1), timedelta(days=30), timedelta(days=365)


def is_anonymous(payment_method: str) -> bool:
    # Cash meetups leave no bank trail: the document's "monthly anonymous" limit counts them.
    return payment_method.startswith("cash.")


@dataclass(frozen=True)
class Traded:
    daily: int  # minor units of the limit currency
    monthly_anonymous: int
    yearly: int


async def traded(session: AsyncSession, user_id: int) -> Traded:
    """The three windows in one pass over the user's last year of contracts."""
    now = utcnow()
    daily, monthly_anonymous, yearly = await repository.trade_volumes(
        session, user_id, day=now - DAY, anonymous=now - MONTH, year=now - YEAR
    )
    return Traded(daily=daily, monthly_anonymous=monthly_anonymous, yearly=yearly)


async def trade_value_minor(session: AsyncSession, peach: Peach, amount: int, premium: Decimal | None) -> int:
    """What `amount` sats at the offer's premium are worth in the limit currency, in cents."""
    currency = peach.settings.peach_limit_currency
    prices = await market.all_prices(session, peach.prices)
    if currency not in prices:
        raise f.BadState(f"No {currency} price to count trading limits with.")
    return int(market.fiat(amount, prices[currency][0], premium) * 100)


def exceeded(peach: Peach, done: Traded, value_minor: int, payment_method: str) -> bool:
    s = peach.settings
    if done.daily + value_minor > s.peach_daily_limit * 100 or done.yearly + value_minor > s.peach_yearly_limit * 100:
        return True
    limit = s.peach_monthly_anonymous_limit * 100
    return is_anonymous(payment_method) and done.monthly_anonymous + value_minor > limit


async def check(session: AsyncSession, peach: Peach, user_id: int, value_minor: int, payment_method: str) -> None:
    if exceeded(peach, await traded(session, user_id), value_minor, payment_method):
        raise f.TradingLimitReached("This trade would exceed your trading limit.")


def view(peach: Peach, done: Traded) -> TradingLimit:
    """user/tradingLimit: limits and traded amounts in the limit currency (whole units)."""
    s = peach.settings
    return TradingLimit(
        daily=s.peach_daily_limit,
        daily_amount=Decimal(done.daily) / 100,
        yearly=s.peach_yearly_limit,
        yearly_amount=Decimal(done.yearly) / 100,
        monthly_anonymous=s.peach_monthly_anonymous_limit,
        monthly_anonymous_amount=Decimal(done.monthly_anonymous) / 100,
    )
