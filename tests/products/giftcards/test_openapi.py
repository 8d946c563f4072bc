"""The served PeerTupeer OpenAPI document says what the API does: the X-API-Key scheme on every
keyed operation (and none on the public ones), a typed 200 body and the error envelope for every
other status, and the document's own examples, which render byte for byte as the document prints
them and validate against the schemas they illustrate."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from peerx.core.encoding import loads
from peerx.products.giftcards import schemas
from peerx.web import WireJSON
from tests.fixtures.factories import giftcards as cards

PTP = cards.PTP
PUBLIC = {("get", "/rates.php"), ("get", "/sandbox.php")}

# The document's examples, as printed there (whitespace aside).
TRADE_SUBMITTED = (
    '{"success":true,"message":"Trade submitted successfully.","data":{"reference":"PTP1A2B3C4D5E",'
    '"status":"pending","card_amount":100,"currency":"USD","gross_payout_ghs":850.00,"fee_ghs":21.25,'
    '"net_payout_ghs":828.75}}'
)
SUBSCRIPTION_CREATED = (
    '{"success":true,"message":"Rate update subscription created.","data":{"webhook_id":5,'
    '"url":"https://yoursite.com/webhooks/rates","event":"rate.updated","secret":"your_webhook_secret"}}'
)
RATE_UPDATED = (
    '{"event":"rate.updated","timestamp":"2026-05-25T10:30:00Z","data":{"card_type_id":1,"card_name":"Amazon",'
    '"country":"USA","currency":"USD","rate_per_unit":8.75,"platform_fee_pct":2.5,"updated_at":"2026-05-25 10:30:00"}}'
)
ERROR = '{"success":false,"message":"Invalid API key or unauthorized access."}'


async def served(client: Any) -> dict[str, Any]:
    resp = await client.get(f"{PTP}/openapi.json")
    assert resp.status_code == 200
    spec: dict[str, Any] = resp.json()
    return spec


def validator(spec: dict[str, Any], name: str) -> Draft202012Validator:
    """Validates against one component schema, its references resolved within the document."""
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": spec["components"]})


async def test_every_operation_is_typed_secured_and_enveloped(client):
    spec = await served(client)
    assert spec["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": spec["components"]["securitySchemes"]["ApiKey"]["description"],
    }
    operations = [(method, path, op) for path, ops in spec["paths"].items() for method, op in ops.items()]
    assert {(m, p) for m, p, _ in operations} == {
        ("get", "/rates.php"),
        ("get", "/sandbox.php"),
        ("get", "/trades.php"),
        ("post", "/trades.php"),
        ("get", "/trade-status.php"),
        ("get", "/wallet.php"),
        ("post", "/withdrawals.php"),
        ("get", "/withdrawals.php"),
        ("get", "/rate-updates.php"),
        ("post", "/rate-updates.php"),
        ("delete", "/rate-updates.php"),
    }
    for method, path, op in operations:
        keyed = (method, path) not in PUBLIC
        assert (op.get("security") == [{"ApiKey": []}]) is keyed, (method, path)
        ok = op["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok["$ref"].startswith("#/components/schemas/") and ok["$ref"].endswith("Response"), (method, path)
        for status, response in op["responses"].items():
            if status != "200":
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (method, path, status)
        assert "401" in op["responses"] or not keyed
        if method == "post":
            assert {"413", "422"} <= set(op["responses"])
            assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in op["parameters"])
    trades_form = spec["paths"]["/trades.php"]["post"]["requestBody"]["content"]
    assert list(trades_form) == ["multipart/form-data"]
    assert "HTTPValidationError" not in str(spec["paths"])  # FastAPI's 422 shape is never answered


async def test_the_documents_examples_are_in_the_spec_and_valid(client):
    spec = await served(client)
    components = spec["components"]["schemas"]
    for name, text in (
        ("TradeSubmittedResponse", TRADE_SUBMITTED),
        ("RateSubscriptionCreatedResponse", SUBSCRIPTION_CREATED),
        ("RateUpdatedEvent", RATE_UPDATED),
        ("ErrorResponse", ERROR),
    ):
        assert loads(text) in components[name]["examples"], name  # 850.00 == 850.0: the same numbers
        validator(spec, name).validate(loads(text))
    withdrawal = components["WithdrawalBody"]["examples"][0]
    assert withdrawal == {
        "amount": 500,
        "method": "mtn_momo",
        "account_name": "John Doe",
        "account_number": "0241234567",
    }
    validator(spec, "WithdrawalBody").validate(withdrawal)
    assert components["RateSubscriptionBody"]["examples"] == [{"url": "https://yoursite.com/webhooks/rates"}]
    assert "rate.updated" in spec["webhooks"]


def test_the_documents_examples_render_byte_for_byte():
    for model, text in (
        (schemas.TradeSubmittedResponse, TRADE_SUBMITTED),
        (schemas.RateSubscriptionCreatedResponse, SUBSCRIPTION_CREATED),
        (schemas.RateUpdatedEvent, RATE_UPDATED),
        (schemas.ErrorResponse, ERROR),
    ):
        assert WireJSON(model.model_validate(loads(text))).body == text.encode(), model.__name__


async def test_the_schemas_refuse_what_the_api_never_answers(client):
    spec = await served(client)
    assert not validator(spec, "TradeSubmittedResponse").is_valid({"success": True, "message": "x"})
    assert not validator(spec, "ErrorResponse").is_valid({"success": True, "message": "x"})
    assert not validator(spec, "TradeOut").is_valid({**loads(TRADE_SUBMITTED)["data"], "status": "lost"})
