"""Referral codes and bonus points: a referred user's completed trades earn the referrer one
point per 10,000 sats (from the running total, so remainders add up), points buy a custom code
(the old code keeps working) or five free trades, and three referred traders make an ambassador."""

from __future__ import annotations

from typing import Any

from peerx.platform import Platform
from tests.fixtures.factories.bitcoin import PEACH, App
from tests.products.bitcoin import contract_helpers as flow
from tests.products.bitcoin.social import cancel_by_buyer, complete, open_contract, record_again


async def me(app: App) -> dict[str, Any]:
    answer = await app.get("/user/me")
    assert answer.status_code == 200
    data: dict[str, Any] = answer.json()
    return data


async def referred_by(app_factory: Any, referrer: App) -> App:
    user: App = await app_factory()
    answer = await user.patch("/user", {"referralCode": (await me(referrer))["referralCode"].lower()})
    assert answer.status_code == 200, answer.text
    return user


async def test_referred_trading_earns_points_from_the_running_total(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    referrer = await app_factory()
    seller = await referred_by(app_factory, referrer)
    buyer = await app_factory()
    assert (await me(seller))["usedReferralCode"] == (await me(referrer))["referralCode"]

    first = await open_contract(platform, run_jobs, seller, buyer, amount=305_000)
    await complete(seller, buyer, first)
    got = await me(referrer)
    assert got["referredTradingAmount"] == 305_000 and got["bonusPoints"] == 30
    second = await open_contract(platform, run_jobs, seller, buyer, amount=55_000)
    await complete(seller, buyer, second)
    got = await me(referrer)
    assert got["referredTradingAmount"] == 360_000 and got["bonusPoints"] == 36  # not 30 + 5
    await record_again(platform, second)  # a retried step credits nothing twice
    assert (await me(referrer))["bonusPoints"] == 36

    canceled = await open_contract(platform, run_jobs, seller, buyer, amount=500_000)
    await cancel_by_buyer(buyer, canceled)
    assert (await me(referrer))["bonusPoints"] == 36  # only completed trades count
    assert (await me(buyer))["bonusPoints"] == 0 and (await me(seller))["bonusPoints"] == 0


async def test_redeem_a_custom_code_keeps_the_old_one_working(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    referrer = await app_factory()
    old_code = (await me(referrer))["referralCode"]
    poor = await referrer.patch("/user/referral/redeem/referralCode", {"code": "SATOSHI"})
    assert poor.status_code == 401 and poor.json()["error"] == "NOT_ENOUGH_POINTS"
    assert (await me(referrer))["referralCode"] == old_code

    seller, buyer = await referred_by(app_factory, referrer), await app_factory()
    contract = await open_contract(platform, run_jobs, seller, buyer, amount=1_050_000)
    await complete(seller, buyer, contract)
    assert (await me(referrer))["bonusPoints"] == 105

    bad = await referrer.patch("/user/referral/redeem/referralCode", {"code": "no spaces"})
    assert bad.status_code == 400 and "code" in bad.json()["message"]
    taken = await referrer.patch("/user/referral/redeem/referralCode", {"code": (await me(buyer))["referralCode"]})
    assert taken.status_code == 409 and taken.json()["error"] == "DUPLICATE"
    assert (await me(referrer))["bonusPoints"] == 105  # refusals spend nothing
    redeemed = await referrer.patch("/user/referral/redeem/referralCode", {"code": "satoshi"})
    assert redeemed.json() == {"success": True, "bonusPoints": 5}
    assert (await me(referrer))["referralCode"] == "SATOSHI"
    for code in ("SATOSHI", old_code):
        assert (await referrer.client.get(f"{PEACH}/user/referral", params={"code": code})).json() == {"valid": True}

    # A newcomer using the old code still refers to the same user; nobody can take the old code.
    newcomer = await app_factory()
    assert (await newcomer.patch("/user", {"referralCode": old_code})).status_code == 200
    again = await open_contract(platform, run_jobs, newcomer, buyer, amount=100_000)
    await complete(newcomer, buyer, again)
    assert (await me(referrer))["bonusPoints"] == 15
    stolen = await buyer.patch("/user/referral/redeem/referralCode", {"code": old_code})
    assert stolen.status_code in (401, 409)


async def test_free_trades_and_the_ambassador_medal(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    referrer = await app_factory()
    buyer = await app_factory()
    for amount in (200_000, 200_000, 200_000):
        seller = await referred_by(app_factory, referrer)
        assert "ambassador" not in (await me(referrer))["medals"]
        contract = await open_contract(platform, run_jobs, seller, buyer, amount=amount)
        await complete(seller, buyer, contract)
    got = await me(referrer)
    assert got["medals"] == ["ambassador"] and got["bonusPoints"] == 60
    public = (await referrer.client.get(f"{PEACH}/user/{referrer.id}")).json()
    assert public["medals"] == ["ambassador"]

    assert (await referrer.patch("/user/referral/redeem/fiveFreeTrades")).json() == {"success": True, "bonusPoints": 10}
    got = await me(referrer)
    assert got["freeTrades"] == 5 and got["maxFreeTrades"] == 5
    refused = await referrer.patch("/user/referral/redeem/freeTrades")
    assert refused.status_code == 401 and refused.json()["error"] == "NOT_ENOUGH_POINTS"
    assert (await me(referrer))["freeTrades"] == 5

    # Buying, the referrer spends a free trade: no escrow fee. A trade that fails gives it back.
    seller = await app_factory()
    canceled = await open_contract(platform, run_jobs, seller, referrer, amount=300_000)
    view = (await referrer.get(f"/contract/{canceled}")).json()
    assert (view["buyerFee"], view["escrowFee"], (await me(referrer))["freeTrades"]) == (0, 0, 4)
    await cancel_by_buyer(referrer, canceled)
    assert (await me(referrer))["freeTrades"] == 5
    free = await open_contract(platform, run_jobs, seller, referrer, amount=300_000)
    txid = await complete(seller, referrer, free)
    onchain = (await referrer.client.get(f"{PEACH}/tx/{txid}")).json()
    assert [o["scriptpubkey_address"] for o in onchain["vout"]] == [referrer.address()]  # no fee output
    assert onchain["vout"][0]["value"] == 300_000 - onchain["fee"]
    got = await me(referrer)
    assert (got["freeTrades"], got["maxFreeTrades"]) == (4, 5)
    # The seller has none: buying from the referrer, it pays the 2 % fee.
    paid = await open_contract(platform, run_jobs, referrer, seller, amount=300_000)
    assert (await seller.get(f"/contract/{paid}")).json()["escrowFee"] == 6_000

    # Offers show their owner's whole profile: own view, public view and search alike.
    own = (await referrer.get(f"/offer/{paid.split('-')[0]}/details")).json()["user"]
    assert own["medals"] == ["ambassador"] and own["disputes"] == {"opened": 0, "won": 0, "lost": 0}
    bid = await flow.buy_offer(referrer)
    public = (await seller.get(f"/offer/{bid}")).json()["user"]
    assert public["medals"] == ["ambassador"] and public["trades"] == got["trades"]
    found = (await seller.post("/offer/search", {"type": "bid"})).json()["offers"]
    assert [o["user"]["medals"] for o in found if o["id"] == bid] == [["ambassador"]]


async def test_referral_code_rules(app_factory: Any) -> None:
    user = await app_factory()
    own = await user.patch("/user", {"referralCode": (await me(user))["referralCode"]})
    assert own.status_code == 400 and "referralCode" in own.json()["message"]
    unknown = await user.patch("/user", {"referralCode": "NOPE42"})
    assert unknown.status_code == 400 and (await me(user))["usedReferralCode"] is None
    other = await app_factory()
    assert (await user.patch("/user", {"referralCode": (await me(other))["referralCode"]})).status_code == 200
    twice = await user.patch("/user", {"referralCode": (await me(other))["referralCode"]})
    assert twice.status_code == 400 and "already" in twice.json()["message"]
