"""Schemathesis on the Trustap surface (/trustap/api/v1), against its served OpenAPI document as
is: a test-mode OAuth2 client and a user whose access token holds every scope the server knows,
so every user route runs for real (creating, joining, paying with sandbox cards, listings,
notifications, the credit account), and the OAuth2 endpoints get their forms.

The rows the document's examples name exist before the run, so the examples phase reaches real
state, not only 404s: transaction 1 (online and face to face) with the user as the buyer and
another user as the seller, an open transaction of each kind under the example join code, a
priced online listing 1 and face-to-face listing 2 of the other user, and notification 1."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from peerx.ops.escrow import actions as escrow_ops
from peerx.platform import Platform
from peerx.products.escrow import oauth
from tests.contract.harness import assert_clean, run_schemathesis
from tests.fixtures.live_server import LiveServer

BASE = "/trustap/api/v1"
EXAMPLE_JOIN_CODE = "54c5bb89-a5ea-4be7-ad7a-e740c2eebab4"  # the JoinCode schema's example
# A handful per operation in CI (about 2,900 cases with the coverage phase); more for a deeper run.
EXAMPLES = int(os.environ.get("PEERX_TRUSTAP_FUZZ_EXAMPLES", "3"))


async def _op(platform: Platform, action: Any, **kwargs: Any) -> dict[str, Any]:
    async with platform.db.transaction() as session:
        result: dict[str, Any] = await action(platform, session, **kwargs)
        return result


async def _user_token(platform: Platform, client_id: str, email: str, scope: str) -> str:
    await _op(platform, escrow_ops.create_user, email=email, password="correct horse", first="F", last="Z")
    issued = await _op(platform, escrow_ops.issue_token, email=email, client_id=client_id, scope=scope)
    return str(issued["access_token"])


@pytest.fixture
async def tokens(platform: Platform) -> tuple[str, str]:
    """(the fuzzing user's token with every scope, the other party's token)."""
    client = await _op(
        platform,
        escrow_ops.create_client,
        name="Contract App",
        redirect_uris=["http://localhost:8765/callback"],
        livemode=False,
    )
    fuzz = await _user_token(platform, client["client_id"], "fuzz@example.com", " ".join(oauth.SCOPES))
    other = await _user_token(platform, client["client_id"], "other@example.com", "openid")
    return fuzz, other


def _seed(url: str, fuzz: str, other: str, monkeypatch: pytest.MonkeyPatch) -> None:
    as_fuzz = {"Authorization": f"Bearer {fuzz}"}
    as_other = {"Authorization": f"Bearer {other}"}
    online = {
        "currency": "usd",
        "price": 1234,
        "description": "Soccer ticket",
        "charge": 62,
        "charge_calculator_version": 1,
    }
    deposit = {"currency": "usd", "description": "Bicycle", "depositPricing": {"price": 1000, "charge": 50}}
    with httpx.Client(base_url=url + BASE, timeout=30) as http:

        def ok(resp: httpx.Response) -> dict[str, Any]:
            assert resp.is_success, resp.text
            body: dict[str, Any] = resp.json()
            return body

        first = ok(http.post("/me/transactions", json={**online, "role": "buyer"}, headers=as_fuzz))
        ok(http.put("/transactions", params={"join_code": first["join_code"]}, headers=as_other))
        p2p = ok(http.post("/p2p/me/transactions", json={**deposit, "role": "buyer"}, headers=as_fuzz))
        ok(http.post(f"/p2p/transactions_by_join_code/{p2p['join_code']}/join", headers=as_other))
        assert first["id"] == p2p["id"] == 1
        real_uuid4 = uuid.uuid4
        for path, body in (("/me/transactions", online), ("/p2p/me/transactions", deposit)):
            # The join code is the first id the creation draws; the event ids after it stay random.
            first_draw = iter([uuid.UUID(EXAMPLE_JOIN_CODE)])
            monkeypatch.setattr(uuid, "uuid4", lambda draws=first_draw: next(draws, None) or real_uuid4())
            assert (
                ok(http.post(path, json={**body, "role": "seller"}, headers=as_other))["join_code"] == EXAMPLE_JOIN_CODE
            )
            monkeypatch.undo()
        listing = {
            "description": "Guitar",
            "currency": "usd",
            "price": 2000,
            "charge": 100,
            "charge_calculator_version": 1,
        }
        assert ok(http.post("/me/single_use_listings", json=listing, headers=as_other))["id"] == 1
        p2p_listing = {"description": "Sofa", "currency": "usd", "depositPricing": {"price": 1000, "charge": 50}}
        assert ok(http.post("/p2p/me/single_use_listings", json=p2p_listing, headers=as_other))["id"] == 2
        assert ok(http.get("/notifications/1", headers=as_fuzz))["target"] == "basic/1"


def test_trustap_holds_its_schema(
    live: LiveServer, tokens: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fuzz, other = tokens
    _seed(live.url, fuzz, other, monkeypatch)
    report = run_schemathesis(
        live.url,
        BASE,
        tmp_path,
        headers={"Authorization": f"Bearer {fuzz}"},
        examples_per_operation=EXAMPLES,
        extra=("--workers", "2", "--generation-database", "none"),
    )
    print(f"{report.cases} cases")
    assert_clean(report)  # no 5xx, every answer in its own schema, >= 300 cases
