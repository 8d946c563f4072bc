"""A client generated at test time from the unedited public Trustap OpenAPI description
(openapi-python-client; generated into a temporary folder, never committed) drives an online and
a face-to-face transaction through an `openapi`-shaped OAuth client, complaint and
accept_complaint included, and the payment-method operations. Every response body is checked
against the spec's own schema for its path, method and status (no overlay), and the generated
client parses each one into its models.

The card payments (`pay`, `pay_deposit`, `pay_remainder`) are the document's operations (the
spec pays through Stripe's hosted flows): they are called with the same token over plain HTTP and
their bodies checked against the spec's Transaction schemas."""

from __future__ import annotations

import copy
import functools
import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import yaml

from peerx.app import create_app
from peerx.ops.escrow import actions as escrow_ops
from tests.fixtures.factories.escrow import REDIRECT, new_charge_version, op
from tests.products.escrow.test_openapi import SPEC_PATH, validate

PACKAGE = "trustap_spec_client"
BASE = "http://peerx.test/trustap"  # the spec's paths start with /api/v1


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The spec's client, generated once per session and imported from a temporary folder."""
    if not SPEC_PATH.exists():
        pytest.skip(f"{SPEC_PATH} not present")
    tool = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    if tool is None:
        pytest.fail("openapi-python-client is not installed (pip install -e '.[dev]')")
    folder = tmp_path_factory.mktemp("generated")
    config = folder / "config.yaml"
    config.write_text("post_hooks: []\n")  # no formatter run: the code is imported, not read
    subprocess.run(
        [tool, "generate", "--path", str(SPEC_PATH), "--meta", "none", "--config", str(config),
         "--output-path", str(folder / PACKAGE)],
        check=True,
        capture_output=True,
        timeout=120,
    )  # fmt: skip
    sys.path.insert(0, str(folder))
    return importlib.import_module(PACKAGE)


@functools.cache
def raw_spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
    return spec


def template_of(path: str) -> tuple[str, str] | None:
    """The spec's path template for a request path (without /trustap), and its key in `paths`."""
    for template in raw_spec()["paths"]:
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            return template, template
    return None


# The document's card payments: the spec's Transaction schema of their kind.
NOT_IN_SPEC = {"/pay": "basic.Transaction", "/pay_deposit": "p2p.Transaction", "/pay_remainder": "p2p.Transaction"}


class Recorder:
    """Every answer the app gives, checked at the end against the spec."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, int, Any]] = []

    async def __call__(self, response: httpx.Response) -> None:
        await response.aread()
        path = response.request.url.path.removeprefix("/trustap")
        self.seen.append((response.request.method.lower(), path, response.status_code, response.json()))

    def check_all(self) -> int:
        spec = copy.deepcopy(raw_spec())
        for method, path, status, body in self.seen:
            found = template_of(path)
            if found is None:
                suffix = next(s for s in NOT_IN_SPEC if path.endswith(s))
                assert status == 200, (method, path, status, body)
                validate(spec, {"$ref": f"#/components/schemas/{NOT_IN_SPEC[suffix]}"}, body)
                continue
            described = spec["paths"][found[1]][method]["responses"].get(str(status))
            assert described is not None, (method, path, status, body)
            schema = described.get("content", {}).get("application/json", {}).get("schema")
            assert schema is not None, (method, path, status)
            validate(spec, schema, body)
        return len(self.seen)


class Party:
    """One user through the openapi-shaped client: the generated client and a plain one."""

    def __init__(self, package: ModuleType, transport: httpx.AsyncBaseTransport, token: str, recorder: Recorder):
        headers = {"Authorization": f"Bearer {token}"}
        self.http = httpx.AsyncClient(
            transport=transport, base_url=BASE, headers=headers, event_hooks={"response": [recorder]}
        )
        self.api = package.AuthenticatedClient(base_url=BASE, token=token)
        self.api.set_async_httpx_client(self.http)

    async def plain(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        resp = await self.http.post(f"/api/v1{path}", json=body)
        assert resp.status_code == 200, resp.text
        answer: dict[str, Any] = resp.json()
        return answer


def module(package: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def ok(resp: Any, status: int = 200) -> Any:
    """A generated call's answer: the status, and the body parsed into the spec's model."""
    assert resp.status_code == status, resp.content
    assert resp.parsed is not None and type(resp.parsed).__name__ != "Error", resp.content
    return resp.parsed


@pytest.fixture
async def parties(platform, generated):  # type: ignore[no-untyped-def]
    client = await op(
        platform, escrow_ops.create_client, name="Spec App", redirect_uris=[REDIRECT], livemode=False, shape="openapi"
    )
    recorder = Recorder()
    transport = httpx.ASGITransport(app=create_app(platform=platform))
    people = []
    for email in ("seller@example.com", "buyer@example.com"):
        await op(platform, escrow_ops.create_user, email=email, password="correct horse", first="Sam", last="Lee")
        token = await op(platform, escrow_ops.issue_token, email=email, client_id=client["client_id"], scope="openid")
        people.append(Party(generated, transport, token["access_token"], recorder))
    yield people[0], people[1], recorder
    for person in people:
        await person.http.aclose()


async def test_an_online_transaction_through_the_generated_client(platform, generated, parties):
    seller, buyer, recorder = parties
    models = module(generated, "models")
    tx_api = module(generated, "api.online_transactions")
    pay_api = module(generated, "api.online_payment")
    ship_api = module(generated, "api.online_shipping")
    complaint_api = module(generated, "api.online_complaint")
    details_api = module(generated, "api.online_buyer_seller_details")
    get = functools.partial(importlib.import_module)

    charge = ok(await get(f"{pay_api.__name__}.basic_get_charge").asyncio_detailed(
        client=seller.api, currency="usd", price=2000))  # fmt: skip
    body = models.BasicCreateTransactionBody.from_dict(
        {
            "role": "seller",
            "currency": "usd",
            "price": 2000,
            "description": "Soccer ticket",
            "charge": charge.charge,
            "charge_calculator_version": charge.charge_calculator_version,
        }
    )
    created = ok(await get(f"{tx_api.__name__}.basic_create_transaction").asyncio_detailed(
        client=seller.api, body=body), 201)  # fmt: skip
    assert created.status == "created" and isinstance(created.seller_id, str)
    joined = ok(await get(f"{tx_api.__name__}.basic_join_transaction").asyncio_detailed(
        client=buyer.api, join_code=created.join_code))  # fmt: skip
    assert joined.buyer_id != joined.seller_id and joined.buyer_id.isdigit()

    # The calculator changes before the buyer pays: re-quote for the transaction, set the method.
    await new_charge_version(platform, "online", "3")
    quote = ok(await get(f"{pay_api.__name__}.basic_get_charge_for_transaction").asyncio_detailed(
        created.id, client=buyer.api, price=2000, payment_method="card"))  # fmt: skip
    assert quote.charge == 60
    method = models.BasicSetPaymentMethodForTransactionBody.from_dict(
        {"payment_method": "card", "currency": "usd", "price": 2000, "charge": quote.charge, "charge_seller": 0}
    )
    set_method = get(f"{pay_api.__name__}.basic_set_payment_method_for_transaction")
    assert ok(await set_method.asyncio_detailed(created.id, client=buyer.api, body=method)).charge == 60
    again = await set_method.asyncio_detailed(created.id, client=buyer.api, body=method)
    assert again.status_code == 400 and again.parsed.code == "payment_method_already_set"

    paid = await buyer.plain(f"/transactions/{created.id}/pay", {"stripe_token": "tok_visa"})
    assert paid["status"] == "paid" and paid["charge"] == 60
    track = models.BasicTrackTransactionBody.from_dict({"carrier": "ups", "tracking_code": "1Z999AA1"})
    ok(await get(f"{ship_api.__name__}.basic_track_transaction").asyncio_detailed(
        created.id, client=seller.api, body=track))  # fmt: skip
    ok(await get(f"{ship_api.__name__}.basic_confirm_delivery").asyncio_detailed(created.id, client=buyer.api))
    complaint = models.BasicSubmitComplaintWithDescriptionBody.from_dict({"description": "Bent"})
    complained = ok(await get(f"{complaint_api.__name__}.basic_submit_complaint_with_description").asyncio_detailed(
        created.id, client=buyer.api, body=complaint))  # fmt: skip
    assert complained.status == "complained" and complained.complaint.description == "Bent"
    read = ok(await get(f"{tx_api.__name__}.basic_get_transaction").asyncio_detailed(created.id, client=seller.api))
    assert read.complaint.description == "Bent"
    listed = ok(await get(f"{tx_api.__name__}.basic_get_transactions").asyncio_detailed(client=buyer.api))
    assert [tx.id for tx in listed] == [created.id]
    who = ok(await get(f"{details_api.__name__}.basic_get_seller_details").asyncio_detailed(
        created.id, client=buyer.api))  # fmt: skip
    assert (who.email, who.name.first, who.name.last) == ("seller@example.com", "Sam", "Lee")
    refunded = ok(await get(f"{complaint_api.__name__}.basic_accept_complaint").asyncio_detailed(
        created.id, client=seller.api))  # fmt: skip
    assert refunded.status == "funds_refunded" and refunded.amount_refunded == 2060

    assert recorder.check_all() == 14


async def test_a_face_to_face_transaction_through_the_generated_client(platform, generated, parties):
    seller, buyer, recorder = parties
    models = module(generated, "models")
    tx_api = module(generated, "api.f2f_transactions").__name__
    pay_api = module(generated, "api.f2f_payment").__name__
    complaint_api = module(generated, "api.f2f_complaint").__name__
    details_api = module(generated, "api.f2f_buyer_seller_details").__name__
    get = importlib.import_module
    p2p_charge = get(f"{pay_api}.p_2_p_get_charge")

    quote = ok(await p2p_charge.asyncio_detailed(client=seller.api, currency="usd", price=1000))
    body = models.P2PCreateTransactionBody.from_dict(
        {
            "role": "seller",
            "currency": "usd",
            "description": "Bicycle",
            "deposit_price": 1000,
            "deposit_charge": quote.charge,
            "deposit_charge_seller": quote.charge_seller,
            "charge_calculator_version": quote.charge_calculator_version,
        }
    )
    created = ok(await get(f"{tx_api}.p_2_p_create_transaction").asyncio_detailed(client=seller.api, body=body), 201)
    joined = ok(await get(f"{tx_api}.p_2_p_join_transaction_by_join_code").asyncio_detailed(
        created.join_code, client=buyer.api))  # fmt: skip
    assert joined.status == "joined" and isinstance(joined.buyer_id, str)

    await new_charge_version(platform, "p2p", "4")
    quote = ok(await p2p_charge.asyncio_detailed(client=buyer.api, currency="usd", price=1000))
    method = models.P2PDepositPaymentMethod.from_dict(
        {
            "payment_method": "card",
            "currency": "usd",
            "deposit_price": 1000,
            "deposit_charge": quote.charge,
            "deposit_charge_seller": quote.charge_seller,
        }
    )
    set_method = get(f"{pay_api}.p_2_p_set_deposit_payment_method")
    assert ok(await set_method.asyncio_detailed(created.id, client=buyer.api, body=method)).deposit_pricing.charge == 40

    await buyer.plain(f"/p2p/transactions/{created.id}/pay_deposit", {"stripe_charge_token": "tok_visa"})
    ok(await get(f"{pay_api}.p_2_p_accept_deposit").asyncio_detailed(created.id, client=seller.api))
    full = ok(await p2p_charge.asyncio_detailed(client=seller.api, currency="usd", price=5000))
    price = models.SetPriceForP2PTransactionBody.from_dict(
        {
            "currency": "usd",
            "price": 5000,
            "charge": full.charge,
            "charge_calculator_version": full.charge_calculator_version,
        }
    )
    priced = ok(await get(f"{pay_api}.set_price_for_p2p_transaction").asyncio_detailed(
        created.id, client=seller.api, body=price))  # fmt: skip
    assert priced.pricing.price == 5000
    await buyer.plain(f"/p2p/transactions/{created.id}/pay_remainder", {"stripe_charge_token": "tok_visa"})
    who = ok(await get(f"{details_api}.get_buyer_details_from_p2p_transaction").asyncio_detailed(
        created.id, client=seller.api))  # fmt: skip
    assert who.name.first == "Sam"

    complaint = models.P2PSubmitComplaintBody.from_dict({"description": "Wrong bike"})
    complained = ok(await get(f"{complaint_api}.p_2_p_submit_complaint").asyncio_detailed(
        created.id, client=buyer.api, body=complaint))  # fmt: skip
    assert complained.complaint.description == "Wrong bike"
    read = ok(await get(f"{tx_api}.p_2_p_get_transaction").asyncio_detailed(created.id, client=seller.api))
    assert read.complaint.description == "Wrong bike" and read.status == "complained"
    refunded = ok(await get(f"{complaint_api}.p_2_p_accept_complaint").asyncio_detailed(created.id, client=seller.api))
    assert refunded.status == "funds_refunded"
    listed = ok(await get(f"{tx_api}.p_2_p_get_transactions").asyncio_detailed(client=buyer.api))
    assert [tx.id for tx in listed] == [created.id]

    assert recorder.check_all() == 15
