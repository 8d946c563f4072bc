from __future__ import annotations

import asyncio
import base64
import dataclasses
import uuid
from urllib.parse import parse_qs

import httpx
import pytest

from peerx.rails.orange_money.client import (
    InMemoryPayTokenStore,
    OrangeMoneyRail,
    PayTokenAlreadyStored,
    result_from_payment,
)
from peerx.rails.orange_money.settings import OrangeMoneyConfig
from peerx.rails.payouts import PayoutNotFound, PayoutRail, PayoutRequest, PayoutResult, PayoutStatus, RailUnavailable
from tests.fixtures import fake_orange
from tests.fixtures.fake_orange import FakeOrange, OrangeBehaviour

SUBSCRIBER = "699123456"
SLOWER_THAN_CLIENT = 0.8  # the rails in conftest.py give up after 0.3 s


def cashin(
    account: str = "+237 6 99 12 34 56",
    *,
    amount_minor: int = 1500,
    currency: str = "XAF",
    note: str = "Remboursement",
    reference: str | None = None,
) -> PayoutRequest:
    return PayoutRequest(
        reference=reference if reference is not None else str(uuid.uuid4()),
        amount_minor=amount_minor,
        currency=currency,
        account_number=account,
        note=note,
        country="CM",
    )


def test_orange_rail_satisfies_the_payout_rail_protocol(orange_rail: OrangeMoneyRail) -> None:
    rail: PayoutRail = orange_rail
    assert rail.name == "orange_money"


def test_config_keeps_secrets_out_of_its_repr(orange_config: OrangeMoneyConfig) -> None:
    text = repr(orange_config)
    for secret in (fake_orange.CLIENT_SECRET, fake_orange.API_PASSWORD, f"pin='{fake_orange.PIN}'"):
        assert secret not in text
    assert fake_orange.CHANNEL_MSISDN in text


async def test_init_then_pay_succeeds_and_the_pay_token_was_stored_first(
    orange_rail: OrangeMoneyRail, fake_orange_api: FakeOrange, pay_tokens: InMemoryPayTokenStore
) -> None:
    request = cashin()

    result = await orange_rail.send(request)

    assert result.status is PayoutStatus.SUCCEEDED
    assert result.reason is None
    assert result.provider_reference is not None
    assert result.provider_reference.startswith("CI")
    assert [r.path for r in fake_orange_api.requests] == [
        "/token",
        "/omcoreapis/1.0.2/cashin/init",
        "/omcoreapis/1.0.2/cashin/pay",
    ]
    token_call, init, pay = fake_orange_api.requests
    assert (
        token_call.headers["authorization"]
        == "Basic " + base64.b64encode(f"{fake_orange.CLIENT_ID}:{fake_orange.CLIENT_SECRET}".encode()).decode()
    )
    assert parse_qs(token_call.body.decode()) == {"grant_type": ["client_credentials"]}
    x_auth = base64.b64encode(f"{fake_orange.API_USERNAME}:{fake_orange.API_PASSWORD}".encode()).decode()
    for call in (init, pay):
        assert call.headers["authorization"].startswith("Bearer ")
        assert call.headers["x-auth-token"] == x_auth
    assert init.body == b""
    pay_token = await pay_tokens.get(request.reference)
    assert pay_token is not None
    assert pay.json() == {
        "channelUserMsisdn": fake_orange.CHANNEL_MSISDN,
        "amount": "1500",
        "subscriberMsisdn": SUBSCRIBER,
        "pin": fake_orange.PIN,
        "orderId": request.reference.replace("-", ""),
        "description": "Remboursement",
        "payToken": pay_token,
        "notifUrl": "https://peerx.example/callbacks/orange",
    }

    settled = await orange_rail.status(request)

    assert settled == result
    (get,) = fake_orange_api.status_gets()
    assert get.path == f"/omcoreapis/1.0.2/cashin/paymentstatus/{pay_token}"


async def test_success_spelled_success_is_success_too(
    orange_rail: OrangeMoneyRail, fake_orange_api: FakeOrange
) -> None:
    fake_orange_api.behave(SUBSCRIBER, OrangeBehaviour.succeed("SUCCESS"))
    assert (await orange_rail.send(cashin())).status is PayoutStatus.SUCCEEDED


async def test_no_notif_url_without_a_notify_url(
    orange_config: OrangeMoneyConfig, http_client: httpx.AsyncClient, fake_orange_api: FakeOrange
) -> None:
    rail = OrangeMoneyRail(dataclasses.replace(orange_config, notify_url=None), http_client, InMemoryPayTokenStore())
    await rail.send(cashin(note=""))
    body = fake_orange_api.pay_posts()[0].json()
    assert "notifUrl" not in body
    assert body["description"] == "Payout"


async def test_timeout_on_pay_then_retry_asks_status_and_never_pays_twice(
    orange_rail: OrangeMoneyRail, fake_orange_api: FakeOrange, pay_tokens: InMemoryPayTokenStore
) -> None:
    fake_orange_api.behave(SUBSCRIBER, OrangeBehaviour.slow_once(SLOWER_THAN_CLIENT))
    request = cashin()

    with pytest.raises(RailUnavailable, match="timed out on cashin/pay"):
        await orange_rail.send(request)
    pay_token = await pay_tokens.get(request.reference)
    assert pay_token is not None

    retried = await orange_rail.send(request)

    assert retried.status is PayoutStatus.SUCCEEDED
    assert len(fake_orange_api.init_posts()) == 1
    assert len(fake_orange_api.pay_posts()) == 1
    assert len(fake_orange_api.status_gets(pay_token)) == 1
    assert (await orange_rail.status(request)).status is PayoutStatus.SUCCEEDED


async def test_a_5xx_on_pay_is_unavailable_and_the_retry_only_looks(
    orange_rail: OrangeMoneyRail, fake_orange_api: FakeOrange
) -> None:
    fake_orange_api.behave(SUBSCRIBER, OrangeBehaviour.error_once_with(503))
    request = cashin()

    with pytest.raises(RailUnavailable, match="HTTP 503"):
        await orange_rail.send(request)
    # The pay never ran; the payToken is still only initiated: pending, not paid again.
    assert (await orange_rail.send(request)).status is PayoutStatus.PENDING
    assert (await orange_rail.status(request)).status is PayoutStatus.PENDING
    assert len(fake_orange_api.pay_posts()) == 1


async def test_a_fault_on_pay_is_a_failure_with_its_code(
    orange_rail: OrangeMoneyRail, fake_orange_api: FakeOrange
) -> None:
    fake_orange_api.behave(SUBSCRIBER, OrangeBehaviour.fault_on_pay(400, "60019", "Le solde du compte est insuffisant"))
    request = cashin()

    assert await orange_rail.send(request) == PayoutResult(PayoutStatus.FAILED, reason="60019")
    assert (await orange_rail.status(request)).status is PayoutStatus.FAILED


async def test_a_fault_on_init_is_a_failure_and_nothing_is_stored(
    orange_rail: OrangeMoneyRail, fake_orange_api: FakeOrange, pay_tokens: InMemoryPayTokenStore
) -> None:
    fake_orange_api.refuse_next_init(400, "4000", "Requête invalide")
    request = cashin()

    assert await orange_rail.send(request) == PayoutResult(PayoutStatus.FAILED, reason="4000")
    assert await pay_tokens.get(request.reference) is None
    assert fake_orange_api.pay_posts() == []


async def test_a_5xx_fault_on_init_is_unavailable(orange_rail: OrangeMoneyRail, fake_orange_api: FakeOrange) -> None:
    fake_orange_api.refuse_next_init(502, "101503", "Runtime Error")
    with pytest.raises(RailUnavailable, match="HTTP 502"):
        await orange_rail.send(cashin())


async def test_a_failed_payment_carries_orange_txnstatus(
    orange_rail: OrangeMoneyRail, fake_orange_api: FakeOrange
) -> None:
    fake_orange_api.behave(SUBSCRIBER, OrangeBehaviour.fail("60019", "Solde insuffisant"))
    assert await orange_rail.send(cashin()) == PayoutResult(PayoutStatus.FAILED, reason="60019")


@pytest.mark.parametrize(
    ("behaviour", "expected"),
    [
        (
            OrangeBehaviour.ends("CANCELLED"),
            [(PayoutStatus.FAILED, "CANCELLED")],
        ),
        (
            OrangeBehaviour.ends("EXPIRED", pending_polls=1),
            [(PayoutStatus.PENDING, None), (PayoutStatus.PENDING, None), (PayoutStatus.FAILED, "EXPIRED")],
        ),
        (
            OrangeBehaviour.ends("SUCCESSFULL", pending_polls=2),
            [(PayoutStatus.PENDING, None)] * 3 + [(PayoutStatus.SUCCEEDED, None)],
        ),
    ],
    ids=["cancelled", "pending-then-expired", "pending-then-successful"],
)
async def test_statuses_over_polls(
    orange_rail: OrangeMoneyRail,
    fake_orange_api: FakeOrange,
    behaviour: OrangeBehaviour,
    expected: list[tuple[PayoutStatus, str | None]],
) -> None:
    fake_orange_api.behave(SUBSCRIBER, behaviour)
    request = cashin()
    results = [await orange_rail.send(request)]
    results += [await orange_rail.status(request) for _ in expected[1:]]
    assert [(r.status, r.reason) for r in results] == expected
    assert len(fake_orange_api.pay_posts()) == 1


async def test_status_without_a_pay_token_is_not_found(
    orange_rail: OrangeMoneyRail, fake_orange_api: FakeOrange
) -> None:
    with pytest.raises(PayoutNotFound):
        await orange_rail.status(cashin())
    assert fake_orange_api.requests == []


async def test_a_status_fault_is_not_a_verdict(
    orange_rail: OrangeMoneyRail, fake_orange_api: FakeOrange, pay_tokens: InMemoryPayTokenStore
) -> None:
    request = cashin()
    await pay_tokens.put(request.reference, "CIUNKNOWNTOKEN")
    with pytest.raises(RailUnavailable, match="60016"):
        await orange_rail.status(request)


async def test_concurrent_sends_of_one_payout_pay_once(
    orange_rail: OrangeMoneyRail, fake_orange_api: FakeOrange
) -> None:
    request = cashin()
    first, second = await asyncio.gather(orange_rail.send(request), orange_rail.send(request))
    assert first.status is second.status is PayoutStatus.SUCCEEDED
    assert len(fake_orange_api.init_posts()) == 1
    assert len(fake_orange_api.pay_posts()) == 1


class StaleFirstRead(InMemoryPayTokenStore):
    """A store read that missed another worker's write (the DB store's put is the arbiter)."""

    def __init__(self, shared: InMemoryPayTokenStore) -> None:
        super().__init__()
        self._shared = shared
        self._stale = True

    async def get(self, reference: str) -> str | None:
        if self._stale:
            self._stale = False
            return None
        return await self._shared.get(reference)

    async def put(self, reference: str, pay_token: str) -> None:
        await self._shared.put(reference, pay_token)


async def test_a_worker_losing_the_store_race_does_not_pay(
    orange_config: OrangeMoneyConfig,
    http_client: httpx.AsyncClient,
    fake_orange_api: FakeOrange,
    pay_tokens: InMemoryPayTokenStore,
) -> None:
    request = cashin()
    winner = OrangeMoneyRail(orange_config, http_client, pay_tokens)
    loser = OrangeMoneyRail(orange_config, http_client, StaleFirstRead(pay_tokens))
    assert (await winner.send(request)).status is PayoutStatus.SUCCEEDED

    assert (await loser.send(request)).status is PayoutStatus.SUCCEEDED

    assert len(fake_orange_api.init_posts()) == 2  # the loser's payToken is simply never spent
    assert len(fake_orange_api.pay_posts()) == 1
    winner_token = await pay_tokens.get(request.reference)
    assert fake_orange_api.status_gets(winner_token) != []


async def test_in_memory_store_put_is_insert_only() -> None:
    store = InMemoryPayTokenStore()
    await store.put("ref", "CI1")
    await store.put("ref", "CI1")  # the same token again is fine
    with pytest.raises(PayTokenAlreadyStored) as raised:
        await store.put("ref", "CI2")
    assert raised.value.pay_token == "CI1"
    assert await store.get("ref") == "CI1"


async def test_one_token_serves_several_payouts(orange_rail: OrangeMoneyRail, fake_orange_api: FakeOrange) -> None:
    for _ in range(3):
        await orange_rail.send(cashin())
    assert len(fake_orange_api.token_requests()) == 1
    assert len(fake_orange_api.pay_posts()) == 3


async def test_a_refused_token_is_renewed_once(orange_rail: OrangeMoneyRail, fake_orange_api: FakeOrange) -> None:
    await orange_rail.send(cashin())
    fake_orange_api.revoke_tokens()

    assert (await orange_rail.send(cashin())).status is PayoutStatus.SUCCEEDED

    assert len(fake_orange_api.token_requests()) == 2
    inits = fake_orange_api.init_posts()
    assert len(inits) == 3  # first payout, the refused one, its repeat
    assert inits[1].headers["authorization"] != inits[2].headers["authorization"]


async def test_a_wrong_x_auth_token_is_unavailable_and_stores_nothing(
    orange_config: OrangeMoneyConfig, http_client: httpx.AsyncClient, fake_orange_api: FakeOrange
) -> None:
    store = InMemoryPayTokenStore()
    rail = OrangeMoneyRail(dataclasses.replace(orange_config, api_password="wrong"), http_client, store)
    request = cashin()
    with pytest.raises(RailUnavailable, match="HTTP 403"):
        await rail.send(request)
    assert await store.get(request.reference) is None
    assert fake_orange_api.pay_posts() == []


async def test_bad_client_credentials_are_unavailable(
    orange_config: OrangeMoneyConfig, http_client: httpx.AsyncClient, fake_orange_api: FakeOrange
) -> None:
    rail = OrangeMoneyRail(
        dataclasses.replace(orange_config, client_secret="wrong"), http_client, InMemoryPayTokenStore()
    )
    with pytest.raises(RailUnavailable, match="token endpoint answered HTTP 401"):
        await rail.send(cashin())
    assert fake_orange_api.init_posts() == []


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (cashin(currency="EUR", amount_minor=100), "only XAF"),
        (cashin("+233241234567"), "Cameroonian numbers only"),
        (cashin("69912345"), "expected 9 national digits"),
        (cashin(amount_minor=0), "positive"),
        (cashin(reference=""), "reference"),
    ],
)
async def test_requests_orange_cannot_carry_never_leave(
    orange_rail: OrangeMoneyRail, fake_orange_api: FakeOrange, request_: PayoutRequest, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await orange_rail.send(request_)
    assert fake_orange_api.requests == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"status": "SUCCESSFULL", "txnid": "CI1"}, PayoutResult(PayoutStatus.SUCCEEDED, "CI1")),
        ({"status": "successful"}, PayoutResult(PayoutStatus.PENDING)),  # not a word Orange uses
        ({"status": "success", "txnid": "CI2"}, PayoutResult(PayoutStatus.SUCCEEDED, "CI2")),
        ({"status": "FAILED", "txnstatus": ""}, PayoutResult(PayoutStatus.FAILED, reason="FAILED")),
        ({"status": "INITIATED"}, PayoutResult(PayoutStatus.PENDING)),
        ({"status": "WHATEVER"}, PayoutResult(PayoutStatus.PENDING)),
    ],
)
def test_payment_data_maps_conservatively(data: dict[str, object], expected: PayoutResult) -> None:
    assert result_from_payment(data) == expected


def test_payment_data_without_status_is_no_answer() -> None:
    assert result_from_payment({"payToken": "CI1"}) is None
