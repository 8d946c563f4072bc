"""The Peach app's chat, as the current app speaks it (peach-app src/utils/peachAPI/websocket,
src/views/contractChat/ContractChat.tsx, src/views/dispute/useRaiseDispute.ts): its socket at
the API root, a signed sign-in frame, chat and read-receipt frames, messages back with
`roomId`, and the platform's generated PGP key that lets a mediator read a disputed chat."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pysequoia
import pytest
from httpx_ws import AsyncWebSocketSession, WebSocketDisconnect, aconnect_ws
from sqlalchemy import func, select

from peerx.app import create_app
from peerx.composition import build_platform
from peerx.ops.bitcoin.chat import disputed_chat
from peerx.platform import Platform
from peerx.products.bitcoin.models import PeachChatMessage, PeachPlatformKey
from peerx.products.bitcoin.social import app_socket
from peerx.products.bitcoin.social.platform_key import platform_pgp
from tests.conftest import make_settings
from tests.fixtures.factories.bitcoin import PEACH, App
from tests.products.bitcoin import contract_helpers as flow
from tests.products.bitcoin.social import connect, ws_client

ROOT = PEACH.removesuffix("/v1")  # the app's API_URL: it opens `${API_URL}/` (http -> ws)


@contextlib.asynccontextmanager
async def app_socket_of(http: httpx.AsyncClient) -> AsyncIterator[AsyncWebSocketSession]:
    async with aconnect_ws(f"{ROOT}/", http) as socket:
        yield socket


async def sign_in(socket: AsyncWebSocketSession, app: App) -> dict[str, Any]:
    """createWebsocket.ts authWS: {path, publicKey, message, signature}; the app waits for a
    frame with `accessToken`."""
    await socket.send_json({"path": "/v1/user/auth", **app.auth_body()})
    answer: dict[str, Any] = await asyncio.wait_for(socket.receive_json(), 5)
    assert isinstance(answer.get("accessToken"), str) and isinstance(answer.get("expiry"), int), answer
    return answer


def chat_frame(sender: App, contract: str, symmetric_key: str, text: str) -> dict[str, str]:
    """ContractChat.tsx sendMessage: encryptSymmetric with the contract's key, signed (detached)
    by the sender's PGP key."""
    secret = flow.PGP[sender.id]
    return {
        "path": "/v1/contract/chat",
        "contractId": contract,
        "message": pysequoia.encrypt(text.encode(), passwords=[symmetric_key]).decode(),
        "signature": pysequoia.sign(secret.signer(), text.encode(), mode=pysequoia.SignatureMode.DETACHED).decode(),
    }


async def symmetric_key(app: App, contract: str) -> str:
    """useDecryptedContractData: the contract's symmetricKeyEncrypted, opened with the app's PGP key."""
    shown = (await app.get(f"/contract/{contract}")).json()
    plain = pysequoia.decrypt(shown["symmetricKeyEncrypted"].encode(), decryptor=flow.PGP[app.id].decryptor()).bytes
    assert plain is not None
    return plain.decode()


def opened(message: dict[str, Any], sender: App, key: str) -> str:
    """The receiving app: decryptSymmetric, then the signature against the sender's PGP key."""
    plain = pysequoia.decrypt(message["message"].encode(), passwords=[key]).bytes or b""
    pysequoia.verify(
        bytes=plain,
        store=lambda _ids: [flow.PGP[sender.id].extract_certificate()],
        signature=pysequoia.Sig.from_bytes(message["signature"].encode()),
    )
    return plain.decode()


async def receive(socket: AsyncWebSocketSession) -> dict[str, Any]:
    frame: dict[str, Any] = await asyncio.wait_for(socket.receive_json(), 5)
    return frame


async def stored(platform: Platform) -> int:
    async with platform.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(PeachChatMessage)) or 0)


async def trade(app_factory: Any, platform: Platform, run_jobs: Any) -> tuple[App, App, str, str]:
    seller, buyer = await app_factory(), await app_factory()
    contract, *_ = await flow.open_contract(seller, buyer, platform, run_jobs)
    key = await symmetric_key(buyer, contract)
    assert key == await symmetric_key(seller, contract) == flow.CHAT_KEY
    return seller, buyer, contract, key


async def test_two_apps_chat_over_the_root_socket(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    seller, buyer, contract, key = await trade(app_factory, platform, run_jobs)
    room = f"contract-{contract}"
    async with (
        ws_client(platform) as http,
        app_socket_of(http) as seller_ws,
        app_socket_of(http) as buyer_ws,
        connect(http, buyer.headers) as buyer_v1,  # the document's bearer socket, unchanged
    ):
        assert await receive(buyer_v1) == {"event": "connected"}
        await sign_in(seller_ws, seller)
        await sign_in(buyer_ws, buyer)

        await seller_ws.send_json(chat_frame(seller, contract, key, "Hi, the IBAN is in the contract"))
        got = await receive(buyer_ws)
        assert got["roomId"] == room and got["roomid"] == contract
        assert got["from"] == seller.id and got["readBy"] == [seller.id] and got["date"].endswith("Z")
        assert opened(got, seller, key) == "Hi, the IBAN is in the contract"
        echo = await receive(seller_ws)  # the app marks a message sent once it comes back with readBy
        assert echo == got
        legacy = await receive(buyer_v1)
        assert legacy["event"] == "chat" and legacy["roomid"] == contract and legacy["message"] == got

        # The buyer's app acknowledges it by date; the seller's app gets it back read by both.
        receipt = {"path": "/v1/contract/chat/received", "contractId": contract, "start": got["date"]}
        await buyer_ws.send_json({**receipt, "end": got["date"]})
        read = await receive(seller_ws)
        assert read["signature"] == got["signature"] and read["readBy"] == [seller.id, buyer.id]

        await buyer_ws.send_json(chat_frame(buyer, contract, key, "Paid, please check"))
        reply = await receive(seller_ws)
        assert reply["from"] == buyer.id and opened(reply, buyer, key) == "Paid, please check"
        assert (await receive(buyer_ws))["signature"] == reply["signature"]
        with pytest.raises(TimeoutError):  # the v1 socket gets no echo of its own message, nor receipts
            await asyncio.wait_for(buyer_v1.receive_json(), 0.3)

    history = (await buyer.get(f"/contract/{contract}/chat")).json()
    assert [(m["roomId"], m["roomid"], m["from"]) for m in history] == [
        (room, contract, seller.id),
        (room, contract, buyer.id),
    ]
    assert history[0]["readBy"] == [seller.id, buyer.id] and history[1]["readBy"] == [buyer.id]
    assert [opened(m, seller if m["from"] == seller.id else buyer, key) for m in history] == [
        "Hi, the IBAN is in the contract",
        "Paid, please check",
    ]
    assert (await buyer.get(f"/contract/{contract}")).json()["unreadMessages"] == 0


async def test_sign_in_is_checked_like_user_auth(app_factory: Any, platform: Platform, run_jobs: Any) -> None:
    seller, buyer, contract, key = await trade(app_factory, platform, run_jobs)
    async with ws_client(platform) as http:
        # A wrong signature (another key's) is refused and the socket closed: the app reconnects.
        async with app_socket_of(http) as socket:
            forged = {"path": "/v1/user/auth", **seller.auth_body(), "signature": buyer.sign("Peach Registration 1")}
            await socket.send_json(forged)
            refused = await receive(socket)
            assert refused["error"] == "INVALID_SIGNATURE" and "signature" in refused["message"]
            assert refused["path"] == "/v1/user/auth"
            with pytest.raises(WebSocketDisconnect) as closed:
                await receive(socket)
            assert closed.value.code == 1008
        # A stale challenge (older than the auth window) and a replayed one are refused.
        async with app_socket_of(http) as socket:
            await socket.send_json({"path": "/v1/user/auth", **seller.auth_body(offset_ms=-3_600_000)})
            assert (await receive(socket))["error"] == "AUTHENTICATION_FAILED"
        used = {"path": "/v1/user/auth", **seller.auth_body()}
        async with app_socket_of(http) as socket:
            await socket.send_json(used)
            assert "accessToken" in await receive(socket)
        async with app_socket_of(http) as socket:
            await socket.send_json(used)
            assert (await receive(socket))["error"] == "AUTHENTICATION_FAILED"
        # Before signing in nothing is written; bad frames are answered, the socket stays.
        async with app_socket_of(http) as socket:
            await socket.send_json(chat_frame(seller, contract, key, "sneaky"))
            assert (await receive(socket))["error"] == "UNAUTHORIZED"
            for frame, code in (("not json", "BAD_REQUEST"), ("[1, 2]", "BAD_REQUEST"), ('{"a": 1}', "FORM_INVALID")):
                await socket.send_text(frame)
                assert (await receive(socket))["error"] == code
            await socket.send_bytes(b"\x00\x01")
            assert (await receive(socket))["error"] == "BAD_REQUEST"
            await sign_in(socket, seller)
    assert await stored(platform) == 0


async def test_chat_frames_go_through_the_chat_rule(
    app_factory: Any, platform: Platform, run_jobs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seller, _buyer, contract, key = await trade(app_factory, platform, run_jobs)
    outsider = await app_factory()
    await flow.with_pgp(outsider)
    good = chat_frame(seller, contract, key, "hello")
    async with ws_client(platform) as http:
        async with app_socket_of(http) as socket:
            await sign_in(socket, outsider)
            await socket.send_json(chat_frame(outsider, contract, key, "let me in"))
            assert (await receive(socket))["error"] == "UNAUTHORIZED"  # not a party: refused, still signed in
            await socket.send_json({**good, "path": "/v1/nope"})
            assert (await receive(socket))["error"] == "FORM_INVALID"
        async with app_socket_of(http) as socket:
            await sign_in(socket, seller)
            cases = [
                ({**good, "message": "plain text"}, "FORM_INVALID", "message"),
                ({**good, "signature": "not signed"}, "FORM_INVALID", "signature"),
                ({k: v for k, v in good.items() if k != "contractId"}, "FORM_INVALID", "contractId"),
                ({**good, "contractId": "999-998"}, "NOT_FOUND", ""),
                ({**good, "path": "/v1/user/auth"}, "BAD_REQUEST", "path"),
            ]
            for frame, code, field in cases:
                await socket.send_json(frame)
                answer = await receive(socket)
                assert answer["error"] == code and field in answer["message"], answer
            await socket.send_json(good)  # the socket still serves
            assert opened(await receive(socket), seller, key) == "hello"
            # A huge frame is refused before it is read, and the socket closed (1009).
            monkeypatch.setattr(app_socket, "MAX_FRAME", 10_000)
            await socket.send_json({**good, "message": "x" * 20_000})
            assert (await receive(socket))["error"] == "PAYLOAD_TOO_LARGE"
            with pytest.raises(WebSocketDisconnect) as closed:
                await receive(socket)
            assert closed.value.code == 1009
    assert await stored(platform) == 1


async def test_the_mediator_reads_a_disputed_chat_with_the_generated_platform_key(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller, buyer, contract, key = await trade(app_factory, platform, run_jobs)
    peach_key = (await buyer.get("/info")).json()["peach"]["pgpPublicKey"]
    assert peach_key.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----") and "PRIVATE" not in peach_key
    async with ws_client(platform) as http, app_socket_of(http) as seller_ws, app_socket_of(http) as buyer_ws:
        await sign_in(seller_ws, seller)
        await sign_in(buyer_ws, buyer)
        for socket, sender, text in ((seller_ws, seller, "send the money"), (buyer_ws, buyer, "I sent it")):
            await socket.send_json(chat_frame(sender, contract, key, text))
            await receive(seller_ws)
            await receive(buyer_ws)
    # The seller moves to a new PGP key: its message still verifies against the key it proved then.
    await flow.new_pgp_key(seller)
    # useRaiseDispute.ts: the symmetric key encrypted to the key /v1/info shows.
    handed = pysequoia.encrypt(key.encode(), recipients=[pysequoia.Cert.from_bytes(peach_key.encode())]).decode()
    raised = await buyer.post(
        f"/contract/{contract}/dispute", {"reason": "unresponsive.seller", "symmetricKeyEncrypted": handed}
    )
    assert raised.status_code == 200, raised.text
    async with platform.db.transaction() as session:
        view = await disputed_chat(platform, session, contract_id=contract)
    assert view["readable"] is True and view["total"] == 2 and view["symmetricKeyEncrypted"] == handed
    assert [(m["from"], m["text"], m["signatureValid"]) for m in view["messages"]] == [
        (seller.id, "send the money", True),
        (buyer.id, "I sent it", True),
    ]
    # The secret key is stored sealed, never in clear, and never served.
    async with platform.db.transaction() as session:
        row = await session.get(PeachPlatformKey, "pgp")
    assert row is not None and row.public_key == peach_key
    assert "PRIVATE" not in row.secret_key_encrypted and row.secret_key_encrypted.startswith("v1.")
    assert "PRIVATE" not in (await buyer.get("/info")).text


async def test_the_platform_key_is_one_for_every_server(tmp_path: Any, database_url: str) -> None:
    settings = make_settings(tmp_path, database_url)
    servers = [build_platform(settings), build_platform(settings)]  # two `peerx serve` processes
    try:
        # Both start at once on an empty table: one pair is created, both use it.
        pairs = await asyncio.gather(*(platform_pgp(server) for server in servers))
        assert pairs[0] == pairs[1] and pairs[0].secret_key is not None
        shown = []
        for server in servers:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=create_app(platform=server)), base_url="http://t"
            ) as http:
                shown.append((await http.get(f"{PEACH}/info")).json()["peach"]["pgpPublicKey"])
        assert shown[0] == shown[1] == pairs[0].public_key
        async with servers[0].db.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(PeachPlatformKey)) == 1
        # A later server (a restart) reads the same pair.
        later = build_platform(settings)
        try:
            assert await platform_pgp(later) == pairs[0]
        finally:
            await later.aclose()
    finally:
        for server in servers:
            await server.aclose()


async def test_a_configured_key_wins(tmp_path: Any, database_url: str) -> None:
    operator = pysequoia.Tsk.generate("operator@peach.test")
    configured = str(operator.extract_certificate())
    server = build_platform(make_settings(tmp_path, database_url, peach_pgp_public_key=configured))
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(platform=server)), base_url="http://t"
        ) as http:
            assert (await http.get(f"{PEACH}/info")).json()["peach"]["pgpPublicKey"] == configured
        pair = await platform_pgp(server)
        assert pair.public_key == configured and pair.secret_key is None  # the operator keeps it
        async with server.db.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(PeachPlatformKey)) == 0
    finally:
        await server.aclose()


async def test_a_socket_that_does_not_sign_in_is_closed(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_socket, "AUTH_SECONDS", 0.2)
    async with ws_client(platform) as http, app_socket_of(http) as socket:
        assert (await receive(socket))["error"] == "UNAUTHORIZED"
        with pytest.raises(WebSocketDisconnect) as closed:
            await receive(socket)
        assert closed.value.code == 1008


async def test_logging_out_ends_the_socket(app_factory: Any, platform: Platform) -> None:
    app = await app_factory()
    async with ws_client(platform) as http, app_socket_of(http) as socket:
        token = await sign_in(socket, app)
        ended = await app.client.patch(
            f"{PEACH}/user/logout", headers={"Authorization": f"Bearer {token['accessToken']}"}
        )
        assert ended.json() == {"success": True}
        assert (await receive(socket))["error"] == "UNAUTHORIZED"
        with pytest.raises(WebSocketDisconnect):
            await receive(socket)


async def test_frames_share_the_accounts_rate_limit(tmp_path: Any, database_url: str) -> None:
    server = build_platform(make_settings(tmp_path, database_url, peach_rate_limit="4/minute"))
    try:
        async with ws_client(server) as http:
            app = await App(http).register()
            async with app_socket_of(http) as socket:
                await sign_in(socket, app)
                unknown = {"path": "/v1/contract/chat", "contractId": "1-2", "message": "x", "signature": "y"}
                answers = []
                for _ in range(5):
                    await socket.send_json(unknown)
                    answers.append((await receive(socket))["error"])
                assert answers == ["FORM_INVALID"] * 4 + ["TOO_MANY_REQUESTS"]
    finally:
        await server.limiter.reset()
        await server.aclose()
