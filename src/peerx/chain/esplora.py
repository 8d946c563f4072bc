"""Esplora (Blockstream / mempool.space) over HTTP, through peerx's one outbound client."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.chain.backend import AddressOutput
from peerx.chain.errors import ChainUnavailable, TransactionRejected
from peerx.core.encoding import loads
from peerx.core.http import OutboundClient, TargetNotAllowed

# Esplora's fee-estimates are keyed by confirmation target (blocks); the document's shape is
# mempool.space's recommended fees. Target -> name:
TARGETS = {"fastestFee": "1", "halfHourFee": "3", "hourFee": "6", "economyFee": "144", "minimumFee": "1008"}


class EsploraChain:
    name = "esplora"

    def __init__(self, base_url: str, outbound: OutboundClient):
        self.base_url = base_url.rstrip("/")
        self.outbound = outbound

    async def _request(self, method: str, path: str, *, content: bytes | None = None) -> httpx.Response:
        try:
            return await self.outbound.client.request(method, self.base_url + path, content=content)
        except (httpx.HTTPError, TargetNotAllowed) as exc:
            raise ChainUnavailable(f"Esplora is unreachable: {type(exc).__name__}") from None

    async def _json(self, path: str) -> Any:
        response = await self._request("GET", path)
        if response.status_code != 200:
            raise ChainUnavailable(f"Esplora answered {response.status_code} for {path}")
        try:
            return loads(response.content)
        except ValueError:
            raise ChainUnavailable("Esplora answered with invalid JSON") from None

    async def tip_height(self, session: AsyncSession) -> int:
        response = await self._request("GET", "/blocks/tip/height")
        try:
            return int(response.text.strip())
        except ValueError:
            raise ChainUnavailable("Esplora answered a tip height that is not a number") from None

    async def address_outputs(self, session: AsyncSession, address: str) -> list[AddressOutput]:
        txs = await self._json(f"/address/{address}/txs")
        found = []
        for tx in txs if isinstance(txs, list) else []:
            status = tx.get("status") or {}
            height = int(status["block_height"]) if status.get("confirmed") else None
            for index, out in enumerate(tx.get("vout", [])):
                if out.get("scriptpubkey_address") == address:
                    found.append(AddressOutput(str(tx["txid"]), index, int(out["value"]), height))
        return sorted(found, key=lambda o: (o.height is None, o.height or 0, o.txid, o.vout))

    async def get_tx(self, session: AsyncSession, txid: str) -> dict[str, Any] | None:
        response = await self._request("GET", f"/tx/{txid}")
        if response.status_code in (400, 404):
            return None
        if response.status_code != 200:
            raise ChainUnavailable(f"Esplora answered {response.status_code}")
        data: dict[str, Any] = loads(response.content)
        return data

    async def broadcast(self, session: AsyncSession, raw_hex: str) -> str:
        response = await self._request("POST", "/tx", content=raw_hex.strip().encode())
        if response.status_code == 200:
            return response.text.strip()
        if 400 <= response.status_code < 500:
            raise TransactionRejected(response.text.strip()[:300] or "The transaction was rejected.")
        raise ChainUnavailable(f"Esplora answered {response.status_code} to a broadcast")

    async def fee_estimates(self, session: AsyncSession) -> dict[str, Decimal]:
        data = await self._json("/fee-estimates")
        result: dict[str, Decimal] = {}
        for name, target in TARGETS.items():
            try:
                result[name] = Decimal(str(data.get(target, 1)))
            except InvalidOperation:
                result[name] = Decimal(1)
        return result
