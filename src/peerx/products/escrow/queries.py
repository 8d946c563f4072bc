"""Reading transactions of either kind (online `EscrowTransaction`, face-to-face
`EscrowP2PTransaction`) and paging lists: one set of helpers, parameterised by the model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from peerx.core.errors import NotFound
from peerx.products.escrow.charges import code_error
from peerx.products.escrow.models import EscrowP2PTransaction, EscrowTransaction

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
