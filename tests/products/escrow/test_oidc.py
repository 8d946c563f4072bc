"""OpenID Connect: discovery (at the issuer and at the host's root), an Authlib client configured
from the discovery document alone runs the authorization-code flow, and the ID token it gets is
checked as a relying party checks it: the signature against the JWK Set at `jwks_uri`, then iss,
aud, exp and the nonce. The signing key is generated once, kept 0600 in the data directory, and
only its public half is ever served."""

from __future__ import annotations

import stat
import time

import httpx
import pytest
from authlib.common.security import generate_token
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import ECKey, KeySet

from peerx.app import create_app
from peerx.ops.escrow import actions as escrow_ops
from peerx.products.escrow import oidc
from tests.fixtures.factories.escrow import TP, op
from tests.products.escrow.test_oauth import BASE, browser, login_and_consent, oauth_session


@pytest.fixture
async def app_transport(platform):  # type: ignore[no-untyped-def]
    return httpx.ASGITransport(app=create_app(platform=platform))


@pytest.fixture
async def user(platform):  # type: ignore[no-untyped-def]
    return await op(platform, escrow_ops.create_user, email="ann@example.com", password="correct horse", first="Ann")


async def discover(transport: httpx.ASGITransport) -> dict:  # type: ignore[type-arg]
    plain = browser(transport)
    config = (await plain.get(f"{TP}/.well-known/openid-configuration")).json()
    assert (await plain.get(f"/.well-known/openid-configuration{TP}")).json() == config
    return config  # type: ignore[no-any-return]


async def code_flow(oauth_client, transport, config, *, scope: str, nonce: str | None):  # type: ignore[no-untyped-def]
    verifier = generate_token(48)
    async with oauth_session(oauth_client, transport, scope=scope) as http:
        extra = {"nonce": nonce} if nonce else {}
        url, _ = http.create_authorization_url(config["authorization_endpoint"], code_verifier=verifier, **extra)
        answer = await login_and_consent(transport, url)
        assert answer.status_code == 302, answer.text
        token = await http.fetch_token(
            config["token_endpoint"], authorization_response=answer.headers["location"], code_verifier=verifier
        )
        info = await http.get(config["userinfo_endpoint"])
        return token, info


async def test_a_client_configured_from_discovery_alone_gets_a_verifiable_id_token(
    platform,
    oauth_client,
    user,
    app_transport,
):
    config = await discover(app_transport)
    issuer = f"{BASE}{TP}"
    assert config["issuer"] == issuer
    assert config["jwks_uri"] == f"{issuer}/.well-known/jwks.json"
    assert config["userinfo_endpoint"] == f"{issuer}/userinfo"
    assert config["id_token_signing_alg_values_supported"] == ["ES256"]
    assert config["subject_types_supported"] == ["public"]
    assert "openid" in config["scopes_supported"] and config["response_types_supported"] == ["code"]

    nonce = generate_token(20)
    token, info = await code_flow(oauth_client, app_transport, config, scope="openid profile", nonce=nonce)
    jwks = (await browser(app_transport).get(config["jwks_uri"])).json()
    assert all("d" not in key for key in jwks["keys"])  # the public half only

    decoded = jwt.decode(token["id_token"], KeySet.import_key_set(jwks), algorithms=["ES256"])
    assert decoded.header["alg"] == "ES256" and decoded.header["kid"] == jwks["keys"][0]["kid"]
    claims = decoded.claims
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": oauth_client["client_id"]},
        exp={"essential": True},
        nonce={"essential": True, "value": nonce},
        sub={"essential": True, "value": str(user["id"])},
    ).validate(claims)
    assert claims["exp"] > time.time() > claims["iat"] - 5
    assert claims["given_name"] == "Ann" and "at_hash" in claims
    assert info.status_code == 200 and info.json() == {
        "sub": str(user["id"]),
        "name": "Ann",
        "given_name": "Ann",
        "family_name": "",
    }

    # Another key does not verify it.
    stranger = KeySet([ECKey.generate_key("P-256", private=False, parameters={"kid": jwks["keys"][0]["kid"]})])
    with pytest.raises(BadSignatureError):
        jwt.decode(token["id_token"], stranger, algorithms=["ES256"])


async def test_a_nonce_is_used_once_and_openid_without_profile_says_only_sub(
    platform,
    oauth_client,
    user,
    app_transport,
):
    config = await discover(app_transport)
    token, info = await code_flow(oauth_client, app_transport, config, scope="openid", nonce=None)
    claims = jwt.decode(
        token["id_token"], KeySet.import_key_set((await browser(app_transport).get(config["jwks_uri"])).json())
    ).claims
    assert "nonce" not in claims and "name" not in claims and info.json() == {"sub": str(user["id"])}

    nonce = generate_token(20)
    await code_flow(oauth_client, app_transport, config, scope="openid", nonce=nonce)
    verifier = generate_token(48)
    async with oauth_session(oauth_client, app_transport, scope="openid") as http:
        url, _ = http.create_authorization_url(config["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
        replayed = await browser(app_transport).get(url)
        assert replayed.status_code in (302, 400) and "Replay" in (replayed.headers.get("location", "") + replayed.text)
        too_long = await browser(app_transport).get(url.replace(nonce, "n" * 256))
        assert too_long.status_code == 400 and too_long.json()["code"]


async def test_the_signing_key_is_generated_once_and_kept_private(platform, settings):
    settings = settings.model_copy(update={"trustap_oidc_private_key": ""})  # embedded, on any database
    key = oidc.signing_key(settings)
    path = settings.data_dir / oidc.KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    oidc._key.cache_clear()  # a new process reads the same file
    assert oidc.signing_key(settings).kid == key.kid
    assert "d" not in oidc.public_jwks(key)["keys"][0]
    # A configured key wins over the embedded one.
    configured = ECKey.generate_key("P-256", private=True)
    pem = configured.as_pem(private=True).decode()
    assert (
        oidc.signing_key(settings.model_copy(update={"trustap_oidc_private_key": pem})).kid == configured.thumbprint()
    )
