"""`peerx serve --workers N`: the real command, migrating once and then serving from N processes
on one port, each with its own app built from PEERX_*; stopped by SIGTERM, it exits cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.fixtures.cli import Peerx
from tests.fixtures.s3 import free_port


def children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            cmdline = (status.parent / "cmdline").read_bytes()
            if b"multiprocessing" in cmdline and b"resource_tracker" not in cmdline:
                found.append(int(status.parent.name))
    return found


def test_serve_with_workers(tmp_path: Path, database_url: str) -> None:
    port = free_port()
    env = Peerx.at(tmp_path, database_url, trusted_proxies="127.0.0.1", db_pool_size="2", db_max_overflow="1").env
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "peerx.cli.main", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=output,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        # Both processes have started their app (uvicorn logs it once per worker process).
        while log.read_text().count("Application startup complete") < 2:
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        assert len(children(process.pid)) == 2
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
        with httpx.Client(base_url=base, timeout=10) as http:
            for _ in range(10):  # the database, from whichever process answers
                rates = http.get("/peertupeer/api/v1/rates.php")
                assert rates.status_code == 200 and rates.json()["success"] is True
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    stderr = log.read_text()
    assert process.returncode == 0, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    assert stderr.count("Started server process") == 2 and stderr.count("Finished server process") == 2
