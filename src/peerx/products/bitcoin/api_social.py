"""Peach wire routes for the social side of a contract: chat (HTTP and a WebSocket that pushes
new messages while the app is connected) and rating the counterparty."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import FastAPI, Request, Response, WebSocket, WebSocketDisconnect, status

from peerx.core.errors import Forbidden, Unauthorized
from peerx.products.bitcoin import chat, ratings, users
from peerx.products.bitcoin.api import OK, User
from peerx.products.bitcoin.live import SESSION_CHANGED, hub_of
from peerx.web import Session, WireJSON, json_object, platform_of

AUTH_SECONDS = 10  # a socket without a token in its headers must send one this fast
# A socket lives no longer than its token: checked again on logout (SESSION_CHANGED, published
# after the commit) and at least this often, so an expired or banned account stops receiving.
RECHECK_SECONDS = 30.0


async def _form_or_json(request: Request) -> dict[str, Any]:
    """The document posts chat messages as multipart form data; apps also send JSON."""
    kind = request.headers.get("content-type", "")
    if kind.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()
        return {key: value for key, value in form.items() if isinstance(value, str)}
    return json_object(await request.body())


def add_social_routes(app: FastAPI) -> None:
    @app.get("/contract/{contract_id}/chat")
    async def chat_history(contract_id: str, session: Session, user: User, page: str | None = None) -> Response:
        return WireJSON(await chat.history(session, user, contract_id, page))

    @app.post("/contract/{contract_id}/chat")
    async def chat_post(contract_id: str, request: Request, session: Session, user: User) -> Response:
        body = await _form_or_json(request)
        await chat.post(session, hub_of(platform_of(request)), user, contract_id, body)
        return WireJSON(OK)

    @app.post("/contract/{contract_id}/chat/received")
    async def chat_received(contract_id: str, request: Request, session: Session, user: User) -> Response:
        await chat.mark_read(session, user, contract_id, json_object(await request.body()))
        return WireJSON(OK)

    @app.post("/contract/{contract_id}/user/rate")
    async def rate(contract_id: str, request: Request, session: Session, user: User) -> Response:
        await ratings.rate(session, user, contract_id, json_object(await request.body()))
        return WireJSON(OK)

    @app.websocket("/ws")
    async def live(socket: WebSocket) -> None:
        await _live(socket)


async def _socket_token(socket: WebSocket) -> str:
    """The Peach token from the Authorization header, or from a first {"accessToken"} frame."""
    header = socket.headers.get("authorization")
    if header is None:
        with contextlib.suppress(ValueError, TypeError, AttributeError, KeyError):  # not a JSON text frame
            first = json.loads(await asyncio.wait_for(socket.receive_text(), AUTH_SECONDS))
            header = f"Bearer {first.get('accessToken', '')}"
    return header or ""


async def _user_of(socket: WebSocket, header: str) -> int:
    """The token's user; Unauthorized (or AccountBanned) once it expired, logged out or was banned."""
    async with socket.app.state.platform.db.transaction() as session:
        user = await users.user_for_token(session, header)
        return user.id


async def _live(socket: WebSocket) -> None:
    await socket.accept()
    try:
        header = await _socket_token(socket)
        user_id = await _user_of(socket, header)
    except WebSocketDisconnect:
        return
    except (Unauthorized, Forbidden, TimeoutError):
        await _refuse(socket)
        return
    hub = hub_of(socket.app.state.platform)
    async with hub.subscribe(user_id) as queue:
        await socket.send_json({"event": "connected"})
        reader = asyncio.create_task(_drain(socket))
        try:
            while not reader.done():
                getter = asyncio.ensure_future(queue.get())
                await asyncio.wait({getter, reader}, timeout=RECHECK_SECONDS, return_when=asyncio.FIRST_COMPLETED)
                if reader.done():
                    getter.cancel()
                    break
                event = getter.result() if getter.done() else SESSION_CHANGED
                getter.cancel()
                if event == SESSION_CHANGED:
                    try:
                        await _user_of(socket, header)
                    except (Unauthorized, Forbidden):
                        await _refuse(socket)
                        break
                    continue
                await socket.send_json(event)
        except WebSocketDisconnect:
            pass
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                await reader


async def _refuse(socket: WebSocket) -> None:
    await socket.send_json({"event": "error", "error": "UNAUTHORIZED"})
    await socket.close(code=status.WS_1008_POLICY_VIOLATION)


async def _drain(socket: WebSocket) -> None:
    """Read (and ignore) what the app sends, to notice when it goes away."""
    while (await socket.receive())["type"] != "websocket.disconnect":
        pass
