"""What the API benchmarks share: a server run the way an operator runs it (its own process,
uvicorn, PostgreSQL), its CPU time read from /proc, and the limits they are measured against:
bare Starlette apps on asyncpg, in their own uvicorn process, doing the same multipart parse and
the same inserts as peerx's endpoint and nothing else (no auth, no checks, no ORM, no events).

`python -m uvicorn --factory bench.api:bare_trades` serves the gift-card trade limit with
BARE_PG_URL (a plain postgresql:// URL) and BARE_FILE_ID / BARE_RATE_ID / BARE_PARTY_ID (rows
the inserts refer to); `bench.api:bare_vouchers` the voucher-issue limit."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (fields 14 and 15 of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A server process the benchmark talks to over loopback."""

    process: asyncio.subprocess.Process
    base_url: str

    name: str

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid)

    @contextmanager
    def profiled(self) -> Iterator[None]:
        """With PEERX_BENCH_PROFILE=<folder>, py-spy samples the server while the block runs (the
        measured window only, not start-up) into <folder>/<name>.txt, collapsed stacks; summarize()
        reads them. py-spy samples from outside, so the server runs at its normal speed."""
        folder = os.environ.get("PEERX_BENCH_PROFILE")
        if not folder:
            yield
            return
        spy = subprocess.Popen(
            [
                *(str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(self.process.pid)),
                *("--rate", "250", "--format", "raw", "--output", str(Path(folder) / f"{self.name}.txt")),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            yield
        finally:
            spy.send_signal(signal.SIGINT)
            spy.wait(30)


def _tail(log: Path) -> str:
    return log.read_text()[-2000:]


@asynccontextmanager
async def served(args: list[str], env: dict[str, str], log: Path) -> AsyncIterator[Server]:
    """Start `python <args>` with `env` added, wait until /healthz answers, stop it with SIGINT
    (uvicorn's graceful shutdown)."""
    port = free_port()
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, *args, "--port", str(port), env={**os.environ, **env}, stdout=out, stderr=out
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(base_url=base_url) as client:
                for _ in range(300):
                    if process.returncode is not None:
                        raise RuntimeError(f"server exited: {_tail(log)}")
                    try:
                        if (await client.get("/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.1)
                else:
                    raise RuntimeError(f"server did not start: {_tail(log)}")
            yield Server(process, base_url, log.stem)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGINT)
                try:
                    await asyncio.wait_for(process.wait(), 30)
                except TimeoutError:
                    process.kill()
                    await process.wait()


def asyncpg_url(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://")


# ---------------------------------------------------------------- the limits


def _bare(routes: list[Any]) -> Any:
    import asyncpg
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(os.environ["BARE_PG_URL"], min_size=1, max_size=10)
        yield
        await app.state.pool.close()

    return Starlette(routes=[Route("/healthz", healthz), *routes], lifespan=lifespan)


TRADE_INSERT = """
INSERT INTO giftcard_trades (reference, party_id, livemode, status, rate_id, card_type_id, card_name,
    country, currency, card_amount, quantity, rate_per_unit, platform_fee_pct, gross_payout, fee,
    net_payout, card_number_last4, front_image_id, back_image_id, created_at, updated_at)
VALUES ($1, $2, true, 'pending', $3, 1, 'Amazon', 'USA', 'USD', $4, 1, 8.5, 2.5, 85000, 2125, 82875,
    $5, $6, $6, $7, $7)
RETURNING id"""


def bare_trades() -> Any:
    """POST /trades.php: the multipart form parsed (both images read), one INSERT of the trade
    row, a JSON answer. What peerx does beyond this is its cost."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    file_id, party_id, rate_id = (int(os.environ[name]) for name in ("BARE_FILE_ID", "BARE_PARTY_ID", "BARE_RATE_ID"))

    async def submit(request: Request) -> JSONResponse:
        async with request.form(max_files=3, max_fields=20) as form:
            for name in ("front_image", "back_image"):
                await form[name].read()  # type: ignore[union-attr]
            card_number = str(form["card_number"])
            amount = int(Decimal(str(form["card_amount"])) * 100)
        reference = "PTP" + secrets.token_hex(5).upper()
        now = datetime.now(UTC).replace(tzinfo=None)
        await request.app.state.pool.fetchval(
            TRADE_INSERT, reference, party_id, rate_id, amount, card_number[-4:], file_id, now
        )
        return JSONResponse({"success": True, "data": {"reference": reference, "status": "pending"}})

    return _bare([Route("/peertupeer/api/v1/trades.php", submit, methods=["POST"])])


def bare_server(factory: str, env: dict[str, str], log: Path) -> Any:
    """The limit `factory` (bench.api:<name>) served by uvicorn in its own process, with the
    log level and access log `peerx serve` uses."""
    root = str(Path(__file__).resolve().parent.parent)
    return served(
        ["-m", "uvicorn", "--factory", f"bench.api:{factory}", "--log-level", "info", "--host", "127.0.0.1"],
        {**env, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")},
        log,
    )


def peerx_server(database_url: str, data_dir: Path, log: Path, **settings: str) -> Any:
    """`peerx serve` as an operator starts it, on `database_url` and `data_dir`, without the
    embedded worker (jobs are not what is measured)."""
    env = {
        "PEERX_DATABASE_URL": database_url,
        "PEERX_DATA_DIR": str(data_dir),
        "PEERX_EMBEDDED_WORKER": "false",
        **{f"PEERX_{k.upper()}": v for k, v in settings.items()},
    }
    return served(["-m", "peerx.cli.main", "serve", "--host", "127.0.0.1"], env, log)


# ---------------------------------------------------------------- reading a profile

# A frame's package, by the path py-spy prints; the first match wins (peerx's web layer apart).
PACKAGES = [
    ("peerx/web", "peerx web layer"),
    ("peerx/products", "peerx product"),
    ("peerx/core", "peerx core"),
    ("peerx", "peerx other"),
    ("sqlalchemy/orm", "SQLAlchemy ORM"),
    ("sqlalchemy", "SQLAlchemy Core/engine"),
    ("asyncpg", "asyncpg"),
    ("fastapi", "FastAPI"),
    ("pydantic", "Pydantic"),
    ("starlette", "Starlette"),
    ("multipart", "python-multipart"),
    ("PIL", "Pillow"),
    ("filetype", "filetype"),
    ("uvicorn", "uvicorn"),
    ("h11", "h11"),
    ("asyncio", "asyncio"),
    ("greenlet", "greenlet"),
]


def package(frame: str) -> str:
    path = frame.rpartition("(")[2]
    return next((name for marker, name in PACKAGES if marker in path), "other")


def summarize(raw: Path, top: int = 25) -> str:
    """Self samples per package, and samples with a package anywhere on the stack (inclusive),
    in percent of all samples; then the inclusive top `top` functions of peerx."""
    own: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        frames, count = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))], int(count_text)
        total += count
        if frames:
            own[package(frames[-1])] += count
        for name in {package(f) for f in frames}:
            anywhere[name] += count
        for frame in {f for f in frames if "peerx" in f.rpartition("(")[2]}:
            functions[frame] += count
    lines = ["| package | self % | inclusive % |", "|---|---|---|"]
    for name, count in own.most_common():
        lines.append(f"| {name} | {100 * count / total:.1f} | {100 * anywhere[name] / total:.1f} |")
    lines += ["", "| peerx function (inclusive) | % |", "|---|---|"]
    lines += [f"| {frame} | {100 * count / total:.1f} |" for frame, count in functions.most_common(top)]
    return "\n".join(lines)


if __name__ == "__main__":
    print(summarize(Path(sys.argv[1])))
