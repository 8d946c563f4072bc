"""The account lifecycle, one action each for the CLI, /ops/v1 and the console: list and search
accounts per product, roll an API key with a grace period, suspend and reinstate.

An account is a party (peerx.core.parties): one per merchant, vendor, partner or escrow client,
holding keys for every product it was given. `product` names the surface whose accounts are
meant: peertupeer (merchants), peerwallet (vendors), peex (partners), trustap (escrow clients);
an account is one of a product's when it holds a key of that product. Keys are never shown, only
their visible prefixes; a new key is shown once, by the roll that made it."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core import parties
from peerx.core.errors import Conflict, InvalidField
from peerx.core.parties import Credential, Party
from peerx.ops.views.common import PageRequest, page_dict, scalars_page
from peerx.ops.views.listing import DateRange
from peerx.platform import Platform
from peerx.products.escrow.models import OAuthClient

log = logging.getLogger(__name__)

# Each product's surface and what its accounts are called.
PRODUCTS = {"peertupeer": "merchants", "peerwallet": "vendors", "peex": "partners", "trustap": "escrow clients"}
MAX_GRACE_HOURS = 24 * 30  # a leaked key should not stay usable for longer than a month
REASON_LENGTH = 1000


def product_name(value: str | None, *, required: bool = False) -> str | None:
    picked = (value or "").strip().lower()
    if not picked:
        if required:
            raise InvalidField("product", f"is required: one of {', '.join(PRODUCTS)}")
        return None
    if picked not in PRODUCTS:
        raise InvalidField("product", f"must be one of {', '.join(PRODUCTS)}")
    return picked


def _key_view(credential: Credential) -> dict[str, Any]:
    return {
        "id": credential.id,
        "product": credential.surface,
        "livemode": credential.livemode,
        "prefix": credential.prefix,
        "created_at": credential.created_at,
        "expires_at": credential.expires_at,
        "active": parties.usable(credential),
    }


def _account_view(party: Party, keys: list[Credential]) -> dict[str, Any]:
    return {
        "id": party.id,
        "name": party.name,
        "email": party.email,
        "status": "suspended" if party.suspended_at is not None else "active",
        "suspended_at": party.suspended_at,
        "suspended_reason": party.suspended_reason,
        "created_at": party.created_at,
        "products": sorted({key.surface for key in keys}),
        "keys": [_key_view(key) for key in keys],
    }


async def _keys_of(session: AsyncSession, party_ids: list[int]) -> dict[int, list[Credential]]:
    found: dict[int, list[Credential]] = {party_id: [] for party_id in party_ids}
    if party_ids:
        rows = await session.scalars(
            select(Credential).where(Credential.party_id.in_(party_ids)).order_by(Credential.id)
        )
        for credential in rows:
            found[credential.party_id].append(credential)
    return found


async def list_accounts(
    platform: Platform,
    session: AsyncSession,
    *,
    product: str | None = None,
    search: str | None = None,
    when: DateRange = DateRange(),
    page: PageRequest = PageRequest(),
) -> dict[str, Any]:
    """Accounts (of one product, or all) whose name or email contains `search`, or whose id it
    is; created within `when`; oldest first."""
    surface = product_name(product)
    query = select(Party)
    if surface is not None:
        holds_key: ColumnElement[bool] = exists().where(Credential.party_id == Party.id, Credential.surface == surface)
        if surface == "trustap":  # an OAuth client's account is Trustap's even without an API key
            holds_key = or_(holds_key, Party.id.in_(select(OAuthClient.party_id)))
        query = query.where(holds_key)
    text = (search or "").strip()
    if len(text) > 320 or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise InvalidField("search", "must be at most 320 characters, without control characters")
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        matches: list[ColumnElement[bool]] = [
            Party.name.ilike(pattern, escape="\\"),
            Party.email.ilike(pattern, escape="\\"),
        ]
        if text.isdigit() and len(text) < 19:
            matches.append(Party.id == int(text))
        query = query.where(or_(*matches))
    query = when.apply(query, Party.created_at)
    rows, total = await scalars_page(session, query.order_by(Party.id), page)
    keys = await _keys_of(session, [party.id for party in rows])
    return page_dict([_account_view(party, keys[party.id]) for party in rows], total, page)


async def get_account(platform: Platform, session: AsyncSession, *, account_id: int) -> dict[str, Any]:
    party = await parties.get_party(session, account_id)
    return _account_view(party, (await _keys_of(session, [party.id]))[party.id])


async def roll_key(
    platform: Platform, session: AsyncSession, *, account_id: int, product: str, livemode: bool, grace_hours: int
) -> dict[str, Any]:
    """A new API key for the account's product and mode, shown this once; the keys it replaces
    keep working for `grace_hours` (0: refused at once), then are refused like any unknown key."""
    surface = product_name(product, required=True)
    assert surface is not None
    if not 0 <= grace_hours <= MAX_GRACE_HOURS:
        raise InvalidField("grace_hours", f"must be a whole number of hours from 0 to {MAX_GRACE_HOURS}")
    rolled = await parties.roll_credential(
        session, account_id, surface=surface, livemode=livemode, grace=timedelta(hours=grace_hours)
    )
    mode = "live" if livemode else "test"
    log.info("account %s: %s %s key rolled, grace %sh", account_id, surface, mode, grace_hours)
    return {
        "id": account_id,
        "product": surface,
        "livemode": livemode,
        "key": rolled.key,
        "prefix": rolled.credential.prefix,
        "grace_hours": grace_hours,
        "retired": [_key_view(credential) for credential in rolled.retired],
    }


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise InvalidField("reason", "is required")
    if len(text) > REASON_LENGTH:
        raise InvalidField("reason", f"must be at most {REASON_LENGTH} characters")
    return text


async def suspend_account(platform: Platform, session: AsyncSession, *, account_id: int, reason: str) -> dict[str, Any]:
    """Refuse every API call of the account (its keys and its OAuth clients' tokens) until it is
    reinstated. Nothing else changes: its money, trades and webhooks in flight go on."""
    why = _reason(reason)
    party = await parties.get_party(session, account_id)
    if party.suspended_at is not None:
        raise Conflict(f"account {account_id} is already suspended")
    await parties.set_suspended(session, account_id, reason=why)
    log.info("account %s suspended: %s", account_id, why)
    return await get_account(platform, session, account_id=account_id)


async def reinstate_account(
    platform: Platform, session: AsyncSession, *, account_id: int, reason: str
) -> dict[str, Any]:
    """Let a suspended account's keys work again."""
    why = _reason(reason)
    party = await parties.get_party(session, account_id)
    if party.suspended_at is None:
        raise Conflict(f"account {account_id} is not suspended")
    await parties.set_suspended(session, account_id, reason=None)
    log.info("account %s reinstated: %s", account_id, why)
    return await get_account(platform, session, account_id=account_id)


async def account_names(platform: Platform, session: AsyncSession, *, ids: Iterable[int | None]) -> dict[int, str]:
    """The names of the accounts `ids` name (one query), for lists that show an account."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(Party.id, Party.name).where(Party.id.in_(wanted)))
    return {party_id: name for party_id, name in rows}
