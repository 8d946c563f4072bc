"""Parties (merchants, vendors, partners) and their credentials.

A credential belongs to one party and one product surface, and is live or test. Only a hash of
the key is stored, with a visible prefix (ptp_live_a1b2...) so an operator can tell keys apart.

Every surface resolves its API keys through `authenticate`, so the account lifecycle is honoured
in one place: a rolled key works until its grace ends (`expires_at`), and a suspended party's
keys are refused with AccountSuspended (each surface renders it in its own envelope)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, ForeignKey, String, Text, UniqueConstraint, and_, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from peerx.core.db import Base, utcnow
from peerx.core.errors import Forbidden, NotFound
from peerx.core.secrets import hash_api_key, new_token


class Party(Base):
    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Suspended by an operator: every API key refused until reinstated; nothing else changes.
    suspended_at: Mapped[datetime | None]
    suspended_reason: Mapped[str | None] = mapped_column(Text)


class Credential(Base):
    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    surface: Mapped[str] = mapped_column(String(40))
    livemode: Mapped[bool]
    prefix: Mapped[str] = mapped_column(String(40))  # shown to operators, e.g. "ptp_live_Ab3d"
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # A rolled key's grace: it keeps working until then, and is refused after.
    expires_at: Mapped[datetime | None]


class PartyPermission(Base):
    __tablename__ = "party_permissions"
    __table_args__ = (UniqueConstraint("party_id", "permission"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    permission: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime]


@dataclass(frozen=True)
class Caller:
    """Who is calling: resolved once per request by a surface's auth dependency."""

    party_id: int
    credential_id: int
    livemode: bool

    @property
    def scope(self) -> str:
        """The Idempotency-Key space of this caller: one per API credential."""
        return f"credential:{self.credential_id}"


def owned_by(table: Any, caller: Caller) -> ColumnElement[bool]:
    """The tenant filter, in one place: rows of the caller's party in the caller's mode (live
    or test). `table` is any mapped class with `party_id` and `livemode` columns."""
    return and_(table.party_id == caller.party_id, table.livemode == caller.livemode)


async def create_party(session: AsyncSession, *, name: str, email: str) -> Party:
    now = utcnow()
    party = Party(name=name, email=email, created_at=now, updated_at=now)
    session.add(party)
    await session.flush()
    return party


async def get_party(session: AsyncSession, party_id: int) -> Party:
    party = await session.get(Party, party_id)
    if party is None:
        raise NotFound(f"account {party_id} not found")
    return party


async def issue_credential(
    session: AsyncSession, party: Party, *, surface: str, livemode: bool, key_prefix: str
) -> str:
    """Create a credential and return its plaintext key: the only time it exists in the clear."""
    plaintext = key_prefix + new_token(24)
    session.add(
        Credential(
            party_id=party.id,
            surface=surface,
            livemode=livemode,
            prefix=plaintext[: len(key_prefix) + 4],
            key_hash=hash_api_key(plaintext),
            created_at=utcnow(),
        )
    )
    await session.flush()
    return plaintext


class AccountSuspended(Forbidden):
    """The key is good but its account is suspended: each surface's envelope, 403 unless its
    document calls every refusal of a key 401 (Peex)."""

    code = "account_suspended"

    def __init__(self) -> None:
        super().__init__("This account is suspended: contact the operator.")


def usable(credential: Credential) -> bool:
    """Not revoked, and not past a roll's grace."""
    return credential.revoked_at is None and (credential.expires_at is None or credential.expires_at > utcnow())


async def authenticate(session: AsyncSession, *, surface: str, plaintext: str | None) -> Caller | None:
    """The caller behind an API key of `surface` (None: unknown, revoked or past its grace);
    AccountSuspended when the key is good but its party is suspended. One query."""
    if not plaintext:
        return None
    found = (
        await session.execute(
            select(Credential, Party.suspended_at)
            .join(Party, Party.id == Credential.party_id)
            .where(Credential.key_hash == hash_api_key(plaintext), Credential.surface == surface)
        )
    ).first()
    if found is None or not usable(found[0]):
        return None
    credential, suspended_at = found
    if suspended_at is not None:
        raise AccountSuspended()
    return Caller(party_id=credential.party_id, credential_id=credential.id, livemode=credential.livemode)


async def ensure_active(session: AsyncSession, party_id: int) -> None:
    """For credentials that are not API keys (Trustap's OAuth clients): refuse a suspended party."""
    if await session.scalar(select(Party.suspended_at).where(Party.id == party_id)) is not None:
        raise AccountSuspended()


@dataclass(frozen=True)
class RolledKey:
    key: str  # the new key, in the clear this once
    credential: Credential
    retired: list[Credential]  # the keys it replaces, each usable until its expires_at


async def roll_credential(
    session: AsyncSession, party_id: int, *, surface: str, livemode: bool, grace: timedelta
) -> RolledKey:
    """A new key for the party's surface and mode; every key it had there keeps working for
    `grace` (at once refused when grace is zero). A key already in a shorter grace keeps it."""
    party = await get_party(session, party_id)
    current = list(
        await session.scalars(
            select(Credential)
            .where(Credential.party_id == party_id, Credential.surface == surface, Credential.livemode == livemode)
            .order_by(Credential.id)
        )
    )
    live = [c for c in current if usable(c)]
    if not current:
        raise NotFound(f"account {party_id} has no {'live' if livemode else 'test'} {surface} key")
    # The new key has the same visible prefix as the newest one (ptp_live_, peex_test_, ...).
    key_prefix = current[-1].prefix[:-4]
    ends = utcnow() + grace
    for credential in live:
        if credential.expires_at is None or credential.expires_at > ends:
            credential.expires_at = ends
    plaintext = await issue_credential(session, party, surface=surface, livemode=livemode, key_prefix=key_prefix)
    created = await session.scalar(select(Credential).where(Credential.key_hash == hash_api_key(plaintext)))
    assert created is not None
    return RolledKey(plaintext, created, live)


async def set_suspended(session: AsyncSession, party_id: int, *, reason: str | None) -> Party:
    """Suspend (`reason` given) or reinstate (None) a party."""
    party = await get_party(session, party_id)
    now = utcnow()
    party.suspended_at = now if reason is not None else None
    party.suspended_reason = reason
    party.updated_at = now
    await session.flush()
    return party


async def has_permission(session: AsyncSession, party_id: int, permission: str) -> bool:
    found = await session.scalar(
        select(PartyPermission.id).where(PartyPermission.party_id == party_id, PartyPermission.permission == permission)
    )
    return found is not None


async def grant(session: AsyncSession, party_id: int, permission: str) -> None:
    await get_party(session, party_id)
    if not await has_permission(session, party_id, permission):
        session.add(PartyPermission(party_id=party_id, permission=permission, created_at=utcnow()))
        await session.flush()


async def revoke(session: AsyncSession, party_id: int, permission: str) -> None:
    await get_party(session, party_id)
    await session.execute(
        delete(PartyPermission).where(PartyPermission.party_id == party_id, PartyPermission.permission == permission)
    )


# Each product registers how it gives a new account its credentials (e.g. PeerTupeer's live and
# test keys); `peerx accounts create` prints what every product returned under the product's name.
CredentialIssuer = Callable[[AsyncSession, Party], Awaitable[dict[str, Any]]]
_ISSUERS: dict[str, CredentialIssuer] = {}


def register_credential_issuer(name: str, issuer: CredentialIssuer) -> None:
    _ISSUERS[name] = issuer


async def issue_all_credentials(session: AsyncSession, party: Party) -> dict[str, dict[str, Any]]:
    return {name: await issuer(session, party) for name, issuer in _ISSUERS.items()}
