"""Every query of the market capability: the operator's stored prices (one pair, or all of them
in pair order). Plain functions over the session; checks and caching stay in prices.py."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.products.bitcoin.models import PeachPrice


async def price(session: AsyncSession, pair: str) -> PeachPrice | None:
    """The stored price of a pair (upper case, as stored)."""
    return await session.get(PeachPrice, pair)


async def prices(session: AsyncSession) -> list[PeachPrice]:
    """Every stored price, in pair order."""
    return list(await session.scalars(select(PeachPrice).order_by(PeachPrice.pair)))
