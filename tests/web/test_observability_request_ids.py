"""X-Request-Id on every answer: taken from the request when it is valid (printable ASCII, at most
200 characters), otherwise replaced by a new one; echoed by every surface, in its own error
envelopes and in the edge's refusals (413 before the body is read, 400 for a control character)."""

from __future__ import annotations

import re

import httpx
import pytest

from peerx.core.logs import REQUEST_ID

TOO_BIG = b'{"pad": "' + b"x" * (1024 * 1024 + 10) + b'"}'

# (surface, method, path, expected status): a refusal in each surface's own envelope.
REFUSALS = [
    ("peertupeer", "GET", "/peertupeer/api/v1/wallet.php", 401),
    ("peerwallet", "POST", "/peerwallet/voucher-issue", 401),
    ("peex", "GET", "/peex/api/v3/clients/me", 401),
    ("trustap", "GET", "/trustap/api/v1/me/transactions", 401),
    ("peach", "GET", "/peach/v1/user/me", 401),
    ("ops", "POST", "/ops/v1/accounts", 401),
]
# Where a body over the limit is refused at the edge (413): every surface with a body gate.
EDGES = [
    "/peertupeer/api/v1/withdrawals.php",
    "/peerwallet/voucher-issue",
    "/peex/api/v3/clients/request_payment",
    "/trustap/api/v1/me/transactions",
    "/peach/v1/offer",
]


@pytest.mark.parametrize(("surface", "method", "path", "status"), REFUSALS)
async def test_refusals_echo_the_request_id(
    client: httpx.AsyncClient, surface: str, method: str, path: str, status: int
) -> None:
    given = f"{surface}-4xx-0001"
    resp = await client.request(method, path, headers={"X-Request-Id": given})
    assert resp.status_code == status, resp.text
    assert resp.headers["x-request-id"] == given
    assert resp.headers.get_list("x-request-id") == [given]  # once, not appended twice


@pytest.mark.parametrize("path", EDGES)
async def test_edge_refusals_echo_the_request_id(client: httpx.AsyncClient, path: str) -> None:
    resp = await client.post(
        path, content=TOO_BIG, headers={"Content-Type": "application/json", "X-Request-Id": "edge-413"}
    )
    assert resp.status_code == 413, resp.text
    assert resp.headers["x-request-id"] == "edge-413"
    control = await client.get(path + "?q=%00", headers={"X-Request-Id": "edge-400"})
    assert control.status_code in (400, 422)  # Peex answers its validation failures 422
    assert control.headers["x-request-id"] == "edge-400"


async def test_successes_and_root_routes_echo_it(client: httpx.AsyncClient) -> None:
    for path in ("/healthz", "/readyz", "/metrics", "/console/login", "/peertupeer/api/v1/rates.php", "/nowhere"):
        resp = await client.get(path, headers={"X-Request-Id": "root-1"})
        assert resp.headers["x-request-id"] == "root-1", path


async def test_a_missing_or_invalid_id_is_replaced_by_a_new_one(client: httpx.AsyncClient) -> None:
    generated = set()
    for headers in (
        {},
        {"X-Request-Id": ""},
        {"X-Request-Id": "has a space"},
        {"X-Request-Id": "x" * 201},
        {"X-Request-Id": "café".encode("latin-1")},  # not ASCII
        {"X-Request-Id": "<script>\x7f"},
    ):
        resp = await client.get("/peex/api/v3/clients/me", headers=headers)
        shown = resp.headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", shown), (headers, shown)
        generated.add(shown)
    assert len(generated) == 6  # a new one each time
    longest = "y" * 200
    assert (await client.get("/healthz", headers={"X-Request-Id": longest})).headers["x-request-id"] == longest


async def test_the_context_is_clean_after_a_request(client: httpx.AsyncClient) -> None:
    await client.get("/healthz", headers={"X-Request-Id": "leaves-nothing"})
    assert REQUEST_ID.get() is None
