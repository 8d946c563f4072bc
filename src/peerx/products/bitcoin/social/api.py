"""Peach wire routes for the social side of a contract: chat (HTTP and a WebSocket that pushes
new messages while the app is connected) and rating the counterparty."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Annotated

from fastapi import Depends, Path, Query, Request, Response, WebSocket, WebSocketDisconnect, status

from peerx.core.errors import Forbidden, InvalidField, Unauthorized
from peerx.products.bitcoin.contracts.schemas import ChatMessageRequest, ChatReadRequest, RateRequest
from peerx.products.bitcoin.deps import User, parse_body
from peerx.products.bitcoin.identity import users
from peerx.products.bitcoin.schemas import OK, ContractId, Success
from peerx.products.bitcoin.social import chat, ratings
from peerx.products.bitcoin.social.schemas import ChatEntry
from peerx.products.bitcoin.socket_hub import SESSION_CHANGED, hub_of, socket_events
from peerx.web import Session, WireJSON, parse_json, platform_of, wire_router
from peerx.wire import Integer

AUTH_SECONDS = 10  # a socket without a token in its headers must send one this fast
# A socket lives no longer than its token: checked again on logout (SESSION_CHANGED, published
# after the commit) and at least this often, so an expired or banned account stops receiving.
RECHECK_SECONDS = 30.0
FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")

router = wire_router()

ContractPath = Annotated[ContractId, Path(alias="contractId", description="<sell offer id>-<buy offer id>")]
ChatPage = Annotated[int, Integer(0, 999_999_999)]


async def chat_message_body(request: Request) -> ChatMessageRequest:
    """The document posts chat messages as multipart form data; apps also send JSON. Either is
    read into the same model (form fields that are files are not text: ignored)."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    data: object
    if kind in FORMS:
        form = await request.form()
        data = {key: value for key, value in form.items() if isinstance(value, str)}
    else:
        try:
            data = parse_json(await request.body())
        except json.JSONDecodeError as exc:
            raise InvalidField("body", exc.msg) from None
    return parse_body(ChatMessageRequest, data)


_CHAT_SCHEMA = ChatMessageRequest.model_json_schema()


@router.get("/contract/{contractId}/chat", response_model=list[ChatEntry], summary="Chat log")
async def chat_history(
    contract_id: ContractPath,
    session: Session,
    user: User,
    page: Annotated[ChatPage, Query(description="Page 0 holds the latest 21 messages")] = 0,
) -> Response:
    return WireJSON([m.wire() for m in await chat.history(session, user, contract_id, page)])


@router.post(
    "/contract/{contractId}/chat",
    response_model=Success,
    summary="Post chat message",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {kind: {"schema": _CHAT_SCHEMA} for kind in ("application/json", "multipart/form-data")},
        }
    },
)
async def chat_post(
    contract_id: ContractPath,
    request: Request,
    session: Session,
    user: User,
    body: Annotated[ChatMessageRequest, Depends(chat_message_body)],
) -> Response:
    """A message encrypted with the contract's symmetric key and its PGP signature, stored and
    served as sent (JSON or multipart form)."""
    await chat.post(session, hub_of(platform_of(request)), user, contract_id, body)
    return WireJSON(OK)


@router.post("/contract/{contractId}/chat/received", response_model=Success, summary="Set chat messages read")
async def chat_received(
    contract_id: ContractPath, request: Request, session: Session, user: User, body: ChatReadRequest
) -> Response:
    """The counterparty's messages at indexes start..end (at most 1000) are read."""
    await chat.mark_read(session, hub_of(platform_of(request)), user, contract_id, body.start, body.end)
    return WireJSON(OK)


@router.post("/contract/{contractId}/user/rate", response_model=Success, summary="Rate counterparty")
async def rate(contract_id: ContractPath, session: Session, user: User, body: RateRequest) -> Response:
    """1 or -1, signed by your account key over sha256 of the counterparty's id; once per trade."""
    await ratings.rate(session, user, contract_id, body.rating, body.signature)
    return WireJSON(OK)


@router.websocket("/ws")
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
            async for event in socket_events(queue, reader, RECHECK_SECONDS):
                if event == SESSION_CHANGED:
                    try:
                        await _user_of(socket, header)
                    except (Unauthorized, Forbidden):
                        await _refuse(socket)
                        break
                    continue
                if event.get("event") in chat.APP_ONLY:  # for the app's root socket (app_socket.py)
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
