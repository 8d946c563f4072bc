"""The Peach v1 routes of part 2: matches, contracts, payment, cancel and disputes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.errors import NotFound
from peerx.products.bitcoin import cancel, disputes, matching, offers, payment, search
from peerx.products.bitcoin.api import PeachDep, User  # loaded by api.build_surface first
from peerx.products.bitcoin.context import Peach
from peerx.products.bitcoin.contract_views import Loaded, contract_view, summary_view
from peerx.products.bitcoin.contracts import contract_for_party, contracts_of
from peerx.products.bitcoin.models import Contract, PeachOffer, PeachUser
from peerx.products.bitcoin.wire import offer_id as parse_offer_id
from peerx.web import Session, WireJSON, idempotent, json_object

OK = {"success": True}
# (session, peach, user, the locked contract, body) -> an answer or None for {"success": true}
Step = Callable[[AsyncSession, Peach, PeachUser, Contract, dict[str, Any]], Awaitable[Any]]


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    return json_object(raw) if raw.strip() else {}


async def _own_offer(session: Session, user: PeachUser, raw: str) -> PeachOffer:
    parsed = parse_offer_id(raw)
    if parsed is None:
        raise NotFound("Offer not found.")
    return await offers.own_offer(session, user, parsed, lock=True)


def add_contract_routes(app: FastAPI) -> None:
    @app.get("/offer/{offer_id}/matches")
    async def get_matches(
        offer_id: str,
        session: Session,
        user: User,
        peach: PeachDep,
        page: str | None = None,
        size: str | None = None,
    ) -> Response:
        offer = await offers.own_offer(session, user, parse_offer_id(offer_id))
        page_no, page_size, _ = search.page_params(page, size, None)
        return WireJSON(await matching.list_matches(session, peach, user, offer, page_no, page_size))

    @app.post("/offer/{offer_id}/match")
    async def match(offer_id: str, request: Request, session: Session, user: User, peach: PeachDep) -> Response:
        body = await _body(request)

        async def run() -> Response:
            own = await _own_offer(session, user, offer_id)
            if own.type == "bid":
                return WireJSON(await matching.match_sell_offer(session, peach, user, own, body))
            contract = await matching.double_match(session, peach, user, own, body)
            return WireJSON({"success": True, "contractId": contract.id})

        return await idempotent(request, session, f"peach:user:{user.id}", body, run)

    @app.delete("/offer/{offer_id}/match")
    async def unmatch(offer_id: str, request: Request, session: Session, user: User) -> Response:
        own = await _own_offer(session, user, offer_id)
        if own.type != "bid":
            raise NotFound("Only a buy offer unmatches a sell offer.")
        await matching.unmatch(session, own, await _body(request))
        return WireJSON(OK)

    @app.get("/contract/{contract_id}")
    async def get_contract(contract_id: str, session: Session, user: User, peach: PeachDep) -> Response:
        contract = await contract_for_party(session, contract_id, user)
        return WireJSON(contract_view(contract, user, await Loaded.of(session, peach, user, [contract])))

    @app.get("/contracts")
    async def list_contracts(session: Session, user: User, peach: PeachDep) -> Response:
        rows = await contracts_of(session, user)
        loaded = await Loaded.of(session, peach, user, rows)
        return WireJSON([contract_view(c, user, loaded) for c in rows])

    @app.get("/contracts/summary")
    async def contract_summaries(session: Session, user: User, peach: PeachDep) -> Response:
        rows = await contracts_of(session, user)
        loaded = await Loaded.of(session, peach, user, rows)
        return WireJSON([summary_view(c, user, loaded) for c in rows])

    def contract_step(path: str, step: Step, *, methods: tuple[str, ...] = ("POST",)) -> None:
        """A state change of one contract: locked, run, answered {"success": true} unless the
        step answers something else; Idempotency-Key honoured."""

        async def handler(
            contract_id: str, request: Request, session: Session, user: User, peach: PeachDep
        ) -> Response:
            body = await _body(request)

            async def run() -> Response:
                contract = await contract_for_party(session, contract_id, user, lock=True)
                answer = await step(session, peach, user, contract, body)
                return WireJSON(answer if isinstance(answer, dict) else OK)

            return await idempotent(request, session, f"peach:user:{user.id}", {"path": path, **body}, run)

        for method in methods:  # one operation per method, so each has its own operation id
            app.add_api_route(f"/contract/{{contract_id}}{path}", handler, methods=[method])

    contract_step("/payment/confirm", lambda s, p, u, c, b: payment.confirm(s, p, u, c, b))
    contract_step("/cancel", lambda s, p, u, c, b: cancel.cancel(s, u, c))
    contract_step("/cancel/confirm", lambda s, p, u, c, b: cancel.answer(s, u, c, accept=True))
    contract_step("/cancel/reject", lambda s, p, u, c, b: cancel.answer(s, u, c, accept=False))
    contract_step("/cancel/extendTime", lambda s, p, u, c, b: cancel.extend_time(s, p, u, c), methods=("POST", "PATCH"))
    contract_step("/dispute", lambda s, p, u, c, b: disputes.raise_dispute(s, u, c, b))
    contract_step("/dispute/acknowledge", lambda s, p, u, c, b: disputes.acknowledge(s, u, c, b))
    contract_step("/dispute/acknowledgeOutcome", lambda s, p, u, c, b: disputes.acknowledge_outcome(s, u, c))
