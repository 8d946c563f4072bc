"""Transactions in Esplora's JSON shape (what the document's tx/:txid returns), with asm."""

from __future__ import annotations

from typing import Any

from embit.transaction import Transaction

from peerx.chain import script as scripts
from peerx.chain.network import NetworkName

OPCODES = {
    0x00: "OP_0", 0x4F: "OP_PUSHNUM_NEG1", 0x63: "OP_IF", 0x64: "OP_NOTIF", 0x67: "OP_ELSE", 0x68: "OP_ENDIF",
    0x69: "OP_VERIFY", 0x6A: "OP_RETURN", 0x75: "OP_DROP", 0x76: "OP_DUP", 0x87: "OP_EQUAL",
    0x88: "OP_EQUALVERIFY", 0xA9: "OP_HASH160", 0xAC: "OP_CHECKSIG", 0xAD: "OP_CHECKSIGVERIFY",
    0xAE: "OP_CHECKMULTISIG", 0xB1: "OP_CLTV", 0xB2: "OP_CSV",
}  # fmt: skip


def asm(script: bytes) -> str:
    """Esplora's disassembly: OP_PUSHBYTES_n <hex>, OP_PUSHNUM_n, opcode names."""
    parts: list[str] = []
    pos = 0
    while pos < len(script):
        op = script[pos]
        pos += 1
        if 1 <= op <= 75:
            parts.append(f"OP_PUSHBYTES_{op} {script[pos : pos + op].hex()}")
            pos += op
        elif op in (0x4C, 0x4D, 0x4E):
            width = {0x4C: 1, 0x4D: 2, 0x4E: 4}[op]
            size = int.from_bytes(script[pos : pos + width], "little")
            pos += width
            parts.append(f"OP_PUSHDATA{width if width < 4 else 4} {script[pos : pos + size].hex()}")
            pos += size
        elif 0x51 <= op <= 0x60:
            parts.append(f"OP_PUSHNUM_{op - 0x50}")
        else:
            parts.append(OPCODES.get(op, f"OP_UNKNOWN_{op}"))
    return " ".join(parts)


def script_type(spk: bytes) -> str:
    if len(spk) == 22 and spk[:2] == b"\x00\x14":
        return "v0_p2wpkh"
    if len(spk) == 34 and spk[:2] == b"\x00\x20":
        return "v0_p2wsh"
    if len(spk) == 34 and spk[:2] == b"\x51\x20":
        return "v1_p2tr"
    if len(spk) == 23 and spk[:2] == b"\xa9\x14" and spk[-1] == 0x87:
        return "p2sh"
    if len(spk) == 25 and spk[:3] == b"\x76\xa9\x14":
        return "p2pkh"
    if spk[:1] == b"\x6a":
        return "op_return"
    return "unknown"


def output_view(spk: bytes, value: int, network: NetworkName) -> dict[str, Any]:
    view: dict[str, Any] = {
        "scriptpubkey": spk.hex(),
        "scriptpubkey_asm": asm(spk),
        "scriptpubkey_type": script_type(spk),
    }
    if view["scriptpubkey_type"] not in ("unknown", "op_return"):
        view["scriptpubkey_address"] = scripts.address_of(spk, network)
    view["value"] = value
    return view


def is_coinbase_input(txid: bytes, vout: int) -> bool:
    return txid == bytes(32) and vout == 0xFFFFFFFF


def tx_view(
    tx: Transaction,
    prevouts: list[tuple[bytes, int] | None],
    status: dict[str, Any],
    network: NetworkName,
) -> dict[str, Any]:
    """prevouts: (script_pubkey, value) of each input, None for the coinbase-like input."""
    raw = tx.serialize()
    stripped = Transaction(tx.version, [_strip(i) for i in tx.vin], tx.vout, tx.locktime).serialize()
    weight = len(stripped) * 3 + len(raw)
    vin = []
    for txin, prevout in zip(tx.vin, prevouts, strict=True):
        coinbase = is_coinbase_input(txin.txid, txin.vout)
        item: dict[str, Any] = {
            "txid": txin.txid.hex(),
            "vout": txin.vout,
            "prevout": None if prevout is None else output_view(prevout[0], prevout[1], network),
            "scriptsig": txin.script_sig.data.hex(),
            "scriptsig_asm": asm(txin.script_sig.data),
        }
        if txin.witness.items:
            item["witness"] = [w.hex() for w in txin.witness.items]
        item["is_coinbase"] = coinbase
        item["sequence"] = txin.sequence
        vin.append(item)
    inputs_value = sum(p[1] for p in prevouts if p is not None)
    fee = 0 if any(p is None for p in prevouts) else inputs_value - sum(o.value for o in tx.vout)
    return {
        "txid": tx.txid().hex(),
        "version": tx.version,
        "locktime": tx.locktime,
        "vin": vin,
        "vout": [output_view(o.script_pubkey.data, o.value, network) for o in tx.vout],
        "size": len(raw),
        "weight": weight,
        "fee": fee,
        "status": status,
    }


def _strip(txin: Any) -> Any:
    from embit.transaction import TransactionInput

    return TransactionInput(txin.txid, txin.vout, txin.script_sig, txin.sequence)
