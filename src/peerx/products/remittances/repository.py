"""Every query of the Peex product: partners and their senders, platform users (beneficiaries by
email), a partner's transactions (scoped to the caller with `owned_by`), the rows the rules lock,
and the operator reads the ops actions and views call (they never touch the tables themselves)."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import dialect_insert, paginate, utcnow
from peerx.core.events import WebhookEndpoint
from peerx.core.parties import Caller, Party, owned_by
from peerx.core.period import ALWAYS, Period
from peerx.products.remittances.models import Beneficiary, Partner, RemittanceStatus, Sender, Transaction

# ---------------------------------------------------------------- partners, senders, platform users


async def partner(session: AsyncSession, party_id: int) -> Partner | None:
    return await session.get(Partner, party_id)


async def add_partner_once(session: AsyncSession, party_id: int, *, mtn_fees: int, orange_fees: int) -> Partner:
    """The partner's profile, inserted unless a racing request just did; either way, the row."""
    now = utcnow()
    await session.execute(
        dialect_insert(session)(Partner)
        .values(
            party_id=party_id,
            mtn_fees=mtn_fees,
            orange_fees=orange_fees,
            is_activated=True,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["party_id"])
    )
    found = await session.scalar(select(Partner).where(Partner.party_id == party_id))
    assert found is not None
    return found


async def webhook_endpoint(session: AsyncSession, endpoint_id: int | None) -> WebhookEndpoint | None:
    return await session.get(WebhookEndpoint, endpoint_id) if endpoint_id is not None else None


async def sender(session: AsyncSession, caller: Caller, msisdn: str) -> Sender | None:
    return await session.scalar(select(Sender).where(owned_by(Sender, caller), Sender.msisdn == msisdn))


async def add_sender_once(
    session: AsyncSession, caller: Caller, msisdn: str, *, first_name: str | None, last_name: str | None
) -> Sender:
    """The caller's sender with this number, inserted unless a racing request just did."""
    await session.execute(
        dialect_insert(session)(Sender)
        .values(
            party_id=caller.party_id,
            livemode=caller.livemode,
            msisdn=msisdn,
            first_name=first_name,
            last_name=last_name,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["party_id", "livemode", "msisdn"])
    )
    found = await sender(session, caller, msisdn)
    assert found is not None
    return found


async def beneficiary(session: AsyncSession, livemode: bool, email: str, *, lock: bool = False) -> Beneficiary | None:
    """A platform user a partner can pay by email."""
    query = select(Beneficiary).where(Beneficiary.livemode == livemode, Beneficiary.email == email)
    return await session.scalar(query.with_for_update() if lock else query)


# ---------------------------------------------------------------- a partner's transactions


async def track_id_taken(session: AsyncSession, caller: Caller, track_id: str) -> bool:
    query = select(Transaction.id).where(owned_by(Transaction, caller), Transaction.track_id == track_id)
    return await session.scalar(query) is not None


async def by_track_id(session: AsyncSession, caller: Caller, track_id: str) -> list[Transaction]:
    query = select(Transaction).where(owned_by(Transaction, caller), Transaction.track_id == track_id)
    return list(await session.scalars(query))


async def track_id_of_another(session: AsyncSession, caller: Caller, track_id: str) -> bool:
    """Whether another partner, in the caller's mode, has a transaction with this track_id."""
    query = select(Transaction.id).where(
        Transaction.livemode == caller.livemode,
        Transaction.track_id == track_id,
        Transaction.party_id != caller.party_id,
    )
    return await session.scalar(query) is not None


async def list_transactions(session: AsyncSession, caller: Caller, *, page: int, per_page: int) -> list[Transaction]:
    return list(
        await session.scalars(
            select(Transaction)
            .where(owned_by(Transaction, caller))
            .order_by(Transaction.created_at.desc(), Transaction.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )


async def lock_transaction(session: AsyncSession, transaction_id: int) -> Transaction | None:
    """The transaction locked, re-read (the payout job, the callback and an operator may race)."""
    return await session.scalar(
        select(Transaction)
        .where(Transaction.id == transaction_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def waiting_for_float(session: AsyncSession, network: str | None, livemode: bool) -> list[int]:
    """Transactions waiting for the platform's float on this network, oldest first."""
    rows = await session.scalars(
        select(Transaction.id)
        .where(
            Transaction.status == RemittanceStatus.MW_BALANCE_PENDING,
            Transaction.network == network,
            Transaction.livemode == livemode,
        )
        .order_by(Transaction.id)
    )
    return list(rows)


# ---------------------------------------------------------------- operator reads


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
    period: Period = ALWAYS,
) -> tuple[list[Transaction], int]:
    """One page of transactions (created within `period`), newest first, and the total; `search`
    matches the track_id or the beneficiary (email or phone as the partner gave it)."""
    query = period.apply(select(Transaction), Transaction.created_at)
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
