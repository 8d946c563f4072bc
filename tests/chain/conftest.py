"""Chain backends under one harness: the sandbox chain (in the test database) and Esplora
(peerx's HTTP client against the fake Esplora server)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from peerx.chain.backend import ChainBackend
from peerx.chain.esplora import EsploraChain
from peerx.chain.sandbox import SandboxChain
from peerx.platform import Platform
from tests.fixtures.fake_esplora import FakeEsplora, start_fake_esplora


class Harness:
    """A backend plus the faucet and miner only a test network has."""

    def __init__(self, backend: ChainBackend, esplora: FakeEsplora | None):
        self.backend = backend
        self.esplora = esplora

    async def fund(self, session: Any, address: str, sats: int) -> str:
        if isinstance(self.backend, SandboxChain):
            return await self.backend.fund(session, address, sats)
        assert self.esplora is not None
        async with httpx.AsyncClient() as http:
            answer = await http.post(f"{self.esplora.url}/_test/fund", json={"address": address, "sats": sats})
        return str(answer.json()["txid"])

    async def mine(self, session: Any, blocks: int) -> None:
        if isinstance(self.backend, SandboxChain):
            await self.backend.mine(session, blocks)
            return
        assert self.esplora is not None
        async with httpx.AsyncClient() as http:
            await http.post(f"{self.esplora.url}/_test/mine", json={"blocks": blocks})


@pytest.fixture
def fake_esplora() -> Iterator[FakeEsplora]:
    started = start_fake_esplora()
    yield started
    started.stop()


@pytest.fixture(params=["sandbox", "esplora"])
async def chain(request: pytest.FixtureRequest, platform: Platform) -> AsyncIterator[Harness]:
    if request.param == "sandbox":
        yield Harness(SandboxChain("regtest"), None)
        return
    esplora: FakeEsplora = request.getfixturevalue("fake_esplora")
    yield Harness(EsploraChain(esplora.url, platform.outbound), esplora)
