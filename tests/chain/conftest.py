"""Chain backends under one harness: the sandbox chain (in the test database), Esplora
(peerx's HTTP client against the fake Esplora server) and bitcoind (JSON-RPC against the fake
Bitcoin Core server, funded and mined through its regtest RPC methods)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import simplejson
from coincurve import PrivateKey

from peerx.chain import script
from peerx.chain.backend import ChainBackend
from peerx.chain.bitcoind import BitcoindChain
from peerx.chain.esplora import EsploraChain
from peerx.chain.sandbox import SandboxChain
from peerx.platform import Platform
from tests.fixtures.fake_bitcoind import FakeBitcoind, start_fake_bitcoind
from tests.fixtures.fake_esplora import FakeEsplora, start_fake_esplora

SATS = Decimal(100_000_000)
MINER = script.address_of(script.p2wpkh_script_pubkey(PrivateKey(b"\x05" * 32).public_key.format()), "regtest")


class Harness:
    """A backend plus the faucet and miner only a test network has."""

    def __init__(self, backend: ChainBackend, esplora: FakeEsplora | None, bitcoind: FakeBitcoind | None = None):
        self.backend = backend
        self.esplora = esplora
        self.bitcoind = bitcoind

    async def rpc(self, method: str, *params: Any) -> Any:
        assert self.bitcoind is not None
        body = simplejson.dumps({"jsonrpc": "1.0", "id": 1, "method": method, "params": list(params)})
        async with httpx.AsyncClient() as http:
            answer = await http.post(self.bitcoind.url, content=body)
        assert answer.status_code == 200, answer.text
        return simplejson.loads(answer.content, use_decimal=True)["result"]

    async def fund(self, session: Any, address: str, sats: int) -> str:
        if isinstance(self.backend, SandboxChain):
            return await self.backend.fund(session, address, sats)
        if self.bitcoind is not None:
            return str(await self.rpc("sendtoaddress", address, Decimal(sats) / SATS))
        assert self.esplora is not None
        async with httpx.AsyncClient() as http:
            answer = await http.post(f"{self.esplora.url}/_test/fund", json={"address": address, "sats": sats})
        return str(answer.json()["txid"])

    async def mine(self, session: Any, blocks: int) -> None:
        if isinstance(self.backend, SandboxChain):
            await self.backend.mine(session, blocks)
            return
        if self.bitcoind is not None:
            await self.rpc("generatetoaddress", blocks, MINER)
            return
        assert self.esplora is not None
        async with httpx.AsyncClient() as http:
            await http.post(f"{self.esplora.url}/_test/mine", json={"blocks": blocks})


@pytest.fixture
def fake_esplora() -> Iterator[FakeEsplora]:
    started = start_fake_esplora()
    yield started
    started.stop()


@pytest.fixture
def fake_bitcoind() -> Iterator[FakeBitcoind]:
    started = start_fake_bitcoind()
    yield started
    started.stop()


@pytest.fixture(params=["sandbox", "esplora", "bitcoind"])
async def chain(request: pytest.FixtureRequest, platform: Platform) -> AsyncIterator[Harness]:
    if request.param == "sandbox":
        yield Harness(SandboxChain("regtest"), None)
        return
    if request.param == "bitcoind":
        node: FakeBitcoind = request.getfixturevalue("fake_bitcoind")
        backend = BitcoindChain(node.url, "regtest", platform.outbound, rescan_seconds=72 * 3600)
        yield Harness(backend, None, node)
        return
    esplora: FakeEsplora = request.getfixturevalue("fake_esplora")
    yield Harness(EsploraChain(esplora.url, platform.outbound), esplora)
