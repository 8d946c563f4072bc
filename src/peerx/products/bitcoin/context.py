"""What Peach's rules need besides a session: settings, the chain backend, the escrow keys,
the price source, and how the configured chain backend and escrow keys are built from settings
(chain/ itself takes them as plain arguments).
Built once per platform and kept with the platform's job services, so jobs get the same one."""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from peerx.chain.backend import ChainBackend
from peerx.chain.bitcoind import BitcoindChain
from peerx.chain.esplora import EsploraChain
from peerx.chain.keys import EscrowKeys, new_extended_private_key
from peerx.chain.sandbox import SandboxChain
from peerx.core.http import OutboundClient
from peerx.core.private_files import private_dir
from peerx.platform import Platform
from peerx.products.bitcoin.market.prices import PriceSource, price_source
from peerx.settings import Settings


@dataclass
class Peach:
    settings: Settings
    chain: ChainBackend
    keys: EscrowKeys
    prices: PriceSource

    @property
    def network(self) -> str:
        return self.settings.bitcoin_network


def peach_of(platform: Platform) -> Peach:
    """The process's Peach context, built on first use and kept with the platform."""

    def build() -> Peach:
        s = platform.settings
        prices = price_source(
            s.peach_price_source,
            cache_seconds=s.peach_price_cache_seconds,
            url=s.peach_price_url,
            currencies=s.peach_price_currencies,
            outbound=platform.outbound,
        )
        return Peach(s, chain_backend(s, platform.outbound), escrow_keys(s), prices)

    return platform.extension(Peach, build)


def chain_backend(settings: Settings, outbound: OutboundClient) -> ChainBackend:
    if settings.chain_backend == "esplora":
        if not settings.esplora_url:
            raise RuntimeError("PEERX_ESPLORA_URL is required with PEERX_CHAIN_BACKEND=esplora")
        return EsploraChain(settings.esplora_url, outbound)
    if settings.chain_backend == "bitcoind":
        if not settings.bitcoind_url:
            raise RuntimeError("PEERX_BITCOIND_URL is required with PEERX_CHAIN_BACKEND=bitcoind")
        # Escrow addresses are imported when first watched; rescanning the funding window
        # finds a payment made before that.
        rescan = settings.peach_funding_window_hours * 3600
        return BitcoindChain(settings.bitcoind_url, settings.bitcoin_network, outbound, rescan_seconds=rescan)
    return SandboxChain(settings.bitcoin_network, settings.chain_sandbox_fee_rate)


def escrow_keys(settings: Settings) -> EscrowKeys:
    """PEERX_BITCOIN_ESCROW_XPRV, or (embedded mode only) one generated once into the data dir."""
    xprv = settings.bitcoin_escrow_xprv
    if not xprv:
        xprv = _embedded_xprv(settings)
    return EscrowKeys(xprv, settings.bitcoin_network)


def _embedded_xprv(settings: Settings) -> str:
    if settings.bitcoin_network == "mainnet":
        raise RuntimeError("PEERX_BITCOIN_ESCROW_XPRV must be set on mainnet")
    path = Path(settings.data_dir) / "bitcoin-escrow.xprv"
    if path.exists():
        return path.read_text().strip()
    private_dir(path.parent)
    # Written whole to a private temporary file, then linked into place: the link either
    # creates the key file with its content or finds one a racing first use created.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(new_extended_private_key(settings.bitcoin_network, secrets.token_bytes(32)))
        with contextlib.suppress(FileExistsError):  # a racing first use made it: use theirs
            os.link(temporary, path)
    finally:
        temporary.unlink()
    return path.read_text().strip()
