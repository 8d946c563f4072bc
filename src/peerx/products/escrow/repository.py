"""Every query of the escrow product: reading transactions of either kind (online
`EscrowTransaction`, face-to-face `EscrowP2PTransaction`) for their parties, paging lists, and the
operator reads (pages by state, counts, complaints, e-mails). One set of helpers, parameterised
by the model.

Scoping: escrow rows belong to users, not to a client party (a user acts through any client), so
a party's transactions are those it is buyer or seller of, in the actor's mode (`load`,
`list_transactions`); operators read across users."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from peerx.core.db import paginate
from peerx.core.errors import NotFound
from peerx.products.escrow.charges import code_error
from peerx.products.escrow.models import EscrowP2PTransaction, EscrowTransaction, EscrowUser, TransactionStatus

Tx = TypeVar("Tx", EscrowTransaction, EscrowP2PTransaction)
Row = TypeVar("Row")


@dataclass(frozen=True)
class Actor:
    """A logged-in user acting through a client, in live or test mode."""

    user_id: int
    livemode: bool
    client_id: str
    client_party_id: int


@dataclass(frozen=True)
class Page:
    """The spec's list parameters. Lists run newest first: `after_id` continues with smaller ids
    (the next page), `before_id` with larger ones (the page before)."""

    before_id: int | None = None
    after_id: int | None = None
    limit: int = 25


async def fetch_page(
    session: AsyncSession, query: Select[Row], id_column: InstrumentedAttribute[int], page: Page
) -> list[Row]:
    if page.after_id is not None:
        query = query.where(id_column < page.after_id)
    if page.before_id is None:
        return list(await session.scalars(query.order_by(id_column.desc()).limit(page.limit)))
    # The page just before: the `limit` ids nearest above before_id, shown newest first.
    nearest = await session.scalars(query.where(id_column > page.before_id).order_by(id_column).limit(page.limit))
    return list(reversed(list(nearest)))


def _locked(query: Select[Any], lock: bool) -> Select[Any]:
    # populate_existing: a row read earlier in the session is refreshed with the locked version.
    return query.with_for_update().execution_options(populate_existing=True) if lock else query


async def lock_row(session: AsyncSession, model: type[Tx], tx_id: int) -> Tx | None:
    """Jobs and operators: the row by id, locked, whoever's it is."""
    found: Tx | None = await session.scalar(_locked(select(model).where(model.id == tx_id), True))
    return found


async def load(session: AsyncSession, model: type[Tx], actor: Actor, tx_id: int, *, lock: bool = True) -> Tx:
    """A transaction the actor is buyer or seller of, locked for the change to come (two requests
    on one transaction queue here, so exactly one of two racing steps wins). Anyone else's is
    404: we do not reveal that it exists."""
    query = select(model).where(model.id == tx_id, model.livemode == actor.livemode)
    tx: Tx | None = await session.scalar(_locked(query, lock))
    if tx is None or actor.user_id not in (tx.buyer_id, tx.seller_id):
        raise NotFound("Not Found")
    return tx


async def by_join_code(
    session: AsyncSession, model: type[Tx], actor: Actor, join_code: str | None, *, lock: bool
) -> Tx:
    if not join_code:
        raise code_error("join_code", "is required", "join_code_missing")
    query = select(model).where(model.join_code == join_code, model.livemode == actor.livemode)
    tx: Tx | None = await session.scalar(_locked(query, lock))
    # A code is an invitation: once taken it answers as a code that never existed, for everyone
    # (parties read their transaction by id), so whoever else saw the code learns nothing more.
    if tx is None or tx.joined is not None:
        raise NotFound("Not Found")
    return tx


async def list_transactions(session: AsyncSession, model: type[Tx], actor: Actor, page: Page) -> list[Tx]:
    query = select(model).where(
        model.livemode == actor.livemode, (model.buyer_id == actor.user_id) | (model.seller_id == actor.user_id)
    )
    return await fetch_page(session, query, model.id, page)


# ---------------------------------------------------------------- operator reads

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
    query = select(table).where(table.status == TransactionStatus.COMPLAINED).order_by(table.complained, table.id)
    return await paginate(session, query, page=page, per_page=per_page)


async def get_transaction(session: AsyncSession, *, model: str, transaction_id: int) -> AnyTx | None:
    tx: AnyTx | None = await session.get(TABLES[model], transaction_id)
    return tx
