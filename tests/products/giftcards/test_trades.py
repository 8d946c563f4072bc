"""Trades over HTTP as an integrator's client submits them: multipart, X-API-Key, the
document's envelope, payouts to the pesewa, and nothing left behind by a bad request."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, text

from peerx.core import ledger
from peerx.products.giftcards.models import Trade
from tests.fixtures import factories as f
from tests.fixtures.factories import giftcards as cards
from tests.fixtures.factories.giftcards import count_rows
from tests.fixtures.images import noise_png, png, truncated_png

PTP = cards.PTP


async def test_submit_matches_the_documented_example(client, live_key):
    resp = await cards.submit_trade(
        client,
        live_key,
        card_number="XXXX-XXXX-1234",
        notes="Optional notes here",
        receipt_image=("r.png", png((0, 250, 0)), "image/png"),
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["success"] is True and body["message"] == "Trade submitted successfully."
    data = body["data"]
    assert set(data) == {
        "reference",
        "status",
        "card_amount",
        "currency",
        "gross_payout_ghs",
        "fee_ghs",
        "net_payout_ghs",
    }
    assert data["reference"].startswith("PTP") and len(data["reference"]) == 13
    assert data["status"] == "pending" and data["currency"] == "USD"
    # Exactly as the document prints them: 100, 850.00, 21.25, 828.75.
    assert '"card_amount":100,' in resp.text
    assert '"gross_payout_ghs":850.00,"fee_ghs":21.25,"net_payout_ghs":828.75' in resp.text


async def test_payout_multiplies_quantity_and_rounds_half_up(client, platform, live_key):
    await cards.rate(platform, card_type_id=7, card_name="Steam", rate_per_unit="7.333", fee_pct="2.5")
    resp = await cards.submit_trade(client, live_key, card_type_id=7, card_amount="25.50", quantity=3)
    data = resp.json()["data"]
    # 25.50 x 3 x 7.333 = 560.9745 -> 560.97; fee 2.5% = 14.02425 -> 14.02; net = 546.95
    assert (
        Decimal(str(data["gross_payout_ghs"])),
        Decimal(str(data["fee_ghs"])),
        Decimal(str(data["net_payout_ghs"])),
    ) == (Decimal("560.97"), Decimal("14.02"), Decimal("546.95"))
    assert '"card_amount":25.5' in resp.text


async def test_status_shows_masked_card_number_and_stores_it_encrypted(client, platform, live_key):
    ref = (await cards.submit_trade(client, live_key, card_number="6011-0000-9999-4321")).json()["data"]["reference"]
    resp = await client.get(f"{PTP}/trade-status.php", params={"reference": ref}, headers={"X-API-Key": live_key})
    assert resp.status_code == 200
    data = resp.json()["data"]
    assert data["reference"] == ref and data["status"] == "pending" and data["card_number"] == "****4321"
    assert data["card_name"] == "Amazon" and data["quantity"] == 1 and data["rejection_reason"] is None
    async with platform.db.transaction() as session:
        dump = "\n".join(str(row) for row in (await session.execute(text("SELECT * FROM giftcard_trades"))).all())
    assert "6011-0000-9999-4321" not in dump and "60110000" not in dump


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"card_type_id": None}, "card_type_id"),
        ({"card_type_id": "abc"}, "card_type_id"),
        ({"card_type_id": "99"}, "card_type_id"),
        ({"country": "UK"}, "card_type_id"),
        ({"currency": None}, "currency"),
        ({"card_amount": None}, "card_amount"),
        ({"card_amount": "0"}, "card_amount"),
        ({"card_amount": "-5"}, "card_amount"),
        ({"card_amount": "ten"}, "card_amount"),
        ({"card_amount": "10.001"}, "card_amount"),
        ({"card_amount": "NaN"}, "card_amount"),
        ({"card_amount": "20000"}, "card_amount"),
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "1.5"}, "quantity"),
        ({"quantity": "101"}, "quantity"),
        ({"front_image": None}, "front_image"),
        ({"back_image": None}, "back_image"),
        ({"back_image": ("b.txt", b"just some text", "image/png")}, "back_image"),
        ({"back_image": ("b.png", truncated_png(), "image/png")}, "back_image"),
        ({"receipt_image": ("r.pdf", b"%PDF-1.4 not an image", "application/pdf")}, "receipt_image"),
        ({"card_number": "9" * 65}, "card_number"),
        ({"notes": "n" * 1001}, "notes"),
    ],
)
async def test_bad_input_names_the_field_and_leaves_nothing(client, platform, live_key, overrides, field):
    before = await count_rows(platform)
    resp = await cards.submit_trade(client, live_key, **overrides)
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert body["success"] is False and body["message"].startswith(field), body
    assert await count_rows(platform) == before


async def test_too_large_image_is_refused_and_not_stored(client, platform, live_key):
    platform.files.max_bytes = 2048
    big = noise_png()
    assert len(big) > 2048
    before = await count_rows(platform)
    resp = await cards.submit_trade(client, live_key, back_image=("b.png", big, "image/png"))
    assert resp.status_code == 400 and resp.json()["message"].startswith("back_image")
    assert await count_rows(platform) == before


async def test_failure_after_storing_images_removes_them(client, platform, live_key, monkeypatch):
    """A request that dies after its files were written rolls back and deletes them."""
    from peerx.products.giftcards import service

    def explode(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(service, "compute_payout", explode)
    before = await count_rows(platform)
    resp = await cards.submit_trade(client, live_key)
    assert resp.status_code == 500 and resp.json() == {"success": False, "message": "Internal server error."}
    assert await count_rows(platform) == before


async def test_inactive_rate_refuses_trades(client, platform, live_key):
    await cards.rate(platform, active=False)
    resp = await cards.submit_trade(client, live_key)
    assert resp.status_code == 400 and "active rate" in resp.json()["message"]


@pytest.mark.parametrize("key", [None, "", "ptp_live_wrong", "sk_live_whatever", "ptp_live_your_api_key_here"])
async def test_authentication_is_required(client, merchant, key):
    headers = {"X-API-Key": key} if key is not None else {}
    for method, path in (
        ("GET", "trades.php"),
        ("GET", "wallet.php"),
        ("POST", "withdrawals.php"),
        ("GET", "trade-status.php?reference=PTP1"),
        ("GET", "rate-updates.php"),
    ):
        resp = await client.request(method, f"{PTP}/{path}", headers=headers)
        assert resp.status_code == 401
        assert resp.json() == {"success": False, "message": "Invalid API key or unauthorized access."}


async def test_modes_and_merchants_are_isolated(client, platform, merchant, live_key, test_key):
    other = await f.merchant(platform, name="Other", email="o@example.com")
    live_ref = (await cards.submit_trade(client, live_key)).json()["data"]["reference"]
    test_ref = (await cards.submit_trade(client, test_key)).json()["data"]["reference"]
    for key, ref in ((test_key, live_ref), (live_key, test_ref), (other["peertupeer"]["live_key"], live_ref)):
        resp = await client.get(f"{PTP}/trade-status.php", params={"reference": ref}, headers={"X-API-Key": key})
        assert resp.status_code == 404 and resp.json() == {"success": False, "message": "Trade not found."}
    listed = (await client.get(f"{PTP}/trades.php", headers={"X-API-Key": test_key})).json()
    assert [t["reference"] for t in listed["data"]] == [test_ref]
    async with platform.db.transaction() as session:
        modes = dict((await session.execute(select(Trade.reference, Trade.livemode))).all())
    assert modes == {live_ref: True, test_ref: False}


async def test_list_filters_and_paginates(client, platform, live_key):
    refs = [
        (await cards.submit_trade(client, live_key, card_amount=10 + i)).json()["data"]["reference"] for i in range(3)
    ]
    async with platform.db.transaction() as session:
        from peerx.products.giftcards import service

        await service.reject_trade(session, refs[0], reason="Unreadable code")
    page = (await client.get(f"{PTP}/trades.php", params={"per_page": 2}, headers={"X-API-Key": live_key})).json()
    assert page["meta"] == {"page": 1, "per_page": 2, "total": 3} and len(page["data"]) == 2
    pending = (
        await client.get(f"{PTP}/trades.php", params={"status": "pending"}, headers={"X-API-Key": live_key})
    ).json()
    assert sorted(t["reference"] for t in pending["data"]) == sorted(refs[1:])
    bad = await client.get(f"{PTP}/trades.php", params={"status": "lost"}, headers={"X-API-Key": live_key})
    assert bad.status_code == 400 and bad.json()["message"].startswith("status")
    bad = await client.get(f"{PTP}/trades.php", params={"per_page": "500"}, headers={"X-API-Key": live_key})
    assert bad.status_code == 400 and bad.json()["message"].startswith("per_page")


async def test_missing_reference_and_unknown_endpoint(client, live_key):
    resp = await client.get(f"{PTP}/trade-status.php", headers={"X-API-Key": live_key})
    assert resp.status_code == 400 and resp.json()["message"].startswith("reference")
    resp = await client.get(f"{PTP}/nope.php", headers={"X-API-Key": live_key})
    assert resp.status_code == 404 and resp.json()["success"] is False


async def test_approval_credits_wallet_and_fee_account_in_one_go(client, platform, merchant, live_key):
    ref = (await cards.submit_trade(client, live_key)).json()["data"]["reference"]
    wallet = (await client.get(f"{PTP}/wallet.php", headers={"X-API-Key": live_key})).json()["data"]
    assert wallet == {"currency": "GHS", "available_balance": 0.0, "pending_balance": 828.75, "held_balance": 0.0}
    async with platform.db.transaction() as session:
        from peerx.ops.giftcards import actions as giftcard_ops

        view = await giftcard_ops.approve_trade(platform, session, reference=ref, card_amount=None)
    assert view["status"] == "approved"
    resp = await client.get(f"{PTP}/wallet.php", headers={"X-API-Key": live_key})
    assert '"available_balance":828.75,"pending_balance":0.00,"held_balance":0.00' in resp.text
    async with platform.db.transaction() as session:
        fees = await ledger.find_account(session, ledger.platform_account("fees", "GHS", True))
        assert fees is not None and fees.credits_posted == 2125
        assert (await ledger.verify(session)).ok


async def test_partial_approval_recomputes_the_payout(client, platform, live_key):
    ref = (await cards.submit_trade(client, live_key, card_amount="100", quantity=2)).json()["data"]["reference"]
    async with platform.db.transaction() as session:
        from peerx.ops.giftcards import actions as giftcard_ops

        view = await giftcard_ops.approve_trade(platform, session, reference=ref, card_amount=Decimal("40"))
        with pytest.raises(Exception, match="already approved"):
            await giftcard_ops.approve_trade(platform, session, reference=ref, card_amount=None)
    # 40 x 2 x 8.5 = 680.00, fee 17.00, net 663.00
    assert view["approved_card_amount"] == Decimal("40") and view["card_amount"] == Decimal("100")
    assert (view["gross_payout_ghs"], view["fee_ghs"], view["net_payout_ghs"]) == (
        Decimal("680.00"),
        Decimal("17.00"),
        Decimal("663.00"),
    )
    wallet = (await client.get(f"{PTP}/wallet.php", headers={"X-API-Key": live_key})).json()["data"]
    assert Decimal(str(wallet["available_balance"])) == Decimal("663.00")


async def test_operator_cannot_approve_more_than_submitted(client, platform, live_key):
    from peerx.core.errors import InvalidField
    from peerx.ops.giftcards import actions as giftcard_ops

    ref = (await cards.submit_trade(client, live_key)).json()["data"]["reference"]
    with pytest.raises(InvalidField, match="card_amount"):
        async with platform.db.transaction() as session:
            await giftcard_ops.approve_trade(platform, session, reference=ref, card_amount=Decimal("150"))


async def test_rejection_carries_the_reason_and_moves_no_money(client, platform, live_key):
    ref = (await cards.submit_trade(client, live_key)).json()["data"]["reference"]
    before = await count_rows(platform)
    async with platform.db.transaction() as session:
        from peerx.ops.giftcards import actions as giftcard_ops

        await giftcard_ops.reject_trade(platform, session, reference=ref, reason="Card already used")
    status = (
        await client.get(f"{PTP}/trade-status.php", params={"reference": ref}, headers={"X-API-Key": live_key})
    ).json()["data"]
    assert status["status"] == "rejected" and status["rejection_reason"] == "Card already used"
    assert (await count_rows(platform))["transfers"] == before["transfers"]


@pytest.mark.parametrize(
    ("card", "status", "net"),
    [
        ("4000 0000 0000 0001", "approved", Decimal("828.75")),
        ("4000000000000002", "rejected", Decimal("0.00")),
        ("4000-0000-0000-0003", "approved", Decimal("414.37")),  # 50 x 8.5 = 425.00; fee 10.625 -> 10.63
    ],
)
async def test_sandbox_test_cards_resolve_by_themselves(client, platform, test_key, run_jobs, card, status, net):
    resp = await client.get(f"{PTP}/sandbox.php", params={"action": "test-cards"})
    listed = {c["card_number"]: c["outcome"] for c in resp.json()["data"]["cards"]}
    assert listed == {
        "4000000000000001": "approved",
        "4000000000000002": "rejected",
        "4000000000000003": "partially_approved",
    }
    ref = (await cards.submit_trade(client, test_key, card_number=card)).json()["data"]["reference"]
    await run_jobs()
    data = (
        await client.get(f"{PTP}/trade-status.php", params={"reference": ref}, headers={"X-API-Key": test_key})
    ).json()["data"]
    assert data["status"] == status
    wallet = (await client.get(f"{PTP}/wallet.php", headers={"X-API-Key": test_key})).json()["data"]
    assert Decimal(str(wallet["available_balance"])) == net


async def test_test_cards_do_nothing_with_live_keys(client, live_key, run_jobs):
    ref = (await cards.submit_trade(client, live_key, card_number="4000000000000001")).json()["data"]["reference"]
    await run_jobs()
    data = (
        await client.get(f"{PTP}/trade-status.php", params={"reference": ref}, headers={"X-API-Key": live_key})
    ).json()["data"]
    assert data["status"] == "pending"


async def test_sandbox_needs_a_known_action(client):
    resp = await client.get(f"{PTP}/sandbox.php", params={"action": "cards"})
    assert resp.status_code == 400 and resp.json()["message"].startswith("action")


async def test_idempotency_key_replays_and_refuses_other_bodies(client, platform, live_key):
    headers = {"X-API-Key": live_key, "Idempotency-Key": "trade-42"}
    data, files = cards.trade_form()
    first = await client.post(f"{PTP}/trades.php", data=data, files=files, headers=headers)
    again = await client.post(f"{PTP}/trades.php", data=data, files=files, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    assert (await count_rows(platform))["trades"] == 1
    data2, files2 = cards.trade_form(card_amount="50")
    other = await client.post(f"{PTP}/trades.php", data=data2, files=files2, headers=headers)
    assert other.status_code == 422 and other.json()["success"] is False
    assert (await count_rows(platform))["trades"] == 1


async def test_failed_request_does_not_burn_its_idempotency_key(client, platform, live_key):
    headers = {"X-API-Key": live_key, "Idempotency-Key": "retry-me"}
    data, files = cards.trade_form(card_amount="0")
    assert (await client.post(f"{PTP}/trades.php", data=data, files=files, headers=headers)).status_code == 400
    data, files = cards.trade_form()
    assert (await client.post(f"{PTP}/trades.php", data=data, files=files, headers=headers)).status_code == 200


async def test_rate_limit_is_100_per_minute_per_key(client, platform, merchant, live_key, test_key):
    for _ in range(100):
        assert (await client.get(f"{PTP}/wallet.php", headers={"X-API-Key": live_key})).status_code == 200
    limited = await client.get(f"{PTP}/wallet.php", headers={"X-API-Key": live_key})
    assert limited.status_code == 429 and limited.json()["success"] is False
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # another key has its own budget
    assert (await client.get(f"{PTP}/wallet.php", headers={"X-API-Key": test_key})).status_code == 200
