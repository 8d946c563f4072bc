"""docs/deploy.md and the README's production section, run as written.

Every fenced block whose info string is `sh deploy-test` is run by bash, the blocks of one page in
order in one shell with `set -euo pipefail` (docs/deploy.md "How this page is tested"). The test
gives only what a real deployment has around it: peerx.env made from deploy/peerx.env.example by
replacing the values of the lines naming hosts, ports, names and the chain (a fresh PostgreSQL
database, Redis, a bucket of moto's S3 server, a free port), an empty database and bucket to
restore into, the example card images, and the venv on the PATH. Then it checks what the commands
did. The systemd units and the Procfile are checked to be valid and to name real commands."""

from __future__ import annotations

import asyncio
import configparser
import contextlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from peerx.core.secrets import load_key_material
from peerx.products.giftcards.service import CARD_NUMBER_CONTEXT
from peerx.settings import Settings
from tests.conftest import PG_URL, REQUIRE_SERVICES, _base_url, _pg_execute
from tests.fixtures import s3
from tests.fixtures.cluster import free_port, redis_database
from tests.fixtures.s3 import S3Bucket, S3Server

pytestmark = [pytest.mark.pg, pytest.mark.redis]
s3_server = s3.s3_server  # moto's S3 server, one per session

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the venv's bin: peerx, python, aws
MARK = "deploy-test"
REDIS_DB = 8  # a database of its own


def runnable_blocks(markdown: str) -> list[str]:
    """The bodies of the ```sh deploy-test blocks, in order (indented ones in lists too)."""
    pattern = re.compile(r"^(?P<indent>[ ]*)```sh " + MARK + r"\n(?P<body>.*?)\n(?P=indent)```$", re.M | re.S)
    return [textwrap.dedent(m["body"]) for m in pattern.finditer(markdown)]


def production_section(readme: str) -> str:
    start = readme.index("## Running it in production")
    end = readme.find("\n## ", start + 1)
    return readme[start:end]


def env_file(substitutions: dict[str, str]) -> str:
    """deploy/peerx.env.example with the given lines' values replaced; every one must be there."""
    lines, seen = [], set()
    for line in (ROOT / "deploy" / "peerx.env.example").read_text().splitlines():
        name, sep, _ = line.partition("=")
        if sep and not line.startswith("#") and name in substitutions:
            line = f"{name}={substitutions[name]}"
            seen.add(name)
        lines.append(line)
    assert seen == set(substitutions), f"not in deploy/peerx.env.example: {set(substitutions) - seen}"
    return "\n".join(lines) + "\n"


@dataclass
class Site:
    """Where the documented commands run: a scratch directory with peerx.env, and what it names."""

    cwd: Path
    database_url: str
    restore_database_url: str
    bucket: S3Bucket
    restore_bucket: S3Bucket
    port: int

    def environ(self) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(("PEERX_", "AWS_"))}
        return {
            **inherited,
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "RESTORE_DATABASE_URL": self.restore_database_url,
            "RESTORE_S3_BUCKET": self.restore_bucket.name,
        }

    def run(self, name: str, blocks: list[str], timeout: float = 480) -> str:
        """The blocks in one bash; what it left running (servers, workers) is stopped after."""
        assert blocks, f"{name}: no `sh {MARK}` block"
        script = "set -euo pipefail\n" + "\n".join(f"# --- {name}, block {i + 1}\n{b}" for i, b in enumerate(blocks))
        (self.cwd / f"{name}.sh").write_text(script)
        log = self.cwd / f"{name}.log"
        with log.open("wb") as out:
            shell = subprocess.Popen(
                ["bash", f"{name}.sh"],
                cwd=self.cwd,
                env=self.environ(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                code = shell.wait(timeout=timeout)
            finally:
                _stop_group(shell.pid)
        output = log.read_text(errors="replace")
        assert code == 0, f"{name} exited {code}:\n{output[-6000:]}"
        return output


def _stop_group(pgid: int) -> None:
    """SIGTERM what the script started in the background (its process group), then SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    for _ in range(100):
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


@pytest.fixture
def redis_url() -> str:
    return redis_database(REDIS_DB)


@pytest.fixture
async def empty_databases() -> AsyncIterator[tuple[str, str]]:
    """Two new, empty databases (no schema: the documented `peerx migrate` makes it)."""
    if not PG_URL:
        if REQUIRE_SERVICES:
            pytest.fail("PEERX_TEST_PG_URL is required (PEERX_TEST_REQUIRE_SERVICES=1)")
        pytest.skip("PostgreSQL tests need PEERX_TEST_PG_URL")
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is needed (PostgreSQL's client tools)")
    names = [f"peerx_deploy_{uuid.uuid4().hex[:10]}", f"peerx_restored_{uuid.uuid4().hex[:10]}"]
    for name in names:
        await _pg_execute(f'CREATE DATABASE "{name}"')
    yield _base_url(names[0]), _base_url(names[1])
    for name in names:
        await _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def site(tmp_path: Path, empty_databases: tuple[str, str], redis_url: str, s3_server: S3Server) -> Iterator[Site]:
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    database_url, restore_url = empty_databases
    bucket, restore_bucket = s3_server.bucket(), s3_server.bucket()
    port = free_port()
    cwd = tmp_path / "etc-peerx"
    cwd.mkdir()
    (cwd / "peerx.env").write_text(
        env_file(
            {
                "PEERX_DATABASE_URL": database_url,
                "PEERX_REDIS_URL": redis_url,
                "PEERX_S3_BUCKET": bucket.name,
                "PEERX_S3_ENDPOINT_URL": s3_server.endpoint_url,
                "PEERX_S3_REGION": s3.REGION,
                "PEERX_S3_ACCESS_KEY_ID": s3.ACCESS_KEY,
                "PEERX_S3_SECRET_ACCESS_KEY": s3.SECRET_KEY,
                "PEERX_DATA_DIR": str(tmp_path / "var-lib-peerx"),
                "PORT": str(port),
                "PEERX_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                "PEERX_BITCOIN_NETWORK": "regtest",
                "PEERX_CHAIN_BACKEND": "sandbox",
                "PEERX_ESPLORA_URL": "",
            }
        )
    )
    for side in ("front", "back"):
        shutil.copy(ROOT / "docs" / "examples" / f"card-{side}.png", cwd / f"card-{side}.png")
    yield Site(cwd, database_url, restore_url, bucket, restore_bucket, port)


def read_env(path: Path) -> dict[str, str]:
    """peerx.env as sh reads it (multi-line quoted values included)."""
    dumped = subprocess.run(
        ["bash", "-c", f"set -a; . {shlex.quote(str(path))}; env -0"],
        env={"PATH": os.environ.get("PATH", "")},
        capture_output=True,
        check=True,
    ).stdout.decode()
    return dict(item.split("=", 1) for item in dumped.split("\0") if "=" in item)


async def _fetch(url: str, query: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return list(await connection.fetch(query))
    finally:
        await connection.close()


async def test_deploy_page_and_readme_run_as_written(site: Site) -> None:
    deploy = (ROOT / "docs" / "deploy.md").read_text()
    await asyncio.to_thread(site.run, "deploy", runnable_blocks(deploy))

    # The smoke trade and its two images are in the database and the bucket...
    trades = await _fetch(site.database_url, "SELECT reference, card_number_encrypted FROM giftcard_trades")
    assert len(trades) == 1 and trades[0]["card_number_encrypted"].startswith("v1.k1.")
    files = await _fetch(site.database_url, "SELECT sha256 FROM stored_files ORDER BY sha256")
    assert len(files) == 2
    # ...and, restored, in the new database and bucket (ledger verify ran on them in the script).
    restored = await _fetch(site.restore_database_url, "SELECT reference FROM giftcard_trades")
    assert [r["reference"] for r in restored] == [trades[0]["reference"]]
    assert len(await _fetch(site.restore_database_url, "SELECT id FROM ledger_transfers")) >= 1  # the funding
    restored_keys = " ".join(site.restore_bucket.keys())
    assert all(row["sha256"] in restored_keys for row in files), restored_keys

    # The rotated key list: a new first key, and k1 still decrypts what it encrypted.
    env = read_env(site.cwd / "peerx.env")
    key_ids = [part.split(":")[0] for part in env["PEERX_ENCRYPTION_KEYS"].split(",")]
    assert len(key_ids) == 2 and key_ids[1] == "k1" and key_ids[0] != "k1"
    rotated = load_key_material(
        Settings(encryption_keys=env["PEERX_ENCRYPTION_KEYS"], hash_pepper=env["PEERX_HASH_PEPPER"])
    )
    assert rotated.cipher.primary == key_ids[0]
    number = rotated.cipher.decrypt(trades[0]["card_number_encrypted"], context=CARD_NUMBER_CONTEXT)
    assert number == "4000000000000001"

    # The README's production section, on the same machine afterwards (rotated keys): it serves
    # the trade's image from the bucket to the operator.
    readme = (ROOT / "README.md").read_text()
    blocks = runnable_blocks(production_section(readme))
    # Keep the servers the README starts alive for one request: the check is the block's last word.
    probe = (
        f'curl --fail --silent --show-error -H "Authorization: Bearer $PEERX_OPS_TOKEN" '
        f'-o image.png "http://127.0.0.1:$PORT/ops/v1/giftcards/trades/{trades[0]["reference"]}/images/front"'
    )
    await asyncio.to_thread(site.run, "readme", [*blocks, probe])
    assert (site.cwd / "image.png").read_bytes() == (site.cwd / "card-front.png").read_bytes()


# ---------------------------------------------------------------- units and Procfile


def _peerx_help(command: list[str]) -> str:
    done = subprocess.run(
        [str(BIN / "peerx"), *command, "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"},  # no option cut short
    )
    assert done.returncode == 0, (command, done.stderr)
    return done.stdout


def assert_real_peerx_command(line: str) -> None:
    """`peerx SUB [--opt VALUE ...]`: SUB is a command and every option one it takes."""
    words = shlex.split(line)
    assert Path(words[0]).name == "peerx", line
    sub = [w for w in words[1:2] if not w.startswith("-")]
    assert sub, line
    text = _peerx_help(sub)
    for option in (w for w in words[2:] if w.startswith("--")):
        assert option.split("=")[0] in text, f"{line}: `peerx {sub[0]}` has no {option}"


def unit_commands(path: Path) -> list[str]:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read(path)
    return [parser["Service"][key] for key in ("ExecStartPre", "ExecStart") if key in parser["Service"]]


def test_systemd_units_are_valid_and_run_peerx(tmp_path: Path) -> None:
    units = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
    assert [u.name for u in units] == ["peerx-web.service", "peerx-worker@.service"]
    for unit in units:
        text = unit.read_text()
        assert "EnvironmentFile=/etc/peerx/peerx.env" in text
        for command in unit_commands(unit):
            assert_real_peerx_command(command)
    if shutil.which("systemd-analyze") is None:
        return  # the commands were checked above; the syntax is checked where systemd is
    # The units as installed, with the venv's peerx where /opt/peerx/venv/bin/peerx would be.
    for unit in units:
        (tmp_path / unit.name).write_text(unit.read_text().replace("/opt/peerx/venv/bin/", f"{BIN}/"))
    (tmp_path / "peerx-worker@1.service").symlink_to(tmp_path / "peerx-worker@.service")
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", "peerx-web.service", "peerx-worker@1.service"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_procfile_runs_real_commands() -> None:
    entries = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line and not line.startswith("#")
    )
    assert set(entries) == {"release", "web", "worker"}
    assert entries["release"].strip() == "peerx migrate"
    for command in entries.values():
        assert_real_peerx_command(command.strip())
    # The web process listens where the platform says ($PORT) on every interface.
    assert "--port $PORT" in entries["web"] and "--host 0.0.0.0" in entries["web"]
