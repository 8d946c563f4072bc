"""The Peach app's own socket, at the API root (the app opens `${API_URL}/` with http -> ws:
peach-app src/utils/peachAPI/websocket/createWebsocket.ts), next to the document's /v1/ws.

The app signs in with a frame {path: "/v1/user/auth", publicKey, message, signature}: its account
key over sha256 of `Peach Registration <unix ms>`, checked by the very rule of POST /v1/user/auth
(fresh, used once, account not banned). The answer is the token frame {accessToken, expiry},
which is what the app waits for. Then it sends
  {path: "/v1/contract/chat", contractId, message, signature}        a chat message (chat.post)
  {path: "/v1/contract/chat/received", contractId, start, end}        read receipts (dates)
and receives chat messages as the history serves them (with roomId "contract-<id>"): the
counterparty's new ones, its own back (the app's proof that a message was sent) and messages
again with both parties in readBy once read. A refused frame is answered {error, message, path}
(the app toasts `error`); nothing is written. The socket lives no longer than the token it got."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, WebSocket, WebSocketDisconnect, status
from fastapi.exceptions import RequestValidationError

from peerx.core.errors import Forbidden, InvalidField, PeerxError, Unauthorized
from peerx.platform import Platform
from peerx.products.bitcoin import errors as f
from peerx.products.bitcoin.context import peach_of
from peerx.products.bitcoin.contracts.schemas import CHAT_MAX, ChatMessageRequest
from peerx.products.bitcoin.deps import SURFACE, parse_body
from peerx.products.bitcoin.errors import invalid_request, render_error
from peerx.products.bitcoin.identity import users
from peerx.products.bitcoin.identity.schemas import AuthRequest
from peerx.products.bitcoin.social import chat
from peerx.products.bitcoin.social.schemas import SocketChat, SocketChatRead
from peerx.products.bitcoin.socket_hub import SESSION_CHANGED, Hub, hub_of, socket_events
from peerx.web import parse_json

log = logging.getLogger(__name__)

AUTH_PATH, CHAT_PATH, READ_PATH = "/v1/user/auth", "/v1/contract/chat", "/v1/contract/chat/received"
AUTH_SECONDS = 10.0  # a socket that has not signed in by then is closed
RECHECK_SECONDS = 30.0  # the token is checked again at least this often (and on logout)
# Two armored blocks of up to CHAT_MAX characters and the frame's few fields; past this a frame
# is refused and the socket closed (1009), before any parsing.
MAX_FRAME = 2 * CHAT_MAX + 4096


class _Closed(Exception):
    """The socket was closed (by the client, or by us after a refusal)."""


def api_root(prefix: str) -> str:
    """The API root the app uses as its base URL: /peach for the v1 surface at /peach/v1."""
    return prefix.removesuffix("/").removesuffix("/v1") or "/"


def mount(app: FastAPI, platform: Platform) -> None:
    """The socket at the API root, with and without the trailing slash the app sends."""
    root = api_root(platform.settings.peach_prefix)

    async def endpoint(socket: WebSocket) -> None:
        await AppSocket(socket, platform).serve()

    paths = {root.rstrip("/") + "/", root.rstrip("/") or "/"}
    for path in sorted(paths):
        app.add_api_websocket_route(path, endpoint)


def _error(exc: PeerxError | RequestValidationError, path: str | None) -> dict[str, Any]:
    """The HTTP routes' {error, message} envelope, with the frame's path."""
    problem = invalid_request(exc) if isinstance(exc, RequestValidationError) else exc
    body: dict[str, Any] = json.loads(bytes(render_error(problem).body))
    return {**body, "path": path}


class AppSocket:
    def __init__(self, socket: WebSocket, platform: Platform) -> None:
        self.socket = socket
        self.platform = platform
        self.hub: Hub = hub_of(platform)
        self.header = ""  # "Bearer <token>" once signed in
        self.user_id = 0
        self.sending = asyncio.Lock()

    async def serve(self) -> None:
        await self.socket.accept()
        try:
            user_id = await self._sign_in()
            async with self.hub.subscribe(user_id) as queue:
                await self._run(queue)
        except (_Closed, WebSocketDisconnect):
            return

    # ------------------------------------------------------------ frames in

    async def _frame(self) -> tuple[str | None, dict[str, Any] | None]:
        """The next frame as (path, object); (None, None) for one that was refused (an error
        frame went out). _Closed when the socket closed or a frame was too big."""
        message = await self.socket.receive()
        if message["type"] == "websocket.disconnect":
            raise _Closed
        text = message.get("text")
        if text is None:  # a binary frame
            raw = message.get("bytes") or b""
            if len(raw) > MAX_FRAME:
                await self._too_big()
            await self._send(_error(InvalidField("frame", "must be JSON text"), None))
            return None, None
        if len(text) > MAX_FRAME:
            await self._too_big()
        try:
            data = parse_json(text.encode())
        except (json.JSONDecodeError, ValueError) as exc:
            await self._send(_error(InvalidField("frame", f"is not JSON: {exc}"), None))
            return None, None
        if not isinstance(data, dict):
            await self._send(_error(InvalidField("frame", "must be a JSON object"), None))
            return None, None
        path = data.get("path")
        if not isinstance(path, str):
            await self._send(_error(f.FormInvalid("path", "is required"), None))
            return None, None
        return path[:100], data

    async def _too_big(self) -> None:
        too_big = PeerxError(f"frame must hold at most {MAX_FRAME} characters", field="frame", details={"status": 413})
        await self._send(_error(too_big, None))
        await self.socket.close(code=status.WS_1009_MESSAGE_TOO_BIG)
        raise _Closed

    async def _sign_in(self) -> int:
        """Frames until a valid auth frame (other paths are refused: they cannot write); a
        refused auth frame or no sign-in within AUTH_SECONDS closes the socket."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + AUTH_SECONDS
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    path, data = await self._frame()
            except TimeoutError:
                await self._close_unauthorized(None, "Sign in within 10 seconds.")
                raise _Closed from None
            if data is None:
                continue
            try:  # the HTTP routes' budget: per IP before signing in
                await self._limit(f"ip:{self.socket.client.host if self.socket.client else 'unknown'}")
            except PeerxError as exc:
                await self._send(_error(exc, path))
                continue
            if path != AUTH_PATH:
                await self._send(_error(Unauthorized("Sign in first (path /v1/user/auth)."), path))
                continue
            try:
                body = parse_body(AuthRequest, data)
                async with self.platform.db.transaction() as session:
                    token = await users.authenticate_key(
                        session,
                        peach_of(self.platform),
                        body,
                        register=False,
                        key=users.token_key(self.platform.keys.pepper),
                    )
                    user = await users.user_for_token(session, f"Bearer {token.access_token}")
            except (PeerxError, RequestValidationError) as exc:
                await self._send(_error(exc, path))
                await self.socket.close(code=status.WS_1008_POLICY_VIOLATION)
                raise _Closed from None
            self.header = f"Bearer {token.access_token}"
            self.user_id = user.id
            await self._send(token.wire())
            return user.id

    async def _read(self) -> None:
        """Signed in: each frame is handled in its own unit of work, in the order sent."""
        while True:
            path, data = await self._frame()
            if data is None:
                continue
            try:
                await self._limit(f"user:{self.user_id}")  # per account once signed in, as HTTP calls
                await self._handle(path, data)
            except (Unauthorized, Forbidden) as exc:
                if await self._still_valid():
                    await self._send(_error(exc, path))  # not a party to that contract
                    continue
                await self._close_unauthorized(path, "The session ended: sign in again.")
                raise _Closed from None
            except (PeerxError, RequestValidationError) as exc:
                await self._send(_error(exc, path))
            except Exception:  # never let one frame end the socket (nor leak the cause)
                log.exception("app socket frame %s failed", path)
                await self._send({"error": "INTERNAL_SERVER_ERROR", "message": "Try again.", "path": path})

    async def _handle(self, path: str | None, data: dict[str, Any]) -> None:
        if path == CHAT_PATH:
            frame = parse_body(SocketChat, data)
            body = parse_body(ChatMessageRequest, {"message": frame.message, "signature": frame.signature})
            async with self.platform.db.transaction() as session:
                user = await users.user_for_token(session, self.header)
                await chat.post(session, self.hub, user, frame.contract_id, body)
        elif path == READ_PATH:
            read = parse_body(SocketChatRead, data)
            async with self.platform.db.transaction() as session:
                user = await users.user_for_token(session, self.header)
                if isinstance(read.start, int) and isinstance(read.end, int):
                    await chat.mark_read(session, self.hub, user, read.contract_id, read.start, read.end)
                elif isinstance(read.start, datetime) and isinstance(read.end, datetime):
                    await chat.mark_read_between(
                        session, self.hub, user, read.contract_id, _utc(read.start), _utc(read.end)
                    )
                else:
                    raise f.FormInvalid("end", "must be a date as start is, or an index as start is")
        elif path == AUTH_PATH:
            raise InvalidField("path", f"{AUTH_PATH}: this socket is signed in already")
        else:
            raise f.FormInvalid("path", f"must be one of {AUTH_PATH}, {CHAT_PATH}, {READ_PATH}")

    # ------------------------------------------------------------ events out

    async def _run(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        reader = asyncio.create_task(self._read())
        try:
            async for event in socket_events(queue, reader, RECHECK_SECONDS):
                if event == SESSION_CHANGED:
                    if not await self._still_valid():
                        await self._close_unauthorized(None, "The session ended: sign in again.")
                        break
                    continue
                for frame in _frames(event):
                    await self._send(frame)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, _Closed):
                await reader

    async def _limit(self, key: str) -> None:
        await self.platform.limiter.check(self.platform.settings.peach_rate_limit, SURFACE, key)

    async def _still_valid(self) -> bool:
        try:
            async with self.platform.db.transaction() as session:
                await users.user_for_token(session, self.header)
        except (Unauthorized, Forbidden):
            return False
        return True

    async def _send(self, frame: dict[str, Any]) -> None:
        async with self.sending:
            await self.socket.send_json(frame)

    async def _close_unauthorized(self, path: str | None, message: str) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            await self._send(_error(Unauthorized(message), path))
            await self.socket.close(code=status.WS_1008_POLICY_VIOLATION)


def _frames(event: dict[str, Any]) -> list[dict[str, Any]]:
    """A hub event as the app reads it: chat messages flat (it matches `roomId` and parses
    `message`, `date`, `readBy`); anything else as published."""
    kind = event.get("event")
    if kind in (chat.CHAT, chat.ECHO):
        return [event["message"]]
    if kind == chat.READ:
        return list(event["messages"])
    return [event]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
