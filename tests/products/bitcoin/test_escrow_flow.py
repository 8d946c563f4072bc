"""A seller posts a sell offer, creates its escrow and funds it on the sandbox chain; the
watcher moves the funding status; a funded offer goes online; cancel returns a refund PSBT the
seller signs and peerx broadcasts, the sandbox chain verifying every signature."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from embit.psbt import PSBT
from sqlalchemy import select

from peerx.chain import psbt as psbts
from peerx.core.clock import clock
from peerx.platform import Platform
from peerx.products.bitcoin.models import PeachOffer
from tests.fixtures.factories.bitcoin import App, fund, mine


async def watch(run_jobs: Any) -> None:
    clock.advance(timedelta(seconds=31))
    await run_jobs()


async def sell_offer_with_escrow(seller: App, amount: int = 300_000) -> tuple[str, str]:
    posted = await seller.post("/offer", seller.sell_body(amount))
    assert posted.status_code == 200, posted.text
    offer = posted.json()
    assert offer["type"] == "ask" and offer["online"] is False and offer["tradeStatus"] == "createEscrow"
    assert offer["funding"] == {
        "amounts": [],
        "confirmations": 0,
        "expiry": 4320,
        "status": "NULL",
        "txIds": [],
        "vouts": [],
    }
    assert {c: str(v) for c, v in offer["prices"].items()} == {"EUR": "88.95"}  # 0.003 BTC at 27455.04 + 8 %
    created = await seller.post(f"/offer/{offer['id']}/escrow", {"publicKey": seller.key.public_key.format().hex()})
    assert created.status_code == 200, created.text
    escrow = created.json()
    assert escrow["escrow"].startswith("bcrt1q") and len(escrow["escrow"]) == 64
    assert escrow == {
        "escrow": escrow["escrow"],
        "funding": {"confirmations": 0, "status": "NULL"},
        "offerId": offer["id"],
    }
    return offer["id"], escrow["escrow"]


async def test_exact_funding_goes_mempool_then_funded_and_online(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller = await app_factory()
    offer_id, address = await sell_offer_with_escrow(seller)
    status = (await seller.get(f"/offer/{offer_id}/escrow")).json()
    assert status["funding"]["status"] == "NULL" and status["funding"]["derivationPath"] == f"m/48'/0'/0'/0/{offer_id}"
    assert status["userConfirmationRequired"] is False and status["returnAddress"] == seller.address()
    assert (await seller.client.get(f"/peach/v1/offer/{offer_id}")).status_code == 404  # not online yet

    txid = await fund(platform, address, 300_000)
    await watch(run_jobs)
    status = (await seller.get(f"/offer/{offer_id}/escrow")).json()
    assert status["funding"] | {"derivationPath": None} == {
        "amounts": [300_000], "confirmations": 0, "derivationPath": None, "expiry": 4320,
        "status": "MEMPOOL", "txIds": [txid], "vouts": [0],
    }  # fmt: skip
    assert (await seller.get(f"/offer/{offer_id}/details")).json()["tradeStatus"] == "escrowWaitingForConfirmation"

    await mine(platform)
    await watch(run_jobs)
    status = (await seller.get(f"/offer/{offer_id}/escrow")).json()
    assert status["funding"]["status"] == "FUNDED" and status["funding"]["confirmations"] == 1
    details = (await seller.get(f"/offer/{offer_id}/details")).json()
    assert details["online"] is True and details["tradeStatus"] == "searchingForPeer" and details["publishingDate"]
    public = (await seller.client.get(f"/peach/v1/offer/{offer_id}")).json()
    assert public["escrow"] == address and public["amount"] == 300_000 and public["user"]["id"] == seller.id
    summary = (await seller.get("/offers/summary")).json()
    assert summary[0]["fundingTxId"] == txid and summary[0]["tradeStatus"] == "searchingForPeer"
    tx = (await seller.client.get(f"/peach/v1/tx/{txid}")).json()
    assert tx["vout"][0]["scriptpubkey_address"] == address and tx["status"]["confirmed"] is True


async def test_wrong_amount_waits_for_the_sellers_confirmation(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller = await app_factory()
    offer_id, address = await sell_offer_with_escrow(seller)
    await fund(platform, address, 250_000)
    await mine(platform)
    await watch(run_jobs)
    status = (await seller.get(f"/offer/{offer_id}/escrow")).json()
    assert status["funding"]["status"] == "WRONG_FUNDING_AMOUNT" and status["userConfirmationRequired"] is True
    details = (await seller.get(f"/offer/{offer_id}/details")).json()
    assert details["tradeStatus"] == "fundingAmountDifferent" and details["fundingAmountDifferent"] is True
    assert details["online"] is False

    assert (await seller.post(f"/offer/{offer_id}/escrow/confirm")).json() == {"success": True}
    details = (await seller.get(f"/offer/{offer_id}/details")).json()
    assert details["amount"] == 250_000 and details["funding"]["status"] == "FUNDED" and details["online"] is True
    again = await seller.post(f"/offer/{offer_id}/escrow/confirm")
    assert again.status_code == 400 and again.json()["error"] == "BAD_REQUEST"


async def test_unfunded_escrow_expires(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    seller = await app_factory()
    offer_id, _ = await sell_offer_with_escrow(seller)
    await watch(run_jobs)
    assert (await seller.get(f"/offer/{offer_id}/details")).json()["tradeStatus"] == "fundEscrow"
    clock.advance(timedelta(hours=72))
    await run_jobs()
    await seller.login()  # the token expired meanwhile
    assert (await seller.get(f"/offer/{offer_id}/details")).json()["tradeStatus"] == "fundingExpired"
    assert (await seller.post(f"/offer/{offer_id}/cancel")).json() == {"success": True}


async def test_cancel_refund_signed_by_the_seller_and_broadcast(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller = await app_factory()
    offer_id, address = await sell_offer_with_escrow(seller)
    funding_txid = await fund(platform, address, 300_000)
    await mine(platform)
    await watch(run_jobs)

    canceled = await seller.post(f"/offer/{offer_id}/cancel")
    assert canceled.status_code == 200, canceled.text
    refund = canceled.json()
    # 2 sat/vB (the sandbox's estimate) over the refund's estimated size.
    assert refund["returnAddress"] == seller.address() and refund["satsPerByte"] == 2
    assert refund["amount"] + refund["fees"] == 300_000 and 200 < refund["fees"] < 400
    assert (await seller.get(f"/offer/{offer_id}/refundPSBT")).json() == refund
    assert (await seller.get(f"/offer/{offer_id}/details")).json()["tradeStatus"] == "refundTxSignatureRequired"

    psbt = PSBT.from_string(refund["psbt"])
    assert psbt.tx.vin[0].txid.hex() == funding_txid and len(psbt.inputs[0].partial_sigs) == 1
    # A transaction of the seller's own design is refused, whoever signed it.
    tampered = PSBT.from_string(refund["psbt"])
    tampered.outputs[0].value -= 1000
    psbts.sign_escrow_inputs(tampered, seller.key)
    bad = await seller.post(f"/offer/{offer_id}/refund", {"tx": psbts.finalize_cooperative(tampered).serialize().hex()})
    assert bad.status_code == 400 and bad.json()["error"] == "TRANSACTION_INVALID"
    # The right transaction with a forged seller signature: the sandbox chain refuses it.
    forged = PSBT.from_string(refund["psbt"])
    psbts.sign_escrow_inputs(forged, seller.key)
    tx = psbts.finalize_cooperative(forged)
    witness = tx.vin[0].witness.items
    witness[1] = witness[1][:-2] + bytes([witness[1][-2] ^ 1]) + witness[1][-1:]
    refused = await seller.post(f"/offer/{offer_id}/refund", {"tx": tx.serialize().hex()})
    assert refused.status_code == 400 and refused.json()["error"] == "TRANSACTION_INVALID"

    psbts.sign_escrow_inputs(psbt, seller.key)
    signed = psbts.finalize_cooperative(psbt)
    done = await seller.post(f"/offer/{offer_id}/refund", {"tx": signed.serialize().hex()})
    assert done.status_code == 200, done.text
    assert done.json() == {"success": True, "txId": signed.txid().hex()}
    onchain = (await seller.client.get(f"/peach/v1/tx/{signed.txid().hex()}")).json()
    assert onchain["vout"][0]["scriptpubkey_address"] == seller.address()
    assert onchain["vout"][0]["value"] == refund["amount"] and onchain["fee"] == refund["fees"]
    details = (await seller.get(f"/offer/{offer_id}/details")).json()
    assert details["refunded"] is True and details["tradeStatus"] == "offerCanceled"
    assert (await seller.post(f"/offer/{offer_id}/refund", {"tx": signed.serialize().hex()})).status_code == 400


async def test_revive_keeps_the_escrow_under_a_new_offer(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    seller = await app_factory()
    offer_id, address = await sell_offer_with_escrow(seller)
    not_yet = await seller.post(f"/offer/{offer_id}/revive")
    assert not_yet.status_code == 400
    await fund(platform, address, 300_000)
    await mine(platform)
    await watch(run_jobs)
    async with platform.db.transaction() as session:  # a contract was canceled (part 2 does this)
        offer = await session.scalar(select(PeachOffer).where(PeachOffer.id == int(offer_id)))
        assert offer is not None
        offer.trade_status, offer.online = "refundOrReviveRequired", False
    revived = await seller.post(f"/offer/{offer_id}/revive")
    assert revived.status_code == 200, revived.text
    new_id = revived.json()["newOfferId"]
    assert new_id != offer_id
    details = (await seller.get(f"/offer/{new_id}/details")).json()
    assert details["escrow"] == address and details["online"] is True and details["oldOfferId"] == offer_id
    assert (await seller.get(f"/offer/{offer_id}/details")).json()["tradeStatus"] == "offerCanceled"
