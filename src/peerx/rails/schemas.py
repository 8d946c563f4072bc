"""Wire models of the provider callbacks (/rails/v1): the bodies MTN MoMo and Orange Money send,
as their public documents show them. Fields they add later are ignored; the fields named here are
parsed strictly (bounded text without control characters, amounts in plain decimal form), so a
forged or broken callback is refused before any database work. Neither body is trusted: a
callback only wakes the payout's job, which asks the provider itself."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema

from peerx.web.types import Amount, Text, WireModel, wire_error

Reference = Annotated[str, Text(100, numbers="any")]  # our references are UUID4s (36); providers' ids are short
ProviderText = Annotated[str, Text(1000, numbers="any")]  # echoed notes and messages: bounded, never used
ProviderWord = Annotated[str, Text(100, numbers="any")]  # statuses, codes, ids
ProviderAmount = Annotated[Decimal, Amount(high=Decimal(10**15), as_string=True)]  # "500", "5.00": plain decimal form


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


# ---------------------------------------------------------------- MTN MoMo


class MtnPayee(WireModel):
    partyIdType: ProviderWord | None = None
    partyId: ProviderWord | None = None


class MtnReason(WireModel):
    code: ProviderWord | None = None
    message: ProviderText | None = None


def _reason(value: Any) -> Any:
    """MTN's `reason` is seen both as "NOT_ENOUGH_FUNDS" and as {"code", "message"}: read the
    string form as its code, so either is checked field by field."""
    if isinstance(value, str):
        return {"code": value}
    if value is None or isinstance(value, Mapping):
        return value
    raise wire_error("must be a string or an object with code and message")


MtnReasonField = Annotated[
    MtnReason | None,
    BeforeValidator(_reason),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "maxLength": 100},
                {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string", "maxLength": 100},
                        "message": {"type": "string", "maxLength": 1000},
                    },
                },
                {"type": "null"},
            ]
        }
    ),
]


class MtnCallback(WireModel):
    """MTN MoMo's transfer object, sent to X-Callback-Url once, unsigned, without retry.
    The reference is `referenceId` when present, else `externalId` (we set it to the reference)."""

    model_config = _examples(
        {
            "financialTransactionId": "1234567890",
            "externalId": "5f3c1d2e-8a4b-4c6d-9e0f-1a2b3c4d5e6f",
            "amount": "500",
            "currency": "XAF",
            "payee": {"partyIdType": "MSISDN", "partyId": "237675287689"},
            "payerMessage": "Peex remittance",
            "payeeNote": "Peex remittance",
            "status": "SUCCESSFUL",
        },
        {
            "referenceId": "5f3c1d2e-8a4b-4c6d-9e0f-1a2b3c4d5e6f",
            "externalId": "5f3c1d2e-8a4b-4c6d-9e0f-1a2b3c4d5e6f",
            "amount": "5.00",
            "currency": "EUR",
            "status": "FAILED",
            "reason": {"code": "PAYEE_NOT_FOUND", "message": "Payee does not exist"},
        },
    )

    referenceId: Reference | None = None
    externalId: Reference | None = None
    financialTransactionId: ProviderWord | None = None
    amount: ProviderAmount | None = None
    currency: ProviderWord | None = None
    payee: MtnPayee | None = None
    payerMessage: ProviderText | None = None
    payeeNote: ProviderText | None = None
    status: ProviderWord | None = None
    reason: MtnReasonField = None


# ---------------------------------------------------------------- Orange Money


class OrangePayment(WireModel):
    """The cash-in payment as Orange's pay and paymentstatus answers carry it."""

    payToken: Reference | None = None
    txnid: ProviderWord | None = None
    status: ProviderWord | None = None
    txnstatus: ProviderWord | None = None
    txnmessage: ProviderText | None = None
    txnmode: ProviderWord | None = None
    amount: ProviderAmount | None = None
    createtime: ProviderWord | None = None
    channelUserMsisdn: ProviderWord | None = None
    subscriberMsisdn: ProviderWord | None = None


class OrangeNotification(OrangePayment):
    """Orange Money's notification to notifUrl, unsigned: the payToken, at the top level or in
    `data` (the shape of the pay answer)."""

    model_config = _examples(
        {"payToken": "MP2201209F0B8D8A8FA6FA4A4A", "status": "SUCCESSFULL", "txnid": "CI220120.1234.A12345"},
        {"message": "Transaction effectuée", "data": {"payToken": "MP2201209F0B8D8A8FA6FA4A4A", "status": "FAILED"}},
    )

    message: ProviderText | None = None
    data: OrangePayment | None = None

    def pay_token(self) -> str | None:
        for token in (self.payToken, self.data.payToken if self.data is not None else None):
            if token:
                return token
        return None


# ---------------------------------------------------------------- answers


class Received(WireModel):
    """The answer to every callback with a reference, known or not (it never tells)."""

    received: bool = Field(description="Always true.")


class RailsError(WireModel):
    """A refused callback: 400 without a reference or with a malformed field."""

    model_config = _examples({"error": "referenceId or externalId is required"})

    error: str
