"""The remittances desk's /ops/v1 wire models: partner terms, platform users,
remittances, and the float at each rail."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from peerx.ops.schemas import NOTE, OPERATOR_AMOUNT, Currency, View, examples
from peerx.wire import Flag, Text, WireDecimal, WireModel


class PartnerUpdate(WireModel):
    """Only the fields given change; callback_url "" removes the callback."""

    model_config = examples({"mtn_fee": "200", "orange_fee": "150", "max_amount": 500000, "is_activated": True})

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
    model_config = examples({"email": "ama@example.com", "mobile_phone": "+237699123456", "first_name": "Ama"})

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
    model_config = examples({"reason": "Over the partner's limit"})

    reason: NOTE


class RemittanceSettle(WireModel):
    model_config = examples({"outcome": "paid", "note": "paid in cash"})

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
    model_config = examples({"rail": "mtn_momo", "currency": "XAF", "amount": 5000000})

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
