"""The Peerwallet OpenAPI document as served: the api-private-key scheme on every keyed operation,
request bodies as JSON and as forms, every response and error envelope, the document's sample."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.factories.vouchers import PW

BODY_KINDS = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"]
KEYED = {
    ("post", "/voucher-issue"): ("VoucherIssueResponse", {400, 401, 402, 403, 422, 429}),
    ("get", "/voucher-order"): ("VoucherOrderResponse", {400, 401, 404, 429}),
    ("post", "/voucher-order"): ("VoucherOrderResponse", {400, 401, 404, 429}),
    ("post", "/voucher-status"): ("VoucherStatusResponse", {400, 401, 404, 429}),
    ("post", "/voucher-redeem"): ("VoucherRedeemResponse", {400, 401, 404, 409, 422, 429}),
    ("post", "/voucher-void"): ("VoucherVoidResponse", {400, 401, 403, 404, 409, 422, 429}),
}


async def spec(client: httpx.AsyncClient) -> dict[str, Any]:
    resp = await client.get(f"{PW}/openapi.json")
    assert resp.status_code == 200
    result: dict[str, Any] = resp.json()
    return result


async def test_every_keyed_operation_declares_its_key_body_and_answers(client):
    document = await spec(client)
    assert document["components"]["securitySchemes"] == {
        "api-private-key": {
            "type": "apiKey",
            "in": "header",
            "name": "api-private-key",
            "description": document["components"]["securitySchemes"]["api-private-key"]["description"],
        }
    }
    error = {"$ref": "#/components/schemas/ErrorResponse"}
    for (method, path), (model, statuses) in KEYED.items():
        operation = document["paths"][path][method]
        assert operation["security"] == [{"api-private-key": []}], path
        responses = operation["responses"]
        assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model}"}
        assert {int(s) for s in responses if s.isdigit()} - {200} == statuses, path
        for status in [*statuses, "default"]:
            assert responses[str(status)]["content"]["application/json"]["schema"] == error, (path, status)
        if method == "post":
            content = operation["requestBody"]["content"]
            assert list(content) == BODY_KINDS, path
            schemas = [content[kind]["schema"] for kind in BODY_KINDS]
            assert schemas[0] == schemas[1] == schemas[2] and schemas[0]["type"] == "object"
            assert content["application/json"]["examples"], path
    receipt = document["paths"]["/receipt"]["get"]
    assert "security" not in receipt
    assert receipt["responses"]["200"]["content"] == {"text/html": {"schema": {"type": "string"}}}
    assert receipt["responses"]["404"]["content"]["application/json"]["schema"] == error


async def test_fields_bounds_and_the_documents_sample(client):
    document = await spec(client)
    issue = document["paths"]["/voucher-issue"]["post"]
    values = issue["requestBody"]["content"]["application/json"]["schema"]
    assert values["required"] == ["quantity", "amount", "currency"]
    assert (values["properties"]["quantity"]["minimum"], values["properties"]["quantity"]["maximum"]) == (1, 100)
    assert (values["properties"]["amount"]["minimum"], values["properties"]["amount"]["maximum"]) == (1, 5000)
    assert values["properties"]["currency"]["enum"] == ["USD"]
    assert {p["name"]: p["in"] for p in issue["parameters"]} == {"Idempotency-Key": "header"}
    answer = document["components"]["schemas"]["VoucherIssueResponse"]
    assert list(answer["properties"]) == [
        "status",
        "purchase_status",
        "order_id",
        "currency",
        "quantity",
        "amount",
        "total_charged",
        "voucher_codes",
        "exp_date",
        "date_created",
        "receipt_url",
        "note",
    ]
    assert answer["required"] == list(answer["properties"])
    sample = answer["examples"][0]
    assert (sample["order_id"], sample["amount"], sample["total_charged"]) == ("AQ09O09OLK", 2000, 50)
    status = document["components"]["schemas"]["VoucherStatusResponse"]
    assert "order_id" in status["properties"] and "order_id" not in status["required"]
    view = document["components"]["schemas"]["VoucherView"]
    assert "date_redeemed" in view["required"]  # present, null until it happens
    voided = document["components"]["schemas"]["VoucherVoidResponse"]["examples"][0]["vouchers"][0]
    assert voided["date_redeemed"] is None and voided["date_expired"] is None  # nulls kept in examples
