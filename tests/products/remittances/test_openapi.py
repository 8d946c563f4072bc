"""The Peex surface's served OpenAPI document is real: its security schemes, request bodies,
responses and error envelope; the document's examples validate against it, and so do the bodies
the surface answers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from peerx.products.remittances.schemas import (
    CAMEROON_WALLET_PATTERN,
    DOCUMENT_REQUEST,
    PaymentRequestBody,
)
from peerx.rails.msisdn import cameroon_network
from tests.fixtures.factories.remittances import PEEX, SAMPLE, auth, fund, pay

OPERATIONS = [
    ("/clients/me", "get"),
    ("/clients/request_payment", "post"),
    ("/clients/all_requests", "get"),
    ("/clients/all_requests/{track_id}", "get"),
]


@pytest.fixture
async def spec(client: httpx.AsyncClient) -> dict[str, Any]:
    resp = await client.get(f"{PEEX}/openapi.json")
    assert resp.status_code == 200
    return dict(resp.json())


def validate(spec: dict[str, Any], schema: dict[str, Any], instance: Any) -> None:
    """Validate against a schema of the document, its $refs resolved within the document."""
    Draft202012Validator({**schema, "components": spec["components"]}).validate(instance)


def response_schema(spec: dict[str, Any], path: str, method: str, status: int) -> dict[str, Any]:
    responses = spec["paths"][path][method]["responses"]
    described = responses.get(str(status), responses["default"])
    return dict(described["content"]["application/json"]["schema"])


async def test_every_operation_is_documented_with_its_security_body_and_answers(spec) -> None:
    assert spec["components"]["securitySchemes"] == {
        "SECRETKEY": {
            "type": "apiKey",
            "in": "header",
            "name": "SECRETKEY",
            "description": spec["components"]["securitySchemes"]["SECRETKEY"]["description"],
        },
        "ACCESS-TOKEN": {
            "type": "apiKey",
            "in": "header",
            "name": "ACCESS-TOKEN",
            "description": spec["components"]["securitySchemes"]["ACCESS-TOKEN"]["description"],
        },
    }
    assert sorted((path, method) for path, item in spec["paths"].items() for method in item) == sorted(OPERATIONS)
    for path, method in OPERATIONS:
        operation = spec["paths"][path][method]
        assert operation["security"] == [{"SECRETKEY": []}, {"ACCESS-TOKEN": []}], path  # either header
        assert operation["responses"]["default"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/PeexError"
        }
        assert operation["responses"]["401"]["content"]["application/json"]["schema"]["$ref"].endswith("PeexError")
        assert "$ref" in str(operation["responses"]["200"]["content"]["application/json"]["schema"]), path
    body = spec["paths"]["/clients/request_payment"]["post"]["requestBody"]
    assert body["required"] is True
    request = spec["components"]["schemas"]["PaymentRequestBody"]
    assert request["examples"] == [DOCUMENT_REQUEST]
    assert sorted(request["required"]) == sorted(
        [
            "amount",
            "from_currency",
            "aml_cft",
            "sender_mobile_phone",
            "sender_country",
            "to_country",
            "purpose",
            "fund_origin",
            "track_id",
        ]
    )
    parameters = {p["name"]: p for p in spec["paths"]["/clients/all_requests"]["get"]["parameters"]}
    assert parameters["page"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1} | {
        "title": "Page"
    }
    assert parameters["per_page"]["schema"]["maximum"] == 1000


async def test_the_documents_examples_validate_against_the_served_schemas(spec) -> None:
    schemas = spec["components"]["schemas"]
    validate(spec, {"$ref": "#/components/schemas/PaymentRequestBody"}, DOCUMENT_REQUEST)
    for name in ("PartnerInfo", "PaymentRequestCreated", "TransactionView", "PeexError"):
        (example,) = schemas[name]["examples"]
        validate(spec, {"$ref": f"#/components/schemas/{name}"}, example)
    # and the document's request example parses into the payment the service receives
    parsed = PaymentRequestBody.model_validate(DOCUMENT_REQUEST).parsed()
    assert (parsed.amount, parsed.msisdn, parsed.network, parsed.fxrate) == (10, "237675287689", "mtn", 1)


async def test_what_the_surface_answers_validates_against_its_schemas(
    client, spec, platform, partner, test_key, run_jobs
) -> None:
    def check(resp: httpx.Response, path: str, method: str) -> None:
        validate(spec, response_schema(spec, path, method, resp.status_code), resp.json())

    check(await client.get(f"{PEEX}/clients/me", headers=auth(test_key)), "/clients/me", "get")
    await fund(platform, partner["id"], 10_000, livemode=False)
    created = await pay(client, test_key)
    assert created.status_code == 200
    check(created, "/clients/request_payment", "post")
    await run_jobs()
    for resp, path in (
        (await client.get(f"{PEEX}/clients/all_requests", headers=auth(test_key)), "/clients/all_requests"),
        (
            await client.get(f"{PEEX}/clients/all_requests/{SAMPLE['track_id']}", headers=auth(test_key)),
            "/clients/all_requests/{track_id}",
        ),
    ):
        assert resp.status_code == 200 and resp.json()[0]["status"] == "paid"
        check(resp, path, "get")
    by_email = await pay(client, test_key, mobile_phone=None, email="x@example.com")
    unknown = await client.get(f"{PEEX}/clients/all_requests/NOPE", headers=auth(test_key))
    refusals = [
        (await client.get(f"{PEEX}/clients/me"), "/clients/me", "get", 401),
        (await pay(client, test_key), "/clients/request_payment", "post", 422),
        (by_email, "/clients/request_payment", "post", 404),
        (unknown, "/clients/all_requests/{track_id}", "get", 404),
    ]
    for resp, path, method, status in refusals:
        assert resp.status_code == status, resp.text
        check(resp, path, method)


def test_the_beneficiary_phone_pattern_is_the_rails_number_plan() -> None:
    """The schema's pattern for mobile_phone names exactly the MTN and Orange ranges."""
    import re

    pattern = re.compile(CAMEROON_WALLET_PATTERN)
    for prefix in range(100, 1000):
        number = f"237{prefix}123456"
        assert bool(pattern.fullmatch("+" + number)) == (cameroon_network(number) is not None), prefix


async def test_the_callback_is_documented_as_it_is_delivered(
    client, spec, platform, partner, test_key, receiver, run_jobs
) -> None:
    import re

    from tests.fixtures.factories.remittances import set_partner

    callback = spec["webhooks"]["request.status"]["post"]
    await set_partner(platform, partner["id"], callback_url=receiver.url)
    await fund(platform, partner["id"], 10_000, livemode=False)
    assert (await pay(client, test_key)).status_code == 200
    await run_jobs()
    assert [d.json()["status"] for d in receiver.received] == ["new", "pending", "paid"]
    for delivery in receiver.received:
        validate(spec, callback["requestBody"]["content"]["application/json"]["schema"], delivery.json())
        for header in callback["parameters"]:
            value = delivery.headers[header["name"].lower()]
            assert re.fullmatch(header["schema"].get("pattern", ".+").strip("^$"), value), header["name"]
