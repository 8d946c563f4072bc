"""The Peex inbound v3 wire surface: clients/me, clients/request_payment, clients/all_requests,
with the document's headers, field names and status codes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request, Response

from peerx.core.errors import Unauthorized
from peerx.core.parties import Caller, authenticate
from peerx.platform import Platform
from peerx.products.remittances import common, partners, schemas, service
from peerx.products.remittances.errors import render_error
from peerx.web import PlatformDep, Session, WireJSON, idempotent, json_object, page_params, surface_app


async def _partner(request: Request, session: Session) -> Caller:
    """SECRETKEY carries the partner's secret key. The document calls that key an "access token"
    and its samples also send ACCESS-TOKEN ("{{token}}", never explained): ACCESS-TOKEN is read
    as the secret key only when SECRETKEY is absent, and is otherwise ignored."""
    key = request.headers.get("secretkey")
    if key is None:
        key = request.headers.get("access-token")
    caller = await authenticate(session, surface=common.SURFACE, plaintext=(key or "").strip())
    if caller is None:
        raise Unauthorized("You are not authorized: provide your secret key in the SECRETKEY header.")
    return caller


PartnerKey = Annotated[Caller, Depends(_partner)]


def build_surface(platform: Platform) -> FastAPI:
    app = surface_app("Peex inbound API (peerx)", platform, render_error, version="3")

    @app.get("/clients/me")
    async def me(session: Session, caller: PartnerKey, platform: PlatformDep) -> Response:
        policy = common.Policy.from_settings(platform.settings)
        return WireJSON(await partners.partner_view(session, caller, policy))

    @app.post("/clients/request_payment")
    async def request_payment(
        request: Request, session: Session, caller: PartnerKey, platform: PlatformDep
    ) -> Response:
        body = json_object(await request.body())
        parsed = schemas.payment_request(body)
        policy = common.Policy.from_settings(platform.settings)

        async def create() -> Response:
            tx = await service.request_payment(session, caller, parsed, policy)
            return WireJSON({"request": service.transaction_view(tx, with_type=False)})

        return await idempotent(request, session, caller.scope, body, create)

    @app.get("/clients/all_requests")
    async def all_requests(
        session: Session,
        caller: PartnerKey,
        track_id: str | None = None,
        page: str | None = None,
        per_page: str | None = None,
    ) -> Response:
        if track_id is not None and track_id.strip():
            rows = await service.by_track_id(session, caller, track_id.strip())
        else:
            page_no, size = page_params(page, per_page, default_size=100, max_size=1000)
            rows = await service.list_transactions(session, caller, page=page_no, per_page=size)
        return WireJSON([service.transaction_view(tx) for tx in rows])

    @app.get("/clients/all_requests/{track_id}")
    async def one_request(track_id: str, session: Session, caller: PartnerKey) -> Response:
        rows = await service.by_track_id(session, caller, track_id.strip())
        return WireJSON([service.transaction_view(tx) for tx in rows])

    return app
