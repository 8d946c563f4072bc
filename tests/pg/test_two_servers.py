"""Two `peerx serve` processes and two `peerx worker`s on one PostgreSQL and one Redis, laid out as
docs/deploy.md lays out production: each process its own data directory, the keys given to all of
them. The five products are driven over HTTP through both servers alternately, the way their
integrators call them; the operator works through /ops/v1 on either server. One server and one
worker are killed (SIGKILL) midway and the rest of the work goes on on the survivors. Then:
every upload is readable from the other server, the per-key rate limit is one budget across the
servers (and, behind the proxy, the per-address one counts each client), a Peach chat message
reaches a socket held by the other server, every job ran once and none failed, every webhook
arrived once per endpoint with a valid signature, and `peerx ledger verify --json` is clean."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from joserfc.jwk import ECKey

from peerx.chain.keys import new_extended_private_key
from tests.conftest import TEST_KEYS
from tests.fixtures import s3
from tests.fixtures.cli import Peerx
from tests.fixtures.cluster import Cluster, redis_database
from tests.fixtures.factories import remittances as peex
from tests.fixtures.factories import vouchers as pw
from tests.fixtures.factories.bitcoin import App
from tests.fixtures.factories.escrow import TP, Person, new_tx
from tests.fixtures.factories.giftcards import PTP, trade_form
from tests.fixtures.images import jpeg, png
from tests.fixtures.receiver import WebhookReceiver, start_receiver, verify_peertupeer, verify_peex, verify_standard
from tests.fixtures.s3 import S3Bucket
from tests.products.bitcoin.contract_helpers import CHAT_KEY, PGP, double_match_body, match_body, with_pgp
from tests.products.bitcoin.social import Party, chat_message, connect, read_message

pytestmark = [pytest.mark.pg, pytest.mark.redis]
s3_server, s3_bucket = s3.s3_server, s3.s3_bucket  # moto's S3 server, a fresh bucket

OPS_TOKEN = "ops-" + "x" * 40
RATE_LIMIT = 10  # PeerTupeer requests per minute per key, for this test
REDIS_DB = 7  # a database of its own: the counters start empty whatever other tests counted


@pytest.fixture
def redis_url() -> str:
    return redis_database(REDIS_DB)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    started = start_receiver()
    yield started
    started.server.shutdown()
    started.server.server_close()


def shared_environment(database_url: str, redis_url: str) -> dict[str, str]:
    """What every machine gets (docs/deploy.md, deploy/peerx.env.example): the same database,
    Redis and keys; the rest are this test's short timers."""
    return {
        "PEERX_DATABASE_URL": database_url,
        "PEERX_REDIS_URL": redis_url,
        "PEERX_ENCRYPTION_KEYS": TEST_KEYS["encryption_keys"],
        "PEERX_HASH_PEPPER": TEST_KEYS["hash_pepper"],
        "PEERX_BITCOIN_ESCROW_XPRV": new_extended_private_key("regtest", secrets.token_bytes(32)),
        "PEERX_TRUSTAP_OIDC_PRIVATE_KEY": ECKey.generate_key("P-256", private=True).as_pem(private=True).decode(),
        "PEERX_OPS_TOKEN": OPS_TOKEN,
        "PEERX_TRUSTED_PROXIES": "127.0.0.1",  # the test plays the reverse proxy (X-Forwarded-For)
        "PEERX_EMBEDDED_WORKER": "false",
        "PEERX_ALLOW_PRIVATE_TARGETS": "true",  # the webhook receiver is on 127.0.0.1
        "PEERX_PEERTUPEER_RATE_LIMIT": f"{RATE_LIMIT}/minute",
        "PEERX_GIFTCARDS_SANDBOX_DELAY_SECONDS": "0",
        "PEERX_JOB_LEASE_SECONDS": "3",
        "PEERX_WORKER_POLL_SECONDS": "0.2",
        "PEERX_PEACH_WATCH_SECONDS": "1",
        "PEERX_OUTBOUND_TIMEOUT_SECONDS": "5",
    }


@pytest.fixture
async def cluster(tmp_path: Path, pg_database_url: str, redis_url: str, s3_bucket: S3Bucket) -> AsyncIterator[Cluster]:
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    # Uploads in one bucket of the local S3 server (moto's), as on machines that share no disk.
    started = Cluster(tmp_path, {**shared_environment(pg_database_url, redis_url), **s3_bucket.environ})
    try:
        yield started
    finally:
        started.stop()


class Ops:
    """The operator's JSON API on one server."""

    def __init__(self, client: httpx.AsyncClient):
        self.client = client

    async def __call__(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        answer = await self.client.request(
            method, f"/ops/v1{path}", json=body, headers={"Authorization": f"Bearer {OPS_TOKEN}"}
        )
        assert answer.status_code == status, (method, path, answer.status_code, answer.text)
        return answer.json()


async def wait_until(check: Any, what: str, timeout: float = 30.0) -> Any:
    """Poll an async check until it returns something truthy (the workers run the jobs)."""
    deadline = time.monotonic() + timeout
    while True:
        found = await check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {found}")
        await asyncio.sleep(0.2)


class Unsettled(list[Any]):
    def __bool__(self) -> bool:
        return False


async def queue_settled(db: asyncpg.Connection) -> bool | Unsettled:
    """Nothing due is left: every job that should have run by now is done (timers may wait)."""
    busy = await db.fetch(
        "SELECT id, kind, status, run_at, attempts FROM jobs"
        " WHERE status = 'running' OR (status = 'queued' AND run_at <= now() AT TIME ZONE 'utc')"
    )
    pending = await db.fetch("SELECT id, status FROM webhook_deliveries WHERE status <> 'succeeded'")
    return True if not busy and not pending else Unsettled([*map(dict, busy), *map(dict, pending)])


async def test_two_servers_two_workers_one_database(
    cluster: Cluster, pg_database_url: str, receiver: WebhookReceiver, s3_bucket: S3Bucket
) -> None:
    a, b = cluster.serve("server-a", "--workers", "2"), cluster.serve("server-b")
    w1, w2 = cluster.worker("worker-1"), cluster.worker("worker-2")
    cluster.wait_ready(a, b, w1, w2)
    db = await asyncpg.connect(pg_database_url.replace("postgresql+asyncpg://", "postgresql://"))
    http = {s.name: httpx.AsyncClient(base_url=s.url, timeout=20) for s in (a, b)}
    try:
        await _run(cluster, db, http, receiver, pg_database_url)
        # The uploads are in the bucket, none on a server's disk.
        stored = await db.fetch("SELECT sha256 FROM stored_files")
        in_bucket = " ".join(s3_bucket.keys())
        assert len(stored) == 4 and all(row["sha256"] in in_bucket for row in stored)
        assert not [p for p in cluster.root.glob("server-*/files/**/*") if p.is_file()]
    except BaseException:
        print(cluster.logs())
        raise
    finally:
        for client in http.values():
            await client.aclose()
        await db.close()


async def _run(
    cluster: Cluster,
    db: asyncpg.Connection,
    http: dict[str, httpx.AsyncClient],
    receiver: WebhookReceiver,
    database_url: str,
) -> None:
    a, b = http["server-a"], http["server-b"]
    server_b, worker_2 = cluster.processes[1], cluster.processes[3]
    ops_a, ops_b = Ops(a), Ops(b)

    # ---- the operator sets things up, half on each server
    merchant = await ops_a("POST", "/accounts", {"name": "Ama Traders", "email": "ama@example.com"}, 201)
    mid = merchant["id"]
    await ops_b("POST", f"/accounts/{mid}/permissions", {"permission": "transfer_funds"})
    await ops_a("POST", f"/accounts/{mid}/fund", {"currency": "USD", "amount": "1000.00", "test": True})
    await ops_b("POST", f"/accounts/{mid}/fund", {"currency": "XAF", "amount": "500000", "test": True})
    await ops_a(
        "PUT",
        "/giftcards/rates",
        {
            "card_type_id": 1,
            "card_name": "Amazon",
            "country": "USA",
            "currency": "USD",
            "rate": "8.5",
            "fee_pct": "2.5",
        },
    )
    oauth = await ops_b(
        "POST", "/escrow/clients", {"name": "Shop App", "redirect_uris": ["http://localhost/cb"], "test": True}, 201
    )
    await ops_a("POST", "/bitcoin/market/prices", {"pair": "BTCEUR", "price": "27455.04"})
    endpoints: dict[str, dict[str, Any]] = {}  # path -> the endpoint as created (its secret)
    for ops, account, surface, test in (
        (ops_a, mid, "peertupeer", False),
        (ops_b, mid, "peerwallet", True),
        (ops_a, mid, "peex", True),
        (ops_b, oauth["account_id"], "trustap", True),
    ):
        path = f"/hook/{surface}"
        hook = {"account_id": account, "url": receiver.url + "/" + surface, "surface": surface, "test": test}
        created = await ops("POST", "/webhooks", hook, 201)
        endpoints[path] = created

    ptp_live = {"X-API-Key": merchant["peertupeer"]["live_key"]}
    pw_key = merchant["peerwallet"]["test_api_private_key"]
    peex_key = merchant["peex"]["test_secret_key"]

    # ---- gift cards: a trade with its images through each server, approved on the other
    uploads: dict[str, dict[str, bytes]] = {}
    for index, (client, ops) in enumerate(((a, ops_b), (b, ops_a))):
        data, files = trade_form()
        front, back = png((index * 90, 10, 10)), jpeg((10, 10, index * 90))
        files["front_image"] = ("front.png", front, "image/png")
        files["back_image"] = ("back.jpg", back, "image/jpeg")
        posted = await client.post(f"{PTP}/trades.php", data=data, files=files, headers=ptp_live)
        assert posted.status_code == 200 and posted.json()["data"]["status"] == "pending", posted.text
        reference = posted.json()["data"]["reference"]
        uploads[reference] = {"front": front, "back": back}
        approved = await ops("POST", f"/giftcards/trades/{reference}/approve", {})
        assert approved["status"] == "approved"

    # ---- vouchers: issued through A, one redeemed through B
    issued = await pw.issue(a, pw_key, quantity="3", amount="20")
    assert issued.status_code == 200, issued.text
    codes = pw.codes_of(issued)
    redeemed = await pw.call(b, "voucher-redeem", pw_key, voucher_code=codes[0])
    assert redeemed.status_code == 200 and redeemed.json()["redeem_status"] == "success", redeemed.text

    # ---- Peex: a payment through B, its status read through A once a worker paid it
    paid = await peex.pay(b, peex_key, track_id="TWO-1", mobile_phone=peex.MTN_NUMBER)
    assert paid.status_code == 200, paid.text

    async def peex_paid() -> bool:
        return (await peex.request_of(a, peex_key, "TWO-1"))["status"] == "paid"

    await wait_until(peex_paid, "the Peex payment to be paid")

    # ---- Trustap: created through A, joined through B, paid through A
    people = []
    for ops, email in ((ops_a, "seller@example.com"), (ops_b, "buyer@example.com")):
        person = {"email": email, "password": "correct horse", "first": "A", "last": "B"}
        user = await ops("POST", "/escrow/users", person, 201)
        grant = {"user": email, "client": oauth["client_id"], "scope": "openid"}
        token = await ops("POST", "/escrow/tokens", grant, 201)
        people.append(Person(user["id"], email, token["access_token"]))
    trustap_seller, trustap_buyer = people
    created = await new_tx(a, trustap_seller)
    joined = await b.put(f"{TP}/transactions", params={"join_code": created["join_code"]}, headers=trustap_buyer.h)
    assert joined.status_code == 200, joined.text
    tx_id = joined.json()["id"]

    # ---- Peach: the seller's app on B, the buyer's on A; the offer and its escrow made on B
    seller, buyer = App(b), App(a)
    await seller.register()
    await buyer.register()
    await with_pgp(seller)
    await with_pgp(buyer)
    offer = await seller.post("/offer", seller.sell_body(300_000))
    assert offer.status_code == 200, offer.text
    sell_id = offer.json()["id"]
    escrow = await seller.post(f"/offer/{sell_id}/escrow", {"publicKey": seller.id})
    assert escrow.status_code == 200, escrow.text

    # ---- midway: server B and worker 2 die without a word, once the queue is quiet (a job killed
    # mid-run is run again by design: at least once; this test counts exactly-once runs)
    await wait_until(lambda: queue_settled(db), "the queue to settle before the kill")
    server_b.kill()
    worker_2.kill()
    assert not server_b.alive and not worker_2.alive
    # A job worker 2 held when it died (a polling timer may fall due in the instant between the
    # check and the kill) is claimed again once its lease lapses: it may count two attempts.
    interrupted = {row["id"] for row in await db.fetch("SELECT id FROM jobs WHERE status = 'running'")}
    b = a  # the survivors carry on: everything below goes through server A and worker 1

    paid_tx = await a.post(f"{TP}/transactions/{tx_id}/pay", json={"stripe_token": "tok_visa"}, headers=trustap_buyer.h)
    assert paid_tx.status_code == 200 and paid_tx.json()["status"] == "paid", paid_tx.text

    # ---- Peach, continued on the survivor: the escrow B made is funded, seen by worker 1, matched
    seller.client = a
    await ops_a("POST", "/bitcoin/chain/fund", {"address": escrow.json()["escrow"], "sats": 300_000})
    await ops_a("POST", "/bitcoin/chain/mine", {"blocks": 1})

    async def funded() -> bool:
        status = (await seller.get(f"/offer/{sell_id}/escrow")).json()
        return bool(status["funding"]["status"] == "FUNDED")

    await wait_until(funded, "worker 1 to see the escrow funded")
    bid = await buyer.post("/offer", buyer.buy_body())
    assert bid.status_code == 200, bid.text
    buy_id = bid.json()["id"]
    matched = await buyer.post(f"/offer/{buy_id}/match", match_body(sell_id))
    assert matched.status_code == 200, matched.text
    doubled = await seller.post(f"/offer/{sell_id}/match", double_match_body(buy_id))
    assert doubled.status_code == 200 and doubled.json()["contractId"] == f"{sell_id}-{buy_id}", doubled.text

    # ---- server B comes back (a new process on a new port, its own empty data directory)
    server_b2 = cluster.serve("server-b2")
    cluster.wait_ready(server_b2)
    async with httpx.AsyncClient(base_url=server_b2.url, timeout=20) as b2:
        # A chat message posted to A reaches the buyer's live socket held by the new B (Redis).
        contract = f"{sell_id}-{buy_id}"
        chat_seller = Party(seller, PGP[seller.id])
        async with connect(b2, buyer.headers) as socket:
            assert await socket.receive_json() == {"event": "connected"}
            sent = await seller.post(f"/contract/{contract}/chat", chat_message(chat_seller, CHAT_KEY, "hello"))
            assert sent.status_code == 200, sent.text
            event = await asyncio.wait_for(socket.receive_json(), 10)
            assert event["roomid"] == contract
            assert read_message(event["message"], chat_seller, CHAT_KEY) == "hello"
        await _checks(a, b2, db, receiver, endpoints, uploads, interrupted, database_url, cluster)


async def _checks(
    a: httpx.AsyncClient,
    b: httpx.AsyncClient,
    db: asyncpg.Connection,
    receiver: WebhookReceiver,
    endpoints: dict[str, dict[str, Any]],
    uploads: dict[str, dict[str, bytes]],
    interrupted: set[int],
    database_url: str,
    cluster: Cluster,
) -> None:
    # One rate-limit budget across the servers: a fresh key's 11th call is refused on either.
    other = await Ops(b)("POST", "/accounts", {"name": "Kofi", "email": f"{uuid.uuid4().hex}@example.com"}, 201)
    key = {"X-API-Key": other["peertupeer"]["live_key"]}
    codes = [(await (a, b)[i % 2].get(f"{PTP}/wallet.php", headers=key)).status_code for i in range(RATE_LIMIT)]
    assert codes == [200] * RATE_LIMIT
    assert (await a.get(f"{PTP}/wallet.php", headers=key)).status_code == 429
    assert (await b.get(f"{PTP}/wallet.php", headers=key)).status_code == 429

    # Behind the proxy, a public route's per-address limit counts the client the proxy names,
    # across both servers: one client's 11th call is refused, another client is not.
    first, second = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "203.0.113.8"}
    codes = [(await (a, b)[i % 2].get(f"{PTP}/rates.php", headers=first)).status_code for i in range(RATE_LIMIT)]
    assert codes == [200] * RATE_LIMIT
    assert (await b.get(f"{PTP}/rates.php", headers=first)).status_code == 429
    assert (await a.get(f"{PTP}/rates.php", headers=second)).status_code == 200

    # Every job that was due ran, once; none failed or died.
    await wait_until(lambda: queue_settled(db), "the queue to settle", timeout=40)
    jobs = await db.fetch("SELECT id, kind, status, attempts, last_error FROM jobs ORDER BY id")
    kinds = Counter(job["kind"] for job in jobs)
    assert kinds["webhooks.deliver"] >= 1 and len(kinds) >= 5, kinds  # each product queued its work
    for job in jobs:
        assert job["status"] in ("done", "queued"), dict(job)  # queued: a timer not yet due
        assert job["last_error"] is None, dict(job)
        runs = (1, 2) if job["id"] in interrupted else (1,)
        assert job["attempts"] in (runs if job["status"] == "done" else (0,)), dict(job)

    # Every webhook arrived once per endpoint, signed with that endpoint's secret.
    expected = await db.fetch(
        "SELECT d.event_id, e.url FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id"
    )
    assert {row["url"].rpartition("/")[2] for row in expected} == {"peertupeer", "peerwallet", "peex", "trustap"}
    received = Counter((r.path, r.headers["webhook-id"]) for r in receiver.received)
    assert received == Counter(("/hook/" + row["url"].rpartition("/")[2], row["event_id"]) for row in expected)
    for delivery in receiver.received:
        secret = endpoints[delivery.path]["secret"]
        verify_standard(secret, delivery)  # raises on a bad signature
        if delivery.path.endswith("peertupeer"):
            assert verify_peertupeer(secret, delivery)
        if delivery.path.endswith("peex"):
            assert verify_peex(secret, delivery)

    # The books balance, as the operator checks them.
    assert Peerx.at(cluster.root / "cli", database_url)("ledger", "verify", "--json")["ok"] is True

    # Every upload is readable through the other server, byte for byte.
    for reference, images in uploads.items():
        for client in (a, b):
            for kind, data in images.items():
                got = await client.get(
                    f"/ops/v1/giftcards/trades/{reference}/images/{kind}",
                    headers={"Authorization": f"Bearer {OPS_TOKEN}"},
                )
                assert got.status_code == 200, got.text
                assert hashlib.sha256(got.content).hexdigest() == hashlib.sha256(data).hexdigest()
