"""Operator actions of the Peex desk (partner terms, cancel, retry, settle, platform users) and of
the rails (the float at each operator). Shared by the CLI and /ops/v1/remittances, /ops/v1/rails;
they call product and rails services, never their tables."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.errors import InvalidField, NotFound
from peerx.core.money import EXPONENTS, from_minor, to_minor
from peerx.core.parties import get_party
from peerx.platform import Platform
from peerx.products.remittances import common, partners
from peerx.products.remittances import service as remittances
from peerx.rails import floats
from peerx.web import PlatformDep, Session, WireJSON, decimal_field, json_object

router = APIRouter()  # /ops/v1/remittances
rails_router = APIRouter()  # /ops/v1/rails


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


def _optional_text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    return None if value is None else str(value)


@router.put("/partners/{account_id}")
async def put_partner(account_id: int, request: Request, session: Session, platform: PlatformDep) -> Response:
    body = json_object(await request.body())
    active = body.get("is_activated")
    changes = partners.PartnerChanges(
        callback_url=_optional_text(body, "callback_url"),
        mtn_fee=decimal_field(body, "mtn_fee", required=False),
        orange_fee=decimal_field(body, "orange_fee", required=False),
        max_amount=decimal_field(body, "max_amount", required=False),
        adress=_optional_text(body, "adress"),
        web_site=_optional_text(body, "web_site"),
        description=_optional_text(body, "description"),
        is_activated=None if active is None else bool(active),
    )
    return WireJSON(await set_partner(platform, session, account_id=account_id, changes=changes))


@router.put("/beneficiaries")
async def put_beneficiary(request: Request, session: Session, platform: PlatformDep) -> Response:
    body = json_object(await request.body())
    return WireJSON(
        await set_beneficiary(
            platform,
            session,
            email=str(body.get("email", "")),
            mobile_phone=str(body.get("mobile_phone", "")),
            first_name=_optional_text(body, "first_name"),
            last_name=_optional_text(body, "last_name"),
            livemode=not bool(body.get("test", False)),
        )
    )


@router.get("/{transaction_id}")
async def get_one(transaction_id: int, session: Session, platform: PlatformDep) -> Response:
    return WireJSON(await show(platform, session, transaction_id=transaction_id))


@router.post("/{transaction_id}/cancel")
async def post_cancel(transaction_id: int, request: Request, session: Session, platform: PlatformDep) -> Response:
    body = json_object(await request.body())
    return WireJSON(await cancel(platform, session, transaction_id=transaction_id, reason=str(body.get("reason", ""))))


@router.post("/{transaction_id}/retry")
async def post_retry(transaction_id: int, session: Session, platform: PlatformDep) -> Response:
    return WireJSON(await retry(platform, session, transaction_id=transaction_id))


@router.post("/{transaction_id}/settle")
async def post_settle(transaction_id: int, request: Request, session: Session, platform: PlatformDep) -> Response:
    body = json_object(await request.body())
    outcome = body.get("outcome")
    if outcome not in ("paid", "failed"):
        raise InvalidField("outcome", "must be paid or failed")
    return WireJSON(
        await settle(
            platform, session, transaction_id=transaction_id, paid=outcome == "paid", note=str(body.get("note", ""))
        )
    )


# ---------------------------------------------------------------- /ops/v1/rails


@rails_router.put("/floats")
async def put_float(request: Request, session: Session, platform: PlatformDep) -> Response:
    body = json_object(await request.body())
    amount = decimal_field(body, "amount")
    assert amount is not None
    return WireJSON(
        await set_float(
            platform,
            session,
            rail=str(body.get("rail", "")),
            currency=str(body.get("currency", "")),
            amount=amount,
            livemode=not bool(body.get("test", False)),
        )
    )


@rails_router.get("/floats")
async def read_float(
    session: Session, platform: PlatformDep, rail: str = "", currency: str = "XAF", test: bool = False
) -> Response:
    return WireJSON(await get_float(platform, session, rail=rail, currency=currency, livemode=not test))
