"""The v069 rules. Browsing lists funded sell offers and v069 buy offers; a trade request is a
user's offer to take one; the owner's acceptance runs the v1 matching rules
(contracts/matching.py): the requester's half (match_sell_offer, on a buy offer made for this
trade) and the owner's double match, so the contract, its escrow checks, limits and the "taken
once" lock are the v1 ones and the trade goes on at /peach/v1/contract/:id."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pysequoia
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import utcnow
from peerx.core.errors import NotFound
from peerx.platform import Platform
from peerx.products.bitcoin import errors as f
from peerx.products.bitcoin.context import Peach
from peerx.products.bitcoin.contracts import matching
from peerx.products.bitcoin.contracts import repository as contract_rows
from peerx.products.bitcoin.contracts.schemas import MatchRequest
from peerx.products.bitcoin.contracts.views import Loaded, contract_view, funding_fields
from peerx.products.bitcoin.identity.reputation import profiles
from peerx.products.bitcoin.identity.schemas import PublicUser
from peerx.products.bitcoin.market import prices as market
from peerx.products.bitcoin.models import (
    Contract,
    FundingState,
    PeachBuyOfferTerms,
    PeachOffer,
    PeachOfferMethod,
    PeachTradeRequest,
    PeachTradeRequestMessage,
    PeachUser,
    PeachUserSettings69,
    TradeStatus,
)
from peerx.products.bitcoin.offers import address_proof, instant
from peerx.products.bitcoin.offers import repository as offer_rows
from peerx.products.bitcoin.offers import service as offers
from peerx.products.bitcoin.push.notify import notify
from peerx.products.bitcoin.social import platform_key
from peerx.products.bitcoin.social.platform_key import PlatformPgp, platform_pgp
from peerx.products.bitcoin.v069 import repository
from peerx.products.bitcoin.v069.schemas import (
    AcceptBody,
    BuyOffer69View,
    ChatBody,
    ChatMessageView,
    CreateBuyOfferBody,
    SelfUser69,
    TradeRequestBody,
    TradeRequestView,
    price_of,
)
from peerx.products.bitcoin.wire import wire_time

OWNER, REQUESTER = "offerOwner", "tradeRequester"


# ---------------------------------------------------------------- pushes


def _event(kind: str, what: str) -> str:
    """The app's push names (handlePushNotification.ts): a buyer's request is on a sell offer
    ("expressBuy"), a seller's on a buy offer ("expressSell")."""
    return f"offer.{'expressBuy' if kind == 'ask' else 'expressSell'}{what}"


async def push(session: AsyncSession, user_id: int, event: str, data: dict[str, str]) -> None:
    # The app dispatches on data.type; the v1 pushes carry the name as "event" (kept too).
    await notify(session, user_id, event, {**data, "type": event})


# ---------------------------------------------------------------- offers


async def listed_offer(session: AsyncSession, offer_id: int, kind: str, *, lock: bool = False) -> PeachOffer:
    """An offer that v069 lists: a sell offer online with its escrow funded, or an online v069
    buy offer (NOT_FOUND otherwise, as for an unknown id)."""
    offer = await offer_rows.offer_by_id(session, offer_id, lock=lock)
    if offer is None or offer.type != kind or not offer.online or offer.canceled:
        raise NotFound("Offer not found.")
    if kind == "ask":
        escrow = await offer_rows.escrow_of(session, offer.id)
        if escrow is None or escrow.funding_status != FundingState.FUNDED:
            raise NotFound("Offer not found.")
    elif not await repository.terms_of(session, [offer.id]):
        raise NotFound("Offer not found.")
    return offer


async def own_offer(
    session: AsyncSession, user: PeachUser, offer_id: int, kind: str, *, lock: bool = False
) -> PeachOffer:
    offer = await offer_rows.offer_by_id(session, offer_id, lock=lock)
    if offer is None or offer.type != kind or offer.user_id != user.id:
        raise NotFound("Offer not found.")
    return offer


async def own_or_any(session: AsyncSession, offer_id: int) -> PeachOffer:
    offer = await offer_rows.offer_by_id(session, offer_id)
    if offer is None:
        raise NotFound("Offer not found.")
    return offer


def sort_offers(rows: list[PeachOffer], sorter: str | None, prices: dict[str, Decimal]) -> list[PeachOffer]:
    """The app's offersSorter: highestAmount, lowestPremium, highestPrice, bestReputation (newest first otherwise)."""
    if sorter == "highestAmount":
        return sorted(rows, key=lambda o: -o.amount_max)
    if sorter == "lowestPremium":
        return sorted(rows, key=lambda o: o.premium_bp or 0)
    if sorter == "highestPrice":
        return sorted(rows, key=lambda o: -(o.premium_bp or 0))
    if sorter == "bestReputation":
        return sorted(rows, key=lambda o: -o.rating_milli)
    return rows


def stats(rows: list[PeachOffer]) -> dict[str, dict[str, int]]:
    """How many listed offers take each payment method and currency (the app's filter drawers)."""
    methods: dict[str, int] = {}
    currencies: dict[str, int] = {}
    for offer in rows:
        for currency, names in offer.means_of_payment.items():
            currencies[currency] = currencies.get(currency, 0) + 1
            for name in names:
                methods[name] = methods.get(name, 0) + 1
    return {"paymentMethods": methods, "currencies": currencies}


async def sell_offer_views(
    session: AsyncSession, peach: Peach, viewer: PeachUser, rows: list[PeachOffer]
) -> list[dict[str, Any]]:
    """SellOffer (the v1 offer, its owner's profile with `pgpPublicKeys`) and, for the viewer,
    allowedToInstantTrade and hasPerformedTradeRequest."""
    owners = await offers.profiles_for(session, rows)
    escrows = await offers.escrows_for(session, rows)
    prices = await offers.price_map(session, peach)
    requested = await repository.requested_offer_ids(session, viewer.id, [o.id for o in rows])
    terms = await instant.terms_of(session, [o.id for o in rows])
    viewer_profile = owners.get(viewer.id) or (await profiles(session, [viewer.id]))[viewer.id]
    views = []
    for offer in rows:
        view = offers.offer_view(offer, owners[offer.user_id], escrows.get(offer.id), prices).wire()
        own = offer.user_id == viewer.id
        instant.owner_view(view, terms.get(offer.id), owner=own)
        if not own:
            view.pop("returnAddress", None)  # the seller's refund address is the seller's business
        view["allowedToInstantTrade"] = not own and instant.allows(terms.get(offer.id), viewer_profile)
        view["hasPerformedTradeRequest"] = offer.id in requested
        views.append(view)
    return views


async def buy_offer_views(
    session: AsyncSession, peach: Peach, viewer: PeachUser, rows: list[PeachOffer]
) -> list[dict[str, Any]]:
    """BuyOffer69 with the owner's profile (`user`), allowedToInstantTrade and hasPerformedTradeRequest."""
    owners = await offers.profiles_for(session, rows)
    terms = await repository.terms_of(session, [o.id for o in rows])
    requested = await repository.requested_offer_ids(session, viewer.id, [o.id for o in rows])
    viewer_profile = owners.get(viewer.id) or (await profiles(session, [viewer.id]))[viewer.id]
    views = []
    for offer in rows:
        profile = owners[offer.user_id].wire()
        view = buy_offer_view(offer, terms.get(offer.id), profile["id"]).wire()
        view["user"] = profile
        own = offer.user_id == viewer.id
        view["allowedToInstantTrade"] = not own and buy_offer_allows(terms.get(offer.id), viewer_profile)
        view["hasPerformedTradeRequest"] = offer.id in requested
        views.append(view)
    return views


def _criteria(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    """Stored with the reputation as decimal text (JSON has no decimals); sent as a number."""
    if stored is None:
        return None
    return {**stored, "minReputation": Decimal(str(stored["minReputation"]))}


def buy_offer_view(offer: PeachOffer, terms: PeachBuyOfferTerms | None, user_id: str) -> BuyOffer69View:
    status = "online" if offer.online else ("canceled" if offer.canceled else "offline")
    return BuyOffer69View(
        id=offer.id,
        amount_sats=offer.amount_max,
        user_id=user_id,
        status=status,
        release_address=offer.release_address or "",
        release_address_message_signature=offer.message_signature or "",
        min_reputation=offer.min_reputation,
        premium=offer.premium or Decimal(0),
        free_trade=False,
        payment_data={m: dict(d) for m, d in offer.payment_data.items()},
        means_of_payment=offer.means_of_payment,
        instant_trade_criteria=_criteria(terms.instant_trade_criteria if terms else None),
        experience_level_criteria=terms.experience_level if terms else None,
        multi=terms.multi if terms else None,
        creation_date=wire_time(offer.created_at),
    )


async def create_buy_offers(
    session: AsyncSession, peach: Peach, user: PeachUser, body: CreateBuyOfferBody
) -> list[PeachOffer]:
    """`multi` (default 1) equal buy offers, each with its own signed release address when the
    app sends them (none: the Peach wallet's, named when confirming the payment)."""
    low, high = peach.settings.peach_min_offer_sats, peach.settings.peach_max_offer_sats
    if not low <= body.amount <= high:
        raise f.FormInvalid("amount", f"must be between {low} and {high} sats")
    means = offers.parse_means_of_payment(body.means_of_payment)
    payment_data = offers.parse_payment_data(body.payment_data, means)
    count = body.multi or 1
    addresses = body.release_addresses or []
    signatures = body.release_address_message_signatures or []
    if addresses and len(addresses) != count:
        raise f.FormInvalid("releaseAddresses", f"must give one address per offer ({count})")
    if len(addresses) != len(signatures):
        raise f.FormInvalid("releaseAddressMessageSignatures", "must sign each release address")
    signed = [_signed_address(peach, user, a, s) for a, s in zip(addresses, signatures, strict=True)]
    await offers.claim_payment_hashes(session, user, payment_data)
    criteria = body.instant_trade_criteria
    created = []
    for index in range(count):
        now = utcnow()
        offer = PeachOffer(
            user_id=user.id,
            type="bid",
            amount_min=body.amount,
            amount_max=body.amount,
            rating_milli=user.rating_milli,
            means_of_payment=means,
            payment_data=payment_data,
            escrow_fee=peach.settings.peach_escrow_fee,
            online=True,
            trade_status=TradeStatus.SEARCHING_FOR_PEER,
            publishing_date=now,
            created_at=now,
            updated_at=now,
        )
        if signed:
            offer.release_address, offer.message_signature = signed[index]
        # The buyer's premium is what it pays: also the most it accepts in a v1 match.
        offer.premium, offer.max_premium, offer.min_reputation = body.premium, body.premium, body.min_reputation
        session.add(offer)
        await session.flush()
        for currency, methods in means.items():
            for method in methods:
                session.add(PeachOfferMethod(offer_id=offer.id, currency=currency, method=method))
        session.add(
            PeachBuyOfferTerms(
                offer_id=offer.id,
                instant_trade_criteria=None if criteria is None else criteria.model_dump(mode="json", by_alias=True),
                experience_level=body.experience_level_criteria,
                multi=body.multi,
            )
        )
        created.append(offer)
    await session.flush()
    return created


def _signed_address(peach: Peach, user: PeachUser, address: str, signature: str) -> tuple[str, str]:
    checked = offers.check_address(peach, address, "releaseAddresses")
    wording = address_proof.release_message(user.public_key, checked)
    if not address_proof.verify_address_signature(checked, wording, signature, peach.settings.bitcoin_network):
        raise f.InvalidSignature("releaseAddressMessageSignatures", "must sign the release address confirmation")
    return checked, signature


async def patch_premium(session: AsyncSession, offer: PeachOffer, premium: Decimal) -> None:
    if not offer.online or offer.canceled:
        raise f.BadState("This buy offer is no longer online.")
    offer.premium, offer.max_premium, offer.updated_at = premium, premium, utcnow()
    await session.flush()


async def delete_buy_offer(session: AsyncSession, offer: PeachOffer) -> None:
    if not offer.online or offer.canceled:
        raise f.BadState("This buy offer is no longer online.")
    await offers.cancel_buy_offer(session, offer)
    for requester in await repository.drop_pending_requests(session, offer.id):
        await push(session, requester, _event("bid", "TradeRequestRemovedAlongsideOffer"), {"offerId": str(offer.id)})


# ---------------------------------------------------------------- trade requests


def _hashed(body: TradeRequestBody) -> dict[str, Any]:
    """The requester's hashed payment data, as stored: the chosen method's entry is required and
    its hashes are sha256 hex, as an offer's (offers.parse_payment_data)."""
    entries = {
        m: e.model_dump(mode="json", by_alias=True, exclude_none=True) for m, e in body.payment_data_hashed.items()
    }
    entry = entries.get(body.payment_method)
    if entry is None:
        raise f.FormInvalid("paymentDataHashed", f"must give the hashes of {body.payment_method}")
    hashes = entry["hashes"]
    if not all(offers.HASH.match(h) for h in hashes) or len(set(hashes)) != len(hashes):
        raise f.FormInvalid("paymentDataHashed", "hashes must be distinct sha256 hex of each field")
    return entries


def _hashes(stored: Any, method: str) -> list[str]:
    entry = stored.get(method) if isinstance(stored, dict) else None
    return list(entry.get("hashes", [])) if isinstance(entry, dict) else []


def _method_data(stored: Any, method: str) -> dict[str, Any]:
    """The requester's entry as an offer's payment data ({hashes, country?})."""
    entry = stored.get(method) if isinstance(stored, dict) else None
    found: dict[str, Any] = {"hashes": _hashes(stored, method)}
    if isinstance(entry, dict) and entry.get("country"):
        found["country"] = entry["country"]
    return found


async def _price_minor(session: AsyncSession, peach: Peach, offer: PeachOffer, currency: str) -> int:
    prices = await market.all_prices(session, peach.prices)
    if currency not in prices:
        raise f.FormInvalid("currency", "has no market price")
    return int(market.fiat(offer.amount_max, prices[currency][0], offer.premium) * 100)


async def perform(
    session: AsyncSession, peach: Peach, user: PeachUser, offer_id: int, kind: str, body: TradeRequestBody
) -> PeachTradeRequest:
    """A trade request on someone else's listed offer (a pending one of the same user is replaced)."""
    offer = await listed_offer(session, offer_id, kind, lock=True)
    if offer.user_id == user.id:
        raise f.CannotMatch("You cannot take your own offer.")
    if await contract_rows.is_blocked(session, offer.user_id, user.id):
        raise f.CannotMatch("These users cannot trade with each other.")
    if user.pgp_public_key is None:
        raise f.PgpMissing("Upload a PGP key (PATCH user) before requesting a trade.")
    if body.currency not in offer.means_of_payment:
        raise f.FormInvalid("currency", "is not offered")
    if body.payment_method not in offer.means_of_payment[body.currency]:
        raise f.FormInvalid("paymentMethod", f"is not offered in {body.currency}")
    armored(
        paymentDataEncrypted=body.payment_data_encrypted,
        paymentDataSignature=body.payment_data_signature,
        symmetricKeyEncrypted=body.symmetric_key_encrypted,
        symmetricKeySignature=body.symmetric_key_signature,
    )
    hashed = _hashed(body)
    address = _release_address(peach, user, kind, body)
    price = await _price_minor(session, peach, offer, body.currency)
    request = await repository.trade_request(session, offer.id, user.id, lock=True)
    if request is not None and request.status != "pending":
        raise f.OfferTaken("This offer has already been taken.")
    if request is None:
        request = PeachTradeRequest(offer_id=offer.id, user_id=user.id, created_at=utcnow())
        session.add(request)
    request.payment_method, request.currency = body.payment_method, body.currency
    request.payment_data_hashed = hashed
    request.payment_data_encrypted, request.payment_data_signature = (
        body.payment_data_encrypted,
        body.payment_data_signature,
    )
    request.symmetric_key_encrypted = body.symmetric_key_encrypted
    request.symmetric_key_signature = body.symmetric_key_signature
    request.max_mining_fee_rate, request.price_minor, request.status = body.max_mining_fee_rate, price, "pending"
    request.release_address, request.release_address_signature = address
    await session.flush()
    await push(session, offer.user_id, _event(kind, "TradeRequestReceived"), {"offerId": str(offer.id)})
    return request


def armored(**fields: str | None) -> None:
    """PGP blocks, ASCII-armored (the wire model bounds their length and characters)."""
    for name, value in fields.items():
        if value is not None and not value.lstrip().startswith("-----BEGIN PGP"):
            raise f.FormInvalid(name, "must be an ASCII-armored PGP block")


def _release_address(peach: Peach, user: PeachUser, kind: str, body: TradeRequestBody) -> tuple[str | None, str | None]:
    """The buyer's payout address, signed as v1 buy offers sign it, when the app sends one."""
    if body.release_address is None:
        return None, None
    if kind != "ask":
        raise f.FormInvalid("releaseAddress", "is the buyer's: a seller does not send one")
    address = offers.check_address(peach, body.release_address, "releaseAddress")
    signature = body.release_address_message_signature
    wording = address_proof.release_message(user.public_key, address)
    if not signature or not address_proof.verify_address_signature(
        address, wording, signature, peach.settings.bitcoin_network
    ):
        raise f.InvalidSignature("releaseAddressMessageSignature", "must sign the release address confirmation")
    return address, signature


async def performed(session: AsyncSession, user: PeachUser, offer_id: int, kind: str) -> PeachTradeRequest:
    offer = await offer_rows.offer_by_id(session, offer_id)
    request = (
        None if offer is None or offer.type != kind else await repository.trade_request(session, offer.id, user.id)
    )
    if request is None:
        raise NotFound("Trade request not found.")
    return request


async def remove_performed(session: AsyncSession, user: PeachUser, offer_id: int, kind: str) -> None:
    request = await performed(session, user, offer_id, kind)
    if request.status != "pending":
        raise f.BadState("This trade request was accepted: cancel the contract instead.")
    await repository.delete_trade_request(session, request.id)


async def received(
    session: AsyncSession, owner: PeachUser, offer_id: int, kind: str, requester_id: str, *, lock: bool = False
) -> tuple[PeachOffer, PeachUser, PeachTradeRequest]:
    offer = await own_offer(session, owner, offer_id, kind, lock=lock)
    requester = await repository.user_by_public_key(session, requester_id)
    request = None if requester is None else await repository.trade_request(session, offer.id, requester.id, lock=lock)
    if requester is None or request is None:
        raise NotFound("Trade request not found.")
    return offer, requester, request


async def reject(session: AsyncSession, owner: PeachUser, offer_id: int, kind: str, requester_id: str) -> None:
    offer, requester, request = await received(session, owner, offer_id, kind, requester_id)
    if request.status != "pending":
        raise f.BadState("This trade request was accepted: cancel the contract instead.")
    await repository.delete_trade_request(session, request.id)
    await push(session, requester.id, _event(kind, "TradeRequestRejected"), {"offerId": str(offer.id)})


async def accept(
    session: AsyncSession, peach: Peach, owner: PeachUser, offer_id: int, kind: str, requester_id: str, body: AcceptBody
) -> Contract:
    """The owner of a sell offer accepts a buyer's request: the buyer's half of the v1 match on a
    buy offer made for this trade, then the seller's double match (the sell offer stays locked
    from here to the contract, so two acceptances end in one contract)."""
    # The sell offer first, locked (the order the v1 double match takes its locks in): a second
    # acceptance waits here and then finds the offer taken.
    armored(paymentDataEncrypted=body.payment_data_encrypted, paymentDataSignature=body.payment_data_signature)
    sell = await own_offer(session, owner, offer_id, kind, lock=True)
    if kind == "ask" and await contract_rows.contract_of_sell_offer(session, sell.id):
        raise f.OfferTaken("This offer has already been taken.")
    _, requester, request = await received(session, owner, offer_id, kind, requester_id, lock=True)
    if request.status != "pending":
        raise f.OfferTaken("This offer has already been taken.")
    if kind != "ask":
        owner_data = (body.payment_data_encrypted, body.payment_data_signature)
        return await _accept_on_buy_offer(session, peach, owner, sell, requester, request, owner_data)
    buy = await _buy_offer_for(session, peach, requester, sell, request)
    wire = {"currency": request.currency, "paymentMethod": request.payment_method}
    half = MatchRequest.model_validate(
        {
            **wire,
            "matchingOfferId": str(sell.id),
            "symmetricKeyEncrypted": request.symmetric_key_encrypted,
            "symmetricKeySignature": request.symmetric_key_signature,
        }
    )
    await matching.match_sell_offer(session, peach, requester, buy, half)
    double = MatchRequest.model_validate(
        {
            **wire,
            "matchingOfferId": str(buy.id),
            "paymentDataEncrypted": body.payment_data_encrypted,
            "paymentDataSignature": body.payment_data_signature,
        }
    )
    contract = await matching.double_match(session, peach, owner, sell, double)
    request.status, request.contract_id = "accepted", contract.id
    for loser in await repository.drop_pending_requests(session, sell.id):
        await push(session, loser, _event(kind, "TradeRequestNotChosen"), {"offerId": str(sell.id)})
    await session.flush()
    return contract


async def _accept_on_buy_offer(
    session: AsyncSession,
    peach: Peach,
    buyer: PeachUser,
    buy: PeachOffer,
    seller: PeachUser,
    request: PeachTradeRequest,
    owner_data: tuple[str, str] | None,
) -> Contract:
    """The buyer accepts a seller's request on its buy offer (locked): a sell offer is made for
    the seller from the request, the buyer's half of the v1 match on it, then the seller's half
    with the payment data the request carried; the contract waits for the seller's escrow
    (matching.double_match with escrow_later; matching.fund_contract starts the payment window)."""
    if not buy.online or buy.canceled:
        raise f.OfferTaken("This offer has already been taken.")
    sell = await _sell_offer_for(session, peach, seller, buy, request)
    wire = {"currency": request.currency, "paymentMethod": request.payment_method}
    # The seller made the symmetric key and encrypted its payment data with it (peach-app
    # ExpressSellTradeRequestToBuyOffer.tsx); the buyer's accept carries the buyer's payment
    # data under the same key (BrowseTradeRequestsToMyBuyOffer.tsx).
    half = MatchRequest.model_validate(
        {
            **wire,
            "matchingOfferId": str(sell.id),
            "symmetricKeyEncrypted": request.symmetric_key_encrypted,
            "symmetricKeySignature": request.symmetric_key_signature,
        }
    )
    await matching.match_sell_offer(session, peach, buyer, buy, half, push=False)
    double = MatchRequest.model_validate(
        {
            **wire,
            "matchingOfferId": str(buy.id),
            "paymentDataEncrypted": request.payment_data_encrypted,
            "paymentDataSignature": request.payment_data_signature,
        }
    )
    contract = await matching.double_match(session, peach, seller, sell, double, escrow_later=True)
    request.status, request.contract_id = "accepted", contract.id
    if owner_data is not None:
        request.owner_payment_data_encrypted, request.owner_payment_data_signature = owner_data
    for loser in await repository.drop_pending_requests(session, buy.id):
        await push(session, loser, _event("bid", "TradeRequestNotChosen"), {"offerId": str(buy.id)})
    await session.flush()
    return contract


async def _sell_offer_for(
    session: AsyncSession, peach: Peach, seller: PeachUser, buy: PeachOffer, request: PeachTradeRequest
) -> PeachOffer:
    """The seller's side of a buy-offer trade: a sell offer of exactly the buy offer's amount and
    premium in the requested method. It is searching only inside this transaction (for the v1
    match rules); double_match leaves it in createEscrow and the seller's app creates its escrow
    (POST v1/offer/:id/escrow, with its return address)."""
    return await _counter_offer(
        session, peach, seller, "ask", buy.amount_max, request, premium=buy.premium or Decimal(0)
    )


async def _buy_offer_for(
    session: AsyncSession, peach: Peach, buyer: PeachUser, sell: PeachOffer, request: PeachTradeRequest
) -> PeachOffer:
    """The buyer's side of the contract: a buy offer of exactly the sell offer's amount in the
    requested method, with the payout address the request carried (if any)."""
    return await _counter_offer(
        session,
        peach,
        buyer,
        "bid",
        sell.amount_max,
        request,
        release_address=request.release_address,
        message_signature=request.release_address_signature,
    )


async def _counter_offer(
    session: AsyncSession,
    peach: Peach,
    user: PeachUser,
    kind: str,
    amount: int,
    request: PeachTradeRequest,
    **columns: Any,
) -> PeachOffer:
    """The offer a trade request stands for on the other side, so the v1 match rules can run: one
    amount, the requested method with the request's hashes, the platform's escrow fee."""
    now = utcnow()
    method = request.payment_method
    offer = PeachOffer(
        user_id=user.id,
        type=kind,
        amount_min=amount,
        amount_max=amount,
        rating_milli=user.rating_milli,
        means_of_payment={request.currency: [method]},
        payment_data={method: _method_data(request.payment_data_hashed, method)},
        escrow_fee=peach.settings.peach_escrow_fee,
        online=True,
        trade_status=TradeStatus.SEARCHING_FOR_PEER,
        publishing_date=now,
        created_at=now,
        updated_at=now,
        **columns,
    )
    session.add(offer)
    await session.flush()
    session.add(PeachOfferMethod(offer_id=offer.id, currency=request.currency, method=method))
    await session.flush()
    return offer


async def contract_answer(session: AsyncSession, peach: Peach, viewer: PeachUser, contract: Contract) -> dict[str, Any]:
    """The contract as GET v1/contract/:id shows it."""
    loaded = await Loaded.of(session, peach, viewer, [contract])
    view = contract_view(contract, viewer, loaded).wire()
    return view | funding_fields(contract, loaded, peach.settings.peach_funding_window_hours)


async def turned_to_contract(session: AsyncSession, user: PeachUser, offer_id: int, kind: str) -> Contract | None:
    offer = await offer_rows.offer_by_id(session, offer_id)
    if offer is None or offer.type != kind:
        raise NotFound("Offer not found.")
    return await repository.contract_of_offer_for(session, offer, user.id)


async def can_instant_trade(session: AsyncSession, user: PeachUser, offer_id: int, kind: str) -> bool:
    """A sell offer allows an instant trade to a user who meets its criteria (offers/instant.py
    `allows`, the one rule); a buy offer's seller has no escrow to trade with at once: never."""
    offer = await listed_offer(session, offer_id, kind)
    if kind != "ask" or offer.user_id == user.id:
        return False
    if await contract_rows.is_blocked(session, offer.user_id, user.id):
        return False
    terms = (await instant.terms_of(session, [offer.id])).get(offer.id)
    return instant.allows(terms, (await profiles(session, [user.id]))[user.id])


async def instant_trade(
    session: AsyncSession,
    peach: Peach,
    platform: Platform,
    user: PeachUser,
    offer_id: int,
    kind: str,
    body: TradeRequestBody,
) -> Contract:
    """performInstantTrade on a sell offer: the buyer's trade request (`perform`, its checks)
    accepted at once on the seller's behalf (`accept`: the v1 match and double match), with the
    seller's payment data of the chosen method read with the platform's secret key and
    encrypted again, the same plaintext, to both parties' PGP keys (the seller's signature
    kept): the contract's payment data is "asymmetric". Any refusal leaves nothing written."""
    offer = await listed_offer(session, offer_id, kind, lock=True)
    if offer.user_id == user.id:
        raise f.CannotMatch("You cannot take your own offer.")
    if kind != "ask":
        raise f.CannotMatch("This offer does not allow instant trades: send a trade request.")
    terms = (await instant.terms_of(session, [offer.id])).get(offer.id)
    if instant.criteria_view(terms) is None:
        raise f.CannotMatch("This offer does not allow instant trades: send a trade request.")
    found = await profiles(session, [user.id, offer.user_id])
    if not instant.allows(terms, found[user.id]):
        raise f.CannotMatch("You do not meet this offer's instant trade criteria: send a trade request.")
    sealed = instant.platform_encrypted(terms, body.payment_method)
    if sealed is None:
        raise f.FormInvalid("paymentMethod", "has no payment data for instant trades on this offer")
    pair = await platform_pgp(platform, session)
    if pair.secret_key is None:
        raise f.CannotMatch("Instant trades need the platform's PGP secret key, which this server does not hold.")
    buyer, seller = found[user.id], found[offer.user_id]
    encrypted = _reseal(pair, sealed, seller, recipients=[*_keys(buyer), *_keys(seller)])
    await perform(session, peach, user, offer.id, kind, body)  # the request's own checks, then stored
    owner = (await repository.users_by_ids(session, [offer.user_id]))[offer.user_id]
    accepted = AcceptBody.model_validate({"paymentDataEncrypted": encrypted, "paymentDataSignature": sealed[1]})
    contract = await accept(session, peach, owner, offer.id, kind, user.public_key, accepted)
    contract.payment_data_encryption_method = "asymmetric"
    await session.flush()
    return contract


def _keys(profile: PublicUser) -> list[str]:
    return [k.public_key for k in profile.pgp_public_keys if k.public_key]


def _reseal(pair: PlatformPgp, sealed: tuple[str, str], seller: PublicUser, *, recipients: list[str]) -> str:
    """The seller's payment data, encrypted to the platform key and signed by the seller,
    encrypted again to `recipients` (what the app's useDecryptedContractData `decrypt`s, then
    checks against the seller's pgpPublicKeys)."""
    encrypted, signature = sealed
    plaintext = platform_key.decrypt(pair, encrypted)
    if plaintext is None:
        raise f.CannotMatch("The seller's payment data for instant trades cannot be read: send a trade request.")
    try:
        sellers = [pysequoia.Cert.from_bytes(k.encode()) for k in _keys(seller)]
        pysequoia.verify(
            bytes=plaintext, store=lambda _ids: sellers, signature=pysequoia.Sig.from_bytes(signature.encode())
        )
    except Exception:  # pysequoia raises plain exceptions: a bad signature or key
        raise f.CannotMatch(
            "The seller's payment data for instant trades is not signed by the seller: send a trade request."
        ) from None
    # Both parties' keys were parsed when they were proved (PATCH user): they load.
    certs = [pysequoia.Cert.from_bytes(k.encode()) for k in dict.fromkeys(recipients)]
    return str(pysequoia.encrypt(plaintext, recipients=certs).decode())


def request_view(request: PeachTradeRequest, offer: PeachOffer, requester_id: str) -> TradeRequestView:
    view = TradeRequestView(
        id=request.id,
        user_id=requester_id,
        payment_method=request.payment_method,
        payment_data_hashed=request.payment_data_hashed,
        payment_data_encrypted=request.payment_data_encrypted,
        payment_data_signature=request.payment_data_signature,
        symmetric_key_encrypted=request.symmetric_key_encrypted,
        symmetric_key_signature=request.symmetric_key_signature,
        max_mining_fee_rate=request.max_mining_fee_rate,
        currency=request.currency,
        price=price_of(request.price_minor),
        creation_date=wire_time(request.created_at),
    )
    if offer.type == "ask":
        view.sell_offer_id = str(offer.id)
    else:
        view.buy_offer_id = offer.id
    return view


def request_wire(request: PeachTradeRequest, offer: PeachOffer, requester_id: str) -> dict[str, Any]:
    return request_view(request, offer, requester_id).wire(exclude_none=True) | {
        "maxMiningFeeRate": request.max_mining_fee_rate
    }


# ---------------------------------------------------------------- trade request chat


async def chat(session: AsyncSession, request: PeachTradeRequest, reader: str) -> list[ChatMessageView]:
    """The messages, oldest first, `seen` as they were before this read (what is new to the
    reader); the reader has now seen the other side's."""
    rows = await repository.messages(session, request.id)
    views = [
        ChatMessageView(
            id=m.id,
            encrypted_message=m.encrypted_message,
            signature=m.signature,
            creation_date=wire_time(m.created_at),
            seen=m.seen,
            sender=m.sender,
        )
        for m in rows
    ]
    await repository.mark_seen(session, request.id, REQUESTER if reader == OWNER else OWNER)
    return views


async def send(
    session: AsyncSession, request: PeachTradeRequest, offer: PeachOffer, requester: str, sender: str, body: ChatBody
) -> None:
    if request.status != "pending":
        raise f.BadState("This trade request is closed: chat in the contract.")
    armored(messageEncrypted=body.message_encrypted, signature=body.signature)
    session.add(
        PeachTradeRequestMessage(
            trade_request_id=request.id,
            sender=sender,
            encrypted_message=body.message_encrypted,
            signature=body.signature,
            created_at=utcnow(),
        )
    )
    await session.flush()
    to_user = offer.user_id if sender == REQUESTER else request.user_id
    data = {
        "offerId": str(offer.id),
        "offerType": "sell" if offer.type == "ask" else "buy",
        "requestingUserId": requester,
    }
    await push(session, to_user, "offer.expressFlowTradeRequestChatMessageReceived", data)


# ---------------------------------------------------------------- self user


async def settings(session: AsyncSession, user: PeachUser) -> PeachUserSettings69:
    found = await repository.settings_of(session, user.id, lock=True)
    if found is None:
        found = PeachUserSettings69(user_id=user.id, offer_alerts_active=False)
        session.add(found)
        await session.flush()
    return found


async def self_user(session: AsyncSession, user: PeachUser) -> SelfUser69:
    found = await repository.settings_of(session, user.id)
    blocked = await repository.blocked_by(session, user.id)
    return SelfUser69(
        id=user.public_key,
        offer_alerts_active=found.offer_alerts_active if found else False,
        last_address_used_index=found.last_address_used_index if found else None,
        encrypted_payment_data=found.encrypted_payment_data if found else None,
        encrypted_payment_data_signature=found.encrypted_payment_data_signature if found else None,
        blocked_user_ids=[u.public_key for u in blocked],
    )


# ---------------------------------------------------------------- instant trades on buy offers
# Kept apart from can_instant_trade / instant_trade (sell offers): the buy-offer routes call these.


def buy_offer_allows(terms: PeachBuyOfferTerms | None, taker: PublicUser) -> bool:
    """The buyer's instantTradeCriteria, met by `taker`: its reputation is put on the app's 0-5
    scale first (useCreateBuyOffer.tsx sends the slider's value unconverted)."""
    criteria = terms.instant_trade_criteria if terms else None
    return instant.meets(criteria, taker, (Decimal(str(taker.rating)) + 1) * Decimal("2.5"))


async def can_instant_trade_on_buy_offer(session: AsyncSession, seller: PeachUser, offer_id: int) -> bool:
    """A seller may take a listed buy offer at once when the buyer set instantTradeCriteria and the
    seller meets them."""
    offer = await listed_offer(session, offer_id, "bid")
    if offer.user_id == seller.id or await contract_rows.is_blocked(session, offer.user_id, seller.id):
        return False
    terms = (await repository.terms_of(session, [offer.id])).get(offer.id)
    return buy_offer_allows(terms, (await profiles(session, [seller.id]))[seller.id])


async def instant_trade_on_buy_offer(
    session: AsyncSession, peach: Peach, seller: PeachUser, offer_id: int, body: TradeRequestBody
) -> Contract:
    """performInstantTradeWithBuyOfferById: the seller's trade request (the same body), accepted on
    the buyer's behalf at once; the contract then waits for the seller's escrow like an accepted
    request's. The buyer sent no payment data of its own (no buyerPaymentDataEncrypted)."""
    if not await can_instant_trade_on_buy_offer(session, seller, offer_id):
        raise f.CannotMatch("This offer does not allow you an instant trade: send a trade request.")
    request = await perform(session, peach, seller, offer_id, "bid", body)
    buy = await listed_offer(session, offer_id, "bid", lock=True)
    buyer = await repository.users_by_ids(session, [buy.user_id])
    return await _accept_on_buy_offer(session, peach, buyer[buy.user_id], buy, seller, request, None)
