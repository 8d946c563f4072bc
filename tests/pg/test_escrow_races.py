"""Trustap escrow on PostgreSQL: a buyer and a seller racing on one transaction end in one
consistent state, money moves once, and the ledger verifies."""

from __future__ import annotations

import asyncio

import pytest

from peerx.ops.escrow import actions as escrow_ops
from peerx.products.escrow import accounts
from tests.conftest import make_settings
from tests.fixtures.factories.escrow import (
    TOKEN_SECONDS,
    balance,
    delivered_tx,
    joined_tx,
    op,
    person,
    post,
)
from tests.fixtures.ledger import verify_ledger

ROUNDS = 6


@pytest.fixture
def settings(tmp_path, database_url):  # type: ignore[no-untyped-def]
    return make_settings(tmp_path, database_url, trustap_access_token_seconds=TOKEN_SECONDS)


@pytest.fixture
async def people(platform):  # type: ignore[no-untyped-def]
    client = await op(
        platform, escrow_ops.create_client, name="Race", redirect_uris=["https://r.example/cb"], livemode=False
    )
    return await person(platform, client, "s@example.com"), await person(platform, client, "b@example.com")


async def test_complain_races_end_complaint_period(client, platform, people):
    seller, buyer = people
    released = 0
    for _ in range(ROUNDS):
        tx = await delivered_tx(client, seller, buyer, price=1000)
        complain, end = await asyncio.gather(
            post(client, buyer, tx["id"], "complain"), post(client, buyer, tx["id"], "end_complaint_period")
        )
        assert sorted([complain.status_code, end.status_code]) == [200, 400], (complain.text, end.text)
        loser = end if complain.status_code == 200 else complain
        assert loser.json()["code"] in ("already_complained", "complaint_period_ended_prematurely")
        final = (await client.get(f"/trustap/api/v1/transactions/{tx['id']}", headers=seller.h)).json()
        if end.status_code == 200:
            released += 1
            assert final["status"] == "funds_released" and "complained" not in final
        else:
            assert final["status"] == "complained" and "funds_released" not in final
    assert await balance(platform, accounts.seller_wallet(seller.id, "usd", False)) == (1000 * released, 0)
    assert await balance(platform, accounts.fees_account("usd", False)) == (50 * released, 0)
    await verify_ledger(platform)


async def test_cancel_races_pay(client, platform, people):
    seller, buyer = people
    paid = 0
    for _ in range(ROUNDS):
        tx = await joined_tx(client, seller, buyer, price=1000)
        cancel, pay = await asyncio.gather(
            post(client, seller, tx["id"], "cancel"), post(client, buyer, tx["id"], "pay", {"stripe_token": "tok_visa"})
        )
        assert sorted([cancel.status_code, pay.status_code]) == [200, 400], (cancel.text, pay.text)
        if pay.status_code == 200:
            paid += 1
            # the cancel came after the payment, or while the card was being charged (three-step pay)
            assert cancel.json()["code"] in ("already_paid", "payment_in_progress")
        else:
            assert pay.json()["code"] == "already_cancelled"
    # Money came in exactly once per paid transaction, and sits in escrow.
    assert await balance(platform, accounts.card_payins_account("usd", False)) == (-1050 * paid, 0)
    await verify_ledger(platform)


async def test_operator_release_races_refund(client, platform, people):
    seller, buyer = people
    tx = await delivered_tx(client, seller, buyer, price=1000)
    await post(client, buyer, tx["id"], "complain")

    async def decide(outcome: str) -> str:
        try:
            await op(platform, escrow_ops.resolve, transaction_id=tx["id"], outcome=outcome)
        except Exception as exc:  # the loser sees the settled state
            return type(exc).__name__
        return "ok"

    results = await asyncio.gather(decide("release"), decide("refund"))
    assert sorted(results) == ["Conflict", "ok"]
    wallet = await balance(platform, accounts.seller_wallet(seller.id, "usd", False))
    card = await balance(platform, accounts.card_payins_account("usd", False))
    assert (wallet, card) in (((1000, 0), (-1050, 0)), ((0, 0), (0, 0)))
    await verify_ledger(platform)


async def test_p2p_cancel_races_pay_deposit(client, platform, people):
    """The seller cancels while the buyer pays the deposit: either the cancel wins (no charge),
    or the deposit is paid and the cancel refunds it, or the cancel meets the payment in flight."""
    from tests.products.escrow.test_p2p import joined, step

    seller, buyer = people
    for _ in range(ROUNDS):
        tx = await joined(client, seller, buyer)
        cancel, pay = await asyncio.gather(
            step(client, seller, tx["id"], "cancel"),
            step(client, buyer, tx["id"], "pay_deposit", {"stripe_charge_token": "tok_visa"}),
        )
        final = (await client.get(f"/trustap/api/v1/p2p/transactions/{tx['id']}", headers=seller.h)).json()
        if pay.status_code == 200 and cancel.status_code == 200:
            assert final["status"] == "cancelled" and final["amount_refunded"] == 1050
        elif pay.status_code == 200:
            assert cancel.json()["code"] == "payment_in_progress" and final["status"] == "deposit_paid"
            await step(client, seller, tx["id"], "cancel")  # refund it, so every round ends with nothing held
        else:
            assert cancel.status_code == 200 and pay.json()["code"] == "already_cancelled"
            assert "deposit_paid" not in final
    # Every deposit that came in went back: the card account and the escrow accounts are even.
    assert await balance(platform, accounts.card_payins_account("usd", False)) == (0, 0)
    await verify_ledger(platform)


async def test_seller_accepting_the_complaint_races_the_operator_release(client, platform, people):
    """Two ways to settle one complaint at once: exactly one wins, the money moves once."""
    seller, buyer = people
    refunded = 0
    for _ in range(ROUNDS):
        tx = await delivered_tx(client, seller, buyer, price=1000)
        await post(client, buyer, tx["id"], "complain")

        async def release(tx_id: int = tx["id"]) -> str:
            try:
                await op(platform, escrow_ops.resolve, transaction_id=tx_id, outcome="release")
            except Exception as exc:  # the loser sees the settled state
                return type(exc).__name__
            return "ok"

        accept, operator = await asyncio.gather(post(client, seller, tx["id"], "accept_complaint"), release())
        assert sorted([accept.status_code == 200, operator == "ok"]) == [False, True], (accept.text, operator)
        if accept.status_code == 200:
            refunded += 1
        else:
            assert accept.json()["code"] == "funds_already_released" and operator == "ok"
    released = ROUNDS - refunded
    assert await balance(platform, accounts.seller_wallet(seller.id, "usd", False)) == (1000 * released, 0)
    assert await balance(platform, accounts.card_payins_account("usd", False)) == (-1050 * released, 0)
    await verify_ledger(platform)


async def test_skip_remainder_races_set_price(client, platform, people):
    """The seller's two pricing steps at once: exactly one applies, the other is refused."""
    from tests.products.escrow.test_p2p import accepted, price, step

    seller, buyer = people
    for _ in range(ROUNDS):
        tx = await accepted(client, seller, buyer)
        skip, priced = await asyncio.gather(
            step(client, seller, tx["id"], "skip_remainder"), price(client, seller, tx["id"], 5000)
        )
        assert sorted([skip.status_code, priced.status_code]) == [200, 400], (skip.text, priced.text)
        final = (await client.get(f"/trustap/api/v1/p2p/transactions/{tx['id']}", headers=seller.h)).json()
        if skip.status_code == 200:
            assert priced.json()["code"] == "remainder_already_skipped"
            assert final["skip_remainder"] is True and final["pricing"]["price"] == 1000
        else:
            assert skip.json()["code"] == "price_already_set"
            assert final["skip_remainder"] is False and final["pricing"]["price"] == 5000
    await verify_ledger(platform)


async def test_racing_wrong_passwords_on_the_authorize_page_are_all_counted(platform):
    from tests.fixtures.factories.escrow import REDIRECT
    from tests.products.escrow.test_login_throttle import LOCKED, PASSWORD, authorize_url_for, browser, sign_in

    client = await op(platform, escrow_ops.create_client, name="Shop", redirect_uris=[REDIRECT], livemode=False)
    await op(platform, escrow_ops.create_user, email="ann@example.com", password=PASSWORD)
    url = authorize_url_for(client["client_id"])
    browsers = [browser(platform, f"192.0.2.{n + 1}") for n in range(8)]
    try:
        answers = await asyncio.gather(*(sign_in(b, url, "ann@example.com", "guess") for b in browsers))
        # The five failures counted one after another lock the email; the other three meet the lock.
        assert sorted(a.status_code for a in answers) == [401] * 5 + [429] * 3
        right = await sign_in(browsers[0], url, "ann@example.com", PASSWORD)
        assert right.status_code == 429 and LOCKED in right.text
    finally:
        for b in browsers:
            await b.aclose()


async def test_two_users_racing_to_join_one_code_leave_one_buyer(client, platform, people):
    from tests.fixtures.factories.escrow import new_tx

    seller, buyer = people
    shop = await op(
        platform, escrow_ops.create_client, name="Race 2", redirect_uris=["https://r.example/cb"], livemode=False
    )
    other = await person(platform, shop, "o@example.com")
    for _ in range(ROUNDS):
        tx = await new_tx(client, seller, price=1000)
        joins = await asyncio.gather(
            *(
                client.put("/trustap/api/v1/transactions", params={"join_code": tx["join_code"]}, headers=who.h)
                for who in (buyer, other)
            )
        )
        assert sorted(j.status_code for j in joins) == [200, 404], [j.text for j in joins]
        winner = buyer if joins[0].status_code == 200 else other
        loser = joins[1] if winner is buyer else joins[0]
        assert loser.json() == {"code": "not_found", "error": "Not Found"}
        final = (await client.get(f"/trustap/api/v1/transactions/{tx['id']}", headers=seller.h)).json()
        assert final["status"] == "joined" and final["buyer_id"] == winner.id
