"""Every error code the spec lists for the endpoints we serve, triggered over HTTP in the situation
the spec means: the status, the body {"code", "error"} (checked against the spec's Error schema
where the spec gives one for that answer), and nothing written: transactions, listings,
notifications, events, jobs, ledger accounts and transfers, payouts and idempotency keys are as
they were before the request. docs/escrow.md "Error codes per endpoint" lists these cases, and
the codes that cannot arise here with the reason."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import inspect, select

from peerx.core.clock import clock
from peerx.core.events import Event
from peerx.core.idempotency import IdempotencyRecord
from peerx.core.jobs import Job
from peerx.core.ledger import LedgerAccount, LedgerTransfer
from peerx.ops.escrow import actions as escrow_ops
from peerx.platform import Platform
from peerx.products.escrow.models import (
    EscrowListing,
    EscrowNotification,
    EscrowP2PTransaction,
    EscrowPayout,
    EscrowTransaction,
    EscrowUser,
)
from peerx.rails.payins import PayinUnavailable, SandboxPayins
from tests.fixtures.factories.escrow import (
    TP,
    Person,
    delivered_tx,
    joined_tx,
    new_tx,
    op,
    paid_tx,
    person,
    post,
)
from tests.products.escrow.test_openapi import described_schema, load_spec, validate
from tests.products.escrow.test_p2p import P2P, accepted, joined, new_p2p, price, remainder_paid, step

Request = Callable[[], Awaitable[httpx.Response]]


@dataclass
class World:
    client: httpx.AsyncClient
    platform: Platform
    seller: Person
    buyer: Person
    stranger: Person
    monkeypatch: pytest.MonkeyPatch


Scenario = Callable[[World], Awaitable[Request]]
CASES: list[Any] = []
WHEN: dict[str, str] = {}  # test id -> the situation, for the table in docs/escrow.md


def case(endpoint: str, code: str, status: int = 400, when: str = "", tag: str = "") -> Callable[[Scenario], Scenario]:
    """Register a scenario: it sets the state up and returns the one request that must fail.
    `when` (or the scenario's docstring) says the situation."""

    def register(scenario: Scenario) -> Scenario:
        test_id = f"{endpoint} {code}{tag}"
        CASES.append(pytest.param(endpoint, code, status, scenario, id=test_id))
        WHEN[test_id] = when or " ".join((scenario.__doc__ or "").split())
        return scenario

    return register


def simple(
    endpoint: str,
    code: str,
    status: int,
    make: Callable[[World], Awaitable[httpx.Response]],
    when: str,
    tag: str = "",
) -> None:
    """A case that needs no state beyond the users."""

    async def scenario(w: World) -> Request:
        return lambda: make(w)

    case(endpoint, code, status, when, tag)(scenario)


@pytest.fixture
async def world(client, platform, seller, buyer, oauth_client, monkeypatch) -> World:  # type: ignore[no-untyped-def]
    stranger = await person(platform, oauth_client, "stranger@example.com")
    return World(client, platform, seller, buyer, stranger, monkeypatch)


TABLES = (
    EscrowUser,
    EscrowTransaction,
    EscrowP2PTransaction,
    EscrowListing,
    EscrowNotification,
    EscrowPayout,
    Event,
    Job,
    LedgerAccount,
    LedgerTransfer,
    IdempotencyRecord,
)


async def snapshot(platform: Platform) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table a step may write, column by column."""
    state: dict[str, list[dict[str, Any]]] = {}
    async with platform.db.transaction() as session:
        for model in TABLES:
            columns = [c.key for c in inspect(model).mapper.column_attrs]
            rows = (await session.scalars(select(model))).all()
            state[model.__tablename__] = sorted(
                ({c: getattr(row, c) for c in columns} for row in rows), key=lambda r: repr(sorted(r.items()))
            )
    return state


# ====================================================================== the charge quotes

for prefix, template in (("", "/charge"), ("/p2p", "/p2p/charge")):
    for quote_code, params in (
        ("currency_missing", {"price": "1234"}),
        ("invalid_price", {"price": "12.5", "currency": "usd"}),
        ("negative_price", {"price": "-1", "currency": "usd"}),
        ("price_too_low", {"price": "99", "currency": "usd"}),
        ("unsupported_currency", {"price": "1234", "currency": "xyz"}),
        ("invalid_charge_config", {"price": "1234", "currency": "usd", "charge_config": "7"}),
        ("unsupported_combination", {"price": "1234", "currency": "usd", "payment_method": "bank_transfer"}),
    ):
        simple(
            f"GET {template}",
            quote_code,
            400,
            lambda w, p=prefix, q=params: w.client.get(f"{TP}{p}/charge", params=q, headers=w.seller.h),
            "query " + ", ".join(f"{k}={v}" for k, v in params.items()),
        )

# ====================================================================== lists

for template, path, codes in (
    ("/me/transactions", "/me/transactions", ("invalid_before_id", "invalid_after_id", "invalid_limit")),
    ("/me/notifications", "/me/notifications", ("invalid_before_id", "invalid_after_id", "invalid_limit")),
    (
        "/p2p/me/transactions",
        "/p2p/me/transactions",
        ("invalid_before_id", "invalid_after_id", "invalid_limit", "excessive_limit"),
    ),
):
    for list_code in codes:
        query = {
            "invalid_before_id": {"before_id": "abc"},
            "invalid_after_id": {"after_id": "-1"},
            "invalid_limit": {"limit": "0"},
            "excessive_limit": {"limit": "51"},
        }[list_code]
        simple(
            f"GET {template}",
            list_code,
            400,
            lambda w, p=path, q=query: w.client.get(f"{TP}{p}", params=q, headers=w.seller.h),
            "query " + ", ".join(f"{k}={v}" for k, v in query.items()),
        )

# A limit above 50 is invalid_limit online (the spec has excessive_limit only for p2p).
simple(
    "GET /me/transactions",
    "invalid_limit",
    400,
    lambda w: w.client.get(f"{TP}/me/transactions", params={"limit": "51"}, headers=w.seller.h),
    "query limit=51",
    tag=" (limit 51)",
)

# ====================================================================== creating

ONLINE = {"role": "seller", "currency": "usd", "price": 1234, "description": "Ticket", "charge": 62}
DEPOSIT = {"role": "seller", "currency": "usd", "description": "Bike", "deposit_price": 1000, "deposit_charge": 50}

for create_code, change in (
    ("incorrect_calc_version", {"charge_calculator_version": 2}),
    ("incorrect_charge", {"charge": 61}),
    ("incorrect_charge_seller", {"charge_seller": 5}),
    ("invalid_calc_version", {"charge_calculator_version": 0}),
    ("negative_price", {"price": -5}),
    ("price_too_low", {"price": 99, "charge": 5}),
    ("invalid_charge_config", {"charge_config": 9}),
):
    simple(
        "POST /me/transactions",
        create_code,
        400,
        lambda w, c=change: w.client.post(
            f"{TP}/me/transactions", json={**ONLINE, "charge_calculator_version": 1, **c}, headers=w.seller.h
        ),
        "price 1234, charge 62, version 1, but " + ", ".join(f"{k} {v}" for k, v in change.items()),
    )
    p2p_change = {
        ("deposit_" + k if k in ("price", "charge", "charge_seller", "charge_config") else k): v
        for k, v in change.items()
    }
    simple(
        "POST /p2p/me/transactions",
        create_code,
        400,
        lambda w, c=p2p_change: w.client.post(
            f"{P2P}/me/transactions", json={**DEPOSIT, "charge_calculator_version": 1, **c}, headers=w.seller.h
        ),
        "deposit_price 1000, deposit_charge 50, version 1, but " + ", ".join(f"{k} {v}" for k, v in p2p_change.items()),
    )

# ====================================================================== online: joining and reading

simple(
    "GET /transactions",
    "join_code_missing",
    400,
    lambda w: w.client.get(f"{TP}/transactions", headers=w.buyer.h),
    "no join_code in the query",
)
simple(
    "PUT /transactions",
    "join_code_missing",
    400,
    lambda w: w.client.put(f"{TP}/transactions", headers=w.buyer.h),
    "no join_code in the query",
)
simple(
    "GET /transactions",
    "not_found",
    404,
    lambda w: w.client.get(f"{TP}/transactions", params={"join_code": "nope"}, headers=w.buyer.h),
    "no transaction has this join code (in this mode)",
)


def join(w: World, code: str, who: Person) -> Awaitable[httpx.Response]:
    return w.client.put(f"{TP}/transactions", params={"join_code": code}, headers=who.h)


@case("PUT /transactions", "cannot_join_own_transaction")
async def _join_own(w: World) -> Request:
    """The creator joins their own transaction."""
    tx = await new_tx(w.client, w.seller)
    return lambda: join(w, tx["join_code"], w.seller)


@case("PUT /transactions", "already_cancelled")
async def _join_cancelled(w: World) -> Request:
    """The transaction was cancelled."""
    tx = await new_tx(w.client, w.seller)
    assert (await post(w.client, w.seller, tx["id"], "cancel")).status_code == 200
    return lambda: join(w, tx["join_code"], w.buyer)


@case("PUT /transactions", "not_found", 404)
async def _join_twice(w: World) -> Request:
    """A third user; the buyer already joined (a used code answers as an unknown one)."""
    tx = await joined_tx(w.client, w.seller, w.buyer)
    return lambda: join(w, tx["join_code"], w.stranger)


simple(
    "GET /transactions/{transaction_id}",
    "invalid_id",
    400,
    lambda w: w.client.get(f"{TP}/transactions/abc", headers=w.seller.h),
    "the id is not an integer",
)


def someone_elses(prefix: str, make: Callable[[World], Awaitable[dict[str, Any]]]) -> None:
    @case(f"GET {prefix}/transactions/{{transaction_id}}", "not_found", 404)
    async def scenario(w: World) -> Request:
        """A user who is neither buyer nor seller."""
        tx = await make(w)
        return lambda: w.client.get(f"{TP}{prefix}/transactions/{tx['id']}", headers=w.stranger.h)


someone_elses("", lambda w: joined_tx(w.client, w.seller, w.buyer))
someone_elses("/p2p", lambda w: joined(w.client, w.seller, w.buyer))


# ====================================================================== online: one transaction

TRACK = {"carrier": "ups", "tracking_code": "1Z999"}


async def tracked_tx(w: World) -> dict[str, Any]:
    tx = await paid_tx(w.client, w.seller, w.buyer)
    assert (await post(w.client, w.seller, tx["id"], "track", TRACK)).status_code == 200
    return tx


async def cancelled_tx(w: World) -> dict[str, Any]:
    tx = await joined_tx(w.client, w.seller, w.buyer)
    assert (await post(w.client, w.seller, tx["id"], "cancel")).status_code == 200
    return tx


async def ended_early_tx(w: World) -> dict[str, Any]:
    tx = await delivered_tx(w.client, w.seller, w.buyer)
    assert (await post(w.client, w.buyer, tx["id"], "end_complaint_period")).status_code == 200
    return tx


async def complained_tx(w: World) -> dict[str, Any]:
    tx = await delivered_tx(w.client, w.seller, w.buyer)
    assert (await post(w.client, w.buyer, tx["id"], "complain")).status_code == 200
    return tx


async def expired_tx(w: World) -> dict[str, Any]:
    """Delivered, and the complaint period has passed (its job has not run yet)."""
    tx = await delivered_tx(w.client, w.seller, w.buyer)
    clock.advance(timedelta(hours=24, seconds=1))
    return tx


async def resolved_tx(w: World) -> dict[str, Any]:
    tx = await complained_tx(w)
    await op(w.platform, escrow_ops.resolve, transaction_id=tx["id"], outcome="release")
    return tx


States = dict[str, Callable[[World], Awaitable[dict[str, Any]]]]
ONLINE_STATES: States = {
    "created": lambda w: new_tx(w.client, w.seller),
    "joined": lambda w: joined_tx(w.client, w.seller, w.buyer),
    "paid": lambda w: paid_tx(w.client, w.seller, w.buyer),
    "tracked": tracked_tx,
    "delivered": lambda w: delivered_tx(w.client, w.seller, w.buyer),
    "cancelled": cancelled_tx,
    "ended_early": ended_early_tx,
    "complained": complained_tx,
    "expired": expired_tx,
    "resolved": resolved_tx,
}


ONLINE_TEXT = {
    "created": "created, nobody joined",
    "joined": "joined, not paid",
    "paid": "paid, not tracked",
    "tracked": "tracked, delivery not confirmed",
    "delivered": "delivered, complaint period running",
    "cancelled": "cancelled",
    "ended_early": "the buyer ended the complaint period (funds released)",
    "complained": "complained",
    "expired": "delivered, complaint period passed (its job not run yet)",
    "resolved": "complained, then released by the operator",
}


def online_case(
    path: str,
    code: str,
    state: str,
    who: str,
    body: Any = None,
    status: int = 400,
    *,
    before: Any = None,
    note: str = "",
) -> None:
    """POST /transactions/{id}/<path> by `who` on a transaction in `state` answers `code`."""
    when = f"the {who}; {note or ONLINE_TEXT[state]}"

    async def scenario(w: World) -> Request:
        tx = await ONLINE_STATES[state](w)
        if before is not None:
            before(w)
        person_ = getattr(w, who)
        return lambda: post(w.client, person_, tx["id"], path, body)

    case(f"POST /transactions/{{transaction_id}}/{path}", code, status, when)(scenario)


def past_tracking_deadline(w: World) -> None:
    clock.advance(timedelta(days=7, seconds=1))


for path, invalid_body in (
    ("cancel", None),
    ("track", TRACK),
    ("confirm_delivery", None),
    ("complain_with_description", {"complaint_description": "Broken"}),
    ("end_complaint_period", None),
):
    simple(
        f"POST /transactions/{{transaction_id}}/{path}",
        "invalid_id",
        400,
        lambda w, p=path, b=invalid_body: w.client.post(f"{TP}/transactions/abc/{p}", json=b, headers=w.seller.h),
        "the id in the path is not an integer",
    )

online_case("cancel", "already_paid", "paid", "seller")
online_case("cancel", "already_cancelled", "cancelled", "buyer")
online_case("cancel", "tracking_already_added", "tracked", "seller")

online_case("track", "empty_carrier", "paid", "seller", {"carrier": " ", "tracking_code": "1Z"}, note="carrier blank")
online_case(
    "track",
    "empty_tracking_code",
    "paid",
    "seller",
    {"carrier": "ups", "tracking_code": ""},
    note="tracking_code blank",
)
online_case("track", "tracking_already_added", "tracked", "seller", TRACK)
online_case("track", "payment_details_not_added", "joined", "seller", TRACK)
online_case(
    "track",
    "tracking_details_deadline_expired",
    "paid",
    "seller",
    TRACK,
    before=past_tracking_deadline,
    note="paid, tracking deadline passed (its job not run yet)",
)
online_case("track", "already_cancelled", "cancelled", "seller", TRACK)
online_case("track", "not_seller", "paid", "buyer", TRACK, 403)

online_case("confirm_delivery", "tracking_not_added", "paid", "buyer")
online_case("confirm_delivery", "delivery_already_set", "delivered", "buyer")
online_case("confirm_delivery", "not_buyer", "tracked", "seller", status=403)

DESCRIBED = {"complaint_description": "Broken"}
online_case(
    "complain_with_description",
    "empty_complaint_description",
    "delivered",
    "buyer",
    {"complaint_description": " "},
    note="complaint_description blank",
)
online_case("complain_with_description", "already_complained", "complained", "buyer", DESCRIBED)
online_case("complain_with_description", "unconfirmed_delivery", "tracked", "buyer", DESCRIBED)
online_case("complain_with_description", "complaint_period_ended_prematurely", "ended_early", "buyer", DESCRIBED)
online_case("complain_with_description", "complaint_period_expired", "expired", "buyer", DESCRIBED)
online_case("complain_with_description", "funds_already_released", "resolved", "buyer", DESCRIBED)
online_case("complain_with_description", "not_buyer", "delivered", "seller", DESCRIBED, 403)

online_case("end_complaint_period", "complaint_period_expired", "expired", "buyer")
online_case("end_complaint_period", "already_complained", "complained", "buyer")
online_case("end_complaint_period", "complaint_period_ended_prematurely", "ended_early", "buyer")
online_case("end_complaint_period", "unconfirmed_delivery", "tracked", "buyer")
online_case("end_complaint_period", "not_buyer", "delivered", "seller", status=403)

online_case("accept_complaint", "funds_already_released", "resolved", "seller")
online_case("accept_complaint", "not_paid", "joined", "seller")
online_case("accept_complaint", "not_complained", "delivered", "seller")
online_case("accept_complaint", "not_seller", "complained", "buyer", status=403)


@case("GET /transactions/{transaction_id}/buyer_details", "not_found", 404)
async def _no_buyer_yet(w: World) -> Request:
    """The seller; nobody has joined yet."""
    tx = await new_tx(w.client, w.seller)
    return lambda: w.client.get(f"{TP}/transactions/{tx['id']}/buyer_details", headers=w.seller.h)


# ====================================================================== notifications


async def _others_notification(w: World) -> int:
    await joined_tx(w.client, w.seller, w.buyer)  # tells the seller
    notes = (await w.client.get(f"{TP}/me/notifications", headers=w.seller.h)).json()
    return int(notes[0]["id"])


@case("GET /notifications/{notification_id}", "not_found", 404)
async def _read_others_note(w: World) -> Request:
    """Another user's notification."""
    note = await _others_notification(w)
    return lambda: w.client.get(f"{TP}/notifications/{note}", headers=w.buyer.h)


@case("POST /notifications/{notification_id}/mark_as_read", "not_found", 404)
async def _mark_others_note(w: World) -> Request:
    """Another user's notification."""
    note = await _others_notification(w)
    return lambda: w.client.post(f"{TP}/notifications/{note}/mark_as_read", headers=w.buyer.h)


# ====================================================================== p2p


def _card_network_silent(w: World) -> None:
    """The next charge gets no answer: the payment stays in flight (the spec's "in review")."""

    async def silent(self: SandboxPayins, **kwargs: Any) -> Any:
        raise PayinUnavailable("timeout")

    w.monkeypatch.setattr(SandboxPayins, "charge", silent)


async def p2p_deposit_in_flight(w: World) -> dict[str, Any]:
    tx = await joined(w.client, w.seller, w.buyer)
    _card_network_silent(w)
    pending = await step(w.client, w.buyer, tx["id"], "pay_deposit", {"stripe_charge_token": "tok_visa"})
    assert pending.json()["code"] == "payment_pending", pending.text
    return dict(tx)


async def p2p_remainder_in_flight(w: World) -> dict[str, Any]:
    tx = await accepted(w.client, w.seller, w.buyer)
    assert (await price(w.client, w.seller, tx["id"], 5000)).status_code == 200
    _card_network_silent(w)
    pending = await step(w.client, w.buyer, tx["id"], "pay_remainder", {"stripe_charge_token": "tok_visa"})
    assert pending.json()["code"] == "payment_pending", pending.text
    return dict(tx)


async def p2p_deposit_paid(w: World) -> dict[str, Any]:
    tx = await joined(w.client, w.seller, w.buyer)
    assert (
        await step(w.client, w.buyer, tx["id"], "pay_deposit", {"stripe_charge_token": "tok_visa"})
    ).status_code == 200
    return dict(tx)


async def p2p_deposit_refunded(w: World) -> dict[str, Any]:
    """The seller cancelled after the deposit was paid: the deposit went back."""
    tx = await p2p_deposit_paid(w)
    cancelled = await step(w.client, w.seller, tx["id"], "cancel_with_description", {"description": "Sold"})
    assert cancelled.json()["deposit_refunded"], cancelled.text
    return tx


async def p2p_priced(w: World) -> dict[str, Any]:
    tx = await accepted(w.client, w.seller, w.buyer)
    assert (await price(w.client, w.seller, tx["id"], 5000)).status_code == 200
    return dict(tx)


async def p2p_skipped(w: World) -> dict[str, Any]:
    tx = await accepted(w.client, w.seller, w.buyer)
    assert (await step(w.client, w.seller, tx["id"], "skip_remainder")).status_code == 200
    return dict(tx)


async def p2p_cancelled(w: World) -> dict[str, Any]:
    tx = await joined(w.client, w.seller, w.buyer)
    assert (
        await step(w.client, w.seller, tx["id"], "cancel_with_description", {"description": "Sold"})
    ).status_code == 200
    return dict(tx)


async def p2p_confirmed_by(w: World, who: str) -> dict[str, Any]:
    tx = await remainder_paid(w.client, w.seller, w.buyer)
    assert (await step(w.client, getattr(w, who), tx["id"], "confirm_handover")).status_code == 200
    return dict(tx)


async def p2p_handed_over(w: World) -> dict[str, Any]:
    tx = await p2p_confirmed_by(w, "seller")
    assert (await step(w.client, w.buyer, tx["id"], "confirm_handover")).status_code == 200
    return tx


async def p2p_complained(w: World) -> dict[str, Any]:
    tx = await remainder_paid(w.client, w.seller, w.buyer)
    assert (
        await step(w.client, w.buyer, tx["id"], "complain", {"complaint_description": "Wrong bike"})
    ).status_code == 200
    return dict(tx)


async def p2p_expired(w: World) -> dict[str, Any]:
    tx = await p2p_handed_over(w)
    clock.advance(timedelta(hours=24, seconds=1))
    return tx


async def p2p_released(w: World) -> dict[str, Any]:
    tx = await p2p_complained(w)
    await op(w.platform, escrow_ops.resolve, transaction_id=tx["id"], outcome="release", p2p=True)
    return tx


P2P_STATES: States = {
    "created": lambda w: new_p2p(w.client, w.seller),
    "joined": lambda w: joined(w.client, w.seller, w.buyer),
    "deposit_in_flight": p2p_deposit_in_flight,
    "deposit_paid": p2p_deposit_paid,
    "accepted": lambda w: accepted(w.client, w.seller, w.buyer),
    "remainder_in_flight": p2p_remainder_in_flight,
    "remainder_paid": lambda w: remainder_paid(w.client, w.seller, w.buyer),
    "seller_confirmed": lambda w: p2p_confirmed_by(w, "seller"),
    "buyer_confirmed": lambda w: p2p_confirmed_by(w, "buyer"),
    "handed_over": p2p_handed_over,
    "complained": p2p_complained,
    "expired": p2p_expired,
    "released": p2p_released,
    "cancelled": p2p_cancelled,
    "deposit_refunded": p2p_deposit_refunded,
    "priced": p2p_priced,
    "skipped": p2p_skipped,
}


P2P_TEXT = {
    "created": "created, nobody joined",
    "joined": "joined, deposit not paid",
    "deposit_in_flight": "deposit charge sent, card network has not answered",
    "deposit_paid": "deposit paid, not accepted",
    "accepted": "deposit accepted, no price",
    "priced": "price set",
    "skipped": "remainder skipped",
    "remainder_in_flight": "remainder charge sent, card network has not answered",
    "remainder_paid": "remainder paid, no handover confirmed",
    "seller_confirmed": "the seller confirmed the handover",
    "buyer_confirmed": "the buyer confirmed the handover",
    "handed_over": "both confirmed the handover",
    "complained": "complained",
    "expired": "handover confirmed, complaint period passed (its job not run yet)",
    "released": "complained, then released by the operator",
    "cancelled": "cancelled",
    "deposit_refunded": "cancelled by the seller after the deposit was paid (deposit refunded)",
}


def p2p_case(
    path: str,
    code: str,
    state: str,
    who: str,
    body: Any = None,
    status: int = 400,
    *,
    spec_path: str = "",
    note: str = "",
) -> None:
    when = f"the {who}; {note or P2P_TEXT[state]}"

    async def scenario(w: World) -> Request:
        tx = await P2P_STATES[state](w)
        person_ = getattr(w, who)
        return lambda: step(w.client, person_, tx["id"], path, body)

    template = spec_path or f"/p2p/transactions/{{transaction_id}}/{path}"
    case(f"POST {template}", code, status, when)(scenario)


p2p_case("accept_deposit", "deposit_not_paid", "joined", "seller")
p2p_case("accept_deposit", "deposit_payment_in_review", "deposit_in_flight", "seller")
p2p_case("accept_deposit", "deposit_already_accepted", "accepted", "seller")
p2p_case("accept_deposit", "already_cancelled", "cancelled", "seller")
p2p_case("accept_deposit", "not_seller", "deposit_paid", "buyer", status=403)

REASON = {"description": "Changed my mind"}
p2p_case("cancel_with_description", "second_party_not_joined", "created", "seller", REASON)
p2p_case("cancel_with_description", "already_cancelled", "cancelled", "buyer", REASON)
p2p_case("cancel_with_description", "remainder_already_paid", "remainder_paid", "seller", REASON)
p2p_case("cancel_with_description", "handover_already_confirmed", "seller_confirmed", "buyer", REASON)

COMPLAINT = {"complaint_description": "Wrong bike"}
p2p_case("complain", "remainder_required", "accepted", "buyer", COMPLAINT)
p2p_case("complain", "already_complained", "complained", "buyer", COMPLAINT)
p2p_case("complain", "funds_already_released", "released", "buyer", COMPLAINT)
p2p_case("complain", "complaint_period_expired", "expired", "buyer", COMPLAINT)

p2p_case("confirm_handover", "remainder_required", "accepted", "seller")
p2p_case("confirm_handover", "already_complained", "complained", "seller")
p2p_case("confirm_handover", "seller_handover_already_confirmed", "seller_confirmed", "seller")
p2p_case("confirm_handover", "buyer_handover_already_confirmed", "buyer_confirmed", "buyer")
p2p_case("confirm_handover", "remainder_payment_in_review", "remainder_in_flight", "buyer")
p2p_case("confirm_handover", "already_cancelled", "cancelled", "buyer")

SET_PRICE = "/p2p/transactions/{transactionId}/set_price"
PRICE = {"currency": "usd", "price": 5000, "charge": 250, "charge_calculator_version": 1}
p2p_case(
    "set_price",
    "currency_mismatch",
    "accepted",
    "seller",
    {**PRICE, "currency": "eur"},
    spec_path=SET_PRICE,
    note="currency eur on a usd transaction",
)
p2p_case(
    "set_price",
    "remainder_too_low",
    "accepted",
    "seller",
    {**PRICE, "price": 1000, "charge": 50},
    spec_path=SET_PRICE,
    note="price 1000, not above the 1000 deposit",
)
p2p_case("set_price", "not_seller", "accepted", "buyer", PRICE, 403, spec_path=SET_PRICE)
p2p_case("set_price", "remainder_already_skipped", "skipped", "seller", PRICE, spec_path=SET_PRICE)

SKIP = "/p2p/transactions/{transactionId}/skip_remainder"
p2p_case("skip_remainder", "price_already_set", "priced", "seller", spec_path=SKIP)
p2p_case("skip_remainder", "not_seller", "accepted", "buyer", status=403, spec_path=SKIP)

p2p_case("accept_complaint", "funds_already_released", "released", "seller")
p2p_case("accept_complaint", "deposit_not_paid", "joined", "seller")
p2p_case("accept_complaint", "deposit_already_refunded", "deposit_refunded", "seller")
p2p_case("accept_complaint", "not_complained", "remainder_paid", "seller")
p2p_case("accept_complaint", "not_seller", "complained", "buyer", status=403)


@case("GET /p2p/transactions/{transactionId}/seller_details", "not_found", 404)
async def _p2p_no_seller_yet(w: World) -> Request:
    """The buyer (creator); no seller has joined yet."""
    tx = await new_p2p(w.client, w.buyer, role="buyer")
    return lambda: w.client.get(f"{P2P}/transactions/{tx['id']}/seller_details", headers=w.buyer.h)


def p2p_join(w: World, code: str, who: Person) -> Awaitable[httpx.Response]:
    return w.client.post(f"{P2P}/transactions_by_join_code/{code}/join", headers=who.h)


@case("POST /p2p/transactions_by_join_code/{join_code}/join", "cannot_join_own_transaction")
async def _p2p_join_own(w: World) -> Request:
    """The creator joins their own transaction."""
    tx = await new_p2p(w.client, w.seller)
    return lambda: p2p_join(w, tx["join_code"], w.seller)


@case("POST /p2p/transactions_by_join_code/{join_code}/join", "already_cancelled")
async def _p2p_join_rejected(w: World) -> Request:
    """The transaction was rejected by an invitee."""
    tx = await new_p2p(w.client, w.seller)
    rejected = await w.client.post(f"{P2P}/transactions_by_join_code/{tx['join_code']}/reject", headers=w.stranger.h)
    assert rejected.status_code == 200, rejected.text
    return lambda: p2p_join(w, tx["join_code"], w.buyer)


simple(
    "POST /p2p/transactions_by_join_code/{join_code}/join",
    "not_found",
    404,
    lambda w: p2p_join(w, "no-such-code", w.buyer),
    "no transaction has this join code",
)
simple(
    "GET /p2p/transactions_by_join_code/{join_code}",
    "not_found",
    404,
    lambda w: w.client.get(f"{P2P}/transactions_by_join_code/no-such-code", headers=w.buyer.h),
    "no transaction has this join code",
)


@case("GET /p2p/transactions/{transactionId}/buyer_details", "not_found", 404)
async def _p2p_no_buyer_yet(w: World) -> Request:
    """The seller; no buyer has joined yet."""
    tx = await new_p2p(w.client, w.seller)
    return lambda: w.client.get(f"{P2P}/transactions/{tx['id']}/buyer_details", headers=w.seller.h)


# ====================================================================== the credit account (the spec's debit_account)

BANK = {"account_number": "000123456789", "country_code": "US", "currency": "usd", "routing_number": "110000000"}
for account_code, account_body, account_when in (
    ("parameter_missing", {}, "no type"),
    ("invalid_account_type", {"type": "cheque"}, "type cheque"),
    ("bank_details_missing", {"type": "bank"}, "type bank without bank_details"),
    ("account_number_invalid", {"type": "bank", "bank_details": {**BANK, "account_number": "x"}}, "account number x"),
    ("routing_number_invalid", {"type": "bank", "bank_details": {**BANK, "routing_number": "12"}}, "US routing 12"),
):
    simple(
        "POST /me/credit_account",
        account_code,
        400,
        lambda w, b=account_body: w.client.post(f"{TP}/me/credit_account", json=b, headers=w.seller.h),
        account_when,
    )


# ====================================================================== who is calling

simple(
    "GET /me/transactions",
    "unauthorized",
    401,
    lambda w: w.client.get(f"{TP}/me/transactions"),
    "no bearer token (every user endpoint)",
)
simple(
    "GET /charge",
    "unauthorized",
    401,
    lambda w: w.client.get(
        f"{TP}/charge", params={"price": "1234", "currency": "usd"}, auth=("tpk_test_not_a_key", "")
    ),
    "Basic auth with an unknown API key",
)


# ====================================================================== the test


@pytest.mark.parametrize(("endpoint", "code", "status", "scenario"), CASES)
async def test_error_code(world: World, endpoint: str, code: str, status: int, scenario: Scenario) -> None:
    request = await scenario(world)
    before = await snapshot(world.platform)
    resp = await request()
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"code", "error"} and body["code"] == code, body
    assert isinstance(body["error"], str) and body["error"].strip()
    assert await snapshot(world.platform) == before, f"{endpoint} {code} wrote something"
    spec = load_spec()
    if spec is not None:
        method, template = endpoint.split(" ", 1)
        schema = described_schema(spec, template, method.lower(), status)
        if schema is not None:
            validate(spec, schema, body)


async def test_the_snapshot_sees_a_write(world: World) -> None:
    """The check above can fail: a request that succeeds changes the snapshot."""
    tx = await new_tx(world.client, world.seller)
    before = await snapshot(world.platform)
    assert (await post(world.client, world.seller, tx["id"], "cancel")).status_code == 200
    assert await snapshot(world.platform) != before
