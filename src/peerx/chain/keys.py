"""Keys: parsing account public keys, verifying the app's ECDSA signatures over SHA-256 (compact
hex, base64, DER), and deriving the platform's escrow key per offer from the operator's
extended private key (BIP32)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from coincurve import PrivateKey, PublicKey
from embit import bip32

from peerx.chain.network import NetworkName, params

HEX = re.compile(r"^[0-9a-fA-F]+$")
# The account path the app's documentation names; the last element is the offer id.
ESCROW_PATH = "m/48'/0'/0'/0"


def parse_public_key(value: object) -> PublicKey | None:
    """A compressed secp256k1 public key as 66 hex characters, or None."""
    if not isinstance(value, str) or len(value) != 66 or not HEX.match(value) or value[:2] not in ("02", "03"):
        return None
    try:
        return PublicKey(bytes.fromhex(value))
    except ValueError:
        return None


def signature_bytes(value: str) -> bytes | None:
    """Decode a signature given as hex or base64 (the app sends hex; the document shows base64)."""
    if HEX.match(value) and len(value) % 2 == 0:
        return bytes.fromhex(value)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def to_der(raw: bytes) -> bytes | None:
    """64-byte compact r||s (or 65 with a recovery header) or DER, as normalized DER."""
    from coincurve.ecdsa import cdata_to_der, der_to_cdata

    try:
        if len(raw) == 65:  # bitcoin-message style: header byte, then r||s
            raw = raw[1:]
        if len(raw) == 64:
            r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
            if not (0 < r < CURVE_ORDER and 0 < s < CURVE_ORDER):
                return None
            raw = _der_from_rs(r, s)
        return bytes(cdata_to_der(der_to_cdata(raw)))
    except (ValueError, TypeError):
        return None


CURVE_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _der_int(value: int) -> bytes:
    body = value.to_bytes((value.bit_length() + 8) // 8, "big")
    return b"\x02" + bytes([len(body)]) + body


def _der_from_rs(r: int, s: int) -> bytes:
    if s > CURVE_ORDER // 2:  # libsecp256k1 verifies low-S only; (r, n-s) is the same signature
        s = CURVE_ORDER - s
    body = _der_int(r) + _der_int(s)
    return b"\x30" + bytes([len(body)]) + body


def verify_digest(public_key: PublicKey, digest: bytes, signature: str | bytes) -> bool:
    raw = signature_bytes(signature) if isinstance(signature, str) else signature
    der = to_der(raw) if raw else None
    if der is None:
        return False
    try:
        return bool(public_key.verify(der, digest, hasher=None))
    except (ValueError, TypeError):
        return False


def verify_message(public_key: PublicKey, message: str, signature: str) -> bool:
    """ECDSA over SHA-256 of the message, as the app signs its auth message and PGP key."""
    return verify_digest(public_key, hashlib.sha256(message.encode()).digest(), signature)


def sign_digest_compact(private_key: PrivateKey, digest: bytes) -> str:
    """64-byte compact r||s in hex: what the app sends (used by tests, the demo and the CLI)."""
    der = private_key.sign(digest, hasher=None)
    return _compact_from_der(der).hex()


def _compact_from_der(der: bytes) -> bytes:
    r_len = der[3]
    r = int.from_bytes(der[4 : 4 + r_len], "big")
    s_len = der[5 + r_len]
    s = int.from_bytes(der[6 + r_len : 6 + r_len + s_len], "big")
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


class EscrowKeys:
    """The operator's extended private key; one child key per offer (m/48'/0'/0'/0/<offer id>)."""

    def __init__(self, extended_private_key: str, network: NetworkName):
        self._root = bip32.HDKey.from_string(extended_private_key)
        if not self._root.is_private:
            raise ValueError("the escrow key must be an extended private key")
        self.network = network
        self._account = self._root.derive(ESCROW_PATH)

    def __repr__(self) -> str:  # never print the secret
        return f"EscrowKeys(network={self.network!r})"

    @staticmethod
    def path(index: int) -> str:
        return f"{ESCROW_PATH}/{index}"

    def private_key(self, index: int) -> PrivateKey:
        child = self._account.derive([index])
        return PrivateKey(child.key.secret)

    def public_key(self, index: int) -> bytes:
        return bytes(self.private_key(index).public_key.format(compressed=True))


def new_extended_private_key(network: NetworkName, seed: bytes) -> str:
    result: str = bip32.HDKey.from_seed(seed, version=params(network)["xprv"]).to_base58()
    return result
