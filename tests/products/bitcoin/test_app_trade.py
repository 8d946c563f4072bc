"""Two users of the current Peach app trade end to end, every request as the app's own code makes
it (tests/fixtures/peach_app.py): onboarding with a PGP key, a sell offer funded on the sandbox
chain from the app's escrow key, browsing and a trade request over /v069, the seller accepting,
payment data only the two can read, the buyer's payment with a fresh release address, the seller's
release by signature spent on the chain, and both ratings."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx

from peerx.core.clock import clock
from peerx.platform import Platform
from tests.fixtures.factories.bitcoin import fund, mine, set_price
from tests.fixtures.peach_app import PeachApp
from tests.products.bitcoin.social import ws_client

AMOUNT = 300_000
SELLER_SEPA = {"type": "sepa", "currency": "EUR", "beneficiary": "Ama Mensah", "iban": "DE89370400440532013000",
               "bic": "COBADEFFXXX"}  # fmt: skip
BUYER_SEPA = {
    "type": "sepa",
    "currency": "EUR",
    "beneficiary": "Kofi Boateng",
    "iban": "FR1420041010050500013M02606",
    "bic": "COBADEFFXXX",
}  # fmt: skip (the same bank: the BIC is shared, never an account's identity)


def owner_key_of(contract: dict[str, Any], role: str) -> str:
    return str(contract[role]["pgpPublicKeys"][-1]["publicKey"])


async def watch(run_jobs: Any) -> None:
    clock.advance(timedelta(seconds=31))
    await run_jobs()


async def onboard(client: httpx.AsyncClient) -> PeachApp:
    app = await PeachApp(client).register()
    updated = await app.update_user_pgp()
    assert updated.status_code == 200 and updated.json() == {"success": True}, updated.text
    me = (await app.get_self_user()).json()
    assert me["id"] == app.id
    assert [k["publicKey"] for k in me["pgpPublicKeys"]] == [app.pgp_public_key]
    return app


async def funded_sell_offer(seller: PeachApp, platform: Platform, run_jobs: Any, **terms: Any) -> dict[str, Any]:
    """Posted (with the app's instant-trade `terms` if any), its escrow made and funded on the chain."""
    posted = await seller.post_sell_offer(AMOUNT, SELLER_SEPA, **terms)
    assert posted.status_code == 200, posted.text
    offer_id = posted.json()["id"]
    created = await seller.create_escrow(offer_id)
    assert created.status_code == 200, created.text
    await fund(platform, created.json()["escrow"], AMOUNT)
    await mine(platform)
    await watch(run_jobs)
    funding = (await seller.get_funding_status(offer_id)).json()
    assert funding["funding"]["status"] == "FUNDED", funding
    details = (await seller.get_offer_details(offer_id)).json()
    # getEscrowWalletForOffer finds the escrow key from the offer's publicKey.
    assert details["publicKey"] == seller.escrow_key(offer_id).public_key.format().hex()
    return dict(details)


async def test_two_app_users_trade_through_a_trade_request(platform: Platform, run_jobs: Any) -> None:
    async with ws_client(platform) as client:  # HTTP and the app's socket on one client, as the app has
        await trade(client, platform, run_jobs)


async def trade(client: httpx.AsyncClient, platform: Platform, run_jobs: Any) -> None:
    await set_price(platform, "BTCEUR", "27455.04")
    seller, buyer = await onboard(client), await onboard(client)
    info = (await buyer.get_info()).json()
    assert "BEGIN PGP PUBLIC KEY BLOCK" in info["peach"]["pgpPublicKey"]  # the mediator's key, made on first start

    offer = await funded_sell_offer(seller, platform, run_jobs)
    offer_id = offer["id"]

    # The buyer browses the sell offers and asks to trade with the seller's payment method.
    listed = await buyer.get_sell_offers()
    assert listed.status_code == 200, listed.text
    found = [o for o in listed.json()["offers"] if o["id"] == offer_id]
    assert len(found) == 1 and found[0]["amount"] == AMOUNT and found[0]["hasPerformedTradeRequest"] is False
    owner = (await buyer.get_user(seller.id)).json()
    assert [k["publicKey"] for k in owner["pgpPublicKeys"]] == [seller.pgp_public_key]
    body, symmetric_key = buyer.trade_request_body(owner, BUYER_SEPA)
    performed = await buyer.perform_sell_offer_trade_request(offer_id, body)
    assert performed.status_code == 200, performed.text

    # The seller sees the request, reads the buyer's key and answers with its own payment data.
    received = await seller.get_sell_offer_trade_requests_received(offer_id)
    assert received.status_code == 200, received.text
    requests = received.json()
    assert [r["userId"] for r in requests] == [buyer.id]
    assert seller.pgp_decrypt(requests[0]["symmetricKeyEncrypted"]) == symmetric_key
    accepted = await seller.accept_sell_offer_trade_request(offer_id, requests[0], SELLER_SEPA)
    assert accepted.status_code == 200, accepted.text
    contract_id = accepted.json()["id"]
    assert contract_id.startswith(f"{offer_id}-")

    # Both read the contract; each party's payment data is readable with the shared key only.
    contract = (await buyer.get_contract(contract_id)).json()
    assert contract["tradeStatus"] == "paymentRequired"
    assert contract["seller"]["id"] == seller.id and contract["buyer"]["id"] == buyer.id
    assert [k["publicKey"] for k in contract["seller"]["pgpPublicKeys"]] == [seller.pgp_public_key]
    paid_to = json.loads(buyer.pgp_decrypt_symmetric(contract["paymentDataEncrypted"], symmetric_key))
    assert paid_to["iban"] == SELLER_SEPA["iban"] and paid_to["beneficiary"] == SELLER_SEPA["beneficiary"]
    # The fields useDecryptedContractData reads: symmetric payment data, the buyer's own from its request.
    assert contract["paymentDataEncryptionMethod"] == "aes256"
    assert contract["buyerPaymentDataEncrypted"] == body["paymentDataEncrypted"]
    opened = seller.decrypted_contract_data(contract)
    assert opened["paymentData"] == paid_to and opened["buyerPaymentData"]["iban"] == BUYER_SEPA["iban"]
    assert contract["paymentDataEncrypted"] and contract["symmetricKeyEncrypted"]

    # They talk over the app's socket: each message reaches the other, readable with the shared key.
    async with seller.socket() as seller_ws, buyer.socket() as buyer_ws:
        await buyer.send_chat(buyer_ws, contract_id, symmetric_key, "Paying now by SEPA")
        got = await seller.receive(seller_ws)
        assert got["roomId"] == f"contract-{contract_id}" and got["from"] == buyer.id
        assert seller.read_chat(got, owner_key_of(contract, "buyer"), symmetric_key) == "Paying now by SEPA"
        assert (await buyer.receive(buyer_ws))["message"] == got["message"]  # the echo marks it sent
    history = (await seller.get_chat(contract_id)).json()
    assert [m["roomId"] for m in history] == [f"contract-{contract_id}"]

    await pay_release_and_rate(client, platform, seller, buyer, contract_id)

    # JWT access tokens: the client authenticated once per app (register) plus none afterwards.
    assert seller.authentications == 0 and buyer.authentications == 0


async def test_two_app_users_trade_instantly(platform: Platform, run_jobs: Any) -> None:
    """The seller posts with an instant trade (its payment data encrypted to the platform key of
    /v1/info); a buyer who meets the criteria takes the offer at once and reads the seller's
    payment data with its own PGP key; then payment, release by signature and ratings."""
    async with ws_client(platform) as client:
        await set_price(platform, "BTCEUR", "27455.04")
        seller, buyer = await onboard(client), await onboard(client)
        peach_key = (await seller.get_info()).json()["peach"]["pgpPublicKey"]
        criteria = {"minReputation": 0, "minTrades": 0, "badges": []}  # the app's 0..5: anyone
        offer = await funded_sell_offer(
            seller, platform, run_jobs, instant_trade=criteria, peach_pgp_public_key=peach_key
        )
        offer_id = offer["id"]
        # The seller's own offer shows its terms (SellOfferSummary reads paymentData[m].encrypted).
        assert offer["instantTradeCriteria"] == {"minReputation": -1, "minTrades": 0, "badges": []}
        own = offer["paymentData"]["sepa"]
        assert own["encrypted"].startswith("-----BEGIN PGP MESSAGE-----") and own["signature"]
        assert json.loads(seller.pgp_decrypt(own["selfEncrypted"]))["iban"] == SELLER_SEPA["iban"]

        # The buyer sees the offer as instant and is allowed; the seller's encrypted copies are not shown.
        listed = [o for o in (await buyer.get_sell_offers()).json()["offers"] if o["id"] == offer_id]
        assert len(listed) == 1 and listed[0]["allowedToInstantTrade"] is True
        assert set(listed[0]["paymentData"]["sepa"]) == {"hashes"}
        can = await buyer.can_perform_instant_trade_with_sell_offer(offer_id)
        assert can.status_code == 200 and can.json() == {"result": True}, can.text

        owner = (await buyer.get_user(seller.id)).json()
        body, symmetric_key = buyer.trade_request_body(owner, BUYER_SEPA)
        taken = await buyer.perform_instant_trade_with_sell_offer(offer_id, body)
        assert taken.status_code == 200, taken.text
        contract_id = taken.json()["id"]
        assert contract_id.startswith(f"{offer_id}-") and taken.json()["paymentDataEncryptionMethod"] == "asymmetric"

        # Each party reads both payment data as useDecryptedContractData does, signatures checked.
        for app in (buyer, seller):
            contract = (await app.get_contract(contract_id)).json()
            assert contract["tradeStatus"] == "paymentRequired"
            assert contract["paymentDataEncryptionMethod"] == "asymmetric"
            data = app.decrypted_contract_data(contract)
            assert data["symmetricKey"] == symmetric_key
            assert data["paymentData"] == {
                "beneficiary": "Ama Mensah",
                "iban": SELLER_SEPA["iban"],
                "bic": "COBADEFFXXX",
            }
            assert data["buyerPaymentData"]["iban"] == BUYER_SEPA["iban"]
        # The offer is taken: no second instant trade, no trade request.
        again = await buyer.perform_instant_trade_with_sell_offer(offer_id, body)
        assert again.status_code == 404 and again.json()["error"] == "NOT_FOUND", again.text  # no longer listed

        await pay_release_and_rate(client, platform, seller, buyer, contract_id)
        assert seller.authentications == 0 and buyer.authentications == 0


async def pay_release_and_rate(
    client: httpx.AsyncClient, platform: Platform, seller: PeachApp, buyer: PeachApp, contract_id: str
) -> None:
    """The steps after the contract, as both apps take them (shared by the trade request and the
    instant trade)."""
    # The buyer pays and confirms with a fresh address of its wallet (the contract has none yet).
    paid = await buyer.confirm_payment_buyer(contract_id)
    assert paid.status_code == 200, paid.text
    seller_view = (await seller.get_contract(contract_id)).json()
    assert seller_view["tradeStatus"] == "confirmPaymentRequired"
    assert seller_view["releaseAddress"] == buyer.address(0)

    # The seller releases with the app's signature; the chain accepts the spend.
    released = await seller.confirm_payment_seller(contract_id)
    assert released.status_code == 200, released.text
    txid = released.json()["txId"]
    onchain = (await client.get(f"/peach/v1/tx/{txid}")).json()
    outputs = {o["scriptpubkey_address"]: o["value"] for o in onchain["vout"]}
    assert outputs[buyer.address(0)] == AMOUNT - 6_000 - onchain["fee"]  # 2 % escrow fee
    await mine(platform)

    # Each app shows its rating screen, then both are done and the trade counts.
    for app in (seller, buyer):
        assert (await app.get_contract(contract_id)).json()["tradeStatus"] == "rateUser"
    rated = await seller.rate_user(contract_id, 1, buyer.id)
    assert rated.status_code == 200, rated.text
    assert (await seller.get_contract(contract_id)).json()["tradeStatus"] == "tradeCompleted"
    assert (await buyer.get_contract(contract_id)).json()["tradeStatus"] == "rateUser"
    assert (await buyer.rate_user(contract_id, 1, seller.id)).status_code == 200
    assert (await buyer.get_contract(contract_id)).json()["tradeStatus"] == "tradeCompleted"
    status = (await buyer.get_user_status(seller.id)).json()
    assert status["trades"] == 1 and status["badExperience"] is False
