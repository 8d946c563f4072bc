"""What only the bitcoind backend has: a watch-only wallet that imports an escrow address when
first asked (finding a payment made before), bitcoind's error codes and fee units, its auth."""

from __future__ import annotations

from decimal import Decimal

import pytest
from coincurve import PrivateKey

from peerx.chain.bitcoind import BitcoindChain
from peerx.chain.errors import ChainUnavailable, TransactionRejected
from peerx.platform import Platform
from peerx.products.bitcoin.context import chain_backend
from peerx.settings import Settings
from tests.chain.conftest import Harness
from tests.chain.test_chain import escrow
from tests.fixtures.fake_bitcoind import FakeBitcoind


@pytest.fixture
def node(fake_bitcoind: FakeBitcoind, platform: Platform) -> Harness:
    backend = BitcoindChain(fake_bitcoind.url, "regtest", platform.outbound, rescan_seconds=3600)
    return Harness(backend, None, fake_bitcoind)


async def test_an_address_paid_before_it_was_watched_is_imported_and_found(
    node: Harness, fake_bitcoind: FakeBitcoind, platform: Platform
) -> None:
    _, address = escrow(PrivateKey())
    async with platform.db.transaction() as session:
        txid = await node.fund(session, address, 120_000)
        await node.fund(session, address, 3_000)
        await node.mine(session, 3)
        assert address not in fake_bitcoind.watched
        outputs = await node.backend.address_outputs(session, address)
        assert address in fake_bitcoind.watched
        assert sorted(o.value for o in outputs) == [3_000, 120_000] and {o.height for o in outputs} == {1}
        assert txid in {o.txid for o in outputs}
        fake_bitcoind.calls.clear()
        await node.backend.address_outputs(session, address)
    assert "importdescriptors" not in fake_bitcoind.calls  # imported once


async def test_bitcoind_errors_and_units(node: Harness, fake_bitcoind: FakeBitcoind, platform: Platform) -> None:
    _, address = escrow(PrivateKey())
    async with platform.db.transaction() as session:
        assert await node.backend.get_tx(session, "ab" * 32) is None
        with pytest.raises(TransactionRejected):
            await node.backend.broadcast(session, "00")
        fees = await node.backend.fee_estimates(session)
        assert fees == {
            "fastestFee": Decimal("12.5"),
            "halfHourFee": Decimal("8.1"),
            "hourFee": Decimal(5),
            "economyFee": Decimal(2),
            "minimumFee": Decimal(1),
        }  # fmt: skip  (BTC/kvB x 1e5; no estimate: 1 sat/vB)
        txid = await node.fund(session, address, 50_000)
        await node.mine(session, 1)
        view = await node.backend.get_tx(session, txid)
        assert view is not None and view["status"]["block_height"] == 1
        raw = fake_bitcoind.chain.txs[txid][0].serialize().hex()
        assert await node.backend.broadcast(session, raw) == txid  # already in the chain: harmless


async def test_wrong_credentials_or_a_dead_node_are_unavailable(
    fake_bitcoind: FakeBitcoind, platform: Platform
) -> None:
    wrong = BitcoindChain(
        fake_bitcoind.url.replace("rpc-secret", "nope"), "regtest", platform.outbound, rescan_seconds=0
    )
    dead = BitcoindChain("http://u:p@127.0.0.1:9/", "regtest", platform.outbound, rescan_seconds=0)
    async with platform.db.transaction() as session:
        for backend in (wrong, dead):
            with pytest.raises(ChainUnavailable):
                await backend.tip_height(session)


def test_the_factory_builds_bitcoind_from_settings(settings: Settings, platform: Platform) -> None:
    configured = settings.model_copy(
        update={"chain_backend": "bitcoind", "bitcoind_url": "http://u:p@127.0.0.1:18443/"}
    )
    backend = chain_backend(configured, platform.outbound)
    assert isinstance(backend, BitcoindChain) and backend.auth == ("u", "p") and "u:p" not in backend.url
    assert backend.rescan_seconds == settings.peach_funding_window_hours * 3600
    with pytest.raises(RuntimeError, match="PEERX_BITCOIND_URL"):
        chain_backend(settings.model_copy(update={"chain_backend": "bitcoind"}), platform.outbound)
