"""A shared database requires the secrets every machine must share: without them a server, a
worker or a command refuses to start, naming what is missing; SQLite (one machine) generates
its own as before, and `peerx migrate` needs none."""

from __future__ import annotations

from pathlib import Path

import pytest

from peerx.composition import build_platform, register_product_hooks
from peerx.core.secrets import MissingSharedSecrets, shared_secrets
from tests.conftest import make_settings
from tests.fixtures.cli import Peerx

EVERY = ["PEERX_ENCRYPTION_KEYS", "PEERX_HASH_PEPPER", "PEERX_BITCOIN_ESCROW_XPRV", "PEERX_TRUSTAP_OIDC_PRIVATE_KEY"]
NONE_SET = {"encryption_keys": "", "hash_pepper": "", "bitcoin_escrow_xprv": "", "trustap_oidc_private_key": ""}


def test_every_product_secret_is_registered() -> None:
    register_product_hooks()  # the composition root registers the products' own
    assert shared_secrets() == {
        "encryption_keys": "core",
        "hash_pepper": "core",
        "bitcoin_escrow_xprv": "bitcoin",
        "trustap_oidc_private_key": "escrow",
    }


async def test_the_platform_refuses_a_shared_database_without_them(tmp_path: Path, database_url: str) -> None:
    with pytest.raises(MissingSharedSecrets) as refused:
        build_platform(make_settings(tmp_path, database_url, **NONE_SET))
    assert refused.value.settings == list(NONE_SET)
    assert all(name in refused.value.message for name in EVERY)
    assert not (tmp_path / "keys.json").exists()  # refused before anything was generated

    with pytest.raises(MissingSharedSecrets) as one_missing:
        build_platform(make_settings(tmp_path, database_url, trustap_oidc_private_key=" "))
    assert one_missing.value.settings == ["trustap_oidc_private_key"]
    assert "PEERX_TRUSTAP_OIDC_PRIVATE_KEY" in one_missing.value.message
    assert "PEERX_HASH_PEPPER" not in one_missing.value.message

    configured = build_platform(make_settings(tmp_path, database_url))  # the tests' shared secrets
    await configured.aclose()


async def test_sqlite_still_generates_its_own(tmp_path: Path) -> None:
    platform = build_platform(make_settings(tmp_path, "", **NONE_SET))
    try:
        assert (tmp_path / "keys.json").exists()
    finally:
        await platform.aclose()


def test_serve_worker_and_commands_exit_naming_the_missing_settings(tmp_path: Path, database_url: str) -> None:
    peerx = Peerx.at(tmp_path, database_url, **NONE_SET)
    for command in (("serve", "--port", "1"), ("worker",), ("ledger", "verify")):
        done = peerx.run(*command, ok=False)
        assert done.returncode == 1, (command, done.stderr)
        assert "Traceback" not in done.stderr, done.stderr
        assert all(name in done.stderr for name in EVERY), (command, done.stderr)
    assert not (tmp_path / "keys.json").exists() and not (tmp_path / "bitcoin-escrow.xprv").exists()

    # Migrating needs no secret (it reads and writes no encrypted value): an upgrade may run first.
    peerx.run("migrate")

    partial = Peerx.at(tmp_path, database_url, bitcoin_escrow_xprv="").run("worker", ok=False)
    assert "PEERX_BITCOIN_ESCROW_XPRV" in partial.stderr and "PEERX_ENCRYPTION_KEYS" not in partial.stderr
