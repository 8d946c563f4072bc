"""The operator API's wire models (/ops/v1): requests parsed strictly (peerx.wire), and the
answers the operator actions already print, named and typed so the OpenAPI document is real.
Here: what every desk shares (the answer base, `reply`, the error, shared bounds) and the models
of accounts, webhooks and the ledger; each desk's own models are in peerx.ops.<product>.schemas.

The actions return plain dicts (the CLI prints them, the console renders them); a route checks
the dict against its answer model here and prints it by alias in declaration order, so the bytes
are what the actions' dicts always printed. Keys an action leaves out (an escrow transaction's
steps not taken yet) stay out: answer models print only the keys that were given, and those keys
are not required in the schema. Answer models are strict and forbid other keys, so an action
that changes its shape fails its tests instead of drifting from the document."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field

from peerx.web import WireJSON
from peerx.wire import Amount, Flag, Id, Integer, Text, WireDecimal, WireModel

# Bounds shared by several requests. Amounts an operator moves by hand stay far below what a
# 64-bit ledger column holds even after many of them (10^12 units = 10^14 minor units).
OPERATOR_AMOUNT = Annotated[Decimal, Amount(high=Decimal(10**12))]
REFERENCE = Annotated[str, Text(64, min_length=1)]  # a product's reference or order id, in a path
Currency = Annotated[str, Text(10, min_length=1)]  # ISO 4217, any case
NOTE = Annotated[str, Text(1000, multiline=True)]  # a reason or note an operator types; kept whole in a Text column


def examples(*cases: dict[str, Any]) -> ConfigDict:
    """A model's examples in its OpenAPI schema."""
    return ConfigDict(json_schema_extra={"examples": list(cases)})


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

    model_config = examples(
        {"error": {"code": "invalid_field", "message": "amount must be a number", "field": "amount"}},
        {"error": {"code": "unauthorized", "message": "A valid operator token is required.", "field": None}},
    )

    error: ErrorBody


# ---------------------------------------------------------------- accounts, webhooks, ledger


class AccountCreate(WireModel):
    model_config = examples({"name": "Ama Traders", "email": "ama@example.com"})

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
    model_config = examples({"currency": "GHS", "amount": "100.00"}, {"currency": "XAF", "amount": 5000, "test": True})

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
    model_config = examples({"permission": "transfer_funds"})

    permission: Annotated[str, Text(64, min_length=1)] = Field(description="One of: transfer_funds.")


class Permissions(View):
    id: int
    permission: str
    granted: bool
    permissions: list[str] = Field(description="Every permission the account now holds.")


class WebhookCreate(WireModel):
    model_config = examples({"account_id": 1, "url": "https://example.com/hooks", "surface": "peertupeer"})

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


# ---------------------------------------------------------------- the account lifecycle (issue 16)


class AccountKey(View):
    id: int
    product: str = Field(description="peertupeer, peerwallet, peex or trustap.")
    livemode: bool
    prefix: str = Field(description="The key's visible start (the key itself is never shown again).")
    created_at: datetime
    expires_at: datetime | None = Field(description="A rolled key's end of grace; null while it has none.")
    active: bool = Field(description="Not revoked and not past its grace.")


class AccountView(View):
    id: int
    name: str
    email: str
    status: str = Field(description="active or suspended.")
    suspended_at: datetime | None
    suspended_reason: str | None
    created_at: datetime
    products: list[str]
    keys: list[AccountKey]


class AccountList(View):
    items: list[AccountView]
    total: int
    page: int
    per_page: int
    pages: int


class KeyRoll(WireModel):
    model_config = examples({"product": "peertupeer", "grace_hours": 24}, {"product": "peex", "test": True})

    product: Annotated[str, Text(40, min_length=1)] = Field(description="peertupeer, peerwallet, peex or trustap.")
    test: Flag = Field(False, description="Roll the test-mode key instead of the live one.")
    grace_hours: Annotated[int, Integer(0, 720)] = Field(
        24, description="Hours the replaced key keeps working (0: refused at once; at most 720)."
    )


class KeyRolled(View):
    id: int
    product: str
    livemode: bool
    key: str = Field(description="The new key, shown this once.")
    prefix: str
    grace_hours: int
    retired: list[AccountKey] = Field(description="The keys it replaces, each working until its expires_at.")


class AccountStatusChange(WireModel):
    model_config = examples({"reason": "Chargebacks under review"})

    reason: Annotated[str, Text(1000, min_length=1, multiline=True)]


class DeliveryCounts(View):
    pending: int
    succeeded: int
    dead: int


class EndpointView(View):
    id: int
    party_id: int
    party_name: str
    surface: str
    url: str
    event_types: list[str]
    livemode: bool
    disabled: bool
    disabled_at: datetime | None
    previous_secret_expires_at: datetime | None = Field(
        description="After a rotation: until then the previous secret signs too (in webhook-signature)."
    )
    created_at: datetime
    deliveries: DeliveryCounts
    stopped_deliveries: int | None = Field(None, description="Disable: pending deliveries stopped (now dead).")
    secret: str | None = Field(None, description="Rotate: the new signing secret, shown this once.")


class EndpointList(View):
    items: list[EndpointView]
    total: int
    page: int
    per_page: int
    pages: int


class SecretRotate(WireModel):
    model_config = examples({"grace_hours": 24}, {"grace_hours": 0})

    grace_hours: Annotated[int, Integer(0, 168)] = Field(
        24, description="Hours the previous secret keeps signing beside the new one (0: none; at most 168)."
    )


class DeliveryView(View):
    id: int
    event_id: str
    event_type: str
    surface: str
    endpoint_id: int
    url: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryList(View):
    items: list[DeliveryView]
    total: int
    page: int
    per_page: int
    pages: int
    counts: DeliveryCounts


class ListPage(View):
    """One page of a desk's list (its rows as the console shows them), or with `format=csv`
    every row of the filter as CSV."""

    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int
    pages: int
    counts: dict[str, int] | None = Field(None, description="Rows in each status (where the list has statuses).")
    model: str | None = None
    statuses: list[str] | tuple[str, ...] | None = None
