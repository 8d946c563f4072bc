"""Private user endpoints: PGP key with both proofs, fee rate, referral codes, limits, CLI."""

from __future__ import annotations

import hashlib
from typing import Any

import pysequoia

from peerx.chain.keys import sign_digest_compact
from peerx.platform import Platform
from tests.fixtures.cli import Peerx
from tests.fixtures.factories.bitcoin import now_ms


async def test_pgp_key_needs_the_account_and_pgp_signatures(app_factory: Any) -> None:
    app = await app_factory()
    secret = pysequoia.Tsk.generate("buyer@example.org")
    public_key = str(secret.extract_certificate())
    message = f"Peach new PGP key {now_ms()}"
    pgp_signature = pysequoia.sign(secret.signer(), message.encode(), mode=pysequoia.SignatureMode.DETACHED).decode()
    proof = sign_digest_compact(app.key, hashlib.sha256(public_key.encode()).digest())
    body = {"pgpPublicKey": public_key, "message": message, "pgpSignature": pgp_signature, "signature": proof}

    other = pysequoia.Tsk.generate("mallory@example.org")
    wrong_pgp = pysequoia.sign(other.signer(), message.encode(), mode=pysequoia.SignatureMode.DETACHED).decode()
    refused = await app.patch("/user", {**body, "pgpSignature": wrong_pgp})
    assert refused.status_code == 400 and refused.json()["error"] == "INVALID_PGP_SIGNATURE"
    wrong_account = sign_digest_compact(app.wallet, hashlib.sha256(public_key.encode()).digest())
    refused = await app.patch("/user", {**body, "signature": wrong_account})
    assert refused.status_code == 400 and refused.json()["error"] == "INVALID_SIGNATURE"
    assert (await app.get("/user/me")).json()["pgpPublicKey"] is None

    assert (await app.patch("/user", {**body, "fcmToken": "fcm-1", "feeRate": 12})).json() == {"success": True}
    me = (await app.get("/user/me")).json()
    assert me["pgpPublicKey"] == public_key and me["pgpPublicKeyProof"] == proof
    assert me["fcmToken"] == "fcm-1" and me["feeRate"] == 12
    public = (await app.client.get(f"/peach/v1/user/{app.id}")).json()
    assert public["pgpPublicKey"] == public_key


async def test_referral_codes_limits_and_batching(app_factory: Any) -> None:
    first, second = await app_factory(), await app_factory()
    code = (await first.get("/user/me")).json()["referralCode"]
    assert (await first.client.get(f"/peach/v1/user/referral?code={code}")).json() == {"valid": True}
    assert (await first.client.get("/peach/v1/user/referral?code=NOPE42")).json() == {"valid": False}
    assert (await second.patch("/user", {"referralCode": code})).json() == {"success": True}
    assert (await second.get("/user/me")).json()["usedReferralCode"] == code
    own = await first.patch("/user", {"referralCode": code})
    assert own.status_code == 400 and own.json()["error"] == "FORM_INVALID"
    poor = await first.patch("/user/referral/redeem/referralCode", {"code": "SATOSHI"})
    assert poor.status_code == 401 and poor.json()["error"] == "NOT_ENOUGH_POINTS"
    assert (await first.get("/user/tradingLimit")).json() == {
        "daily": 1000, "dailyAmount": 0, "yearly": 100000, "yearlyAmount": 0,
        "monthlyAnonymous": 1000, "monthlyAnonymousAmount": 0,
    }  # fmt: skip
    assert (await first.patch("/user/batching", {"enableBatching": True})).json() == {"success": True}
    assert (await first.get("/user/me")).json()["isBatchingEnabled"] is True
    assert (await first.get("/user/me/paymentMethods")).json() == {"forbidden": {"buy": [], "sell": []}}


def test_cli_funds_mines_and_sets_prices(platform: Platform) -> None:
    peerx = Peerx.at(platform.settings.data_dir, platform.settings.effective_database_url, suffix=("--json",))

    address = "bcrt1qlwpcjuude4mlmnvpfhenkwh7rcw06xkcp3d8ds"
    funded = peerx("chain", "fund", address, "150000")
    assert len(funded["txid"]) == 64
    assert peerx("chain", "mine", "3")["height"] == 3
    assert peerx("market", "set-price", "--pair", "BTCEUR", "--price", "27455.04")["price"] == 27455.04
    mainnet = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
    bad = peerx.run("chain", "fund", mainnet, "1", ok=False)
    assert bad.returncode == 1 and "network" in bad.stderr
