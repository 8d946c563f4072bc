"""The account's rules: the parties' details, notifications and personal details. The transaction
steps are in the kernel (kernel.py) and its two flows (online.py, p2p.py); payouts in payouts.py.
Takes a session, raises core errors; the request owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import utcnow
from peerx.core.errors import InvalidField, NotFound
from peerx.products.escrow import charges, repository
from peerx.products.escrow.models import EscrowNotification, EscrowP2PTransaction, EscrowTransaction, EscrowUser
from peerx.products.escrow.repository import Actor
from peerx.products.escrow.wire import wire_time


async def party_details(
    session: AsyncSession, tx: EscrowTransaction | EscrowP2PTransaction, role: str
) -> dict[str, Any]:
    """buyer_details / seller_details: the document's User {email, name}, so the parties can
    reach each other (face to face: whom to meet). 404 until that party has joined."""
    user = await party(session, tx, role)
    return {"email": user.email, "name": f"{user.first_name} {user.last_name}".strip()}


async def party(session: AsyncSession, tx: EscrowTransaction | EscrowP2PTransaction, role: str) -> EscrowUser:
    """The buyer or the seller (404 until that party has joined)."""
    user_id = tx.buyer_id if role == "buyer" else tx.seller_id
    user = None if user_id is None else await repository.user(session, user_id)
    if user is None:
        raise NotFound("Not Found")
    return user


# ---------------------------------------------------------------- notifications


def notification_view(n: EscrowNotification) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": n.id,
        "created": wire_time(n.created),
        "user_id": str(n.user_id),
        "description": n.description,
        "target": n.target,
    }
    if n.read is not None:
        view["read"] = wire_time(n.read)
    return view


async def notifications(session: AsyncSession, actor: Actor, page: repository.Page) -> list[EscrowNotification]:
    return await repository.notifications_page(session, actor, page)


async def notification(
    session: AsyncSession, actor: Actor, notification_id: int, *, mark_read: bool
) -> EscrowNotification:
    found = await repository.notification(session, notification_id)
    if found is None or found.user_id != actor.user_id:
        raise NotFound("Not Found")
    if mark_read and found.read is None:
        found.read = utcnow()
        await session.flush()
    return found


# ---------------------------------------------------------------- personal details


def personal_view(user: EscrowUser) -> dict[str, Any]:
    view: dict[str, Any] = {"name": {"first": user.first_name, "last": user.last_name}}
    for key in ("address", "dob", "tos_acceptance"):
        if key in user.personal:
            view[key] = user.personal[key]
    return view


@dataclass(frozen=True)
class PersonalUpdate:
    """PUT /me/personal: what was sent (None: keep). An address replaces the stored one whole."""

    first: str | None = None
    last: str | None = None
    address: dict[str, str] | None = None
    dob: tuple[int, int, int] | None = None  # day, month, year


async def set_personal(session: AsyncSession, user: EscrowUser, update: PersonalUpdate) -> EscrowUser:
    if update.first is not None:
        user.first_name = update.first[:100]
    if update.last is not None:
        user.last_name = update.last[:100]
    personal = dict(user.personal)
    if update.address is not None:
        personal["address"] = dict(update.address)
    if update.dob is not None:
        personal["dob"] = _dob(*update.dob)
    user.personal = personal
    await session.flush()
    return user


def _dob(day: int, month: int, year: int) -> dict[str, int]:
    try:
        datetime(year, month, day)  # noqa: DTZ001 - a calendar check only
    except (TypeError, ValueError, OverflowError):
        raise InvalidField("dob", "must be a valid date with day, month and year") from None
    return {"day": day, "month": month, "year": year}


async def accept_tos(
    session: AsyncSession, user: EscrowUser, *, unix_timestamp: int, ip: str, user_agent: str
) -> EscrowUser:
    if not ip.strip():
        raise InvalidField("ip", "is required")
    user.personal = {
        **user.personal,
        "tos_acceptance": {"unix_timestamp": unix_timestamp, "ip": ip.strip(), "user_agent": user_agent},
    }
    await session.flush()
    return user


async def set_active_country(session: AsyncSession, user: EscrowUser, country_code: str) -> EscrowUser:
    code = country_code.strip()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise charges.code_error("country_code", "must be an ISO 3166-1 alpha-2 code", "invalid_country_code")
    user.country_code = code.upper()
    await session.flush()
    return user
