"""The OpenAPI document the Trustap surface serves (/trustap/api/v1/openapi.json): its security
schemes and each operation's requirement, request bodies (JSON, and forms for OAuth2), the error
envelope on every operation, the examples (each valid against its own schema), and agreement with
the public Trustap OpenAPI description where both describe the same thing: operation ids, tags,
and the types of shared response fields, apart from the deviations docs/escrow.md lists."""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from peerx.products.escrow import oauth
from tests.fixtures.factories.escrow import TP
from tests.products.escrow.test_openapi import SPEC_PATH, load_spec

ROOT = "urn:served-openapi"
# Where the document and the spec disagree, the document wins (docs/escrow.md, "Decisions").
DEVIATIONS = {
    ("BasicTransaction", "buyer_id"),  # int64 in the document, a UUID string in the spec
    ("BasicTransaction", "seller_id"),
    ("BasicTransaction", "complaint"),  # a string in the document, an object in the spec
    ("P2PTransaction", "buyer_id"),
    ("P2PTransaction", "seller_id"),
    ("P2PTransaction", "complaint"),
    ("User", "name"),  # the document's User: a string
}
# Changes that are their own retry (the same values set again): no Idempotency-Key, as before.
SETTERS = {
    "/me/personal",
    "/me/accept_tos",
    "/me/personal/set_active_country",
    "/notifications/{notification_id}/mark_as_read",
}
SAME_SCHEMAS = {
    "BasicTransaction": "basic.Transaction",
    "P2PTransaction": "p2p.Transaction",
    "Charge": "basic.Charge",
    "P2PCharge": "p2p.Charge",
    "Pricing": "p2p.Pricing",
    "Notification": "app_notifs.Notification",
    "User": "UserDetails",
    "Error": "Error",
    "Tracking": "Tracking",
    "Cancellation": "p2p.Cancellation",
    "BankAccount": "personal.BankAccount",
}


@pytest.fixture
async def served(client) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    resp = await client.get(f"{TP}/openapi.json")
    assert resp.status_code == 200
    document: dict[str, Any] = resp.json()
    return document


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


PUBLIC = ("/oauth2/", "/.well-known/")  # the login itself, and its metadata: no token


async def test_security_schemes(served):
    schemes = served["components"]["securitySchemes"]
    flow = schemes["OAuth2"]["flows"]["authorizationCode"]
    assert schemes["OAuth2"]["type"] == "oauth2"
    assert flow["authorizationUrl"] == f"{TP}/oauth2/authorize"
    assert flow["tokenUrl"] == flow["refreshUrl"] == f"{TP}/oauth2/token"
    assert set(flow["scopes"]) == set(oauth.SCOPES)
    assert schemes["APIKey"] == {"type": "http", "scheme": "basic", "description": schemes["APIKey"]["description"]}
    for method, path, op in operations(served):
        if path.startswith(PUBLIC):
            assert "security" not in op, (method, path)
        elif path in ("/charge", "/p2p/charge"):
            assert op["security"] == [{"OAuth2": ["openid"]}, {"APIKey": []}], path
        else:
            assert op["security"] == [{"OAuth2": ["openid"]}], (method, path)


async def test_every_operation_documents_its_errors_and_bodies(served):
    assert len(operations(served)) == 68  # with OpenID discovery, the JWK Set and userinfo
    ids = [op["operationId"] for _, _, op in operations(served)]
    assert len(ids) == len(set(ids))
    for method, path, op in operations(served):
        default = op["responses"]["default"]["content"]["application/json"]["schema"]
        assert default == {"$ref": "#/components/schemas/Error"}, (method, path)
        assert op.get("summary") and op.get("tags"), (method, path)
        if path.startswith(PUBLIC):
            if method == "post":
                assert "application/x-www-form-urlencoded" in op["requestBody"]["content"], path
            continue
        for status in ("401", "403") if path not in ("/charge", "/p2p/charge") else ("401",):
            error = op["responses"][status]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}, (method, path, status)
        if op.get("parameters") or "requestBody" in op:
            assert "400" in op["responses"], (method, path)
        if "{transaction_id}" in path or "{listing_id}" in path or "{notification_id}" in path:
            assert "404" in op["responses"] and "invalid_id" in op["responses"]["400"]["description"], path
        if "requestBody" in op:
            body = op["requestBody"]["content"]["application/json"]["schema"]
            target = resolve(served, body if "$ref" in body else body["anyOf"][0])
            assert target["type"] == "object", (method, path)


async def test_idempotency_key_is_documented_on_every_change(served):
    for method, path, op in operations(served):
        if method not in ("post", "put") or path.startswith("/oauth2/") or path in SETTERS:
            continue
        names = [p["name"] for p in op.get("parameters", []) if p["in"] == "header"]
        assert "Idempotency-Key" in names, (method, path)


async def test_examples_hold_their_own_schemas(served):
    """Every example the document shows (models, request bodies) validates against its schema."""
    registry = Registry().with_resource(ROOT, Resource.from_contents(served, default_specification=DRAFT202012))
    checked = 0
    for name, schema in served["components"]["schemas"].items():
        for example in schema.get("examples", []):
            Draft202012Validator({"$ref": f"{ROOT}#/components/schemas/{name}"}, registry=registry).validate(example)
            checked += 1
    assert checked >= 25


async def test_the_spec_and_the_served_document_agree(served):
    spec = load_spec()
    if spec is None:
        pytest.skip(f"{SPEC_PATH} not present")
    raw = __import__("yaml").safe_load(SPEC_PATH.read_text())

    def key(path: str) -> str:
        return re.sub(r"\{[^}]+\}", "{}", path)

    spec_ops = {(key(p.removeprefix("/api/v1")), m): op for p, ops in raw["paths"].items() for m, op in ops.items()}
    shared = 0
    for method, path, op in operations(served):
        theirs = spec_ops.get((key(path), method))
        if theirs is None:
            continue
        shared += 1
        assert op["operationId"] == theirs["operationId"], (method, path)
        assert op["tags"] == theirs["tags"], (method, path)
    assert shared == 35  # 32, and the payment-method operations (docs/escrow.md)

    def kind(node: dict[str, Any], components: dict[str, Any]) -> Any:
        while "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[1]]
        return node.get("type", "object"), node.get("format")

    ours, specs = served["components"]["schemas"], raw["components"]["schemas"]
    for name, spec_name in SAME_SCHEMAS.items():
        for field, schema in ours[name]["properties"].items():
            theirs = specs[spec_name].get("properties", {}).get(field)
            if theirs is None or (name, field) in DEVIATIONS:
                continue
            assert kind(schema, ours) == kind(theirs, specs), (name, field, schema, theirs)
        missing = set(specs[spec_name].get("required", [])) - set(ours[name]["properties"])
        assert missing <= {"bank_name"}, (name, missing)  # BankAccount: see docs/escrow.md "Not built"
