from __future__ import annotations

import uuid

import pytest

from peerx.rails.payouts import PayoutRail, PayoutRequest, PayoutResult, PayoutStatus, RailUnavailable
from peerx.rails.sandbox import SandboxRail, sandbox_provider_reference


def payout(account: str, reference: str | None = None, **overrides: object) -> PayoutRequest:
    fields: dict[str, object] = {
        "reference": reference if reference is not None else str(uuid.uuid4()),
        "amount_minor": 1250,
        "currency": "GHS",
        "account_number": account,
        "note": "sandbox payout",
        "country": "GH",
    }
    fields.update(overrides)
    return PayoutRequest(**fields)  # type: ignore[arg-type]


def test_sandbox_rail_satisfies_the_payout_rail_protocol() -> None:
    rail: PayoutRail = SandboxRail()
    assert rail.name == "sandbox"


@pytest.mark.parametrize(
    ("account", "sent", "later"),
    [
        ("233240001111", (PayoutStatus.FAILED, "PAYEE_NOT_FOUND"), (PayoutStatus.FAILED, "PAYEE_NOT_FOUND")),
        ("233240002222", (PayoutStatus.PENDING, None), (PayoutStatus.SUCCEEDED, None)),
        ("233240003333", (PayoutStatus.PENDING, None), (PayoutStatus.FAILED, "NOT_ENOUGH_FUNDS")),
        ("233240005555", (PayoutStatus.SUCCEEDED, None), (PayoutStatus.SUCCEEDED, None)),
        ("237677121111", (PayoutStatus.FAILED, "PAYEE_NOT_FOUND"), (PayoutStatus.FAILED, "PAYEE_NOT_FOUND")),
        ("233241111110", (PayoutStatus.SUCCEEDED, None), (PayoutStatus.SUCCEEDED, None)),  # not the LAST four
    ],
)
async def test_magic_numbers(
    account: str, sent: tuple[PayoutStatus, str | None], later: tuple[PayoutStatus, str | None]
) -> None:
    rail = SandboxRail()
    request = payout(account)
    on_send = await rail.send(request)
    on_status = await rail.status(request)
    assert (on_send.status, on_send.reason) == sent
    assert (on_status.status, on_status.reason) == later
    assert on_send.provider_reference == on_status.provider_reference == sandbox_provider_reference(request.reference)


async def test_4444_times_out_on_send_and_has_succeeded_when_asked() -> None:
    rail = SandboxRail()
    request = payout("233240004444")
    with pytest.raises(RailUnavailable, match="timeout"):
        await rail.send(request)
    assert await rail.status(request) == PayoutResult(
        PayoutStatus.SUCCEEDED, sandbox_provider_reference(request.reference)
    )
    # A retry with the same reference gets the same answer: still unknown, status decides.
    with pytest.raises(RailUnavailable):
        await rail.send(request)


async def test_magic_digits_are_read_after_separators_and_plus() -> None:
    rail = SandboxRail()
    result = await rail.send(payout("+233 24 000 1111"))
    assert (result.status, result.reason) == (PayoutStatus.FAILED, "PAYEE_NOT_FOUND")
    result = await rail.send(payout("+233-24-000-3333"))
    assert result.status is PayoutStatus.PENDING


async def test_same_reference_same_answer_across_instances() -> None:
    request = payout("233240002222")
    first = await SandboxRail().send(request)
    again = await SandboxRail().send(request)
    assert first == again
    assert first.provider_reference is not None
    assert first.provider_reference.startswith("sbx_")
    other = await SandboxRail().send(payout("233240002222"))
    assert other.provider_reference != first.provider_reference


def test_provider_reference_is_derived_from_the_reference_only() -> None:
    reference = "0b6f5d3c-7a7e-4d5c-9a55-3b3c0a2f9e11"
    assert sandbox_provider_reference(reference) == sandbox_provider_reference(reference)
    assert sandbox_provider_reference(reference) != sandbox_provider_reference(str(uuid.uuid4()))
    assert reference.replace("-", "") not in sandbox_provider_reference(reference)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amount_minor": 0}, "positive"),
        ({"amount_minor": -5}, "positive"),
        ({"amount_minor": True}, "integer"),
        ({"currency": "ghs"}, "ISO 4217"),
        ({"currency": "CEDI"}, "ISO 4217"),
        ({"reference": ""}, "reference"),
        ({"account_number": "nobody"}, "no digits"),
    ],
)
async def test_sandbox_refuses_what_a_live_rail_would(overrides: dict[str, object], message: str) -> None:
    request = payout("233240005555", **overrides)
    with pytest.raises(ValueError, match=message):
        await SandboxRail().send(request)
    with pytest.raises(ValueError, match=message):
        await SandboxRail().status(request)
