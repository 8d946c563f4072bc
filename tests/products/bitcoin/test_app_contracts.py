"""The current Peach app's contract calls, as the app makes them (peach-app, peach-api-ts): the
seller's escrow key derived from its wallet seed at m/84'/1'/0'/<offer id>' (getEscrowWallet),
checked against the offer details' `publicKey` (getEscrowWalletForOffer); the refund it signs in
advance from the double match's `refundTx` (createRefundTx); the release signed as bitcoinjs
signs it (every input with the PSBT's sighash type) and only input 0's signature sent as
`releaseTransactionSignature` (useConfirmPaymentSeller), with `batchReleasePsbt` when batching;
older apps' finalized `releaseTransaction`; `rateUser` until each party rated; matches'
`nextPage`; POST offer/search/summary. Releases are spent on the sandbox chain, which verifies
every signature."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from coincurve import PrivateKey
from embit import bip32
from embit.ec import PublicKey as EmbitPublicKey
from embit.networks import NETWORKS
from embit.psbt import PSBT
from embit.script import Witness
from sqlalchemy import func, select

from peerx.chain import psbt as psbts
from peerx.chain import script
from peerx.chain.sandbox import ChainOutput, ChainTx
from peerx.core.clock import clock
from peerx.platform import Platform
from peerx.products.bitcoin.context import peach_of
from peerx.products.bitcoin.contracts.release import SINGLE_ANYONECANPAY
from tests.fixtures.factories.bitcoin import App, fund, mine
from tests.products.bitcoin.contract_helpers import (
    CHAT_KEY,
    buy_offer,
    double_match_body,
    match_body,
    symmetric_key_for,
    watch,
    with_pgp,
)

SIG = "releaseTransactionSignature"


class EscrowWallet:
    """The app's BIP32 wallet: one escrow key per sell offer, m/84'/1'/0'/<offer id>' on test networks."""

    def __init__(self) -> None:
        self.root = bip32.HDKey.from_seed(os.urandom(32), version=NETWORKS["regtest"]["xprv"])

    def key(self, offer_id: str) -> PrivateKey:
        return PrivateKey(self.root.derive(f"m/84h/1h/0h/{int(offer_id)}h").key.secret)


def app_signs(psbt: PSBT, key: PrivateKey) -> PSBT:
    """bitcoinjs' signInput over every input, with the input's sighash type (else ALL)."""
    for index, psbt_input in enumerate(psbt.inputs):
        sighash = psbt_input.sighash_type or psbts.SIGHASH_ALL
        digest = psbt.tx.sighash_segwit(index, psbt_input.witness_script, psbt_input.witness_utxo.value, sighash)
        signature = key.sign(digest, hasher=None) + bytes([sighash])
        psbt_input.partial_sigs[EmbitPublicKey.parse(key.public_key.format())] = signature
    return psbt


def input0_signature(encoded: str, key: PrivateKey) -> str:
    """What useConfirmPaymentSeller sends: the last partial signature of input 0, in hex."""
    signed = app_signs(PSBT.from_string(encoded), key)
    ours = key.public_key.format()
    return next(s for k, s in signed.inputs[0].partial_sigs.items() if k.sec() == ours).hex()


async def chain_txs(platform: Platform) -> int:
    async with platform.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(ChainTx)) or 0)


async def spends_of(platform: Platform, address: str) -> int:
    async with platform.db.transaction() as session:
        found = await session.scalar(
            select(func.count(func.distinct(ChainOutput.spent_by))).where(ChainOutput.address == address)
        )
    return int(found or 0)


def refused(answer: Any, field: str, code: str = "FORM_INVALID") -> None:
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == code and answer.json()["message"].split(" ", 1)[0] == field, answer.text


async def app_contract(
    seller: App,
    buyer: App,
    wallet: EscrowWallet,
    platform: Platform,
    run_jobs: Any,
    *,
    fundings: tuple[int, ...] = (300_000,),
) -> dict[str, Any]:
    """A sell offer escrowed with the app-derived key and funded, a buy offer, the match, the
    double match with the app's advance signature over the refund, and the buyer's payment."""
    await with_pgp(seller)
    posted = await seller.post("/offer", seller.sell_body(sum(fundings)))
    assert posted.status_code == 200, posted.text
    sell_id = posted.json()["id"]
    escrow_key = wallet.key(sell_id)
    public_key = escrow_key.public_key.format().hex()
    created = await seller.post(f"/offer/{sell_id}/escrow", {"publicKey": public_key})
    assert created.status_code == 200, created.text
    address = created.json()["escrow"]
    for sats in fundings:
        await fund(platform, address, sats)
    await mine(platform)
    await watch(run_jobs)
    details = (await seller.get(f"/offer/{sell_id}/details")).json()
    # getEscrowWalletForOffer: the derived key must be the offer's, else the app falls back.
    assert details["publicKey"] == public_key and details["funding"]["status"] == "FUNDED"

    buy_id = await buy_offer(buyer)
    encrypted, signature = symmetric_key_for(buyer, seller, CHAT_KEY)
    body = match_body(sell_id, symmetricKeyEncrypted=encrypted, symmetricKeySignature=signature)
    assert (await buyer.post(f"/offer/{buy_id}/match", body)).status_code == 200
    doubled = await seller.post(f"/offer/{sell_id}/match", double_match_body(buy_id))
    assert doubled.status_code == 200, doubled.text
    contract_id = f"{sell_id}-{buy_id}"
    assert doubled.json()["success"] is True and doubled.json()["contractId"] == contract_id

    # checkRefundPSBT: every funding txid spent, one output, to the return address; then signed.
    refund = PSBT.from_string(doubled.json()["refundTx"])
    assert sorted(i.txid.hex() for i in refund.tx.vin) == sorted(details["funding"]["txIds"])
    assert len(refund.tx.vout) == 1
    assert script.address_of(refund.tx.vout[0].script_pubkey.data, "regtest") == details["returnAddress"]
    assert all(not i.partial_sigs for i in refund.inputs)  # peerx signs a refund only once agreed
    signed_refund = app_signs(refund, escrow_key).to_string()
    assert (await seller.patch(f"/offer/{sell_id}", {"refundTx": signed_refund})).json() == {"success": True}

    assert (await buyer.post(f"/contract/{contract_id}/payment/confirm")).json() == {"success": True}
    contract = (await seller.get(f"/contract/{contract_id}")).json()
    assert contract["tradeStatus"] == "confirmPaymentRequired"
    # verifyReleasePSBT: the funding txids are inputs, the buyer's address is paid.
    release = PSBT.from_string(contract["releasePsbt"])
    assert {i.txid.hex() for i in release.tx.vin} == set(details["funding"]["txIds"])
    paid = {script.address_of(o.script_pubkey.data, "regtest"): o.value for o in release.tx.vout}
    assert paid[contract["releaseAddress"]] > 0 and contract["releaseAddress"] == buyer.address()
    return {
        "id": contract_id,
        "sell_id": sell_id,
        "buy_id": buy_id,
        "address": address,
        "key": escrow_key,
        "contract": contract,
    }


async def statuses(seller: App, buyer: App, contract_id: str) -> tuple[str, str]:
    """Each party's tradeStatus, the same in its contract read, its contracts and its summaries."""
    found = []
    for app in (seller, buyer):
        one = (await app.get(f"/contract/{contract_id}")).json()["tradeStatus"]
        listed = [c["tradeStatus"] for c in (await app.get("/contracts")).json() if c["id"] == contract_id]
        summary = [
            s["tradeStatus"] for s in (await app.get("/contracts/summary")).json() if s["contractId"] == contract_id
        ]
        assert listed == summary == [one], (one, listed, summary)
        found.append(one)
    return found[0], found[1]


def rating(rater: App, rated: App, value: int) -> dict[str, Any]:
    """createUserRating: the rater's account key over sha256 of the counterparty's id."""
    return {"rating": value, "signature": rater.sign(rated.id)}


async def test_the_app_releases_with_its_signature_then_both_rate(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller, buyer, wallet = await app_factory(), await app_factory(), EscrowWallet()
    trade = await app_contract(seller, buyer, wallet, platform, run_jobs)
    contract_id, encoded = trade["id"], trade["contract"]["releasePsbt"]
    confirm = f"/contract/{contract_id}/payment/confirm"
    txs = await chain_txs(platform)

    # Signed by another key (the account key, the legacy path): INVALID_SIGNATURE, nothing sent.
    refused(await seller.post(confirm, {SIG: input0_signature(encoded, seller.key)}), SIG, "INVALID_SIGNATURE")
    # The right key, but SINGLE|ANYONECANPAY where the release is signed ALL.
    good = input0_signature(encoded, trade["key"])
    refused(await seller.post(confirm, {SIG: good[:-2] + "83"}), SIG, "INVALID_SIGNATURE")
    refused(await seller.post(confirm, {SIG: "3044" + "00" * 70 + "01"}), SIG, "INVALID_SIGNATURE")  # not DER
    for malformed in ("zz" * 40, "abc", "", "30" * 200, 12):
        refused(await seller.post(confirm, {SIG: malformed}), SIG)
    assert await chain_txs(platform) == txs and await spends_of(platform, trade["address"]) == 0
    assert await statuses(seller, buyer, contract_id) == ("confirmPaymentRequired", "confirmPaymentRequired")

    # The app's body: batchReleasePsbt undefined, so JSON.stringify leaves it out.
    done = await seller.post(confirm, {SIG: good})
    assert done.status_code == 200, done.text
    assert set(done.json()) == {"txId"}  # the document's answer
    txid = done.json()["txId"]
    onchain = (await buyer.client.get(f"/peach/v1/tx/{txid}")).json()
    assert onchain["txid"] == txid and onchain["vin"][0]["prevout"]["scriptpubkey_address"] == trade["address"]
    outputs = {o["scriptpubkey_address"]: o["value"] for o in onchain["vout"]}
    assert outputs[buyer.address()] == 300_000 - 6_000 - onchain["fee"]
    assert await chain_txs(platform) == txs + 1 and await spends_of(platform, trade["address"]) == 1

    # Sent again (a retry): refused, nothing moves twice.
    assert (await seller.post(confirm, {SIG: good})).status_code == 400
    assert await chain_txs(platform) == txs + 1 and await spends_of(platform, trade["address"]) == 1
    view = (await buyer.get(f"/contract/{contract_id}")).json()
    assert view["releaseTxId"] == txid and view["paymentConfirmed"] and view["ratingSeller"] is None

    # The app's ContractSummary fields next to the document's.
    summary = next(s for s in (await seller.get("/contracts/summary")).json() if s["contractId"] == contract_id)
    assert summary["offerId"] == summary["id"] == trade["sell_id"] and summary["releaseTxId"] == txid
    assert summary["premium"] == 8 and summary["paymentMade"] == view["paymentMade"]
    assert summary["isChatActive"] == view["isChatActive"] and summary["disputeOutcomeAcknowledged"] is False

    # rateUser for each party until it rated, then tradeCompleted (contract reads and summaries agree).
    assert await statuses(seller, buyer, contract_id) == ("rateUser", "rateUser")
    rated = await seller.post(f"/contract/{contract_id}/user/rate", rating(seller, buyer, 1))
    assert rated.json() == {"success": True}
    assert await statuses(seller, buyer, contract_id) == ("tradeCompleted", "rateUser")
    assert (await buyer.post(f"/contract/{contract_id}/user/rate", rating(buyer, seller, 1))).status_code == 200
    assert await statuses(seller, buyer, contract_id) == ("tradeCompleted", "tradeCompleted")
    view = (await seller.get(f"/contract/{contract_id}")).json()
    assert view["ratingBuyer"] == 1 and view["ratingSeller"] == 1
    # The offers keep the stored status.
    assert (await seller.get(f"/offer/{trade['sell_id']}/details")).json()["tradeStatus"] == "tradeCompleted"


async def test_the_app_batched_release(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    window = peach_of(platform).settings.peach_batch_seconds
    clock.advance(timedelta(seconds=window - clock.now().timestamp() % window + 1))
    seller, buyer, wallet = await app_factory(), await app_factory(), EscrowWallet()
    assert (await buyer.patch("/user/batching", {"enableBatching": True})).json() == {"success": True}
    trade = await app_contract(seller, buyer, wallet, platform, run_jobs)
    contract = trade["contract"]
    confirm = f"/contract/{trade['id']}/payment/confirm"
    batch = PSBT.from_string(contract["batchReleasePsbt"])
    assert batch.inputs[0].sighash_type == SINGLE_ANYONECANPAY
    signed_batch = app_signs(batch, trade["key"]).to_string()
    txs = await chain_txs(platform)

    wrong = {SIG: input0_signature(contract["releasePsbt"], seller.key), "batchReleasePsbt": signed_batch}
    refused(await seller.post(confirm, wrong), SIG, "INVALID_SIGNATURE")
    assert (await buyer.get(f"/contract/{trade['id']}")).json()["tradeStatus"] == "confirmPaymentRequired"
    body = {SIG: input0_signature(contract["releasePsbt"], trade["key"]), "batchReleasePsbt": signed_batch}
    queued = await seller.post(confirm, body)
    assert queued.json() == {"success": True}, queued.text
    assert await statuses(seller, buyer, trade["id"]) == ("payoutPending", "payoutPending")
    assert await chain_txs(platform) == txs

    clock.advance(timedelta(seconds=window + 1))
    await run_jobs()
    await seller.login()
    await buyer.login()
    view = (await buyer.get(f"/contract/{trade['id']}")).json()
    assert view["batchId"] == view["releaseTxId"] and view["releaseTxId"]
    onchain = (await buyer.client.get(f"/peach/v1/tx/{view['releaseTxId']}")).json()
    assert onchain["vin"][0]["prevout"]["scriptpubkey_address"] == trade["address"]
    assert onchain["vout"][0]["scriptpubkey_address"] == buyer.address()
    assert await chain_txs(platform) == txs + 1 and await spends_of(platform, trade["address"]) == 1
    assert await statuses(seller, buyer, trade["id"]) == ("rateUser", "rateUser")


async def test_older_apps_send_the_finalized_release(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    seller, buyer, wallet = await app_factory(), await app_factory(), EscrowWallet()
    trade = await app_contract(seller, buyer, wallet, platform, run_jobs)
    confirm = f"/contract/{trade['id']}/payment/confirm"
    encoded = trade["contract"]["releasePsbt"]

    def finalized(key: PrivateKey, *, tamper: bool = False) -> str:
        psbt = app_signs(PSBT.from_string(encoded), key)
        if key is trade["key"]:
            tx = psbts.finalize_cooperative(psbt)
        else:  # the witness an app with the wrong key writes
            tx = psbt.tx
            platform_sig, wrong_sig = (psbt.inputs[0].partial_sigs[k] for k in psbt.inputs[0].partial_sigs)
            tx.vin[0].witness = Witness([platform_sig, wrong_sig, b"", psbt.inputs[0].witness_script.data])
        if tamper:  # another payout than the contract's
            tx.vout[0].value -= 1_000
        return str(tx.serialize().hex())

    txs = await chain_txs(platform)
    refused(
        await seller.post(confirm, {"releaseTransaction": finalized(seller.key)}),
        "releaseTransaction",
        "INVALID_SIGNATURE",
    )
    tampered = await seller.post(confirm, {"releaseTransaction": finalized(trade["key"], tamper=True)})
    assert tampered.status_code == 400 and tampered.json()["error"] == "TRANSACTION_INVALID"
    for malformed in ("not hex", "020", "", 2):
        refused(await seller.post(confirm, {"releaseTransaction": malformed}), "releaseTransaction")
    assert await chain_txs(platform) == txs

    done = await seller.post(confirm, {"releaseTransaction": finalized(trade["key"])})
    assert done.status_code == 200, done.text
    txid = done.json()["txId"]
    assert (await buyer.client.get(f"/peach/v1/tx/{txid}")).json()["txid"] == txid
    assert await chain_txs(platform) == txs + 1 and await spends_of(platform, trade["address"]) == 1
    assert await statuses(seller, buyer, trade["id"]) == ("rateUser", "rateUser")


async def test_an_escrow_of_two_outputs_needs_the_signed_psbt(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    """The app sends input 0's signature only: a release of two inputs cannot be completed from it."""
    seller, buyer, wallet = await app_factory(), await app_factory(), EscrowWallet()
    trade = await app_contract(seller, buyer, wallet, platform, run_jobs, fundings=(100_000, 200_000))
    confirm = f"/contract/{trade['id']}/payment/confirm"
    encoded = trade["contract"]["releasePsbt"]
    assert len(PSBT.from_string(encoded).inputs) == 2
    refused(await seller.post(confirm, {SIG: input0_signature(encoded, trade["key"])}), SIG)
    signed = app_signs(PSBT.from_string(encoded), trade["key"]).to_string()
    done = await seller.post(confirm, {"releasePsbt": signed})
    assert done.status_code == 200, done.text
    assert await spends_of(platform, trade["address"]) == 1


async def test_matches_carry_the_next_page(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    buyer = await app_factory()
    sellers = [await app_factory() for _ in range(3)]
    wallet = EscrowWallet()
    for seller in sellers:
        await with_pgp(seller)
        sell_id = (await seller.post("/offer", seller.sell_body())).json()["id"]
        key = wallet.key(sell_id).public_key.format().hex()
        address = (await seller.post(f"/offer/{sell_id}/escrow", {"publicKey": key})).json()["escrow"]
        await fund(platform, address, 300_000)
    await mine(platform)
    await watch(run_jobs)
    buy_id = await buy_offer(buyer)
    seen: list[str] = []
    page: int | None = 0
    pages = []
    while page is not None:  # useOfferMatches: getNextPageParam = lastPage.nextPage
        answer = (await buyer.get(f"/offer/{buy_id}/matches?page={page}&size=2&sortBy=bestReputation")).json()
        assert answer["totalMatches"] == 3
        seen += [m["offerId"] for m in answer["matches"]]
        pages.append(answer["nextPage"])
        page = answer["nextPage"]
    assert pages == [1, None] and len(set(seen)) == 3
    assert (await buyer.get(f"/offer/{buy_id}/matches")).json()["nextPage"] is None


async def test_search_offer_summaries(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    wallet = EscrowWallet()
    sellers = []
    for premium, amount in ((8, 300_000), (3, 200_000)):
        seller = await app_factory()
        await with_pgp(seller)
        sell_id = (await seller.post("/offer", seller.sell_body(amount, premium=premium))).json()["id"]
        key = wallet.key(sell_id).public_key.format().hex()
        address = (await seller.post(f"/offer/{sell_id}/escrow", {"publicKey": key})).json()["escrow"]
        await fund(platform, address, amount)
        sellers.append(seller)
    await mine(platform)
    await watch(run_jobs)
    buyer, searcher = await app_factory(), await app_factory()
    await buy_offer(buyer)
    await buy_offer(searcher)  # one's own offers are never found

    path = "/offer/search/summary"
    asks = await searcher.post(path, {"type": "ask", "meansOfPayment": {"EUR": ["sepa"]}})
    assert asks.status_code == 200, asks.text
    assert asks.json() == {"offers": [{"amount": 200_000, "premium": 3}, {"amount": 300_000, "premium": 8}]}
    assert (await searcher.post(path, {"type": "ask", "maxPremium": 5})).json() == {
        "offers": [{"amount": 200_000, "premium": 3}]
    }
    assert (await searcher.post(path, {"type": "ask", "meansOfPayment": {"EUR": ["revolut"]}})).json() == {"offers": []}
    bids = (await sellers[0].post(path, {"type": "bid"})).json()
    assert bids == {"offers": [{"amount": [50_000, 2_330_000]}, {"amount": [50_000, 2_330_000]}]}
    # The same filter rules as POST offer/search; only the app's own users ask.
    refused(await searcher.post(path, {"type": "ask", "maxPremium": "lots"}), "maxPremium")
    anonymous = await searcher.client.post("/peach/v1" + path, json={"type": "ask"})
    assert anonymous.status_code == 401


async def test_a_twice_revived_offer_is_released_with_the_first_offers_key(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    """getEscrowWalletForOffer derives the key of `oldOfferId || id`: after two revivals that is
    still the offer the escrow was created for."""
    seller, wallet = await app_factory(), EscrowWallet()
    await with_pgp(seller)
    first = (await seller.post("/offer", seller.sell_body())).json()["id"]
    key = wallet.key(first)
    address = (await seller.post(f"/offer/{first}/escrow", {"publicKey": key.public_key.format().hex()})).json()[
        "escrow"
    ]
    await fund(platform, address, 300_000)
    await mine(platform)
    await watch(run_jobs)
    sell_id = first
    for _ in range(2):
        buyer = await app_factory()
        buy_id = await buy_offer(buyer)
        assert (await buyer.post(f"/offer/{buy_id}/match", match_body(sell_id))).status_code == 200
        contract_id = (await seller.post(f"/offer/{sell_id}/match", double_match_body(buy_id))).json()["contractId"]
        assert (await buyer.post(f"/contract/{contract_id}/cancel")).json() == {"success": True}
        revived = await seller.post(f"/offer/{sell_id}/revive")
        assert revived.status_code == 200, revived.text
        sell_id = revived.json()["newOfferId"]
    details = (await seller.get(f"/offer/{sell_id}/details")).json()
    assert details["oldOfferId"] == first and details["publicKey"] == key.public_key.format().hex()
    index = details.get("oldOfferId") or details["id"]

    buyer = await app_factory()
    buy_id = await buy_offer(buyer)
    assert (await buyer.post(f"/offer/{buy_id}/match", match_body(sell_id))).status_code == 200
    contract_id = (await seller.post(f"/offer/{sell_id}/match", double_match_body(buy_id))).json()["contractId"]
    assert (await buyer.post(f"/contract/{contract_id}/payment/confirm")).json() == {"success": True}
    encoded = (await seller.get(f"/contract/{contract_id}")).json()["releasePsbt"]
    done = await seller.post(
        f"/contract/{contract_id}/payment/confirm", {SIG: input0_signature(encoded, wallet.key(index))}
    )
    assert done.status_code == 200, done.text
    assert await spends_of(platform, address) == 1


async def test_matches_follow_the_apps_sort_by(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    """getMatches sends the user's sorters (BuySorter: highestAmount, lowestPremium, bestReputation)."""
    wallet = EscrowWallet()
    ids = {}
    for premium, amount in ((8, 300_000), (3, 200_000), (5, 250_000)):
        seller = await app_factory()
        await with_pgp(seller)
        sell_id = (await seller.post("/offer", seller.sell_body(amount, premium=premium))).json()["id"]
        key = wallet.key(sell_id).public_key.format().hex()
        address = (await seller.post(f"/offer/{sell_id}/escrow", {"publicKey": key})).json()["escrow"]
        await fund(platform, address, amount)
        ids[sell_id] = (premium, amount)
    await mine(platform)
    await watch(run_jobs)
    buyer = await app_factory()
    buy_id = await buy_offer(buyer)

    async def order(query: str) -> list[tuple[int, int]]:
        answer = await buyer.get(f"/offer/{buy_id}/matches?page=0&size=21{query}")
        assert answer.status_code == 200, answer.text
        return [ids[m["offerId"]] for m in answer.json()["matches"]]

    assert await order("&sortBy=lowestPremium") == [(3, 200_000), (5, 250_000), (8, 300_000)]
    assert await order("&sortBy=highestAmount") == [(8, 300_000), (5, 250_000), (3, 200_000)]
    assert await order("") == [(3, 200_000), (5, 250_000), (8, 300_000)]  # no sortBy: lowest premium
    newest_first = sorted(ids, key=int, reverse=True)  # equal reputations: the newest offer first
    assert await order("&sortBy=bestReputation") == [ids[i] for i in newest_first]
    refused(await buyer.get(f"/offer/{buy_id}/matches?sortBy=cheapest"), "sortBy")
