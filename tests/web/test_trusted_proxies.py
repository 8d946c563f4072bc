"""Behind a proxy: X-Forwarded-For is believed only from PEERX_TRUSTED_PROXIES, so a per-address
rate limit counts each client the proxy saw; from anyone else the header changes nothing. Served
by uvicorn with the options `peerx serve` gives it (peerx.web.serving), over real sockets."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from pydantic import ValidationError

from peerx.app import create_app
from peerx.settings import Settings
from peerx.web.serving import uvicorn_options
from tests.conftest import make_settings

RATES = "/peertupeer/api/v1/rates.php"  # public: limited per client address


@contextmanager
def served(settings: Settings) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(settings), log_level="warning", lifespan="on", **uvicorn_options(settings))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


def statuses(base: str, forwarded_for: str, times: int) -> list[int]:
    with httpx.Client(base_url=base, timeout=10) as http:
        return [http.get(RATES, headers={"X-Forwarded-For": forwarded_for}).status_code for _ in range(times)]


def test_a_trusted_proxy_makes_the_limit_per_client(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(tmp_path, database_url, peertupeer_rate_limit="2/minute", trusted_proxies="127.0.0.1")
    with served(settings) as base:
        assert statuses(base, "203.0.113.7", 3) == [200, 200, 429]
        # Another client behind the same proxy has its own count; the proxy appends what it saw.
        assert statuses(base, "198.51.100.9", 2) == [200, 200]
        assert statuses(base, "10.9.9.9, 192.0.2.44", 2) == [200, 200]
        assert statuses(base, "192.0.2.44", 1) == [429]  # the same client, counted once


@pytest.mark.parametrize("trusted", ["", "10.0.0.0/8", "192.0.2.1"])
def test_forwarded_for_from_anyone_else_is_ignored(tmp_path: Path, database_url: str, trusted: str) -> None:
    settings = make_settings(tmp_path, database_url, peertupeer_rate_limit="2/minute", trusted_proxies=trusted)
    with served(settings) as base:
        assert statuses(base, "203.0.113.7", 2) == [200, 200]
        # A client that claims another address is still its socket's peer, over its limit.
        assert statuses(base, "198.51.100.9", 1) == [429]


def test_trusted_proxies_are_addresses_or_networks(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path, trusted_proxies=" 10.0.0.0/8 , ::1,192.0.2.1 ").trusted_proxies == (
        "10.0.0.0/8,::1,192.0.2.1"
    )
    with pytest.raises(ValidationError, match=r"'proxy\.internal' is not an IP address or network"):
        Settings(data_dir=tmp_path, trusted_proxies="10.0.0.1,proxy.internal")
    with pytest.raises(ValidationError, match="is not an IP address or network"):
        Settings(data_dir=tmp_path, trusted_proxies="10.0.0.1/8")  # host bits set: a typo, not a network
    assert uvicorn_options(Settings(data_dir=tmp_path))["proxy_headers"] is False
    options = uvicorn_options(Settings(data_dir=tmp_path, trusted_proxies="10.0.0.0/8"), workers=3)
    assert options["proxy_headers"] is True and options["forwarded_allow_ips"] == "10.0.0.0/8"
    assert options["workers"] == 3 and options["http"] == "peerx.web.serving:HeaderTimeoutH11"
