"""The escrow desk's /ops/v1 wire models: OAuth2 clients, users, tokens, transactions and
charge calculator versions."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from peerx.ops.schemas import Currency, View, examples
from peerx.wire import Amount, Flag, Integer, Text, WireDecimal, WireModel


class EscrowClientCreate(WireModel):
    model_config = examples({"name": "Shop App", "redirect_uris": ["https://shop.example/callback"], "test": True})

    name: Annotated[str, Text(200, min_length=1)]
    redirect_uris: list[Annotated[str, Text(2000, min_length=1)]] = Field(max_length=20)
    test: Flag = False
    shape: Literal["document", "openapi"] = Field(
        "document", description="The response shapes the client gets: the Trustap document's or the public spec's."
    )


class EscrowClient(View):
    client_id: str
    client_secret: str = Field(description="Shown this once.")
    account_id: int = Field(description="Owns the client's webhook endpoints (surface trustap).")
    livemode: bool
    redirect_uris: list[str]
    shape: str


class EscrowUserCreate(WireModel):
    model_config = examples({"email": "seller@example.com", "password": "correct horse", "first": "Ama"})

    email: Annotated[str, Text(320, min_length=1)]
    password: Annotated[str, Text(1024, strip=False)] = Field(description="At least 8 characters.")
    first: Annotated[str, Text(100)] = ""
    last: Annotated[str, Text(100)] = ""


class EscrowUser(View):
    id: int
    email: str


class EscrowTokenIssue(WireModel):
    model_config = examples({"user": "seller@example.com", "client": "tpc_...", "scope": "openid"})

    user: Annotated[str, Text(320, min_length=1)] = Field(description="The user's email.")
    client: Annotated[str, Text(64, min_length=1)] = Field(description="The client_id.")
    scope: Annotated[str, Text(1000)] = "openid"


class EscrowToken(View):
    access_token: str
    token_type: str
    expires_in: int
    scope: str


class EscrowResolve(WireModel):
    model_config = examples({"outcome": "release"}, {"outcome": "refund", "p2p": True})

    outcome: Annotated[str, Text(32, min_length=1)] = Field(description="release or refund.")
    p2p: Flag = Field(False, description="A face-to-face (p2p) transaction.")


class Tracking(View):
    carrier: str
    tracking_code: str | None


class EscrowTransaction(View):
    """Trustap's basic.Transaction (and livemode); each step's time only once it happened."""

    id: int
    status: str
    currency: str
    price: int
    charge: int
    charge_seller: int
    charge_buyer_client: int
    charge_seller_client: int
    charge_calculator_version: int
    descr: str
    description: str
    quantity: int
    created: str
    is_payment_in_progress: bool
    client_id: str
    join_code: str
    buyer_id: int = None  # type: ignore[assignment]
    seller_id: int = None  # type: ignore[assignment]
    joined: str = None  # type: ignore[assignment]
    rejected: str = None  # type: ignore[assignment]
    cancelled: str = None  # type: ignore[assignment]
    paid: str = None  # type: ignore[assignment]
    tracked: str = None  # type: ignore[assignment]
    tracking_details_deadline: str = None  # type: ignore[assignment]
    delivered: str = None  # type: ignore[assignment]
    complaint_period_deadline: str = None  # type: ignore[assignment]
    complaint_period_ended: str = None  # type: ignore[assignment]
    complained: str = None  # type: ignore[assignment]
    funds_released: str = None  # type: ignore[assignment]
    payment_refunded: str = None  # type: ignore[assignment]
    complaint: str = None  # type: ignore[assignment]
    tracking: Tracking = None  # type: ignore[assignment]
    released_to_seller: bool = None  # type: ignore[assignment]
    amount_released: int = None  # type: ignore[assignment]
    amount_refunded: int = None  # type: ignore[assignment]
    livemode: bool


class Pricing(View):
    price: int
    charge: int
    charge_seller: int
    charge_buyer_client: int
    charge_seller_client: int


class Cancellation(View):
    reason: str


class EscrowP2PTransaction(View):
    """Trustap's p2p.Transaction (and livemode); each step's time only once it happened."""

    id: int
    status: str
    currency: str
    deposit_pricing: Pricing
    description: str
    skip_remainder: bool
    quantity: int
    created: str
    is_deposit_payment_in_progress: bool
    is_remainder_payment_in_progress: bool
    client_id: str
    join_code: str
    buyer_id: int = None  # type: ignore[assignment]
    seller_id: int = None  # type: ignore[assignment]
    listing_id: str = None  # type: ignore[assignment]
    listing_type: str = None  # type: ignore[assignment]
    pricing: Pricing = None  # type: ignore[assignment]
    joined: str = None  # type: ignore[assignment]
    rejected: str = None  # type: ignore[assignment]
    cancelled: str = None  # type: ignore[assignment]
    deposit_paid: str = None  # type: ignore[assignment]
    deposit_acceptance_deadline: str = None  # type: ignore[assignment]
    deposit_accepted: str = None  # type: ignore[assignment]
    priced: str = None  # type: ignore[assignment]
    remainder_skipped: str = None  # type: ignore[assignment]
    remainder_paid: str = None  # type: ignore[assignment]
    buyer_handover_confirmed: str = None  # type: ignore[assignment]
    seller_handover_confirmed: str = None  # type: ignore[assignment]
    complaint_period_deadline: str = None  # type: ignore[assignment]
    complained: str = None  # type: ignore[assignment]
    funds_released: str = None  # type: ignore[assignment]
    deposit_refunded: str = None  # type: ignore[assignment]
    refunded: str = None  # type: ignore[assignment]
    funds_release: str = None  # type: ignore[assignment]
    released_to_seller: bool = None  # type: ignore[assignment]
    cancellation: Cancellation = None  # type: ignore[assignment]
    complaint: str = None  # type: ignore[assignment]
    amount_refunded: int = None  # type: ignore[assignment]
    livemode: bool


class EscrowCharges(WireModel):
    model_config = examples({"model": "online", "currency": "usd", "buyer_pct": "2.5", "buyer_fixed": 30})

    model: Annotated[str, Text(16, min_length=1)] = Field("online", description="online or p2p.")
    currency: Currency
    payment_method: Annotated[str, Text(16, min_length=1)] = "card"
    buyer_pct: Annotated[Decimal, Amount(high=Decimal(100))] | None = Field(
        None, description="Percent, below 100; null or absent: 0."
    )
    buyer_fixed: Annotated[int, Integer(0, 10**12)] = Field(0, description="Minor units.")
    seller_pct: Annotated[Decimal, Amount(high=Decimal(100))] | None = Field(
        None, description="Percent, below 100; null or absent: 0."
    )
    seller_fixed: Annotated[int, Integer(0, 10**12)] = Field(0, description="Minor units.")
    min_price: Annotated[int, Integer(0, 10**12)] = Field(100, description="Minor units.")


class ChargeRule(View):
    version: int
    model: str
    currency: str
    payment_method: str
    buyer_pct: WireDecimal
    buyer_fixed: int
    seller_pct: WireDecimal
    seller_fixed: int
    min_price: int
