"""Operator reads of Peex partners and transactions: the queries the ops views call (they never
touch the tables themselves)."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import paginate
from peerx.core.parties import Party
from peerx.products.remittances.models import Partner, Transaction


async def partners_page(session: AsyncSession, *, page: int, per_page: int) -> tuple[list[tuple[Partner, Party]], int]:
    """One page of partners (parties with a Peex profile) by party id, each with its party."""
    query = select(Partner).join(Party, Party.id == Partner.party_id).order_by(Partner.party_id)
    found, total = await paginate(session, query, page=page, per_page=per_page)
    ids = {partner.party_id for partner in found}
    parties = {party.id: party for party in await session.scalars(select(Party).where(Party.id.in_(ids)))}
    return [(partner, parties[partner.party_id]) for partner in found], total


async def transactions_page(
    session: AsyncSession,
    *,
    status: str | None = None,
    livemode: bool | None = None,
    party_id: int | None = None,
    search: str | None = None,
    page: int,
    per_page: int,
) -> tuple[list[Transaction], int]:
    """One page of transactions, newest first, and the total; `search` matches the track_id or
    the beneficiary (email or phone as the partner gave it)."""
    query = select(Transaction)
    if status is not None:
        query = query.where(Transaction.status == status)
    if livemode is not None:
        query = query.where(Transaction.livemode == livemode)
    if party_id is not None:
        query = query.where(Transaction.party_id == party_id)
    if search:
        term = search.strip()
        query = query.where(or_(Transaction.track_id == term, Transaction.identifier_by == term))
    return await paginate(session, query.order_by(Transaction.id.desc()), page=page, per_page=per_page)


async def status_counts(session: AsyncSession, *, livemode: bool | None = None) -> dict[str, int]:
    """How many transactions are in each status (statuses with none are absent)."""
    query = select(Transaction.status, func.count()).group_by(Transaction.status)
    if livemode is not None:
        query = query.where(Transaction.livemode == livemode)
    return {status: int(count) for status, count in (await session.execute(query)).all()}


async def get_transaction(session: AsyncSession, transaction_id: int) -> Transaction | None:
    return await session.get(Transaction, transaction_id)
