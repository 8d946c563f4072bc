"""`peerx accounts list|show|roll-key|suspend|reinstate`: the same actions as /ops/v1, printed
as one JSON object with --json; bad input exits non-zero."""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.cli import Peerx


def test_account_lifecycle_from_the_cli(tmp_path: Path) -> None:
    peerx = Peerx.at(tmp_path)
    ama = peerx("accounts", "create", "--name", "Ama Traders", "--email", "ama@example.com", "--json")
    peerx("accounts", "create", "--name", "Kofi", "--email", "kofi@example.com", "--json")

    listed = peerx("accounts", "list", "--product", "peex", "--search", "ama", "--json")
    assert [a["name"] for a in listed["items"]] == ["Ama Traders"] and listed["total"] == 1
    assert listed["items"][0]["status"] == "active" and "peex" in listed["items"][0]["products"]
    assert ama["peex"]["secret_key"] not in str(listed)

    rolled = peerx(
        "accounts", "roll-key", str(ama["id"]), "--product", "peex", "--test", "--grace-hours", "2", "--json"
    )
    assert rolled["key"].startswith("peex_test_") and rolled["livemode"] is False and rolled["grace_hours"] == 2
    assert [k["prefix"] for k in rolled["retired"]] == [ama["peex"]["test_secret_key"][:14]]

    suspended = peerx("accounts", "suspend", str(ama["id"]), "--reason", "KYC review", "--json")
    assert suspended["status"] == "suspended" and suspended["suspended_reason"] == "KYC review"
    assert "suspended" in peerx("accounts", "suspend", str(ama["id"]), "--reason", "again", "--json", ok=False)
    back = peerx("accounts", "reinstate", str(ama["id"]), "--reason", "cleared", "--json")
    assert back["status"] == "active"

    assert "product" in peerx("accounts", "list", "--product", "nope", "--json", ok=False)
    assert "from" in peerx("accounts", "list", "--from", "yesterday", "--json", ok=False)


def test_webhook_endpoints_from_the_cli(tmp_path: Path) -> None:
    peerx = Peerx.at(tmp_path, allow_private_targets="true")
    ama = peerx("accounts", "create", "--name", "Ama", "--email", "ama@example.com", "--json")
    added = peerx("webhooks", "add", "--account", str(ama["id"]), "--url", "http://127.0.0.1:9/hook", "--json")
    listed = peerx("webhooks", "list", "--account", str(ama["id"]), "--json")
    assert [e["id"] for e in listed["items"]] == [added["id"]] and added["secret"] not in str(listed)
    assert peerx("webhooks", "disable", str(added["id"]), "--json")["disabled"] is True
    assert peerx("webhooks", "enable", str(added["id"]), "--json")["disabled"] is False
    rotated = peerx("webhooks", "rotate-secret", str(added["id"]), "--grace-hours", "0", "--json")
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != added["secret"]
    assert rotated["previous_secret_expires_at"] is None
    peerx("webhooks", "disable", "999", "--json", ok=False)
