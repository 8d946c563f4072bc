"""Contract chat: PGP-encrypted messages and their PGP signatures, stored and served as sent
(the platform cannot read them; a mediator can once a dispute hands over the symmetric key).
A message's index is its position in the room; page 0 holds the latest 21 messages."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pysequoia
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.db import on_commit, utcnow
from peerx.core.errors import Forbidden, InvalidField, NotFound
from peerx.products.bitcoin import errors as f
from peerx.products.bitcoin import repository as shared
from peerx.products.bitcoin.contracts.repository import chat_active, contract_for_party, counterparty_id
from peerx.products.bitcoin.contracts.schemas import ChatMessageRequest
from peerx.products.bitcoin.models import Contract, PeachChatMessage, PeachUser
from peerx.products.bitcoin.push.notify import notify
from peerx.products.bitcoin.social import platform_key, repository
from peerx.products.bitcoin.social.platform_key import PlatformPgp
from peerx.products.bitcoin.social.schemas import ChatEntry, room_name
from peerx.products.bitcoin.socket_hub import Hub
from peerx.products.bitcoin.wire import wire_time

PAGE_SIZE = 21
MAX_READ_RANGE = 1000


# Hub events (socket_hub.py). CHAT goes to the recipient's sockets (both kinds); the app's own
# socket also needs its sender's message back (the app marks a message it never sees again with
# readBy as failed after 5 s) and the read receipts: those two go to app sockets only.
CHAT, ECHO, READ = "chat", "chatEcho", "chatRead"
APP_ONLY = frozenset({ECHO, READ})


def view(message: PeachChatMessage, sender: str, recipient: str) -> ChatEntry:
    return ChatEntry(
        date=wire_time(message.created_at),
        from_=sender,
        message=message.message,
        read_by=[sender, recipient] if message.read_by_recipient else [sender],
        roomid=message.contract_id,
        signature=message.signature,
        room_id=room_name(message.contract_id),
    )


async def room_page(
    session: AsyncSession, contract_id: str, seller_id: int, buyer_id: int, page: int
) -> list[ChatEntry]:
    """One page of a room, oldest first within the page; page 0 is the latest."""
    keys = await repository.party_keys(session, seller_id, buyer_id)
    latest = await repository.latest_messages(session, contract_id, page * PAGE_SIZE, PAGE_SIZE)
    messages = sorted(latest, key=lambda m: m.id)
    other = {seller_id: keys[buyer_id], buyer_id: keys[seller_id]}
    return [view(m, keys[m.from_user_id], other[m.from_user_id]) for m in messages]


async def history(session: AsyncSession, user: PeachUser, contract_id: str, page: int) -> list[ChatEntry]:
    contract = await contract_for_party(session, contract_id, user)
    return await room_page(session, contract.id, contract.seller_id, contract.buyer_id, page)


async def post(session: AsyncSession, hub: Hub, user: PeachUser, contract_id: str, body: ChatMessageRequest) -> None:
    """The one rule for a new message, from POST /v1/contract/:id/chat and the app's socket frame."""
    message, signature = body.message, body.signature
    if "BEGIN PGP MESSAGE" not in message:
        raise f.FormInvalid("message", "must be an armored PGP message")
    if "BEGIN PGP SIGNATURE" not in signature:
        raise f.FormInvalid("signature", "must be an armored PGP signature")
    contract = await contract_for_party(session, contract_id, user)
    if not chat_active(contract):
        raise f.BadState("The trade is over: its chat is closed.")
    row = PeachChatMessage(
        contract_id=contract.id,
        from_user_id=user.id,
        message=message,
        signature=signature,
        read_by_recipient=False,
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    recipient_id = counterparty_id(contract, user)
    recipient = await shared.user(session, recipient_id)
    assert recipient is not None
    await notify(session, recipient_id, "contract.chat", {"contractId": contract.id})
    message_view = view(row, user.public_key, recipient.public_key).wire()
    event = {"event": CHAT, "roomid": contract.id, "message": message_view}
    echo = {"event": ECHO, "roomid": contract.id, "message": message_view}
    sender_id = user.id

    # The live push goes out only once the message is stored for good.
    async def push() -> None:
        await hub.publish(recipient_id, event)
        await hub.publish(sender_id, echo)

    on_commit(session, push)


async def mark_read(session: AsyncSession, hub: Hub, user: PeachUser, contract_id: str, start: int, end: int) -> None:
    """chat/received: the caller read the counterparty's messages at indexes start..end (from 0)."""
    if end < start or end - start >= MAX_READ_RANGE:
        raise f.FormInvalid("end", f"must be from start to start + {MAX_READ_RANGE - 1}")
    contract = await contract_for_party(session, contract_id, user)
    ids = await repository.unread_at(session, contract.id, user.id, start, end - start + 1)
    await _read(session, hub, contract, user, ids)


async def mark_read_between(
    session: AsyncSession, hub: Hub, user: PeachUser, contract_id: str, start: datetime, end: datetime
) -> None:
    """The app's socket receipt: the counterparty's messages dated start..end (the wire's
    millisecond dates, so `end` covers its whole millisecond) are read."""
    if end < start:
        raise f.FormInvalid("end", "must not be before start")
    contract = await contract_for_party(session, contract_id, user)
    until = end + timedelta(milliseconds=1)
    ids = await repository.unread_between(session, contract.id, user.id, start, until, MAX_READ_RANGE)
    await _read(session, hub, contract, user, ids)


async def _read(session: AsyncSession, hub: Hub, contract: Contract, reader: PeachUser, ids: list[int]) -> None:
    """Mark the messages read; their sender's app sockets get them again with both in readBy."""
    if not ids:
        return
    await repository.set_read(session, ids)
    sender_id = counterparty_id(contract, reader)
    sender = await shared.user(session, sender_id)
    assert sender is not None
    rows = await repository.messages_by_id(session, ids)
    views = [view(row, sender.public_key, reader.public_key).wire() for row in rows]
    event = {"event": READ, "roomid": contract.id, "messages": views}
    on_commit(session, lambda: hub.publish(sender_id, event))


async def mediator_page(session: AsyncSession, contract_id: str, page: int) -> dict[str, Any]:
    """One page of a disputed contract's chat for a mediator (ops/bitcoin_chat.py): only once a
    dispute handed over the symmetric key; reading marks nothing read for the parties."""
    if page < 0:
        raise InvalidField("page", "must be a whole number from 0")
    contract = await shared.get_contract(session, contract_id)
    if contract is None:
        raise NotFound("Contract not found.")
    if not contract.dispute_symmetric_key_encrypted:
        raise Forbidden("This chat is private to the trade's parties: no dispute handed over its key.")
    total = await repository.message_count(session, contract.id)
    return {
        "contractId": contract.id,
        "disputeActive": contract.dispute_active,
        "disputeReason": contract.dispute_reason,
        "disputeDate": wire_time(contract.dispute_date),
        "symmetricKeyEncrypted": contract.dispute_symmetric_key_encrypted,
        "page": page,
        "pageSize": PAGE_SIZE,
        "total": total,
        "messages": [
            m.wire() for m in await room_page(session, contract.id, contract.seller_id, contract.buyer_id, page)
        ],
    }


async def mediator_reading(session: AsyncSession, pair: PlatformPgp, contract_id: str, page: int) -> dict[str, Any]:
    """mediator_page, read with the platform's secret key when this server holds it: the
    symmetric key the dispute handed over is decrypted, then each message (`text`, None when it
    does not decrypt) and its signature checked against the sender's PGP key (`signatureValid`).
    `readable` is False when the platform key is the operator's (configured, secret kept offline)
    or the handed-over key was not encrypted to it."""
    view_ = await mediator_page(session, contract_id, page)
    key = platform_key.decrypt(pair, view_["symmetricKeyEncrypted"])
    if key is None:
        return {**view_, "readable": False}
    passphrase = key.decode("utf-8", "replace").strip()
    pgp_keys = await repository.pgp_keys(session, [m["from"] for m in view_["messages"]])
    messages = []
    for entry in view_["messages"]:
        text = _open(entry["message"], passphrase)
        valid = None if text is None else _signed(text, entry["signature"], pgp_keys.get(entry["from"], []))
        messages.append(
            {**entry, "text": None if text is None else text.decode("utf-8", "replace"), "signatureValid": valid}
        )
    return {**view_, "readable": True, "messages": messages}


def _open(armored: str, passphrase: str) -> bytes | None:
    try:
        return pysequoia.decrypt(armored.encode(), passwords=[passphrase]).bytes
    except Exception:  # pysequoia raises plain exceptions for a message it cannot open
        return None


def _signed(plaintext: bytes, signature: str, armored_keys: list[str]) -> bool:
    if not armored_keys:
        return False
    try:
        certs = [pysequoia.Cert.from_bytes(key.encode()) for key in armored_keys]
        pysequoia.verify(
            bytes=plaintext, store=lambda _ids: certs, signature=pysequoia.Sig.from_bytes(signature.encode())
        )
    except Exception:  # a bad signature, or a key or signature that does not parse
        return False
    return True
