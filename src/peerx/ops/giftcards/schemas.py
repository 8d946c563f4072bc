"""The giftcards desk's /ops/v1 wire models: rates and trade review."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from peerx.ops.schemas import NOTE, Currency, View, examples
from peerx.wire import Amount, Flag, Id, Text, WireDecimal, WireModel


class RateSet(WireModel):
    model_config = examples(
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
    model_config = examples({"card_amount": "80"}, {})

    card_amount: Annotated[Decimal, Amount(high=Decimal(10**9))] | None = Field(
        None, description="Approve for a lower face value than submitted (a partly valid card)."
    )


class TradeReject(WireModel):
    model_config = examples({"reason": "Card already used"})

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
