"""POST clients/request_payment: every rule of the document's params and Formatting sections,
through HTTP. A refused request leaves nothing behind (no rows, transfers, events, jobs)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from peerx.ops.remittances import actions as remittance_ops
from tests.fixtures.factories.remittances import (
    PEEX,
    SAMPLE,
    auth,
    body,
    count_rows,
    create_partner,
    fund,
    pay,
    request_of,
    set_partner,
    solde,
    wire,
)

REQUEST_FIELDS = [
    "id",
    "amount",
    "status",
    "from_currency",
    "to_currency",
    "created_at",
    "updated_at",
    "payment_proof",
    "identifier_by",
    "track_id",
]


@pytest.fixture
async def funded(platform, partner):
    await fund(platform, partner["id"], 10_000_000, livemode=False)
    return partner


async def test_the_documents_sample_is_accepted_as_shown(client, funded, test_key):
    resp = await pay(client, test_key)
    assert resp.status_code == 200, resp.text
    created = wire(resp)
    assert list(created) == ["request"]
    request = created["request"]
    assert list(request) == REQUEST_FIELDS  # as the sample: no "type" here (the list shows it)
    assert isinstance(request["id"], int)
    assert '"amount":10,' in resp.text
    assert (request["status"], request["from_currency"], request["to_currency"]) == ("new", "XAF", "XAF")
    assert request["payment_proof"] is None
    assert (request["identifier_by"], request["track_id"]) == ("+237675287689", "TEST202103019")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", request["created_at"])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        # the beneficiary: email or mobile_phone
        ({"mobile_phone": None}, "email"),
        ({"mobile_phone": None, "email": "not-an-email"}, "email"),
        ({"mobile_phone": None, "email": "user@localhost"}, "email"),
        ({"mobile_phone": "237675287689"}, "mobile_phone"),  # no country code +
        ({"mobile_phone": "+237 675 28 76 89"}, "mobile_phone"),  # spaces
        ({"mobile_phone": "+237-675287689"}, "mobile_phone"),  # hyphens
        ({"mobile_phone": "675287689"}, "mobile_phone"),
        ({"mobile_phone": "+23767528768"}, "mobile_phone"),  # 8 digits after +237
        ({"mobile_phone": "+233241234567"}, "mobile_phone"),  # Ghana: payments go to Cameroon
        ({"mobile_phone": "+237665287689"}, "mobile_phone"),  # Nexttel: no MTN or Orange wallet
        ({"mobile_phone": "+237222123456"}, "mobile_phone"),  # a fixed line
        ({"mobile_phone": 237675287689}, "mobile_phone"),
        # amount
        ({"amount": None}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": 0}, "amount"),
        ({"amount": -10}, "amount"),
        ({"amount": "10.5"}, "amount"),  # XAF has no decimals
        ({"amount": True}, "amount"),
        ({"amount": 10**13}, "amount"),
        ({"from_currency": "USD", "fxrate": "655.34", "amount": "1.001"}, "amount"),
        ({"from_currency": "USD", "fxrate": "0.001", "amount": "0.10"}, "amount"),  # 0.0001 XAF
        # currencies: upper-case ISO 4217, paid in XAF
        ({"from_currency": None}, "from_currency"),
        ({"from_currency": "xaf"}, "from_currency"),
        ({"from_currency": "EURO"}, "from_currency"),
        ({"from_currency": "ZZZ"}, "from_currency"),
        ({"to_currency": "xaf"}, "to_currency"),
        ({"to_currency": "USD"}, "to_currency"),
        # fxrate
        ({"from_currency": "USD", "fxrate": None}, "fxrate"),
        ({"from_currency": "EUR", "fxrate": 0}, "fxrate"),
        ({"from_currency": "EUR", "fxrate": "-655.957"}, "fxrate"),
        ({"from_currency": "EUR", "fxrate": "abc"}, "fxrate"),
        ({"fxrate": 2}, "fxrate"),  # XAF to XAF converts at 1
        # aml_cft must be true
        ({"aml_cft": None}, "aml_cft"),
        ({"aml_cft": False}, "aml_cft"),
        ({"aml_cft": 0}, "aml_cft"),
        ({"aml_cft": "false"}, "aml_cft"),
        ({"aml_cft": "yes"}, "aml_cft"),
        ({"aml_cft": 2}, "aml_cft"),
        # the sender
        ({"sender_email": "raoulsigne(at)yahoo.fr"}, "sender_email"),
        ({"sender_mobile_phone": None}, "sender_mobile_phone"),
        ({"sender_mobile_phone": "675287689"}, "sender_mobile_phone"),
        ({"sender_mobile_phone": "+33 6 12 34 56 78"}, "sender_mobile_phone"),
        ({"sender_first_name": "x" * 101}, "sender_first_name"),
        ({"sender_country": None}, "sender_country"),
        ({"sender_country": "cm"}, "sender_country"),
        ({"sender_country": "CMR"}, "sender_country"),
        ({"sender_country": "XX"}, "sender_country"),
        # the beneficiary's side
        ({"first_name": "x" * 101}, "first_name"),
        ({"to_country": None}, "to_country"),
        ({"to_country": "GH"}, "to_country"),  # the inbound API sends to Cameroon
        ({"to_country": "Cameroon"}, "to_country"),
        # conformity
        ({"purpose": None}, "purpose"),
        ({"purpose": "  "}, "purpose"),
        ({"fund_origin": None}, "fund_origin"),
        ({"fund_origin": ["Salary"]}, "fund_origin"),
        # the partner's reference
        ({"track_id": None}, "track_id"),
        ({"track_id": ""}, "track_id"),
        ({"track_id": "T" * 101}, "track_id"),
        ({"transaction_type": "bank"}, "transaction_type"),
    ],
)
async def test_each_field_rule_is_a_422_naming_the_field(client, platform, funded, test_key, overrides, field):
    before = await count_rows(platform)
    resp = await pay(client, test_key, **overrides)
    assert resp.status_code == 422, resp.text
    error = resp.json()
    assert error["status"] == 422 and error["error"] == "invalid_field" and error["field"] == field
    assert error["message"].startswith(field)
    assert await count_rows(platform) == before
    assert await solde(client, test_key) == Decimal("10000000.0")


@pytest.mark.parametrize("aml_cft", [True, 1, "true", "1", "TRUE"])
async def test_aml_cft_true_in_every_spelling(client, funded, test_key, aml_cft):
    resp = await pay(client, test_key, aml_cft=aml_cft)
    assert resp.status_code == 200, resp.text


async def test_aml_cft_message(client, funded, test_key):
    resp = await pay(client, test_key, aml_cft=False)
    assert resp.json()["message"] == ("aml_cft must be true: the transaction is only considered when aml_cft is true")


async def test_body_must_be_a_json_object(client, funded, test_key):
    for content in (b"track_id=1", b"[1, 2]", b""):
        resp = await client.post(f"{PEEX}/clients/request_payment", content=content, headers=auth(test_key))
        assert resp.status_code == 422 and resp.json()["field"] == "body"


async def test_to_currency_defaults_to_xaf_and_optional_fields_may_be_absent(client, funded, test_key):
    resp = await pay(
        client,
        test_key,
        to_currency=None,
        fxrate=None,
        transaction_type=None,
        user_id=None,
        client_id=None,
        sender_email=None,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["request"]["to_currency"] == "XAF"


async def test_numbers_may_come_as_strings(client, funded, test_key):
    resp = await pay(client, test_key, amount="250", fxrate="1", aml_cft="1")
    assert resp.status_code == 200 and resp.json()["request"]["amount"] == 250


@pytest.mark.parametrize(
    ("from_currency", "amount", "fxrate", "to_amount"),
    [
        ("USD", "6789.23", "655.34", 4449254),  # 4449253.9882 -> 4449254
        ("EUR", "5", "0.5", 3),  # 2.5 -> 3: half up, never to even
        ("EUR", "3", "0.5", 2),  # 1.5 -> 2
        ("EUR", "2.49", "1", 2),  # 2.49 -> 2
        ("EUR", "100", "655.957", 65596),  # 65595.7 -> 65596
        ("XAF", "1500", "1", 1500),
    ],
)
async def test_to_amount_is_amount_times_fxrate_rounded_half_up_to_xaf(
    client, platform, funded, test_key, from_currency, amount, fxrate, to_amount
):
    await set_partner(platform, funded["id"], max_amount="5000000")
    resp = await pay(client, test_key, from_currency=from_currency, amount=amount, fxrate=fxrate)
    assert resp.status_code == 200, resp.text
    request = wire(resp)["request"]
    assert request["amount"] == Decimal(amount) and request["from_currency"] == from_currency
    assert request["to_currency"] == "XAF"
    # the hold on the solde is to_amount (fees are 0 here)
    assert await solde(client, test_key) == Decimal(10_000_000 - to_amount).quantize(Decimal("0.1"))
    async with platform.db.transaction() as session:
        view = await remittance_ops.show(platform, session, transaction_id=request["id"])
    assert view["to_amount"] == to_amount and view["fxrate"] == Decimal(fxrate)


async def test_the_fee_follows_the_network_of_the_number(client, platform, funded, test_key):
    await set_partner(platform, funded["id"], mtn_fee="500", orange_fee="300")
    mtn = await pay(client, test_key, track_id="MTN-1", amount=1000, mobile_phone="+237675287689")
    assert await solde(client, test_key) == Decimal("9998500.0")  # 1000 + 500 MTN fee
    orange = await pay(client, test_key, track_id="ORA-1", amount=1000, mobile_phone="+237695287689")
    assert await solde(client, test_key) == Decimal("9997200.0")  # 1000 + 300 Orange fee
    async with platform.db.transaction() as session:
        views = [
            await remittance_ops.show(platform, session, transaction_id=r.json()["request"]["id"])
            for r in (mtn, orange)
        ]
    assert [(v["network"], v["fee"]) for v in views] == [("mtn", 500), ("orange", 300)]


async def test_sender_names_are_required_on_the_senders_first_transaction_only(client, platform, funded, test_key):
    newcomer = {"sender_mobile_phone": "+33612345678", "sender_country": "FR"}
    before = await count_rows(platform)
    for missing in ("sender_first_name", "sender_last_name"):
        resp = await pay(client, test_key, track_id="S-0", **newcomer, **{missing: None})
        assert resp.status_code == 422 and resp.json()["field"] == missing
        assert "first transaction" in resp.json()["message"]
    assert await count_rows(platform) == before
    assert (await pay(client, test_key, track_id="S-1", **newcomer)).status_code == 200
    again = await pay(client, test_key, track_id="S-2", sender_first_name=None, sender_last_name=None, **newcomer)
    assert again.status_code == 200, again.text
    # the same phone is a new sender for another partner
    other = await create_partner(platform, name="Other", email="o@example.com")
    await fund(platform, other["id"], 1000, livemode=False)
    resp = await pay(client, other["peex"]["test_secret_key"], track_id="S-3", sender_first_name=None, **newcomer)
    assert resp.status_code == 422 and resp.json()["field"] == "sender_first_name"


async def test_track_id_is_unique_per_partner(client, platform, funded, test_key):
    assert (await pay(client, test_key, track_id="T-1")).status_code == 200
    before = await count_rows(platform)
    again = await pay(client, test_key, track_id="T-1", amount=20)
    assert again.status_code == 422
    assert again.json() == {
        "status": 422,
        "error": "invalid_field",
        "message": "track_id has already been taken",
        "field": "track_id",
    }
    assert await count_rows(platform) == before
    other = await create_partner(platform, name="Other", email="o@example.com")
    await fund(platform, other["id"], 1000, livemode=False)
    assert (await pay(client, other["peex"]["test_secret_key"], track_id="T-1")).status_code == 200


async def test_unknown_platform_user_by_email_is_404(client, platform, funded, test_key):
    before = await count_rows(platform)
    resp = await pay(client, test_key, mobile_phone=None, email="nobody@example.com")
    assert resp.status_code == 404
    assert resp.json() == {
        "status": 404,
        "error": "not_found",
        "message": "The given user is not found in peex platform.",
        "field": None,
    }
    assert await count_rows(platform) == before


async def test_a_platform_user_is_paid_by_email(client, platform, funded, test_key, live_key, run_jobs):
    async with platform.db.transaction() as session:
        user = await remittance_ops.set_beneficiary(
            platform,
            session,
            email="Ama.Ngo@Example.com",
            mobile_phone="+237 6 99 12 34 56",
            first_name="Ama",
            last_name="Ngo",
            livemode=False,
        )
    assert user["mobile_phone"] == "+237699123456" and user["network"] == "orange"
    resp = await pay(client, test_key, mobile_phone=None, email="ama.ngo@example.com", track_id="E-1")
    assert resp.status_code == 200, resp.text
    assert resp.json()["request"]["identifier_by"] == "ama.ngo@example.com"
    await run_jobs()
    assert (await request_of(client, test_key, "E-1"))["status"] == "paid"
    async with platform.db.transaction() as session:
        view = await remittance_ops.show(platform, session, transaction_id=resp.json()["request"]["id"])
    assert (view["mobile_phone"], view["network"]) == ("+237699123456", "orange")
    # the live registry is another one
    live = await pay(client, live_key, mobile_phone=None, email="ama.ngo@example.com", track_id="E-2")
    assert live.status_code == 404


async def test_both_email_and_phone_pay_the_phone(client, funded, test_key):
    resp = await pay(client, test_key, email="nobody@example.com")
    assert resp.status_code == 200 and resp.json()["request"]["identifier_by"] == "+237675287689"


async def test_idempotency_key_replays_and_refuses_another_body(client, platform, funded, test_key):
    headers = {**auth(test_key), "Idempotency-Key": "pay-1"}
    first = await client.post(f"{PEEX}/clients/request_payment", json=SAMPLE, headers=headers)
    second = await client.post(f"{PEEX}/clients/request_payment", json=SAMPLE, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() and second.headers["idempotent-replayed"] == "true"
    assert await solde(client, test_key) == Decimal("9999990.0")  # held once
    other = await client.post(f"{PEEX}/clients/request_payment", json=body(amount=11), headers=headers)
    assert other.status_code == 422 and other.json()["error"] == "idempotency_mismatch"
