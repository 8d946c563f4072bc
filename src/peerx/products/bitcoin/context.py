"""What Peach's rules need besides a session: settings, the chain backend, the escrow keys.
Built once per platform and kept with the platform's job services, so jobs get the same one."""

from __future__ import annotations

from dataclasses import dataclass

from peerx.chain.backend import ChainBackend
from peerx.chain.factory import chain_backend, escrow_keys
from peerx.chain.keys import EscrowKeys
from peerx.platform import Platform
from peerx.settings import Settings

SERVICE_KEY = "peach"


@dataclass
class Peach:
    settings: Settings
    chain: ChainBackend
    keys: EscrowKeys

    @property
    def network(self) -> str:
        return self.settings.bitcoin_network


def peach_of(platform: Platform) -> Peach:
    services = platform.worker.context.services
    found = services.get(SERVICE_KEY)
    if found is None:
        found = Peach(
            platform.settings, chain_backend(platform.settings, platform.outbound), escrow_keys(platform.settings)
        )
        services[SERVICE_KEY] = found
    assert isinstance(found, Peach)
    return found
