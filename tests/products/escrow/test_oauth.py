"""Users log in through peerx's OAuth2 server; driven by Authlib's httpx client exactly as an
integrator's app would: authorization code with PKCE, token exchange, API call, refresh,
revocation, expiry."""

from __future__ import annotations

import warnings
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import yaml
from authlib.common.security import generate_token
from authlib.deprecate import AuthlibDeprecationWarning
from sqlalchemy import select

from peerx.app import create_app
from peerx.core.clock import clock
from peerx.products.escrow.models import OAuthCode, OAuthToken
from tests.fixtures.factories.escrow import REDIRECT, TOKEN_SECONDS, TP, op
from tests.products.escrow.test_openapi import SPEC_PATH

with warnings.catch_warnings():
    # Authlib 1.7+ nudges towards the httpx2 fork; the httpx integration is still the maintained one.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client

BASE = "http://localhost"  # Authlib insists on https except for loopback hosts


@pytest.fixture
async def app_transport(platform):
    return httpx.ASGITransport(app=create_app(platform=platform))


@pytest.fixture
async def user(platform):
    from peerx.ops.escrow import actions as escrow_ops

    return await op(platform, escrow_ops.create_user, email="ann@example.com", password="correct horse", first="Ann")


def oauth_session(oauth_client, transport, scope="openid basic_tx:offline_track"):
    return AsyncOAuth2Client(
        client_id=oauth_client["client_id"],
        client_secret=oauth_client["client_secret"],
        scope=scope,
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        transport=transport,
        base_url=BASE,
    )


def browser(transport) -> httpx.AsyncClient:
    """The user's browser: a plain client, apart from the app's OAuth2 client."""
    return httpx.AsyncClient(transport=transport, base_url=BASE)


async def login_and_consent(transport, url, *, password="correct horse", consent="allow") -> httpx.Response:  # noqa: S107
    http = browser(transport)
    page = await http.get(url)
    assert page.status_code == 200 and "Shop App" in page.text and "<li>openid</li>" in page.text
    form = dict(parse_qs(urlsplit(url).query, keep_blank_values=True))
    data = {k: v[0] for k, v in form.items()} | {"email": "ann@example.com", "password": password, "consent": consent}
    return await http.post(url.split("?")[0], data=data)


async def test_authorization_code_with_pkce_refresh_and_revocation(platform, oauth_client, user, app_transport):
    verifier = generate_token(48)
    async with oauth_session(oauth_client, app_transport) as http:
        url, state = http.create_authorization_url(f"{BASE}{TP}/oauth2/authorize", code_verifier=verifier)
        answer = await login_and_consent(app_transport, url)
        assert answer.status_code == 302
        location = answer.headers["location"]
        assert location.startswith(REDIRECT) and f"state={state}" in location
        token = await http.fetch_token(
            f"{BASE}{TP}/oauth2/token", authorization_response=location, code_verifier=verifier
        )
        assert token["token_type"].lower() == "bearer" and token["expires_in"] == TOKEN_SECONDS
        assert token["scope"] == "openid basic_tx:offline_track" and token["refresh_token"]

        me = await http.get(f"{TP}/me/personal")
        assert me.status_code == 200 and me.json()["name"] == {"first": "Ann", "last": ""}

        # The code works once: the same exchange again is refused.
        again = await browser(app_transport).post(
            f"{TP}/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": parse_qs(urlsplit(location).query)["code"][0],
                "redirect_uri": REDIRECT,
                "code_verifier": verifier,
            },
            auth=(oauth_client["client_id"], oauth_client["client_secret"]),
        )
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

        old_access = token["access_token"]
        refreshed = await http.refresh_token(f"{BASE}{TP}/oauth2/token")
        assert refreshed["access_token"] != old_access and refreshed["refresh_token"] != token["refresh_token"]
        assert (await http.get(f"{TP}/me/personal")).status_code == 200
        plain = browser(app_transport)
        stale = await plain.get(f"{TP}/me/personal", headers={"Authorization": f"Bearer {old_access}"})
        assert stale.status_code == 401 and stale.json()["code"] == "unauthorized"

        revoked = await http.revoke_token(f"{BASE}{TP}/oauth2/revoke", token=refreshed["access_token"])
        assert revoked.status_code == 200
        refused = await http.get(f"{TP}/me/personal")
        assert refused.status_code == 401 and refused.json()["code"] == "unauthorized"
        # Revoking the access token also ended its refresh token (no hint given).
        with pytest.raises(Exception, match="invalid_grant"):
            await http.refresh_token(f"{BASE}{TP}/oauth2/token")

    async with platform.db.transaction() as session:
        stored = list(await session.scalars(select(OAuthToken)))
        codes = list(await session.scalars(select(OAuthCode)))
    # Only hashes are stored.
    assert all(t.access_token_hash not in (old_access, refreshed["access_token"]) for t in stored)
    assert all(len(c.code_hash) == 64 and c.used_at is not None for c in codes)


async def test_expired_token_is_refused(oauth_client, user, app_transport):
    verifier = generate_token(48)
    async with oauth_session(oauth_client, app_transport, scope="openid") as http:
        url, _ = http.create_authorization_url(f"{BASE}{TP}/oauth2/authorize", code_verifier=verifier)
        location = (await login_and_consent(app_transport, url)).headers["location"]
        await http.fetch_token(f"{BASE}{TP}/oauth2/token", authorization_response=location, code_verifier=verifier)
        assert (await http.get(f"{TP}/me/notifications")).status_code == 200
        clock.advance(timedelta(seconds=TOKEN_SECONDS + 1))
        expired = await http.get(f"{TP}/me/notifications")
        assert expired.status_code == 401 and expired.json()["code"] == "unauthorized"


async def test_pkce_is_required_and_checked(oauth_client, user, app_transport):
    async with oauth_session(oauth_client, app_transport) as http:
        plain_url, _ = http.create_authorization_url(f"{BASE}{TP}/oauth2/authorize")  # no code_challenge
        answer = await browser(app_transport).get(plain_url)
        assert answer.status_code == 302 and "error=invalid_request" in answer.headers["location"]

        verifier = generate_token(48)
        url, _ = http.create_authorization_url(f"{BASE}{TP}/oauth2/authorize", code_verifier=verifier)
        location = (await login_and_consent(app_transport, url)).headers["location"]
        with pytest.raises(Exception, match="invalid_grant"):
            await http.fetch_token(
                f"{BASE}{TP}/oauth2/token", authorization_response=location, code_verifier=generate_token(48)
            )


async def test_wrong_password_deny_and_unknown_redirect(oauth_client, user, app_transport):
    async with oauth_session(oauth_client, app_transport) as http:
        verifier = generate_token(48)
        url, state = http.create_authorization_url(f"{BASE}{TP}/oauth2/authorize", code_verifier=verifier)
        wrong = await login_and_consent(app_transport, url, password="wrong password")
        assert wrong.status_code == 401 and "Wrong email or password." in wrong.text
        denied = await login_and_consent(app_transport, url, consent="deny")
        assert denied.status_code == 302 and "error=access_denied" in denied.headers["location"]
        assert f"state={state}" in denied.headers["location"]

    async with oauth_session(oauth_client, app_transport) as http:
        http.redirect_uri = "https://evil.example/cb"
        url, _ = http.create_authorization_url(f"{BASE}{TP}/oauth2/authorize", code_verifier=generate_token(48))
        bad = await browser(app_transport).get(url)
        # Never redirect to an unregistered URI: the error is answered here.
        assert bad.status_code == 400 and "evil.example" not in bad.headers.get("location", "")


async def test_token_without_openid_scope_is_forbidden(client, platform, oauth_client):
    from tests.fixtures.factories.escrow import person

    narrow = await person(platform, oauth_client, "narrow@example.com", scope="basic_tx:offline_track")
    resp = await client.get(f"{TP}/me/transactions", headers=narrow.h)
    assert resp.status_code == 403 and resp.json()["code"] == "insufficient_scope"
    missing = await client.get(f"{TP}/me/transactions")
    assert missing.status_code == 401 and missing.json() == {
        "code": "unauthorized",
        "error": "A bearer access token is required.",
    }


# ---------------------------------------------------------------- discovery, every spec scope, the default


def spec_scopes() -> list[str]:
    spec = yaml.safe_load(SPEC_PATH.read_text())
    return sorted(spec["components"]["securitySchemes"]["OAuth2"]["flows"]["authorizationCode"]["scopes"])


async def test_a_client_configured_from_the_metadata_alone_gets_every_scope_the_spec_names(
    oauth_client, user, app_transport
):
    plain = browser(app_transport)
    # RFC 8414's location for an issuer with a path, and the issuer-relative one, say the same.
    metadata = (await plain.get(f"/.well-known/oauth-authorization-server{TP}")).json()
    assert (await plain.get(f"{TP}/.well-known/oauth-authorization-server")).json() == metadata
    assert metadata["issuer"] == f"{BASE}{TP}"
    assert sorted(metadata["scopes_supported"]) == spec_scopes() and len(spec_scopes()) == 19
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["grant_types_supported"] == ["authorization_code", "refresh_token"]

    asked = "openid profile p2p_ls:offline_update p2p_tx:offline_claim p2p_tx:offline_set_price"
    verifier = generate_token(48)
    async with oauth_session(oauth_client, app_transport, scope=asked) as http:
        url, _ = http.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier)
        answer = await login_and_consent(app_transport, url)
        assert answer.status_code == 302, answer.text
        token = await http.fetch_token(
            metadata["token_endpoint"], authorization_response=answer.headers["location"], code_verifier=verifier
        )
        assert token["scope"] == asked
        assert (await http.get(f"{TP}/me/personal")).status_code == 200
        assert (
            await http.revoke_token(metadata["revocation_endpoint"], token=token["access_token"])
        ).status_code == 200
        assert (await http.get(f"{TP}/me/personal")).status_code == 401


async def test_a_request_without_scope_gets_openid_and_a_token_the_routes_accept(oauth_client, user, app_transport):
    verifier = generate_token(48)
    async with oauth_session(oauth_client, app_transport, scope=None) as http:
        url, _ = http.create_authorization_url(f"{BASE}{TP}/oauth2/authorize", code_verifier=verifier)
        assert "scope=" not in url
        answer = await login_and_consent(app_transport, url)  # the page lists openid
        token = await http.fetch_token(
            f"{BASE}{TP}/oauth2/token", authorization_response=answer.headers["location"], code_verifier=verifier
        )
        assert token["scope"] == "openid"
        assert (await http.get(f"{TP}/me/transactions")).status_code == 200


async def test_a_scope_outside_the_spec_is_invalid_scope(oauth_client, user, app_transport):
    async with oauth_session(oauth_client, app_transport, scope="openid admin") as http:
        url, state = http.create_authorization_url(f"{BASE}{TP}/oauth2/authorize", code_verifier=generate_token(48))
        refused = await browser(app_transport).get(url)
        assert refused.status_code == 302 and "error=invalid_scope" in refused.headers["location"]
        assert f"state={state}" in refused.headers["location"]
