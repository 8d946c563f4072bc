"""Ordinary requests while 100 slow clients hold connections open (issue 12's edge).

The server runs in its own process, as `peerx serve` runs it (uvicorn with peerx's edge options).
A load process keeps 100 slow clients connected (half stuck mid-body on a write endpoint, half
dribbling their headers; each replaced as soon as the server cuts it off) while 8 lanes send
ordinary requests: an authenticated wallet read (a database read) and a trade-status miss.
The limit, measured in the same run: a bare Starlette app under the same uvicorn, answering a
constant JSON body, with and without the same slow clients.

`python -m bench.slow_clients [sqlite] [postgresql]` prints the table."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.common import HEADER, PG_URL, Result, _pg, machine, measure

SLOW = 100
REQUESTS = int(os.environ.get("PEERX_BENCH_REQUESTS", "1500"))
LANES = 8


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def _server(kind: str, database: str) -> AsyncIterator[tuple[int, dict[str, str]]]:
    """A server process; yields its port and the ordinary request's headers."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        name = f"peerx_bench_{port}"
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        if database == "postgresql" and kind == "peerx":
            await _pg(f'CREATE DATABASE "{name}"')
            url = f"{PG_URL.rpartition('/')[0]}/{name}"
        keys_file = Path(tmp) / "bench-ready.json"
        process = subprocess.Popen(  # noqa: ASYNC220 - a long-lived child, not awaited
            [sys.executable, "-m", "bench.slow_clients", "serve", kind, url, str(port), tmp, str(keys_file)]
        )
        try:
            deadline = time.monotonic() + 60
            while not keys_file.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{kind} server did not start")
                await asyncio.sleep(0.1)
            yield port, json.loads(keys_file.read_text())
        finally:
            process.terminate()
            process.wait(timeout=30)
            if database == "postgresql" and kind == "peerx":
                await _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _slow_client(port: int, index: int, stop: asyncio.Event) -> None:
    """One slow client, reconnecting whenever the server cuts it off."""
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        try:
            if index % 2:
                writer.write(
                    b"POST /peach/v1/user/register HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\n"
                    b'Content-Length: 1000\r\n\r\n{"publicKey": '
                )
            else:
                writer.write(b"GET /peertupeer/api/v1/rates.php HTTP/1.1\r\nHost: b\r\n")
            await writer.drain()
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    if await asyncio.wait_for(reader.read(4096), 1.0) == b"":
                        break  # cut off (408, or closed): connect again
                    break
                writer.write(b"X-Slow: 1\r\n" if index % 2 == 0 else b" ")
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()


async def _measure(name: str, database: str, port: int, path: str, headers: dict[str, str], slow: int) -> Result:
    stop = asyncio.Event()
    clients = [asyncio.create_task(_slow_client(port, i, stop)) for i in range(slow)]
    await asyncio.sleep(1.0 if slow else 0)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60) as http:

        async def request(_: int) -> None:
            resp = await http.get(path)
            assert resp.status_code < 500, resp.text

        await request(-1)
        result = await measure(f"{name}, {slow} slow clients", database, REQUESTS, LANES, request)
    stop.set()
    await asyncio.gather(*clients, return_exceptions=True)
    return result


async def run(database: str) -> list[Result]:
    """peerx's rows, each with the bare app under the same slow clients as its limit."""
    bare: dict[int, Result] = {}
    async with _server("bare", database) as (port, _):
        for slow in (0, SLOW):
            bare[slow] = await _measure("bare Starlette, constant JSON", "none", port, "/", {}, slow)
    results = []
    async with _server("peerx", database) as (port, headers):
        for slow in (0, SLOW):
            for name, path in (
                ("wallet.php (read)", "/peertupeer/api/v1/wallet.php"),
                ("trade-status.php (miss)", "/peertupeer/api/v1/trade-status.php?reference=PTP-X"),
            ):
                result = await _measure(name, database, port, path, headers, slow)
                result.limit = bare[slow]
                results.append(result)
    return results


# ---------------------------------------------------------------- the server processes


def _serve(kind: str, url: str, port: int, data_dir: str, ready_file: str) -> None:
    import uvicorn

    from peerx.web.edge import server_options

    app, headers = _bare_app() if kind == "bare" else _peerx_app(url, data_dir)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **server_options(10.0))
    server = uvicorn.Server(config)

    async def announce_when_started() -> None:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event for this
            await asyncio.sleep(0.05)
        staged = Path(f"{ready_file}.tmp")
        await asyncio.to_thread(staged.write_text, json.dumps(headers))
        os.replace(staged, ready_file)  # the parent never reads half a file

    async def main() -> None:
        await asyncio.gather(server.serve(), announce_when_started())

    asyncio.run(main())


def _bare_app() -> tuple[Any, dict[str, str]]:
    from starlette.applications import Starlette
    from starlette.requests import ClientDisconnect, Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def constant(_: Request) -> JSONResponse:
        return JSONResponse({"success": True, "data": {"currency": "GHS", "available_balance": 0}})

    async def reads_body(request: Request) -> JSONResponse:  # where the slow bodies wait
        try:
            return JSONResponse({"size": len(await request.body())})
        except ClientDisconnect:
            return JSONResponse({}, status_code=400)

    routes = [Route("/", constant), Route("/peach/v1/user/register", reads_body, methods=["POST"])]
    return Starlette(routes=routes), {}


def _peerx_app(url: str, data_dir: str) -> tuple[Any, dict[str, str]]:
    from peerx.app import create_app
    from peerx.composition import build_platform
    from peerx.core.migrate import upgrade
    from peerx.ops import actions
    from peerx.settings import Settings

    settings = Settings(
        data_dir=Path(data_dir),
        database_url=url,
        peertupeer_rate_limit="1000000/minute",
        peach_rate_limit="1000000/minute",
    )  # type: ignore[call-arg]
    upgrade(url)

    async def seed() -> str:
        platform = build_platform(settings)
        try:
            async with platform.db.transaction() as session:
                account = await actions.create_account(platform, session, name="Bench", email="bench@example.com")
            return str(account["peertupeer"]["test_key"])
        finally:
            await platform.aclose()

    key = asyncio.run(seed())
    return create_app(settings, run_worker=False), {"X-API-Key": key}


async def _main(databases: list[str]) -> None:
    print(f"{datetime.now(UTC):%Y-%m-%d}, {machine()}, {LANES} lanes, {SLOW} slow clients\n")
    print(HEADER)
    for database in databases:
        for result in await run(database):
            print(result.row(), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        _serve(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6])
    else:
        os.environ.setdefault("PYTHONHASHSEED", "0")
        asyncio.run(_main(sys.argv[1:] or ["sqlite", "postgresql"]))
