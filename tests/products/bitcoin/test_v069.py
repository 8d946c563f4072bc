"""The app's v069 calls (peach-api-ts src/private/peach069) over HTTP: two app users browse
funded sell offers, request trades, chat about them, accept one into a v1 contract both read at
/peach/v1/contract/:id; v069 buy offers; the self-user settings; and hostile input."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pysequoia
import pytest
from sqlalchemy import func, select

from peerx.core.jobs import Job
from peerx.platform import Platform
from peerx.products.bitcoin.models import Contract
from peerx.products.bitcoin.offers import address_proof
from tests.fixtures.factories.bitcoin import App, fund, mine
from tests.products.bitcoin.contract_helpers import (
    CHAT_KEY,
    PAYMENT_DATA,
    PGP,
    SIGNATURE,
    funded_sell_offer,
    open_contract,
    seller_signs,
    symmetric_key_for,
    watch,
    with_pgp,
)

V069 = "/peach/v069"


async def get(app: App, path: str) -> httpx.Response:
    return await app.client.get(V069 + path, headers=app.headers)


async def post(app: App, path: str, body: Any = None) -> httpx.Response:
    return await app.client.post(V069 + path, json=body, headers=app.headers)


async def delete(app: App, path: str) -> httpx.Response:
    return await app.client.delete(V069 + path, headers=app.headers)


async def patch(app: App, path: str, body: Any) -> httpx.Response:
    return await app.client.patch(V069 + path, json=body, headers=app.headers)


def request_body(requester: App, owner: App, **overrides: Any) -> dict[str, Any]:
    """performSellOfferTradeRequest's body as ExpressBuyTradeRequestToSellOffer.tsx builds it:
    a fresh symmetric key encrypted to both PGP keys, the requester's payment data encrypted
    with it, and the hashes of that data."""
    encrypted, signature = symmetric_key_for(requester, owner, CHAT_KEY)
    body = {
        "paymentMethod": "sepa",
        "currency": "EUR",
        "paymentDataHashed": {"sepa": {"hashes": requester.hashes("buy"), "country": "DE"}},
        "paymentDataEncrypted": PAYMENT_DATA,
        "paymentDataSignature": SIGNATURE,
        "symmetricKeyEncrypted": encrypted,
        "symmetricKeySignature": signature,
        "maxMiningFeeRate": 12,
    }
    body.update(overrides)
    return body


def payout(buyer: App) -> dict[str, str]:
    """The release address fields the app's trade request may carry (commented out in
    peach-api-ts today), signed as a v1 buy offer signs its release address."""
    address = buyer.address()
    wording = address_proof.release_message(buyer.id, address)
    return {
        "releaseAddress": address,
        "releaseAddressMessageSignature": address_proof.sign_address_message(buyer.wallet.secret, wording),
    }


ACCEPT = {"paymentDataEncrypted": PAYMENT_DATA, "paymentDataSignature": SIGNATURE}


async def pushes(platform: Platform, prefix: str = "offer.express") -> list[tuple[int, str, dict[str, str]]]:
    """The queued v069 push notices (user row id, event, data), oldest first."""
    async with platform.db.transaction() as session:
        jobs = await session.scalars(select(Job).where(Job.kind == "peach.push").order_by(Job.id))
        found = [(j.payload["userId"], j.payload["event"], j.payload["data"]) for j in jobs]
    return [p for p in found if p[1].startswith(prefix)]


async def contracts_of(platform: Platform, sell_id: str) -> int:
    async with platform.db.transaction() as session:
        return int(await session.scalar(select(func.count()).where(Contract.sell_offer_id == int(sell_id))) or 0)


async def test_a_trade_request_on_a_sell_offer_becomes_a_v1_contract(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller, buyer, other = await app_factory(), await app_factory(), await app_factory()
    sell_id, address = await funded_sell_offer(seller, platform, run_jobs)
    await with_pgp(buyer)
    await with_pgp(other)

    browsed = await get(buyer, "/sellOffer?minAmountSats=100000&currencies=EUR,CHF&paymentMethods=sepa")
    assert browsed.status_code == 200, browsed.text
    listed = browsed.json()
    assert listed["stats"] == {"paymentMethods": {"sepa": 1}, "currencies": {"EUR": 1}}
    [offer] = listed["offers"]
    assert offer["id"] == sell_id and offer["type"] == "ask" and offer["amount"] == 300_000
    assert offer["escrow"] == address and offer["tradeStatus"] == "searchingForPeer" and offer["online"] is True
    assert offer["user"]["id"] == seller.id
    assert offer["user"]["pgpPublicKeys"] == [
        {"publicKey": offer["user"]["pgpPublicKey"], "proof": offer["user"]["pgpPublicKeyProof"]}
    ]
    assert offer["hasPerformedTradeRequest"] is False and offer["allowedToInstantTrade"] is False
    assert "returnAddress" not in offer
    assert (await get(buyer, "/sellOffer?paymentMethods=revolut")).json()["offers"] == []
    assert (await get(buyer, "/sellOffer?maxAmountSats=200000")).json()["offers"] == []
    assert (await get(seller, "/sellOffer")).json()["offers"] == []  # never one's own
    assert (await get(buyer, f"/sellOffer/{sell_id}")).json()["id"] == sell_id
    assert (await get(seller, f"/user/{seller.id}/offers")).json()["sellOffers"][0]["id"] == sell_id

    body = request_body(buyer, seller, **payout(buyer))
    performed = await post(buyer, f"/sellOffer/{sell_id}/tradeRequestPerformed", body)
    assert performed.status_code == 200, performed.text
    request = performed.json()
    assert request["sellOfferId"] == sell_id and request["userId"] == buyer.id
    assert request["paymentMethod"] == "sepa" and request["currency"] == "EUR" and request["maxMiningFeeRate"] == 12
    assert str(request["price"]) == "88.95"  # 0.003 BTC at 27455.04 EUR + 8 %
    assert request["paymentDataHashed"] == {"sepa": {"hashes": buyer.hashes("buy"), "country": "DE"}}
    second = await post(other, f"/sellOffer/{sell_id}/tradeRequestPerformed", request_body(other, seller))
    assert second.status_code == 200, second.text

    assert (await get(buyer, "/sellOffer")).json()["offers"][0]["hasPerformedTradeRequest"] is True
    mine = await get(buyer, f"/sellOffer/{sell_id}/tradeRequestPerformed/")
    assert mine.json() == request
    received = (await get(seller, f"/sellOffer/{sell_id}/tradeRequestReceived/")).json()
    assert [r["userId"] for r in received] == [buyer.id, other.id]
    one = (await get(seller, f"/sellOffer/{sell_id}/tradeRequestReceived/{buyer.id}")).json()
    assert one == request
    # The seller reads the symmetric key with its own PGP key, as BrowseTradeRequestsToMySellOffer does.
    key = pysequoia.decrypt(one["symmetricKeyEncrypted"].encode(), decryptor=PGP[seller.id].decryptor()).bytes
    assert key == CHAT_KEY.encode()

    # They talk before the seller decides.
    sent = await post(buyer, f"/sellOffer/{sell_id}/tradeRequestPerformed/chat", {"messageEncrypted": PAYMENT_DATA})
    assert sent.json() == {"success": True}
    chat = (await get(seller, f"/sellOffer/{sell_id}/tradeRequestReceived/{buyer.id}/chat")).json()
    assert [(m["sender"], m["encryptedMessage"], m["seen"]) for m in chat] == [("tradeRequester", PAYMENT_DATA, False)]
    answer = {"messageEncrypted": PAYMENT_DATA, "signature": SIGNATURE}
    assert (await post(seller, f"/sellOffer/{sell_id}/tradeRequestReceived/{buyer.id}/chat", answer)).status_code == 200
    chat = (await get(buyer, f"/sellOffer/{sell_id}/tradeRequestPerformed/chat")).json()
    assert [(m["sender"], m["seen"]) for m in chat] == [("tradeRequester", True), ("offerOwner", False)]
    assert chat[1]["signature"] == SIGNATURE and isinstance(chat[0]["id"], int) and chat[0]["creationDate"]

    assert (await get(buyer, f"/sellOffer/{sell_id}/hasTurnedToMyContract")).json() == {"success": False}
    accepted = await post(seller, f"/sellOffer/{sell_id}/tradeRequestReceived/{buyer.id}/accept", ACCEPT)
    assert accepted.status_code == 200, accepted.text
    contract = accepted.json()
    contract_id = contract["id"]
    assert contract_id.startswith(f"{sell_id}-")
    assert contract["seller"]["id"] == seller.id and contract["buyer"]["id"] == buyer.id
    assert len(contract["buyer"]["pgpPublicKeys"]) == 1 and len(contract["seller"]["pgpPublicKeys"]) == 1
    assert contract["amount"] == 300_000 and contract["currency"] == "EUR" and contract["paymentMethod"] == "sepa"
    assert contract["escrow"] == address and contract["tradeStatus"] == "paymentRequired"
    assert contract["paymentDataEncrypted"] == PAYMENT_DATA
    assert contract["symmetricKeyEncrypted"] == request["symmetricKeyEncrypted"]
    assert contract["buyerPaymentDataEncrypted"] == PAYMENT_DATA
    assert contract["buyerHashedPaymentData"] == buyer.hashes("buy")
    assert contract["releaseAddress"] == buyer.address()
    assert contract["paymentDataEncryptionMethod"] == "aes256"

    events = [(event, data.get("type"), data.get("offerId")) for _, event, data in await pushes(platform)]
    assert events == [
        ("offer.expressBuyTradeRequestReceived", "offer.expressBuyTradeRequestReceived", sell_id),
        ("offer.expressBuyTradeRequestReceived", "offer.expressBuyTradeRequestReceived", sell_id),
        (
            "offer.expressFlowTradeRequestChatMessageReceived",
            "offer.expressFlowTradeRequestChatMessageReceived",
            sell_id,
        ),
        (
            "offer.expressFlowTradeRequestChatMessageReceived",
            "offer.expressFlowTradeRequestChatMessageReceived",
            sell_id,
        ),
        ("offer.expressBuyTradeRequestNotChosen", "offer.expressBuyTradeRequestNotChosen", sell_id),
    ]
    chat_push = (await pushes(platform))[2][2]
    assert chat_push["offerType"] == "sell" and chat_push["requestingUserId"] == buyer.id

    # The rest of the trade is v1's: payment, the seller's signed release, the escrow spent.
    for party in (seller, buyer):
        read = await party.get(f"/contract/{contract_id}")
        assert read.status_code == 200, read.text
        assert read.json()["id"] == contract_id and read.json()["tradeStatus"] == "paymentRequired"
    assert (await buyer.post(f"/contract/{contract_id}/payment/confirm")).status_code == 200
    release_psbt = (await seller.get(f"/contract/{contract_id}")).json()["releasePsbt"]
    assert release_psbt
    released = await seller.post(
        f"/contract/{contract_id}/payment/confirm", {"releasePsbt": seller_signs(seller, release_psbt)}
    )
    assert released.status_code == 200, released.text
    done = (await buyer.get(f"/contract/{contract_id}")).json()
    assert done["releaseTxId"] and done["paymentConfirmed"]
    tx = (await buyer.client.get(f"/peach/v1/tx/{done['releaseTxId']}")).json()
    assert tx["vin"][0]["txid"] == (await seller.get(f"/offer/{sell_id}/escrow")).json()["funding"]["txIds"][0]
    assert (await other.get(f"/contract/{contract_id}")).status_code == 401  # v1: not a party
    turned = (await get(buyer, f"/sellOffer/{sell_id}/hasTurnedToMyContract")).json()
    assert turned["success"] is True and turned["contract"]["id"] == contract_id
    assert (await get(other, f"/sellOffer/{sell_id}/hasTurnedToMyContract")).json() == {"success": False}
    assert (await get(buyer, "/sellOffer")).json()["offers"] == []
    assert (await get(buyer, f"/sellOffer/{sell_id}")).status_code == 404
    # The other buyer's request is gone with the offer, and the offer takes no new one.
    assert (await get(other, f"/sellOffer/{sell_id}/tradeRequestPerformed")).status_code == 404
    again = await post(other, f"/sellOffer/{sell_id}/tradeRequestPerformed", request_body(other, seller))
    assert again.status_code == 404
    assert await contracts_of(platform, sell_id) == 1


async def test_without_a_payout_address_the_buyer_names_it_when_confirming_payment(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    """The app of today sends no release address with its request: the contract exists, and
    its release is prepared when the buyer names the address with its payment confirmation."""
    seller, buyer = await app_factory(), await app_factory()
    sell_id, _ = await funded_sell_offer(seller, platform, run_jobs)
    await with_pgp(buyer)
    assert (
        await post(buyer, f"/sellOffer/{sell_id}/tradeRequestPerformed", request_body(buyer, seller))
    ).status_code == 200
    accepted = await post(seller, f"/sellOffer/{sell_id}/tradeRequestReceived/{buyer.id}/accept", ACCEPT)
    assert accepted.status_code == 200, accepted.text
    contract = (await seller.get(f"/contract/{accepted.json()['id']}")).json()
    assert contract["releaseAddress"] == "" and contract["releasePsbt"] is None
    assert contract["tradeStatus"] == "paymentRequired"
    contract_id = contract["id"]
    # The buyer names its payout address with its payment confirmation (confirmPaymentBuyer.ts).
    unnamed = await buyer.post(f"/contract/{contract_id}/payment/confirm")
    assert unnamed.status_code == 400 and "releaseAddress" in unnamed.json()["message"]
    forged = await buyer.post(
        f"/contract/{contract_id}/payment/confirm", {**payout(buyer), "releaseAddress": seller.address()}
    )
    assert forged.status_code == 400 and forged.json()["error"] == "INVALID_SIGNATURE"
    early = await seller.post(f"/contract/{contract_id}/payment/confirm", {"releasePsbt": "cHNidP8BAA=="})
    assert early.status_code == 400 and early.json()["error"] == "BAD_REQUEST"
    named = await buyer.post(f"/contract/{contract_id}/payment/confirm", payout(buyer))
    assert named.status_code == 200, named.text
    view = (await seller.get(f"/contract/{contract_id}")).json()
    assert view["releaseAddress"] == buyer.address() and view["tradeStatus"] == "confirmPaymentRequired"
    released = await seller.post(
        f"/contract/{contract_id}/payment/confirm", {"releasePsbt": seller_signs(seller, view["releasePsbt"])}
    )
    assert released.status_code == 200, released.text
    tx = (await buyer.client.get(f"/peach/v1/tx/{released.json()['txId']}")).json()
    assert any(out["scriptpubkey_address"] == buyer.address() for out in tx["vout"])
    bad = await post(buyer, f"/sellOffer/{sell_id}/tradeRequestPerformed", request_body(buyer, seller, **payout(buyer)))
    assert bad.status_code == 404  # taken


async def test_rejection_and_removal(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    seller, buyer = await app_factory(), await app_factory()
    sell_id, _ = await funded_sell_offer(seller, platform, run_jobs)
    await with_pgp(buyer)
    path = f"/sellOffer/{sell_id}/tradeRequestPerformed"
    assert (await post(buyer, path, request_body(buyer, seller))).status_code == 200
    assert (await delete(seller, f"/sellOffer/{sell_id}/tradeRequestReceived/{buyer.id}")).json() == {"success": True}
    assert (await get(buyer, path)).status_code == 404
    assert (await get(seller, f"/sellOffer/{sell_id}/tradeRequestReceived")).json() == []
    assert [e for _, e, _ in await pushes(platform)][-1] == "offer.expressBuyTradeRequestRejected"
    missing = await delete(seller, f"/sellOffer/{sell_id}/tradeRequestReceived/{buyer.id}")
    assert missing.status_code == 404 and missing.json()["error"] == "NOT_FOUND"

    assert (await post(buyer, path, request_body(buyer, seller))).status_code == 200  # asks again
    assert (await post(buyer, f"{path}/chat", {"messageEncrypted": PAYMENT_DATA})).status_code == 200
    assert (await delete(buyer, path)).json() == {"success": True}
    assert (await get(seller, f"/sellOffer/{sell_id}/tradeRequestReceived")).json() == []
    assert (await delete(buyer, path)).status_code == 404
    assert (await get(buyer, f"{path}/chat")).status_code == 404
    gone = await post(seller, f"/sellOffer/{sell_id}/tradeRequestReceived/{buyer.id}/accept", ACCEPT)
    assert gone.status_code == 404
    assert await contracts_of(platform, sell_id) == 0
    # The offer is still there for others.
    assert (await get(buyer, "/sellOffer")).json()["offers"][0]["id"] == sell_id


async def test_hostile_input(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    seller, buyer, stranger = await app_factory(), await app_factory(), await app_factory()
    sell_id, _ = await funded_sell_offer(seller, platform, run_jobs)
    await with_pgp(buyer)
    path = f"/sellOffer/{sell_id}/tradeRequestPerformed"

    assert (await buyer.client.get(f"{V069}/sellOffer")).status_code == 401
    assert (await buyer.client.get(f"{V069}/sellOffer", headers={"Authorization": "Basic nope"})).json()[
        "error"
    ] == "AUTHENTICATION_FAILED"
    for unknown in ("/sellOffer/999999", "/buyOffer/999999", "/sellOffer/999999/tradeRequestPerformed"):
        answer = await get(buyer, unknown)
        assert answer.status_code == 404 and answer.json() == {
            "error": "NOT_FOUND",
            "message": answer.json()["message"],
        }
    assert (
        await post(buyer, "/sellOffer/999999/tradeRequestPerformed", request_body(buyer, seller))
    ).status_code == 404
    assert (await get(buyer, "/sellOffer/abc")).status_code == 400
    assert (await get(buyer, "/nothing/here")).json()["error"] == "NOT_FOUND"

    for field in ("symmetricKeyEncrypted", "paymentMethod", "paymentDataEncrypted"):
        body = request_body(buyer, seller)
        del body[field]
        answer = await post(buyer, path, body)
        assert answer.status_code == 400 and answer.json()["error"] == "FORM_INVALID", answer.text
        assert field in answer.json()["message"]
    cases = {
        "paymentMethod": {"paymentMethod": "revolut"},
        "currency": {"currency": "CHF"},
        "symmetricKeySignature": {"symmetricKeySignature": "not a PGP block"},
        "maxMiningFeeRate": {"maxMiningFeeRate": "12"},
        "paymentDataHashed": {"paymentDataHashed": {"revolut": {"hashes": []}}},
        "hashes": {"paymentDataHashed": {"sepa": {"hashes": ["not-a-hash"]}}},
        "releaseAddress": {"releaseAddress": "bc1notanaddress", "releaseAddressMessageSignature": "H" + "A" * 87},
    }
    for field, change in cases.items():
        answer = await post(buyer, path, request_body(buyer, seller, **change))
        assert answer.status_code == 400 and field in answer.json()["message"], answer.text
    wrong_key = {**payout(stranger), "releaseAddress": buyer.address()}
    forged = await post(buyer, path, request_body(buyer, seller, **wrong_key))
    assert forged.status_code == 400 and forged.json()["error"] == "INVALID_SIGNATURE"
    assert "releaseAddressMessageSignature" in forged.json()["message"]
    assert (await buyer.client.post(V069 + path, content=b"[", headers=buyer.headers)).status_code == 400
    assert (await get(seller, f"/sellOffer/{sell_id}/tradeRequestReceived")).json() == []  # nothing half-written

    own = await post(seller, path, request_body(seller, buyer))
    assert own.status_code == 401 and own.json()["error"] == "CANNOT_MATCH"
    no_pgp = await post(stranger, path, request_body(buyer, seller))
    assert no_pgp.status_code == 401 and no_pgp.json()["error"] == "PGP_MISSING"

    assert (await post(buyer, path, request_body(buyer, seller))).status_code == 200
    # Only the offer's owner sees and decides its requests.
    assert (await get(buyer, f"/sellOffer/{sell_id}/tradeRequestReceived")).status_code == 404
    stolen = await post(buyer, f"/sellOffer/{sell_id}/tradeRequestReceived/{buyer.id}/accept", ACCEPT)
    assert stolen.status_code == 404
    unknown_user = await post(seller, f"/sellOffer/{sell_id}/tradeRequestReceived/{stranger.id}/accept", ACCEPT)
    assert unknown_user.status_code == 404
    bad_user = await post(seller, f"/sellOffer/{sell_id}/tradeRequestReceived/xyz/accept", ACCEPT)
    assert bad_user.status_code == 400 and "userId" in bad_user.json()["message"]
    no_data = await post(seller, f"/sellOffer/{sell_id}/tradeRequestReceived/{buyer.id}/accept", {})
    assert no_data.status_code == 400 and "paymentDataEncrypted" in no_data.json()["message"]
    chat = await post(buyer, f"{path}/chat", {"messageEncrypted": ""})
    assert chat.status_code == 400 and "messageEncrypted" in chat.json()["message"]

    # Instant trades: peerx keeps no instant-trade terms on sell offers, so none is allowed.
    assert (await get(buyer, f"/sellOffer/{sell_id}/canPerformInstantTrade")).json() == {"result": False}
    instant = await post(buyer, f"/sellOffer/{sell_id}/performInstantTrade", request_body(buyer, seller))
    assert instant.status_code == 401 and instant.json()["error"] == "CANNOT_MATCH"
    assert (await get(buyer, "/sellOffer/999999/canPerformInstantTrade")).status_code == 404

    # A blocked buyer sees the offer no more and cannot ask.
    assert (await seller.client.put(f"/peach/v1/user/{buyer.id}/block", headers=seller.headers)).status_code == 200
    assert (await get(buyer, "/sellOffer")).json()["offers"] == []
    assert (await get(buyer, f"/sellOffer/{sell_id}")).status_code == 200  # by id, as v1 offer/:id
    blocked = await post(buyer, path, request_body(buyer, seller))
    assert blocked.status_code == 401 and blocked.json()["error"] == "CANNOT_MATCH"


def buy_offer_body(buyer: App, **overrides: Any) -> dict[str, Any]:
    """createBuyOffer's body as useCreateBuyOffer.tsx sends it."""
    address = buyer.address()
    body = {
        "amount": 250_000,
        "meansOfPayment": {"EUR": ["sepa"]},
        "paymentData": {"sepa": {"hashes": buyer.hashes("buy")}},
        "releaseAddresses": [address],
        "releaseAddressMessageSignatures": [
            address_proof.sign_address_message(buyer.wallet.secret, address_proof.release_message(buyer.id, address))
        ],
        "premium": 2,
        "minReputation": 0.5,
        "instantTradeCriteria": {"minReputation": 4.5, "minTrades": 3, "badges": ["fastTrader"]},
        "experienceLevelCriteria": "experiencedUsersOnly",
    }
    body.update(overrides)
    return body


async def test_buy_offers(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    buyer, seller = await app_factory(), await app_factory()
    await with_pgp(buyer)
    await with_pgp(seller)
    created = await post(buyer, "/buyOffer", buy_offer_body(buyer))
    assert created.status_code == 200, created.text
    offer = created.json()
    buy_id = offer["id"]
    assert isinstance(buy_id, int) and offer["amountSats"] == 250_000 and offer["userId"] == buyer.id
    assert offer["status"] == "online" and offer["premium"] == 2 and offer["releaseAddress"] == buyer.address()
    assert offer["instantTradeCriteria"] == {"minReputation": 4.5, "minTrades": 3, "badges": ["fastTrader"]}
    assert offer["experienceLevelCriteria"] == "experiencedUsersOnly"
    assert offer["meansOfPayment"] == {"EUR": ["sepa"]}

    browsed = (await get(seller, "/buyOffer?minPremium=1&currencies=EUR")).json()
    [listed] = browsed["offers"]
    assert listed["id"] == buy_id and listed["user"]["id"] == buyer.id and listed["user"]["pgpPublicKeys"]
    assert listed["hasPerformedTradeRequest"] is False and browsed["stats"]["currencies"] == {"EUR": 1}
    assert (await get(seller, "/buyOffer?minPremium=3")).json()["offers"] == []
    assert (await get(buyer, "/buyOffer")).json()["offers"] == []
    assert [o["id"] for o in (await get(buyer, "/buyOffer?ownOffers=true")).json()["offers"]] == [buy_id]
    assert (await get(seller, f"/user/{buyer.id}/offers")).json()["buyOffers"][0]["id"] == buy_id
    # v1 search still sees it as a buy offer of one amount.
    assert (await get(seller, f"/buyOffer/{buy_id}")).json()["amountSats"] == 250_000

    patched = await patch(buyer, f"/buyOffer/{buy_id}", {"premium": 3.5})
    assert patched.status_code == 200 and patched.json()["premium"] == 3.5
    assert (await patch(seller, f"/buyOffer/{buy_id}", {"premium": 1})).status_code == 404
    assert "premium" in (await patch(buyer, f"/buyOffer/{buy_id}", {"premium": 50})).json()["message"]

    # A seller asks to sell to it; the buyer sees the request and they chat.
    path = f"/buyOffer/{buy_id}/tradeRequestPerformed"
    requested = await post(
        seller, path, request_body(seller, buyer, paymentDataHashed={"sepa": {"hashes": seller.hashes("sell")}})
    )
    assert requested.status_code == 200, requested.text
    assert requested.json()["buyOfferId"] == buy_id and requested.json()["userId"] == seller.id
    assert (await get(seller, f"{path}/")).json()["id"] == requested.json()["id"]
    received = (await get(buyer, f"/buyOffer/{buy_id}/tradeRequestReceived/")).json()
    assert [r["userId"] for r in received] == [seller.id]
    assert (await get(buyer, f"/buyOffer/{buy_id}/tradeRequestReceived/{seller.id}")).json()["buyOfferId"] == buy_id
    assert (await post(seller, f"{path}/chat", {"messageEncrypted": PAYMENT_DATA})).status_code == 200
    chat = (await get(buyer, f"/buyOffer/{buy_id}/tradeRequestReceived/{seller.id}/chat")).json()
    assert [m["sender"] for m in chat] == ["tradeRequester"]
    # (Accepting it: test_a_buy_offer_trade_* below and test_app_buy_offer.py.)
    assert (await get(seller, f"/buyOffer/{buy_id}/hasTurnedToMyContract")).json() == {"success": False}
    assert (await get(seller, f"/buyOffer/{buy_id}/canPerformInstantTrade")).json() == {"result": False}
    assert (await delete(buyer, f"/buyOffer/{buy_id}/tradeRequestReceived/{seller.id}")).json() == {"success": True}

    assert (await delete(seller, f"/buyOffer/{buy_id}")).status_code == 404
    assert (await post(seller, path, request_body(seller, buyer))).status_code == 200  # asks again
    assert (await delete(buyer, f"/buyOffer/{buy_id}")).json() == {"success": True}
    assert [e for _, e, _ in await pushes(platform)][-1] == "offer.expressSellTradeRequestRemovedAlongsideOffer"
    assert (await get(seller, path)).status_code == 404
    assert (await get(seller, "/buyOffer")).json()["offers"] == []
    assert (await get(buyer, f"/buyOffer/{buy_id}")).json()["status"] == "canceled"
    assert (await get(seller, f"/buyOffer/{buy_id}")).status_code == 404
    assert (await delete(buyer, f"/buyOffer/{buy_id}")).status_code == 400

    for field, change in {
        "amount": {"amount": 1},
        "meansOfPayment": {"meansOfPayment": {"EUR": ["nope"]}},
        "releaseAddressMessageSignatures": {"releaseAddressMessageSignatures": ["H" + "A" * 87]},
        "experienceLevelCriteria": {"experienceLevelCriteria": "anyone"},
        "premium": {"premium": None},
    }.items():
        answer = await post(buyer, "/buyOffer", buy_offer_body(buyer, **change))
        assert answer.status_code == 400 and field in answer.json()["message"], (field, answer.text)
    # `multi`: several equal offers, one signed address each; the answer is the first.
    two = buy_offer_body(buyer, multi=2)
    two["releaseAddresses"] *= 2
    two["releaseAddressMessageSignatures"] *= 2
    first = (await post(buyer, "/buyOffer", two)).json()
    own = [o["id"] for o in (await get(buyer, "/buyOffer?ownOffers=true")).json()["offers"]]
    assert first["multi"] == 2 and sorted(own)[-2:] == [first["id"], first["id"] + 1]
    short = await post(buyer, "/buyOffer", buy_offer_body(buyer, multi=2))
    assert short.status_code == 400 and "releaseAddresses" in short.json()["message"]
    # Without a release address (the app's Peach wallet names it later).
    bare = buy_offer_body(buyer, releaseAddresses=None, releaseAddressMessageSignatures=None)
    assert (await post(buyer, "/buyOffer", bare)).json()["releaseAddress"] == ""


async def test_self_user_settings(app_factory: Any) -> None:
    me, other = await app_factory(), await app_factory()
    await with_pgp(other)
    first = (await get(me, "/selfUser/")).json()
    assert first == {
        "user": {
            "id": me.id,
            "offerAlertsActive": False,
            "lastAddressUsedIndex": None,
            "encryptedPaymentData": None,
            "encryptedPaymentDataSignature": None,
            "blockedUserIds": [],
        }
    }
    assert (await post(me, "/selfUser/toggleOfferFilterNotification", {"active": True})).json() == {"success": True}
    assert (await post(me, "/selfUser/lastAddressUsedIndex", {"index": 7})).json() == {"success": True}
    stored = {"encryptedPaymentData": PAYMENT_DATA, "encryptedPaymentDataSignature": SIGNATURE}
    assert (await post(me, "/selfUser/encryptedPaymentData", stored)).json() == {"success": True}
    assert (await me.client.put(f"/peach/v1/user/{other.id}/block", headers=me.headers)).status_code == 200
    user = (await get(me, "/selfUser")).json()["user"]
    assert user["offerAlertsActive"] is True and user["lastAddressUsedIndex"] == 7
    assert user["encryptedPaymentData"] == PAYMENT_DATA and user["blockedUserIds"] == [other.id]
    blocked = (await get(me, "/selfUser/blockedUsers")).json()["users"]
    assert [u["id"] for u in blocked] == [other.id] and len(blocked[0]["pgpPublicKeys"]) == 1
    assert (await get(other, "/selfUser")).json()["user"]["offerAlertsActive"] is False

    for path, body, field in (
        ("/selfUser/lastAddressUsedIndex", {"index": -1}, "index"),
        ("/selfUser/toggleOfferFilterNotification", {}, "active"),
        ("/selfUser/encryptedPaymentData", {"encryptedPaymentData": "plain"}, "encryptedPaymentData"),
    ):
        answer = await post(me, path, body)
        assert answer.status_code == 400 and field in answer.json()["message"], answer.text
    assert (await get(me, "/selfUser")).json()["user"]["lastAddressUsedIndex"] == 7


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
async def test_two_buyers_racing_for_one_sell_offer_make_one_contract(
    engine: str, app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller, first, second = await app_factory(), await app_factory(), await app_factory()
    sell_id, _ = await funded_sell_offer(seller, platform, run_jobs)
    await with_pgp(first)
    await with_pgp(second)
    path = f"/sellOffer/{sell_id}/tradeRequestPerformed"
    both = await asyncio.gather(
        post(first, path, request_body(first, seller)), post(second, path, request_body(second, seller))
    )
    assert [a.status_code for a in both] == [200, 200]
    accepts = await asyncio.gather(
        *(post(seller, f"/sellOffer/{sell_id}/tradeRequestReceived/{b.id}/accept", ACCEPT) for b in (first, second))
    )
    codes = sorted((a.status_code, a.json().get("error")) for a in accepts)
    assert codes == [(200, None), (401, "OFFER_TAKEN")], [a.text for a in accepts]
    assert await contracts_of(platform, sell_id) == 1
    winner = next(a.json() for a in accepts if a.status_code == 200)
    assert (await seller.get(f"/contract/{winner['id']}")).status_code == 200


async def test_the_v069_surface_documents_itself(client: httpx.AsyncClient) -> None:
    spec = (await client.get(f"{V069}/openapi.json")).json()
    assert spec["servers"] == [{"url": V069}]
    paths = spec["paths"]
    for path in (
        "/sellOffer",
        "/sellOffer/{offerId}/tradeRequestReceived/{userId}/accept",
        "/buyOffer/{offerId}/tradeRequestPerformed/chat",
        "/selfUser/lastAddressUsedIndex",
        "/user/{userId}/offers",
    ):
        assert path in paths, path
    ids = [op["operationId"] for item in paths.values() for op in item.values()]
    assert len(ids) == len(set(ids))
    assert (await client.get(f"{V069}/docs")).status_code == 200
    assert f'href="{V069}/docs"' in (await client.get("/")).text


# ---------------------------------------------------------------- instant trades on sell offers

SEPA_DATA = '{"beneficiary":"Ama Mensah","iban":"DE89370400440532013000","bic":"COBADEFFXXX"}'
ANYONE = {"minReputation": -1, "minTrades": 0, "badges": []}  # usePostSellOffer's 0 peaches, interpolated


async def platform_key_of(app: App) -> str:
    return str((await app.client.get("/peach/v1/info")).json()["peach"]["pgpPublicKey"])


def sealed_for(seller: App, recipient: str, text: str = SEPA_DATA, signer: App | None = None) -> dict[str, str]:
    """signAndEncrypt of the cleaned payment data: encrypted to `recipient`, signed by the seller's PGP key."""
    cert = pysequoia.Cert.from_bytes(recipient.encode())
    signing = PGP[(signer or seller).id]
    return {
        "encrypted": pysequoia.encrypt(text.encode(), recipients=[cert]).decode(),
        "signature": pysequoia.sign(signing.signer(), text.encode(), mode=pysequoia.SignatureMode.DETACHED).decode(),
    }


async def instant_offer(
    seller: App, platform: Platform, run_jobs: Any, criteria: dict[str, Any] | None = ANYONE, **entry: str
) -> str:
    """A funded sell offer posted as SellOfferPreferences.tsx posts one with an instant trade."""
    await with_pgp(seller)
    sealed = entry or sealed_for(seller, await platform_key_of(seller))
    data = {"sepa": {"hashes": seller.hashes("sell"), **sealed}}
    sell_id, _ = await funded_sell_offer(seller, platform, run_jobs, paymentData=data, instantTradeCriteria=criteria)
    return sell_id


async def nothing_taken(platform: Platform, buyer: App, sell_id: str) -> None:
    assert await contracts_of(platform, sell_id) == 0
    assert (await get(buyer, f"/sellOffer/{sell_id}/tradeRequestPerformed")).status_code == 404


async def test_sell_offer_instant_terms_are_checked_and_shown_to_the_owner_only(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller, buyer = await app_factory(), await app_factory()
    await with_pgp(seller)
    key = await platform_key_of(seller)
    sealed = sealed_for(seller, key)
    hashes = seller.hashes("sell")
    refused = [
        ({"sepa": {"hashes": hashes, "encrypted": "not pgp", "signature": sealed["signature"]}}, ANYONE,
         "paymentData.sepa.encrypted"),
        ({"sepa": {"hashes": hashes, "encrypted": sealed["encrypted"]}}, ANYONE, "paymentData.sepa.signature"),
        ({"sepa": {"hashes": hashes, "selfEncrypted": sealed["signature"],
                   "selfEncryptedSignature": sealed["signature"]}}, None, "paymentData.sepa.selfEncrypted"),
        ({"sepa": {"hashes": hashes, "encrypted": "-----BEGIN PGP MESSAGE-----\n" + "A" * 20_001,
                   "signature": sealed["signature"]}}, ANYONE, "encrypted"),
        ({"sepa": {"hashes": hashes, **sealed}}, {**ANYONE, "minReputation": 2}, "minReputation"),
        ({"sepa": {"hashes": hashes, **sealed}}, {**ANYONE, "minTrades": -1}, "minTrades"),
        ({"sepa": {"hashes": hashes, **sealed}}, {**ANYONE, "badges": "superTrader"}, "badges"),
    ]  # fmt: skip
    for data, criteria, field in refused:
        answer = await seller.post("/offer", seller.sell_body(paymentData=data, instantTradeCriteria=criteria))
        assert answer.status_code == 400, (field, answer.text)
        assert answer.json()["error"] == "FORM_INVALID" and field in answer.json()["message"], answer.text
    assert (await seller.get("/offers")).json() == []  # nothing half-written

    sell_id = await instant_offer(seller, platform, run_jobs, **sealed)
    own = (await seller.get(f"/offer/{sell_id}/details")).json()
    assert own["instantTradeCriteria"] == {"minReputation": -1, "minTrades": 0, "badges": []}
    assert own["paymentData"]["sepa"] == {"hashes": hashes, **sealed}
    assert (await seller.get("/offers")).json()[0]["paymentData"]["sepa"]["encrypted"] == sealed["encrypted"]
    assert (await get(seller, f"/sellOffer/{sell_id}")).json()["paymentData"]["sepa"]["signature"] == sealed[
        "signature"
    ]
    seen = (await get(buyer, f"/sellOffer/{sell_id}")).json()
    assert seen["paymentData"]["sepa"] == {"hashes": hashes} and seen["instantTradeCriteria"]["minTrades"] == 0
    assert "paymentData" not in (await buyer.get(f"/offer/{sell_id}")).json()
    # A document-shaped sell offer is answered as before: no terms.
    plain = await seller.post("/offer", seller.sell_body(paymentData={"sepa": {"hashes": buyer.hashes("x")}}))
    assert plain.status_code == 200, plain.text
    assert "instantTradeCriteria" not in plain.json() and plain.json()["paymentData"] == {
        "sepa": {"hashes": buyer.hashes("x")}
    }


async def test_instant_trades_are_refused_unless_every_condition_holds(
    app_factory: Any, platform: Platform, run_jobs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seller, buyer = await app_factory(), await app_factory()
    await with_pgp(seller)
    await with_pgp(buyer)
    key = await platform_key_of(seller)

    async def refused(sell_id: str, status: int, error: str, words: str) -> None:
        assert (await get(buyer, f"/sellOffer/{sell_id}/canPerformInstantTrade")).json()["result"] in (True, False)
        answer = await post(buyer, f"/sellOffer/{sell_id}/performInstantTrade", request_body(buyer, seller))
        assert answer.status_code == status, answer.text
        assert answer.json()["error"] == error and words in answer.json()["message"], answer.text
        await nothing_taken(platform, buyer, sell_id)

    # No instant trade: a plain offer, and criteria nobody new meets.
    plain, _ = await funded_sell_offer(seller, platform, run_jobs)
    assert (await get(buyer, f"/sellOffer/{plain}/canPerformInstantTrade")).json() == {"result": False}
    await refused(plain, 401, "CANNOT_MATCH", "does not allow instant trades")
    strict = await instant_offer(seller, platform, run_jobs, criteria={**ANYONE, "minTrades": 5})
    assert (await get(buyer, f"/sellOffer/{strict}/canPerformInstantTrade")).json() == {"result": False}
    assert (await get(buyer, "/sellOffer")).json()["offers"][0]["allowedToInstantTrade"] is False
    await refused(strict, 401, "CANNOT_MATCH", "criteria")
    medal = await instant_offer(seller, platform, run_jobs, criteria={**ANYONE, "badges": ["superTrader"]})
    await refused(medal, 401, "CANNOT_MATCH", "criteria")
    veterans = await instant_offer(seller, platform, run_jobs, criteria={**ANYONE, "minReputation": 0.8})
    await refused(veterans, 401, "CANNOT_MATCH", "criteria")

    # Criteria met, but the seller's data for the platform is missing, unreadable or not the seller's.
    no_data = await instant_offer(
        seller, platform, run_jobs, selfEncrypted=PAYMENT_DATA, selfEncryptedSignature=SIGNATURE
    )
    assert (await get(buyer, f"/sellOffer/{no_data}/canPerformInstantTrade")).json() == {"result": True}
    await refused(no_data, 400, "FORM_INVALID", "paymentMethod")
    wrong_key = await instant_offer(
        seller, platform, run_jobs, **sealed_for(seller, str(PGP[buyer.id].extract_certificate()))
    )
    await refused(wrong_key, 401, "CANNOT_MATCH", "cannot be read")
    forged = await instant_offer(seller, platform, run_jobs, **sealed_for(seller, key, signer=buyer))
    await refused(forged, 401, "CANNOT_MATCH", "not signed by the seller")

    # One's own offer; a method the offer does not take.
    sealed = sealed_for(seller, key)
    good = await instant_offer(seller, platform, run_jobs, **sealed)
    assert (await get(seller, f"/sellOffer/{good}/canPerformInstantTrade")).json() == {"result": False}
    own = await post(seller, f"/sellOffer/{good}/performInstantTrade", request_body(seller, buyer))
    assert own.status_code == 401 and own.json()["error"] == "CANNOT_MATCH", own.text
    other_method = await post(
        buyer, f"/sellOffer/{good}/performInstantTrade", request_body(buyer, seller, paymentMethod="revolut")
    )
    assert other_method.status_code == 400 and "paymentMethod" in other_method.json()["message"], other_method.text
    await nothing_taken(platform, buyer, good)

    # The operator keeps the platform's secret key: this server cannot read the payment data.
    monkeypatch.setattr(platform.settings, "peach_pgp_public_key", str(PGP[seller.id].extract_certificate()))
    await refused(good, 401, "CANNOT_MATCH", "secret key")
    monkeypatch.undo()

    # Everything holds: the contract at once, asymmetric, readable by both parties.
    taken = await post(buyer, f"/sellOffer/{good}/performInstantTrade", request_body(buyer, seller))
    assert taken.status_code == 200, taken.text
    contract = taken.json()
    assert contract["id"].startswith(f"{good}-") and contract["paymentDataEncryptionMethod"] == "asymmetric"
    assert contract["paymentDataSignature"] == sealed["signature"]  # the seller's own, kept
    for party in (buyer, seller):
        read = (await party.get(f"/contract/{contract['id']}")).json()
        assert read["paymentDataEncryptionMethod"] == "asymmetric" and read["buyerPaymentDataEncrypted"] == PAYMENT_DATA
        opened = pysequoia.decrypt(read["paymentDataEncrypted"].encode(), decryptor=PGP[party.id].decryptor()).bytes
        assert bytes(opened).decode() == SEPA_DATA
    assert (await get(buyer, f"/sellOffer/{good}/tradeRequestPerformed")).status_code == 200
    again = await post(buyer, f"/sellOffer/{good}/performInstantTrade", request_body(buyer, seller))
    assert again.status_code == 404 and again.json()["error"] == "NOT_FOUND", again.text
    assert await contracts_of(platform, good) == 1


async def test_a_revived_instant_offer_stays_instant(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    """After a canceled instant trade the seller revives the offer (v1 revive): its terms and its
    payment data for the platform go with it, so the next buyer can take it at once too."""
    seller, buyer, next_buyer = await app_factory(), await app_factory(), await app_factory()
    for app in (seller, buyer, next_buyer):
        await with_pgp(app)
    sell_id = await instant_offer(seller, platform, run_jobs)
    taken = await post(buyer, f"/sellOffer/{sell_id}/performInstantTrade", request_body(buyer, seller))
    assert taken.status_code == 200, taken.text
    contract_id = taken.json()["id"]
    assert (await seller.post(f"/contract/{contract_id}/cancel")).json() == {"success": True}
    assert (await buyer.post(f"/contract/{contract_id}/cancel/confirm")).json() == {"success": True}
    revived = await seller.post(f"/offer/{sell_id}/revive")
    assert revived.status_code == 200, revived.text
    new_id = revived.json()["newOfferId"]
    details = (await seller.get(f"/offer/{new_id}/details")).json()
    assert details["instantTradeCriteria"] == {"minReputation": -1, "minTrades": 0, "badges": []}
    assert details["paymentData"]["sepa"]["encrypted"].startswith("-----BEGIN PGP MESSAGE-----")
    assert (await get(next_buyer, f"/sellOffer/{new_id}/canPerformInstantTrade")).json() == {"result": True}
    again = await post(next_buyer, f"/sellOffer/{new_id}/performInstantTrade", request_body(next_buyer, seller))
    assert again.status_code == 200, again.text
    assert again.json()["paymentDataEncryptionMethod"] == "asymmetric"


async def test_contracts_of_v1_matching_keep_the_documents_shape(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    """The v069 contract fields are additive: a contract of v1 matching is answered as before."""
    seller, buyer = await app_factory(), await app_factory()
    contract_id, *_ = await open_contract(seller, buyer, platform, run_jobs)
    view = (await buyer.get(f"/contract/{contract_id}")).json()
    added = {"paymentDataEncryptionMethod", "buyerPaymentDataEncrypted", "buyerPaymentDataSignature"}
    assert view["id"] == contract_id and not added & set(view)
    assert not added & set((await seller.get("/contracts")).json()[0])


# ---------------------------------------------------------------- buy-offer trades


async def buy_offer_with_requests(buyer: App, *sellers: App) -> int:
    """A v069 buy offer of 250 000 sats and a trade request from each seller (its own symmetric
    key and payment data, as ExpressSellTradeRequestToBuyOffer.tsx sends them)."""
    await with_pgp(buyer)
    created = await post(buyer, "/buyOffer", buy_offer_body(buyer, instantTradeCriteria=None, minReputation=None))
    assert created.status_code == 200, created.text
    buy_id = int(created.json()["id"])
    for seller in sellers:
        await with_pgp(seller)
        body = request_body(seller, buyer, paymentDataHashed={"sepa": {"hashes": seller.hashes("sell")}})
        requested = await post(seller, f"/buyOffer/{buy_id}/tradeRequestPerformed", body)
        assert requested.status_code == 200, requested.text
    return buy_id


async def contracts_of_buy_offer(platform: Platform, buy_id: int) -> list[Contract]:
    async with platform.db.transaction() as session:
        return list(await session.scalars(select(Contract).where(Contract.buy_offer_id == buy_id)))


async def test_a_buy_offer_trade_accepted_twice_and_canceled_unfunded(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    buyer, seller, other = await app_factory(), await app_factory(), await app_factory()
    buy_id = await buy_offer_with_requests(buyer, seller, other)
    accept = f"/buyOffer/{buy_id}/tradeRequestReceived/{seller.id}/accept"
    accepted = await post(buyer, accept, ACCEPT)
    assert accepted.status_code == 200, accepted.text
    contract_id = accepted.json()["id"]
    sell_id = contract_id.split("-")[0]
    assert accepted.json()["buyerPaymentDataEncrypted"] == PAYMENT_DATA  # the buyer's, from its accept

    # Accepting again, or another seller's request: one contract, the other request is gone.
    again = await post(buyer, accept, ACCEPT)
    assert (again.status_code, again.json()["error"]) == (401, "OFFER_TAKEN"), again.text
    second = await post(buyer, f"/buyOffer/{buy_id}/tradeRequestReceived/{other.id}/accept", ACCEPT)
    assert second.status_code == 404, second.text
    assert [e for u, e, _ in await pushes(platform) if e.endswith("NotChosen")] == [
        "offer.expressSellTradeRequestNotChosen"
    ]
    assert len(await contracts_of_buy_offer(platform, buy_id)) == 1
    assert await pushes(platform, "offer.matchReceived") == []  # no v1 match step for the app to show
    assert [e for _, e, _ in await pushes(platform, "contract.")] == ["contract.contractCreated"]  # the seller's
    assert (await get(seller, "/buyOffer")).json()["offers"] == []  # taken: no longer listed
    turned = (await get(seller, f"/buyOffer/{buy_id}/hasTurnedToMyContract")).json()
    assert turned["success"] is True and turned["contract"]["id"] == contract_id

    # Nothing to pay, dispute or withdraw before the escrow exists.
    seller_view = (await seller.get(f"/contract/{contract_id}")).json()
    assert seller_view["tradeStatus"] == "createEscrow" and seller_view["escrow"] is None
    assert seller_view["amount"] == 250_000 and seller_view["paymentDataEncrypted"] == PAYMENT_DATA
    assert (await buyer.get(f"/contract/{contract_id}")).json()["tradeStatus"] == "waitingForFunding"
    assert (await buyer.post(f"/contract/{contract_id}/payment/confirm")).status_code == 400
    withdrawn = await seller.post(f"/offer/{sell_id}/cancel")
    assert withdrawn.status_code == 400 and "contract" in withdrawn.json()["message"]
    not_mine = await buyer.post(f"/offer/{sell_id}/escrow", {"publicKey": buyer.id})
    assert not_mine.status_code == 404

    escrow = await seller.post(f"/offer/{sell_id}/escrow", {"publicKey": seller.id, "returnAddress": "nope"})
    assert escrow.status_code == 400 and "returnAddress" in escrow.json()["message"]
    escrow = await seller.post(f"/offer/{sell_id}/escrow", {"publicKey": seller.id, "returnAddress": seller.address()})
    assert escrow.status_code == 200, escrow.text
    seller_view = (await seller.get(f"/contract/{contract_id}")).json()
    assert seller_view["tradeStatus"] == "fundEscrow" and seller_view["escrow"] == escrow.json()["escrow"]

    # The seller cancels before funding: at once, nothing owed, nothing left running.
    canceled = await seller.post(f"/contract/{contract_id}/cancel")
    assert canceled.status_code == 200 and canceled.json() == {"success": True}, canceled.text
    seller_view = (await seller.get(f"/contract/{contract_id}")).json()
    assert seller_view["canceled"] is True and seller_view["wasCanceledBySellerBeforeFundingTheEscrow"] is True
    assert seller_view["tradeStatus"] == "offerCanceled"
    assert (await buyer.get(f"/contract/{contract_id}")).json()["tradeStatus"] == "tradeCanceled"
    assert (await seller.get(f"/offer/{sell_id}/escrow")).json()["funding"]["status"] == "CANCELED"
    assert (await seller.post(f"/contract/{contract_id}/cancel")).status_code == 400
    async with platform.db.transaction() as session:
        jobs = list(await session.scalars(select(Job).where(Job.kind == "peach.payment_deadline")))
    assert [j for j in jobs if j.payload.get("contractId") == contract_id] == []
    # The buyer's offer is back for other sellers; the escrow watcher ends with the offer.
    assert [o["id"] for o in (await get(other, "/buyOffer")).json()["offers"]] == [buy_id]
    await run_jobs()
    [contract] = await contracts_of_buy_offer(platform, buy_id)
    assert contract.escrow_id is None and contract.canceled


async def test_a_buy_offer_trade_funded_with_a_wrong_amount_is_refunded(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    buyer, seller = await app_factory(), await app_factory()
    buy_id = await buy_offer_with_requests(buyer, seller)
    accepted = await post(buyer, f"/buyOffer/{buy_id}/tradeRequestReceived/{seller.id}/accept", ACCEPT)
    contract_id = accepted.json()["id"]
    sell_id = contract_id.split("-")[0]
    escrow = await seller.post(f"/offer/{sell_id}/escrow", {"publicKey": seller.id, "returnAddress": seller.address()})
    await fund(platform, escrow.json()["escrow"], 240_000)
    await mine(platform)
    await watch(run_jobs)
    seller_view = (await seller.get(f"/contract/{contract_id}")).json()
    assert seller_view["tradeStatus"] == "wrongAmountFundedOnContract" and seller_view["amount"] == 250_000
    buyer_view = (await buyer.get(f"/contract/{contract_id}")).json()
    assert buyer_view["tradeStatus"] == "waitingForFunding" and buyer_view["escrowFundedWithWrongAmount"] is True
    # The contract fixes the amount: the v1 "accept what I sent" is refused; cancel and refund.
    kept = await seller.post(f"/offer/{sell_id}/escrow/confirm")
    assert kept.status_code == 400 and "contract" in kept.json()["message"]
    assert (await seller.post(f"/contract/{contract_id}/cancel")).status_code == 200
    refund = await seller.post(f"/offer/{sell_id}/cancel")
    assert refund.status_code == 200, refund.text
    assert refund.json()["returnAddress"] == seller.address()
    assert refund.json()["amount"] + refund.json()["fees"] == 240_000


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
async def test_two_sellers_accepted_at_once_on_one_buy_offer_make_one_contract(
    engine: str, app_factory: Any, platform: Platform
) -> None:
    buyer, first, second = await app_factory(), await app_factory(), await app_factory()
    buy_id = await buy_offer_with_requests(buyer, first, second)
    accepts = await asyncio.gather(
        *(post(buyer, f"/buyOffer/{buy_id}/tradeRequestReceived/{s.id}/accept", ACCEPT) for s in (first, second))
    )
    codes = sorted(a.status_code for a in accepts)
    assert codes[0] == 200 and codes[1] in (401, 404), [a.text for a in accepts]
    [contract] = await contracts_of_buy_offer(platform, buy_id)
    winner = next(a.json() for a in accepts if a.status_code == 200)
    assert contract.id == winner["id"] and contract.escrow_id is None


async def test_an_instant_trade_on_a_buy_offer(app_factory: Any, platform: Platform) -> None:
    buyer, seller = await app_factory(), await app_factory()
    await with_pgp(buyer)
    await with_pgp(seller)
    strict = await post(buyer, "/buyOffer", buy_offer_body(buyer, minReputation=None))  # needs 3 trades, a badge
    open_to_all = buy_offer_body(buyer, minReputation=None)
    open_to_all["instantTradeCriteria"] = {"minReputation": 0, "minTrades": 0, "badges": []}
    easy = await post(buyer, "/buyOffer", open_to_all)
    strict_id, easy_id = strict.json()["id"], easy.json()["id"]
    body = request_body(seller, buyer, paymentDataHashed={"sepa": {"hashes": seller.hashes("sell")}})

    assert (await get(seller, f"/buyOffer/{strict_id}/canPerformInstantTrade")).json() == {"result": False}
    refused = await post(seller, f"/buyOffer/{strict_id}/performInstantTrade", body)
    assert (refused.status_code, refused.json()["error"]) == (401, "CANNOT_MATCH"), refused.text
    assert (await get(seller, f"/buyOffer/{strict_id}/tradeRequestPerformed")).status_code == 404  # nothing written
    assert (await get(buyer, f"/buyOffer/{easy_id}/canPerformInstantTrade")).json() == {"result": False}  # own

    assert (await get(seller, f"/buyOffer/{easy_id}/canPerformInstantTrade")).json() == {"result": True}
    listed = {o["id"]: o["allowedToInstantTrade"] for o in (await get(seller, "/buyOffer")).json()["offers"]}
    assert listed == {strict_id: False, easy_id: True}  # the browse list says what canPerformInstantTrade says
    traded = await post(seller, f"/buyOffer/{easy_id}/performInstantTrade", body)
    assert traded.status_code == 200, traded.text
    contract = traded.json()
    assert contract["id"].endswith(f"-{easy_id}") and contract["tradeStatus"] == "createEscrow"
    assert contract.get("buyerPaymentDataEncrypted") is None and contract["paymentDataEncrypted"] == PAYMENT_DATA
    assert (await buyer.get(f"/contract/{contract['id']}")).json()["tradeStatus"] == "waitingForFunding"
    assert len(await contracts_of_buy_offer(platform, easy_id)) == 1
    again = await post(seller, f"/buyOffer/{easy_id}/performInstantTrade", body)
    assert again.status_code == 404  # no longer listed
