"""/metrics as Prometheus scrapes it: each product's business operation counted after it is driven
over HTTP (a gift-card trade, a voucher issue, a Peex payment, a Peach match, a Trustap payment),
the HTTP counters by surface and route template, ledger transfers, jobs, the bearer token.

Metrics are per process (xdist runs several tests in one), so every assertion is on the change
between two scrapes."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from peerx.app import create_app
from peerx.ops.escrow import actions as escrow_ops
from peerx.platform import Platform
from peerx.web import observability
from tests.conftest import make_settings
from tests.fixtures import factories as f
from tests.fixtures.factories import escrow as trustap
from tests.fixtures.factories import giftcards as cards
from tests.fixtures.factories import remittances as peex
from tests.fixtures.factories import vouchers as pw
from tests.fixtures.factories.bitcoin import app_factory  # noqa: F401 - a fixture, requested by name
from tests.fixtures.statements import statements
from tests.products.bitcoin.contract_helpers import open_contract

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(autouse=True)
def _job_gauges_read_every_scrape(monkeypatch: pytest.MonkeyPatch) -> None:
    """/metrics reads the job gauges at most once a second; these tests scrape faster than that."""
    monkeypatch.setattr(observability, "JOB_GAUGES_MAX_AGE_SECONDS", 0.0)


def parse(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


async def scrape(client: httpx.AsyncClient, **headers: str) -> Samples:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return parse(response.text)


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


def by_label(before: Samples, after: Samples, name: str, label: str) -> dict[str, float]:
    """How much `name` moved, summed by one label's values."""
    moved: dict[str, float] = defaultdict(float)
    for key, value in after.items():
        if key[0] == name:
            moved[dict(key[1])[label]] += value - before.get(key, 0.0)
    return dict(moved)


async def test_each_product_operation_is_counted_and_http_by_surface_moves(
    client: httpx.AsyncClient,
    platform: Platform,
    run_jobs: Any,
    app_factory: Any,  # noqa: F811 - the fixture imported above
) -> None:
    before = await scrape(client)

    # PeerTupeer: a gift-card trade.
    merchant = await f.merchant(platform)
    await cards.rate(platform)
    trade = await cards.submit_trade(client, merchant["peertupeer"]["test_key"])
    assert trade.status_code == 200, trade.text

    # Peerwallet: an order of 3 vouchers.
    vendor = await pw.vendor(platform, email="vendor@example.com")
    issued = await pw.issue(client, pw.pw_test(vendor), quantity="3")
    assert issued.status_code == 200, issued.text

    # Peex: a payment request (its payout job is queued, not yet run).
    partner = await peex.create_partner(platform, email="partner@example.com")
    await peex.fund(platform, partner["id"], 100_000, livemode=False)
    paid = await peex.pay(client, partner["peex"]["test_secret_key"])
    assert paid.status_code == 200, paid.text
    queued = await scrape(client)
    assert any(
        name == "peerx_jobs" and dict(labels)["state"] == "queued" and value >= 1
        for (name, labels), value in queued.items()
    )

    # Peach: a buyer matches a funded sell offer (and the seller double-matches: a contract).
    seller, buyer = await app_factory(), await app_factory()
    await open_contract(seller, buyer, platform, run_jobs)

    # Trustap: a buyer pays an online transaction by card (test mode: the sandbox).
    oauth = await trustap.op(
        platform, escrow_ops.create_client, name="Shop", redirect_uris=[trustap.REDIRECT], livemode=False
    )
    tp_seller = await trustap.person(platform, oauth, "seller@example.com")
    tp_buyer = await trustap.person(platform, oauth, "buyer@example.com")
    tx = await trustap.paid_tx(client, tp_seller, tp_buyer)
    assert tx["status"] == "paid"

    after = await scrape(client)
    operations = {
        ("giftcards", "trade_submitted"): 1,
        ("vouchers", "vouchers_issued"): 3,
        ("remittances", "payment_requested"): 1,
        ("bitcoin", "match_made"): 1,
        ("escrow", "payment_made"): 1,
    }
    for (product, operation), expected in operations.items():
        moved = delta(before, after, "peerx_operations_total", product=product, operation=operation)
        assert moved == expected, (product, operation, moved)

    surfaces = by_label(before, after, "peerx_http_requests_total", "surface")
    for surface in ("peertupeer", "peerwallet", "peex", "peach", "trustap"):
        assert surfaces.get(surface, 0) >= 1, (surface, surfaces)
    assert (
        delta(
            before,
            after,
            "peerx_http_requests_total",
            surface="peertupeer",
            route="/peertupeer/api/v1/trades.php",
            method="POST",
            status_class="2xx",
        )
        == 1
    )
    # Route labels are templates: the Trustap transaction id never appears, its placeholder does.
    routes = by_label(before, after, "peerx_http_requests_total", "route")
    assert routes.get("/trustap/api/v1/transactions/{transaction_id}/pay") == 1, sorted(routes)
    assert not any(f"/transactions/{tx['id']}/" in route for route in routes)
    assert (
        delta(
            before,
            after,
            "peerx_http_request_duration_seconds_count",
            surface="peex",
            route=("/peex/api/v3/clients/request_payment"),
        )
        == 1
    )

    # Ledger transfers by code (the amount is never a label); the trade's hold and the vouchers'.
    codes = by_label(before, after, "peerx_ledger_transfers_total", "code")
    assert sum(codes.values()) >= 4 and all(value >= 0 for value in codes.values())
    for name, labels in after:
        if name == "peerx_ledger_transfers_total":
            assert {label for label, _ in labels} == {"code", "outcome"}
    # The jobs the Peach flow drained ran the Peex payout too: through the sandbox rail, paid.
    assert delta(before, after, "peerx_payouts_total", rail="sandbox", status="succeeded") == 1
    assert delta(before, after, "peerx_job_runs_total", kind="remittances.payout", outcome="done") == 1
    assert delta(before, after, "peerx_job_runs_total", kind="peach.watch_escrow", outcome="done") == 1
    # The database pool is watched (SQLite's pool too): its size is known.
    assert after[("peerx_db_pool_size", frozenset())] >= 1


async def test_unmatched_paths_are_one_label_and_errors_are_counted(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    for suffix in ("a", "b", "c"):
        assert (await client.get(f"/no/such/page/{suffix}")).status_code == 404
    assert (await client.get("/peex/api/v3/clients/nowhere")).status_code == 404
    after = await scrape(client)
    assert (
        delta(
            before,
            after,
            "peerx_http_requests_total",
            surface="other",
            route="unmatched",
            method="GET",
            status_class="4xx",
        )
        == 3
    )
    assert (
        delta(
            before,
            after,
            "peerx_http_requests_total",
            surface="peex",
            route="unmatched",
            method="GET",
            status_class="4xx",
        )
        == 1
    )
    assert not any("/no/such" in dict(labels).get("route", "") for _, labels in after)


@pytest.fixture
def token_settings(tmp_path: Any, database_url: str) -> Any:
    return make_settings(tmp_path, database_url, metrics_token="scrape-me-0123456789")


async def test_metrics_token_is_required_when_set(token_settings: Any) -> None:
    from peerx.composition import build_platform

    platform = build_platform(token_settings)
    try:
        app = create_app(platform=platform)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://peerx.test") as http:
            refused = await http.get("/metrics")
            assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
            assert (await http.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
            assert (
                await http.get("/metrics", headers={"Authorization": "Basic scrape-me-0123456789"})
            ).status_code == 401
            samples = await scrape(http, Authorization="Bearer scrape-me-0123456789")
            assert any(name == "peerx_http_requests_total" for name, _ in samples)
    finally:
        await platform.aclose()


async def test_job_gauges_are_read_at_most_once_a_second(client, platform, monkeypatch):
    """A client polling /metrics (no token needed unless one is set) does not query the jobs
    table on every request: one read, then the gauges as they were until they are old enough."""
    monkeypatch.setattr(observability, "JOB_GAUGES_MAX_AGE_SECONDS", 3600.0)  # no timing in the test
    with statements(platform) as seen:
        for _ in range(5):
            await scrape(client)
    assert len([sql for sql in seen if "FROM jobs" in sql]) == 2  # counts by state, oldest due age
