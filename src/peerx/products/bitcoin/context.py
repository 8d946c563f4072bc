"""What Peach's rules need besides a session: settings, the chain backend, the escrow keys,
the price source.
Built once per platform and kept with the platform's job services, so jobs get the same one."""

from __future__ import annotations

from dataclasses import dataclass

from peerx.chain.backend import ChainBackend
from peerx.chain.factory import chain_backend, escrow_keys
from peerx.chain.keys import EscrowKeys
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
