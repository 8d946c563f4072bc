"""Peex partners (their terms, callback URL and solde, as clients/me shows them) and the platform
users a partner can pay by email."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core import ledger
from peerx.core.db import utcnow
from peerx.core.errors import InvalidField
from peerx.core.http import validate_url_shape
from peerx.core.money import to_minor
from peerx.core.parties import Caller, get_party
from peerx.core.secrets import FieldCipher
from peerx.core.webhooks import SECRET_CONTEXT, add_endpoint, disable_endpoint
from peerx.products.remittances import repository
from peerx.products.remittances.common import CURRENCY, SURFACE, Policy, one_decimal, wallet_account, wire_time
from peerx.products.remittances.models import Beneficiary, Partner
from peerx.rails.msisdn import CAMEROON_COUNTRY_CODE, cameroon_network, normalize_msisdn


async def partner_profile(session: AsyncSession, party_id: int, policy: Policy) -> Partner:
    """The partner's profile, created with the platform's default terms the first time."""
    found = await repository.partner(session, party_id)
    if found is not None:
        return found
    await get_party(session, party_id)
    return await repository.add_partner_once(
        session, party_id, mtn_fees=policy.default_mtn_fee, orange_fees=policy.default_orange_fee
    )


def _xaf(raw: Decimal, field: str, *, minimum: int) -> int:
    try:
        value = to_minor(raw, CURRENCY)
    except ValueError:
        raise InvalidField(field, "must be a whole number of XAF") from None
    if value < minimum:
        raise InvalidField(field, f"must be at least {minimum}")
    return value


@dataclass(frozen=True)
class PartnerChanges:
    callback_url: str | None = None  # "" removes it
    mtn_fee: Decimal | None = None
    orange_fee: Decimal | None = None
    max_amount: Decimal | None = None
    adress: str | None = None
    web_site: str | None = None
    description: str | None = None
    is_activated: bool | None = None


async def update_partner(
    session: AsyncSession, cipher: FieldCipher, party_id: int, policy: Policy, changes: PartnerChanges
) -> Partner:
    partner = await partner_profile(session, party_id, policy)
    if changes.mtn_fee is not None:
        partner.mtn_fees = _xaf(changes.mtn_fee, "mtn_fee", minimum=0)
    if changes.orange_fee is not None:
        partner.orange_fees = _xaf(changes.orange_fee, "orange_fee", minimum=0)
    if changes.max_amount is not None:
        partner.max_amount = _xaf(changes.max_amount, "max_amount", minimum=1)
    for name, limit in (("adress", 300), ("web_site", 300), ("description", 2000)):
        value = getattr(changes, name)
        if value is not None:
            if len(value) > limit:
                raise InvalidField(name, f"must be at most {limit} characters")
            setattr(partner, name, value.strip() or None)
    if changes.is_activated is not None:
        partner.is_activated = changes.is_activated
    if changes.callback_url is not None:
        await _set_callback_url(session, cipher, partner, changes.callback_url.strip())
    partner.updated_at = utcnow()
    await session.flush()
    return partner


async def _set_callback_url(session: AsyncSession, cipher: FieldCipher, partner: Partner, url: str) -> None:
    """The callback_url is a webhook endpoint of surface "peex" per mode, sharing one secret, so
    status changes go through the core's signed, retried, deduplicable delivery."""
    live = await repository.webhook_endpoint(session, partner.live_endpoint_id)
    test = await repository.webhook_endpoint(session, partner.test_endpoint_id)
    if not url:
        for endpoint in (live, test):
            if endpoint is not None and endpoint.disabled_at is None:
                await disable_endpoint(session, endpoint)
        partner.callback_url = partner.live_endpoint_id = partner.test_endpoint_id = None
        return
    usable = [e for e in (live, test) if e is not None and e.disabled_at is None]
    if live is not None and test is not None and len(usable) == 2:
        problem = validate_url_shape(url)
        if problem:
            raise InvalidField("callback_url", problem)
        live.url = test.url = url  # same secret; deliveries still queued go to the new URL
    else:
        for endpoint in usable:  # never two live endpoints for one partner
            await disable_endpoint(session, endpoint)
        created = await add_endpoint(
            session, cipher, party_id=partner.party_id, surface=SURFACE, url=url, livemode=True, field="callback_url"
        )
        twin = await add_endpoint(
            session, cipher, party_id=partner.party_id, surface=SURFACE, url=url, livemode=False, field="callback_url"
        )
        twin.endpoint.secret_encrypted = created.endpoint.secret_encrypted  # one secret for both modes
        partner.live_endpoint_id, partner.test_endpoint_id = created.endpoint.id, twin.endpoint.id
    partner.callback_url = url


async def callback_secret(session: AsyncSession, cipher: FieldCipher, partner: Partner) -> str | None:
    endpoint = await repository.webhook_endpoint(session, partner.live_endpoint_id)
    return cipher.decrypt(endpoint.secret_encrypted, context=SECRET_CONTEXT) if endpoint else None


def effective_max_amount(partner: Partner, policy: Policy) -> int:
    return partner.max_amount if partner.max_amount is not None else policy.max_amount


async def solde(session: AsyncSession, party_id: int, livemode: bool) -> int:
    account = await ledger.find_account(session, wallet_account(party_id, livemode))
    return account.available if account is not None else 0


async def partner_view(session: AsyncSession, caller: Caller, policy: Policy) -> dict[str, Any]:
    """GET clients/me, field for field as the document's sample (solde, not the model's sold)."""
    party = await get_party(session, caller.party_id)
    partner = await partner_profile(session, caller.party_id, policy)
    return {
        "name": party.name,
        "email": party.email,
        "adress": partner.adress,
        "web_site": partner.web_site,
        "description": partner.description,
        "callback_url": partner.callback_url,
        "solde": one_decimal(await solde(session, caller.party_id, caller.livemode)),
        "orange_fees": one_decimal(partner.orange_fees),
        "mtn_fees": one_decimal(partner.mtn_fees),
        "is_activated": partner.is_activated,
        "created_at": wire_time(party.created_at),
        "updated_at": wire_time(max(party.updated_at, partner.updated_at)),
    }


# ---------------------------------------------------------------- beneficiaries (platform users)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_email(raw: str, field: str) -> str:
    """The document's email format ("testuser@gmail.com"); compared lower-cased."""
    address = raw.strip()
    if len(address) > 254 or not _EMAIL.match(address):
        raise InvalidField(field, "must be an email address such as testuser@gmail.com")
    return address.lower()


def cameroon_wallet(raw: str, field: str) -> tuple[str, str]:
    """(msisdn 237..., network) of an MTN or Orange Cameroon number, or InvalidField."""
    try:
        msisdn = normalize_msisdn(raw, CAMEROON_COUNTRY_CODE)
    except ValueError as exc:
        raise InvalidField(field, f"is not a valid phone number ({exc})") from None
    if not msisdn.startswith(CAMEROON_COUNTRY_CODE):
        raise InvalidField(field, "must be a Cameroon (+237) number: payments are paid in Cameroon")
    network = cameroon_network(msisdn)
    if network is None:
        raise InvalidField(field, "must be an MTN or Orange Cameroon mobile money number")
    return msisdn, network


async def set_beneficiary(
    session: AsyncSession,
    *,
    email: str,
    mobile_phone: str,
    first_name: str | None,
    last_name: str | None,
    livemode: bool,
) -> Beneficiary:
    address = check_email(email, "email")
    msisdn, _ = cameroon_wallet(mobile_phone, "mobile_phone")
    now = utcnow()
    found = await repository.beneficiary(session, livemode, address, lock=True)
    if found is None:
        found = Beneficiary(livemode=livemode, email=address, msisdn=msisdn, created_at=now, updated_at=now)
        session.add(found)
    found.msisdn = msisdn
    found.first_name = (first_name or "").strip()[:100] or None
    found.last_name = (last_name or "").strip()[:100] or None
    found.updated_at = now
    await session.flush()
    return found


def beneficiary_view(beneficiary: Beneficiary) -> dict[str, Any]:
    return {
        "id": beneficiary.id,
        "email": beneficiary.email,
        "mobile_phone": "+" + beneficiary.msisdn,
        "network": cameroon_network(beneficiary.msisdn),
        "first_name": beneficiary.first_name,
        "last_name": beneficiary.last_name,
        "livemode": beneficiary.livemode,
    }
