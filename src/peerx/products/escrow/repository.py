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
from peerx.core.ledger import LedgerAccount
from peerx.core.period import ALWAYS, Period
from peerx.products.escrow.charges import code_error
from peerx.products.escrow.models import (
    EscrowListing,
    EscrowNotification,
    EscrowP2PTransaction,
    EscrowPayout,
    EscrowTransaction,
    EscrowUser,
    OAuthClient,
    OAuthToken,
    TransactionStatus,
)

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


async def row(session: AsyncSession, model: type[Tx], tx_id: int) -> Tx | None:
    """The row by id, unlocked, whoever's it is (jobs and operator views)."""
    return await session.get(model, tx_id)


# ---------------------------------------------------------------- users, clients, tokens


async def user(session: AsyncSession, user_id: int) -> EscrowUser | None:
    return await session.get(EscrowUser, user_id)


async def user_by_email(session: AsyncSession, email: str) -> EscrowUser | None:
    """By the stored (lower-cased) address."""
    return await session.scalar(select(EscrowUser).where(EscrowUser.email == email))


async def lock_user(session: AsyncSession, user_id: int) -> EscrowUser | None:
    """The user locked, re-read: one payout decision per user at a time."""
    found: EscrowUser | None = await session.scalar(_locked(select(EscrowUser).where(EscrowUser.id == user_id), True))
    return found


async def client(session: AsyncSession, client_id: str) -> OAuthClient | None:
    return await session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))


async def token_by_access_hash(session: AsyncSession, digest: str) -> OAuthToken | None:
    return await session.scalar(select(OAuthToken).where(OAuthToken.access_token_hash == digest))


# ---------------------------------------------------------------- wallets, payouts, notifications, listings


async def wallet_accounts(session: AsyncSession, user_id: int) -> list[LedgerAccount]:
    """The seller's wallets, one per currency and mode (ledger keys escrow_user:<id>/wallet/...)."""
    query = select(LedgerAccount).where(LedgerAccount.key.like(f"escrow_user:{user_id}/wallet/%"))
    return list(await session.scalars(query))


async def lock_payout(session: AsyncSession, payout_id: int) -> EscrowPayout | None:
    found: EscrowPayout | None = await session.scalar(
        _locked(select(EscrowPayout).where(EscrowPayout.id == payout_id), True)
    )
    return found


async def payouts(session: AsyncSession, user_id: int | None = None) -> list[EscrowPayout]:
    """Newest first; one user's, or everyone's."""
    query = select(EscrowPayout).order_by(EscrowPayout.id.desc())
    if user_id is not None:
        query = query.where(EscrowPayout.user_id == user_id)
    return list(await session.scalars(query))


async def notifications_page(session: AsyncSession, actor: Actor, page: Page) -> list[EscrowNotification]:
    query = select(EscrowNotification).where(EscrowNotification.user_id == actor.user_id)
    return await fetch_page(session, query, EscrowNotification.id, page)


async def notification(session: AsyncSession, notification_id: int) -> EscrowNotification | None:
    return await session.get(EscrowNotification, notification_id)


async def listing(
    session: AsyncSession, actor: Actor, kind: str, listing_id: int, *, lock: bool
) -> EscrowListing | None:
    """A live (not deleted) listing of this kind in the actor's mode."""
    query = select(EscrowListing).where(
        EscrowListing.id == listing_id,
        EscrowListing.kind == kind,
        EscrowListing.livemode == actor.livemode,
        EscrowListing.deleted.is_(None),
    )
    found: EscrowListing | None = await session.scalar(_locked(query, lock))
    return found


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
    session: AsyncSession,
    *,
    model: str,
    status: str | None,
    livemode: bool | None,
    page: int,
    per_page: int,
    period: Period = ALWAYS,
) -> tuple[list[AnyTx], int]:
    """One page of one model's transactions (created within `period`) newest first, and the total."""
    table = TABLES[model]
    query = period.apply(select(table), table.created)
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
