"""Peach v1 wire models of offers, search and the escrow (the rules of parsing and answering
are in schemas.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, WithJsonSchema

from peerx.products.bitcoin.identity.schemas import PublicUser
from peerx.products.bitcoin.schemas import (
    MAX_CURRENCIES,
    MAX_METHODS,
    RANGE_SCHEMA,
    Address,
    AmountOrRange,
    AmountRange,
    Armored,
    Country,
    CurrencyCode,
    MethodId,
    OfferType,
    PaymentHash,
    PeachAnswer,
    PeachRequest,
    Premium,
    PremiumFilter,
    Psbt,
    PublicKeyHex,
    Reputation,
    Sats,
    Signature,
    TxHex,
    examples,
    omitted,
)
from peerx.wire import Integer, Text, WireDecimal

# ---------------------------------------------------------------- offers

SIGNED_ADDRESS_EXAMPLE = "ILVomp0EuVl9vLUoaiV0/Dx0CZS1PHaJ7YOZxqstLfuYTZ6vVIkGYeihnu4oBGAdnrfQAEZ2t0EuZMMF2jxNp5w="
MEANS_EXAMPLE = {"EUR": ["cash.lv.riga.baltic-honeybadger", "paypal"]}
PAYMENT_DATA_EXAMPLE = {
    "cash.lv.riga.baltic-honeybadger": {"hashes": ["2312b8c8bcc4c5e8541893b5e3bc88d165ba83ea6f19fc747a5e1874226c1f08"]},
    "paypal": {"hashes": ["fda659c82ae97ce2c4b26665e558a97796951f7691f85e97d693425a1eaeae21"]},
}

MeansOfPayment = Annotated[
    dict[CurrencyCode, Annotated[list[MethodId], Field(min_length=1, max_length=MAX_METHODS)]],
    Field(min_length=1, max_length=MAX_CURRENCIES),
]


class PaymentDataHashes(PeachRequest):
    """One payment method's data, as hashes: sha256 hex of each field (the data stays with the apps)."""

    hashes: Annotated[list[PaymentHash], Field(max_length=32)]
    country: Country | None = None


PaymentData = Annotated[dict[MethodId, PaymentDataHashes], Field(min_length=1, max_length=MAX_METHODS)]


class SellPaymentData(PaymentDataHashes):
    """A sell offer's method as the app sends it (SellOfferPreferences.tsx getPaymentData): with
    an instant trade, the cleaned payment data PGP-encrypted to the platform key and signed by
    the seller; always, the same encrypted to the seller's own key."""

    encrypted: Armored | None = None
    signature: Armored | None = None
    self_encrypted: Armored | None = None
    self_encrypted_signature: Armored | None = None


class SellInstantTradeCriteria(PeachRequest):
    """usePostSellOffer.ts: minReputation interpolated from the app's 0..5 to the server's -1..1."""

    min_reputation: Reputation
    min_trades: Annotated[int, Integer(0, 1_000_000, text=False)]
    badges: Annotated[list[Annotated[str, Text(40, min_length=1, strip=False)]], Field(max_length=8)]


SellPaymentDataMap = Annotated[dict[MethodId, SellPaymentData], Field(min_length=1, max_length=MAX_METHODS)]


class BuyOfferRequest(PeachRequest):
    model_config = ConfigDict(
        title="BuyOfferRequest",
        json_schema_extra=examples(
            {
                "type": "bid",
                "amount": [50000, 2330000],
                "meansOfPayment": MEANS_EXAMPLE,
                "paymentData": PAYMENT_DATA_EXAMPLE,
                "releaseAddress": "bcrt1qlwpcjuude4mlmnvpfhenkwh7rcw06xkcp3d8ds",
                "messageSignature": SIGNED_ADDRESS_EXAMPLE,
                "maxPremium": None,
            }
        ),
    )
    type: Literal["bid"]
    amount: AmountRange
    max_premium: Premium | None = None
    min_reputation: Reputation | None = None
    means_of_payment: MeansOfPayment
    payment_data: PaymentData
    release_address: Address
    message_signature: Signature


class SellOfferRequest(PeachRequest):
    model_config = ConfigDict(
        title="SellOfferRequest",
        json_schema_extra=examples(
            {
                "premium": 8,
                "type": "ask",
                "amount": 300000,
                "meansOfPayment": MEANS_EXAMPLE,
                "paymentData": PAYMENT_DATA_EXAMPLE,
                "returnAddress": "bcrt1qlwpcjuude4mlmnvpfhenkwh7rcw06xkcp3d8ds",
            }
        ),
    )
    type: Literal["ask"]
    amount: Sats
    premium: Premium | None = None
    means_of_payment: MeansOfPayment
    payment_data: SellPaymentDataMap
    return_address: Address
    # The app's instant-trade terms (usePostSellOffer.ts), optional.
    instant_trade_criteria: SellInstantTradeCriteria | None = None
    experience_level_criteria: Literal["newUsersOnly", "experiencedUsersOnly"] | None = None


OfferRequest = Annotated[BuyOfferRequest | SellOfferRequest, Field(discriminator="type")]


class UpdateOfferRequest(PeachRequest):
    """PATCH offer/:id: a sell offer's premium or a buy offer's maxPremium (null: none)."""

    model_config = ConfigDict(json_schema_extra=examples({"maxPremium": 10}, {"premium": 8}))
    premium: Premium | None = None
    max_premium: Premium | None = None
    refund_tx: Psbt | None = Field(
        default=None, description="Accepted and not used: peerx builds the refund when the offer is canceled."
    )


class SearchRequest(PeachRequest):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                "type": "ask",
                "amount": [30000, 2000000],
                "meansOfPayment": {"EUR": ["sepa"]},
                "maxPremium": 10,
                "minReputation": 0.5,
            }
        )
    )
    type: OfferType | None = None
    amount: AmountOrRange | None = None
    means_of_payment: MeansOfPayment | None = None
    max_premium: PremiumFilter | None = None
    min_reputation: Reputation | None = None


class EscrowRequest(PeachRequest):
    model_config = ConfigDict(
        json_schema_extra=examples({"publicKey": "03e448b2397c1880e39853371af5346e7e7972c9d6e26dbbb39ff6c2227aa19c80"})
    )
    public_key: PublicKeyHex
    # The app sends its wallet's next address (peach-app TradeInformation.tsx): the refund
    # address of a sell offer made for a buy-offer trade, which has none until then.
    return_address: str | None = Field(default=None, max_length=100)


class RefundRequest(PeachRequest):
    model_config = ConfigDict(json_schema_extra=examples({"tx": "02000000000101"}))
    tx: TxHex


class PaymentDataView(PeachAnswer):
    hashes: list[str]
    country: str | None = omitted()
    # A sell offer's own views only (the owner's encrypted copies, see SellPaymentData).
    encrypted: str | None = omitted()
    signature: str | None = omitted()
    self_encrypted: str | None = omitted()
    self_encrypted_signature: str | None = omitted()


class ShortFunding(PeachAnswer):
    confirmations: int
    status: str


class Funding(PeachAnswer):
    amounts: list[int]
    confirmations: int
    expiry: int
    status: str
    tx_ids: list[str]
    vouts: list[int]


class EscrowFunding(PeachAnswer):
    amounts: list[int]
    confirmations: int
    derivation_path: str
    expiry: int
    status: str
    tx_ids: list[str]
    vouts: list[int]


OFFER_USER_EXAMPLE = {"id": "03a73739b3f005fccb3f02ebeb2eae41b5d5c0c7dd3d448a00185c2c07f2b55dd1"}


class BuyOffer(PeachAnswer):
    """A buy offer as its owner sees it (POST offer, offer/:id/details, offers)."""

    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                "id": "113",
                "type": "bid",
                "user": OFFER_USER_EXAMPLE,
                "amount": [50000, 2330000],
                "creationDate": "2023-08-22T15:11:14.556Z",
                "lastModified": "2023-08-22T15:11:14.556Z",
                "publishingDate": None,
                "doubleMatched": False,
                "freeTrade": False,
                "escrowFee": 0.02,
                "matches": [],
                "meansOfPayment": MEANS_EXAMPLE,
                "paymentData": PAYMENT_DATA_EXAMPLE,
                "online": True,
                "tradeStatus": "searchingForPeer",
                "maxPremium": None,
                "minReputation": None,
                "releaseAddress": "bcrt1qlwpcjuude4mlmnvpfhenkwh7rcw06xkcp3d8ds",
                "message": "I confirm that only I, peach03a73739, control the address "
                "bcrt1qlwpcjuude4mlmnvpfhenkwh7rcw06xkcp3d8ds",
                "messageSignature": SIGNED_ADDRESS_EXAMPLE,
            }
        )
    )
    id: str
    type: Literal["bid"]
    user: PublicUser
    amount: list[int]
    creation_date: str | None
    last_modified: str | None
    publishing_date: str | None
    double_matched: bool
    free_trade: bool
    escrow_fee: WireDecimal
    matches: list[Any]
    means_of_payment: dict[str, list[str]]
    payment_data: dict[str, PaymentDataView]
    online: bool
    trade_status: str
    max_premium: WireDecimal | None
    min_reputation: WireDecimal | None
    release_address: str | None
    message: str
    message_signature: str | None


class SellOffer(PeachAnswer):
    """A sell offer as its owner sees it; `escrow` once created, `oldOfferId` when revived."""

    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                "id": "114",
                "type": "ask",
                "user": OFFER_USER_EXAMPLE,
                "amount": 300000,
                "creationDate": "2023-08-22T15:23:20.475Z",
                "lastModified": "2023-08-22T15:23:20.475Z",
                "publishingDate": None,
                "doubleMatched": False,
                "freeTrade": False,
                "escrowFee": 0.02,
                "matches": [],
                "meansOfPayment": MEANS_EXAMPLE,
                "paymentData": PAYMENT_DATA_EXAMPLE,
                "online": False,
                "tradeStatus": "createEscrow",
                "premium": 8,
                "prices": {"EUR": 77.69},
                "returnAddress": "bcrt1qlwpcjuude4mlmnvpfhenkwh7rcw06xkcp3d8ds",
                "escrowNotifiedUser": False,
                "funding": {
                    "amounts": [],
                    "confirmations": 0,
                    "expiry": 4320,
                    "status": "NULL",
                    "txIds": [],
                    "vouts": [],
                },
                "fundingAmountDifferent": False,
                "refunded": False,
                "released": False,
            }
        )
    )
    id: str
    type: Literal["ask"]
    user: PublicUser
    amount: int
    creation_date: str | None
    last_modified: str | None
    publishing_date: str | None
    double_matched: bool
    free_trade: bool
    escrow_fee: WireDecimal
    matches: list[Any]
    means_of_payment: dict[str, list[str]]
    payment_data: dict[str, PaymentDataView]
    online: bool
    trade_status: str
    premium: WireDecimal | None
    prices: dict[str, WireDecimal]
    return_address: str | None
    escrow_notified_user: bool
    funding: Funding
    funding_amount_different: bool
    refunded: bool
    released: bool
    escrow: str | None = omitted()
    old_offer_id: str | None = omitted()
    # The seller's escrow key (createEscrow's publicKey): the app checks the key it derives
    # against it before it signs a refund or a release (getEscrowWalletForOffer).
    public_key: str | None = omitted()
    # The app's instant-trade terms, when it sent them (SellOfferSummary.tsx reads them back).
    instant_trade_criteria: dict[str, Any] | None = omitted()
    experience_level_criteria: str | None = omitted()


Offer = Annotated[BuyOffer | SellOffer, Field(discriminator="type")]


class PublicBuyOffer(PeachAnswer):
    """What anyone sees of an online buy offer (offer/:id, search)."""

    id: str
    type: Literal["bid"]
    user: PublicUser
    amount: list[int]
    means_of_payment: dict[str, list[str]]
    online: bool
    publishing_date: str | None
    max_premium: WireDecimal | None


class PublicSellOffer(PeachAnswer):
    """What anyone sees of an online sell offer; `escrow` once it has one."""

    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                "id": "123456",
                "type": "ask",
                "user": OFFER_USER_EXAMPLE,
                "amount": 1000000,
                "meansOfPayment": {"EUR": ["sepa"]},
                "online": True,
                "publishingDate": "2024-01-25T16:22:01.202Z",
                "premium": 10,
                "prices": {"EUR": 407.77},
                "escrow": "bc1q...5al",
            }
        )
    )
    id: str
    type: Literal["ask"]
    user: PublicUser
    amount: int
    means_of_payment: dict[str, list[str]]
    online: bool
    publishing_date: str | None
    premium: WireDecimal | None
    prices: dict[str, WireDecimal]
    escrow: str | None = omitted()


PublicOffer = Annotated[PublicBuyOffer | PublicSellOffer, Field(discriminator="type")]


class OfferSummary(PeachAnswer):
    """offers/summary: `prices` (and `fundingTxId` once funded) for sell offers only."""

    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                "id": "115",
                "type": "bid",
                "lastModified": "2023-08-22T15:35:24.650Z",
                "creationDate": "2023-08-22T15:35:24.650Z",
                "amount": [50000, 2560000],
                "matches": [],
                "tradeStatus": "searchingForPeer",
            }
        )
    )
    id: str
    type: Literal["bid", "ask"]
    last_modified: str | None
    creation_date: str | None
    amount: Annotated[int | list[int], WithJsonSchema({"anyOf": [{"type": "integer"}, RANGE_SCHEMA]})]
    matches: list[Any]
    trade_status: str
    prices: dict[str, WireDecimal] | None = omitted()
    funding_tx_id: str | None = omitted()


class SearchResult(PeachAnswer):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                "offers": [
                    {
                        "id": "123456",
                        "type": "ask",
                        "user": OFFER_USER_EXAMPLE,
                        "amount": 1000000,
                        "meansOfPayment": {"EUR": ["sepa"]},
                        "online": True,
                        "publishingDate": "2024-01-25T16:22:01.202Z",
                        "premium": 10,
                        "prices": {"EUR": 407.77},
                        "escrow": "bc1q...5al",
                    }
                ],
                "total": 32,
                "remaining": 22,
            }
        )
    )
    offers: list[PublicOffer]
    total: int
    remaining: int


class EscrowCreated(PeachAnswer):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                "escrow": "bcrt1q3urn30702x7m2mdqwavf295esde83m9hf25ykk49025mgxgpe6vqmxh700",
                "funding": {"confirmations": 0, "status": "NULL"},
                "offerId": "114",
            }
        )
    )
    escrow: str
    funding: ShortFunding
    offer_id: str


class FundingStatus(PeachAnswer):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                "escrow": "bcrt1q3urn30702x7m2mdqwavf295esde83m9hf25ykk49025mgxgpe6vqmxh700",
                "funding": {
                    "amounts": [],
                    "confirmations": 0,
                    "derivationPath": "m/48'/0'/0'/0/114",
                    "expiry": 4320,
                    "status": "NULL",
                    "txIds": [],
                    "vouts": [],
                },
                "offerId": "114",
                "returnAddress": "bcrt1qlwpcjuude4mlmnvpfhenkwh7rcw06xkcp3d8ds",
                "userConfirmationRequired": False,
            }
        )
    )
    escrow: str
    funding: EscrowFunding
    offer_id: str
    return_address: str | None
    user_confirmation_required: bool


class RefundPsbt(PeachAnswer):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                "psbt": "cHNidP8BAFIC...GHdkZrAAA",
                "returnAddress": "bcrt1qthgtaqk8473rsta5a459h64qtj8ntgj0k74sk3",
                "amount": 285900,
                "fees": 14100,
                "satsPerByte": 100,
            }
        )
    )
    psbt: str
    return_address: str | None
    amount: int
    fees: int
    sats_per_byte: WireDecimal | None


class Refunded(PeachAnswer):
    model_config = ConfigDict(json_schema_extra=examples({"success": True, "txId": "24efff...46164"}))
    success: Literal[True] = True
    tx_id: str


class Revived(PeachAnswer):
    model_config = ConfigDict(json_schema_extra=examples({"newOfferId": "120"}))
    new_offer_id: str


class SearchSummaryOffer(PeachAnswer):
    """One offer of offer/search/summary: a sell offer's amount and premium, a buy offer's range."""

    amount: int | list[int]
    premium: WireDecimal | None = omitted()


class SearchSummary(PeachAnswer):
    """POST offer/search/summary (peach-api-ts searchOfferSummaries): what the app's market
    stats average over, the online offers the search filters select."""

    model_config = ConfigDict(
        json_schema_extra=examples({"offers": [{"amount": 300000, "premium": 8}, {"amount": [50000, 2330000]}]})
    )
    offers: list[SearchSummaryOffer]
