"""The arrows of docs/architecture.md, checked on peerx's own imports.

The rules are import-linter contracts in pyproject.toml ([tool.importlinter]); this module runs
them (as `lint-imports` does by hand) and fails on any import against them, a function-level
import included. It also proves the contracts can fail: each one is run on a tiny package laid out
like peerx with one forbidden import added, and must break there, so a contract that was deleted,
weakened or misspelt (a module name that matches nothing) is noticed.

A known arrow that another part of issue 13 removes is listed in its contract's ignore_imports with
the comment "fixed by the <area> renovation; remove on merge"; import-linter fails on an ignore
that no longer matches anything, so each such line must go when its fix lands."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

CONTRACT_IDS = {
    "products-independent",
    "foundations-below-products",
    "rails-below-composition",
    "cli-not-console",
    "products-below-composition",
    "no-import-circles",
}

# An ignored import is either a decision (explained beside it) or temporary (removed on merge).
DECISIONS = {
    ("cli-not-console", "peerx.cli.server -> peerx.app"),
}
TEMPORARY = re.compile(r'^\s*"([^"]+)",\s*# fixed by the [a-z ]+ renovation; remove on merge$', re.MULTILINE)


def _contracts() -> list[dict[str, Any]]:
    contracts: list[dict[str, Any]] = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
    return contracts


def _lint(
    config: Path, *, cwd: Path, contract: str | None = None, path: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if path is not None:
        env["PYTHONPATH"] = str(path)  # ahead of the installed peerx
    args = [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(config)]
    if contract is not None:
        args += ["--contract", contract]
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_peerx_keeps_every_contract() -> None:
    result = _lint(PYPROJECT, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONTRACT_IDS)} kept, 0 broken." in result.stdout


def test_every_contract_is_declared() -> None:
    assert {contract["id"] for contract in _contracts()} == CONTRACT_IDS


def test_every_ignored_import_is_a_decision_or_marked_temporary() -> None:
    temporary = set(TEMPORARY.findall(PYPROJECT.read_text()))
    for contract in _contracts():
        for ignored in contract.get("ignore_imports", []):
            assert (contract["id"], ignored) in DECISIONS or ignored in temporary, (contract["id"], ignored)


# ---------------------------------------------------------------- the contracts can fail

# A tiny peerx with every allowed arrow (and the decided exception) and nothing against them.
_TINY = {
    "app": ["peerx.composition", "peerx.console.auth", "peerx.ops.actions", "peerx.web"],
    "composition": ["peerx.platform", "peerx.products.alpha.service", "peerx.products.beta.service"],
    "platform": ["peerx.core.db", "peerx.rails.registry", "peerx.settings"],
    "settings": [],
    "web.__init__": ["peerx.platform", "peerx.wire", "peerx.core.db"],
    "wire": ["peerx.core.db"],
    "core.db": [],
    "rails.registry": ["peerx.core.db", "peerx.settings"],
    "rails.mtn_momo.callbacks": ["peerx.wire"],
    "chain.keys": ["peerx.core.db"],
    "products.alpha.models": ["peerx.core.db"],
    "products.alpha.service": [
        "peerx.products.alpha.models",
        "peerx.core.db",
        "peerx.rails.registry",
        "peerx.chain.keys",
        "peerx.web",
    ],
    "products.beta.service": ["peerx.core.db", "peerx.rails.registry"],
    "ops.actions": ["peerx.products.alpha.service", "peerx.products.beta.service"],
    "console.auth": ["peerx.ops.actions"],
    "cli.main": ["peerx.ops.actions"],
    "cli.server": ["peerx.app"],
}

OFFENCES = [
    ("products-independent", "products.alpha.service", "peerx.products.beta.service"),
    ("foundations-below-products", "core.db", "peerx.products.alpha.models"),
    ("foundations-below-products", "rails.registry", "peerx.products.beta.service"),
    ("foundations-below-products", "chain.keys", "peerx.ops.actions"),
    ("rails-below-composition", "rails.registry", "peerx.platform"),
    ("rails-below-composition", "rails.mtn_momo.callbacks", "peerx.web"),
    ("rails-below-composition", "rails.registry", "peerx.composition"),
    ("cli-not-console", "cli.main", "peerx.console.auth"),
    ("products-below-composition", "products.alpha.service", "peerx.composition"),
    ("products-below-composition", "products.beta.service", "peerx.ops.actions"),
    ("no-import-circles", "products.alpha.models", "peerx.products.alpha.service"),
]


def _toml(value: Any) -> str:
    return json.dumps(value)  # strings and lists of strings: JSON is valid TOML here


def _tiny_peerx(tmp_path: Path, offence: tuple[str, str] | None) -> Path:
    """Writes the tiny package and the project's contracts without their temporary ignores."""
    src = tmp_path / "src"
    imports = {module: list(targets) for module, targets in _TINY.items()}
    if offence is not None:
        imports[offence[0]].append(offence[1])
    for module, targets in imports.items():
        parts = module.split(".")
        if parts[-1] != "__init__":
            parts[-1] += ".py"
        else:
            parts[-1] = "__init__.py"
        path = src / "peerx" / Path(*parts)
        for parent in [src / "peerx", *(src / "peerx" / Path(*parts[:i]) for i in range(1, len(parts)))]:
            parent.mkdir(parents=True, exist_ok=True)
            (parent / "__init__.py").touch()
        path.write_text("".join(f"import {target}\n" for target in targets))

    temporary = set(TEMPORARY.findall(PYPROJECT.read_text()))
    lines = ["[tool.importlinter]", 'root_package = "peerx"']
    for contract in _contracts():
        lines.append("[[tool.importlinter.contracts]]")
        for key, value in contract.items():
            if key == "ignore_imports":
                value = [ignored for ignored in value if ignored not in temporary]
            lines.append(f"{key} = {_toml(value)}")
    config = tmp_path / "pyproject.toml"
    config.write_text("\n".join(lines) + "\n")
    return src


def test_the_tiny_peerx_keeps_every_contract(tmp_path: Path) -> None:
    src = _tiny_peerx(tmp_path, None)
    result = _lint(tmp_path / "pyproject.toml", cwd=tmp_path, path=src)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONTRACT_IDS)} kept, 0 broken." in result.stdout


@pytest.mark.parametrize(("contract", "importer", "imported"), OFFENCES)
def test_each_contract_breaks_on_its_arrow(tmp_path: Path, contract: str, importer: str, imported: str) -> None:
    src = _tiny_peerx(tmp_path, (importer, imported))
    result = _lint(tmp_path / "pyproject.toml", cwd=tmp_path, contract=contract, path=src)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Contracts: 0 kept, 1 broken." in result.stdout, result.stdout
    assert f"peerx.{importer} -> {imported}" in result.stdout or "cycle" in result.stdout.lower(), result.stdout


def test_every_contract_is_shown_to_fail() -> None:
    assert {contract for contract, _, _ in OFFENCES} == CONTRACT_IDS
