"""Two users of the current Peach app trade through a BUY offer, every request as the app's own
code makes it (tests/fixtures/peach_app.py): the buyer publishes a v069 buy offer with a signed
payout address, the seller browses it and sends a trade request with its own symmetric key and
payment data, the buyer accepts, and only then does the seller create and fund the escrow of the
contract's sell offer on the sandbox chain (peach-app src/views/contract/components/
TradeInformation.tsx); the payment window starts with the funding, the buyer pays, the seller
releases by signature and both rate."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from peerx.core.clock import clock
from peerx.platform import Platform
from tests.fixtures.factories.bitcoin import fund, mine, set_price
from tests.products.bitcoin.social import ws_client
from tests.products.bitcoin.test_app_trade import BUYER_SEPA, SELLER_SEPA, onboard, watch

AMOUNT = 250_000


def parse_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


async def test_two_app_users_trade_through_a_buy_offer(platform: Platform, run_jobs: Any) -> None:
    async with ws_client(platform) as client:
        await set_price(platform, "BTCEUR", "27455.04")
        seller, buyer = await onboard(client), await onboard(client)

        created = await buyer.create_buy_offer(AMOUNT, BUYER_SEPA, premium=2)
        assert created.status_code == 200, created.text
        buy_id = created.json()["id"]
        assert created.json()["releaseAddress"] == buyer.address(0)

        # The seller browses the buy offers and asks to sell with its own payment method.
        listed = (await seller.get_buy_offers()).json()["offers"]
        assert [o["id"] for o in listed] == [buy_id] and listed[0]["amountSats"] == AMOUNT
        owner = (await seller.get_user(buyer.id)).json()
        body, symmetric_key = seller.trade_request_body(owner, SELLER_SEPA)
        performed = await seller.perform_buy_offer_trade_request(buy_id, body)
        assert performed.status_code == 200, performed.text
        assert performed.json()["buyOfferId"] == buy_id and performed.json()["userId"] == seller.id

        # The buyer reads the seller's key and accepts with its own payment data under it.
        requests = (await buyer.get_buy_offer_trade_requests_received(buy_id)).json()
        assert [r["userId"] for r in requests] == [seller.id]
        assert buyer.pgp_decrypt(requests[0]["symmetricKeyEncrypted"]) == symmetric_key
        accepted = await buyer.accept_buy_offer_trade_request(buy_id, requests[0], BUYER_SEPA)
        assert accepted.status_code == 200, accepted.text
        answer = accepted.json()
        contract_id = answer["id"]
        sell_id, _, buy_part = contract_id.partition("-")
        assert buy_part == str(buy_id)
        mine_data = json.loads(seller.pgp_decrypt_symmetric(answer["buyerPaymentDataEncrypted"], symmetric_key))
        assert mine_data["iban"] == BUYER_SEPA["iban"]
        assert answer["tradeStatus"] == "waitingForFunding" and answer["escrow"] is None

        # The contract waits for the seller's escrow: each app sees its own step.
        seller_view = (await seller.get_contract(contract_id)).json()
        buyer_view = (await buyer.get_contract(contract_id)).json()
        assert seller_view["tradeStatus"] == "createEscrow" and buyer_view["tradeStatus"] == "waitingForFunding"
        assert seller_view["amount"] == AMOUNT and seller_view["escrow"] is None
        assert seller_view["releaseAddress"] == buyer.address(0)
        window = timedelta(hours=platform.settings.peach_funding_window_hours)
        expected_by = datetime.fromtimestamp(seller_view["fundingExpectedBy"] / 1000, UTC)
        assert abs(expected_by - (parse_time(seller_view["creationDate"]) + window)) < timedelta(seconds=1)
        assert seller_view["wasCanceledBySellerBeforeFundingTheEscrow"] is False
        paid_to = json.loads(buyer.pgp_decrypt_symmetric(buyer_view["paymentDataEncrypted"], symmetric_key))
        assert paid_to["iban"] == SELLER_SEPA["iban"]
        assert (await buyer.confirm_payment_buyer(contract_id)).status_code == 400  # nothing to pay yet

        # The seller's app creates the escrow with its key for the contract's sell offer and funds it.
        escrow = await seller.create_contract_escrow(contract_id)
        assert escrow.status_code == 200, escrow.text
        address = escrow.json()["escrow"]
        seller_view = (await seller.get_contract(contract_id)).json()
        assert seller_view["tradeStatus"] == "fundEscrow" and seller_view["escrow"] == address
        assert (await buyer.get_contract(contract_id)).json()["tradeStatus"] == "waitingForFunding"
        offer = (await seller.get_offer_details(sell_id)).json()
        assert offer["publicKey"] == seller.escrow_key(sell_id).public_key.format().hex()
        assert offer["returnAddress"] == seller.address(2)
        await fund(platform, address, AMOUNT)
        await mine(platform)
        funded_at = clock.now()
        await watch(run_jobs)
        assert (await seller.get_funding_status(sell_id)).json()["funding"]["status"] == "FUNDED"

        # Funded: the payment window starts now, for both.
        buyer_view = (await buyer.get_contract(contract_id)).json()
        assert buyer_view["tradeStatus"] == "paymentRequired" and "fundingExpectedBy" not in buyer_view
        payment_window = timedelta(hours=platform.settings.peach_payment_window_hours)
        assert parse_time(buyer_view["paymentExpectedBy"]) - funded_at >= payment_window
        assert (await seller.get_funding_status(sell_id)).json()["offerId"] == sell_id
        assert all(o["id"] != sell_id for o in (await buyer.get_sell_offers()).json()["offers"])  # never listed

        # The buyer pays (its address is the buy offer's), the seller releases by signature.
        paid = await buyer.confirm_payment_buyer(contract_id)
        assert paid.status_code == 200, paid.text
        assert (await seller.get_contract(contract_id)).json()["tradeStatus"] == "confirmPaymentRequired"
        released = await seller.confirm_payment_seller(contract_id)
        assert released.status_code == 200, released.text
        txid = released.json()["txId"]
        onchain = (await client.get(f"/peach/v1/tx/{txid}")).json()
        outputs = {o["scriptpubkey_address"]: o["value"] for o in onchain["vout"]}
        assert outputs[buyer.address(0)] == AMOUNT - 5_000 - onchain["fee"]  # 2 % escrow fee
        await mine(platform)

        for app, other in ((seller, buyer), (buyer, seller)):
            assert (await app.get_contract(contract_id)).json()["tradeStatus"] == "rateUser"
            rated = await app.rate_user(contract_id, 1, other.id)
            assert rated.status_code == 200, rated.text
            assert (await app.get_contract(contract_id)).json()["tradeStatus"] == "tradeCompleted"
        assert (await buyer.get_user_status(seller.id)).json()["trades"] == 1
