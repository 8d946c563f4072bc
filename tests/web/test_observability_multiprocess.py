"""Prometheus multiprocess mode (PROMETHEUS_MULTIPROC_DIR, for `peerx serve --workers N`): each
process writes its values to the directory, and whichever process is scraped answers for all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import TEST_KEYS

SERVE_ONCE = """
import asyncio, sys
import httpx
from peerx.app import create_app
from peerx.settings import Settings

async def main() -> None:
    app = create_app(Settings(data_dir=sys.argv[1], embedded_worker=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://peerx.test") as http:
        assert (await http.get("/healthz")).status_code == 200
        if sys.argv[2] == "scrape":
            print((await http.get("/metrics")).text)

asyncio.run(main())
"""


def run(data_dir: Path, env: dict[str, str], mode: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", SERVE_ONCE, str(data_dir), mode],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_three_processes_one_exposition(tmp_path: Path) -> None:
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(shared),
        "PEERX_ENCRYPTION_KEYS": TEST_KEYS["encryption_keys"],
        "PEERX_HASH_PEPPER": TEST_KEYS["hash_pepper"],
    }
    run(tmp_path / "data", env, "serve")
    run(tmp_path / "data", env, "serve")
    assert list(shared.glob("counter_*.db"))  # each process left its values
    text = run(tmp_path / "data", env, "scrape")
    healthz = [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "peerx_http_requests_total" and sample.labels["route"] == "/healthz"
    ]
    assert healthz == [3.0]  # the two finished processes' requests and the scraping one's
