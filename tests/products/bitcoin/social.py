"""Helpers of the social tests: a contract between two apps and its end (release, cancel,
dispute), all over HTTP; PGP chat messages as the app writes them; a WebSocket-capable client."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import httpx
import pysequoia
from httpx_ws import AsyncWebSocketSession, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from sqlalchemy import select

from peerx.app import create_app
from peerx.core.jobs import Job
from peerx.ops.bitcoin import actions as bitcoin_ops
from peerx.platform import Platform
from peerx.products.bitcoin.contracts.history import record_trade_outcome
from peerx.products.bitcoin.models import Contract
from tests.fixtures.factories.bitcoin import PEACH, App
from tests.products.bitcoin import contract_helpers as flow


@dataclass
class Party:
    """An app with the PGP key its chat is signed with."""

    app: App
    pgp: pysequoia.Tsk

    @property
    def id(self) -> str:
        return self.app.id


async def party(app_factory: Any) -> Party:
    return Party(await app_factory(), pysequoia.Tsk.generate(f"{secrets.token_hex(4)}@peach.test"))


def chat_message(sender: Party, symmetric_key: str, plaintext: str) -> dict[str, str]:
    """As the app sends it: encrypted with the contract's symmetric key, signed by its PGP key."""
    message = pysequoia.encrypt(plaintext.encode(), passwords=[symmetric_key]).decode()
    signature = pysequoia.sign(sender.pgp.signer(), plaintext.encode(), mode=pysequoia.SignatureMode.DETACHED).decode()
    return {"message": message, "signature": signature}


def read_message(entry: dict[str, Any], sender: Party, symmetric_key: str) -> str:
    """What the receiving app does: decrypt with the symmetric key and check the signature."""
    plaintext = pysequoia.decrypt(entry["message"].encode(), passwords=[symmetric_key]).bytes or b""
    pysequoia.verify(
        bytes=plaintext,
        store=lambda _ids: [sender.pgp.extract_certificate()],
        signature=pysequoia.Sig.from_bytes(entry["signature"].encode()),
    )
    return plaintext.decode()


async def open_contract(platform: Platform, run_jobs: Any, seller: App, buyer: App, amount: int = 300_000) -> str:
    """A funded sell offer, a buy offer, the buyer's match and the seller's double match, over
    HTTP as the apps do it."""
    sell_id, _address = await flow.funded_sell_offer(seller, platform, run_jobs, amount)
    buy_id = await flow.buy_offer(buyer)
    found = (await buyer.get(f"/offer/{buy_id}/matches")).json()["matches"]
    price = next(m["prices"]["EUR"] for m in found if m["offerId"] == sell_id)  # the price the app is shown
    matched = await buyer.post(f"/offer/{buy_id}/match", flow.match_body(sell_id, price=price))
    assert matched.status_code == 200, matched.text
    doubled = await seller.post(f"/offer/{sell_id}/match", flow.double_match_body(buy_id))
    assert doubled.status_code == 200, doubled.text
    return str(doubled.json()["contractId"])


async def complete(seller: App, buyer: App, contract: str) -> str:
    """The buyer paid, the seller confirms and signs the release: the trade completes on chain."""
    assert (await buyer.post(f"/contract/{contract}/payment/confirm")).status_code == 200
    psbt = (await seller.get(f"/contract/{contract}")).json()["releasePsbt"]
    done = await seller.post(f"/contract/{contract}/payment/confirm", {"releasePsbt": flow.seller_signs(seller, psbt)})
    assert done.status_code == 200, done.text
    return str(done.json()["txId"])


async def cancel_by_buyer(buyer: App, contract: str) -> None:
    answer = await buyer.post(f"/contract/{contract}/cancel")
    assert answer.status_code == 200, answer.text


async def dispute(platform: Platform, initiator: App, contract: str, outcome: str) -> None:
    """`initiator` raises a dispute; the operator decides `outcome` (as `peerx bitcoin disputes resolve`)."""
    body = {"reason": "unresponsive.buyer", "symmetricKeyEncrypted": flow.KEY}
    raised = await initiator.post(f"/contract/{contract}/dispute", body)
    assert raised.status_code == 200, raised.text
    async with platform.db.transaction() as session:
        await bitcoin_ops.resolve_dispute(platform, session, contract_id=contract, outcome=outcome)


async def record_again(platform: Platform, contract: str) -> None:
    """What a retried step does: record the same finished contract once more."""
    async with platform.db.transaction() as session:
        found = await session.get(Contract, contract)
        assert found is not None
        await record_trade_outcome(session, found)


async def pushes(platform: Platform) -> list[dict[str, Any]]:
    """Queued push notices, oldest first."""
    async with platform.db.transaction() as session:
        jobs = await session.scalars(select(Job).where(Job.kind == "peach.push").order_by(Job.id))
        return [job.payload for job in jobs]


@contextlib.asynccontextmanager
async def ws_client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose transport also speaks WebSocket to the app, in the test's event loop
    (entered inside the test: the transport's task group must close in the task it opened in)."""
    transport = ASGIWebSocketTransport(app=create_app(platform=platform))
    async with httpx.AsyncClient(transport=transport, base_url="http://peerx.test") as http:
        yield http


def connect(
    http: httpx.AsyncClient, headers: dict[str, str] | None = None
) -> AbstractAsyncContextManager[AsyncWebSocketSession]:
    """The app's live socket: /peach/v1/ws."""
    return aconnect_ws(f"{PEACH}/ws", http, headers=dict(headers or {}))
