from __future__ import annotations

import base64
import dataclasses
import socket
import uuid
from decimal import Decimal

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from peerx.rails.amounts import CURRENCY_EXPONENTS, minor_to_decimal_string
from peerx.rails.mtn_momo.callbacks import parse_callback
from peerx.rails.mtn_momo.client import MtnMomoRail, result_from_transfer
from peerx.rails.mtn_momo.settings import MtnMomoConfig
from peerx.rails.payouts import PayoutNotFound, PayoutRail, PayoutRequest, PayoutResult, PayoutStatus, RailUnavailable
from tests.fixtures import fake_momo
from tests.fixtures.fake_momo import FakeMomo, MomoBehaviour

PAYEE = "46733123450"
SLOWER_THAN_CLIENT = 0.8  # the rails in conftest.py give up after 0.3 s


def transfer(
    account: str = PAYEE,
    *,
    amount_minor: int = 500,
    currency: str = "EUR",
    note: str = "Payout",
    reference: str | None = None,
) -> PayoutRequest:
    return PayoutRequest(
        reference=reference if reference is not None else str(uuid.uuid4()),
        amount_minor=amount_minor,
        currency=currency,
        account_number=account,
        note=note,
        country="GH",
    )


def test_mtn_rail_satisfies_the_payout_rail_protocol(mtn_rail: MtnMomoRail) -> None:
    rail: PayoutRail = mtn_rail
    assert rail.name == "mtn_momo"


def test_config_keeps_secrets_out_of_its_repr(momo_config: MtnMomoConfig) -> None:
    text = repr(momo_config)
    assert fake_momo.API_KEY not in text
    assert fake_momo.SUBSCRIPTION_KEY not in text
    assert fake_momo.API_USER in text


async def test_send_posts_an_mtn_transfer_and_status_reports_success(
    mtn_rail: MtnMomoRail, fake_momo_api: FakeMomo, momo_config: MtnMomoConfig
) -> None:
    request = transfer()

    sent = await mtn_rail.send(request)

    assert sent == PayoutResult(PayoutStatus.PENDING)
    (token_call,) = fake_momo_api.token_requests()
    assert token_call.path == "/disbursement/token/"
    assert (
        token_call.headers["authorization"]
        == "Basic " + base64.b64encode(f"{fake_momo.API_USER}:{fake_momo.API_KEY}".encode()).decode()
    )
    assert token_call.headers["ocp-apim-subscription-key"] == fake_momo.SUBSCRIPTION_KEY
    (post,) = fake_momo_api.transfer_posts()
    assert post.path == "/disbursement/v1_0/transfer"
    assert post.headers["authorization"].startswith("Bearer fake-momo-token-1-")
    assert post.headers["x-reference-id"] == request.reference
    assert post.headers["x-target-environment"] == "sandbox"
    assert post.headers["ocp-apim-subscription-key"] == fake_momo.SUBSCRIPTION_KEY
    assert post.headers["x-callback-url"] == momo_config.callback_url
    assert post.headers["content-type"] == "application/json"
    assert post.json() == {
        "amount": "5.00",
        "currency": "EUR",
        "externalId": request.reference,
        "payee": {"partyIdType": "MSISDN", "partyId": PAYEE},
        "payerMessage": "Payout",
        "payeeNote": "Payout",
    }

    settled = await mtn_rail.status(request)

    assert settled.status is PayoutStatus.SUCCEEDED
    assert settled.reason is None
    assert settled.provider_reference == fake_momo_api.status_body(request.reference)["financialTransactionId"]
    (get,) = fake_momo_api.status_gets(request.reference)
    assert get.path == f"/disbursement/v1_0/transfer/{request.reference}"
    assert get.headers["x-target-environment"] == "sandbox"


async def test_no_callback_header_without_a_callback_url(
    momo_config: MtnMomoConfig, http_client: httpx.AsyncClient, fake_momo_api: FakeMomo
) -> None:
    rail = MtnMomoRail(dataclasses.replace(momo_config, callback_url=None), http_client)
    await rail.send(transfer())
    (post,) = fake_momo_api.transfer_posts()
    assert "x-callback-url" not in post.headers


@pytest.mark.parametrize(
    ("amount_minor", "currency", "wire"),
    [
        (500, "EUR", "5.00"),
        (1, "GHS", "0.01"),
        (123456, "GHS", "1234.56"),
        (1500, "XAF", "1500"),
        (7, "UGX", "7"),
    ],
)
async def test_amount_is_a_decimal_string_in_the_currency_exponent(
    mtn_rail: MtnMomoRail, fake_momo_api: FakeMomo, amount_minor: int, currency: str, wire: str
) -> None:
    fake_momo_api.currencies = frozenset({"EUR", "GHS", "XAF", "UGX"})
    await mtn_rail.send(transfer(amount_minor=amount_minor, currency=currency))
    (post,) = fake_momo_api.transfer_posts()
    assert post.json()["amount"] == wire
    assert post.json()["currency"] == currency


@given(st.integers(min_value=1, max_value=10**18), st.sampled_from(sorted(CURRENCY_EXPONENTS)))
def test_amount_string_is_exact(amount_minor: int, currency: str) -> None:
    text = minor_to_decimal_string(amount_minor, currency)
    exponent = CURRENCY_EXPONENTS[currency]
    assert Decimal(text).scaleb(exponent) == amount_minor
    assert "e" not in text.lower()
    assert len(text.partition(".")[2]) == exponent


async def test_notes_are_truncated_to_160_characters(mtn_rail: MtnMomoRail, fake_momo_api: FakeMomo) -> None:
    note = "Loyer de mars, merci beaucoup " * 10  # 300 characters
    result = await mtn_rail.send(transfer(note=note))
    assert result.status is PayoutStatus.PENDING  # the fake refuses notes over 160 with a 400
    body = fake_momo_api.transfer_posts()[0].json()
    assert body["payerMessage"] == note[:160]
    assert body["payeeNote"] == note[:160]


@pytest.mark.parametrize("as_object", [False, True], ids=["reason-string", "reason-object"])
@pytest.mark.parametrize("reason", ["NOT_ENOUGH_FUNDS", "PAYEE_NOT_FOUND", "PAYEE_NOT_ALLOWED_TO_RECEIVE"])
async def test_failure_reasons_in_both_shapes(
    mtn_rail: MtnMomoRail, fake_momo_api: FakeMomo, reason: str, as_object: bool
) -> None:
    fake_momo_api.behave(PAYEE, MomoBehaviour.fail(reason, as_object=as_object))
    request = transfer()
    assert (await mtn_rail.send(request)).status is PayoutStatus.PENDING
    raw_reason = fake_momo_api.status_body(request.reference)["reason"]
    assert isinstance(raw_reason, dict) is as_object

    result = await mtn_rail.status(request)

    assert result == PayoutResult(PayoutStatus.FAILED, provider_reference=None, reason=reason)


async def test_duplicate_reference_answers_from_the_existing_transfer(
    mtn_rail: MtnMomoRail, fake_momo_api: FakeMomo
) -> None:
    request = transfer()
    await mtn_rail.send(request)

    again = await mtn_rail.send(request)  # e.g. a worker retrying after a crash

    assert again.status is PayoutStatus.SUCCEEDED
    assert again.provider_reference is not None
    assert len(fake_momo_api.transfer_posts(request.reference)) == 2  # second one answered 409
    assert len(fake_momo_api.status_gets(request.reference)) == 1


async def test_a_500_is_unavailable_and_the_same_reference_can_be_sent_again(
    mtn_rail: MtnMomoRail, fake_momo_api: FakeMomo
) -> None:
    fake_momo_api.behave(PAYEE, MomoBehaviour.error_once_with(500, "INTERNAL_PROCESSING_ERROR"))
    request = transfer()

    with pytest.raises(RailUnavailable, match="HTTP 500 \\(INTERNAL_PROCESSING_ERROR\\)"):
        await mtn_rail.send(request)
    # MTN never created it: status says so, and that is safe to act on by re-sending.
    with pytest.raises(PayoutNotFound):
        await mtn_rail.status(request)
    assert (await mtn_rail.send(request)).status is PayoutStatus.PENDING
    assert (await mtn_rail.status(request)).status is PayoutStatus.SUCCEEDED
    posts = fake_momo_api.transfer_posts()
    assert [p.headers["x-reference-id"] for p in posts] == [request.reference, request.reference]


async def test_configuration_errors_answered_with_500_are_unavailable(
    mtn_rail: MtnMomoRail, fake_momo_api: FakeMomo
) -> None:
    with pytest.raises(RailUnavailable, match="INVALID_CURRENCY"):
        await mtn_rail.send(transfer(currency="GHS", amount_minor=100))  # the sandbox takes EUR only


async def test_wrong_target_environment_is_unavailable(
    momo_config: MtnMomoConfig, http_client: httpx.AsyncClient, fake_momo_api: FakeMomo
) -> None:
    rail = MtnMomoRail(dataclasses.replace(momo_config, target_environment="mtnghana"), http_client)
    with pytest.raises(RailUnavailable, match="NOT_ALLOWED_TARGET_ENVIRONMENT"):
        await rail.send(transfer())
    assert fake_momo_api.transfer_posts()[0].headers["x-target-environment"] == "mtnghana"


async def test_a_400_is_a_definitive_failure(mtn_rail: MtnMomoRail, fake_momo_api: FakeMomo) -> None:
    fake_momo_api.behave(PAYEE, MomoBehaviour.error_once_with(400, "INVALID_PAYEE"))
    result = await mtn_rail.send(transfer())
    assert result == PayoutResult(PayoutStatus.FAILED, reason="INVALID_PAYEE")


async def test_timeout_is_unavailable_then_status_decides_and_nothing_was_resent(
    mtn_rail: MtnMomoRail, fake_momo_api: FakeMomo
) -> None:
    fake_momo_api.behave(PAYEE, MomoBehaviour.slow_once(SLOWER_THAN_CLIENT))
    request = transfer()

    with pytest.raises(RailUnavailable, match="timed out"):
        await mtn_rail.send(request)

    assert (await mtn_rail.status(request)).status is PayoutStatus.SUCCEEDED
    posts = fake_momo_api.transfer_posts()
    assert len(posts) == 1
    assert posts[0].headers["x-reference-id"] == request.reference


async def test_pending_then_failed_over_several_polls(mtn_rail: MtnMomoRail, fake_momo_api: FakeMomo) -> None:
    fake_momo_api.behave(PAYEE, MomoBehaviour.pending_then_failed(2, "NOT_ENOUGH_FUNDS"))
    request = transfer()
    assert (await mtn_rail.send(request)).status is PayoutStatus.PENDING

    polls = [await mtn_rail.status(request) for _ in range(3)]

    assert [p.status for p in polls] == [PayoutStatus.PENDING, PayoutStatus.PENDING, PayoutStatus.FAILED]
    assert polls[-1].reason == "NOT_ENOUGH_FUNDS"
    assert polls[0].reason is None
    assert len(fake_momo_api.status_gets(request.reference)) == 3


async def test_one_token_serves_several_transfers(mtn_rail: MtnMomoRail, fake_momo_api: FakeMomo) -> None:
    requests = [transfer() for _ in range(3)]
    for request in requests:
        await mtn_rail.send(request)
        await mtn_rail.status(request)

    assert len(fake_momo_api.token_requests()) == 1
    bearers = {p.headers["authorization"] for p in fake_momo_api.transfer_posts()}
    assert len(bearers) == 1


async def test_token_is_renewed_shortly_before_it_expires(
    momo_config: MtnMomoConfig, http_client: httpx.AsyncClient, fake_momo_api: FakeMomo
) -> None:
    now = [1000.0]
    rail = MtnMomoRail(momo_config, http_client, clock=lambda: now[0])
    await rail.send(transfer())
    now[0] += 3600 - 61  # expires_in is 3600: still inside the safety margin
    await rail.send(transfer())
    assert len(fake_momo_api.token_requests()) == 1
    now[0] += 2  # 59 s before expiry: renew
    await rail.send(transfer())
    assert len(fake_momo_api.token_requests()) == 2
    tokens = [p.headers["authorization"] for p in fake_momo_api.transfer_posts()]
    assert tokens[0] == tokens[1] != tokens[2]


async def test_a_refused_token_is_renewed_and_the_call_repeated_once_with_the_same_reference(
    mtn_rail: MtnMomoRail, fake_momo_api: FakeMomo
) -> None:
    await mtn_rail.send(transfer())
    fake_momo_api.revoke_tokens()
    request = transfer()

    assert (await mtn_rail.send(request)).status is PayoutStatus.PENDING

    posts = fake_momo_api.transfer_posts(request.reference)
    assert len(posts) == 2
    assert posts[0].headers["authorization"] != posts[1].headers["authorization"]
    assert len(fake_momo_api.token_requests()) == 2


async def test_bad_credentials_are_unavailable_and_send_nothing(
    momo_config: MtnMomoConfig, http_client: httpx.AsyncClient, fake_momo_api: FakeMomo
) -> None:
    rail = MtnMomoRail(dataclasses.replace(momo_config, api_key="wrong"), http_client)
    with pytest.raises(RailUnavailable, match="token endpoint answered HTTP 401"):
        await rail.send(transfer())
    assert fake_momo_api.transfer_posts() == []


async def test_unreachable_provider_is_unavailable(momo_config: MtnMomoConfig, http_client: httpx.AsyncClient) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    rail = MtnMomoRail(dataclasses.replace(momo_config, base_url=f"http://127.0.0.1:{port}"), http_client)
    with pytest.raises(RailUnavailable, match="unreachable"):
        await rail.send(transfer())


@pytest.mark.parametrize(
    "reference",
    # Fixed values (not generated at import), so every test process collects the same cases.
    [
        "not-a-uuid",
        "5b7a4f2e-d36c-11ef-9cd2-0242ac120002",  # a uuid1
        "",
        "45cefca8fc2747bba777fbf8aef1e79a",  # a uuid4 without its dashes
        "8b75c68f-a4bb-4f98-b89d-fe9f77637064 ",  # a uuid4 with a trailing space
    ],
)
async def test_references_that_are_not_uuid4_never_leave(
    mtn_rail: MtnMomoRail, fake_momo_api: FakeMomo, reference: str
) -> None:
    with pytest.raises(ValueError, match="UUID4"):
        await mtn_rail.send(transfer(reference=reference))
    with pytest.raises(ValueError, match="UUID4"):
        await mtn_rail.status(transfer(reference=reference))
    assert fake_momo_api.requests == []


@pytest.mark.parametrize(
    ("account", "country", "expected"),
    [
        ("+233 24 123 4567", "GH", "233241234567"),
        ("0241234567", "GH", "233241234567"),
        ("024-123-4567", "gh", "233241234567"),
        ("237677123456", "CM", "237677123456"),
        (PAYEE, "GH", PAYEE),  # MTN's sandbox test numbers go as they are
    ],
)
async def test_payee_is_sent_in_international_digits(
    mtn_rail: MtnMomoRail, fake_momo_api: FakeMomo, account: str, country: str, expected: str
) -> None:
    request = dataclasses.replace(transfer(account), country=country)
    await mtn_rail.send(request)
    assert fake_momo_api.transfer_posts()[0].json()["payee"] == {"partyIdType": "MSISDN", "partyId": expected}


@pytest.mark.parametrize(
    ("account", "amount"),
    [("0241234567x", 500), ("024123456", 500), ("0241234567", 0), ("12345", 500), (PAYEE, 0)],
)
async def test_bad_requests_never_leave(
    mtn_rail: MtnMomoRail, fake_momo_api: FakeMomo, account: str, amount: int
) -> None:
    with pytest.raises(ValueError):
        await mtn_rail.send(transfer(account, amount_minor=amount))
    assert fake_momo_api.requests == []


async def test_status_of_an_unknown_reference_is_not_found(mtn_rail: MtnMomoRail) -> None:
    with pytest.raises(PayoutNotFound) as raised:
        await mtn_rail.status(transfer())
    assert isinstance(raised.value, RailUnavailable)  # callers of the base contract keep the hold


async def test_remittance_product_uses_its_own_paths(
    momo_config: MtnMomoConfig, http_client: httpx.AsyncClient, fake_momo_api: FakeMomo
) -> None:
    rail = MtnMomoRail(dataclasses.replace(momo_config, product="remittance"), http_client)
    request = transfer()
    await rail.send(request)
    assert (await rail.status(request)).status is PayoutStatus.SUCCEEDED
    assert [r.path for r in fake_momo_api.requests] == [
        "/remittance/token/",
        "/remittance/v1_0/transfer",
        f"/remittance/v1_0/transfer/{request.reference}",
    ]


async def test_parse_callback_reads_what_mtn_sends(mtn_rail: MtnMomoRail, fake_momo_api: FakeMomo) -> None:
    fake_momo_api.behave(PAYEE, MomoBehaviour.fail("NOT_ENOUGH_FUNDS", as_object=True))
    failed = transfer()
    await mtn_rail.send(failed)
    ok = transfer("46733123451")
    await mtn_rail.send(ok)

    assert parse_callback(fake_momo_api.status_body(failed.reference)) == (
        failed.reference,
        PayoutResult(PayoutStatus.FAILED, reason="NOT_ENOUGH_FUNDS"),
    )
    reference, result = parse_callback(fake_momo_api.status_body(ok.reference))
    assert reference == ok.reference
    assert result.status is PayoutStatus.SUCCEEDED
    assert result.provider_reference == fake_momo_api.status_body(ok.reference)["financialTransactionId"]


def test_parse_callback_prefers_reference_id_and_refuses_anonymous_bodies() -> None:
    body: dict[str, object] = {"referenceId": "r-1", "externalId": "e-1", "status": "FAILED", "reason": "X"}
    assert parse_callback(body) == ("r-1", PayoutResult(PayoutStatus.FAILED, reason="X"))
    with pytest.raises(ValueError, match="neither referenceId nor externalId"):
        parse_callback({"status": "SUCCESSFUL", "financialTransactionId": "1"})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"status": "SUCCESSFUL", "financialTransactionId": 12345},
            PayoutResult(PayoutStatus.SUCCEEDED, "12345"),
        ),
        ({"status": "FAILED"}, PayoutResult(PayoutStatus.FAILED)),
        ({"status": "FAILED", "reason": {"message": "no code"}}, PayoutResult(PayoutStatus.FAILED)),
        ({"status": "PENDING", "reason": "ignored while pending"}, PayoutResult(PayoutStatus.PENDING)),
        ({"status": "ONGOING"}, PayoutResult(PayoutStatus.PENDING)),  # unknown words never settle money
        ({}, PayoutResult(PayoutStatus.PENDING)),
    ],
)
def test_transfer_objects_map_conservatively(body: dict[str, object], expected: PayoutResult) -> None:
    assert result_from_transfer(body) == expected
