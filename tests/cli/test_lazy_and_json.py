"""The CLI's own contract (docs/cli.md): help imports nothing heavy, --version, and --json for every
command: results on stdout, progress as JSON lines on stderr, errors as one JSON line
{"error", "code"} on stderr with a non-zero exit, usage errors included."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

import peerx
from tests.fixtures.cli import Peerx
from tests.fixtures.smtp import free_port

HEAVY = ("sqlalchemy", "fastapi", "starlette", "pydantic", "uvicorn", "alembic", "httpx", "peerx.platform")
HEAVY_PREFIXES = ("peerx.ops", "peerx.products", "peerx.core", "peerx.web", "peerx.rails", "peerx.settings")

# Runs `peerx WORDS --help` in this interpreter, then names the heavy modules it imported.
_PROBE = """
import json, sys
from peerx.cli.main import app
sys.argv = ["peerx", *json.loads(sys.argv[1]), "--help"]
try:
    app()
except SystemExit:
    pass
heavy = sorted(m for m in sys.modules if m in {heavy} or m.startswith({prefixes}))
print(json.dumps(heavy), file=sys.stderr)
"""

HELP_COMMANDS = [
    (),
    ("accounts",),
    ("accounts", "create"),
    ("webhooks", "add"),
    ("rates", "set"),
    ("trades", "approve"),
    ("ledger", "verify"),
    ("remittances", "set"),
    ("rails", "float", "set"),
    ("vouchers", "show"),
    ("escrow", "clients", "create"),
    ("chain", "fund"),
    ("bitcoin", "disputes", "resolve"),
    ("operators", "create"),
    ("serve",),
    ("demo",),
    ("worker",),
    ("migrate",),
]


@pytest.mark.parametrize("words", HELP_COMMANDS, ids=lambda words: " ".join(words) or "peerx")
def test_help_imports_nothing_heavy(words: tuple[str, ...]) -> None:
    probe = _PROBE.format(heavy=repr(set(HEAVY)), prefixes=repr(HEAVY_PREFIXES))
    done = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(list(words))], capture_output=True, text=True, timeout=60, check=False
    )
    assert "Usage" in done.stdout, done.stdout + done.stderr
    assert json.loads(done.stderr.strip().splitlines()[-1]) == [], done.stderr


def test_the_probe_sees_heavy_imports() -> None:
    """The test above can fail: a command actually run imports the platform."""
    probe = _PROBE.format(heavy=repr(set(HEAVY)), prefixes=repr(HEAVY_PREFIXES)).replace('"--help"', '"--bogus"')
    code = "import peerx.settings\n" + probe
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(["migrate"])], capture_output=True, text=True, timeout=60, check=False
    )
    assert "peerx.settings" in json.loads(done.stderr.strip().splitlines()[-1])


def test_root_help_lists_every_command_with_its_own_help() -> None:
    from peerx.cli.main import COMMANDS, load_command

    for name, entry in COMMANDS.items():
        command = load_command(name)
        assert command.name == name
        assert (command.help or "").strip().splitlines()[0].strip() == entry.help, name


def test_operator_roles_in_help_are_the_models() -> None:
    from peerx.cli.operators import ROLES
    from peerx.ops.operators.models import ROLES as MODEL_ROLES

    assert ROLES == MODEL_ROLES


def _peerx(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "peerx.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_version(tmp_path: Path) -> None:
    env = Peerx.at(tmp_path).env
    done = _peerx("--version", env=env)
    assert done.returncode == 0 and done.stdout == f"peerx {peerx.__version__}\n"
    done = _peerx("--version", "--json", env=env)
    assert done.returncode == 0 and json.loads(done.stdout) == {"version": peerx.__version__}


def _error(done: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert done.returncode != 0 and done.stdout == "", (done.stdout, done.stderr)
    error = json.loads(done.stderr.strip().splitlines()[-1])
    assert set(error) == {"error", "code"}, error
    return error


def test_json_errors_usage_and_command(tmp_path: Path) -> None:
    env = Peerx.at(tmp_path).env
    bad_option = _peerx("accounts", "create", "--bogus", "--json", env=env)
    assert bad_option.returncode == 2
    assert _error(bad_option) == {"error": "No such option: --bogus", "code": "usage"}

    assert _error(_peerx("nope", "--json", env=env))["code"] == "usage"
    missing = _error(_peerx("accounts", "create", "--name", "A", "--json", env=env))
    assert missing["code"] == "usage" and "--email" in missing["error"]

    refused = _error(_peerx("escrow", "resolve", "1", "--outcome", "maybe", "--json", env=env))
    assert refused == {"error": "--outcome must be release or refund", "code": "invalid_argument"}
    bad_amount = _error(_peerx("accounts", "fund", "1", "--currency", "USD", "--amount", "x", "--json", env=env))
    assert bad_amount == {"error": "amount must be a number", "code": "invalid_argument"}

    not_found = _error(_peerx("trades", "approve", "PTP0000000000", "--json", env=env))
    assert not_found == {"error": "trade PTP0000000000 not found", "code": "not_found"}

    # Without --json the same error is one readable line.
    text = _peerx("trades", "approve", "PTP0000000000", env=env)
    assert text.returncode == 1 and text.stderr == "error: trade PTP0000000000 not found\n"


def test_migrate_reports_each_migration(tmp_path: Path) -> None:
    from peerx.core.migrate import head_revisions

    env = Peerx.at(tmp_path).env
    done = _peerx("migrate", "--json", env=env)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    progress = [json.loads(line) for line in done.stderr.splitlines()]
    applied = [event["revision"] for event in progress if event["event"] == "migration_applied"]
    assert result["migrated"] is True and result["revision"] == ",".join(head_revisions())
    assert applied == result["applied"] and len(applied) > 10
    assert applied[-1] in head_revisions() and all(event["title"] for event in progress)

    again = _peerx("migrate", "--json", env=env)  # nothing left to apply
    assert json.loads(again.stdout)["applied"] == [] and again.stderr == ""

    text = _peerx("migrate", env=Peerx.at(tmp_path / "other").env)
    assert text.stdout == "migrated\n" and text.stderr.splitlines()[0].startswith(
        "migrated 20261122_01_core_giftcards: "
    )


def _first_lines(
    args: list[str],
    env: dict[str, str],
    count: int,
    then: Callable[[], object] = lambda: None,
    read: list[dict[str, object]] | None = None,  # filled with the first lines before `then` runs
) -> tuple[list[dict[str, object]], str, int]:
    """Starts a long-running command, reads its first JSON lines, calls `then`, stops it with
    SIGTERM; every line it printed on stdout must be JSON."""
    process = subprocess.Popen(
        [sys.executable, "-m", "peerx.cli.main", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [json.loads(process.stdout.readline()) for _ in range(count)]
        if read is not None:
            read.extend(lines)
        then()
    finally:
        process.terminate()
        rest, stderr = process.communicate(timeout=60)
    return lines + [json.loads(line) for line in rest.splitlines()], stderr, process.returncode


def test_demo_and_serve_print_json_start_lines(tmp_path: Path) -> None:
    unused_tcp_port = free_port()
    env = Peerx.at(tmp_path).env
    listed: list[object] = []

    def list_accounts() -> None:  # the demo's ops token opens /ops/v1 (off without a token)
        for _ in range(50):
            try:
                seeded = lines_so_far[0]
                answer = httpx.get(
                    f"http://127.0.0.1:{unused_tcp_port}/ops/v1/accounts",
                    headers={"Authorization": f"Bearer {seeded['ops_token']}"},
                )
                listed.append(answer.status_code)
                listed.extend(account["name"] for account in answer.json()["items"])
                return
            except httpx.ConnectError:
                time.sleep(0.2)

    lines_so_far: list[dict[str, object]] = []
    lines, stderr, _ = _first_lines(
        ["demo", "--port", str(unused_tcp_port), "--json"], env, 2, list_accounts, lines_so_far
    )
    seeded, serving = lines[0], lines[1]
    assert listed[:2] == [200, "Demo Merchant"], listed
    assert seeded["event"] == "demo_seeded"
    assert str(seeded["account"]["peertupeer"]["test_key"]).startswith("ptp_test_")  # type: ignore[index]
    assert serving["event"] == "serving" and serving["url"] == f"http://127.0.0.1:{unused_tcp_port}"
    steps = [json.loads(line)["step"] for line in stderr.splitlines() if line.startswith('{"event":"demo_step"')]
    assert steps == ["open", "rates", "merchant", "balances", "operator"]

    def request() -> None:  # uvicorn's access log line must not reach stdout
        for _ in range(50):
            try:
                assert httpx.get(f"http://127.0.0.1:{unused_tcp_port}/healthz").status_code == 200
                return
            except httpx.ConnectError:
                time.sleep(0.2)

    lines, stderr, _ = _first_lines(["serve", "--port", str(unused_tcp_port), "--json"], env, 1, request)
    assert lines[0]["event"] == "serving" and lines[0]["version"] == peerx.__version__
    assert len(lines) == 1
    # The access line leaves on stderr, as one JSON log line (docs/observability.md).
    logged = [json.loads(line) for line in stderr.splitlines() if line.startswith('{"time"')]
    access = [entry for entry in logged if entry["logger"] == "uvicorn.access"]
    assert any('"GET /healthz HTTP/1.1" 200' in entry["message"] for entry in access), stderr


def test_worker_prints_json_start_and_stop_lines(tmp_path: Path) -> None:
    lines, _, code = _first_lines(["worker", "--json"], Peerx.at(tmp_path).env, 1)
    assert lines[0]["event"] == "worker_started" and lines[0]["name"]
    assert lines[-1] == {"event": "worker_stopped", "name": lines[0]["name"]} and code == 0
