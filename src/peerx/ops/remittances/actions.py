"""Operator actions of the Peex desk (partner terms, cancel, retry, settle, platform users) and of
the rails (the float at each operator). Shared by the CLI and /ops/v1/remittances, /ops/v1/rails;
they call product and rails services, never their tables."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.errors import InvalidField, NotFound
from peerx.core.money import EXPONENTS, from_minor, to_minor
from peerx.core.parties import get_party
from peerx.ops.actions import product_step
from peerx.platform import Platform
from peerx.products.remittances import common, partners
from peerx.products.remittances import repository as queries
from peerx.products.remittances import service as remittances
from peerx.rails import floats


def _policy(platform: Platform) -> common.Policy:
    return common.Policy.from_settings(platform.settings)


async def set_partner(
    platform: Platform, session: AsyncSession, *, account_id: int, changes: partners.PartnerChanges
) -> dict[str, Any]:
    policy = _policy(platform)
    party = await get_party(session, account_id)
    partner = await partners.update_partner(session, platform.keys.cipher, account_id, policy, changes)
    return {
        "id": account_id,
        "name": party.name,
        "email": party.email,
        "callback_url": partner.callback_url,
        # Signs every callback (X-Peex-Signature and the Standard Webhooks headers), both modes.
        "callback_secret": await partners.callback_secret(session, platform.keys.cipher, partner),
        "mtn_fees": partner.mtn_fees,
        "orange_fees": partner.orange_fees,
        "max_amount": partners.effective_max_amount(partner, policy),
        "is_activated": partner.is_activated,
        "adress": partner.adress,
        "web_site": partner.web_site,
        "description": partner.description,
    }


async def show(platform: Platform, session: AsyncSession, *, transaction_id: int) -> dict[str, Any]:
    tx = await queries.lock_transaction(session, transaction_id)
    if tx is None:
        raise NotFound(f"remittance {transaction_id} not found")
    return remittances.operator_view(tx)


async def cancel(platform: Platform, session: AsyncSession, *, transaction_id: int, reason: str) -> dict[str, Any]:
    return remittances.operator_view(await remittances.cancel(session, transaction_id, reason))


async def retry(platform: Platform, session: AsyncSession, *, transaction_id: int) -> dict[str, Any]:
    return remittances.operator_view(await remittances.retry(session, transaction_id, _policy(platform)))


async def settle(
    platform: Platform, session: AsyncSession, *, transaction_id: int, paid: bool, note: str
) -> dict[str, Any]:
    return remittances.operator_view(await remittances.settle(session, transaction_id, paid=paid, note=note))


# A platform user partners pay by email alone (email, mobile_phone, names, livemode): the
# product's parameters, its view.
set_beneficiary = product_step(partners.set_beneficiary, partners.beneficiary_view)


def _float_dict(view: floats.FloatView) -> dict[str, Any]:
    cur = view.currency
    return {
        "rail": view.rail,
        "currency": cur,
        "livemode": view.livemode,
        "amount": from_minor(view.balance, cur),
        "reserved": from_minor(view.reserved, cur),
        "available": from_minor(view.available, cur),
    }


def _currency(raw: str) -> str:
    currency = raw.strip().upper()
    if currency not in EXPONENTS:
        raise InvalidField("currency", "must be a supported ISO 4217 code")
    return currency


async def set_float(
    platform: Platform, session: AsyncSession, *, rail: str, currency: str, amount: Decimal, livemode: bool
) -> dict[str, Any]:
    """What the platform holds at the operator; remittances waiting for float (mw_balance_pending)
    are resumed at once by a job queued in the same unit of work."""
    cur = _currency(currency)
    try:
        minor = to_minor(amount, cur)
    except ValueError as exc:
        raise InvalidField("amount", str(exc)) from None
    view = await floats.set_float(session, rail=rail, currency=cur, amount=minor, livemode=livemode)
    return _float_dict(view)


async def get_float(
    platform: Platform, session: AsyncSession, *, rail: str, currency: str, livemode: bool
) -> dict[str, Any]:
    cur = _currency(currency)
    view = await floats.get_float(session, rail, cur, livemode)
    if view is None:
        return {"rail": rail, "currency": cur, "livemode": livemode, "tracked": False}
    return {**_float_dict(view), "tracked": True}
