"""Batched releases: buyers who enabled batching get a SINGLE|ANYONECANPAY release PSBT; the
sellers sign it, and the scheduled job joins the signed inputs into one transaction (each
buyer's output at its input's index, the escrow fees in one output to the platform)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from embit.psbt import PSBT

from peerx.chain import psbt as psbts
from peerx.core.clock import clock
from peerx.platform import Platform
from peerx.products.bitcoin.context import peach_of
from peerx.products.bitcoin.contracts.release import SINGLE_ANYONECANPAY, fee_address
from tests.products.bitcoin.contract_helpers import open_contract, seller_signs


async def test_two_releases_join_one_transaction(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    # Start at the top of a batch window: setting up a trade moves the clock ~1 min, and two
    # confirmations on either side of a window's end would rightly go out in two batches.
    window = peach_of(platform).settings.peach_batch_seconds
    clock.advance(timedelta(seconds=window - clock.now().timestamp() % window + 1))
    trades = []
    for _ in range(2):
        seller, buyer = await app_factory(), await app_factory()
        assert (await buyer.patch("/user/batching", {"enableBatching": True})).json() == {"success": True}
        contract_id, _, _, address = await open_contract(seller, buyer, platform, run_jobs)
        assert (await buyer.post(f"/contract/{contract_id}/payment/confirm")).json() == {"success": True}
        view = (await seller.get(f"/contract/{contract_id}")).json()
        batch = PSBT.from_string(view["batchReleasePsbt"])
        assert batch.inputs[0].sighash_type == SINGLE_ANYONECANPAY and len(batch.tx.vout) == 1
        # Signed with SIGHASH_ALL it would bind the whole transaction: refused for the batch.
        wrong = PSBT.from_string(view["batchReleasePsbt"])
        psbts.sign_escrow_inputs(wrong, seller.key)
        refused = await seller.post(f"/contract/{contract_id}/payment/confirm", {"batchReleasePsbt": wrong.to_string()})
        assert refused.status_code == 400 and refused.json()["error"] == "INVALID_SIGNATURE"
        queued = await seller.post(
            f"/contract/{contract_id}/payment/confirm",
            {"batchReleasePsbt": seller_signs(seller, view["batchReleasePsbt"])},
        )
        assert queued.json() == {"success": True}
        assert (await buyer.get(f"/contract/{contract_id}")).json()["tradeStatus"] == "payoutPending"
        trades.append((buyer, contract_id, address, batch.tx.vout[0].value))

    clock.advance(timedelta(seconds=601))
    await run_jobs()
    txids = set()
    for buyer, contract_id, _, _ in trades:
        await buyer.login()
        view = (await buyer.get(f"/contract/{contract_id}")).json()
        assert view["tradeStatus"] == "rateUser" and view["batchId"] == view["releaseTxId"]
        txids.add(view["releaseTxId"])
    assert len(txids) == 1
    onchain = (await trades[0][0].client.get(f"/peach/v1/tx/{txids.pop()}")).json()
    assert [i["prevout"]["scriptpubkey_address"] for i in onchain["vin"]] == [
        t[2] for t in sorted(trades, key=lambda t: t[1])
    ]
    outputs = [(o["scriptpubkey_address"], o["value"]) for o in onchain["vout"]]
    ordered = sorted(trades, key=lambda t: t[1])
    assert outputs[:2] == [(t[0].address(), t[3]) for t in ordered]
    fee_to, fee_value = outputs[2]
    assert fee_to == fee_address(peach_of(platform)) and 11_000 < fee_value < 12_000  # 2 x 6000 less its share
