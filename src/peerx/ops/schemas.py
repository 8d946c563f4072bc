"""The operator API's wire models (/ops/v1): requests parsed strictly (peerx.web.types), and the
answers the operator actions already print, named and typed so the OpenAPI document is real.

The actions return plain dicts (the CLI prints them, the console renders them); a route checks
the dict against its answer model here and prints it by alias in declaration order, so the bytes
are what the actions' dicts always printed. Keys an action leaves out (an escrow transaction's
steps not taken yet) stay out: answer models print only the keys that were given, and those keys
are not required in the schema. Answer models are strict and forbid other keys, so an action
that changes its shape fails its tests instead of drifting from the document."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field

from peerx.web import WireJSON
from peerx.web.types import Amount, Flag, Id, Integer, Text, WireDecimal, WireModel

# Bounds shared by several requests. Amounts an operator moves by hand stay far below what a
# 64-bit ledger column holds even after many of them (10^12 units = 10^14 minor units).
OPERATOR_AMOUNT = Annotated[Decimal, Amount(high=Decimal(10**12))]
REFERENCE = Annotated[str, Text(64, min_length=1)]  # a product's reference or order id, in a path
Currency = Annotated[str, Text(10, min_length=1)]  # ISO 4217, any case
NOTE = Annotated[str, Text(1000, multiline=True)]  # a reason or note an operator types; kept whole in a Text column


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


# ---------------------------------------------------------------- answers


class View(BaseModel):
    """An answer: strict (the action's own types, never coerced) and closed (no other keys)."""

    model_config = ConfigDict(strict=True, extra="forbid")


def reply(model: type[View], data: Mapping[str, Any], *, status_code: int = 200) -> Response:
    """The action's dict, checked against its answer model and printed by alias, key order and
    number forms kept; keys the action left out stay out."""
    checked = model.model_validate(data)
    return WireJSON(checked.model_dump(mode="python", by_alias=True, exclude_unset=True), status_code=status_code)


class ErrorBody(View):
    code: str = Field(description="Stable error code: invalid_field, unauthorized, not_found, conflict, ...")
    message: str = Field(description="What is wrong; an invalid field's message starts with its name.")
    field: str | None = Field(description="The request field at fault (nested ones dotted), or null.")


class OpsError(View):
    """Every refusal of /ops/v1, whatever its status."""

    model_config = _examples(
        {"error": {"code": "invalid_field", "message": "amount must be a number", "field": "amount"}},
        {"error": {"code": "unauthorized", "message": "A valid operator token is required.", "field": None}},
    )

    error: ErrorBody


# ---------------------------------------------------------------- accounts, webhooks, ledger


class AccountCreate(WireModel):
    model_config = _examples({"name": "Ama Traders", "email": "ama@example.com"})

    name: Annotated[str, Text(200, min_length=1)]
    email: Annotated[str, Text(320, min_length=1)]


class LiveAndTestKeys(View):
    live_key: str
    test_key: str


class PeexKeys(View):
    secret_key: str
    test_secret_key: str


class PeerwalletKeys(View):
    api_private_key: str
    test_api_private_key: str


class AccountCreated(View):
    """The new account and its API keys for every product, shown this once."""

    id: int
    name: str
    email: str
    trustap: LiveAndTestKeys
    peertupeer: LiveAndTestKeys
    peex: PeexKeys
    peerwallet: PeerwalletKeys


class AccountFund(WireModel):
    model_config = _examples({"currency": "GHS", "amount": "100.00"}, {"currency": "XAF", "amount": 5000, "test": True})

    currency: Currency = Field(description="ISO 4217 code (any case).")
    amount: OPERATOR_AMOUNT = Field(description="Greater than 0, at most the currency's decimals.")
    test: Flag = Field(False, description="Fund the test-mode wallet instead of the live one.")


class AccountFunded(View):
    id: int
    currency: str
    livemode: bool
    amount: WireDecimal
    available: WireDecimal = Field(description="The wallet's available balance after the credit.")
    transfer_id: int


class PermissionGrant(WireModel):
    model_config = _examples({"permission": "transfer_funds"})

    permission: Annotated[str, Text(64, min_length=1)] = Field(description="One of: transfer_funds.")


class Permissions(View):
    id: int
    permission: str
    granted: bool
    permissions: list[str] = Field(description="Every permission the account now holds.")


class WebhookCreate(WireModel):
    model_config = _examples({"account_id": 1, "url": "https://example.com/hooks", "surface": "peertupeer"})

    account_id: Id
    url: Annotated[str, Text(2000, min_length=1)]
    test: Flag = Field(False, description="Receive the account's test-mode events instead of its live ones.")
    surface: Annotated[str, Text(40, min_length=1)] = Field(
        "peertupeer", description="Whose events and signature: peertupeer, peerwallet, peex, trustap or peach."
    )


class WebhookCreated(View):
    id: int
    url: str
    livemode: bool
    surface: str
    secret: str = Field(description="The signing secret (whsec_...), shown this once.")


class LedgerReport(View):
    ok: bool
    accounts: int
    transfers: int
    problems: list[str]


# ---------------------------------------------------------------- gift cards


class RateSet(WireModel):
    model_config = _examples(
        {"card_type_id": 1, "card_name": "Amazon", "country": "USA", "currency": "USD", "rate": "8.5", "fee_pct": "2.5"}
    )

    card_type_id: Id
    card_name: Annotated[str, Text(100, min_length=1)]
    country: Annotated[str, Text(60, min_length=1)]
    currency: Currency
    rate: Annotated[Decimal, Amount(high=Decimal(10**6))] = Field(
        description="GHS paid per unit of the card's currency."
    )
    fee_pct: Annotated[Decimal, Amount(high=Decimal(100))] = Field(description="The platform's fee, percent.")
    active: Flag = True


class RateView(View):
    id: int
    active: bool
    card_type_id: int
    card_name: str
    country: str
    currency: str
    rate_per_unit: WireDecimal
    platform_fee_pct: WireDecimal
    updated_at: str


class TradeApprove(WireModel):
    model_config = _examples({"card_amount": "80"}, {})

    card_amount: Annotated[Decimal, Amount(high=Decimal(10**9))] | None = Field(
        None, description="Approve for a lower face value than submitted (a partly valid card)."
    )


class TradeReject(WireModel):
    model_config = _examples({"reason": "Card already used"})

    reason: NOTE


class TradeView(View):
    """PeerTupeer's trade object."""

    reference: str
    status: str
    card_type_id: int
    card_name: str
    country: str
    currency: str
    card_amount: WireDecimal
    approved_card_amount: WireDecimal | None
    quantity: int
    rate_per_unit: WireDecimal
    platform_fee_pct: WireDecimal
    gross_payout_ghs: WireDecimal
    fee_ghs: WireDecimal
    net_payout_ghs: WireDecimal
    card_number: str | None
    notes: str | None
    rejection_reason: str | None
    created_at: str
    updated_at: str


# ---------------------------------------------------------------- remittances and floats


class PartnerUpdate(WireModel):
    """Only the fields given change; callback_url "" removes the callback."""

    model_config = _examples({"mtn_fee": "200", "orange_fee": "150", "max_amount": 500000, "is_activated": True})

    callback_url: Annotated[str, Text(2000)] | None = None
    mtn_fee: OPERATOR_AMOUNT | None = Field(None, description="XAF per payout to an MTN wallet.")
    orange_fee: OPERATOR_AMOUNT | None = Field(None, description="XAF per payout to an Orange wallet.")
    max_amount: OPERATOR_AMOUNT | None = Field(None, description="XAF per remittance.")
    adress: Annotated[str, Text(300)] | None = None
    web_site: Annotated[str, Text(300)] | None = None
    description: Annotated[str, Text(2000, multiline=True)] | None = None
    is_activated: Flag | None = None


class PartnerView(View):
    id: int
    name: str
    email: str
    callback_url: str | None
    callback_secret: str | None = Field(description="Signs every callback (X-Peex-Signature), both modes.")
    mtn_fees: int
    orange_fees: int
    max_amount: int
    is_activated: bool
    adress: str | None
    web_site: str | None
    description: str | None


class BeneficiarySet(WireModel):
    model_config = _examples({"email": "ama@example.com", "mobile_phone": "+237699123456", "first_name": "Ama"})

    email: Annotated[str, Text(254, min_length=1)]
    mobile_phone: Annotated[str, Text(32, min_length=1)] = Field(description="An MTN or Orange Cameroon wallet.")
    first_name: Annotated[str, Text(100)] | None = None
    last_name: Annotated[str, Text(100)] | None = None
    test: Flag = False


class BeneficiaryView(View):
    id: int
    email: str
    mobile_phone: str
    network: str | None
    first_name: str | None
    last_name: str | None
    livemode: bool


class RemittanceCancel(WireModel):
    model_config = _examples({"reason": "Over the partner's limit"})

    reason: NOTE


class RemittanceSettle(WireModel):
    model_config = _examples({"outcome": "paid", "note": "paid in cash"})

    outcome: Literal["paid", "failed"]
    note: NOTE = ""


class RemittanceView(View):
    """Peex's transaction object and what only operators see."""

    id: int
    amount: WireDecimal
    status: str
    from_currency: str
    to_currency: str
    created_at: str
    updated_at: str
    payment_proof: str | None
    identifier_by: str
    track_id: str
    type: str
    account_id: int
    livemode: bool
    fxrate: WireDecimal
    to_amount: int
    fee: int
    network: str
    mobile_phone: str
    rail: str | None
    payout_reference: str
    waiting_since: str | None


class FloatSet(WireModel):
    model_config = _examples({"rail": "mtn_momo", "currency": "XAF", "amount": 5000000})

    rail: Annotated[str, Text(40, min_length=1)] = Field(description="mtn_momo or orange_money.")
    currency: Currency
    amount: OPERATOR_AMOUNT = Field(description="What the platform holds at the operator.")
    test: Flag = False


class FloatView(View):
    rail: str
    currency: str
    livemode: bool
    amount: WireDecimal
    reserved: WireDecimal = Field(description="Held by payouts in flight.")
    available: WireDecimal


class FloatRead(View):
    """A float; amount, reserved and available only when it is tracked."""

    rail: str
    currency: str
    livemode: bool
    amount: WireDecimal = Field(None, description="Only when tracked.")  # type: ignore[assignment]
    reserved: WireDecimal = Field(None, description="Only when tracked.")  # type: ignore[assignment]
    available: WireDecimal = Field(None, description="Only when tracked.")  # type: ignore[assignment]
    tracked: bool


# ---------------------------------------------------------------- vouchers


class CodesEmail(View):
    id: int
    status: str
    attempts: int


class StatusCounts(View):
    active: int
    redeemed: int
    expired: int
    void: int


class VoucherView(View):
    """Peerwallet's voucher, masked as everyone sees it."""

    voucher_code: str
    amount: WireDecimal
    currency: str
    voucher_status: str
    exp_date: int | None
    date_created: int | None
    date_redeemed: int | None
    date_voided: int | None
    date_expired: int | None


class OrderView(View):
    order_id: str
    currency: str
    quantity: int
    amount: WireDecimal
    total_charged: WireDecimal
    fee: WireDecimal
    exp_date: int | None
    date_created: int | None
    account_id: int
    livemode: bool
    receipt_url: str
    codes_email: CodesEmail | None
    voucher_status_counts: StatusCounts
    vouchers: list[VoucherView]


class OrderVoided(OrderView):
    voided: int = Field(description="How many active vouchers were voided (refunded to the vendor).")


# ---------------------------------------------------------------- escrow


class EscrowClientCreate(WireModel):
    model_config = _examples({"name": "Shop App", "redirect_uris": ["https://shop.example/callback"], "test": True})

    name: Annotated[str, Text(200, min_length=1)]
    redirect_uris: list[Annotated[str, Text(2000, min_length=1)]] = Field(max_length=20)
    test: Flag = False


class EscrowClient(View):
    client_id: str
    client_secret: str = Field(description="Shown this once.")
    account_id: int = Field(description="Owns the client's webhook endpoints (surface trustap).")
    livemode: bool
    redirect_uris: list[str]


class EscrowUserCreate(WireModel):
    model_config = _examples({"email": "seller@example.com", "password": "correct horse", "first": "Ama"})

    email: Annotated[str, Text(320, min_length=1)]
    password: Annotated[str, Text(1024, strip=False)] = Field(description="At least 8 characters.")
    first: Annotated[str, Text(100)] = ""
    last: Annotated[str, Text(100)] = ""


class EscrowUser(View):
    id: int
    email: str


class EscrowTokenIssue(WireModel):
    model_config = _examples({"user": "seller@example.com", "client": "tpc_...", "scope": "openid"})

    user: Annotated[str, Text(320, min_length=1)] = Field(description="The user's email.")
    client: Annotated[str, Text(64, min_length=1)] = Field(description="The client_id.")
    scope: Annotated[str, Text(1000)] = "openid"


class EscrowToken(View):
    access_token: str
    token_type: str
    expires_in: int
    scope: str


class EscrowResolve(WireModel):
    model_config = _examples({"outcome": "release"}, {"outcome": "refund", "p2p": True})

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
    model_config = _examples({"model": "online", "currency": "usd", "buyer_pct": "2.5", "buyer_fixed": 30})

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


# ---------------------------------------------------------------- bitcoin (sandbox chain, market, disputes)


class ChainFund(WireModel):
    model_config = _examples({"address": "bcrt1q...", "sats": 100000})

    address: Annotated[str, Text(100, min_length=1)]
    sats: Annotated[int, Integer(1, 21_000_000 * 100_000_000)]


class ChainFunded(View):
    txid: str
    address: str
    sats: int


class ChainMine(WireModel):
    model_config = _examples({"blocks": 1})

    blocks: Annotated[int, Integer(1, 10_000)] = 1


class ChainMined(View):
    blocks: list[str] = Field(description="The new blocks' hashes.")
    height: int


class MarketPrice(WireModel):
    model_config = _examples({"pair": "BTCEUR", "price": "27455.04"})

    pair: Annotated[str, Text(12, min_length=1)] = Field(description="BTC and a currency: BTCEUR, BTCCHF, ...")
    price: Annotated[Decimal, Amount(high=Decimal(10**12))] = Field(description="Greater than 0, at most 8 decimals.")


class MarketPriceSet(View):
    pair: str
    price: WireDecimal
    date: str | None


class DisputeResolve(WireModel):
    model_config = _examples({"outcome": "buyerWins"})

    outcome: Annotated[str, Text(32, min_length=1)] = Field(
        description="buyerWins, sellerWins, cancelTrade or payOutBuyer."
    )


class DisputeView(View):
    contractId: str
    amount: int
    currency: str
    price: WireDecimal
    paymentMethod: str
    tradeStatus: str
    disputeActive: bool
    reason: str | None
    message: str | None
    initiator: str
    email: str | None
    counterpartyEmail: str | None
    acknowledgedByCounterParty: bool
    symmetricKeyEncrypted: str | None
    disputeDate: str | None
    outcome: str | None
    winner: str | None
    resolvedDate: str | None
    releaseTxId: str | None


class Disputes(View):
    disputes: list[DisputeView]
