"""Each operator action takes the platform and an open unit of work and returns the JSON object
that the CLI prints and the ops API answers. They call product services, never product tables."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core import ledger, parties, webhooks
from peerx.core.errors import InvalidField
from peerx.core.money import EXPONENTS, from_minor, to_minor
from peerx.platform import Platform

StepParams = ParamSpec("StepParams")
StepResult = TypeVar("StepResult")


def product_step(
    step: Callable[Concatenate[AsyncSession, StepParams], Awaitable[StepResult]],
    view: Callable[[StepResult], dict[str, Any]],
) -> Callable[Concatenate[Platform, AsyncSession, StepParams], Awaitable[dict[str, Any]]]:
    """An action that is one product step shown through the product's view. It takes the step's
    own parameters, so they are declared once (in the product) and type-checked at every caller."""

    async def action(
        platform: Platform, session: AsyncSession, /, *args: StepParams.args, **kwargs: StepParams.kwargs
    ) -> dict[str, Any]:
        return view(await step(session, *args, **kwargs))

    action.__name__, action.__qualname__, action.__doc__ = step.__name__, step.__qualname__, step.__doc__
    return action


def funding_account(currency: str, livemode: bool) -> ledger.AccountSpec:
    """Where operator credits come from: money the operator received outside the platform."""
    return ledger.platform_account("funding", currency, livemode)


async def create_account(platform: Platform, session: AsyncSession, *, name: str, email: str) -> dict[str, Any]:
    if not name.strip():
        raise InvalidField("name", "is required")
    if "@" not in email or len(email) > 320:
        raise InvalidField("email", "must be an email address")
    party = await parties.create_party(session, name=name.strip(), email=email.strip())
    credentials = await parties.issue_all_credentials(session, party)
    return {"id": party.id, "name": party.name, "email": party.email, **credentials}


async def fund_account(
    platform: Platform, session: AsyncSession, *, account_id: int, currency: str, amount: Decimal, livemode: bool
) -> dict[str, Any]:
    currency = currency.upper()
    if currency not in EXPONENTS:
        raise InvalidField("currency", "must be a supported ISO 4217 code")
    try:
        minor = to_minor(amount, currency)
    except ValueError as exc:
        raise InvalidField("amount", str(exc)) from None
    if minor <= 0:
        raise InvalidField("amount", "must be greater than 0")
    await parties.get_party(session, account_id)
    source = await ledger.get_account(session, funding_account(currency, livemode))
    wallet = await ledger.get_account(session, ledger.party_wallet(account_id, currency, livemode))
    moved = await ledger.transfer(session, source, wallet, minor, code="ops.fund", reference=f"party:{account_id}")
    await session.refresh(wallet)
    return {
        "id": account_id,
        "currency": currency,
        "livemode": livemode,
        "amount": from_minor(minor, currency),
        "available": from_minor(wallet.available, currency),
        "transfer_id": moved.id,
    }


# Permissions a party can hold; products check them by name (e.g. Peerwallet's voucher-issue).
PERMISSIONS = ("transfer_funds",)


async def _permissions_view(session: AsyncSession, account_id: int, permission: str) -> dict[str, Any]:
    held = await session.scalars(
        select(parties.PartyPermission.permission)
        .where(parties.PartyPermission.party_id == account_id)
        .order_by(parties.PartyPermission.permission)
    )
    names = list(held)
    return {"id": account_id, "permission": permission, "granted": permission in names, "permissions": names}


async def _change_permission(
    session: AsyncSession,
    account_id: int,
    permission: str,
    change: Callable[[AsyncSession, int, str], Awaitable[object]],
) -> dict[str, Any]:
    """Grant or revoke (`change`) a known permission; the party's permissions after it."""
    if permission not in PERMISSIONS:
        raise InvalidField("permission", f"must be one of {', '.join(PERMISSIONS)}")
    await change(session, account_id, permission)
    return await _permissions_view(session, account_id, permission)


async def grant_permission(
    platform: Platform, session: AsyncSession, *, account_id: int, permission: str
) -> dict[str, Any]:
    return await _change_permission(session, account_id, permission, parties.grant)


async def revoke_permission(
    platform: Platform, session: AsyncSession, *, account_id: int, permission: str
) -> dict[str, Any]:
    return await _change_permission(session, account_id, permission, parties.revoke)


async def add_webhook(
    platform: Platform, session: AsyncSession, *, account_id: int, url: str, livemode: bool, surface: str
) -> dict[str, Any]:
    await parties.get_party(session, account_id)
    created = await webhooks.add_endpoint(
        session, platform.keys.cipher, party_id=account_id, surface=surface, url=url, livemode=livemode
    )
    return {"id": created.endpoint.id, "url": url, "livemode": livemode, "surface": surface, "secret": created.secret}


async def replay_webhooks(
    platform: Platform, session: AsyncSession, *, event_id: str | None, delivery_id: int | None
) -> dict[str, Any]:
    created = await webhooks.replay(session, event_id=event_id, delivery_id=delivery_id)
    return {"deliveries": created}


async def verify_ledger(platform: Platform, session: AsyncSession) -> dict[str, Any]:
    report = await ledger.verify(session)
    return {"ok": report.ok, "accounts": report.accounts, "transfers": report.transfers, "problems": report.problems}
