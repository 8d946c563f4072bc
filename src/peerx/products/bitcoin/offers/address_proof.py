"""How a buyer proves it controls its release address: it signs Peach's wording with the
address's key, as a Bitcoin signed message (BIP137).

The signature is 65 bytes (header, r, s), base64; the header carries the recovery id. We
recover the public key from the message hash and accept it when that key's P2WPKH,
P2SH-P2WPKH or P2PKH address is the address claimed."""

from __future__ import annotations

import base64
import binascii
import hashlib

from coincurve import PrivateKey, PublicKey

from peerx.chain import script as scripts
from peerx.chain.network import NetworkName


def _varint(n: int) -> bytes:
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + n.to_bytes(2, "little")
    return b"\xfe" + n.to_bytes(4, "little")


def message_hash(message: str) -> bytes:
    data = message.encode()
    payload = b"\x18Bitcoin Signed Message:\n" + _varint(len(data)) + data
    return hashlib.sha256(hashlib.sha256(payload).digest()).digest()


def release_message(user_id: str, address: str) -> str:
    """The exact text the app has the buyer sign (user id: its public key hex)."""
    return f"I confirm that only I, peach{user_id[:8]}, control the address {address}"


def addresses_of_key(public_key: bytes, network: NetworkName) -> set[str]:
    pkh = scripts.hash160(public_key)
    p2wpkh = b"\x00\x14" + pkh
    candidates = [
        p2wpkh,
        b"\xa9\x14" + scripts.hash160(p2wpkh) + b"\x87",  # P2SH-P2WPKH
        b"\x76\xa9\x14" + pkh + b"\x88\xac",  # P2PKH
    ]
    return {scripts.address_of(candidate, network) for candidate in candidates}


def verify_address_signature(address: str, message: str, signature: str, network: NetworkName) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(raw) != 65 or not 27 <= raw[0] <= 42:
        return False
    recovery_id = (raw[0] - 27) % 4
    try:
        key = PublicKey.from_signature_and_message(raw[1:] + bytes([recovery_id]), message_hash(message), hasher=None)
    except (ValueError, TypeError):
        return False
    compressed = raw[0] >= 31
    return address in addresses_of_key(key.format(compressed=compressed), network)


def sign_address_message(secret: bytes, message: str) -> str:
    """BIP137 signature with a compressed P2WPKH key (header 39 + recid), base64: as a wallet signs."""
    recoverable = PrivateKey(secret).sign_recoverable(message_hash(message), hasher=None)
    return base64.b64encode(bytes([39 + recoverable[64]]) + recoverable[:64]).decode()
