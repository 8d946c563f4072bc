"""MTN MoMo's callback: the transfer object MTN sends to X-Callback-Url (once, unsigned, without
retry), what it says (parse_callback) and what it does (on_callback: wake the payout's job, which
asks MTN for the status itself). The HTTP route is peerx.rail_callbacks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.errors import InvalidField
from peerx.rails.callback_fields import ProviderAmount, ProviderText, ProviderWord, Reference, examples
from peerx.rails.mtn_momo.client import result_from_transfer
from peerx.rails.payout_flow import wake
from peerx.rails.payouts import PayoutResult
from peerx.wire import WireModel, wire_error


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

    model_config = examples(
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


def parse_callback(body: Mapping[str, object]) -> tuple[str, PayoutResult]:
    """Read an MTN callback: (our reference, what the callback claims).

    MTN sends a callback once, unsigned and without retry: it is only a hint that it is worth
    calling `status` for that reference now. Never settle money on the callback itself.
    The reference is the callback's referenceId when present, else its externalId (which we
    set to the reference when sending).
    """
    for key in ("referenceId", "externalId"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value, result_from_transfer(body)
    raise ValueError("MTN MoMo callback carries neither referenceId nor externalId")


async def on_callback(session: AsyncSession, body: MtnCallback) -> None:
    """MTN MoMo's transfer callback: wakes the payout with this referenceId (else externalId)."""
    try:
        reference, _claim = parse_callback(body.wire(exclude_none=True))
    except ValueError:
        raise InvalidField("referenceId", "or externalId is required") from None
    await wake(session, reference)
