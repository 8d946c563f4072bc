"""The operator CLI is a contract: later checks drive peerx through it. Each command prints one
JSON object with --json and exits non-zero with a message on error."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.cli import Peerx


@pytest.fixture
def peerx(tmp_path: Path, receiver):  # type: ignore[no-untyped-def]
    return Peerx.at(tmp_path, allow_private_targets="true").run


def out(done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    return json.loads(done.stdout)


def test_operator_contract(peerx, receiver):
    account = out(peerx("accounts", "create", "--name", "Kwame", "--email", "kwame@example.com", "--json"))
    keys = account["peertupeer"]
    assert isinstance(account["id"], int)
    assert keys["live_key"].startswith("ptp_live_") and keys["test_key"].startswith("ptp_test_")

    rate = out(
        peerx(
            "rates",
            "set",
            "--card-type-id",
            "1",
            "--card-name",
            "Amazon",
            "--country",
            "USA",
            "--currency",
            "USD",
            "--rate",
            "8.5",
            "--fee-pct",
            "2.5",
            "--json",
        )
    )
    assert rate["rate_per_unit"] == 8.5 and rate["active"] is True

    funded = out(
        peerx("accounts", "fund", str(account["id"]), "--currency", "GHS", "--amount", "120.25", "--test", "--json")
    )
    assert funded["available"] == 120.25 and funded["livemode"] is False

    hook = out(peerx("webhooks", "add", "--account", str(account["id"]), "--url", receiver.url, "--test", "--json"))
    assert hook["secret"].startswith("whsec_") and isinstance(hook["id"], int)

    assert out(peerx("ledger", "verify", "--json")) == {"ok": True, "accounts": 2, "transfers": 1, "problems": []}

    failed = peerx("trades", "approve", "PTP0000000000", "--json", ok=False)
    assert "not found" in failed.stderr and failed.stdout == ""
    failed = peerx(
        "rates",
        "set",
        "--card-type-id",
        "1",
        "--card-name",
        "X",
        "--country",
        "USA",
        "--currency",
        "USD",
        "--rate",
        "-1",
        "--fee-pct",
        "2",
        "--json",
        ok=False,
    )
    assert "rate" in failed.stderr
    peerx("accounts", "fund", "999", "--currency", "GHS", "--amount", "1", "--json", ok=False)
    peerx("accounts", "fund", str(account["id"]), "--currency", "GHS", "--amount", "1.001", "--json", ok=False)
