"""Shared reads of Peach: one user by id (every capability needs it), and the reads the operator
views need: offers and contracts by status, disputes, one contract, and the public keys that name
their users. Plain functions over the session; the ops layer shapes rows. Each capability's own
queries are in its repository.py (identity, offers, contracts, social)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import paginate
from peerx.products.bitcoin.models import Contract, PeachOffer, PeachUser


async def user(session: AsyncSession, user_id: int) -> PeachUser | None:
    """One user by id (from the session's identity map when loaded already)."""
    return await session.get(PeachUser, user_id)


async def public_keys(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    """Each user's public key by id."""
    if not ids:
        return {}
    rows = await session.execute(select(PeachUser.id, PeachUser.public_key).where(PeachUser.id.in_(ids)))
    return dict(rows.all())


async def offers_page(
    session: AsyncSession, *, type: str | None, status: str | None, page: int, per_page: int
) -> tuple[list[PeachOffer], int]:
    """One page of offers newest first, by type and tradeStatus (None: any), and the total count."""
    query = select(PeachOffer)
    if type is not None:
        query = query.where(PeachOffer.type == type)
    if status is not None:
        query = query.where(PeachOffer.trade_status == status)
    return await paginate(session, query.order_by(PeachOffer.id.desc()), page=page, per_page=per_page)


async def contracts_page(
    session: AsyncSession, *, status: str | None, disputed: bool, page: int, per_page: int
) -> tuple[list[Contract], int]:
    """One page of contracts newest first; `disputed` keeps those with a dispute (open or decided)."""
    query = select(Contract)
    if status is not None:
        query = query.where(Contract.trade_status == status)
    if disputed:
        query = query.where(Contract.dispute_date.is_not(None))
    ordered = query.order_by(Contract.created_at.desc(), Contract.id.desc())
    return await paginate(session, ordered, page=page, per_page=per_page)


async def get_contract(session: AsyncSession, contract_id: str) -> Contract | None:
    return await session.get(Contract, contract_id)


async def disputed_contracts(session: AsyncSession, *, active_only: bool = True, limit: int = 100) -> list[Contract]:
    """Contracts with a dispute (only the open ones with `active_only`), the oldest dispute first."""
    query = select(Contract).where(Contract.dispute_date.is_not(None))
    if active_only:
        query = query.where(Contract.dispute_active.is_(True))
    return list(await session.scalars(query.order_by(Contract.dispute_date).limit(limit)))
