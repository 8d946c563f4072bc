"""Offers: buy offers (bid: an amount range, a verified release address) and sell offers (ask:
one amount, a premium, a return address, funded into escrow before they go online)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.chain import message as signed_message
from peerx.chain import script as scripts
from peerx.core.db import utcnow
from peerx.core.errors import NotFound
from peerx.products.bitcoin import catalogue, market
from peerx.products.bitcoin import failures as f
from peerx.products.bitcoin.context import Peach
from peerx.products.bitcoin.models import PeachEscrow, PeachOffer, PeachOfferMethod, PeachPaymentHash, PeachUser
from peerx.products.bitcoin.reputation import profiles
from peerx.products.bitcoin.wire import decimal, sats, text, wire_time

HASH = re.compile(r"^[0-9a-f]{64}$")
PREMIUM_LIMIT = Decimal(21)
MAX_CURRENCIES, MAX_METHODS = 12, 24


def check_address(peach: Peach, value: str | None, name: str) -> str:
    if value is None:
        raise f.FormInvalid(name, "is required")
    try:
        scripts.script_pubkey_of(value, peach.settings.bitcoin_network)
    except ValueError as exc:
        raise f.FormInvalid(name, str(exc)) from None
    return value


def parse_means_of_payment(value: object) -> dict[str, list[str]]:
    if not isinstance(value, dict) or not value or len(value) > MAX_CURRENCIES:
        raise f.FormInvalid("meansOfPayment", "must map currencies to payment method ids")
    result: dict[str, list[str]] = {}
    count = 0
    for currency, methods in value.items():
        if not isinstance(methods, list) or not methods or not all(isinstance(m, str) for m in methods):
            raise f.FormInvalid("meansOfPayment", f"{currency} must list payment method ids")
        for method_id in methods:
            method = catalogue.METHODS.get(method_id)
            if method is None:
                raise f.FormInvalid("meansOfPayment", f"{method_id} is not a supported payment method")
            if currency not in method.currencies:
                raise f.FormInvalid("meansOfPayment", f"{method_id} does not support {currency}")
        count += len(methods)
        result[str(currency)] = list(dict.fromkeys(methods))
    if count > MAX_METHODS:
        raise f.FormInvalid("meansOfPayment", f"may name at most {MAX_METHODS} payment methods")
    return result


def parse_payment_data(value: object, means: dict[str, list[str]]) -> dict[str, Any]:
    """Each method used needs its field hashes (sha256 hex per field), as many as its template allows."""
    methods = {m for ms in means.values() for m in ms}
    if not isinstance(value, dict) or set(value) != methods:
        raise f.FormInvalid("paymentData", "must give the data hashes of exactly the methods in meansOfPayment")
    result: dict[str, Any] = {}
    for method_id, data in value.items():
        method = catalogue.METHODS[method_id]
        hashes = data.get("hashes") if isinstance(data, dict) else None
        if not isinstance(hashes, list) or not all(isinstance(h, str) and HASH.match(h) for h in hashes):
            raise f.FormInvalid("paymentData", f"{method_id} needs hashes: sha256 hex of each field")
        low, high = (0, 5) if catalogue.is_cash(method_id) else (method.min_fields, method.max_fields)
        if not low <= len(hashes) <= high or len(set(hashes)) != len(hashes):
            raise f.FormInvalid("paymentData", f"{method_id} needs {low} to {high} distinct field hashes")
        entry: dict[str, Any] = {"hashes": list(hashes)}
        country = data.get("country")
        if country is not None:
            if not isinstance(country, str) or not re.match(r"^[A-Z]{2}$", country):
                raise f.FormInvalid("paymentData", f"{method_id} country must be an ISO 3166 code")
            entry["country"] = country
        result[method_id] = entry
    return result


async def claim_payment_hashes(session: AsyncSession, user: PeachUser, payment_data: dict[str, Any]) -> None:
    """A payment account (its hashed fields) belongs to one Peach account."""
    hashes = sorted({h for data in payment_data.values() for h in data["hashes"]})
    if not hashes:
        return
    rows = await session.execute(
        select(PeachPaymentHash.hash, PeachPaymentHash.user_id).where(PeachPaymentHash.hash.in_(hashes))
    )
    owners = {value: owner for value, owner in rows}
    if any(owner != user.id for owner in owners.values()):
        raise f.PaymentHashInvalid("This payment data is used by another account.")
    for value in hashes:
        if value not in owners:
            session.add(PeachPaymentHash(hash=value, user_id=user.id, created_at=utcnow()))


def _amount(peach: Peach, value: object, offer_type: str) -> tuple[int, int]:
    low_limit, high_limit = peach.settings.peach_min_offer_sats, peach.settings.peach_max_offer_sats
    if offer_type == "bid":
        if not isinstance(value, list) or len(value) != 2:
            raise f.FormInvalid("amount", "must be [min, max] in sats")
        low, high = sats(value[0], "amount"), sats(value[1], "amount")
    else:
        low = high = sats(value, "amount")
    if not low_limit <= low <= high <= high_limit:
        raise f.FormInvalid("amount", f"must be between {low_limit} and {high_limit} sats")
    return low, high


async def _check_trading_limit(session: AsyncSession, peach: Peach, amount: int) -> None:
    """An offer whose smallest trade exceeds the daily limit could never trade."""
    limit_currency = peach.settings.peach_limit_currency
    found = (await market.all_prices(session, peach.prices)).get(limit_currency)
    if found is not None and market.fiat(amount, found[0], None) > peach.settings.peach_daily_limit:
        raise f.TradingLimitReached(
            f"The amount exceeds the daily trading limit of {peach.settings.peach_daily_limit} {limit_currency}."
        )


async def create_offer(session: AsyncSession, peach: Peach, user: PeachUser, body: dict[str, Any]) -> PeachOffer:
    offer_type = body.get("type")
    if offer_type not in ("bid", "ask"):
        raise f.FormInvalid("type", "must be bid or ask")
    low, high = _amount(peach, body.get("amount"), offer_type)
    means = parse_means_of_payment(body.get("meansOfPayment"))
    payment_data = parse_payment_data(body.get("paymentData"), means)
    now = utcnow()
    offer = PeachOffer(
        user_id=user.id,
        type=offer_type,
        amount_min=low,
        amount_max=high,
        rating_milli=user.rating_milli,
        means_of_payment=means,
        payment_data=payment_data,
        escrow_fee=peach.settings.peach_escrow_fee,
        created_at=now,
        updated_at=now,
    )
    if offer_type == "bid":
        address = check_address(peach, text(body, "releaseAddress", max_length=100), "releaseAddress")
        signature = text(body, "messageSignature", max_length=200)
        assert signature is not None
        wording = signed_message.release_message(user.public_key, address)
        if not signed_message.verify_address_signature(address, wording, signature, peach.settings.bitcoin_network):
            raise f.InvalidSignature("messageSignature", "must sign the release address confirmation")
        offer.release_address, offer.message_signature = address, signature
        offer.max_premium = decimal(body, "maxPremium", low=-PREMIUM_LIMIT, high=PREMIUM_LIMIT, places=2)
        offer.min_reputation = decimal(body, "minReputation", low=Decimal(-1), high=Decimal(1))
        offer.online, offer.trade_status, offer.publishing_date = True, "searchingForPeer", now
    else:
        offer.return_address = check_address(peach, text(body, "returnAddress", max_length=100), "returnAddress")
        offer.premium = decimal(body, "premium", low=-PREMIUM_LIMIT, high=PREMIUM_LIMIT, places=2) or Decimal(0)
        offer.online, offer.trade_status = False, "createEscrow"
    await _check_trading_limit(session, peach, low)
    await claim_payment_hashes(session, user, payment_data)
    session.add(offer)
    await session.flush()
    for currency, methods in means.items():
        for method in methods:
            session.add(PeachOfferMethod(offer_id=offer.id, currency=currency, method=method))
    await session.flush()
    return offer


async def own_offer(session: AsyncSession, user: PeachUser, offer_id: int | None, *, lock: bool = False) -> PeachOffer:
    query = select(PeachOffer).where(PeachOffer.id == (offer_id or 0), PeachOffer.user_id == user.id)
    offer = await session.scalar(query.with_for_update() if lock else query)
    if offer is None:
        raise NotFound("Offer not found.")
    return offer


async def public_offer(session: AsyncSession, offer_id: int | None) -> PeachOffer:
    offer = await session.get(PeachOffer, offer_id or 0)
    if offer is None or not offer.online:
        raise NotFound("Offer not found.")
    return offer


async def update_offer(session: AsyncSession, offer: PeachOffer, body: dict[str, Any]) -> None:
    if offer.canceled:
        raise f.BadState("A canceled offer cannot change.")
    if "premium" in body:
        if offer.type != "ask":
            raise f.FormInvalid("premium", "applies to sell offers")
        offer.premium = decimal(body, "premium", low=-PREMIUM_LIMIT, high=PREMIUM_LIMIT, places=2) or Decimal(0)
    if "maxPremium" in body:
        if offer.type != "bid":
            raise f.FormInvalid("maxPremium", "applies to buy offers")
        offer.max_premium = decimal(body, "maxPremium", low=-PREMIUM_LIMIT, high=PREMIUM_LIMIT, places=2)
    offer.updated_at = utcnow()
    await session.flush()


async def cancel_buy_offer(session: AsyncSession, offer: PeachOffer) -> None:
    if offer.canceled:
        raise f.BadState("The offer is canceled already.")
    offer.canceled, offer.online, offer.trade_status, offer.updated_at = True, False, "offerCanceled", utcnow()
    await session.flush()


# ---------------------------------------------------------------- views


async def price_map(session: AsyncSession, peach: Peach) -> dict[str, Decimal]:
    prices = await market.all_prices(session, peach.prices)
    return {currency: value for currency, (value, _) in prices.items()}


def prices_of(offer: PeachOffer, prices: dict[str, Decimal]) -> dict[str, Decimal]:
    amount = offer.amount_max
    return {c: market.fiat(amount, prices[c], offer.premium) for c in offer.means_of_payment if c in prices}


def amount_view(offer: PeachOffer) -> int | list[int]:
    return [offer.amount_min, offer.amount_max] if offer.type == "bid" else offer.amount_max


def funding_view(escrow: PeachEscrow | None, peach: Peach) -> dict[str, Any]:
    if escrow is None:
        return {"amounts": [], "confirmations": 0, "expiry": 4320, "status": "NULL", "txIds": [], "vouts": []}
    return {
        "amounts": list(escrow.funding_amounts),
        "confirmations": escrow.confirmations,
        "expiry": scripts.ESCROW_TIMEOUT_BLOCKS,
        "status": escrow.funding_status,
        "txIds": list(escrow.funding_txids),
        "vouts": list(escrow.funding_vouts),
    }


def offer_view(
    peach: Peach, offer: PeachOffer, profile: dict[str, Any], escrow: PeachEscrow | None, prices: dict[str, Decimal]
) -> dict[str, Any]:
    """The full offer, as its owner (`profile`, from profiles_for) sees it (POST offer,
    offer/:id/details, offers)."""
    view: dict[str, Any] = {
        "id": str(offer.id),
        "type": offer.type,
        "user": profile,
        "amount": amount_view(offer),
        "creationDate": wire_time(offer.created_at),
        "lastModified": wire_time(offer.updated_at),
        "publishingDate": wire_time(offer.publishing_date),
        "doubleMatched": False,
        "freeTrade": False,
        "escrowFee": offer.escrow_fee,
        "matches": [],
        "meansOfPayment": offer.means_of_payment,
        "paymentData": offer.payment_data,
        "online": offer.online,
        "tradeStatus": offer.trade_status,
    }
    if offer.type == "bid":
        view.update(
            maxPremium=offer.max_premium,
            minReputation=offer.min_reputation,
            releaseAddress=offer.release_address,
            message=signed_message.release_message(profile["id"], offer.release_address or ""),
            messageSignature=offer.message_signature,
        )
    else:
        view.update(
            premium=offer.premium,
            prices=prices_of(offer, prices),
            returnAddress=offer.return_address,
            escrowNotifiedUser=False,
            funding=funding_view(escrow, peach),
            fundingAmountDifferent=escrow is not None and escrow.funding_status == "WRONG_FUNDING_AMOUNT",
            refunded=offer.refunded,
            released=offer.released,
        )
        if escrow is not None:
            view["escrow"] = escrow.address
        if offer.revived_from_id is not None:
            view["oldOfferId"] = str(offer.revived_from_id)
    return view


def public_offer_view(
    offer: PeachOffer, profile: dict[str, Any], escrow: PeachEscrow | None, prices: dict[str, Decimal]
) -> dict[str, Any]:
    """What anyone sees of an online offer (GET offer/:id, search results)."""
    view: dict[str, Any] = {
        "id": str(offer.id),
        "type": offer.type,
        "user": profile,
        "amount": amount_view(offer),
        "meansOfPayment": offer.means_of_payment,
        "online": offer.online,
        "publishingDate": wire_time(offer.publishing_date),
    }
    if offer.type == "ask":
        view.update(premium=offer.premium, prices=prices_of(offer, prices))
        if escrow is not None:
            view["escrow"] = escrow.address
    else:
        view["maxPremium"] = offer.max_premium
    return view


def summary_view(offer: PeachOffer, escrow: PeachEscrow | None, prices: dict[str, Decimal]) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": str(offer.id),
        "type": offer.type,
        "lastModified": wire_time(offer.updated_at),
        "creationDate": wire_time(offer.created_at),
        "amount": amount_view(offer),
        "matches": [],
        "tradeStatus": offer.trade_status,
    }
    if offer.type == "ask":
        view["prices"] = prices_of(offer, prices)
        if escrow is not None and escrow.funding_txids:
            view["fundingTxId"] = escrow.funding_txids[0]
    return view


async def escrows_for(session: AsyncSession, offers: list[PeachOffer]) -> dict[int, PeachEscrow]:
    ids = [o.id for o in offers if o.type == "ask"]
    if not ids:
        return {}
    rows = await session.scalars(select(PeachEscrow).where(PeachEscrow.offer_id.in_(ids)))
    return {e.offer_id: e for e in rows}


async def profiles_for(session: AsyncSession, offers: list[PeachOffer]) -> dict[int, dict[str, Any]]:
    """The owners' public profiles, reputation included, by user id."""
    return await profiles(session, sorted({o.user_id for o in offers}))


async def own_offers(session: AsyncSession, user: PeachUser) -> list[PeachOffer]:
    return list(await session.scalars(select(PeachOffer).where(PeachOffer.user_id == user.id).order_by(PeachOffer.id)))
