"""Peach v1 wire models of a trade: matches, contracts, payment, disputes, chat and ratings
(the rules of parsing and answering are in schemas.py)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from peerx.products.bitcoin.identity.schemas import PublicUser
from peerx.products.bitcoin.offers.schemas import OFFER_USER_EXAMPLE, PaymentDataView
from peerx.products.bitcoin.schemas import (
    FIAT_MAX,
    TX_MAX,
    Address,
    Armor,
    Armored,
    CurrencyCode,
    DisputeReason,
    Index,
    MethodId,
    OfferRef,
    OptionalEmail,
    OptionalMessage,
    PeachAnswer,
    PeachRequest,
    PremiumFilter,
    Psbt,
    Shaped,
    Signature,
    examples,
    omitted,
)
from peerx.wire import Amount, Rule, WireDecimal, wire_error

CHAT_MAX = 100_000  # characters of armored PGP: a long message or a small proof of payment
KEY_EXAMPLE = "-----BEGIN PGP MESSAGE-----...-----END PGP MESSAGE-----"
SIGNATURE_EXAMPLE = "-----BEGIN PGP SIGNATURE-----...-----END PGP SIGNATURE-----"
Price = Annotated[Decimal, Amount(None, Decimal(0), Decimal(FIAT_MAX))]
ChatText = Annotated[str, Armor(CHAT_MAX)]


# ---------------------------------------------------------------- matches


class MatchRequest(PeachRequest):
    """POST offer/:id/match. The buyer's half (its own buy offer matches a sell offer) carries the
    symmetric key; the seller's double match (its sell offer takes a buy offer that matched it)
    carries the encrypted payment data."""

    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                "matchingOfferId": "116",
                "currency": "EUR",
                "paymentMethod": "paypal",
                "price": 77.32,
                "premium": 8,
                "symmetricKeyEncrypted": KEY_EXAMPLE,
                "symmetricKeySignature": SIGNATURE_EXAMPLE,
            },
            {
                "matchingOfferId": "115",
                "currency": "EUR",
                "paymentMethod": "paypal",
                "price": 77.33,
                "premium": 8.06,
                "paymentDataEncrypted": KEY_EXAMPLE,
                "paymentDataSignature": SIGNATURE_EXAMPLE,
            },
        )
    )
    matching_offer_id: OfferRef
    currency: CurrencyCode
    payment_method: MethodId
    price: Price | None = None
    premium: PremiumFilter | None = None
    symmetric_key_encrypted: Armored | None = None
    symmetric_key_signature: Armored | None = None
    payment_data_encrypted: Armored | None = None
    payment_data_signature: Armored | None = None


class UnmatchRequest(PeachRequest):
    model_config = ConfigDict(json_schema_extra=examples({"matchingOfferId": "116"}))
    matching_offer_id: OfferRef


class Unavailable(PeachAnswer):
    exceeds_limit: list[str]


class Match(PeachAnswer):
    creation_date: str | None
    last_modified: str | None
    user: PublicUser
    offer_id: str
    amount: int
    premium: WireDecimal | None
    prices: dict[str, WireDecimal]
    escrow: str | None
    matched_price: WireDecimal | None
    means_of_payment: dict[str, list[str]]
    payment_data: dict[str, PaymentDataView]
    selected_currency: str | None
    selected_payment_method: str | None
    symmetric_key_encrypted: str
    symmetric_key_signature: str
    matched: bool
    unavailable: Unavailable


class Matches(PeachAnswer):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                "offerId": "115",
                "matches": [
                    {
                        "creationDate": "2023-08-22T15:35:56.772Z",
                        "lastModified": "2023-08-22T15:35:56.772Z",
                        "user": OFFER_USER_EXAMPLE,
                        "offerId": "107",
                        "amount": 300000,
                        "premium": 8,
                        "prices": {"EUR": 77.67},
                        "escrow": "bcrt1q8u4al33hrayyqrnyxu5ut8l644lgtw6mxey77v9n8jqj0awkywws6fr47p",
                        "matchedPrice": None,
                        "meansOfPayment": {"EUR": ["paypal"]},
                        "paymentData": {
                            "paypal": {"hashes": ["fda659c82ae97ce2c4b26665e558a97796951f7691f85e97d693425a1eaeae21"]}
                        },
                        "selectedCurrency": None,
                        "selectedPaymentMethod": None,
                        "symmetricKeyEncrypted": "",
                        "symmetricKeySignature": "",
                        "matched": False,
                        "unavailable": {"exceedsLimit": []},
                    }
                ],
                "totalMatches": 1,
                "nextPage": None,
            }
        )
    )
    offer_id: str
    matches: list[Match]
    total_matches: int
    # The app pages with it (getMatches, useOfferMatches): the next page's number, null at the end.
    next_page: int | None = None


class Matched(PeachAnswer):
    """The buyer's half: the price both will see."""

    model_config = ConfigDict(json_schema_extra=examples({"matchedPrice": 77.33}))
    matched_price: WireDecimal


class DoubleMatched(PeachAnswer):
    """The seller's half: the contract exists."""

    model_config = ConfigDict(
        json_schema_extra=examples(
            {"success": True, "contractId": "116-115"},
            {"success": True, "contractId": "116-115", "refundTx": "cHNidP8...sAAAA"},
        )
    )
    success: Literal[True] = True
    contract_id: str
    # The escrow's refund to the seller's return address, unsigned: the app signs it and
    # PATCHes the offer with it (refundTx), as the document's PATCH offer describes.
    refund_tx: str | None = omitted()


# ---------------------------------------------------------------- contracts

CONTRACT_EXAMPLE: dict[str, Any] = {
    "id": "57-51",
    "creationDate": "2023-08-17T07:57:41.789Z",
    "lastModified": "2023-08-17T07:58:51.007Z",
    "seller": {"id": "02c3f68178d567253170cd47c896c5e4045e40026ef6f1e2e361d968552dc02496"},
    "buyer": {"id": "03a73739b3f005fccb3f02ebeb2eae41b5d5c0c7dd3d448a00185c2c07f2b55dd1"},
    "amount": 90000,
    "currency": "EUR",
    "paymentMethod": "cash.lv.riga.baltic-honeybadger",
    "country": "LV",
    "premium": 4,
    "price": 25,
    "prices": {"EUR": 25, "CHF": 23.94},
    "buyerFee": 0.02,
    "sellerFee": 0,
    "escrowFee": 1800,
    "escrow": "bc1qlhq...6u2vd",
    "fundingTxId": "841b15...1e05",
    "releaseAddress": "bcrt1qzvle5erusx9lsqmpgq4ej5rfjdp94r04jnaj07",
    "hashedPaymentData": ["e1155ed7332cbe829987d033a0266f6278067969db76cfe7448388a193ba2cf6"],
    "paymentDataEncrypted": KEY_EXAMPLE,
    "paymentDataSignature": SIGNATURE_EXAMPLE,
    "symmetricKeyEncrypted": KEY_EXAMPLE,
    "symmetricKeySignature": SIGNATURE_EXAMPLE,
    "paymentExpectedBy": "2137-12-20T23:00:00.000Z",
    "paymentMade": "2023-08-17T07:57:50.640Z",
    "paymentConfirmed": "2023-08-17T07:57:54.663Z",
    "tradeStatus": "tradeCompleted",
    "canceled": False,
    "cancelationRequested": False,
    "releasePsbt": "cHNidP8...sAAAA",
    "batchReleasePsbt": "cHNid...sAAA=",
    "batchId": "26dc44bbe...f5de2",
    "releaseTransaction": "02000000000...028de75fd2ff22ac00000000",
    "releaseTxId": "24efff....46164",
    "disputeActive": False,
    "disputeDate": None,
    "disputeReason": None,
    "disputeInitiator": None,
    "disputeAcknowledgedByCounterParty": False,
    "disputeWinner": None,
    "disputeOutcome": None,
    "disputeResolvedDate": None,
    "disputeOutcomeAcknowledged": False,
    "disputeOutcomeAcknowledgedBy": [],
    "isEmailRequired": False,
    "isChatActive": True,
    "ratingBuyer": 1,
    "ratingSeller": 1,
    "messages": 0,
    "unreadMessages": 0,
}


class Contract(PeachAnswer):
    """contract/:id and contracts, as one of the parties sees it (the release PSBTs are the seller's)."""

    model_config = ConfigDict(json_schema_extra=examples(CONTRACT_EXAMPLE))
    id: str
    creation_date: str | None
    last_modified: str | None
    seller: PublicUser
    buyer: PublicUser
    amount: int
    currency: str
    payment_method: str
    country: str | None
    premium: WireDecimal
    price: WireDecimal
    prices: dict[str, WireDecimal]
    buyer_fee: WireDecimal
    seller_fee: WireDecimal
    escrow_fee: int | None
    escrow: str | None
    funding_tx_id: str | None
    release_address: str
    hashed_payment_data: list[str]
    payment_data_encrypted: str
    payment_data_signature: str
    symmetric_key_encrypted: str
    symmetric_key_signature: str
    payment_expected_by: str | None
    payment_made: str | None
    payment_confirmed: str | None
    trade_status: str
    canceled: bool
    cancelation_requested: bool
    release_psbt: str | None
    batch_release_psbt: str | None
    batch_id: str | None
    release_transaction: str | None
    release_tx_id: str | None
    dispute_active: bool
    dispute_date: str | None
    dispute_reason: str | None
    dispute_initiator: str | None
    dispute_acknowledged_by_counter_party: bool
    dispute_winner: str | None
    dispute_outcome: str | None
    dispute_resolved_date: str | None
    dispute_outcome_acknowledged: bool
    dispute_outcome_acknowledged_by: list[str]
    is_email_required: bool
    is_chat_active: bool
    rating_buyer: int | None
    rating_seller: int | None
    messages: int
    unread_messages: int
    # Contracts made from a v069 trade request (peach-api-ts Contract): how the seller's payment
    # data is encrypted ("aes256": the symmetric key; "asymmetric": PGP to both parties, instant
    # trades) and the buyer's own payment data, sent with its request.
    payment_data_encryption_method: str | None = omitted()
    buyer_payment_data_encrypted: str | None = omitted()
    buyer_payment_data_signature: str | None = omitted()
    buyer_hashed_payment_data: list[str] | None = omitted()


class ContractSummary(PeachAnswer):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                "id": "1",
                "contractId": "1-22",
                "type": "ask",
                "creationDate": "2023-08-10T09:50:41.716Z",
                "lastModified": "2023-08-11T09:38:01.154Z",
                "amount": 50000,
                "currency": "EUR",
                "price": 13.03,
                "prices": {"EUR": 13.03},
                "matches": [],
                "fundingTxId": "841b15...1e05",
                "tradeStatus": "tradeCompleted",
                "disputeWinner": None,
                "unreadMessages": 0,
            }
        )
    )
    id: str
    contract_id: str
    type: Literal["bid", "ask"]
    creation_date: str | None
    last_modified: str | None
    amount: int
    currency: str
    price: WireDecimal
    prices: dict[str, WireDecimal]
    matches: list[Any]
    funding_tx_id: str | None
    trade_status: str
    dispute_winner: str | None
    unread_messages: int
    # What the app's ContractSummary also reads (peach-api-ts src/@types/contract.ts): its own
    # offer's id (the refund popup of useTradeNavigation), the sort key paymentMade, ...
    offer_id: str | None = omitted()
    payment_made: str | None = omitted()
    release_tx_id: str | None = omitted()
    is_chat_active: bool | None = omitted()
    dispute_outcome_acknowledged: bool | None = omitted()
    premium: WireDecimal | None = omitted()


# The app's release signature: hex of a DER ECDSA signature (8..72 bytes) and its sighash byte.
ReleaseSignature = Annotated[
    str, Shaped("(?:[0-9a-fA-F]{2}){9,73}", "a hex DER signature followed by its sighash byte", 146, strip=True)
]
# An older app's finalized release: whole bytes of hex (an odd length is malformed, not a bad transaction).
ReleaseTransaction = Annotated[str, Shaped("(?:[0-9a-fA-F]{2})+", "a transaction in hex", TX_MAX, strip=True)]


class ConfirmPaymentRequest(PeachRequest):
    """payment/confirm: the buyer sends nothing; the seller one of: its signed release PSBT
    (`releasePsbt`), the app's signature over input 0 of the contract's release
    (`releaseTransactionSignature`), an older app's finalized release (`releaseTransaction`);
    with batching, the batch release PSBT (`batchReleasePsbt`, which the app sends together
    with `releaseTransactionSignature`)."""

    model_config = ConfigDict(
        json_schema_extra=examples(
            {"releasePsbt": "cHNidP8...sAAAA"},
            {"releaseTransactionSignature": "3044022062c4...8e0201"},
        )
    )
    release_psbt: Psbt | None = None
    batch_release_psbt: Psbt | None = None
    release_transaction_signature: ReleaseSignature | None = None
    release_transaction: ReleaseTransaction | None = None
    # The buyer of a v069 contract made without a payout address names it here (confirmPaymentBuyer.ts).
    release_address: Address | None = None
    release_address_message_signature: Signature | None = None


class Released(PeachAnswer):
    model_config = ConfigDict(json_schema_extra=examples({"txId": "24efff...46164"}))
    tx_id: str


class DisputeRequest(PeachRequest):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                "reason": "noPayment.seller",
                "email": "satoshi@example.com",
                "message": "The payment did not arrive.",
                "symmetricKeyEncrypted": KEY_EXAMPLE,
            }
        )
    )
    reason: DisputeReason
    email: OptionalEmail | None = None
    message: OptionalMessage | None = None
    symmetric_key_encrypted: Armored


class AcknowledgeRequest(PeachRequest):
    model_config = ConfigDict(json_schema_extra=examples({"email": "satoshi@example.com"}))
    email: OptionalEmail | None = None


# ---------------------------------------------------------------- chat and ratings


class ChatMessageRequest(PeachRequest):
    """A chat message as the app sends it (JSON, or the document's multipart form)."""

    model_config = ConfigDict(json_schema_extra=examples({"message": KEY_EXAMPLE, "signature": SIGNATURE_EXAMPLE}))
    message: ChatText
    signature: ChatText


class ChatReadRequest(PeachRequest):
    model_config = ConfigDict(json_schema_extra=examples({"start": 0, "end": 20}))
    start: Index
    end: Index


class ChatMessage(PeachAnswer):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                "date": "2021-09-17T14:41:41.605Z",
                "from": "26dc...5de2",
                "message": KEY_EXAMPLE,
                "readBy": ["26dc...5de2"],
                "roomid": "123-456",
                "signature": SIGNATURE_EXAMPLE,
            }
        )
    )
    date: str | None
    from_: str = Field(alias="from")
    message: str
    read_by: list[str]
    roomid: str
    signature: str


@dataclass(frozen=True)
class Rating(Rule):
    """A thumbs up or down: the JSON integer 1 or -1."""

    def parse(self, value: Any) -> int:
        if isinstance(value, bool) or value not in (1, -1) or not isinstance(value, int):
            raise wire_error("must be 1 or -1")
        return int(value)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "integer", "enum": [1, -1]}


RatingValue = Annotated[int, Rating()]


class RateRequest(PeachRequest):
    model_config = ConfigDict(
        json_schema_extra=examples({"rating": 1, "signature": "8605755dd0f5b41e13ec82e1086d8c4e27db721acf89f764"})
    )
    rating: RatingValue
    signature: Signature
