"""Schemathesis on the operator API (/ops/v1) with the operator's bearer token: every
operation, generated bodies, paths and queries; no 5xx and no answer outside its schema."""

from __future__ import annotations

from pathlib import Path

from tests.contract.harness import assert_clean, run_schemathesis
from tests.fixtures.live_server import LiveServer

OPS_TOKEN = "ops-secret-token"  # tests.conftest.make_settings


def test_ops_api_holds_its_schema(live: LiveServer, tmp_path: Path) -> None:
    report = run_schemathesis(
        live.url, "/ops/v1", tmp_path, headers={"Authorization": f"Bearer {OPS_TOKEN}"}, examples_per_operation=3
    )
    assert_clean(report)
