"""The Peach app as tests drive it: a fresh secp256k1 account key, signed auth, the sandbox
chain and market price set the way an operator sets them."""

from __future__ import annotations

import hashlib
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest
from coincurve import PrivateKey

from peerx.chain import script
from peerx.chain.keys import sign_digest_compact
from peerx.core.clock import clock
from peerx.ops.bitcoin import actions as bitcoin_ops
from peerx.platform import Platform
from peerx.products.bitcoin.offers import address_proof as message

PEACH = "/peach/v1"
SEPA_HASHES = [hashlib.sha256(v.encode()).hexdigest() for v in ("Ama Mensah", "DE89370400440532013000", "COBADEFFXXX")]


def now_ms() -> int:
    return int(clock.now().timestamp() * 1000)


class App:
    """One installation of the app: its account key, a wallet key, its token."""

    def __init__(self, client: httpx.AsyncClient):
        self.client = client
        self.key = PrivateKey()
        self.wallet = PrivateKey()
        self.token = ""

    @property
    def id(self) -> str:
        return self.key.public_key.format().hex()

    def sign(self, text: str) -> str:
        return sign_digest_compact(self.key, hashlib.sha256(text.encode()).digest())

    def auth_body(self, offset_ms: int = 0) -> dict[str, Any]:
        text = f"Peach Registration {now_ms() + offset_ms}"
        time.sleep(0.002)  # the next message differs
        return {"publicKey": self.id, "message": text, "signature": self.sign(text)}

    async def register(self) -> App:
        answer = await self.client.post(f"{PEACH}/user/register", json=self.auth_body())
        assert answer.status_code == 200, answer.text
        self.token = answer.json()["accessToken"]
        return self

    async def login(self) -> None:
        answer = await self.client.post(f"{PEACH}/user/auth", json=self.auth_body())
        assert answer.status_code == 200, answer.text
        self.token = answer.json()["accessToken"]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.get(PEACH + path, headers=self.headers, **kwargs)

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        return await self.client.post(
            PEACH + path, json=body, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs
        )

    async def patch(self, path: str, body: Any = None) -> httpx.Response:
        return await self.client.patch(PEACH + path, json=body, headers=self.headers)

    def address(self) -> str:
        return script.address_of(script.p2wpkh_script_pubkey(self.wallet.public_key.format()), "regtest")

    def hashes(self, purpose: str) -> list[str]:
        """Hashes of this person's own three SEPA fields."""
        return [hashlib.sha256(f"{self.id}:{purpose}:{i}".encode()).hexdigest() for i in range(3)]

    def sell_body(self, amount: int = 300_000, **overrides: Any) -> dict[str, Any]:
        body = {
            "type": "ask",
            "amount": amount,
            "premium": 8,
            "meansOfPayment": {"EUR": ["sepa"]},
            "paymentData": {"sepa": {"hashes": self.hashes("sell")}},
            "returnAddress": self.address(),
        }
        body.update(overrides)
        return body

    def buy_body(self, **overrides: Any) -> dict[str, Any]:
        address = self.address()
        body = {
            "type": "bid",
            "amount": [50_000, 2_330_000],
            "meansOfPayment": {"EUR": ["sepa"]},
            "paymentData": {"sepa": {"hashes": self.hashes("buy")}},
            "releaseAddress": address,
            "messageSignature": message.sign_address_message(
                self.wallet.secret, message.release_message(self.id, address)
            ),
            "maxPremium": None,
        }
        body.update(overrides)
        return body


@pytest.fixture
async def app_factory(client: httpx.AsyncClient, platform: Platform):  # type: ignore[no-untyped-def]
    await set_price(platform, "BTCEUR", "27455.04")

    async def make() -> App:
        return await App(client).register()

    return make


async def set_price(platform: Platform, pair: str, price: str) -> None:
    async with platform.db.transaction() as session:
        await bitcoin_ops.set_price(platform, session, pair=pair, price=Decimal(price))


async def fund(platform: Platform, address: str, sats: int) -> str:
    async with platform.db.transaction() as session:
        return str((await bitcoin_ops.fund_address(platform, session, address=address, sats=sats))["txid"])


async def mine(platform: Platform, blocks: int = 1) -> None:
    async with platform.db.transaction() as session:
        await bitcoin_ops.mine(platform, session, blocks=blocks)
