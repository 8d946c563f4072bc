"""Live mode with PEERX_TRUSTAP_LIVE_PAYINS=stripe: the pay route charges through the Stripe
connector against a local fake Stripe (real HTTP), under our reference as the Idempotency-Key;
a decline bumps the attempt, an unknown outcome is retried under the same key, and a refund
reaches Stripe through the escrow.card_refund job."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from peerx.core.clock import clock
from peerx.ops.escrow import actions as escrow_ops
from peerx.platform import Platform
from peerx.products.escrow import accounts
from tests.fixtures.factories.escrow import (
    REDIRECT,
    TOKEN_SECONDS,
    TP,
    balance,
    error,
    joined_tx,
    op,
    post,
)
from tests.fixtures.fake_stripe import SECRET_KEY, FakeStripe
from tests.fixtures.ledger import verify_ledger


@pytest.fixture(scope="module")
def stripe_server() -> Iterator[FakeStripe]:
    with FakeStripe().running() as fake:
        yield fake


@pytest.fixture
def fake(stripe_server: FakeStripe) -> FakeStripe:
    stripe_server.reset()
    return stripe_server


@pytest.fixture
def settings(tmp_path, database_url, fake):  # type: ignore[no-untyped-def]
    from tests.conftest import make_settings

    return make_settings(
        tmp_path,
        database_url,
        trustap_access_token_seconds=TOKEN_SECONDS,
        trustap_live_payins="stripe",
        trustap_stripe_secret_key=SECRET_KEY,
        trustap_stripe_api_base=fake.base_url,
    )


@pytest.fixture
async def oauth_client(platform: Platform) -> dict[str, Any]:
    return await op(platform, escrow_ops.create_client, name="Live Shop", redirect_uris=[REDIRECT], livemode=True)


async def test_live_payment_through_stripe(client, platform, seller, buyer, fake, run_jobs):
    assert "fake_stripe_key" not in repr(platform.settings)
    tx = await joined_tx(client, seller, buyer, price=1234)
    reference = f"trustap-basic-{tx['id']}"

    # A decline: nothing moves, the attempt is bumped for the next try.
    error(await post(client, buyer, tx["id"], "pay", {"stripe_token": "tok_chargeDeclined"}), 400, "card_declined")
    assert await balance(platform, accounts.card_payins_account("usd", True)) == (0, 0)

    # Stripe fails (every try of the library's retries): the outcome is unknown, the mark stays.
    fake.fail_next = 10
    pending = await post(client, buyer, tx["id"], "pay", {"stripe_token": "tok_visa"})
    assert pending.json()["code"] == "payment_pending", pending.text
    assert [i["status"] for i in fake.intents.values()] == ["requires_payment_method"]

    # Stripe is back; after the in-flight mark goes stale the retry reuses the key: one charge.
    fake.fail_next = 0
    clock.advance(timedelta(minutes=3))
    paid = await post(client, buyer, tx["id"], "pay", {"stripe_token": "tok_visa"})
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid"
    keys = [r.headers["idempotency-key"] for r in fake.posts("/v1/payment_intents")]
    assert keys[0] == f"{reference}-0" and set(keys[1:]) == {f"{reference}-1"} and len(keys) >= 3
    succeeded = [i for i in fake.intents.values() if i["status"] == "succeeded"]
    assert len(succeeded) == 1 and succeeded[0]["amount"] == 1296 and succeeded[0]["currency"] == "usd"
    assert await balance(platform, accounts.card_payins_account("usd", True)) == (-1296, 0)
    assert await balance(platform, accounts.card_payins_account("usd", False)) == (0, 0)

    # The seller never ships: the ledger refunds, the job tells Stripe, under its own key.
    clock.advance(timedelta(days=7, seconds=1))
    await run_jobs()
    refunded = (await client.get(f"{TP}/transactions/{tx['id']}", headers=buyer.h)).json()
    assert refunded["status"] == "funds_refunded"
    (refund,) = fake.refunds.values()
    assert refund["payment_intent"] == succeeded[0]["id"] and refund["amount"] == 1296
    (sent,) = fake.posts("/v1/refunds")
    assert sent.headers["idempotency-key"].startswith(reference)
    assert await balance(platform, accounts.card_payins_account("usd", True)) == (0, 0)
    await verify_ledger(platform)


async def test_live_payments_refused_without_a_stripe_key(client, platform, seller, buyer, fake):
    platform.settings.trustap_stripe_secret_key = ""
    tx = await joined_tx(client, seller, buyer)
    error(await post(client, buyer, tx["id"], "pay", {"stripe_token": "tok_visa"}), 400, "payments_unavailable")
    assert fake.requests == []
