"""The Stripe pay-in connector against a local fake Stripe over real HTTP: success, declines,
idempotent retries (one intent), refunds, and unknown outcomes as PayinUnavailable."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from peerx.rails.payins import PayinUnavailable
from peerx.rails.stripe.client import StripePayins
from tests.fixtures.fake_stripe import SECRET_KEY, FakeStripe


@pytest.fixture(scope="module")
def stripe_server() -> Iterator[FakeStripe]:
    with FakeStripe().running() as fake:
        yield fake


@pytest.fixture
def fake(stripe_server: FakeStripe) -> FakeStripe:
    stripe_server.reset()
    return stripe_server


def rail(fake: FakeStripe, *, retries: int = 0, key: str = SECRET_KEY) -> StripePayins:
    return StripePayins(api_key=key, api_base=fake.base_url, timeout_seconds=2.0, max_network_retries=retries)


async def test_charge_succeeds_with_reference_as_idempotency_key(fake: FakeStripe) -> None:
    result = await rail(fake).charge(token="tok_visa", amount=1296, currency="USD", reference="trustap-basic-1-1")
    assert result.succeeded and result.payin_id is not None and result.payin_id.startswith("pi_")
    (sent,) = fake.posts("/v1/payment_intents")
    assert sent.headers["idempotency-key"] == "trustap-basic-1-1"
    assert sent.form["amount"] == "1296" and sent.form["currency"] == "usd" and sent.form["confirm"] == "true"
    assert sent.form["payment_method_data[type]"] == "card"
    assert sent.form["payment_method_data[card][token]"] == "tok_visa"
    assert sent.form["metadata[reference]"] == "trustap-basic-1-1"
    assert fake.intents[result.payin_id]["status"] == "succeeded"


async def test_payment_method_id_is_passed_as_is(fake: FakeStripe) -> None:
    result = await rail(fake).charge(token="pm_card_visa", amount=500, currency="usd", reference="r-pm")
    assert result.succeeded
    (sent,) = fake.posts("/v1/payment_intents")
    assert sent.form["payment_method"] == "pm_card_visa"
    assert not any(k.startswith("payment_method_data") for k in sent.form)


@pytest.mark.parametrize(
    ("token", "code"),
    [
        ("tok_chargeDeclined", "card_declined"),
        ("tok_chargeDeclinedInsufficientFunds", "card_declined"),
        ("pm_card_chargeDeclined", "card_declined"),
        ("tok_chargeDeclinedExpiredCard", "expired_card"),
        ("tok_nonsense", "invalid_token"),
    ],
)
async def test_declines_are_decline_results(fake: FakeStripe, token: str, code: str) -> None:
    result = await rail(fake).charge(token=token, amount=1000, currency="usd", reference=f"r-{token}")
    assert not result.succeeded and result.payin_id is None
    assert result.failure_code == code and result.failure_message


async def test_retry_with_same_reference_makes_one_intent(fake: FakeStripe) -> None:
    connector = rail(fake)
    first = await connector.charge(token="tok_visa", amount=1000, currency="usd", reference="trustap-basic-7-1")
    again = await connector.charge(token="tok_visa", amount=1000, currency="usd", reference="trustap-basic-7-1")
    assert first.succeeded and again.succeeded and first.payin_id == again.payin_id
    assert len(fake.intents) == 1 and len(fake.posts("/v1/payment_intents")) == 2
    other = await connector.charge(token="tok_visa", amount=1000, currency="usd", reference="trustap-basic-7-2")
    assert other.payin_id != first.payin_id and len(fake.intents) == 2


async def test_a_lost_answer_is_retried_by_the_library_under_the_same_key(fake: FakeStripe) -> None:
    fake.fail_next = 1
    result = await rail(fake, retries=1).charge(token="tok_visa", amount=1000, currency="usd", reference="r-retry")
    assert result.succeeded and len(fake.intents) == 1
    keys = [r.headers["idempotency-key"] for r in fake.posts("/v1/payment_intents")]
    assert keys == ["r-retry", "r-retry"]


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_server_errors_are_payin_unavailable(fake: FakeStripe, status: int) -> None:
    fake.fail_next, fake.fail_status = 1, status
    connector = rail(fake)
    with pytest.raises(PayinUnavailable):
        await connector.charge(token="tok_visa", amount=1000, currency="usd", reference="r-5xx")
    assert fake.intents == {}
    result = await connector.charge(token="tok_visa", amount=1000, currency="usd", reference="r-5xx")
    assert result.succeeded and len(fake.intents) == 1


async def test_network_error_is_payin_unavailable() -> None:
    connector = StripePayins(api_key=SECRET_KEY, api_base="http://127.0.0.1:9", max_network_retries=0)
    with pytest.raises(PayinUnavailable):
        await connector.charge(token="tok_visa", amount=1000, currency="usd", reference="r-net")


async def test_wrong_key_is_not_a_decline(fake: FakeStripe) -> None:
    with pytest.raises(PayinUnavailable):
        await rail(fake, key="sk_test_wrong").charge(token="tok_visa", amount=1000, currency="usd", reference="r-k")
    assert "sk_test_wrong" not in repr(rail(fake, key="sk_test_wrong"))


async def test_refund_is_idempotent(fake: FakeStripe) -> None:
    connector = rail(fake)
    paid = await connector.charge(token="tok_visa", amount=1296, currency="usd", reference="trustap-basic-3-1")
    assert paid.payin_id is not None
    refund_id = await connector.refund(payin_id=paid.payin_id, amount=1296, reference="trustap-basic-3-refund")
    again = await connector.refund(payin_id=paid.payin_id, amount=1296, reference="trustap-basic-3-refund")
    assert refund_id == again and refund_id.startswith("re_") and len(fake.refunds) == 1
    (sent, _) = fake.posts("/v1/refunds")
    assert sent.headers["idempotency-key"] == "trustap-basic-3-refund"
    assert sent.form["payment_intent"] == paid.payin_id and sent.form["amount"] == "1296"


async def test_refund_server_error_is_payin_unavailable(fake: FakeStripe) -> None:
    connector = rail(fake)
    paid = await connector.charge(token="tok_visa", amount=1000, currency="usd", reference="r-paid")
    assert paid.payin_id is not None
    fake.fail_next = 1
    with pytest.raises(PayinUnavailable):
        await connector.refund(payin_id=paid.payin_id, amount=1000, reference="r-paid-refund")
    assert fake.refunds == {}
