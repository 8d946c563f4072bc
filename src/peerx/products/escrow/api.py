"""The Trustap v1 wire surface: the document's paths, fields and shapes; OAuth2 login under
/oauth2; errors as {"code", "error"} with the spec's codes and statuses. The routes online and
face-to-face transactions share are built per kind in routes.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.encoding import dumps
from peerx.core.ratelimit import address_subject
from peerx.platform import Platform
from peerx.products.escrow import oauth, queries, routes, schemas, service
from peerx.products.escrow.deps import User, actor, ok, once
from peerx.products.escrow.errors import render_error
from peerx.products.escrow.jobs import timing
from peerx.products.escrow.models import EscrowTransaction
from peerx.products.escrow.queries import Actor
from peerx.rails.payins import PayinResult
from peerx.web import Session, json_object, surface_app

Paging = Annotated[queries.Page, Depends(schemas.page)]

BASIC = routes.Kind(
    name="basic",
    prefix="",
    charge_model="online",
    model=EscrowTransaction,
    view=service.tx_view,
    parse_new=schemas.new_transaction,
    create=service.create_transaction,
    charge_extra=("charge_postage_buyer", "charge_postage_client"),
)


async def _oauth_request(request: Request) -> oauth.StarletteOAuth2Request:
    form: dict[str, str] = {}
    if request.method == "POST":
        async with request.form(max_files=0, max_fields=50) as data:
            form = {k: v for k, v in data.items() if isinstance(v, str)}
    return oauth.StarletteOAuth2Request(
        request.method, str(request.url), request.headers, dict(request.query_params), form
    )


def _oauth_response(result: oauth.OAuthResponse) -> Response:
    headers = {k: v for k, v in result.headers if k.lower() != "content-type"}
    if 300 <= result.status < 400:
        return RedirectResponse(headers.pop("Location"), status_code=result.status, headers=headers)
    body = result.body if isinstance(result.body, str) else dumps(result.body)
    return Response(body, result.status, media_type="application/json", headers=headers)


def build_surface(platform: Platform) -> FastAPI:
    app = surface_app("Trustap API (peerx)", platform, render_error)
    ttl = platform.settings.trustap_access_token_seconds

    # ------------------------------------------------------------ OAuth2

    @app.get("/oauth2/authorize")
    async def authorize_page(request: Request, session: Session) -> Response:
        oauth_request = await _oauth_request(request)
        found = await oauth.consent(session, oauth_request, ttl)
        if found.error is not None:
            return _oauth_response(found.error)
        page = oauth.consent_page(
            client_name=found.client_name, scopes=found.scopes, params=dict(request.query_params), error=None
        )
        return HTMLResponse(page, headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"})

    @app.post("/oauth2/authorize")
    async def authorize(request: Request, session: Session) -> Response:
        oauth_request = await _oauth_request(request)
        form = oauth_request.form
        if form.get("consent") != "allow":
            return _oauth_response(await oauth.authorize(session, oauth_request, None, ttl))
        # Behind a proxy, uvicorn --proxy-headers makes request.client the user's address (docs/escrow.md).
        address = address_subject(request.client.host if request.client else None)
        limits = oauth.login_limits(platform.settings, platform.keys.pepper)
        try:
            user = await oauth.login(
                session, form.get("email", ""), form.get("password", ""), address=address, limits=limits
            )
        except oauth.LoginRefused as refused:
            found = await oauth.consent(session, oauth_request, ttl)
            if found.error is not None:
                return _oauth_response(found.error)
            page = oauth.consent_page(
                client_name=found.client_name, scopes=found.scopes, params=form, error=refused.message
            )
            return HTMLResponse(page, status_code=refused.status, headers={"Cache-Control": "no-store"})
        return _oauth_response(await oauth.authorize(session, oauth_request, user, ttl))

    @app.post("/oauth2/token")
    async def token(request: Request, session: Session) -> Response:
        return _oauth_response(await oauth.token_response(session, await _oauth_request(request), ttl))

    @app.post("/oauth2/revoke")
    async def revoke(request: Request, session: Session) -> Response:
        return _oauth_response(await oauth.revocation_response(session, await _oauth_request(request), ttl))

    routes.register(app, BASIC)

    # ------------------------------------------------------------ me

    @app.get("/me/personal")
    async def personal(user: User) -> Response:
        return ok(service.personal_view(user.user))

    @app.put("/me/personal")
    async def put_personal(request: Request, session: Session, user: User) -> Response:
        body = json_object(await request.body())
        return ok(service.personal_view(await service.set_personal(session, user.user, body)))

    @app.post("/me/accept_tos")
    async def accept_tos(request: Request, session: Session, user: User) -> Response:
        body = json_object(await request.body())
        return ok(service.personal_view(await service.accept_tos(session, user.user, body)))

    @app.post("/me/personal/set_active_country")
    async def set_active_country(request: Request, session: Session, user: User) -> Response:
        body = json_object(await request.body())
        await service.set_active_country(session, user.user, body.get("country_code"))
        return Response(status_code=200)

    @app.get("/me/notifications")
    async def my_notifications(session: Session, user: User, page: Paging) -> Response:
        rows = await service.notifications(session, actor(user), page)
        return ok([service.notification_view(n) for n in rows])

    @app.get("/notifications/{notification_id}")
    async def get_notification(notification_id: str, session: Session, user: User) -> Response:
        found = await service.notification(session, actor(user), schemas.path_id(notification_id), mark_read=False)
        return ok(service.notification_view(found))

    # The document says GET, the spec POST: both mark as read.
    @app.get("/notifications/{notification_id}/mark_as_read")
    @app.post("/notifications/{notification_id}/mark_as_read")
    async def mark_read(notification_id: str, session: Session, user: User) -> Response:
        found = await service.notification(session, actor(user), schemas.path_id(notification_id), mark_read=True)
        return ok(service.notification_view(found))

    # ------------------------------------------------------------ joining

    @app.get("/transactions")
    async def by_join_code(session: Session, user: User, join_code: str | None = None) -> Response:
        found = await queries.by_join_code(session, EscrowTransaction, actor(user), join_code, lock=False)
        return ok(service.tx_view(found))

    @app.put("/transactions")
    async def join(request: Request, session: Session, user: User, join_code: str | None = None) -> Response:
        async def produce() -> Any:
            return service.tx_view(await service.join(session, actor(user), join_code))

        return await once(request, session, user, {"join_code": join_code}, produce)

    @app.post("/transactions-by-join-code/{join_code}/reject")
    async def reject(join_code: str, request: Request, session: Session, user: User) -> Response:
        async def produce() -> Any:
            return service.tx_view(await service.reject(session, actor(user), join_code))

        return await once(request, session, user, {}, produce)

    # ------------------------------------------------------------ one transaction

    t = timing(platform)

    def step(path: str, fn: routes.Step) -> None:
        routes.step(app, BASIC, path, fn)

    step("cancel", lambda s, a, i, b: service.cancel(s, a, i))

    async def begin_pay(s: AsyncSession, a: Actor, i: int, b: dict[str, Any]) -> service.PayinPlan:
        return await service.begin_pay(s, a, i, schemas.text(b, "stripe_token"))

    async def finish_pay(s: AsyncSession, a: Actor, plan: service.PayinPlan, result: PayinResult) -> Any:
        return await service.finish_pay(s, a, plan, result, t)

    routes.payment(app, platform, BASIC, "pay", "stripe_token", begin_pay, finish_pay)
    step(
        "track",
        lambda s, a, i, b: service.track(
            s, a, i, schemas.text(b, "carrier"), schemas.text(b, "tracking_code", max_length=100), t
        ),
    )
    step("confirm_delivery", lambda s, a, i, b: service.confirm_delivery(s, a, i, t))
    step("complain", lambda s, a, i, b: service.complain(s, a, i, None))
    step(
        "complain_with_description",
        lambda s, a, i, b: service.complain(s, a, i, schemas.text(b, "complaint_description", max_length=5000) or ""),
    )
    step("end_complaint_period", lambda s, a, i, b: service.end_complaint_period(s, a, i))
    step("accept_complaint", lambda s, a, i, b: service.accept_complaint(s, a, i))

    from peerx.products.escrow import api_p2p

    api_p2p.register(app, platform)
    return app
