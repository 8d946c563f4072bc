"""The escrow script, as the Peach app builds it (P2WSH):

    OP_IF <4320> OP_CHECKSEQUENCEVERIFY OP_DROP OP_ELSE <sellerPK> OP_CHECKSIGVERIFY OP_ENDIF
    <platformPK> OP_CHECKSIG

Cooperative spend: witness [platformSig, sellerSig, OP_FALSE, script]. After 4320 blocks the
platform alone: [platformSig, OP_TRUE, script]."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from embit import script as escript

from peerx.chain.network import NetworkName, params

OP_IF, OP_ELSE, OP_ENDIF, OP_DROP = 0x63, 0x67, 0x68, 0x75
OP_CHECKSIG, OP_CHECKSIGVERIFY, OP_CHECKSEQUENCEVERIFY = 0xAC, 0xAD, 0xB2
ESCROW_TIMEOUT_BLOCKS = 4320


def push_int(value: int) -> bytes:
    """Minimal script number push (BIP62), as a script compiler writes it."""
    if value == 0:
        return b"\x00"
    if 1 <= value <= 16:
        return bytes([0x50 + value])
    body = bytearray()
    remaining = value
    while remaining:
        body.append(remaining & 0xFF)
        remaining >>= 8
    if body[-1] & 0x80:
        body.append(0)
    return bytes([len(body)]) + bytes(body)


def push_data(data: bytes) -> bytes:
    assert len(data) < 76
    return bytes([len(data)]) + data


def escrow_script(seller_pk: bytes, platform_pk: bytes, timeout: int = ESCROW_TIMEOUT_BLOCKS) -> bytes:
    return (
        bytes([OP_IF])
        + push_int(timeout)
        + bytes([OP_CHECKSEQUENCEVERIFY, OP_DROP, OP_ELSE])
        + push_data(seller_pk)
        + bytes([OP_CHECKSIGVERIFY, OP_ENDIF])
        + push_data(platform_pk)
        + bytes([OP_CHECKSIG])
    )


@dataclass(frozen=True)
class EscrowTerms:
    seller_pk: bytes
    platform_pk: bytes
    timeout: int


def parse_escrow_script(script: bytes) -> EscrowTerms | None:
    """The keys and timeout of a script of exactly the escrow template, or None."""
    if len(script) < 2 or script[0] != OP_IF:
        return None
    pos = 1
    if 0x51 <= script[pos] <= 0x60:
        timeout, pos = script[pos] - 0x50, pos + 1
    elif 1 <= script[pos] <= 4:
        size = script[pos]
        timeout = int.from_bytes(script[pos + 1 : pos + 1 + size], "little")
        pos += 1 + size
    else:
        return None
    if script[pos : pos + 3] != bytes([OP_CHECKSEQUENCEVERIFY, OP_DROP, OP_ELSE]) or script[pos + 3] != 33:
        return None
    seller = script[pos + 4 : pos + 37]
    pos += 37
    if script[pos : pos + 3] != bytes([OP_CHECKSIGVERIFY, OP_ENDIF, 33]):
        return None
    platform = script[pos + 3 : pos + 36]
    terms = EscrowTerms(seller, platform, timeout)
    if escrow_script(seller, platform, timeout) != script:
        return None
    return terms


def p2wsh_script_pubkey(witness_script: bytes) -> bytes:
    return b"\x00\x20" + hashlib.sha256(witness_script).digest()


def address_of(script_pubkey: bytes, network: NetworkName) -> str:
    result: str = escript.Script(script_pubkey).address(params(network))
    return result


def script_pubkey_of(address: str, network: NetworkName) -> bytes:
    """The output script an address pays to; refuses addresses of another network."""
    try:
        script = escript.address_to_scriptpubkey(address)
    except Exception:
        raise ValueError("is not a valid bitcoin address") from None
    raw: bytes = script.data
    if address_of(raw, network) != address:
        raise ValueError("is not an address of this network")
    return raw


def p2wpkh_script_pubkey(public_key: bytes) -> bytes:
    return b"\x00\x14" + hash160(public_key)


def hash160(data: bytes) -> bytes:
    from embit.hashes import hash160 as _hash160

    result: bytes = _hash160(data)
    return result
