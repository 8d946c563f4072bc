"""The bitcoin network peerx runs on (a setting); addresses and extended keys follow it."""

from __future__ import annotations

from typing import Any, Literal

from embit.networks import NETWORKS

NetworkName = Literal["mainnet", "testnet", "signet", "regtest"]
_EMBIT = {"mainnet": "main", "testnet": "test", "signet": "signet", "regtest": "regtest"}


def params(network: NetworkName) -> dict[str, Any]:
    """embit's parameters (bech32 prefix, address versions, xprv/xpub versions)."""
    result: dict[str, Any] = NETWORKS[_EMBIT[network]]
    return result
