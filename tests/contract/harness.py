"""Schemathesis against each surface's served OpenAPI document, unchanged: a real server
(uvicorn in a thread, as `peerx serve`), valid credentials, the schemathesis CLI in a
subprocess, and its JSON report read back. A surface passes when no case got a 5xx and no
response broke the surface's own schema, over at least MIN_CASES generated cases."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIN_CASES = 300
CHECKS = "not_a_server_error,response_schema_conformance"


@dataclass(frozen=True)
class Report:
    exit_code: int
    cases: int
    failures: list[dict[str, Any]]
    errors: list[Any]
    output: str


def run_schemathesis(
    server_url: str,
    base: str,
    report_dir: Path,
    *,
    headers: dict[str, str] | None = None,
    examples_per_operation: int,
    seed: int = 1,
    extra: tuple[str, ...] = (),
) -> Report:
    """Run `st run` on `server_url + base + /openapi.json`; return what its JSON report says."""
    report_path = report_dir / "schemathesis.json"
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{server_url}{base}/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        str(examples_per_operation),
        "--seed",
        str(seed),
        "--workers",
        "1",
        "--phases",
        "examples,coverage,fuzzing",
        "--request-timeout",
        "30",
        "--report",
        "json",
        "--report-json-path",
        str(report_path),
        "--output-sanitize",
        "false",
        *extra,
    ]
    for name, value in (headers or {}).items():
        command += ["--header", f"{name}: {value}"]
    # In the report folder: schemathesis keeps its own state (.schemathesis/) in the working directory.
    finished = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False, cwd=report_dir)
    report = json.loads(report_path.read_text())
    return Report(
        exit_code=report["exit_code"],
        cases=report["test_cases"]["generated"],
        failures=report["failures"],
        errors=report["errors"],
        output=finished.stdout[-20000:] + finished.stderr[-5000:],
    )


def assert_clean(report: Report) -> None:
    assert not report.failures and not report.errors and report.exit_code == 0, report.output
    assert report.cases >= MIN_CASES, f"only {report.cases} cases generated\n{report.output}"
