"""Sign-in on the authorize page is throttled per email typed and per client address, driven
through the real form: a locked email refuses even the right password until the lock ends, an
unknown email is answered, counted and locked exactly like a known one (same bytes, same SQL,
same argon2 work), and one address guessing at many emails is stopped."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from peerx.app import create_app
from peerx.core.clock import clock
from peerx.ops.escrow import actions as escrow_ops
from peerx.platform import Platform
from peerx.products.escrow import oauth
from tests.fixtures.factories.escrow import REDIRECT, TP, op
from tests.fixtures.work import recording

BASE = "http://localhost"  # Authlib insists on https except for loopback hosts
PASSWORD = "correct horse"
LOCKED = "Too many failed sign-in attempts. Try again later."
WRONG = "Wrong email or password."


@pytest.fixture
async def user(platform: Platform) -> dict[str, Any]:
    return await op(platform, escrow_ops.create_user, email="ann@example.com", password=PASSWORD, first="Ann")


@pytest.fixture
def authorize_url(oauth_client: dict[str, Any]) -> str:
    return authorize_url_for(oauth_client["client_id"])


def authorize_url_for(client_id: str) -> str:
    """One fixed authorization request (same state, same PKCE challenge), so that two answers
    can be compared byte for byte."""
    challenge = base64.urlsafe_b64encode(hashlib.sha256(b"v" * 48).digest()).rstrip(b"=").decode()
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid",
        "state": "st4te",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return f"{TP}/oauth2/authorize?{urlencode(query)}"


def browser(platform: Platform, address: str = "203.0.113.7") -> httpx.AsyncClient:
    """A user's browser connecting from `address`."""
    transport = httpx.ASGITransport(app=create_app(platform=platform), client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url=BASE)


async def sign_in(http: httpx.AsyncClient, url: str, email: str, password: str) -> httpx.Response:
    """Submit the login and consent form as the page does (its hidden fields are the query)."""
    fields = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    return await http.post(url.split("?")[0], data={**fields, "email": email, "password": password, "consent": "allow"})


def logged_in(resp: httpx.Response) -> bool:
    return resp.status_code == 302 and resp.headers["location"].startswith(f"{REDIRECT}?code=")


def refused(resp: httpx.Response, status: int, message: str) -> None:
    assert resp.status_code == status, resp.text
    assert f'<p role="alert">{message}</p>' in resp.text and "location" not in resp.headers


async def test_forty_wrong_passwords_then_the_right_one_is_refused_until_the_lock_ends(platform, user, authorize_url):
    async with browser(platform) as http, browser(platform, "198.51.100.20") as elsewhere:
        answers = [await sign_in(http, authorize_url, "ann@example.com", f"guess {n}") for n in range(40)]
        # Five failures are counted; the fifth locks the email, and the other 35 meet the lock.
        for answer in answers[:5]:
            refused(answer, 401, WRONG)
        for answer in answers[5:]:
            refused(answer, 429, LOCKED)

        refused(await sign_in(http, authorize_url, "ann@example.com", PASSWORD), 429, LOCKED)
        # The lock is the account's, not the address's: another address is refused too.
        refused(await sign_in(elsewhere, authorize_url, "ANN@example.com ", PASSWORD), 429, LOCKED)

        clock.advance(timedelta(minutes=14, seconds=50))
        refused(await sign_in(http, authorize_url, "ann@example.com", PASSWORD), 429, LOCKED)
        clock.advance(timedelta(seconds=11))  # 15 minutes after the fifth failure
        assert logged_in(await sign_in(http, authorize_url, "ann@example.com", PASSWORD))

        # A login forgets the account's failures: four more are not a lock.
        for n in range(4):
            refused(await sign_in(http, authorize_url, "ann@example.com", f"again {n}"), 401, WRONG)
        assert logged_in(await sign_in(http, authorize_url, "ann@example.com", PASSWORD))


async def test_failures_outside_the_window_do_not_add_up(platform, user, authorize_url):
    async with browser(platform) as http:
        for n in range(4):
            refused(await sign_in(http, authorize_url, "ann@example.com", f"guess {n}"), 401, WRONG)
        clock.advance(timedelta(minutes=15, seconds=1))
        for n in range(4):
            refused(await sign_in(http, authorize_url, "ann@example.com", f"later {n}"), 401, WRONG)
        assert logged_in(await sign_in(http, authorize_url, "ann@example.com", PASSWORD))


async def test_unknown_and_known_emails_answer_and_work_alike(platform, user, authorize_url, monkeypatch):
    # Two guessers, each from an address of its own, so both meet the same address state.
    async with browser(platform, "192.0.2.1") as one, browser(platform, "192.0.2.2") as other:
        with recording(platform, oauth, monkeypatch) as recorder:
            for attempt in range(1, 8):
                # Attempt 7 is the right password of the known email, while it is locked.
                password = PASSWORD if attempt == 7 else "wrong password"
                with recorder.request() as known_work:
                    known = await sign_in(one, authorize_url, "ann@example.com", password)
                with recorder.request() as unknown_work:
                    unknown = await sign_in(other, authorize_url, "nobody@example.com", password)

                assert (known.status_code, known.content) == (unknown.status_code, unknown.content)
                # Header for header the same, but for the request id each answer has of its own.
                assert sorted(h for h in known.headers.items() if h[0] != "x-request-id") == sorted(
                    h for h in unknown.headers.items() if h[0] != "x-request-id"
                )
                assert known.status_code == (401 if attempt <= 5 else 429)
                # The same statements; their order follows the rows' keys (hashes), not existence.
                assert sorted(known_work.statements) == sorted(unknown_work.statements) and known_work.statements
                # One argon2 verification each while counting (a dummy hash for the unknown
                # email); none at all while locked.
                assert known_work.verifications == unknown_work.verifications == (1 if attempt <= 5 else 0)

    clock.advance(timedelta(minutes=15, seconds=1))
    async with browser(platform) as http:
        assert logged_in(await sign_in(http, authorize_url, "ann@example.com", PASSWORD))
        refused(await sign_in(http, authorize_url, "nobody@example.com", PASSWORD), 401, WRONG)


async def test_one_address_guessing_at_many_emails_is_locked(platform, user, authorize_url):
    async with browser(platform, "192.0.2.50") as guesser, browser(platform, "192.0.2.51") as neighbour:
        # Twenty failures spread over twenty emails (each far from its own limit) lock the address.
        emails = ["ann@example.com"] + [f"user{n}@example.com" for n in range(19)]
        for email in emails:
            refused(await sign_in(guesser, authorize_url, email, "Summer2026!"), 401, WRONG)
        refused(await sign_in(guesser, authorize_url, "ann@example.com", PASSWORD), 429, LOCKED)
        refused(await sign_in(guesser, authorize_url, "fresh@example.com", "anything"), 429, LOCKED)

        # Only that address: Ann signs in from another one.
        assert logged_in(await sign_in(neighbour, authorize_url, "ann@example.com", PASSWORD))

        clock.advance(timedelta(minutes=15, seconds=1))
        assert logged_in(await sign_in(guesser, authorize_url, "ann@example.com", PASSWORD))


async def test_a_login_of_ones_own_does_not_reset_the_address(platform, user, authorize_url):
    """An attacker with an account of their own cannot clear their address's count by using it."""
    async with browser(platform, "192.0.2.60") as http:
        for n in range(19):
            refused(await sign_in(http, authorize_url, f"victim{n}@example.com", "guess"), 401, WRONG)
        assert logged_in(await sign_in(http, authorize_url, "ann@example.com", PASSWORD))
        refused(await sign_in(http, authorize_url, "victim19@example.com", "guess"), 401, WRONG)
        refused(await sign_in(http, authorize_url, "ann@example.com", PASSWORD), 429, LOCKED)


async def test_an_ipv6_address_is_counted_by_its_64_prefix(platform, user, authorize_url):
    for n in range(20):
        async with browser(platform, f"2001:db8:1:2::{n + 1:x}") as http:
            refused(await sign_in(http, authorize_url, f"user{n}@example.com", "guess"), 401, WRONG)
    async with browser(platform, "2001:db8:1:2:ffff::9") as same_prefix:
        refused(await sign_in(same_prefix, authorize_url, "ann@example.com", PASSWORD), 429, LOCKED)
    async with browser(platform, "2001:db8:1:3::1") as other_prefix:
        assert logged_in(await sign_in(other_prefix, authorize_url, "ann@example.com", PASSWORD))


async def test_the_numbers_are_settings(platform, user, authorize_url):
    platform.settings.trustap_login_account_failures = 2
    platform.settings.trustap_login_lock_seconds = 60
    async with browser(platform) as http:
        for _ in range(2):
            refused(await sign_in(http, authorize_url, "ann@example.com", "guess"), 401, WRONG)
        refused(await sign_in(http, authorize_url, "ann@example.com", PASSWORD), 429, LOCKED)
        clock.advance(timedelta(seconds=61))
        assert logged_in(await sign_in(http, authorize_url, "ann@example.com", PASSWORD))
