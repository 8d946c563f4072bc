"""Identity as the current Peach app speaks it (peach-app, peach-api-ts): the account key derived
from the wallet seed at m/48'/1'/0'/0', the signed auth message, a JWT access token the client
decodes to renew it, sent as `Basic <jwt>`; every proved PGP key in `pgpPublicKeys`; the
repeat-trader status of another user."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import secrets
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pysequoia
from alembic import command
from alembic.script import ScriptDirectory
from coincurve import PrivateKey
from embit import bip32, bip39
from joserfc import jwt
from joserfc.jwk import OctKey
from sqlalchemy import inspect, select

from peerx.core.clock import clock
from peerx.core.db import utcnow
from peerx.core.migrate import alembic_config
from peerx.platform import Platform
from peerx.products.bitcoin.identity.users import token_key
from peerx.products.bitcoin.models import PeachPgpKey, PeachToken, PeachUser
from tests.fixtures.factories.bitcoin import PEACH, App, now_ms
from tests.fixtures.peach_app import PeachApp
from tests.products.bitcoin import contract_helpers as flow
from tests.products.bitcoin.social import complete

MIGRATION = "20261206_17_pgp_keys"


class DerivedApp(App):
    """The app: its account key is the wallet seed's m/48'/1'/0'/0' (getMainAccount.ts, regtest),
    it sends `Basic <accessToken>` (fetchAccessToken.ts) and its uniqueId when it authenticates."""

    def __init__(self, client: httpx.AsyncClient):
        super().__init__(client)
        self.mnemonic = bip39.mnemonic_from_bytes(os.urandom(16))
        account = bip32.HDKey.from_seed(bip39.mnemonic_to_seed(self.mnemonic)).derive("m/48h/1h/0h/0h")
        self.key = PrivateKey(account.key.secret)
        self.unique_id = secrets.token_hex(32)

    def auth_body(self, offset_ms: int = 0) -> dict[str, Any]:
        return {**super().auth_body(offset_ms), "uniqueId": self.unique_id}

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Basic {self.token}"}


def decode_like_jose(token: str) -> dict[str, Any]:
    """jose's decodeJwt, as the client calls it on `Basic <jwt>`: the payload segment, unverified."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


async def test_app_registers_with_its_derived_key_and_renews_by_the_jwt_exp(
    client: httpx.AsyncClient, platform: Platform
) -> None:
    app = DerivedApp(client)
    registered = await client.post(f"{PEACH}/user/register", json=app.auth_body())
    assert registered.status_code == 200, registered.text
    answer = registered.json()
    app.token = answer["accessToken"]

    # A signed JWT: HS256 with the server's key; sub is the user id, exp matches `expiry`.
    token = jwt.decode(app.token, OctKey.import_key(token_key(platform.keys.pepper)), algorithms=["HS256"])
    assert token.header == {"alg": "HS256", "typ": "JWT"}
    claims = token.claims
    assert set(claims) == {"sub", "iat", "exp", "jti"}
    assert claims["sub"] == app.id
    assert claims["exp"] - claims["iat"] == 3600 and claims["exp"] * 1000 == answer["expiry"]
    assert abs(claims["iat"] - utcnow().timestamp()) < 5
    assert uuid.UUID(claims["jti"]).version == 4
    # What the client does before each private call: decode, renew only within 5 minutes of exp.
    assert decode_like_jose(f"Basic {app.token}") == claims
    assert now_ms() < (claims["exp"] - 5 * 60) * 1000

    for header in (f"Basic {app.token}", f"Bearer {app.token}"):
        me = await client.get(f"{PEACH}/user/me", headers={"Authorization": header})
        assert me.status_code == 200 and me.json()["id"] == app.id
        assert me.json()["uniqueId"] == app.unique_id

    # Another key's signature, or a changed payload, is not ours.
    forged = jwt.encode({"alg": "HS256", "typ": "JWT"}, claims, OctKey.import_key(b"k" * 32))
    other_claims = {**claims, "sub": DerivedApp(client).id}
    head, _, signature = app.token.split(".")
    body = base64.urlsafe_b64encode(json.dumps(other_claims).encode()).decode().rstrip("=")
    for bad in (forged, f"{head}.{body}.{signature}", app.token[:-2]):
        refused = await client.get(f"{PEACH}/user/me", headers={"Authorization": f"Basic {bad}"})
        assert refused.status_code == 401 and refused.json()["error"] == "AUTHENTICATION_FAILED"

    # Auth again (the app renews) while the first token lives: both work until logout ends every token.
    first = app.token
    await app.login()
    assert app.token != first
    second = decode_like_jose(app.token)
    assert second["sub"] == app.id and second["jti"] != claims["jti"]
    assert (await app.patch("/user/logout")).json() == {"success": True}
    for ended in (first, app.token):
        gone = await client.get(f"{PEACH}/user/me", headers={"Authorization": f"Basic {ended}"})
        assert gone.status_code == 401 and gone.json()["error"] == "AUTHENTICATION_FAILED"


async def test_a_token_ended_early_costs_the_app_one_sign_in(client: httpx.AsyncClient) -> None:
    """A token that ends before its exp (logged out on another device, a rotated pepper) answers
    AUTHENTICATION_FAILED, the one code on which the app's client signs in again and retries."""
    app = await PeachApp(client).register()
    other_device = await client.patch(f"{PEACH}/user/logout", headers={"Authorization": f"Basic {app.access_token}"})
    assert other_device.json() == {"success": True}
    me = await app.get_self_user()
    assert me.status_code == 200 and me.json()["id"] == app.id
    assert app.authentications == 1
    missing = await client.get(f"{PEACH}/user/me")  # no token at all is no failed authentication
    assert missing.status_code == 401 and missing.json()["error"] == "UNAUTHORIZED"


async def test_a_jwt_expires_with_its_exp(client: httpx.AsyncClient) -> None:
    app = DerivedApp(client)
    await app.register()
    clock.advance(timedelta(minutes=56))  # inside the last 5 minutes the app renews; still valid
    assert (await app.get("/user/me")).status_code == 200
    clock.advance(timedelta(minutes=5))
    expired = await app.get("/user/me")
    assert expired.status_code == 401 and expired.json()["error"] == "AUTHENTICATION_FAILED"


async def test_opaque_tokens_issued_before_jwts_work_until_they_expire(
    client: httpx.AsyncClient, platform: Platform
) -> None:
    app = await DerivedApp(client).register()
    opaque = str(uuid.uuid4())  # what peerx issued before its tokens were JWTs
    async with platform.db.transaction() as session:
        user_id = await session.scalar(select(PeachUser.id).where(PeachUser.public_key == app.id))
        assert user_id is not None
        session.add(
            PeachToken(
                token_hash=hashlib.sha256(opaque.encode()).hexdigest(),
                user_id=user_id,
                expires_at=utcnow() + timedelta(minutes=30),
                created_at=utcnow(),
            )
        )
    for header in (f"Basic {opaque}", f"Bearer {opaque}", opaque):
        me = await client.get(f"{PEACH}/user/me", headers={"Authorization": header})
        assert me.status_code == 200 and me.json()["id"] == app.id
    clock.advance(timedelta(minutes=31))
    late = await client.get(f"{PEACH}/user/me", headers={"Authorization": f"Basic {opaque}"})
    assert late.status_code == 401 and late.json()["error"] == "AUTHENTICATION_FAILED"


def pgp_update(app: App, secret: pysequoia.Tsk) -> dict[str, Any]:
    """The app's PATCH user for a PGP key (useUpdateUser.ts getPGPUpdatePayload): the account key
    signs sha256 of the armored key, the PGP key signs `Peach new PGP key <ms>`; the app also
    puts its publicKey in (peach-api-ts leaves it out; peerx ignores it)."""
    public_key = str(secret.extract_certificate())
    message = f"Peach new PGP key {now_ms()}"
    return {
        "publicKey": app.id,
        "pgpPublicKey": public_key,
        "signature": app.sign(public_key),
        "message": message,
        "pgpSignature": pysequoia.sign(
            secret.signer(), message.encode(), mode=pysequoia.SignatureMode.DETACHED
        ).decode(),
    }


async def test_every_proved_pgp_key_is_listed_on_self_public_and_contract_users(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    app = await app_factory()
    me = (await app.get("/user/me")).json()
    assert me["pgpPublicKeys"] == [] and me["pgpPublicKey"] is None
    assert (await app.get(f"/user/{app.id}")).json()["pgpPublicKeys"] == []

    first, second = pysequoia.Tsk.generate("old@peach.test"), pysequoia.Tsk.generate("new@peach.test")
    one, two = pgp_update(app, first), pgp_update(app, second)
    assert (await app.patch("/user", one)).json() == {"success": True}
    assert (await app.patch("/user", two)).json() == {"success": True}
    both = [
        {"publicKey": one["pgpPublicKey"], "proof": one["signature"]},
        {"publicKey": two["pgpPublicKey"], "proof": two["signature"]},
    ]
    me = (await app.get("/user/me")).json()
    assert me["pgpPublicKeys"] == both
    assert me["pgpPublicKey"] == two["pgpPublicKey"] and me["pgpPublicKeyProof"] == two["signature"]
    public = (await app.client.get(f"{PEACH}/user/{app.id}")).json()
    assert public["pgpPublicKeys"] == both and public["pgpPublicKey"] == two["pgpPublicKey"]

    # Proving the older key again makes it current; it is listed once, with its newer proof.
    again = pgp_update(app, first)
    assert (await app.patch("/user", again)).json() == {"success": True}
    me = (await app.get("/user/me")).json()
    assert me["pgpPublicKey"] == one["pgpPublicKey"]
    assert me["pgpPublicKeys"] == [{"publicKey": one["pgpPublicKey"], "proof": again["signature"]}, both[1]]

    # A refused key (wrong PGP signature) is not listed.
    mallory = pysequoia.Tsk.generate("mallory@peach.test")
    wrong = {**pgp_update(app, mallory), "pgpSignature": pgp_update(app, first)["pgpSignature"]}
    refused = await app.patch("/user", wrong)
    assert refused.status_code == 400 and refused.json()["error"] == "INVALID_PGP_SIGNATURE"
    assert len((await app.get("/user/me")).json()["pgpPublicKeys"]) == 2

    # A contract's buyer and seller carry their keys: the app checks the symmetric key's
    # signature and decrypts with them (useDecryptedContractData.ts).
    seller, buyer = await app_factory(), await app_factory()
    await flow.with_pgp(seller)
    await flow.with_pgp(buyer)
    contract_id, *_ = await flow.open_contract(seller, buyer, platform, run_jobs)
    for party in (seller, buyer):
        contract = (await party.get(f"/contract/{contract_id}")).json()
        for role, owner in (("seller", seller), ("buyer", buyer)):
            keys = contract[role]["pgpPublicKeys"]
            assert keys == [{"publicKey": contract[role]["pgpPublicKey"], "proof": contract[role]["pgpPublicKeyProof"]}]
            assert keys[0]["publicKey"] == str(flow.PGP[owner.id].extract_certificate())
        certs = [pysequoia.Cert.from_bytes(k["publicKey"].encode()) for k in contract["buyer"]["pgpPublicKeys"]]
        plain = pysequoia.decrypt(contract["symmetricKeyEncrypted"].encode(), decryptor=flow.PGP[party.id].decryptor())
        pysequoia.verify(
            bytes=plain.bytes or b"",
            store=lambda _ids, certs=certs: certs,
            signature=pysequoia.Sig.from_bytes(contract["symmetricKeySignature"].encode()),
        )


async def test_user_status_counts_trades_together_and_a_bad_experience(
    app_factory: Any, platform: Platform, run_jobs: Any
) -> None:
    seller, buyer, outsider = await app_factory(), await app_factory(), await app_factory()
    await flow.with_pgp(seller)
    await flow.with_pgp(buyer)
    fresh = {"isBlocked": False, "trades": 0, "badExperience": False}
    assert (await seller.get(f"/user/{buyer.id}/status")).json() == fresh
    contract_id, *_ = await flow.open_contract(seller, buyer, platform, run_jobs)
    assert (await seller.get(f"/user/{buyer.id}/status")).json() == fresh  # not completed yet
    await complete(seller, buyer, contract_id)

    done = {"isBlocked": False, "trades": 1, "badExperience": False}
    assert (await seller.get(f"/user/{buyer.id}/status")).json() == done
    assert (await buyer.get(f"/user/{seller.id}/status")).json() == done
    assert (await outsider.get(f"/user/{seller.id}/status")).json() == fresh

    # The buyer rates the seller down: a bad experience for the buyer, not for the seller.
    rated = await buyer.post(f"/contract/{contract_id}/user/rate", {"rating": -1, "signature": buyer.sign(seller.id)})
    assert rated.status_code == 200, rated.text
    assert (await buyer.get(f"/user/{seller.id}/status")).json() == {**done, "badExperience": True}
    assert (await seller.get(f"/user/{buyer.id}/status")).json() == done
    blocked = await seller.client.put(f"{PEACH}/user/{buyer.id}/block", headers=seller.headers)
    assert blocked.json() == {"success": True}
    assert (await seller.get(f"/user/{buyer.id}/status")).json() == {**done, "isBlocked": True}
    missing = await seller.get(f"/user/{'02' + '11' * 32}/status")
    assert missing.status_code == 404 and missing.json()["error"] == "NOT_FOUND"


async def test_the_migration_lists_the_key_each_user_had(
    app_factory: Any, platform: Platform, database_url: str
) -> None:
    """Upgrading from the release before pgpPublicKeys: each user's current key becomes its first
    listed key, and keys proved after the upgrade are listed after it."""
    app = await app_factory()
    secret = await flow.with_pgp(app)
    parents = ScriptDirectory.from_config(alembic_config(database_url)).get_revision(MIGRATION).down_revision
    assert parents  # the migration also joins two heads: going back to either undoes it
    before = parents if isinstance(parents, str) else parents[0]
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), before)
    async with platform.db.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    assert "peach_pgp_keys" not in tables  # really before the migration
    await asyncio.to_thread(command.upgrade, alembic_config(database_url), "heads")
    async with platform.db.transaction() as session:
        rows = (await session.execute(select(PeachPgpKey.public_key, PeachPgpKey.proof))).all()
    current = str(secret.extract_certificate())
    me = (await app.get("/user/me")).json()
    assert [tuple(row) for row in rows] == [(current, me["pgpPublicKeyProof"])]
    newer = pgp_update(app, pysequoia.Tsk.generate("newer@peach.test"))
    assert (await app.patch("/user", newer)).json() == {"success": True}
    listed = [k["publicKey"] for k in (await app.get("/user/me")).json()["pgpPublicKeys"]]
    assert listed == [current, newer["pgpPublicKey"]]
