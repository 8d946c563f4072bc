"""The receipt page behind its signed token, and voucher events as a webhook receiver sees them."""

from __future__ import annotations

from tests.fixtures.factories.vouchers import PW, call, codes_of, issue, pw_live, pw_test, vendor
from tests.fixtures.receiver import verify_standard


async def test_receipt_lists_the_order_masked(client, platform):
    seller = await vendor(platform)
    issued = await issue(client, pw_live(seller), quantity=3, amount="12.50")
    url = issued.json()["receipt_url"]
    resp = await client.get(url.removeprefix("http://127.0.0.1:8000"))
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    assert resp.headers["cache-control"] == "no-store" and resp.headers["referrer-policy"] == "no-referrer"
    page = resp.text
    assert issued.json()["order_id"] in page and "37.50 USD" in page and "12.50 USD" in page
    for code in codes_of(issued):
        assert code not in page and "*" * 16 + code[-4:] in page
    assert page.count("<td>active</td>") == 3
    assert "Test mode" not in page


async def test_receipt_of_a_test_order_says_so(client, platform):
    seller = await vendor(platform)
    issued = await issue(client, pw_test(seller), quantity=1, amount=5)
    resp = await client.get(issued.json()["receipt_url"].removeprefix("http://127.0.0.1:8000"))
    assert resp.status_code == 200 and "Test mode" in resp.text


async def test_receipt_tokens_cannot_be_guessed_or_moved(client, platform):
    seller = await vendor(platform)
    first = (await issue(client, pw_live(seller), quantity=1, amount=5)).json()
    second = (await issue(client, pw_live(seller), quantity=1, amount=5)).json()
    token = first["receipt_url"].split("token=")[1]
    signature = token[10:]
    forged = second["order_id"] + signature  # another order's id with this order's signature
    for bad in (forged, first["order_id"], token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 300):
        resp = await client.get(f"{PW}/receipt", params={"token": bad})
        assert resp.status_code in (400, 404), bad
        assert resp.json()["status"] in (400, 404)
    assert (await client.get(f"{PW}/receipt")).status_code == 400


async def test_voucher_events_reach_the_vendors_endpoint(client, platform, receiver, run_jobs):
    seller = await vendor(platform)
    customer = await vendor(platform, name="Esi", email="esi@example.com", live=None, test=None, permitted=False)
    from peerx.ops import actions

    async with platform.db.transaction() as session:
        hook = await actions.add_webhook(
            platform, session, account_id=seller["id"], url=receiver.url, livemode=True, surface="peerwallet"
        )
    issued = await issue(client, pw_live(seller), quantity=2, amount=10)
    codes = codes_of(issued)
    await call(client, "voucher-redeem", pw_live(customer), voucher_code=codes[0])
    await call(client, "voucher-void", pw_live(seller), order_id=issued.json()["order_id"])
    await run_jobs()
    received = receiver.wait_for(3)
    assert [r.json()["event"] for r in received] == ["voucher.issued", "voucher.redeemed", "voucher.voided"]
    for delivery in received:
        verify_standard(hook["secret"], delivery)
        for code in codes:
            assert code.encode() not in delivery.body
    issued_event = received[0].json()
    assert issued_event["data"]["order_id"] == issued.json()["order_id"]
    assert issued_event["data"]["receipt_url"] == issued.json()["receipt_url"]
    assert [v["voucher_code"] for v in issued_event["data"]["vouchers"]] == ["*" * 16 + c[-4:] for c in codes]
    assert received[1].json()["data"]["vouchers"][0]["voucher_status"] == "redeemed"
    assert received[2].json()["data"]["vouchers"][0]["voucher_code"] == "*" * 16 + codes[1][-4:]
