"""Schemathesis on the rail callbacks (/rails/v1): unauthenticated by design (the providers
send unsigned hints), so every case is an attacker's."""

from __future__ import annotations

from pathlib import Path

from tests.contract.harness import assert_clean, run_schemathesis
from tests.fixtures.live_server import LiveServer


def test_rail_callbacks_hold_their_schema(live: LiveServer, tmp_path: Path) -> None:
    assert_clean(run_schemathesis(live.url, "/rails/v1", tmp_path, examples_per_operation=40))
