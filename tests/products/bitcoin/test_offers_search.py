"""Buy offers with a verified release address, offer validation, and search."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from peerx.core.clock import clock
from peerx.platform import Platform
from peerx.products.bitcoin.offers import address_proof as message
from tests.fixtures.factories.bitcoin import PEACH, SEPA_HASHES, App, fund, mine, set_price
from tests.products.bitcoin.test_escrow_flow import sell_offer_with_escrow


async def funded_sell_offer(seller: App, platform: Platform, run_jobs: Any, amount: int, premium: int) -> str:
    offer_id, address = (
        await sell_offer_with_escrow(seller, amount) if premium == 8 else await _other(seller, amount, premium)
    )
    await fund(platform, address, amount)
    await mine(platform)
    clock.advance(timedelta(seconds=31))
    await run_jobs()
    return offer_id


async def _other(seller: App, amount: int, premium: int) -> tuple[str, str]:
    offer = (await seller.post("/offer", seller.sell_body(amount, premium=premium))).json()
    escrow = (await seller.post(f"/offer/{offer['id']}/escrow", {"publicKey": seller.id})).json()
    return offer["id"], escrow["escrow"]


async def test_buyer_with_verified_release_address_finds_the_funded_offer(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    sellers = [await app_factory() for _ in range(3)]
    cheap = await funded_sell_offer(sellers[0], platform, run_jobs, 300_000, 8)
    dear = await funded_sell_offer(sellers[1], platform, run_jobs, 500_000, 12)
    await sell_offer_with_escrow(sellers[2])  # never funded: never found
    buyer = await app_factory()

    forged = buyer.buy_body()
    stranger = App(buyer.client).wallet  # someone else's wallet signs the buyer's address
    forged["messageSignature"] = message.sign_address_message(
        stranger.secret, message.release_message(buyer.id, buyer.address())
    )
    refused = await buyer.post("/offer", forged)
    assert refused.status_code == 400 and refused.json()["error"] == "INVALID_SIGNATURE"

    bid = await buyer.post("/offer", buyer.buy_body(maxPremium=10))
    assert bid.status_code == 200, bid.text
    offer = bid.json()
    assert offer["type"] == "bid" and offer["amount"] == [50_000, 2_330_000] and offer["online"] is True
    assert offer["message"] == f"I confirm that only I, peach{buyer.id[:8]}, control the address {buyer.address()}"
    assert (offer["tradeStatus"] == "searchingForPeer" and offer["escrowFee"] == 0.02) or str(
        offer["escrowFee"]
    ) == "0.02"

    query = {"type": "ask", "amount": [30_000, 2_000_000], "meansOfPayment": {"EUR": ["sepa"]}, "maxPremium": 10}
    found = (await buyer.post("/offer/search?page=0&size=10&sortBy=lowestPremium", query)).json()
    assert [o["id"] for o in found["offers"]] == [cheap] and found["total"] == 1 and found["remaining"] == 0
    first = found["offers"][0]
    assert first["premium"] == 8 and str(first["prices"]["EUR"]) == "88.95" and first["escrow"].startswith("bcrt1q")

    everything = (await buyer.post("/offer/search?sortBy=highestAmount", {"type": "ask"})).json()
    assert [o["id"] for o in everything["offers"]] == [dear, cheap]
    paged = (await buyer.post("/offer/search?size=1&page=0&sortBy=lowestPremium,highestAmount", {"type": "ask"})).json()
    assert [o["id"] for o in paged["offers"]] == [cheap] and paged["total"] == 2 and paged["remaining"] == 1
    assert (await buyer.post("/offer/search", {"type": "ask", "minReputation": 0.5})).json()["total"] == 0
    assert (await buyer.post("/offer/search", {"meansOfPayment": {"CHF": ["twint"]}})).json()["total"] == 0
    # A seller sees the bid; a blocked buyer is no longer seen (nor sees).
    bids = (await sellers[0].post("/offer/search", {"type": "bid"})).json()
    assert [o["id"] for o in bids["offers"]] == [offer["id"]]
    assert (await sellers[0].client.put(f"{PEACH}/user/{buyer.id}/block", headers=sellers[0].headers)).json() == {
        "success": True
    }
    assert (await sellers[0].post("/offer/search", {"type": "bid"})).json()["total"] == 0
    assert (await buyer.post("/offer/search", {"type": "ask"})).json()["total"] == 1
    assert (await sellers[0].get(f"/user/{buyer.id}/status")).json() == {
        "isBlocked": True,
        "trades": 0,
        "badExperience": False,
    }

    assert (await buyer.post(f"/offer/{offer['id']}/cancel")).json() == {"success": True}
    assert (await sellers[1].post("/offer/search", {"type": "bid"})).json()["total"] == 0
    bad_sort = await buyer.post("/offer/search?sortBy=cheapest", {})
    assert bad_sort.status_code == 400 and bad_sort.json()["error"] == "FORM_INVALID"


async def test_offer_validation_leaves_nothing_behind(app_factory: Any, platform: Platform) -> None:
    seller = await app_factory()
    cases = [
        ({"amount": 100}, "FORM_INVALID"),
        ({"meansOfPayment": {"EUR": ["carrierPigeon"]}}, "FORM_INVALID"),
        ({"meansOfPayment": {"CHF": ["sepa"]}, "paymentData": {"sepa": {"hashes": []}}}, "FORM_INVALID"),
        ({"paymentData": {"sepa": {"hashes": [f"{i:064x}" for i in range(5)]}}}, "FORM_INVALID"),  # 4 fields at most
        ({"returnAddress": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"}, "FORM_INVALID"),  # mainnet address
        ({"premium": "8.123"}, "FORM_INVALID"),
    ]
    for overrides, code in cases:
        answer = await seller.post("/offer", seller.sell_body(**overrides))
        assert answer.status_code == 400 and answer.json()["error"] == code, (overrides, answer.text)
    assert (await seller.get("/offers")).json() == []

    # A payment account is one Peach account's: another user reusing it is refused.
    other = await app_factory()
    shared = {"sepa": {"hashes": SEPA_HASHES}}
    assert (await seller.post("/offer", seller.sell_body(paymentData=shared))).status_code == 200
    taken = await other.post("/offer", other.sell_body(paymentData=shared))
    assert taken.status_code == 401 and taken.json()["error"] == "PAYMENT_HASH_INVALID"
    unlinked = await seller.patch("/user/paymentHash", {"hashes": SEPA_HASHES})
    assert unlinked.json() == {"success": True}
    assert (await other.post("/offer", other.sell_body(paymentData=shared))).status_code == 200

    # The daily trading limit (1000 EUR): 0.05 BTC at 27455.04 EUR is 1372.75 EUR.
    limited = await other.post("/offer", other.sell_body(5_000_000))
    assert limited.status_code == 401 and limited.json()["error"] == "TRADING_LIMIT_REACHED"


async def test_public_market_data(client: Any, platform: Platform) -> None:
    await set_price(platform, "BTCEUR", "27455.04")
    await set_price(platform, "BTCCHF", "27191.85")
    price = (await client.get(f"{PEACH}/market/price/BTCEUR")).json()
    assert price["pair"] == "BTCEUR" and str(price["price"]) == "27455.04" and price["date"].endswith("Z")
    assert {k: str(v) for k, v in (await client.get(f"{PEACH}/market/prices")).json().items()} == {
        "CHF": "27191.85",
        "EUR": "27455.04",
    }
    assert (await client.get(f"{PEACH}/market/price/BTCUSD")).json()["error"] == "NOT_FOUND"
    status = (await client.get(f"{PEACH}/system/status")).json()
    assert status["error"] is None and status["status"] == "online"
    info = (await client.get(f"{PEACH}/info")).json()
    assert (
        str(info["fees"]["escrow"]) == "0.02"
        and {"id": "sepa", "currencies": ["EUR"], "anonymous": False} in info["paymentMethods"]
    )
    templates = (await client.get(f"{PEACH}/info/paymentMethods")).json()
    assert templates["paypal"] == {"mandatory": [[["userName"], ["email"], ["phone"]]], "optional": ["reference"]}
    assert templates["nationalTransferCZ"]["mandatory"] == [[["beneficiary"]], [["iban", "bic"], ["accountNumber"]]]
    fees = (await client.get(f"{PEACH}/estimateFees")).json()
    assert set(fees) == {"fastestFee", "halfHourFee", "hourFee", "economyFee", "minimumFee"}
    assert (await client.get(f"{PEACH}/tx/{'00' * 32}")).json()["error"] == "NOT_FOUND"
    junk = await client.post(f"{PEACH}/tx", content=b"00")
    assert junk.status_code == 400 and junk.json()["error"] == "TRANSACTION_INVALID"
