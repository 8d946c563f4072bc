"""Disputes between two apps: raised with a reason (an email for noPayment.*) and the chat key
for the mediator, acknowledged, decided by the operator through the CLI and /ops/v1, the escrow
moving on the sandbox chain (the seller's refund, or the platform's timeout-branch payout to
the buyer), and the outcome acknowledged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pysequoia
from embit.psbt import PSBT

from peerx.chain import psbt as psbts
from peerx.core.clock import clock
from peerx.platform import Platform
from peerx.products.bitcoin.context import peach_of
from peerx.products.bitcoin.contracts.release import fee_address
from tests.fixtures.cli import Peerx
from tests.fixtures.factories.bitcoin import mine
from tests.products.bitcoin.contract_helpers import CHAT_KEY, PGP, open_contract, seller_signs

OPS_AUTH = {"Authorization": "Bearer ops-secret-token"}
# The platform's PGP key (the mediator holds its secret half); the app encrypts the contract's
# chat key for it when raising a dispute, so the mediator can read the chat.
MEDIATOR = pysequoia.Tsk.generate("mediator@peach.test")
MEDIATOR_KEY = pysequoia.encrypt(CHAT_KEY.encode(), recipients=[MEDIATOR.extract_certificate()]).decode()


async def paid_and_disputed(app_factory: Any, platform: Platform, run_jobs: Any) -> tuple[Any, Any, str, str, str]:
    seller, buyer = await app_factory(), await app_factory()
    contract_id, sell_id, _, address = await open_contract(seller, buyer, platform, run_jobs)
    assert (await buyer.post(f"/contract/{contract_id}/payment/confirm")).json() == {"success": True}
    body = {"reason": "noPayment.seller", "message": "nothing arrived", "symmetricKeyEncrypted": MEDIATOR_KEY}
    no_email = await seller.post(f"/contract/{contract_id}/dispute", body)
    assert no_email.status_code == 400 and no_email.json()["error"] == "FORM_INVALID"
    assert "email" in no_email.json()["message"]
    bad_reason = await seller.post(f"/contract/{contract_id}/dispute", {**body, "reason": "bored"})
    assert bad_reason.status_code == 400 and "reason" in bad_reason.json()["message"]
    no_key = await seller.post(
        f"/contract/{contract_id}/dispute", {**body, "email": "s@example.com", "symmetricKeyEncrypted": "abc"}
    )
    assert no_key.status_code == 400 and "symmetricKeyEncrypted" in no_key.json()["message"]
    assert (await seller.get(f"/contract/{contract_id}")).json()["disputeActive"] is False  # nothing left behind

    raised = await seller.post(f"/contract/{contract_id}/dispute", {**body, "email": "seller@example.com"})
    assert raised.json() == {"success": True}
    view = (await buyer.get(f"/contract/{contract_id}")).json()
    assert view["disputeActive"] is True and view["tradeStatus"] == "dispute" and view["isEmailRequired"] is True
    assert view["disputeReason"] == "noPayment.seller" and view["disputeInitiator"] == seller.id
    assert (await seller.get(f"/contract/{contract_id}")).json()["isEmailRequired"] is False
    # While disputed: no release, no cancel, no second dispute.
    release = seller_signs(seller, (await seller.get(f"/contract/{contract_id}")).json()["releasePsbt"])
    for app, path, payload in (
        (seller, "/payment/confirm", {"releasePsbt": release}),
        (buyer, "/cancel", None),
        (buyer, "/dispute", {**body, "reason": "other"}),
    ):
        assert (await app.post(f"/contract/{contract_id}{path}", payload)).status_code == 400
    initiator = await seller.post(f"/contract/{contract_id}/dispute/acknowledge", {"email": "x@example.com"})
    assert initiator.status_code == 400
    assert (await buyer.post(f"/contract/{contract_id}/dispute/acknowledge")).status_code == 400  # email needed
    ack = await buyer.post(f"/contract/{contract_id}/dispute/acknowledge", {"email": "buyer@example.com"})
    assert ack.json() == {"success": True}
    view = (await buyer.get(f"/contract/{contract_id}")).json()
    assert view["disputeAcknowledgedByCounterParty"] is True and view["isEmailRequired"] is False
    early = await buyer.post(f"/contract/{contract_id}/dispute/acknowledgeOutcome")
    assert early.status_code == 400
    return seller, buyer, contract_id, sell_id, address


async def test_seller_wins_through_the_cli_and_refunds(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    seller, buyer, contract_id, sell_id, address = await paid_and_disputed(app_factory, platform, run_jobs)
    peerx = Peerx.at(
        platform.settings.data_dir, platform.settings.effective_database_url, prefix=("bitcoin", "disputes")
    )
    listed = peerx("list", "--json")
    assert [d["contractId"] for d in listed["disputes"]] == [contract_id]
    shared = listed["disputes"][0]["symmetricKeyEncrypted"].encode()
    assert pysequoia.decrypt(shared, decryptor=MEDIATOR.decryptor()).bytes == CHAT_KEY.encode()
    assert listed["disputes"][0]["counterpartyEmail"] == "buyer@example.com"
    assert "outcome" in peerx("resolve", contract_id, "--outcome", "maybe", "--json", ok=False)
    done = peerx("resolve", contract_id, "--outcome", "sellerWins", "--json")
    assert done["outcome"] == "sellerWins" and done["winner"] == "seller" and done["disputeActive"] is False
    assert "no active dispute" in peerx("resolve", contract_id, "--outcome", "buyerWins", "--json", ok=False)

    view = (await buyer.get(f"/contract/{contract_id}")).json()
    assert view["canceled"] is True and view["disputeWinner"] == "seller" and view["disputeResolvedDate"]
    assert (await seller.get(f"/contract/{contract_id}")).json()["tradeStatus"] == "refundOrReviveRequired"
    for app in (seller, buyer):
        assert (await app.post(f"/contract/{contract_id}/dispute/acknowledgeOutcome")).json() == {"success": True}
    view = (await seller.get(f"/contract/{contract_id}")).json()
    assert view["disputeOutcomeAcknowledged"] is True
    assert sorted(view["disputeOutcomeAcknowledgedBy"]) == ["buyer", "seller"]

    refund = (await seller.post(f"/offer/{sell_id}/cancel")).json()
    psbt = PSBT.from_string(refund["psbt"])
    psbts.sign_escrow_inputs(psbt, seller.key)
    sent = await seller.post(f"/offer/{sell_id}/refund", {"tx": psbts.finalize_cooperative(psbt).serialize().hex()})
    onchain = (await seller.client.get(f"/peach/v1/tx/{sent.json()['txId']}")).json()
    assert onchain["vin"][0]["prevout"]["scriptpubkey_address"] == address
    assert onchain["vout"][0]["scriptpubkey_address"] == seller.address()


async def test_buyer_wins_and_the_platform_pays_out_after_the_timelock(
    app_factory: Any, platform: Platform, run_jobs: Any, client: Any
) -> None:
    seller, buyer, contract_id, sell_id, address = await paid_and_disputed(app_factory, platform, run_jobs)
    anonymous = await client.post(f"/ops/v1/bitcoin/disputes/{contract_id}/resolve", json={"outcome": "buyerWins"})
    assert anonymous.status_code == 401
    listed = await client.get("/ops/v1/bitcoin/disputes", headers=OPS_AUTH)
    assert [d["contractId"] for d in listed.json()["disputes"]] == [contract_id]
    decided = await client.post(
        f"/ops/v1/bitcoin/disputes/{contract_id}/resolve", json={"outcome": "buyerWins"}, headers=OPS_AUTH
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["winner"] == "buyer" and decided.json()["releaseTxId"] is None  # the timelock holds
    assert (await buyer.get(f"/contract/{contract_id}")).json()["tradeStatus"] == "payoutPending"
    # The seller cannot take the coins back meanwhile.
    refused = await seller.post(f"/offer/{sell_id}/cancel")
    assert refused.status_code == 400 and refused.json()["error"] == "BAD_REQUEST"
    await run_jobs()
    assert (await buyer.get(f"/contract/{contract_id}")).json()["releaseTxId"] is None

    await mine(platform, 4318)  # funded in block 1: 4319 confirmations, one short of the lock
    clock.advance(timedelta(minutes=11))
    await run_jobs()
    await buyer.login()
    assert (await buyer.get(f"/contract/{contract_id}")).json()["releaseTxId"] is None
    await mine(platform, 1)
    clock.advance(timedelta(minutes=11))
    await run_jobs()
    view = (await buyer.get(f"/contract/{contract_id}")).json()
    assert view["tradeStatus"] == "tradeCompleted" and view["releaseTxId"], view
    onchain = (await buyer.client.get(f"/peach/v1/tx/{view['releaseTxId']}")).json()
    assert onchain["vin"][0]["prevout"]["scriptpubkey_address"] == address
    assert onchain["vin"][0]["sequence"] == 4320 and len(onchain["vin"][0]["witness"]) == 3
    outputs = {o["scriptpubkey_address"]: o["value"] for o in onchain["vout"]}
    assert outputs == {buyer.address(): 300_000 - 6_000 - onchain["fee"], fee_address(peach_of(platform)): 6_000}
    # The chat key stays with the contract, readable by either party.
    shared = view["symmetricKeyEncrypted"].encode()
    assert pysequoia.decrypt(shared, decryptor=PGP[buyer.id].decryptor()).bytes == CHAT_KEY.encode()


async def test_outcomes_without_a_loser(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    """cancelTrade: canceled, the buyer's offer back online; payOutBuyer: paid out, no winner."""
    from peerx.ops.bitcoin import actions as bitcoin_ops

    seller, buyer, contract_id, _, _ = await paid_and_disputed(app_factory, platform, run_jobs)
    async with platform.db.transaction() as session:
        done = await bitcoin_ops.resolve_dispute(platform, session, contract_id=contract_id, outcome="cancelTrade")
    assert done["winner"] is None and done["outcome"] == "cancelTrade"
    assert (await seller.get(f"/contract/{contract_id}")).json()["tradeStatus"] == "refundOrReviveRequired"
    buy_id = contract_id.split("-")[1]
    assert (await buyer.get(f"/offer/{buy_id}/details")).json()["tradeStatus"] == "searchingForPeer"

    seller, buyer, contract_id, _, _ = await paid_and_disputed(app_factory, platform, run_jobs)
    await mine(platform, 4320)
    async with platform.db.transaction() as session:
        done = await bitcoin_ops.resolve_dispute(platform, session, contract_id=contract_id, outcome="payOutBuyer")
    assert done["winner"] is None and done["releaseTxId"]  # deep enough: paid at once
    view = (await buyer.get(f"/contract/{contract_id}")).json()
    assert view["tradeStatus"] == "tradeCompleted" and view["disputeWinner"] is None
    onchain = (await buyer.client.get(f"/peach/v1/tx/{view['releaseTxId']}")).json()
    assert onchain["vout"][0]["scriptpubkey_address"] == buyer.address()
