"""OpenID Connect on top of the OAuth2 server (oauth.py): ID tokens for the `openid` scope,
signed ES256 with the platform's own key pair, the public key as a JWK Set, the claims of a user.

The private key is PEERX_TRUSTAP_OIDC_PRIVATE_KEY (a PKCS#8 PEM) when set (production: the same
key on every host), else (embedded mode) generated once into data_dir/trustap-oidc-key.pem,
0600, as the other generated secrets are (keys.json, bitcoin-escrow.xprv). It is never logged
and never served: the JWK Set is built from the public half only."""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from authlib.oidc.core.grants import OpenIDCode
from joserfc.jwk import ECKey
from sqlalchemy import select
from sqlalchemy.orm import Session as SyncSession

from peerx.core.private_files import private_dir
from peerx.products.escrow.models import EscrowUser, OAuthClient, OAuthCode
from peerx.settings import Settings

ALGORITHM = "ES256"  # ECDSA P-256 SHA-256: small keys and signatures, every JOSE library has it
KEY_FILE = "trustap-oidc-key.pem"
ID_TOKEN_SECONDS = 3600
PROFILE_CLAIMS = ("name", "given_name", "family_name")
CLAIMS_SUPPORTED = ("iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", *PROFILE_CLAIMS)


def signing_key(settings: Settings) -> ECKey:
    """The ID tokens' key pair (its `kid` is its RFC 7638 thumbprint)."""
    return _key(settings.trustap_oidc_private_key, str(settings.data_dir))


@functools.cache
def _key(configured: str, data_dir: str) -> ECKey:
    pem = configured.encode() if configured else _embedded_pem(Path(data_dir) / KEY_FILE)
    key = ECKey.import_key(pem, {"use": "sig", "alg": ALGORITHM})
    if not key.is_private or key.as_dict(private=False).get("crv") != "P-256":
        raise RuntimeError("PEERX_TRUSTAP_OIDC_PRIVATE_KEY must be a P-256 private key (PKCS#8 PEM)")
    key.ensure_kid()
    return key


def _embedded_pem(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes()
    private_dir(path.parent)
    # Written whole to a private temporary file, then linked into place: the link either creates
    # the key file with its content or finds the one a racing first use created (then theirs wins).
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(ECKey.generate_key("P-256", private=True).as_pem(private=True))
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink()
    return path.read_bytes()


def public_jwks(key: ECKey) -> dict[str, Any]:
    """The JWK Set clients verify ID tokens with: the public half only."""
    public = key.as_dict(private=False)
    assert "d" not in public
    return {"keys": [public]}


def user_claims(user: EscrowUser, scope: str) -> dict[str, Any]:
    """What the ID token and the userinfo endpoint say about the user: `sub` (the id the API
    prints as buyer_id / seller_id), and with `profile` the name claims."""
    claims: dict[str, Any] = {"sub": str(user.id)}
    if "profile" in scope.split():
        claims |= {
            "name": f"{user.first_name} {user.last_name}".strip(),
            "given_name": user.first_name,
            "family_name": user.last_name,
        }
    return claims


@dataclass(frozen=True)
class OpenId:
    """What signing an ID token needs: the issuer (the surface's URL, as discovery prints it)
    and the key."""

    issuer: str
    key: ECKey


class IdTokens(OpenIDCode):  # type: ignore[misc]
    """Authlib's OpenID Connect extension of the code grant: a nonce sent with the authorization
    request is kept with the code (a nonce a client used before is refused) and returned in the
    ID token, issued with the access token whenever `openid` was granted."""

    def __init__(self, db: SyncSession, openid: OpenId) -> None:
        super().__init__(require_nonce=False)
        self.db = db
        self.openid = openid

    def resolve_client_private_key(self, client: OAuthClient) -> ECKey:
        return self.openid.key

    def get_client_algorithm(self, client: OAuthClient) -> str:
        return ALGORITHM

    def get_encode_header(self, client: OAuthClient) -> dict[str, str]:
        return {"alg": ALGORITHM, "kid": self.openid.key.kid or ""}

    def get_client_claims(self, client: OAuthClient) -> dict[str, Any]:
        now = int(time.time())
        return {"iss": self.openid.issuer, "aud": [client.client_id], "iat": now, "exp": now + ID_TOKEN_SECONDS}

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        used = select(OAuthCode.id).where(OAuthCode.client_id == request.payload.client_id, OAuthCode.nonce == nonce)
        return self.db.scalar(used.limit(1)) is not None

    def generate_user_info(self, user: EscrowUser, scope: str) -> dict[str, Any]:
        return user_claims(user, scope)


def discovery(metadata: dict[str, Any]) -> dict[str, Any]:
    """OpenID Connect Discovery 1.0: the RFC 8414 metadata and what OpenID Connect adds."""
    issuer = metadata["issuer"]
    return {
        **metadata,
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "claims_supported": list(CLAIMS_SUPPORTED),
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
    }
