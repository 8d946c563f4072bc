"""The edge over real sockets (uvicorn as `peerx serve` runs it): slow clients hold nothing but
their own socket, oversized bodies are refused before they are read, dribbled headers are cut.
Runs on SQLite, and on PostgreSQL in CI's second pass (PEERX_TEST_DATABASE=postgresql)."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from peerx.ops import actions
from peerx.platform import Platform
from peerx.settings import Settings
from tests.conftest import make_settings
from tests.fixtures.live_server import LiveServer

BODY_TIMEOUT = 4.0
HEADER_TIMEOUT = 1.0


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(
        tmp_path, database_url, body_timeout_seconds=BODY_TIMEOUT, header_timeout_seconds=HEADER_TIMEOUT
    )


@pytest.fixture
def server(settings: Settings) -> Iterator[LiveServer]:
    live = LiveServer(settings)
    live.start()
    yield live
    live.stop()


@pytest.fixture
async def keys(platform: Platform) -> dict[str, Any]:
    async with platform.db.transaction() as session:
        return await actions.create_account(platform, session, name="Edge Co", email="edge@example.com")


# One cheap read per surface, authenticated where the API has keys, and the status it answers
# (Peerwallet has no read without an order: an unknown order is its cheapest database read).
ORDINARY = [
    ("/peertupeer/api/v1/wallet.php", 200),
    ("/peerwallet/voucher-order?order_id=PW-NONE", 404),
    ("/peex/api/v3/clients/me", 200),
    ("/trustap/api/v1/charge?currency=usd&price=1000", 200),
    ("/peach/v1/info", 200),
    ("/ops/v1/ledger/verify", 200),
    ("/console/login", 200),
]


def auth_headers(keys: dict[str, Any]) -> list[dict[str, str]]:
    trustap_basic = base64.b64encode(f"{keys['trustap']['test_key']}:".encode()).decode()
    return [
        {"X-API-Key": keys["peertupeer"]["test_key"]},
        {"api-private-key": keys["peerwallet"]["test_api_private_key"]},
        {"SECRETKEY": keys["peex"]["test_secret_key"]},
        {"Authorization": f"Basic {trustap_basic}"},
        {},
        {"Authorization": "Bearer ops-secret-token"},
        {},
    ]


def slow_body(port: int, path: str, headers: dict[str, str]) -> socket.socket:
    """Declares 1000 bytes of JSON, sends 12, and waits."""
    sock = socket.create_connection(("127.0.0.1", port))
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: peerx.test\r\nContent-Type: application/json\r\n"
        f'Content-Length: 1000\r\n{extra}\r\n{{"public": '.encode()
    )
    return sock


def read_response(sock: socket.socket, timeout: float) -> bytes:
    sock.settimeout(timeout)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return data


async def timed(client: httpx.AsyncClient, keys: dict[str, Any]) -> list[tuple[str, float]]:
    """Each ordinary request, checked for its usual status, with how long it took."""
    results = []
    for (path, expected), headers in zip(ORDINARY, auth_headers(keys), strict=True):
        started = time.perf_counter()
        response = await client.get(path, headers=headers)
        assert response.status_code == expected, (path, response.status_code, response.text[:300])
        results.append((path, time.perf_counter() - started))
    return results


@pytest.fixture
async def http(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        yield client


async def test_fifty_slow_bodies_hold_nothing_but_their_sockets(
    server: LiveServer, http: httpx.AsyncClient, keys: dict[str, Any]
) -> None:
    usual = [await timed(http, keys) for _ in range(3)]
    usual_worst = {path: max(run[i][1] for run in usual) for i, (path, _) in enumerate(ORDINARY)}

    # 50 connections to write endpoints of every product (with and without keys), each stuck
    # mid-body: today's unit of work would hold SQLite's writer lock or a pool connection.
    targets = [
        ("/peach/v1/user/register", {}),
        ("/peertupeer/api/v1/withdrawals.php", {"X-API-Key": keys["peertupeer"]["test_key"]}),
        ("/peex/api/v3/clients/request_payment", {"SECRETKEY": keys["peex"]["test_secret_key"]}),
        ("/peerwallet/voucher-issue", {"api-private-key": keys["peerwallet"]["test_api_private_key"]}),
        ("/ops/v1/accounts", {"Authorization": "Bearer ops-secret-token"}),
    ]
    slow = [slow_body(server.port, *targets[i % len(targets)]) for i in range(50)]
    try:
        await asyncio.sleep(0.3)
        held = await timed(http, keys)
        for path, elapsed in held:
            # Not a benchmark: "blocked" would be BODY_TIMEOUT seconds; usual is milliseconds.
            assert elapsed < max(1.0, 10 * usual_worst[path]), (path, elapsed, usual_worst[path])
        # The slow clients are answered in their surface's envelope once their time is up.
        answers = [read_response(sock, BODY_TIMEOUT + 3) for sock in slow[:5]]
    finally:
        for sock in slow:
            sock.close()
    assert answers[0].startswith(b"HTTP/1.1 408"), answers[0][:200]
    assert b'"error":"REQUEST_TIMEOUT"' in answers[0]  # Peach's envelope
    assert answers[1].startswith(b"HTTP/1.1 408") and b'"success":false' in answers[1]  # PeerTupeer's
    # Nothing was written by any of them, and the books balance.
    report = (await http.get("/ops/v1/ledger/verify", headers={"Authorization": "Bearer ops-secret-token"})).json()
    assert report["ok"] is True


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class RssSampler:
    def __init__(self) -> None:
        self.peak = rss_bytes()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_bytes())
            time.sleep(0.005)

    def __enter__(self) -> RssSampler:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()


def test_hundred_megabyte_body_is_refused_before_it_is_read(server: LiveServer) -> None:
    megabyte = b"x" * (1024 * 1024)
    baseline = rss_bytes()
    with RssSampler() as sampler:
        # Declared: refused from the headers alone.
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(
            b"POST /peach/v1/user/register HTTP/1.1\r\nHost: peerx.test\r\nContent-Type: application/json\r\n"
            b"Content-Length: 104857600\r\n\r\n" + megabyte
        )
        declared = read_response(sock, 5)
        sock.close()

        # Chunked, so no length is declared: refused as soon as it passes the JSON limit.
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(
            b"POST /peertupeer/api/v1/withdrawals.php HTTP/1.1\r\nHost: peerx.test\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        received: list[bytes] = []
        reader = threading.Thread(target=lambda: received.append(read_response(sock, 10)), daemon=True)
        reader.start()
        sent = 0
        try:
            while sent < 100 * len(megabyte):
                sock.sendall(b"%x\r\n%s\r\n" % (len(megabyte), megabyte))
                sent += len(megabyte)
        except (BrokenPipeError, ConnectionResetError):
            pass
        reader.join()
        sock.close()
    assert declared.startswith(b"HTTP/1.1 413"), declared[:300]
    assert b'"error":"PAYLOAD_TOO_LARGE"' in declared
    assert received[0].startswith(b"HTTP/1.1 413"), received[0][:300]
    assert b"connection: close" in received[0].lower()
    assert sent < 20 * len(megabyte), "the server read on long after the limit"
    assert sampler.peak - baseline < 30 * 1024 * 1024, (baseline, sampler.peak)


def test_dribbled_headers_are_cut_off(server: LiveServer) -> None:
    sock = socket.create_connection(("127.0.0.1", server.port))
    started = time.monotonic()
    sock.sendall(b"GET /peach/v1/info HTTP/1.1\r\nHost: peerx.test\r\n")
    for _ in range(10):  # a byte every 0.3 s: uvicorn's keep-alive timer alone never fires
        try:
            sock.sendall(b"X")
        except (BrokenPipeError, ConnectionResetError):
            break
        time.sleep(0.3)
    closed = read_response(sock, 5) == b""
    sock.close()
    assert closed and time.monotonic() - started < HEADER_TIMEOUT + 2.5


def test_a_complete_request_after_a_pause_is_served(server: LiveServer) -> None:
    """The header timer never cuts a request whose headers arrived, however long it runs."""
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(b"GET /peach/v1/info HTTP/1.1\r\nHost: peerx.test\r\n\r\n")
    first = read_response(sock, HEADER_TIMEOUT + 0.5)
    sock.close()
    assert first.startswith(b"HTTP/1.1 200")
