"""Contract chat between two apps: PGP messages stored and served as sent, pages of 21, read
markers, unread counts, a push notice to the counterparty, and live delivery over the
WebSocket while the counterparty is connected."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pysequoia
import pytest
from sqlalchemy import func, select

from peerx.core.clock import clock
from peerx.core.errors import Forbidden, NotFound
from peerx.ops.bitcoin.chat import disputed_chat
from peerx.platform import Platform
from peerx.products.bitcoin.contracts.repository import MessageCount, message_counts
from peerx.products.bitcoin.models import PeachChatMessage, PeachUser
from peerx.products.bitcoin.social import api as api_social
from tests.fixtures.factories.bitcoin import PEACH
from tests.products.bitcoin.social import (
    chat_message,
    complete,
    connect,
    open_contract,
    party,
    pushes,
    read_message,
    ws_client,
)

KEY = "d3adbeefcafe0123456789abcdef0123456789abcdef0123456789abcdef0123"  # the contract's symmetric key


async def user_id(platform: Platform, public_key: str) -> int:
    async with platform.db.transaction() as session:
        found = await session.scalar(select(PeachUser.id).where(PeachUser.public_key == public_key))
        assert found is not None
        return found


async def test_messages_round_trip_read_markers_and_push(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    seller, buyer = await party(app_factory), await party(app_factory)
    contract = await open_contract(platform, run_jobs, seller.app, buyer.app)
    sent = chat_message(seller, KEY, "Hi, here is my IBAN reference")
    assert (await seller.app.post(f"/contract/{contract}/chat", sent)).json() == {"success": True}
    answer = await buyer.app.post(f"/contract/{contract}/chat", chat_message(buyer, KEY, "Paid, check please"))
    assert answer.status_code == 200

    log = (await buyer.app.get(f"/contract/{contract}/chat")).json()
    assert [entry["from"] for entry in log] == [seller.id, buyer.id]
    first = log[0]
    assert first["message"] == sent["message"] and first["signature"] == sent["signature"]  # stored as sent
    assert first["roomid"] == contract and first["readBy"] == [seller.id] and first["date"].endswith("Z")
    assert read_message(first, seller, KEY) == "Hi, here is my IBAN reference"
    assert read_message(log[1], buyer, KEY) == "Paid, check please"

    counted = (await buyer.app.get(f"/contract/{contract}")).json()
    assert (counted["messages"], counted["unreadMessages"]) == (2, 1)
    buyer_id, seller_id = await user_id(platform, buyer.id), await user_id(platform, seller.id)
    async with platform.db.transaction() as session:
        assert await message_counts(session, buyer_id, [contract, "9-9"]) == {
            contract: MessageCount(2, 1),
            "9-9": MessageCount(0, 0),
        }
        assert await message_counts(session, seller_id, [contract]) == {contract: MessageCount(2, 1)}
    # The buyer read index 0..1: only the seller's message changes (one's own is always read).
    marked = await buyer.app.post(f"/contract/{contract}/chat/received", {"start": 0, "end": 1})
    assert marked.json() == {"success": True}
    log = (await seller.app.get(f"/contract/{contract}/chat")).json()
    assert log[0]["readBy"] == [seller.id, buyer.id] and log[1]["readBy"] == [buyer.id]
    async with platform.db.transaction() as session:
        assert await message_counts(session, buyer_id, [contract]) == {contract: MessageCount(2, 0)}
        assert await message_counts(session, seller_id, [contract]) == {contract: MessageCount(2, 1)}

    queued = [p for p in await pushes(platform) if p["event"] == "contract.chat"]
    assert queued == [
        {"userId": buyer_id, "event": "contract.chat", "data": {"contractId": contract}},
        {"userId": seller_id, "event": "contract.chat", "data": {"contractId": contract}},
    ]


async def test_the_chat_of_a_finished_trade_is_closed_but_readable(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller, buyer = await party(app_factory), await party(app_factory)
    contract = await open_contract(platform, run_jobs, seller.app, buyer.app)
    assert (await seller.app.post(f"/contract/{contract}/chat", chat_message(seller, KEY, "bye"))).status_code == 200
    await complete(seller.app, buyer.app, contract)
    closed = await buyer.app.post(f"/contract/{contract}/chat", chat_message(buyer, KEY, "late"))
    assert closed.status_code == 400 and closed.json()["error"] == "BAD_REQUEST"
    assert (await buyer.app.get(f"/contract/{contract}")).json()["isChatActive"] is False
    assert [e["from"] for e in (await buyer.app.get(f"/contract/{contract}/chat")).json()] == [seller.id]


async def test_form_data_post_as_the_document_shows(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    seller, buyer = await party(app_factory), await party(app_factory)
    contract = await open_contract(platform, run_jobs, seller.app, buyer.app)
    answer = await buyer.app.client.post(
        f"{PEACH}/contract/{contract}/chat",
        headers=buyer.app.headers,
        files={name: (None, value) for name, value in chat_message(buyer, KEY, "form").items()},
    )
    assert answer.status_code == 200, answer.text
    assert read_message((await seller.app.get(f"/contract/{contract}/chat")).json()[0], buyer, KEY) == "form"


async def test_pages_of_21_latest_first(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    seller, buyer = await party(app_factory), await party(app_factory)
    contract = await open_contract(platform, run_jobs, seller.app, buyer.app)
    for n in range(23):
        sender = seller if n % 2 == 0 else buyer
        assert (
            await sender.app.post(f"/contract/{contract}/chat", chat_message(sender, KEY, f"m{n}"))
        ).status_code == 200
    page0 = (await buyer.app.get(f"/contract/{contract}/chat")).json()
    page1 = (await buyer.app.get(f"/contract/{contract}/chat", params={"page": 1})).json()
    page2 = (await buyer.app.get(f"/contract/{contract}/chat", params={"page": 2})).json()
    assert [read_message(e, seller if e["from"] == seller.id else buyer, KEY) for e in page0] == [
        f"m{n}" for n in range(2, 23)
    ]
    assert [read_message(page1[0], seller, KEY), read_message(page1[1], buyer, KEY)] == ["m0", "m1"]
    assert len(page1) == 2 and page2 == []
    # Read markers address the room's indexes: 21..22 are the two newest.
    assert (await seller.app.post(f"/contract/{contract}/chat/received", {"start": 21, "end": 22})).status_code == 200
    page0 = (await buyer.app.get(f"/contract/{contract}/chat")).json()
    assert page0[-1]["readBy"] == [seller.id]  # m22 is the seller's own
    assert page0[-2]["readBy"] == [buyer.id, seller.id]  # m21, the buyer's, now read by the seller


async def test_only_the_parties_and_bad_input_leaves_nothing(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller, buyer = await party(app_factory), await party(app_factory)
    outsider = await party(app_factory)
    contract = await open_contract(platform, run_jobs, seller.app, buyer.app)
    message = chat_message(outsider, KEY, "let me in")
    for answer in (
        await outsider.app.get(f"/contract/{contract}/chat"),
        await outsider.app.post(f"/contract/{contract}/chat", message),
        await outsider.app.post(f"/contract/{contract}/chat/received", {"start": 0, "end": 0}),
    ):
        assert answer.status_code == 401 and answer.json()["error"] == "UNAUTHORIZED"
    missing = await seller.app.get("/contract/999-998/chat")
    assert missing.status_code == 404 and missing.json()["error"] == "NOT_FOUND"
    unauthenticated = await seller.app.client.get(f"{PEACH}/contract/{contract}/chat")
    assert unauthenticated.status_code == 401

    bad = [
        ({"message": "plain text", "signature": message["signature"]}, "message"),
        ({"message": message["message"], "signature": "nope"}, "signature"),
        ({"signature": message["signature"]}, "message"),
        ({"message": message["message"], "signature": 7}, "signature"),
    ]
    for body, field in bad:
        answer = await seller.app.post(f"/contract/{contract}/chat", body)
        assert answer.status_code == 400 and answer.json()["error"] == "FORM_INVALID", answer.text
        assert field in answer.json()["message"]
    for body, field in (({"start": 2, "end": 1}, "end"), ({"start": -1, "end": 1}, "start"), ({"end": 1}, "start")):
        answer = await seller.app.post(f"/contract/{contract}/chat/received", body)
        assert answer.status_code == 400 and field in answer.json()["message"], answer.text
    answer = await seller.app.get(f"/contract/{contract}/chat", params={"page": "x"})
    assert answer.status_code == 400 and "page" in answer.json()["message"]
    async with platform.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(PeachChatMessage)) == 0
    assert [p for p in await pushes(platform) if p["event"] == "contract.chat"] == []


async def test_websocket_delivers_new_messages_to_the_connected_party(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller, buyer = await party(app_factory), await party(app_factory)
    contract = await open_contract(platform, run_jobs, seller.app, buyer.app)
    async with ws_client(platform) as http, connect(http, buyer.app.headers) as buyer_ws:
        assert await buyer_ws.receive_json() == {"event": "connected"}
        async with connect(http) as seller_ws:  # token in the first frame
            await seller_ws.send_json({"accessToken": seller.app.token})
            assert await seller_ws.receive_json() == {"event": "connected"}
            sent = chat_message(seller, KEY, "are you there?")
            assert (await seller.app.post(f"/contract/{contract}/chat", sent)).status_code == 200
            event = await asyncio.wait_for(buyer_ws.receive_json(), 5)
            assert event["event"] == "chat" and event["roomid"] == contract
            assert (
                event["message"]["from"] == seller.id
                and read_message(event["message"], seller, KEY) == "are you there?"
            )
            reply = chat_message(buyer, KEY, "yes")
            assert (await buyer.app.post(f"/contract/{contract}/chat", reply)).status_code == 200
            event = await asyncio.wait_for(seller_ws.receive_json(), 5)
            assert read_message(event["message"], buyer, KEY) == "yes"
        # The sender does not get its own message back; the buyer's socket saw only the seller's.
        assert (await buyer.app.post(f"/contract/{contract}/chat", chat_message(buyer, KEY, "bye"))).status_code == 200
        await buyer_ws.send_text("ping")  # the socket is still served
    history = (await seller.app.get(f"/contract/{contract}/chat")).json()
    assert [read_message(e, seller if e["from"] == seller.id else buyer, KEY) for e in history] == [
        "are you there?",
        "yes",
        "bye",
    ]


async def test_websocket_refuses_a_bad_token(platform: Platform) -> None:
    async with ws_client(platform) as http:
        async with connect(http, {"Authorization": "Bearer x"}) as socket:
            assert await socket.receive_json() == {"event": "error", "error": "UNAUTHORIZED"}
        for first_frame in ("not json", '{"accessToken": "made-up"}', "[]"):
            async with connect(http) as socket:
                await socket.send_text(first_frame)
                assert await socket.receive_json() == {"event": "error", "error": "UNAUTHORIZED"}


async def test_a_socket_lives_no_longer_than_its_token(
    app_factory: Any, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api_social, "RECHECK_SECONDS", 0.05)
    leaving, staying = await app_factory(), await app_factory()
    async with ws_client(platform) as http:
        async with connect(http, leaving.headers) as socket:
            assert await socket.receive_json() == {"event": "connected"}
            assert (await leaving.patch("/user/logout")).json() == {"success": True}
            assert await asyncio.wait_for(socket.receive_json(), 5) == {"event": "error", "error": "UNAUTHORIZED"}
        async with connect(http, staying.headers) as socket:
            assert await socket.receive_json() == {"event": "connected"}
            await asyncio.sleep(0.2)  # re-checked a few times: still valid, nothing sent
            clock.advance(timedelta(minutes=61))  # past the token's hour
            assert await asyncio.wait_for(socket.receive_json(), 5) == {"event": "error", "error": "UNAUTHORIZED"}


async def test_the_mediator_reads_a_chat_only_once_a_dispute_hands_over_the_key(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    platform_pgp = pysequoia.Tsk.generate("mediator@peach.test")  # the operator keeps the secret key
    seller, buyer = await party(app_factory), await party(app_factory)
    contract = await open_contract(platform, run_jobs, seller.app, buyer.app)
    for sender, text in ((seller, "send the money"), (buyer, "I sent it"), (seller, "nothing arrived")):
        assert (await sender.app.post(f"/contract/{contract}/chat", chat_message(sender, KEY, text))).status_code == 200
    async with platform.db.transaction() as session:
        with pytest.raises(Forbidden):
            await disputed_chat(platform, session, contract_id=contract)
        with pytest.raises(NotFound):
            await disputed_chat(platform, session, contract_id="5-6")

    handed = pysequoia.encrypt(KEY.encode(), recipients=[platform_pgp.extract_certificate()]).decode()
    raised = await buyer.app.post(
        f"/contract/{contract}/dispute", {"reason": "unresponsive.seller", "symmetricKeyEncrypted": handed}
    )
    assert raised.status_code == 200, raised.text
    async with platform.db.transaction() as session:
        view = await disputed_chat(platform, session, contract_id=contract)
    assert view["disputeActive"] is True and view["disputeReason"] == "unresponsive.seller" and view["total"] == 3
    key = pysequoia.decrypt(view["symmetricKeyEncrypted"].encode(), decryptor=platform_pgp.decryptor()).bytes
    assert key is not None and key.decode() == KEY
    senders = {seller.id: seller, buyer.id: buyer}
    assert [read_message(e, senders[e["from"]], key.decode()) for e in view["messages"]] == [
        "send the money",
        "I sent it",
        "nothing arrived",
    ]
    # The mediator's reading marks nothing read for the parties.
    assert all(len(e["readBy"]) == 1 for e in (await buyer.app.get(f"/contract/{contract}/chat")).json())
