"""Reads the operator views of Trustap escrow need, for either model ("online": `EscrowTransaction`,
"p2p": `EscrowP2PTransaction`): pages of transactions by state, counts per state, complaints
waiting for a decision, one transaction, and the e-mails that name their users."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import paginate
from peerx.products.escrow.models import EscrowP2PTransaction, EscrowTransaction, EscrowUser

AnyTx = EscrowTransaction | EscrowP2PTransaction
Table = type[EscrowTransaction] | type[EscrowP2PTransaction]
TABLES: dict[str, Table] = {"online": EscrowTransaction, "p2p": EscrowP2PTransaction}


def is_online(tx: AnyTx) -> bool:
    return isinstance(tx, EscrowTransaction)


async def user_emails(session: AsyncSession, rows: list[AnyTx]) -> dict[int, str]:
    """The e-mail of each buyer and seller of `rows`, by user id."""
    ids = {i for tx in rows for i in (tx.buyer_id, tx.seller_id) if i is not None}
    if not ids:
        return {}
    found = await session.execute(select(EscrowUser.id, EscrowUser.email).where(EscrowUser.id.in_(ids)))
    return dict(found.all())


async def transactions_page(
    session: AsyncSession, *, model: str, status: str | None, livemode: bool | None, page: int, per_page: int
) -> tuple[list[AnyTx], int]:
    """One page of one model's transactions newest first, and the total count."""
    table = TABLES[model]
    query = select(table)
    if status is not None:
        query = query.where(table.status == status)
    if livemode is not None:
        query = query.where(table.livemode == livemode)
    return await paginate(session, query.order_by(table.id.desc()), page=page, per_page=per_page)


async def status_counts(session: AsyncSession, *, model: str, livemode: bool | None) -> dict[str, int]:
    """How many transactions of one model are in each state (states with none are absent)."""
    table = TABLES[model]
    query = select(table.status, func.count()).group_by(table.status)
    if livemode is not None:
        query = query.where(table.livemode == livemode)
    return {name: int(count) for name, count in (await session.execute(query)).all()}


async def complaints_page(session: AsyncSession, *, model: str, page: int, per_page: int) -> tuple[list[AnyTx], int]:
    """One page of one model's complained transactions, oldest complaint first, and the total count."""
    table = TABLES[model]
    query = select(table).where(table.status == "complained").order_by(table.complained, table.id)
    return await paginate(session, query, page=page, per_page=per_page)


async def get_transaction(session: AsyncSession, *, model: str, transaction_id: int) -> AnyTx | None:
    tx: AnyTx | None = await session.get(TABLES[model], transaction_id)
    return tx
