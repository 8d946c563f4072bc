"""Secrets at rest: AES-GCM field encryption with key ids (rotation), keyed hashes with a server
pepper (found in O(1), never recoverable), and API-key hashing. Nothing here logs a value."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from peerx.core.errors import PeerxError
from peerx.core.private_files import private_dir
from peerx.settings import Settings


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class FieldCipher:
    """Ciphertext format: v1.<key id>.<nonce+ciphertext, base64url>. The key id lets old rows be
    read after a new primary key is configured; re-encryption can happen lazily."""

    def __init__(self, keys: dict[str, bytes], primary: str):
        if primary not in keys:
            raise ValueError("primary key id missing from keys")
        self._keys = {kid: AESGCM(key) for kid, key in keys.items()}
        self.primary = primary

    def encrypt(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(12)
        sealed = self._keys[self.primary].encrypt(nonce, plaintext.encode(), context.encode())
        return f"v1.{self.primary}.{_b64(nonce + sealed)}"

    def decrypt(self, token: str, *, context: str) -> str:
        version, kid, payload = token.split(".", 2)
        if version != "v1" or kid not in self._keys:
            raise ValueError("unknown ciphertext version or key id")
        raw = _unb64(payload)
        return self._keys[kid].decrypt(raw[:12], raw[12:], context.encode()).decode()


# Secrets a machine would otherwise generate into its own data_dir. On a shared database every
# machine must hold the same ones (docs/multi-machine.md), so there they must be configured.
# The core's own; products add theirs through the composition root (register_shared_secret).
_SHARED_SECRETS: dict[str, str] = {"encryption_keys": "core", "hash_pepper": "core"}


def register_shared_secret(setting: str, needed_by: str) -> None:
    """`setting` (a Settings field) must be configured when the database is shared."""
    _SHARED_SECRETS[setting] = needed_by


def shared_secrets() -> dict[str, str]:
    """Every secret a shared database requires: setting name -> who needs it."""
    return dict(_SHARED_SECRETS)


class MissingSharedSecrets(PeerxError):
    """Refused to start: a shared database without the secrets every machine must share."""

    code = "missing_shared_secrets"

    def __init__(self, settings: list[str]):
        names = ", ".join(f"PEERX_{name.upper()}" for name in settings)
        super().__init__(
            f"the database is shared (not SQLite), so every machine needs the same secrets; set {names} "
            "(each machine would otherwise generate its own: docs/multi-machine.md)"
        )
        self.settings = settings


def require_shared_secrets(settings: Settings) -> None:
    """Refuse a shared (non-SQLite) database unless every shared secret is configured: generated
    per data_dir, two servers would encrypt, hash and sign differently, silently."""
    if settings.is_sqlite:
        return
    missing = [name for name in _SHARED_SECRETS if not str(getattr(settings, name, "") or "").strip()]
    if missing:
        raise MissingSharedSecrets(missing)


@dataclass(frozen=True)
class KeyMaterial:
    cipher: FieldCipher
    pepper: bytes


def load_key_material(settings: Settings) -> KeyMaterial:
    """Keys come from settings in production. In embedded mode they are generated once into
    data_dir/keys.json (mode 0600) so a demo works with nothing configured."""
    stored: dict[str, str] = {}
    key_file = settings.data_dir / "keys.json"
    if not settings.encryption_keys or not settings.hash_pepper:
        stored = _embedded_keys(key_file)
    spec = settings.encryption_keys or stored["encryption_keys"]
    keys: dict[str, bytes] = {}
    for part in spec.split(","):
        kid, _, encoded = part.strip().partition(":")
        key = _unb64(encoded)
        if len(key) != 32:
            raise ValueError(f"encryption key {kid!r} must be 32 bytes (base64url)")
        keys[kid] = key
    primary = spec.split(",")[0].split(":")[0].strip()
    pepper = _unb64(settings.hash_pepper or stored["hash_pepper"])
    return KeyMaterial(FieldCipher(keys, primary), pepper)


def _embedded_keys(path: Path) -> dict[str, str]:
    if path.exists():
        data: dict[str, str] = json.loads(path.read_text())
        return data
    private_dir(path.parent)
    data = {"encryption_keys": f"k1:{_b64(os.urandom(32))}", "hash_pepper": _b64(os.urandom(32))}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
    return data


def keyed_hash(pepper: bytes, value: str) -> str:
    return hmac.new(pepper, value.encode(), hashlib.sha256).hexdigest()


def hash_api_key(plaintext: str) -> str:
    # API keys carry 192 bits of entropy: a fast hash is enough (as GitHub and Stripe do).
    return hashlib.sha256(plaintext.encode()).hexdigest()


def new_token(nbytes: int = 24) -> str:
    return secrets.token_urlsafe(nbytes)


def mask(value: str, visible: int = 4) -> str:
    digits = value.replace(" ", "").replace("-", "")
    return "*" * max(len(digits) - visible, 4) + digits[-visible:]
