"""match -> pay -> release between two apps: the buyer's match, the seller's double match, the
contract both see, payment made, payment received with the seller's signature over the
platform's release PSBT, and the release verified on the sandbox chain."""

from __future__ import annotations

from typing import Any

from embit.psbt import PSBT
from sqlalchemy import select

from peerx.chain import psbt as psbts
from peerx.chain import script
from peerx.core.jobs import Job
from peerx.platform import Platform
from peerx.products.bitcoin.context import peach_of
from peerx.products.bitcoin.contracts.release import fee_address
from peerx.products.bitcoin.models import PeachJob, PeachUser
from tests.products.bitcoin.contract_helpers import (
    KEY,
    PAYMENT_DATA,
    SIGNATURE,
    buy_offer,
    double_match_body,
    funded_sell_offer,
    match_body,
    open_contract,
    seller_signs,
    with_pgp,
)


async def test_match_pay_release_on_chain(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    seller, buyer = await app_factory(), await app_factory()
    sell_id, address = await funded_sell_offer(seller, platform, run_jobs)
    buy_id = await buy_offer(buyer)

    found = (await buyer.get(f"/offer/{buy_id}/matches")).json()
    assert found["offerId"] == buy_id and found["totalMatches"] == 1
    candidate = found["matches"][0]
    assert candidate["offerId"] == sell_id and candidate["user"]["id"] == seller.id
    assert candidate["amount"] == 300_000 and candidate["escrow"] == address and candidate["matched"] is False
    assert candidate["prices"] == {"EUR": 88.95} and candidate["meansOfPayment"] == {"EUR": ["sepa"]}
    assert candidate["unavailable"] == {"exceedsLimit": []}

    matched = await buyer.post(f"/offer/{buy_id}/match", match_body(sell_id))
    assert matched.status_code == 200, matched.text
    assert matched.json() == {"matchedPrice": 88.95}
    seen = (await seller.get(f"/offer/{sell_id}/matches")).json()
    assert seen["totalMatches"] == 1
    assert seen["matches"][0] | {"user": None, "creationDate": None, "lastModified": None} == {
        "user": None, "creationDate": None, "lastModified": None,
        "offerId": buy_id, "amount": 300_000, "premium": 8, "prices": {"EUR": 88.95}, "escrow": address,
        "matchedPrice": 88.95, "meansOfPayment": {"EUR": ["sepa"]},
        "paymentData": {"sepa": {"hashes": buyer.hashes("buy")}},
        "selectedCurrency": "EUR", "selectedPaymentMethod": "sepa",
        "symmetricKeyEncrypted": KEY, "symmetricKeySignature": SIGNATURE,
        "matched": True, "unavailable": {"exceedsLimit": []},
    }  # fmt: skip

    doubled = await seller.post(f"/offer/{sell_id}/match", double_match_body(buy_id))
    assert doubled.status_code == 200, doubled.text
    contract_id = f"{sell_id}-{buy_id}"
    assert set(doubled.json()) == {"success", "contractId", "refundTx"}
    assert doubled.json()["contractId"] == contract_id and doubled.json()["success"] is True
    for offer_id, app in ((sell_id, seller), (buy_id, buyer)):
        details = (await app.get(f"/offer/{offer_id}/details")).json()
        assert details["tradeStatus"] == "paymentRequired" and details["online"] is False

    contract = (await buyer.get(f"/contract/{contract_id}")).json()
    assert contract["id"] == contract_id and contract["tradeStatus"] == "paymentRequired"
    assert contract["seller"]["id"] == seller.id and contract["buyer"]["id"] == buyer.id
    assert contract["amount"] == 300_000 and contract["price"] == 88.95 and contract["currency"] == "EUR"
    assert contract["paymentDataEncrypted"] == PAYMENT_DATA and contract["symmetricKeyEncrypted"] == KEY
    assert contract["hashedPaymentData"] == seller.hashes("sell") and contract["escrow"] == address
    assert contract["buyerFee"] == 0.02 and contract["sellerFee"] == 0 and contract["releasePsbt"] is None
    assert contract["paymentMade"] is None and contract["unreadMessages"] == 0
    assert contract["releaseAddress"] == buyer.address() and contract["ratingBuyer"] is None
    summary = (await seller.get("/contracts/summary")).json()
    assert [(s["contractId"], s["id"], s["type"], s["tradeStatus"]) for s in summary] == [
        (contract_id, sell_id, "ask", "paymentRequired")
    ]
    assert [c["id"] for c in (await buyer.get("/contracts")).json()] == [contract_id]
    limit = (await buyer.get("/user/tradingLimit")).json()
    assert limit["dailyAmount"] == 88.95 and limit["yearlyAmount"] == 88.95

    # Only the parties see it; nobody releases before the buyer has paid.
    stranger = await app_factory()
    assert (await stranger.get(f"/contract/{contract_id}")).json()["error"] == "UNAUTHORIZED"
    assert (await stranger.get("/contract/9-99")).status_code == 404
    seller_view = (await seller.get(f"/contract/{contract_id}")).json()
    early = await seller.post(f"/contract/{contract_id}/payment/confirm", {"releasePsbt": seller_view["releasePsbt"]})
    assert early.status_code == 400 and early.json()["error"] == "BAD_REQUEST"

    paid = await buyer.post(f"/contract/{contract_id}/payment/confirm")
    assert paid.json() == {"success": True}
    seller_view = (await seller.get(f"/contract/{contract_id}")).json()
    assert seller_view["tradeStatus"] == "confirmPaymentRequired" and seller_view["paymentMade"]

    # The platform signed its half; a PSBT signed by somebody else is refused.
    release = PSBT.from_string(seller_view["releasePsbt"])
    assert len(release.inputs[0].partial_sigs) == 1
    forged = await seller.post(
        f"/contract/{contract_id}/payment/confirm", {"releasePsbt": seller_signs(buyer, seller_view["releasePsbt"])}
    )
    assert forged.status_code == 400 and forged.json()["error"] == "INVALID_SIGNATURE"

    done = await seller.post(
        f"/contract/{contract_id}/payment/confirm", {"releasePsbt": seller_signs(seller, seller_view["releasePsbt"])}
    )
    assert done.status_code == 200, done.text
    txid = done.json()["txId"]
    onchain = (await buyer.client.get(f"/peach/v1/tx/{txid}")).json()
    peach = peach_of(platform)
    outputs = {o["scriptpubkey_address"]: o["value"] for o in onchain["vout"]}
    escrow_fee = 6_000  # 2 % of 300 000 sats
    assert outputs[fee_address(peach)] == escrow_fee
    assert outputs[buyer.address()] == 300_000 - escrow_fee - onchain["fee"]
    assert onchain["vin"][0]["prevout"]["scriptpubkey_address"] == address
    # 2 sat/vB, the sandbox's halfHourFee (the buyer set no feeRate), over the estimated size
    assert 200 < onchain["fee"] < 500 and onchain["fee"] % 2 == 0

    for app, offer_id in ((seller, sell_id), (buyer, buy_id)):
        view = (await app.get(f"/contract/{contract_id}")).json()  # the app's rating screen comes next
        assert view["tradeStatus"] == "rateUser" and view["releaseTxId"] == txid and view["paymentConfirmed"]
        assert (await app.get(f"/offer/{offer_id}/details")).json()["tradeStatus"] == "tradeCompleted"
    assert (await seller.get(f"/offer/{sell_id}/details")).json()["released"] is True
    # The trade counts in both profiles (history hook) and each step told the counterparty.
    for app in (seller, buyer):
        assert (await app.client.get(f"/peach/v1/user/{app.id}")).json()["trades"] == 1
    async with platform.db.transaction() as session:
        pushes = [
            (j.payload["userId"], j.payload["event"])
            for j in await session.scalars(select(Job).where(Job.kind == PeachJob.PUSH).order_by(Job.id))
        ]
    seller_row, buyer_row = await users_of(platform, seller.id, buyer.id)
    assert pushes == [
        (seller_row, "offer.matchReceived"),
        (buyer_row, "contract.contractCreated"),
        (seller_row, "contract.paymentMade"),
        (buyer_row, "contract.released"),
    ]
    again = await seller.post(
        f"/contract/{contract_id}/payment/confirm", {"releasePsbt": seller_signs(seller, seller_view["releasePsbt"])}
    )
    assert again.status_code == 400
    # The escrow is spent: a refund of the same coins (both keys signing) is refused by the chain.
    refund = PSBT.from_string(seller_view["releasePsbt"])
    refund.tx.vout = refund.tx.vout[:1]
    refund.outputs = refund.outputs[:1]
    refund.tx.vout[0].script_pubkey = script.script_pubkey_of(seller.address(), "regtest")
    refund.inputs[0].partial_sigs.clear()
    psbts.sign_escrow_inputs(refund, peach.keys.private_key(int(sell_id)))
    psbts.sign_escrow_inputs(refund, seller.key)
    spent = await seller.client.post("/peach/v1/tx", content=psbts.finalize_cooperative(refund).serialize().hex())
    assert spent.status_code == 400 and spent.json()["error"] == "TRANSACTION_INVALID"


async def users_of(platform: Platform, *public_keys: str) -> list[int]:
    async with platform.db.transaction() as session:
        rows = {u.public_key: u.id for u in await session.scalars(select(PeachUser))}
    return [rows[k] for k in public_keys]


async def test_a_sell_offer_is_taken_once(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    seller, first, second = await app_factory(), await app_factory(), await app_factory()
    sell_id, _ = await funded_sell_offer(seller, platform, run_jobs)
    first_buy, second_buy = await buy_offer(first), await buy_offer(second)
    for buyer, buy_id in ((first, first_buy), (second, second_buy)):
        assert (await buyer.post(f"/offer/{buy_id}/match", match_body(sell_id))).status_code == 200
    assert (await seller.get(f"/offer/{sell_id}/matches")).json()["totalMatches"] == 2
    assert (await seller.post(f"/offer/{sell_id}/match", double_match_body(first_buy))).status_code == 200
    taken = await seller.post(f"/offer/{sell_id}/match", double_match_body(second_buy))
    assert taken.status_code == 401 and taken.json()["error"] == "OFFER_TAKEN"
    late = await app_factory()
    late_buy = await buy_offer(late)
    refused = await late.post(f"/offer/{late_buy}/match", match_body(sell_id))
    assert refused.status_code == 401 and refused.json()["error"] == "OFFER_TAKEN"
    again = await first.post(f"/offer/{first_buy}/match", match_body(sell_id))
    assert again.status_code == 409 and again.json()["error"] == "ALREADY_TAKEN"
    assert (await second.get(f"/offer/{second_buy}/matches")).json()["totalMatches"] == 0


async def test_matching_checks_terms_price_blocks_and_limits(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller, buyer = await app_factory(), await app_factory()
    sell_id, _ = await funded_sell_offer(seller, platform, run_jobs)
    buy_id = await buy_offer(buyer)
    cases = [
        (match_body(sell_id, price=80), "FORM_INVALID", "price"),
        (match_body(sell_id, premium=7), "FORM_INVALID", "premium"),
        (match_body(sell_id, currency="CHF"), "FORM_INVALID", "currency"),
        (match_body(sell_id, paymentMethod="paypal"), "FORM_INVALID", "paymentMethod"),
        (match_body(sell_id, symmetricKeyEncrypted="plain"), "FORM_INVALID", "symmetricKeyEncrypted"),
        (match_body(buy_id), "FORM_INVALID", "matchingOfferId"),
    ]
    for body, code, field in cases:
        answer = await buyer.post(f"/offer/{buy_id}/match", body)
        assert answer.status_code == 400 and answer.json()["error"] == code and field in answer.json()["message"]
    assert (await seller.get(f"/offer/{sell_id}/matches")).json()["totalMatches"] == 0  # nothing left behind

    # Blocked either way: neither sees nor matches the other.
    assert (await seller.client.put(f"/peach/v1/user/{buyer.id}/block", headers=seller.headers)).status_code == 200
    assert (await buyer.get(f"/offer/{buy_id}/matches")).json()["totalMatches"] == 0
    blocked = await buyer.post(f"/offer/{buy_id}/match", match_body(sell_id))
    assert blocked.status_code == 401 and blocked.json()["error"] == "CANNOT_MATCH"
    await seller.client.delete(f"/peach/v1/user/{buyer.id}/block", headers=seller.headers)

    # A buy offer whose maximum premium is below the seller's cannot match it.
    picky = await buy_offer(buyer, maxPremium=5)
    assert (await buyer.get(f"/offer/{picky}/matches")).json()["totalMatches"] == 0
    assert (await buyer.post(f"/offer/{picky}/match", match_body(sell_id))).json()["error"] == "CANNOT_MATCH"

    # The daily limit is 1000 EUR; 0.02 BTC at 27455.04 + 8 % is 593.03 EUR: one such trade fits.
    big_seller = await app_factory()
    big_id, _ = await funded_sell_offer(big_seller, platform, run_jobs, amount=2_000_000)
    listed = (await buyer.get(f"/offer/{buy_id}/matches")).json()
    exceeds = {m["offerId"]: m["unavailable"]["exceedsLimit"] for m in listed["matches"]}
    assert exceeds == {sell_id: [], big_id: []}
    second_big, _ = await funded_sell_offer(big_seller, platform, run_jobs, amount=2_000_000)
    assert (await buyer.post(f"/offer/{buy_id}/match", match_body(big_id, price=593.03))).status_code == 200
    contract = await big_seller.post(f"/offer/{big_id}/match", double_match_body(buy_id))
    assert contract.status_code == 200, contract.text
    other_buy = await buy_offer(buyer)
    listed = (await buyer.get(f"/offer/{other_buy}/matches")).json()
    assert {m["offerId"]: m["unavailable"]["exceedsLimit"] for m in listed["matches"]}[second_big] == ["sepa"]
    over = await buyer.post(f"/offer/{other_buy}/match", match_body(second_big, price=593.03))
    assert over.status_code == 401 and over.json()["error"] == "TRADING_LIMIT_REACHED"


async def test_both_parties_need_a_pgp_key(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    seller, buyer = await app_factory(), await app_factory()
    sell_id, _ = await funded_sell_offer(seller, platform, run_jobs)
    posted = await buyer.post("/offer", buyer.buy_body())  # no PGP key uploaded yet
    missing = await buyer.post(f"/offer/{posted.json()['id']}/match", match_body(sell_id))
    assert missing.status_code == 401 and missing.json()["error"] == "PGP_MISSING"
    await with_pgp(buyer)
    assert (await buyer.post(f"/offer/{posted.json()['id']}/match", match_body(sell_id))).status_code == 200


async def test_unmatch(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    seller, buyer = await app_factory(), await app_factory()
    sell_id, _ = await funded_sell_offer(seller, platform, run_jobs)
    buy_id = await buy_offer(buyer)
    assert (await buyer.post(f"/offer/{buy_id}/match", match_body(sell_id))).status_code == 200
    gone = await buyer.client.request(
        "DELETE", f"/peach/v1/offer/{buy_id}/match", json={"matchingOfferId": sell_id}, headers=buyer.headers
    )
    assert gone.json() == {"success": True}
    assert (await seller.get(f"/offer/{sell_id}/matches")).json()["totalMatches"] == 0
    refused = await seller.post(f"/offer/{sell_id}/match", double_match_body(buy_id))
    assert refused.status_code == 401 and refused.json()["error"] == "CANNOT_DOUBLEMATCH"
    contract_id, sell_id, buy_id, _ = await open_contract(seller, buyer, platform, run_jobs)
    late = await buyer.client.request(
        "DELETE", f"/peach/v1/offer/{buy_id}/match", json={"matchingOfferId": sell_id}, headers=buyer.headers
    )
    assert late.status_code == 400 and late.json()["error"] == "BAD_REQUEST"
    assert (await buyer.get(f"/contract/{contract_id}")).json()["tradeStatus"] == "paymentRequired"
