"""The bitcoin desk's /ops/v1 wire models: the sandbox chain, the market price, disputes."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from peerx.ops.schemas import View, examples
from peerx.wire import Amount, Integer, Text, WireDecimal, WireModel


class ChainFund(WireModel):
    model_config = examples({"address": "bcrt1q...", "sats": 100000})

    address: Annotated[str, Text(100, min_length=1)]
    sats: Annotated[int, Integer(1, 21_000_000 * 100_000_000)]


class ChainFunded(View):
    txid: str
    address: str
    sats: int


class ChainMine(WireModel):
    model_config = examples({"blocks": 1})

    blocks: Annotated[int, Integer(1, 10_000)] = 1


class ChainMined(View):
    blocks: list[str] = Field(description="The new blocks' hashes.")
    height: int


class MarketPrice(WireModel):
    model_config = examples({"pair": "BTCEUR", "price": "27455.04"})

    pair: Annotated[str, Text(12, min_length=1)] = Field(description="BTC and a currency: BTCEUR, BTCCHF, ...")
    price: Annotated[Decimal, Amount(high=Decimal(10**12))] = Field(description="Greater than 0, at most 8 decimals.")


class MarketPriceSet(View):
    pair: str
    price: WireDecimal
    date: str | None


class DisputeResolve(WireModel):
    model_config = examples({"outcome": "buyerWins"})

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
