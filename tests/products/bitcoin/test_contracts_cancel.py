"""Canceling contracts: the buyer before paying; the seller's request confirmed or rejected by
the buyer; payment too late (scheduled job), extendTime, and the seller's immediate cancel
after the window; each leaves the sell offer at refundOrReviveRequired, from where part 1's
refund moves the coins back to the seller on the sandbox chain."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from embit.psbt import PSBT

from peerx.chain import psbt as psbts
from peerx.core.clock import clock
from peerx.platform import Platform
from tests.products.bitcoin.contract_helpers import open_contract


async def status(app: Any, path: str) -> str:
    return str((await app.get(path)).json()["tradeStatus"])


async def test_buyer_cancels_before_paying_and_the_seller_refunds(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller, buyer = await app_factory(), await app_factory()
    contract_id, sell_id, buy_id, address = await open_contract(seller, buyer, platform, run_jobs)
    assert (await buyer.post(f"/contract/{contract_id}/cancel")).json() == {"success": True}
    view = (await buyer.get(f"/contract/{contract_id}")).json()
    assert view["canceled"] is True and view["tradeStatus"] == "tradeCanceled"
    assert await status(seller, f"/contract/{contract_id}") == "refundOrReviveRequired"
    assert await status(seller, f"/offer/{sell_id}/details") == "refundOrReviveRequired"
    assert await status(buyer, f"/offer/{buy_id}/details") == "offerCanceled"
    again = await buyer.post(f"/contract/{contract_id}/payment/confirm")
    assert again.status_code == 400 and again.json()["error"] == "BAD_REQUEST"
    assert (await buyer.get("/user/tradingLimit")).json()["dailyAmount"] == 0  # canceled trades do not count

    refund = (await seller.post(f"/offer/{sell_id}/cancel")).json()
    psbt = PSBT.from_string(refund["psbt"])
    psbts.sign_escrow_inputs(psbt, seller.key)
    tx = psbts.finalize_cooperative(psbt)
    done = await seller.post(f"/offer/{sell_id}/refund", {"tx": tx.serialize().hex()})
    assert done.status_code == 200, done.text
    onchain = (await seller.client.get(f"/peach/v1/tx/{done.json()['txId']}")).json()
    assert onchain["vin"][0]["prevout"]["scriptpubkey_address"] == address
    assert onchain["vout"][0]["scriptpubkey_address"] == seller.address()
    assert onchain["vout"][0]["value"] == 300_000 - onchain["fee"]


async def test_seller_cancel_is_a_request_the_buyer_confirms(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller, buyer = await app_factory(), await app_factory()
    contract_id, sell_id, buy_id, _ = await open_contract(seller, buyer, platform, run_jobs)
    assert (await seller.post(f"/contract/{contract_id}/cancel")).json() == {"success": True}
    assert await status(buyer, f"/contract/{contract_id}") == "confirmCancelation"
    seller_view = (await seller.get(f"/contract/{contract_id}")).json()
    assert seller_view["cancelationRequested"] is True and seller_view["canceled"] is False
    not_seller = await seller.post(f"/contract/{contract_id}/cancel/confirm")
    assert not_seller.status_code == 400
    assert (await buyer.post(f"/contract/{contract_id}/cancel/confirm")).json() == {"success": True}
    assert (await buyer.get(f"/contract/{contract_id}")).json()["canceled"] is True
    assert await status(seller, f"/offer/{sell_id}/details") == "refundOrReviveRequired"
    buy = (await buyer.get(f"/offer/{buy_id}/details")).json()
    assert buy["tradeStatus"] == "searchingForPeer" and buy["online"] is True  # the buyer did nothing wrong
    revived = await seller.post(f"/offer/{sell_id}/revive")
    assert revived.status_code == 200, revived.text
    assert await status(seller, f"/offer/{revived.json()['newOfferId']}/details") == "searchingForPeer"


async def test_seller_cancel_rejected_then_trade_goes_on(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    seller, buyer = await app_factory(), await app_factory()
    contract_id, *_ = await open_contract(seller, buyer, platform, run_jobs)
    await seller.post(f"/contract/{contract_id}/cancel")
    twice = await seller.post(f"/contract/{contract_id}/cancel")
    assert twice.status_code == 400
    assert (await buyer.post(f"/contract/{contract_id}/cancel/reject")).json() == {"success": True}
    view = (await buyer.get(f"/contract/{contract_id}")).json()
    assert view["tradeStatus"] == "paymentRequired" and view["cancelationRequested"] is False
    assert (await buyer.post(f"/contract/{contract_id}/cancel/reject")).status_code == 400
    assert (await buyer.post(f"/contract/{contract_id}/payment/confirm")).json() == {"success": True}
    # Paid: neither side cancels any more (a dispute is the way).
    for app in (buyer, seller):
        refused = await app.post(f"/contract/{contract_id}/cancel")
        assert refused.status_code == 400 and refused.json()["error"] == "BAD_REQUEST"


async def test_payment_too_late_extend_and_cancel(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    seller, buyer = await app_factory(), await app_factory()
    contract_id, sell_id, buy_id, _ = await open_contract(seller, buyer, platform, run_jobs)
    expected = (await buyer.get(f"/contract/{contract_id}")).json()["paymentExpectedBy"]
    clock.advance(timedelta(hours=11))
    await run_jobs()
    await seller.login()  # tokens last an hour
    await buyer.login()
    assert await status(seller, f"/contract/{contract_id}") == "paymentRequired"
    clock.advance(timedelta(hours=1, seconds=1))
    await run_jobs()
    await seller.login()
    await buyer.login()
    assert await status(seller, f"/contract/{contract_id}") == "paymentTooLate"
    assert await status(buyer, f"/offer/{buy_id}/details") == "paymentTooLate"
    late = await buyer.post(f"/contract/{contract_id}/payment/confirm")
    assert late.status_code == 400

    assert (await seller.post(f"/contract/{contract_id}/cancel/extendTime")).json() == {"success": True}
    view = (await buyer.get(f"/contract/{contract_id}")).json()
    assert view["tradeStatus"] == "paymentRequired" and view["paymentExpectedBy"] > expected
    clock.advance(timedelta(hours=12, seconds=1))
    await run_jobs()
    await seller.login()
    await buyer.login()
    assert await status(seller, f"/contract/{contract_id}") == "paymentTooLate"
    # After the window the seller's cancel is immediate; the buyer's offer does not come back.
    assert (await seller.post(f"/contract/{contract_id}/cancel")).json() == {"success": True}
    assert (await buyer.get(f"/contract/{contract_id}")).json()["canceled"] is True
    assert await status(seller, f"/offer/{sell_id}/details") == "refundOrReviveRequired"
    assert await status(buyer, f"/offer/{buy_id}/details") == "offerCanceled"


async def test_a_cash_trade_has_no_payment_window_and_the_seller_cancels_at_once(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller, buyer = await app_factory(), await app_factory()
    method = "cash.lv.riga.baltic-honeybadger"
    contract_id, sell_id, buy_id, _ = await open_contract(seller, buyer, platform, run_jobs, method=method)
    view = (await buyer.get(f"/contract/{contract_id}")).json()
    assert (view["paymentMethod"], view["paymentExpectedBy"]) == (method, "2137-12-20T23:00:00.000Z")
    clock.advance(timedelta(hours=13))  # long past a bank transfer's window: paid at the meetup
    await run_jobs()
    await seller.login()
    await buyer.login()
    assert await status(seller, f"/contract/{contract_id}") == "paymentRequired"
    no_window = await seller.post(f"/contract/{contract_id}/cancel/extendTime")
    assert no_window.status_code == 400 and no_window.json()["error"] == "BAD_REQUEST"
    # No request to confirm: the seller's cancel is immediate and the buyer's offer comes back.
    assert (await seller.post(f"/contract/{contract_id}/cancel")).json() == {"success": True}
    assert (await buyer.get(f"/contract/{contract_id}")).json()["tradeStatus"] == "tradeCanceled"
    assert await status(seller, f"/offer/{sell_id}/details") == "refundOrReviveRequired"
    assert await status(buyer, f"/offer/{buy_id}/details") == "searchingForPeer"
