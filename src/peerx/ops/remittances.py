"""Operator actions of the Peex desk (partner terms, cancel, retry, settle, platform users) and of
the rails (the float at each operator). Shared by the CLI and /ops/v1/remittances, /ops/v1/rails;
they call product and rails services, never their tables."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.errors import InvalidField, NotFound
from peerx.core.money import EXPONENTS, from_minor, to_minor
from peerx.core.parties import get_party
from peerx.ops.deps import OPERATOR
from peerx.ops.schemas import (
    BeneficiarySet,
    BeneficiaryView,
    FloatRead,
    FloatSet,
    FloatView,
    PartnerUpdate,
    PartnerView,
    RemittanceCancel,
    RemittanceSettle,
    RemittanceView,
    reply,
)
from peerx.platform import Platform
from peerx.products.remittances import common, partners
from peerx.products.remittances import service as remittances
from peerx.rails import floats
from peerx.web import PlatformDep, Session, wire_router
from peerx.web.types import Flag, Id, Text

router = wire_router(dependencies=[OPERATOR], tags=["remittances"])  # /ops/v1/remittances
rails_router = wire_router(dependencies=[OPERATOR], tags=["rails"])  # /ops/v1/rails
RailName = Annotated[str, Text(40)]
CurrencyCode = Annotated[str, Text(10)]


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
    tx = await remittances.lock_transaction(session, transaction_id)
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


async def set_beneficiary(
    platform: Platform,
    session: AsyncSession,
    *,
    email: str,
    mobile_phone: str,
    first_name: str | None,
    last_name: str | None,
    livemode: bool,
) -> dict[str, Any]:
    saved = await partners.set_beneficiary(
        session, email=email, mobile_phone=mobile_phone, first_name=first_name, last_name=last_name, livemode=livemode
    )
    return partners.beneficiary_view(saved)


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


# ---------------------------------------------------------------- /ops/v1/remittances


@router.put("/partners/{account_id}", response_model=PartnerView)
async def put_partner(account_id: Id, body: PartnerUpdate, session: Session, platform: PlatformDep) -> Response:
    """Change a Peex partner's terms and profile; only the fields given change."""
    changes = partners.PartnerChanges(
        callback_url=body.callback_url,
        mtn_fee=body.mtn_fee,
        orange_fee=body.orange_fee,
        max_amount=body.max_amount,
        adress=body.adress,
        web_site=body.web_site,
        description=body.description,
        is_activated=body.is_activated,
    )
    return reply(PartnerView, await set_partner(platform, session, account_id=account_id, changes=changes))


@router.put("/beneficiaries", response_model=BeneficiaryView)
async def put_beneficiary(body: BeneficiarySet, session: Session, platform: PlatformDep) -> Response:
    """Create or change a platform user a partner can pay by email alone."""
    result = await set_beneficiary(
        platform,
        session,
        email=body.email,
        mobile_phone=body.mobile_phone,
        first_name=body.first_name,
        last_name=body.last_name,
        livemode=not body.test,
    )
    return reply(BeneficiaryView, result)


@router.get("/{transaction_id}", response_model=RemittanceView)
async def get_one(transaction_id: Id, session: Session, platform: PlatformDep) -> Response:
    """A remittance as the operator sees it."""
    return reply(RemittanceView, await show(platform, session, transaction_id=transaction_id))


@router.post("/{transaction_id}/cancel", response_model=RemittanceView)
async def post_cancel(transaction_id: Id, body: RemittanceCancel, session: Session, platform: PlatformDep) -> Response:
    """Cancel a new, waiting or max_amount remittance (the debit is returned to the partner)."""
    return reply(RemittanceView, await cancel(platform, session, transaction_id=transaction_id, reason=body.reason))


@router.post("/{transaction_id}/retry", response_model=RemittanceView)
async def post_retry(transaction_id: Id, session: Session, platform: PlatformDep) -> Response:
    """Try a failed or waiting remittance again."""
    return reply(RemittanceView, await retry(platform, session, transaction_id=transaction_id))


@router.post("/{transaction_id}/settle", response_model=RemittanceView)
async def post_settle(transaction_id: Id, body: RemittanceSettle, session: Session, platform: PlatformDep) -> Response:
    """Settle a pending payout by hand (the manual rail): paid or failed."""
    result = await settle(platform, session, transaction_id=transaction_id, paid=body.outcome == "paid", note=body.note)
    return reply(RemittanceView, result)


# ---------------------------------------------------------------- /ops/v1/rails


@rails_router.put("/floats", response_model=FloatView)
async def put_float(body: FloatSet, session: Session, platform: PlatformDep) -> Response:
    """Set what the platform holds at a rail's operator (refused below what payouts reserve)."""
    result = await set_float(
        platform, session, rail=body.rail, currency=body.currency, amount=body.amount, livemode=not body.test
    )
    return reply(FloatView, result)


@rails_router.get("/floats", response_model=FloatRead)
async def read_float(
    session: Session,
    platform: PlatformDep,
    rail: RailName = "",
    currency: CurrencyCode = "XAF",
    test: Flag = False,
) -> Response:
    """A rail's float: tracked or not, and if tracked its balance, reservations and what is left."""
    return reply(FloatRead, await get_float(platform, session, rail=rail, currency=currency, livemode=not test))
