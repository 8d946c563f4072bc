"""The v069 wire: request bodies as peach-api-ts src/private/peach069 sends them, answers as
its @types (offer.ts BuyOffer69, SellOffer69TradeRequest, Offer69TradeRequestChatMessage,
user69.ts) read them."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field

from peerx.products.bitcoin.offers.schemas import MeansOfPayment, PaymentData
from peerx.products.bitcoin.schemas import (
    Address,
    Armored,
    CurrencyCode,
    MethodId,
    PeachAnswer,
    PeachRequest,
    Premium,
    Reputation,
    Sats,
    Signature,
)
from peerx.wire import Amount, Integer, Text, WireDecimal

FeeRateNumber = Annotated[int, Integer(1, 10_000, text=False)]
AddressIndex = Annotated[int, Integer(0, 2**31 - 1, text=False)]
Badge = Annotated[str, Text(40, min_length=1, strip=False)]
HashText = Annotated[str, Text(64, min_length=1, strip=False)]
CountryCode = Annotated[str, Text(2, strip=False)]


class HashedMethodData(PeachRequest):
    """One method's entry of getHashedPaymentData (store/offerPreferenes/helpers): the field
    hashes, the account's country, the M-Pesa flag."""

    hashes: Annotated[list[HashText], Field(max_length=32)]
    country: CountryCode | None = None
    is_mpesa: bool | None = None


# {paymentMethod: {hashes, country?, isMpesa?}}: the app hashes the one payment data it chose.
HashedPaymentData = Annotated[dict[MethodId, HashedMethodData], Field(min_length=1, max_length=8)]


class TradeRequestBody(PeachRequest):
    """POST {sell,buy}Offer/:id/tradeRequestPerformed and .../performInstantTrade."""

    payment_method: MethodId
    currency: CurrencyCode
    payment_data_hashed: HashedPaymentData
    payment_data_encrypted: Armored
    payment_data_signature: Armored
    symmetric_key_encrypted: Armored
    symmetric_key_signature: Armored
    max_mining_fee_rate: FeeRateNumber | None = None
    release_address: Address | None = None
    release_address_message_signature: Signature | None = None


class AcceptBody(PeachRequest):
    """POST .../tradeRequestReceived/:userId/accept: the owner's payment data, encrypted with the
    requester's symmetric key."""

    payment_data_encrypted: Armored
    payment_data_signature: Armored


class ChatBody(PeachRequest):
    message_encrypted: Armored
    signature: Armored | None = None


# The app's own scale (0 to 5 peaches): useCreateBuyOffer.tsx sends it unconverted, unlike
# usePostSellOffer.ts, which maps it to the server's -1..1.
CriteriaReputation = Annotated[Decimal, Amount(None, Decimal(-1), Decimal(5))]


class InstantTradeCriteria(PeachRequest):
    min_reputation: CriteriaReputation
    min_trades: Annotated[int, Integer(0, 1_000_000, text=False)]
    badges: Annotated[list[Badge], Field(max_length=8)]


class CreateBuyOfferBody(PeachRequest):
    """POST v069/buyOffer (createBuyOffer.ts)."""

    amount: Sats
    means_of_payment: MeansOfPayment
    payment_data: PaymentData
    # one per offer when `multi` asks for several (useCreateBuyOffer.tsx), none for the Peach wallet
    release_addresses: Annotated[list[Address], Field(max_length=21)] | None = None
    release_address_message_signatures: Annotated[list[Signature], Field(max_length=21)] | None = None
    premium: Premium
    min_reputation: Reputation | None = None
    instant_trade_criteria: InstantTradeCriteria | None = None
    experience_level_criteria: Literal["newUsersOnly", "experiencedUsersOnly"] | None = None
    multi: Annotated[int, Integer(1, 21, text=False)] | None = None


class PremiumBody(PeachRequest):
    premium: Premium


class EncryptedPaymentDataBody(PeachRequest):
    encrypted_payment_data: Armored
    encrypted_payment_data_signature: Armored


class ToggleBody(PeachRequest):
    active: bool


class IndexBody(PeachRequest):
    index: AddressIndex


class TradeRequestView(PeachAnswer):
    """SellOffer69TradeRequest / BuyOffer69TradeRequest (the offer id under its own name)."""

    id: int
    sell_offer_id: str | None = None
    buy_offer_id: int | None = None
    user_id: str
    payment_method: str
    payment_data_hashed: Any
    payment_data_encrypted: str
    payment_data_signature: str
    symmetric_key_encrypted: str
    symmetric_key_signature: str
    max_mining_fee_rate: int | None
    currency: str
    price: WireDecimal
    creation_date: str | None


class ChatMessageView(PeachAnswer):
    id: int
    encrypted_message: str
    signature: str | None
    creation_date: str | None
    seen: bool
    sender: str


class BuyOffer69View(PeachAnswer):
    id: int
    amount_sats: int
    user_id: str
    status: str
    release_address: str
    release_address_message_signature: str
    min_reputation: WireDecimal | None
    premium: WireDecimal
    free_trade: bool
    payment_data: dict[str, Any]
    means_of_payment: dict[str, list[str]]
    instant_trade_criteria: dict[str, Any] | None
    experience_level_criteria: str | None
    multi: int | None
    creation_date: str | None


class CanInstantTrade(PeachAnswer):
    result: bool


class SelfUser69(PeachAnswer):
    id: str
    offer_alerts_active: bool
    last_address_used_index: int | None
    encrypted_payment_data: str | None
    encrypted_payment_data_signature: str | None
    blocked_user_ids: list[str]


def price_of(minor: int) -> Decimal:
    return Decimal(minor) / 100
