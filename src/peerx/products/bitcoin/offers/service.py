"""Offers: buy offers (bid: an amount range, a verified release address) and sell offers (ask:
one amount, a premium, a return address, funded into escrow before they go online)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.chain import script as scripts
from peerx.core.db import utcnow
from peerx.core.errors import NotFound
from peerx.products.bitcoin import errors as f
from peerx.products.bitcoin.context import Peach
from peerx.products.bitcoin.identity.reputation import profiles
from peerx.products.bitcoin.identity.schemas import PublicUser
from peerx.products.bitcoin.market import catalogue
from peerx.products.bitcoin.market import prices as market
from peerx.products.bitcoin.models import (
    FundingState,
    PeachEscrow,
    PeachOffer,
    PeachOfferMethod,
    PeachPaymentHash,
    PeachUser,
    TradeStatus,
)
from peerx.products.bitcoin.offers import address_proof, instant, repository
from peerx.products.bitcoin.offers.schemas import (
    BuyOffer,
    BuyOfferRequest,
    Funding,
    OfferSummary,
    PaymentDataHashes,
    PaymentDataView,
    PublicBuyOffer,
    PublicSellOffer,
    SellOffer,
    SellOfferRequest,
    UpdateOfferRequest,
)
from peerx.products.bitcoin.schemas import MAX_METHODS
from peerx.products.bitcoin.wire import wire_time

HASH = re.compile(r"^[0-9a-f]{64}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")


def check_address(peach: Peach, value: str | None, name: str) -> str:
    if value is None:
        raise f.FormInvalid(name, "is required")
    try:
        scripts.script_pubkey_of(value, peach.settings.bitcoin_network)
    except ValueError as exc:
        raise f.FormInvalid(name, str(exc)) from None
    return value


def parse_means_of_payment(value: dict[str, list[str]]) -> dict[str, list[str]]:
    """Currencies to payment method ids (shaped and bounded by the wire model): each method from
    the catalogue and offered in that currency."""
    result: dict[str, list[str]] = {}
    count = 0
    for currency, methods in value.items():
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


def parse_payment_data(
    value: Mapping[str, PaymentDataHashes], means: dict[str, list[str]]
) -> dict[str, dict[str, Any]]:
    """Each method used needs its field hashes (sha256 hex per field): the app hashes only the
    account identifiers (catalogue.NOT_HASHED lists the rest), the document every field; the
    catalogue's Method.hash_count bounds both."""
    methods = {m for ms in means.values() for m in ms}
    if set(value) != methods:
        raise f.FormInvalid("paymentData", "must give the data hashes of exactly the methods in meansOfPayment")
    result: dict[str, dict[str, Any]] = {}
    for method_id, data in value.items():
        method = catalogue.METHODS[method_id]
        hashes = data.hashes
        if not all(HASH.match(h) for h in hashes):
            raise f.FormInvalid("paymentData", f"{method_id} needs hashes: sha256 hex of each field")
        low, high = method.hash_count()
        if not low <= len(hashes) <= high or len(set(hashes)) != len(hashes):
            raise f.FormInvalid("paymentData", f"{method_id} needs {low} to {high} distinct field hashes")
        entry: dict[str, Any] = {"hashes": list(hashes)}
        if data.country is not None:
            if not COUNTRY.match(data.country):
                raise f.FormInvalid("paymentData", f"{method_id} country must be an ISO 3166 code")
            entry["country"] = data.country
        result[method_id] = entry
    return result


async def claim_payment_hashes(session: AsyncSession, user: PeachUser, payment_data: dict[str, dict[str, Any]]) -> None:
    """A payment account belongs to one Peach account: a hash another account holds is refused.
    The app hashes only account identifiers (IBAN, phone, email, ...), never a BIC or a name,
    so two customers of one bank or two people of one name never share a hash. A document-style
    client that hashes every field cannot be told apart: its hashes are all claimed, as before."""
    hashes = sorted({h for data in payment_data.values() for h in data["hashes"]})
    if not hashes:
        return
    owners = await repository.payment_hash_owners(session, hashes)
    if any(owner != user.id for owner in owners.values()):
        raise f.PaymentHashInvalid("This payment data is used by another account.")
    for value in hashes:
        if value not in owners:
            session.add(PeachPaymentHash(hash=value, user_id=user.id, created_at=utcnow()))


def _amount(peach: Peach, low: int, high: int) -> tuple[int, int]:
    low_limit, high_limit = peach.settings.peach_min_offer_sats, peach.settings.peach_max_offer_sats
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


async def create_offer(
    session: AsyncSession, peach: Peach, user: PeachUser, body: BuyOfferRequest | SellOfferRequest
) -> PeachOffer:
    low, high = _amount(peach, *body.amount) if body.type == "bid" else _amount(peach, body.amount, body.amount)
    means = parse_means_of_payment(body.means_of_payment)
    payment_data = parse_payment_data(body.payment_data, means)
    now = utcnow()
    offer = PeachOffer(
        user_id=user.id,
        type=body.type,
        amount_min=low,
        amount_max=high,
        rating_milli=user.rating_milli,
        means_of_payment=means,
        payment_data=payment_data,
        escrow_fee=peach.settings.peach_escrow_fee,
        created_at=now,
        updated_at=now,
    )
    if body.type == "bid":
        address = check_address(peach, body.release_address, "releaseAddress")
        signature = body.message_signature
        wording = address_proof.release_message(user.public_key, address)
        if not address_proof.verify_address_signature(address, wording, signature, peach.settings.bitcoin_network):
            raise f.InvalidSignature("messageSignature", "must sign the release address confirmation")
        offer.release_address, offer.message_signature = address, signature
        offer.max_premium, offer.min_reputation = body.max_premium, body.min_reputation
        offer.online, offer.trade_status, offer.publishing_date = True, TradeStatus.SEARCHING_FOR_PEER, now
    else:
        offer.return_address = check_address(peach, body.return_address, "returnAddress")
        offer.premium = body.premium or Decimal(0)
        offer.online, offer.trade_status = False, TradeStatus.CREATE_ESCROW
    terms = instant.parse(body) if body.type == "ask" else None  # checked before anything is written
    await _check_trading_limit(session, peach, low)
    await claim_payment_hashes(session, user, payment_data)
    session.add(offer)
    await session.flush()
    if terms is not None:
        await instant.keep(session, offer.id, terms)
    for currency, methods in means.items():
        for method in methods:
            session.add(PeachOfferMethod(offer_id=offer.id, currency=currency, method=method))
    await session.flush()
    return offer


async def own_offer(session: AsyncSession, user: PeachUser, offer_id: int | None, *, lock: bool = False) -> PeachOffer:
    offer = await repository.offer_of(session, user, offer_id or 0, lock=lock)
    if offer is None:
        raise NotFound("Offer not found.")
    return offer


async def public_offer(session: AsyncSession, offer_id: int | None) -> PeachOffer:
    offer = await repository.offer(session, offer_id or 0)
    if offer is None or not offer.online:
        raise NotFound("Offer not found.")
    return offer


async def update_offer(session: AsyncSession, offer: PeachOffer, body: UpdateOfferRequest) -> None:
    """The fields sent change (premium null: 0; maxPremium null: none); the others stay."""
    if offer.canceled:
        raise f.BadState("A canceled offer cannot change.")
    if "premium" in body.model_fields_set:
        if offer.type != "ask":
            raise f.FormInvalid("premium", "applies to sell offers")
        offer.premium = body.premium or Decimal(0)
    if "max_premium" in body.model_fields_set:
        if offer.type != "bid":
            raise f.FormInvalid("maxPremium", "applies to buy offers")
        offer.max_premium = body.max_premium
    offer.updated_at = utcnow()
    await session.flush()


async def cancel_buy_offer(session: AsyncSession, offer: PeachOffer) -> None:
    if offer.canceled:
        raise f.BadState("The offer is canceled already.")
    offer.canceled, offer.online, offer.trade_status, offer.updated_at = (
        True,
        False,
        TradeStatus.OFFER_CANCELED,
        utcnow(),
    )
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


def funding_view(escrow: PeachEscrow | None) -> Funding:
    if escrow is None:
        return Funding(amounts=[], confirmations=0, expiry=4320, status=FundingState.NULL, tx_ids=[], vouts=[])
    return Funding(
        amounts=list(escrow.funding_amounts),
        confirmations=escrow.confirmations,
        expiry=scripts.ESCROW_TIMEOUT_BLOCKS,
        status=escrow.funding_status,
        tx_ids=list(escrow.funding_txids),
        vouts=list(escrow.funding_vouts),
    )


def payment_data_view(data: dict[str, dict[str, Any]]) -> dict[str, PaymentDataView]:
    return {method: PaymentDataView.model_validate(entry) for method, entry in data.items()}


def offer_view(
    offer: PeachOffer, profile: PublicUser, escrow: PeachEscrow | None, prices: dict[str, Decimal]
) -> BuyOffer | SellOffer:
    """The full offer, as its owner (`profile`, from profiles_for) sees it (POST offer,
    offer/:id/details, offers)."""
    common: dict[str, Any] = {
        "id": str(offer.id),
        "user": profile,
        "creation_date": wire_time(offer.created_at),
        "last_modified": wire_time(offer.updated_at),
        "publishing_date": wire_time(offer.publishing_date),
        "double_matched": False,
        "free_trade": False,
        "escrow_fee": offer.escrow_fee,
        "matches": [],
        "means_of_payment": offer.means_of_payment,
        "payment_data": payment_data_view(offer.payment_data),
        "online": offer.online,
        "trade_status": offer.trade_status,
    }
    if offer.type == "bid":
        return BuyOffer(
            type="bid",
            amount=[offer.amount_min, offer.amount_max],
            **common,
            max_premium=offer.max_premium,
            min_reputation=offer.min_reputation,
            release_address=offer.release_address,
            message=address_proof.release_message(profile.id, offer.release_address or ""),
            message_signature=offer.message_signature,
        )
    view = SellOffer(
        type="ask",
        amount=offer.amount_max,
        **common,
        premium=offer.premium,
        prices=prices_of(offer, prices),
        return_address=offer.return_address,
        escrow_notified_user=False,
        funding=funding_view(escrow),
        funding_amount_different=escrow is not None and escrow.funding_status == FundingState.WRONG_FUNDING_AMOUNT,
        refunded=offer.refunded,
        released=offer.released,
    )
    if escrow is not None:
        view.escrow, view.public_key = escrow.address, escrow.seller_public_key
    if offer.revived_from_id is not None:
        # The app derives the escrow key from oldOfferId (getEscrowWalletForOffer): the offer the
        # escrow was made for, which is the first of a chain of revivals.
        view.old_offer_id = str(escrow.key_index if escrow is not None else offer.revived_from_id)
    return view


def public_offer_view(
    offer: PeachOffer, profile: PublicUser, escrow: PeachEscrow | None, prices: dict[str, Decimal]
) -> PublicBuyOffer | PublicSellOffer:
    """What anyone sees of an online offer (GET offer/:id, search results)."""
    if offer.type == "bid":
        return PublicBuyOffer(
            id=str(offer.id),
            type="bid",
            user=profile,
            amount=[offer.amount_min, offer.amount_max],
            means_of_payment=offer.means_of_payment,
            online=offer.online,
            publishing_date=wire_time(offer.publishing_date),
            max_premium=offer.max_premium,
        )
    return PublicSellOffer(
        id=str(offer.id),
        type="ask",
        user=profile,
        amount=offer.amount_max,
        means_of_payment=offer.means_of_payment,
        online=offer.online,
        publishing_date=wire_time(offer.publishing_date),
        premium=offer.premium,
        prices=prices_of(offer, prices),
        escrow=escrow.address if escrow is not None else None,
    )


def summary_view(offer: PeachOffer, escrow: PeachEscrow | None, prices: dict[str, Decimal]) -> OfferSummary:
    view = OfferSummary(
        id=str(offer.id),
        type="bid" if offer.type == "bid" else "ask",
        last_modified=wire_time(offer.updated_at),
        creation_date=wire_time(offer.created_at),
        amount=amount_view(offer),
        matches=[],
        trade_status=offer.trade_status,
    )
    if offer.type == "ask":
        view.prices = prices_of(offer, prices)
        if escrow is not None and escrow.funding_txids:
            view.funding_tx_id = escrow.funding_txids[0]
    return view


async def escrows_for(session: AsyncSession, offers: list[PeachOffer]) -> dict[int, PeachEscrow]:
    ids = [o.id for o in offers if o.type == "ask"]
    if not ids:
        return {}
    return await repository.escrows_of(session, ids)


async def profiles_for(session: AsyncSession, offers: list[PeachOffer]) -> dict[int, PublicUser]:
    """The owners' public profiles, reputation included, by user id."""
    return await profiles(session, sorted({o.user_id for o in offers}))


async def own_offers(session: AsyncSession, user: PeachUser) -> list[PeachOffer]:
    return await repository.offers_of(session, user)
