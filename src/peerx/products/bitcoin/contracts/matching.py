"""Matching: a buyer matches a funded sell offer (its half: the PGP-encrypted symmetric key and
the price it accepts), the seller double-matches that buy offer (its half: the payment data
encrypted with that key) and the contract "sellOfferId-buyOfferId" exists. A sell offer is
taken once: the double match locks it, so racing double matches end with one contract
(OFFER_TAKEN for the rest); a buy offer is in one contract at a time (ALREADY_TAKEN)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core import metrics
from peerx.core.db import utcnow
from peerx.core.errors import NotFound
from peerx.core.jobs import enqueue
from peerx.products.bitcoin import errors as f
from peerx.products.bitcoin import repository as shared
from peerx.products.bitcoin.context import Peach
from peerx.products.bitcoin.contracts import release, repository
from peerx.products.bitcoin.contracts.multisig import fee_rate
from peerx.products.bitcoin.contracts.repository import contract_id
from peerx.products.bitcoin.contracts.schemas import Match, Matched, Matches, MatchRequest, Unavailable
from peerx.products.bitcoin.identity import referrals
from peerx.products.bitcoin.identity.reputation import profiles
from peerx.products.bitcoin.market import catalogue
from peerx.products.bitcoin.market import prices as market
from peerx.products.bitcoin.models import (
    Contract,
    FundingState,
    PeachEscrow,
    PeachJob,
    PeachMatch,
    PeachOffer,
    PeachUser,
    TradeStatus,
)
from peerx.products.bitcoin.offers import address_proof, limits, search
from peerx.products.bitcoin.offers import repository as offer_rows
from peerx.products.bitcoin.offers.service import check_address, payment_data_view
from peerx.products.bitcoin.push.notify import notify
from peerx.products.bitcoin.wire import wire_time

# A cash trade is paid at a meetup: no payment window, shown as the document's cash contract
# shows it (paymentExpectedBy 2137-12-20T23:00:00.000Z), and no paymentTooLate.
NO_PAYMENT_DEADLINE = datetime(2137, 12, 20, 23, tzinfo=UTC)
PRICE_TOLERANCE = Decimal("0.01")  # the price the app saw may lag the market by up to 1 %


def mutual_methods(sell: PeachOffer, buy: PeachOffer) -> dict[str, list[str]]:
    both: dict[str, list[str]] = {}
    for currency, methods in sell.means_of_payment.items():
        shared = [m for m in methods if m in buy.means_of_payment.get(currency, [])]
        if shared:
            both[currency] = shared
    return both


def fits(sell: PeachOffer, buy: PeachOffer, seller: PeachUser) -> bool:
    """The buy offer's terms accept the sell offer (amount, premium, the seller's reputation)."""
    if not buy.amount_min <= sell.amount_max <= buy.amount_max:
        return False
    if buy.max_premium_bp is not None and (sell.premium_bp or 0) > buy.max_premium_bp:
        return False
    if buy.min_reputation is not None and Decimal(seller.rating_milli) / 1000 < buy.min_reputation:
        return False
    return bool(mutual_methods(sell, buy))


async def list_matches(
    session: AsyncSession,
    peach: Peach,
    user: PeachUser,
    offer: PeachOffer,
    page: int,
    size: int,
    sorts: list[str] | None = None,
) -> Matches:
    """A buy offer's candidates in the app's sortBy (search's orders; lowest premium first when
    none is asked for); a sell offer's matched buyers oldest first."""
    if offer.type == "bid":
        order = search.order_by(sorts, "ask") if sorts else None
        rows, total = await repository.candidates(session, offer, page, size, order) if offer.online else ([], 0)
        pairs = [(o, offer) for o in rows]
    else:
        rows, total = await repository.matched_buyers(session, offer, page, size) if offer.online else ([], 0)
        pairs = [(offer, o) for o in rows]
    owner_ids = list({o.user_id for o in rows})
    owners = await profiles(session, owner_ids)
    sell_ids = [s.id for s, _ in pairs]
    escrows = await offer_rows.escrows_of(session, sell_ids)
    matches = await repository.matches_between(session, sell_ids, [b.id for _, b in pairs])
    prices = {c: v for c, (v, _) in (await market.all_prices(session, peach.prices)).items()}
    done = await limits.traded(session, user.id)
    value = {s.id: await limits.trade_value_minor(session, peach, s.amount_max, s.premium) for s, _ in pairs}
    views = []
    for sell, buy in pairs:
        other = buy if offer.type == "ask" else sell
        match = matches.get((sell.id, buy.id))
        mutual = mutual_methods(sell, buy)
        escrow = escrows.get(sell.id)
        exceeds = {m for ms in mutual.values() for m in ms if limits.exceeded(peach, done, value[sell.id], m)}
        views.append(
            Match(
                creation_date=wire_time(match.created_at if match else other.created_at),
                last_modified=wire_time(other.updated_at),
                user=owners[other.user_id],
                offer_id=str(other.id),
                amount=sell.amount_max,
                premium=sell.premium,
                prices={c: market.fiat(sell.amount_max, prices[c], sell.premium) for c in mutual if c in prices},
                escrow=escrow.address if escrow else None,
                matched_price=Decimal(match.price_minor) / 100 if match else None,
                means_of_payment=mutual,
                payment_data=payment_data_view(
                    {m: other.payment_data[m] for ms in mutual.values() for m in ms if m in other.payment_data}
                ),
                selected_currency=match.currency if match else None,
                selected_payment_method=match.payment_method if match else None,
                symmetric_key_encrypted=match.symmetric_key_encrypted if match else "",
                symmetric_key_signature=match.symmetric_key_signature if match else "",
                matched=match is not None,
                unavailable=Unavailable(exceeds_limit=sorted(exceeds)),
            )
        )
    more = (page + 1) * size < total
    return Matches(offer_id=str(offer.id), matches=views, total_matches=total, next_page=page + 1 if more else None)


def _armored(value: str | None, name: str) -> str:
    """An ASCII-armored PGP block (the wire model bounds its length and characters)."""
    if not value:
        raise f.FormInvalid(name, "is required")
    if not value.lstrip().startswith("-----BEGIN PGP"):
        raise f.FormInvalid(name, "must be an ASCII-armored PGP block")
    return value


def _selection(body: MatchRequest, mutual: dict[str, list[str]]) -> tuple[str, str]:
    currency, method = body.currency, body.payment_method
    if currency not in mutual:
        raise f.FormInvalid("currency", "is not offered by both sides")
    if method not in mutual[currency]:
        raise f.FormInvalid("paymentMethod", f"is not offered by both sides in {currency}")
    return currency, method


async def _matching_offer(session: AsyncSession, matching_offer_id: int, *, lock: bool = False) -> PeachOffer:
    found = await offer_rows.offer_by_id(session, matching_offer_id, lock=lock)
    if found is None:
        raise NotFound("Offer not found.")
    return found


async def _taken(session: AsyncSession, sell: PeachOffer) -> bool:
    return await repository.contract_of_sell_offer(session, sell.id) is not None


async def match_sell_offer(
    session: AsyncSession, peach: Peach, user: PeachUser, buy: PeachOffer, body: MatchRequest, *, push: bool = True
) -> Matched:
    """The buyer's half. `buy` is the caller's own buy offer, locked. Without `push` the seller is
    not told of a match (a v069 acceptance makes the contract at once)."""
    if buy.canceled or not buy.online:
        raise f.AlreadyTaken("This buy offer is not searching for a peer.")
    sell = await _matching_offer(session, body.matching_offer_id)
    if sell.type != "ask":
        raise f.FormInvalid("matchingOfferId", "must be a sell offer")
    if not sell.online or sell.trade_status != TradeStatus.SEARCHING_FOR_PEER:
        if await _taken(session, sell):
            raise f.OfferTaken("This offer has already been taken.")
        raise NotFound("Offer not found.")
    seller = await shared.user(session, sell.user_id)
    assert seller is not None
    # The symmetric key travels encrypted to both parties' PGP keys: both need one.
    if user.pgp_public_key is None:
        raise f.PgpMissing("Upload a PGP key (PATCH user) before matching.")
    if seller.pgp_public_key is None:
        raise f.PgpMissing("The seller has no PGP key.")
    if (
        sell.user_id == user.id
        or await repository.is_blocked(session, sell.user_id, user.id)
        or not fits(sell, buy, seller)
    ):
        raise f.CannotMatch("These offers cannot be matched.")
    currency, method = _selection(body, mutual_methods(sell, buy))
    premium = body.premium
    if premium is not None and premium != (sell.premium or Decimal(0)):
        raise f.FormInvalid("premium", f"is {sell.premium} now: the seller changed it")
    prices = await market.all_prices(session, peach.prices)
    if currency not in prices:
        raise f.FormInvalid("currency", "has no market price")
    current = market.fiat(sell.amount_max, prices[currency][0], sell.premium)
    price = body.price
    if price is not None and abs(price - current) > current * PRICE_TOLERANCE:
        raise f.FormInvalid("price", f"is {current} now")
    symmetric_key = _armored(body.symmetric_key_encrypted, "symmetricKeyEncrypted")
    signature = _armored(body.symmetric_key_signature, "symmetricKeySignature")
    value = await limits.trade_value_minor(session, peach, sell.amount_max, sell.premium)
    await limits.check(session, peach, user.id, value, method)
    existing = await repository.match_of(session, buy.id, sell.id)
    match = existing or PeachMatch(buy_offer_id=buy.id, sell_offer_id=sell.id, created_at=utcnow())
    session.add(match)  # matching again refreshes the buyer's half
    match.currency, match.payment_method = currency, method
    match.price_minor, match.premium_bp = int(current * 100), sell.premium_bp or 0
    match.symmetric_key_encrypted, match.symmetric_key_signature = symmetric_key, signature
    await session.flush()
    if existing is None:  # matching again refreshes the match: not a new one
        metrics.count_operation(session, "bitcoin", "match_made")
    if push:
        await notify(
            session, sell.user_id, "offer.matchReceived", {"offerId": str(sell.id), "matchingOfferId": str(buy.id)}
        )
    return Matched(matched_price=current)


async def unmatch(session: AsyncSession, buy: PeachOffer, matching_offer_id: int) -> None:
    """The buyer withdraws its half, as long as the seller has not double-matched it."""
    sell = await _matching_offer(session, matching_offer_id)
    if await repository.existing_contract_id(session, contract_id(sell.id, buy.id)):
        raise f.BadState("The offers are in a contract: cancel the contract instead.")
    if not await repository.delete_match(session, buy.id, sell.id):
        raise NotFound("Match not found.")


async def double_match(
    session: AsyncSession,
    peach: Peach,
    user: PeachUser,
    sell: PeachOffer,
    body: MatchRequest,
    *,
    escrow_later: bool = False,
) -> Contract:
    """The seller's half: `sell` is the caller's own sell offer, locked (the "taken once" guard).
    With `escrow_later` (a v069 buy-offer trade: the sell offer was made for this contract) the
    contract waits in createEscrow for the seller's escrow; fund_contract starts it."""
    if sell.trade_status != TradeStatus.SEARCHING_FOR_PEER or not sell.online:
        if await _taken(session, sell):
            raise f.OfferTaken("This offer has already been taken.")
        raise f.BadState("This offer is not searching for a peer.")
    buy = await _matching_offer(session, body.matching_offer_id, lock=True)
    match = await repository.match_of(session, buy.id, sell.id)
    if buy.type != "bid" or match is None:
        raise f.CannotDoubleMatch("The buyer has not matched this offer.")
    if not buy.online or buy.canceled:
        raise f.AlreadyTaken("This buy offer has already been taken.")
    if await repository.is_blocked(session, sell.user_id, buy.user_id):
        raise f.CannotDoubleMatch("These users cannot trade with each other.")
    currency, method = _selection(body, {match.currency: [match.payment_method]})
    payment_data = _armored(body.payment_data_encrypted, "paymentDataEncrypted")
    payment_signature = _armored(body.payment_data_signature, "paymentDataSignature")
    # In id order, as history.record_trade_outcome locks them, so no two paths deadlock.
    parties = await repository.users_for_update(session, [sell.user_id, buy.user_id])
    value = await limits.trade_value_minor(session, peach, sell.amount_max, sell.premium)
    for party in parties:
        await limits.check(session, peach, party, value, method)
    escrow = await offer_rows.escrow_of(session, sell.id, lock=True)
    if escrow_later:
        if escrow is not None:
            raise f.BadState("This offer has an escrow already.")
    elif escrow is None or escrow.funding_status != FundingState.FUNDED:
        raise f.BadState("The escrow of this offer is not funded.")
    now = utcnow()
    method_data = sell.payment_data.get(method, {})
    free_trade = sell.escrow_fee > 0 and await referrals.spend_free_trade(session, buy.user_id)
    contract = Contract(
        id=contract_id(sell.id, buy.id),
        sell_offer_id=sell.id,
        buy_offer_id=buy.id,
        seller_id=sell.user_id,
        buyer_id=buy.user_id,
        escrow_id=escrow.id if escrow else None,
        amount=sell.amount_max,
        currency=currency,
        payment_method=method,
        country=method_data.get("country"),
        price_minor=match.price_minor,
        premium_bp=match.premium_bp,
        limit_value_minor=value,
        anonymous=limits.is_anonymous(method),
        buyer_fee=Decimal(0) if free_trade else sell.escrow_fee,
        seller_fee=Decimal(0),
        free_trade=free_trade,
        release_address=buy.release_address or "",
        hashed_payment_data=list(method_data.get("hashes", [])),
        payment_data_encrypted=payment_data,
        payment_data_signature=payment_signature,
        symmetric_key_encrypted=match.symmetric_key_encrypted,
        symmetric_key_signature=match.symmetric_key_signature,
        trade_status=TradeStatus.PAYMENT_REQUIRED,
        payment_expected_by=NO_PAYMENT_DEADLINE
        if catalogue.is_cash(method)
        else now + timedelta(hours=peach.settings.peach_payment_window_hours),
        created_at=now,
        updated_at=now,
    )
    buyer = parties[buy.user_id]
    if escrow is None:
        # No payment window before the escrow is funded: the deadline is set by fund_contract.
        contract.trade_status, contract.payment_expected_by = TradeStatus.CREATE_ESCROW, NO_PAYMENT_DEADLINE
        session.add(contract)
        sell.online, sell.trade_status, sell.updated_at = False, TradeStatus.CREATE_ESCROW, now
        buy.online, buy.trade_status, buy.updated_at = False, TradeStatus.WAITING_FOR_FUNDING, now
        await repository.delete_other_matches(session, buy.id, sell.id, match.id)
        await session.flush()
        await notify(session, sell.user_id, "contract.contractCreated", {"contractId": contract.id})
        return contract
    if contract.release_address:
        # A v069 buyer may name its payout address only when confirming the payment: the
        # release is prepared then.
        release.prepare(peach, contract, escrow, await fee_rate(session, peach, buyer), buyer.batching)
    session.add(contract)
    for offer in (sell, buy):
        offer.online, offer.trade_status, offer.updated_at = False, TradeStatus.PAYMENT_REQUIRED, now
    await repository.delete_other_matches(session, buy.id, sell.id, match.id)
    await session.flush()
    await schedule_deadline(session, contract)
    await notify(session, buy.user_id, "contract.contractCreated", {"contractId": contract.id})
    return contract


async def fund_contract(session: AsyncSession, peach: Peach, contract: Contract, escrow: PeachEscrow) -> None:
    """The escrow of a contract made before it (double_match with escrow_later) is funded with
    the contract's amount: the payment window starts now, as a v1 contract's starts at its
    creation on a funded escrow; the release is prepared when the buyer's address is known."""
    now = utcnow()
    contract.escrow_id, contract.trade_status, contract.updated_at = escrow.id, TradeStatus.PAYMENT_REQUIRED, now
    contract.payment_expected_by = (
        NO_PAYMENT_DEADLINE
        if catalogue.is_cash(contract.payment_method)
        else now + timedelta(hours=peach.settings.peach_payment_window_hours)
    )
    for offer_id in (contract.sell_offer_id, contract.buy_offer_id):
        offer = await offer_rows.offer_by_id(session, offer_id, lock=True)
        assert offer is not None
        offer.online, offer.trade_status, offer.updated_at = False, TradeStatus.PAYMENT_REQUIRED, now
    if contract.release_address:
        buyer = await shared.user(session, contract.buyer_id)
        assert buyer is not None
        release.prepare(peach, contract, escrow, await fee_rate(session, peach, buyer), buyer.batching)
    await session.flush()
    await schedule_deadline(session, contract)
    # The app's push names: the seller's escrow is funded (PN-S03), the buyer's trade is on (PN-B03).
    await notify(
        session,
        contract.seller_id,
        "offer.escrowFunded",
        {"offerId": str(contract.sell_offer_id), "contractId": contract.id},
    )
    await notify(session, contract.buyer_id, "contract.contractCreated", {"contractId": contract.id})


async def name_payout_address(
    session: AsyncSession,
    peach: Peach,
    buyer: PeachUser,
    contract: Contract,
    address: str | None,
    signature: str | None,
) -> None:
    """A contract made without the buyer's payout address (a v069 trade request): the buyer names
    it, signed as a buy offer's, when confirming its payment, and the release is prepared now."""
    if address is None:
        raise f.FormInvalid("releaseAddress", "is required: this contract has no payout address yet")
    address = check_address(peach, address, "releaseAddress")
    wording = address_proof.release_message(buyer.public_key, address)
    if not signature or not address_proof.verify_address_signature(
        address, wording, signature, peach.settings.bitcoin_network
    ):
        raise f.InvalidSignature("releaseAddressMessageSignature", "must sign the release address confirmation")
    escrow = await repository.escrow_for_update(session, contract.escrow_id)
    assert escrow is not None
    contract.release_address = address
    release.prepare(peach, contract, escrow, await fee_rate(session, peach, buyer), buyer.batching)


async def schedule_deadline(session: AsyncSession, contract: Contract) -> None:
    if contract.payment_expected_by == NO_PAYMENT_DEADLINE:
        return  # a cash trade: nothing ever becomes paymentTooLate
    await enqueue(
        session,
        PeachJob.PAYMENT_DEADLINE,
        {"contractId": contract.id},
        run_at=contract.payment_expected_by,
        unique_key=f"{PeachJob.PAYMENT_DEADLINE}:{contract.id}:{contract.payment_expected_by.isoformat()}",
    )
