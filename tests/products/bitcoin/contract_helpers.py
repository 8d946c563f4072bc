"""Two apps reaching a contract: a funded sell offer, a buy offer, the buyer's match and the
seller's double match, all over HTTP as the Peach app does it."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pysequoia
from embit.psbt import PSBT

from peerx.chain import psbt as psbts
from peerx.chain.keys import sign_digest_compact
from peerx.core.clock import clock
from peerx.platform import Platform
from tests.fixtures.factories.bitcoin import App, fund, mine, now_ms

CHAT_KEY = "9f2c4e6a8b0d1f3a5c7e9b1d3f5a7c9e"  # the contract's symmetric chat key (hex)
KEY = "-----BEGIN PGP MESSAGE-----\n\nhQEMA5symmetric\n-----END PGP MESSAGE-----"
SIGNATURE = "-----BEGIN PGP SIGNATURE-----\n\niQEzBAAB\n-----END PGP SIGNATURE-----"
PAYMENT_DATA = "-----BEGIN PGP MESSAGE-----\n\njA0ECQMpaymentdata\n-----END PGP MESSAGE-----"


async def watch(run_jobs: Any) -> None:
    clock.advance(timedelta(seconds=31))
    await run_jobs()


PGP: dict[str, pysequoia.Tsk] = {}  # each app's PGP secret key, by account id


async def with_pgp(app: App) -> pysequoia.Tsk:
    """Upload the app's PGP key with both proofs (PATCH user), once, as the app does at onboarding."""
    return PGP[app.id] if app.id in PGP else await new_pgp_key(app)


async def new_pgp_key(app: App) -> pysequoia.Tsk:
    """A new PGP key for the app, proved with both signatures (PATCH user); it becomes current."""
    secret = pysequoia.Tsk.generate(f"{app.id[:8]}@peach.test")
    public_key = str(secret.extract_certificate())
    message = f"Peach new PGP key {now_ms()}"
    body = {
        "pgpPublicKey": public_key,
        "message": message,
        "pgpSignature": pysequoia.sign(
            secret.signer(), message.encode(), mode=pysequoia.SignatureMode.DETACHED
        ).decode(),
        "signature": sign_digest_compact(app.key, hashlib.sha256(public_key.encode()).digest()),
    }
    assert (await app.patch("/user", body)).json() == {"success": True}
    PGP[app.id] = secret
    return secret


def symmetric_key_for(buyer: App, seller: App, key: str) -> tuple[str, str]:
    """The buyer's half of a match: the chat key encrypted to both PGP keys, and its signature."""
    certs = [PGP[buyer.id].extract_certificate(), PGP[seller.id].extract_certificate()]
    encrypted = pysequoia.encrypt(key.encode(), recipients=certs).decode()
    signature = pysequoia.sign(PGP[buyer.id].signer(), key.encode(), mode=pysequoia.SignatureMode.DETACHED).decode()
    return encrypted, signature


async def funded_sell_offer(
    seller: App, platform: Platform, run_jobs: Any, amount: int = 300_000, **overrides: Any
) -> tuple[str, str]:
    await with_pgp(seller)
    posted = await seller.post("/offer", seller.sell_body(amount, **overrides))
    assert posted.status_code == 200, posted.text
    offer_id = posted.json()["id"]
    created = await seller.post(f"/offer/{offer_id}/escrow", {"publicKey": seller.id})
    assert created.status_code == 200, created.text
    address = created.json()["escrow"]
    await fund(platform, address, amount)
    await mine(platform)
    await watch(run_jobs)
    return offer_id, address


async def buy_offer(buyer: App, **overrides: Any) -> str:
    await with_pgp(buyer)
    posted = await buyer.post("/offer", buyer.buy_body(**overrides))
    assert posted.status_code == 200, posted.text
    return str(posted.json()["id"])


def match_body(sell_id: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "matchingOfferId": sell_id,
        "currency": "EUR",
        "paymentMethod": "sepa",
        "price": 88.95,
        "premium": 8,
        "symmetricKeyEncrypted": KEY,
        "symmetricKeySignature": SIGNATURE,
    }
    body.update(overrides)
    return body


def double_match_body(buy_id: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "matchingOfferId": buy_id,
        "currency": "EUR",
        "paymentMethod": "sepa",
        "paymentDataEncrypted": PAYMENT_DATA,
        "paymentDataSignature": SIGNATURE,
    }
    body.update(overrides)
    return body


async def open_contract(
    seller: App, buyer: App, platform: Platform, run_jobs: Any, amount: int = 300_000, method: str = "sepa"
) -> tuple[str, str, str, str]:
    """(contract id, sell offer id, buy offer id, escrow address)"""
    means = {"meansOfPayment": {"EUR": [method]}}
    sell_id, address = await funded_sell_offer(
        seller, platform, run_jobs, amount, **means, paymentData={method: {"hashes": seller.hashes("sell")}}
    )
    buy_id = await buy_offer(buyer, **means, paymentData={method: {"hashes": buyer.hashes("buy")}})
    encrypted, signature = symmetric_key_for(buyer, seller, CHAT_KEY)
    body = match_body(sell_id, paymentMethod=method, symmetricKeyEncrypted=encrypted, symmetricKeySignature=signature)
    matched = await buyer.post(f"/offer/{buy_id}/match", body)
    assert matched.status_code == 200, matched.text
    # The seller reads the key from its matches with its own PGP key, as the app does.
    shared = (await seller.get(f"/offer/{sell_id}/matches")).json()["matches"][0]["symmetricKeyEncrypted"]
    assert pysequoia.decrypt(shared.encode(), decryptor=PGP[seller.id].decryptor()).bytes == CHAT_KEY.encode()
    doubled = await seller.post(f"/offer/{sell_id}/match", double_match_body(buy_id, paymentMethod=method))
    assert doubled.status_code == 200, doubled.text
    # The seller's app also gets the escrow's refund to sign in advance (refundTx).
    assert set(doubled.json()) == {"success", "contractId", "refundTx"}
    assert doubled.json()["contractId"] == f"{sell_id}-{buy_id}" and doubled.json()["success"] is True
    return doubled.json()["contractId"], sell_id, buy_id, address


def seller_signs(seller: App, encoded: str) -> str:
    psbt = PSBT.from_string(encoded)
    psbts.sign_escrow_inputs(psbt, seller.key, psbt.inputs[0].sighash_type or psbts.SIGHASH_ALL)
    return str(psbt.to_string())
