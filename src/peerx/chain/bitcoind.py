"""Bitcoin Core over JSON-RPC, through peerx's one outbound client.

`PEERX_BITCOIND_URL` names the node and its wallet, e.g.
`http://user:password@127.0.0.1:8332/wallet/peerx` (basic auth from the URL's user info). Bitcoin
Core has no address index, so escrow addresses are watched with a watch-only descriptor wallet:
the first look at an address imports `addr(<address>)` (`importdescriptors`, rescanning from
`rescan_seconds` ago: the funding window), and its payments are read with
`listreceivedbyaddress` + `gettransaction`. `tx/:txid` of transactions outside the wallet needs the
node to run with `txindex=1`. Amounts are read from the transactions themselves (integer sats),
never from the RPC's BTC numbers; fee rates are parsed as Decimal."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import httpx
import simplejson
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.chain import script as scripts
from peerx.chain import shapes
from peerx.chain.backend import AddressOutput
from peerx.chain.errors import ChainUnavailable, TransactionRejected
from peerx.chain.network import NetworkName
from peerx.chain.verify import parse_tx
from peerx.core.encoding import loads
from peerx.core.http import OutboundClient, TargetNotAllowed

# estimatesmartfee targets (blocks) for the mempool.space names the document shows.
TARGETS = {"fastestFee": 1, "halfHourFee": 3, "hourFee": 6, "economyFee": 144, "minimumFee": 1008}
SAT_PER_VB_PER_BTC_PER_KVB = Decimal(100_000)  # 1 BTC/kvB = 1e8 sat / 1000 vB
# Bitcoin Core RPC error codes peerx tells apart.
NOT_FOUND = -5  # RPC_INVALID_ADDRESS_OR_KEY: no such transaction
REJECTED = (-22, -25, -26)  # deserialization, missing/spent inputs, rejected by policy or consensus
ALREADY_IN_CHAIN = -27


class RpcError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


class BitcoindChain:
    name = "bitcoind"

    def __init__(self, url: str, network: NetworkName, outbound: OutboundClient, *, rescan_seconds: int):
        parsed = httpx.URL(url)
        self.auth: tuple[str | bytes, str | bytes] | None = (
            (parsed.username, parsed.password) if parsed.username else None
        )
        self.url = str(parsed.copy_with(username=None, password=None))
        self.network = network
        self.outbound = outbound
        self.rescan_seconds = rescan_seconds
        self._ids = 0

    async def call(self, method: str, *params: Any) -> Any:
        self._ids += 1
        body = simplejson.dumps({"jsonrpc": "1.0", "id": self._ids, "method": method, "params": list(params)})
        try:
            response = await self.outbound.client.post(
                self.url,
                content=body.encode(),
                headers={"Content-Type": "application/json"},
                auth=self.auth or httpx.USE_CLIENT_DEFAULT,
            )
        except (httpx.HTTPError, TargetNotAllowed) as exc:
            raise ChainUnavailable(f"bitcoind is unreachable: {type(exc).__name__}") from None
        if response.status_code in (401, 403):
            raise ChainUnavailable("bitcoind refused peerx's credentials")
        try:
            answer = loads(response.content)
        except ValueError:
            raise ChainUnavailable(f"bitcoind answered {response.status_code} without JSON") from None
        error = answer.get("error") if isinstance(answer, dict) else None
        if error:  # bitcoind answers RPC errors with HTTP 404/500 and this body
            raise RpcError(int(error.get("code", 0)), str(error.get("message", "")))
        if response.status_code != 200 or not isinstance(answer, dict):
            raise ChainUnavailable(f"bitcoind answered {response.status_code} to {method}")
        return answer.get("result")

    async def _call(self, method: str, *params: Any) -> Any:
        try:
            return await self.call(method, *params)
        except RpcError as exc:
            raise ChainUnavailable(f"bitcoind {method} failed: {exc.message[:200]}") from None

    async def tip_height(self, session: AsyncSession) -> int:
        return int(await self._call("getblockcount"))

    async def _received(self, address: str) -> list[str] | None:
        entries = await self._call("listreceivedbyaddress", 0, True, True, address)
        for entry in entries or []:
            if entry.get("address") == address:
                return [str(t) for t in entry.get("txids", [])]
        return None  # not watched by the wallet yet

    async def _watch(self, address: str) -> None:
        info = await self._call("getdescriptorinfo", f"addr({address})")
        since = int(time.time()) - self.rescan_seconds
        request = {"desc": info["descriptor"], "timestamp": since, "label": "peerx-escrow"}
        [result] = await self._call("importdescriptors", [request])
        if not result.get("success"):
            message = (result.get("error") or {}).get("message", "unknown")
            raise ChainUnavailable(f"bitcoind could not watch the address: {message}")

    async def address_outputs(self, session: AsyncSession, address: str) -> list[AddressOutput]:
        spk = scripts.script_pubkey_of(address, self.network)
        txids = await self._received(address)
        if txids is None:
            await self._watch(address)
            txids = await self._received(address) or []
        tip: int | None = None
        found = []
        for txid in sorted(set(txids)):
            wallet_tx = await self._call("gettransaction", txid, True)
            depth = int(wallet_tx.get("confirmations", 0))
            if depth < 0:
                continue  # conflicted: replaced or double spent
            height: int | None = None
            if depth > 0:
                if "blockheight" in wallet_tx:
                    height = int(wallet_tx["blockheight"])
                else:
                    tip = tip if tip is not None else await self.tip_height(session)
                    height = tip - depth + 1
            tx = parse_tx(str(wallet_tx["hex"]))
            for index, out in enumerate(tx.vout):
                if out.script_pubkey.data == spk:
                    found.append(AddressOutput(txid, index, int(out.value), height))
        return sorted(found, key=lambda o: (o.height is None, o.height or 0, o.txid, o.vout))

    async def get_tx(self, session: AsyncSession, txid: str) -> dict[str, Any] | None:
        try:
            verbose = await self.call("getrawtransaction", txid, True)
        except RpcError as exc:
            if exc.code in (NOT_FOUND, -8):  # unknown, or not a txid at all
                return None
            raise ChainUnavailable(f"bitcoind getrawtransaction failed: {exc.message[:200]}") from None
        tx = parse_tx(str(verbose["hex"]))
        prevouts: list[tuple[bytes, int] | None] = []
        for txin in tx.vin:
            if shapes.is_coinbase_input(txin.txid, txin.vout):
                prevouts.append(None)
                continue
            parent = parse_tx(str(await self._call("getrawtransaction", txin.txid.hex(), False)))
            out = parent.vout[txin.vout]
            prevouts.append((out.script_pubkey.data, int(out.value)))
        status: dict[str, Any] = {"confirmed": False}
        if int(verbose.get("confirmations", 0)) > 0 and verbose.get("blockhash"):
            header = await self._call("getblockheader", verbose["blockhash"])
            status = {
                "confirmed": True,
                "block_height": int(header["height"]),
                "block_hash": str(verbose["blockhash"]),
                "block_time": int(verbose.get("blocktime", header.get("time", 0))),
            }
        return shapes.tx_view(tx, prevouts, status, self.network)

    async def broadcast(self, session: AsyncSession, raw_hex: str) -> str:
        txid = parse_tx(raw_hex).txid().hex()  # TransactionRejected when it is not one
        try:
            return str(await self.call("sendrawtransaction", raw_hex.strip()))
        except RpcError as exc:
            if exc.code == ALREADY_IN_CHAIN:
                return str(txid)  # rebroadcasting a known transaction is harmless
            if exc.code in REJECTED:
                raise TransactionRejected(exc.message[:300] or "The transaction was rejected.") from None
            raise ChainUnavailable(f"bitcoind sendrawtransaction failed: {exc.message[:200]}") from None

    async def fee_estimates(self, session: AsyncSession) -> dict[str, Decimal]:
        result: dict[str, Decimal] = {}
        for name, target in TARGETS.items():
            estimate = await self._call("estimatesmartfee", target)
            feerate = estimate.get("feerate") if isinstance(estimate, dict) else None
            rate = Decimal(str(feerate)) * SAT_PER_VB_PER_BTC_PER_KVB if feerate is not None else Decimal(1)
            result[name] = max(rate, Decimal(1)).normalize()
        return result
