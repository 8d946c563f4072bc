"""The sandbox chain: a bitcoin chain inside peerx's database for the demo and tests.

An operator (or a test) funds an address out of thin air and mines blocks; everything else is
what a node would do for the transactions peerx meets: inputs must spend known unspent
outputs (a double spend is refused), every signature is verified (P2WPKH and the escrow
script, timelocks included), and outputs may not exceed inputs."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from embit.script import Script
from embit.transaction import Transaction, TransactionInput, TransactionOutput
from sqlalchemy import Index, String, Text, UniqueConstraint, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from peerx.chain import script as scripts
from peerx.chain import shapes
from peerx.chain.backend import AddressOutput
from peerx.chain.errors import TransactionRejected
from peerx.chain.network import NetworkName
from peerx.chain.verify import Prevout, check_transaction, parse_tx
from peerx.core.db import Base, utcnow


class ChainBlock(Base):
    __tablename__ = "chain_blocks"

    height: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    time: Mapped[datetime]


class ChainTx(Base):
    __tablename__ = "chain_txs"

    txid: Mapped[str] = mapped_column(String(64), primary_key=True)
    raw: Mapped[str] = mapped_column(Text)
    block_height: Mapped[int | None] = mapped_column(index=True)  # None: in the mempool
    seen_at: Mapped[datetime]


class ChainOutput(Base):
    __tablename__ = "chain_outputs"
    __table_args__ = (UniqueConstraint("txid", "vout"), Index("ix_chain_outputs_address", "address"))

    id: Mapped[int] = mapped_column(primary_key=True)
    txid: Mapped[str] = mapped_column(String(64))
    vout: Mapped[int]
    script_pubkey: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(100))
    value: Mapped[int]
    spent_by: Mapped[str | None] = mapped_column(String(64))


class SandboxChain:
    name = "sandbox"

    def __init__(self, network: NetworkName, fee_rate: Decimal = Decimal(2)):
        self.network = network
        self.fee_rate = fee_rate

    async def tip_height(self, session: AsyncSession) -> int:
        return int(await session.scalar(select(func.max(ChainBlock.height))) or 0)

    async def mine(self, session: AsyncSession, blocks: int) -> list[str]:
        """Mine `blocks` blocks; the first one confirms everything in the mempool."""
        if not 1 <= blocks <= 10_000:
            raise ValueError("blocks must be between 1 and 10000")
        tip = await self.tip_height(session)
        hashes = []
        for offset in range(1, blocks + 1):
            block_hash = hashlib.sha256(f"{tip + offset}:{secrets.token_hex(16)}".encode()).hexdigest()
            session.add(ChainBlock(height=tip + offset, hash=block_hash, time=utcnow()))
            hashes.append(block_hash)
        await session.flush()
        await session.execute(update(ChainTx).where(ChainTx.block_height.is_(None)).values(block_height=tip + 1))
        return hashes

    async def fund(self, session: AsyncSession, address: str, sats: int) -> str:
        """A faucet transaction (coinbase-like input) paying `sats` to `address`, in the mempool."""
        if not 1 <= sats <= 21_000_000 * 100_000_000:
            raise ValueError("sats must be between 1 and 21 million bitcoin")
        spk = scripts.script_pubkey_of(address, self.network)
        nonce = secrets.token_bytes(16)
        tx = Transaction(
            version=2,
            vin=[TransactionInput(bytes(32), 0xFFFFFFFF, Script(bytes([len(nonce)]) + nonce))],
            vout=[TransactionOutput(sats, Script(spk))],
        )
        await self._record(session, tx)
        return str(tx.txid().hex())

    async def broadcast(self, session: AsyncSession, raw_hex: str) -> str:
        tx = parse_tx(raw_hex)
        txid = str(tx.txid().hex())
        if await session.get(ChainTx, txid) is not None:
            return txid  # already known: relaying again is harmless
        spent: list[ChainOutput] = []
        for txin in tx.vin:
            if shapes.is_coinbase_input(txin.txid, txin.vout):
                raise TransactionRejected("Only the faucet creates coins on the sandbox chain.")
            output = await session.scalar(
                select(ChainOutput)
                .where(ChainOutput.txid == txin.txid.hex(), ChainOutput.vout == txin.vout)
                .with_for_update()
            )
            if output is None:
                raise TransactionRejected("bad-txns-inputs-missingorspent: an input spends an unknown output")
            if output.spent_by is not None or output in spent:
                raise TransactionRejected("txn-mempool-conflict: an input is already spent")
            spent.append(output)
        prevouts = [await self._prevout(session, o) for o in spent]
        check_transaction(tx, prevouts, await self.tip_height(session))
        for output in spent:
            result = await session.execute(
                update(ChainOutput)
                .where(ChainOutput.id == output.id, ChainOutput.spent_by.is_(None))
                .values(spent_by=txid)
            )
            if getattr(result, "rowcount", 1) != 1:  # a concurrent spend won
                raise TransactionRejected("txn-mempool-conflict: an input is already spent")
        await self._record(session, tx)
        return txid

    async def _prevout(self, session: AsyncSession, output: ChainOutput) -> Prevout:
        height = await session.scalar(select(ChainTx.block_height).where(ChainTx.txid == output.txid))
        return Prevout(output.value, bytes.fromhex(output.script_pubkey), height)

    async def _record(self, session: AsyncSession, tx: Transaction) -> None:
        txid = tx.txid().hex()
        session.add(ChainTx(txid=txid, raw=tx.serialize().hex(), block_height=None, seen_at=utcnow()))
        for index, out in enumerate(tx.vout):
            spk = out.script_pubkey.data
            kind = shapes.script_type(spk)
            address = scripts.address_of(spk, self.network) if kind not in ("unknown", "op_return") else None
            session.add(ChainOutput(txid=txid, vout=index, script_pubkey=spk.hex(), address=address, value=out.value))
        await session.flush()

    async def address_outputs(self, session: AsyncSession, address: str) -> list[AddressOutput]:
        rows = await session.execute(
            select(ChainOutput.txid, ChainOutput.vout, ChainOutput.value, ChainTx.block_height)
            .join(ChainTx, ChainTx.txid == ChainOutput.txid)
            .where(ChainOutput.address == address)
            .order_by(ChainOutput.id)
        )
        return [AddressOutput(txid, vout, value, height) for txid, vout, value, height in rows]

    async def get_tx(self, session: AsyncSession, txid: str) -> dict[str, Any] | None:
        row = await session.get(ChainTx, txid.lower())
        if row is None:
            return None
        tx = Transaction.from_string(row.raw)
        prevouts: list[tuple[bytes, int] | None] = []
        for txin in tx.vin:
            if shapes.is_coinbase_input(txin.txid, txin.vout):
                prevouts.append(None)
                continue
            out = await session.scalar(
                select(ChainOutput).where(ChainOutput.txid == txin.txid.hex(), ChainOutput.vout == txin.vout)
            )
            prevouts.append(None if out is None else (bytes.fromhex(out.script_pubkey), out.value))
        status: dict[str, Any] = {"confirmed": False}
        if row.block_height is not None:
            block = await session.get(ChainBlock, row.block_height)
            assert block is not None
            status = {
                "confirmed": True,
                "block_height": block.height,
                "block_hash": block.hash,
                "block_time": int(block.time.timestamp()),
            }
        return shapes.tx_view(tx, prevouts, status, self.network)

    async def fee_estimates(self, session: AsyncSession) -> dict[str, Decimal]:
        rate = self.fee_rate
        return {"fastestFee": rate, "halfHourFee": rate, "hourFee": rate, "economyFee": rate, "minimumFee": Decimal(1)}
