"""The PeerTupeer wire, typed: every request (query, multipart form, JSON body) and every response
of the surface as a model, with the document's field names, order and number forms, built from the
strict wire types (peerx.wire). Requests become the service's own values here; responses are
validated from the service's views (the same dicts the webhooks send), so a response can only
carry what its model declares, in the order the document prints it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import UploadFile
from pydantic import ConfigDict, Field, model_validator
from starlette.datastructures import UploadFile as StarletteUploadFile

from peerx.products.giftcards.models import TRADE_STATUSES
from peerx.products.giftcards.service import (
    MAX_CARD_AMOUNT,
    MAX_QUANTITY,
    MIN_WITHDRAWAL,
    WITHDRAWAL_METHODS,
    TradeSubmission,
    Upload,
    WithdrawalRequest,
)
from peerx.web import parse_json
from peerx.wire import (
    Amount,
    Blank,
    Choice,
    Id,
    Integer,
    Required,
    Rule,
    Text,
    WireDecimal,
    WireModel,
    wire_error,
)

# ---------------------------------------------------------------- field types


@dataclass(frozen=True)
class UploadedFile(Rule):
    """A multipart file part: a text part under a file's name is refused by name."""

    def parse(self, value: Any) -> Any:
        if value is not None and not isinstance(value, StarletteUploadFile):  # what the form parser makes
            raise wire_error("must be an uploaded file")
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"}


ImageFile = Annotated[UploadFile, UploadedFile()]
# Face value: a plain decimal (the currency's decimals are checked by the service, which knows
# the currency: 10.001 USD is refused, not rounded); above 0 and at most 10 000 per card.
CardAmount = Annotated[
    Decimal,
    Amount(low=Decimal("-Infinity"), high=MAX_CARD_AMOUNT, above=Decimal(0), too_high="must be at most {high}"),
]
Quantity = Annotated[int, Integer(1, MAX_QUANTITY)]
# GHS, at least 1.00, at most what a wallet could ever hold (the balance decides the rest); the
# bound keeps pesewas far inside the 64-bit columns.
WithdrawalAmount = Annotated[
    Decimal,
    Amount(
        low=MIN_WITHDRAWAL, high=Decimal(10**15), too_low="must be at least {low}", too_high="must be at most {high}"
    ),
    Required(),
]
WithdrawalMethod = Annotated[str, Choice(WITHDRAWAL_METHODS), Required()]
TradeStatus = Annotated[str, Choice(TRADE_STATUSES, "must be pending, approved or rejected")]
SandboxAction = Annotated[str, Choice(("test-cards",), "must be test-cards")]
# Optional; `?per_page=` is the same as no per_page (PHP clients build query strings with empty values).
PageNumber = Annotated[Annotated[int, Integer(1, 1_000_000)] | None, Blank()]
PageSize = Annotated[Annotated[int, Integer(1, 100)] | None, Blank()]
Reference = Annotated[str, Text(64, min_length=1, pattern="[A-Za-z0-9]+")]  # PTP + 10 hex digits
Country = Annotated[str, Text(60, min_length=1)]
Currency = Annotated[str, Text(3, min_length=1)]
Notes = Annotated[str, Text(1000, multiline=True)]
CardNumber = Annotated[str, Text(64)]
AccountName = Annotated[str, Text(100, min_length=1), Required()]
AccountNumber = Annotated[str, Text(40, min_length=1, numbers="any"), Required()]
BankName = Annotated[str, Text(100)]
CallbackUrl = Annotated[str, Text(2000, min_length=1), Required()]

DEFAULT_PAGE_SIZE = 20

# ---------------------------------------------------------------- requests


class TradeForm(WireModel):
    """POST trades.php, multipart/form-data, as the document's table lists it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "card_type_id": 1,
                    "country": "USA",
                    "currency": "USD",
                    "card_amount": 100,
                    "card_number": "XXXX-XXXX-XXXX",
                    "notes": "Optional notes here",
                    "front_image": "(binary)",
                    "back_image": "(binary)",
                }
            ]
        }
    )

    card_type_id: Annotated[Id, Field(description="Card type ID from rates.php.", examples=[1])]
    country: Annotated[Country, Field(description='Country (e.g. "USA").', examples=["USA"])]
    currency: Annotated[Currency, Field(description='Currency (e.g. "USD").', examples=["USD"])]
    card_amount: Annotated[
        CardAmount,
        Field(description="Face value of one card, with at most the currency's decimals.", examples=[100]),
    ]
    quantity: Annotated[Quantity, Field(description="Number of cards (default: 1).")] = 1
    notes: Annotated[Notes | None, Field(description="Additional notes.")] = None
    card_number: Annotated[
        CardNumber | None,
        Field(description="Card number or PIN (optional, stored encrypted, shown as ****1234)."),
    ] = None
    front_image: Annotated[ImageFile, Field(description="Front image of the card (JPEG, PNG, WebP or GIF).")]
    back_image: Annotated[ImageFile, Field(description="Back image of the card (JPEG, PNG, WebP or GIF).")]
    receipt_image: Annotated[ImageFile | None, Field(description="Purchase receipt image (optional).")] = None

    async def submission(self, *, max_bytes: int) -> TradeSubmission:
        """The service's value: each file read up to one byte past the limit (enough to refuse it)."""

        async def read(field: str, upload: UploadFile | None) -> Upload | None:
            return None if upload is None else Upload(field=field, data=await upload.read(max_bytes + 1))

        front = await read("front_image", self.front_image)
        back = await read("back_image", self.back_image)
        assert front is not None and back is not None
        return TradeSubmission(
            card_type_id=self.card_type_id,
            country=self.country,
            currency=self.currency,
            card_amount=self.card_amount,
            quantity=self.quantity,
            notes=self.notes,
            card_number=self.card_number,
            front_image=front,
            back_image=back,
            receipt_image=await read("receipt_image", self.receipt_image),
        )


class JsonBody(WireModel):
    """A JSON request body. Parsed whatever the Content-Type says (PHP's curl sends a string body
    as a form unless told otherwise, and clients written for PeerTupeer did get JSON read)."""

    @model_validator(mode="before")
    @classmethod
    def _json_whatever_the_content_type(cls, data: Any) -> Any:
        if isinstance(data, bytes | bytearray):
            try:
                return parse_json(bytes(data))
            except json.JSONDecodeError as exc:
                raise wire_error(exc.msg) from None
        return data


class WithdrawalBody(JsonBody):
    """POST withdrawals.php."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"amount": 500, "method": "mtn_momo", "account_name": "John Doe", "account_number": "0241234567"},
                {
                    "amount": "250.50",
                    "method": "bank_transfer",
                    "account_name": "John Doe",
                    "account_number": "0012345678901",
                    "bank_name": "GCB Bank",
                },
            ]
        }
    )

    amount: Annotated[
        WithdrawalAmount,
        Field(description="GHS to withdraw: at least 1.00, at most two decimals (a number or a decimal string)."),
    ]
    method: Annotated[WithdrawalMethod, Field(description="Where the money goes.")]
    account_name: Annotated[AccountName, Field(description="The account holder's name.")]
    account_number: Annotated[
        AccountNumber,
        Field(
            description=(
                "Mobile money: a Ghana number of that method's network (0241234567, +233 24 123 4567); "
                "bank_transfer: 8 to 20 digits."
            )
        ),
    ]
    bank_name: Annotated[BankName | None, Field(description="Required for bank_transfer.")] = None

    def request(self) -> WithdrawalRequest:
        return WithdrawalRequest(
            amount=self.amount,
            method=self.method,
            account_name=self.account_name,
            account_number=self.account_number,
            bank_name=self.bank_name,
        )


class RateSubscriptionBody(JsonBody):
    """POST rate-updates.php."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"url": "https://yoursite.com/webhooks/rates"}]})

    url: Annotated[
        CallbackUrl,
        Field(description="Your callback URL to receive rate updates (absolute http or https)."),
    ]


# ---------------------------------------------------------------- responses


class ErrorResponse(WireModel):
    """Every error: `success` false and a descriptive message (a bad field's message starts with
    the field's name)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"success": False, "message": "Invalid API key or unauthorized access."},
                {"success": False, "message": "card_amount must be greater than 0."},
            ]
        }
    )

    success: Literal[False] = False
    message: str


class Meta(WireModel):
    page: int
    per_page: int
    total: int


class RateOut(WireModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "card_type_id": 1,
                    "card_name": "Amazon",
                    "country": "USA",
                    "currency": "USD",
                    "rate_per_unit": 8.75,
                    "platform_fee_pct": 2.5,
                    "updated_at": "2026-05-25 10:30:00",
                }
            ]
        }
    )

    card_type_id: int
    card_name: str
    country: str
    currency: str
    rate_per_unit: Annotated[WireDecimal, Field(description="GHS paid per unit of the card's currency.")]
    platform_fee_pct: WireDecimal
    updated_at: Annotated[str, Field(description="UTC, YYYY-MM-DD HH:MM:SS.")]


class RatesResponse(WireModel):
    success: Literal[True] = True
    data: list[RateOut]


class TestCardOut(WireModel):
    __test__ = False  # not a pytest class

    card_number: str
    outcome: Literal["approved", "rejected", "partially_approved"]
    description: str


class SandboxCards(WireModel):
    cards: list[TestCardOut]
    note: str


class SandboxResponse(WireModel):
    success: Literal[True] = True
    data: SandboxCards


class TradeOut(WireModel):
    """A trade as trade-status.php, trades.php and the trade.* webhooks show it."""

    reference: str
    status: Literal["pending", "approved", "rejected"]
    card_type_id: int
    card_name: str
    country: str
    currency: str
    card_amount: Annotated[WireDecimal, Field(description="Face value per card, as submitted (100, 25.5).")]
    approved_card_amount: Annotated[
        WireDecimal | None, Field(description="Set when the trade was approved for a lower face value.")
    ]
    quantity: int
    rate_per_unit: Annotated[WireDecimal, Field(description="The rate in force at submission.")]
    platform_fee_pct: WireDecimal
    gross_payout_ghs: Annotated[WireDecimal, Field(description="GHS, two decimals (850.00).")]
    fee_ghs: WireDecimal
    net_payout_ghs: WireDecimal
    card_number: Annotated[str | None, Field(description="Masked: ****1234.")]
    notes: str | None
    rejection_reason: str | None
    created_at: str
    updated_at: str


class TradeListResponse(WireModel):
    success: Literal[True] = True
    data: list[TradeOut]
    meta: Meta


class TradeStatusResponse(WireModel):
    success: Literal[True] = True
    data: TradeOut


class TradeSubmittedData(WireModel):
    reference: str
    status: Literal["pending", "approved", "rejected"]
    card_amount: WireDecimal
    currency: str
    gross_payout_ghs: WireDecimal
    fee_ghs: WireDecimal
    net_payout_ghs: WireDecimal


class TradeSubmittedResponse(WireModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "success": True,
                    "message": "Trade submitted successfully.",
                    "data": {
                        "reference": "PTP1A2B3C4D5E",
                        "status": "pending",
                        "card_amount": 100,
                        "currency": "USD",
                        "gross_payout_ghs": 850.00,
                        "fee_ghs": 21.25,
                        "net_payout_ghs": 828.75,
                    },
                }
            ]
        }
    )

    success: Literal[True] = True
    message: str
    data: TradeSubmittedData


class WalletOut(WireModel):
    currency: Literal["GHS"]
    available_balance: Annotated[WireDecimal, Field(description="Withdrawable now.")]
    pending_balance: Annotated[WireDecimal, Field(description="Net payout of trades still under review.")]
    held_balance: Annotated[WireDecimal, Field(description="Withdrawals in flight.")]


class WalletResponse(WireModel):
    success: Literal[True] = True
    data: WalletOut


class WithdrawalOut(WireModel):
    """A withdrawal as withdrawals.php and the withdrawal.* webhooks show it."""

    reference: str
    status: Literal["pending", "processing", "completed", "failed"]
    amount: WireDecimal
    currency: Literal["GHS"]
    method: Literal["mtn_momo", "vodafone_cash", "airteltigo_money", "bank_transfer"]
    account_name: str
    account_number: Annotated[str, Field(description="Normalised: 233... for mobile money, digits for banks.")]
    bank_name: str | None
    failure_reason: str | None
    created_at: str
    updated_at: str
    completed_at: str | None


class WithdrawalCreatedResponse(WireModel):
    success: Literal[True] = True
    message: str
    data: WithdrawalOut


class WithdrawalListResponse(WireModel):
    success: Literal[True] = True
    data: list[WithdrawalOut]
    meta: Meta


class RateSubscriptionOut(WireModel):
    webhook_id: int
    url: str
    event: Literal["rate.updated"]
    created_at: str


class RateSubscriptionListResponse(WireModel):
    success: Literal[True] = True
    data: list[RateSubscriptionOut]


class RateSubscriptionCreated(WireModel):
    webhook_id: int
    url: str
    event: Literal["rate.updated"]
    secret: Annotated[str, Field(description="Shown once: the key of X-PeerTupeer-Signature.")]


class RateSubscriptionCreatedResponse(WireModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "success": True,
                    "message": "Rate update subscription created.",
                    "data": {
                        "webhook_id": 5,
                        "url": "https://yoursite.com/webhooks/rates",
                        "event": "rate.updated",
                        "secret": "your_webhook_secret",
                    },
                }
            ]
        }
    )

    success: Literal[True] = True
    message: str
    data: RateSubscriptionCreated


class MessageResponse(WireModel):
    success: Literal[True] = True
    message: str


class RateUpdatedEvent(WireModel):
    """The body POSTed to a rate.updated subscription (signed with X-PeerTupeer-Signature)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "event": "rate.updated",
                    "timestamp": "2026-05-25T10:30:00Z",
                    "data": {
                        "card_type_id": 1,
                        "card_name": "Amazon",
                        "country": "USA",
                        "currency": "USD",
                        "rate_per_unit": 8.75,
                        "platform_fee_pct": 2.5,
                        "updated_at": "2026-05-25 10:30:00",
                    },
                }
            ]
        }
    )

    event: Literal["rate.updated"]
    timestamp: str
    data: RateOut
