"""The Trustap v1 wire surface: the document's paths, fields and shapes; OAuth2 login under
/oauth2; errors as {"code", "error"} with the spec's codes and statuses."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core.encoding import dumps
from peerx.core.errors import Unauthorized
from peerx.core.idempotency import StoredResponse, complete, fingerprint, reserve
from peerx.core.parties import authenticate
from peerx.platform import Platform
from peerx.products.escrow import charges, oauth, schemas, service
from peerx.products.escrow.errors import render_error
from peerx.products.escrow.jobs import payin_rail, timing
from peerx.rails.payins import PayinRail, PayinResult, PayinUnavailable
from peerx.web import Session, WireJSON, idempotent, json_object, surface_app

API_KEY_PREFIXES = ("tpk_live_", "tpk_test_")


async def _user(request: Request, session: Session) -> oauth.TokenUser:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("A bearer access token is required.")
    return await oauth.bearer_user(session, token.strip())


async def _charge_caller(request: Request, session: Session) -> None:
    """/charge: a user's bearer token, or an API key as the Basic auth user name."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            user_name = base64.b64decode(value.strip(), validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            user_name = ""
        if user_name.startswith(API_KEY_PREFIXES) and await authenticate(
            session, surface=service.SURFACE, plaintext=user_name
        ):
            return
        raise Unauthorized("Invalid API key.")
    await _user(request, session)


User = Annotated[oauth.TokenUser, Depends(_user)]


def actor(user: oauth.TokenUser) -> service.Actor:
    return service.Actor(user.user.id, user.livemode, user.client.client_id, user.client.party_id)


def ok(body: Any, status_code: int = 200) -> WireJSON:
    return WireJSON(body, status_code=status_code)


async def user_idempotent(
    request: Request,
    session: AsyncSession,
    user: oauth.TokenUser,
    params: object,
    action: Callable[[], Awaitable[Response]],
) -> Response:
    """Idempotency-Key per user (not per token: a refreshed token retries in the same key space)."""
    return await idempotent(request, session, f"trustap_user:{user.user.id}", params, action)


async def _oauth_request(request: Request) -> oauth.StarletteOAuth2Request:
    form: dict[str, str] = {}
    if request.method == "POST":
        async with request.form(max_files=0, max_fields=50) as data:
            form = {k: v for k, v in data.items() if isinstance(v, str)}
    return oauth.StarletteOAuth2Request(
        request.method, str(request.url), request.headers, dict(request.query_params), form
    )


Begin = Callable[[AsyncSession, service.Actor, int, dict[str, Any]], Awaitable[service.PayinPlan]]
Finish = Callable[[AsyncSession, service.Actor, service.PayinPlan, PayinResult], Awaitable[dict[str, Any]]]


def rail_for(platform: Platform, livemode: bool, field: str) -> PayinRail:
    rail = payin_rail(platform, livemode)
    if rail is None:
        raise charges.code_error(field, "live card payments are not configured", "payments_unavailable")
    return rail


def pay_route(platform: Platform, token_field: str, begin: Begin, finish: Finish) -> Callable[..., Awaitable[Response]]:
    """A card payment in three units of work, so no network call happens inside a database
    transaction: (1) authenticate, check and mark the payment in flight; (2) charge the card with
    no transaction open, under a key derived from our ids (a retry never charges twice); (3) lock
    again and record the outcome. Idempotency-Key: a stored response is replayed in (1); the
    response is stored in (3) with the effects; a declined card stores nothing."""

    async def route(transaction_id: str, request: Request) -> Response:
        tx_id = schemas.path_id(transaction_id)
        raw = await request.body()
        body = json_object(raw) if raw.strip() else {}
        key = request.headers.get("idempotency-key")
        async with platform.db.transaction() as session:
            user = await _user(request, session)
            scope = f"trustap_user:{user.user.id}"
            print_ = fingerprint(request.method, request.url.path, body)
            if key is not None:
                savepoint = await session.begin_nested()
                try:
                    stored = await reserve(session, scope=scope, key=key, request_fingerprint=print_)
                finally:
                    await savepoint.rollback()  # look only: the key is taken in step 3
                if stored is not None:
                    return Response(
                        stored.body,
                        stored.status_code,
                        media_type=stored.content_type,
                        headers={"Idempotent-Replayed": "true"},
                    )
            who = actor(user)
            rail = rail_for(platform, who.livemode, token_field)
            plan = await begin(session, who, tx_id, body)
        try:
            result = await rail.charge(
                token=plan.token, amount=plan.amount, currency=plan.currency, reference=plan.reference
            )
        except PayinUnavailable as exc:  # outcome unknown: the mark stays; a retry asks again
            raise charges.code_error(
                token_field, str(exc) or "the card network did not answer", "payment_pending"
            ) from exc
        async with platform.db.transaction() as session:
            view = await finish(session, who, plan, result)
            if result.succeeded:
                response = ok(view)
                if key is not None:
                    await reserve(session, scope=scope, key=key, request_fingerprint=print_)
                    await complete(
                        session,
                        scope=scope,
                        key=key,
                        response=StoredResponse(200, bytes(response.body).decode(), "application/json"),
                    )
                return response
        raise charges.code_error(
            token_field, result.failure_message or "was declined", result.failure_code or "card_declined"
        )

    return route


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
        user = await oauth.login(session, form.get("email", ""), form.get("password", ""))
        if user is None:
            found = await oauth.consent(session, oauth_request, ttl)
            if found.error is not None:
                return _oauth_response(found.error)
            page = oauth.consent_page(
                client_name=found.client_name, scopes=found.scopes, params=form, error="Wrong email or password."
            )
            return HTMLResponse(page, status_code=401, headers={"Cache-Control": "no-store"})
        return _oauth_response(await oauth.authorize(session, oauth_request, user, ttl))

    @app.post("/oauth2/token")
    async def token(request: Request, session: Session) -> Response:
        return _oauth_response(await oauth.token_response(session, await _oauth_request(request), ttl))

    @app.post("/oauth2/revoke")
    async def revoke(request: Request, session: Session) -> Response:
        return _oauth_response(await oauth.revocation_response(session, await _oauth_request(request), ttl))

    # ------------------------------------------------------------ charge

    @app.get("/charge", dependencies=[Depends(_charge_caller)])
    async def charge(
        session: Session,
        currency: str | None = None,
        price: str | None = None,
        payment_method: str = "card",
        charge_config: str | None = None,
    ) -> Response:
        quote = await charges.quote(
            session,
            "online",
            currency=currency,
            price=price,
            payment_method=payment_method,
            charge_config=charge_config,
        )
        return ok(
            {
                "currency": quote.currency,
                "price": quote.price,
                "charge": quote.charge,
                "charge_seller": quote.charge_seller,
                "charge_buyer_client": 0,
                "charge_seller_client": 0,
                "charge_postage_buyer": 0,
                "charge_postage_client": 0,
                "charge_calculator_version": quote.version,
                "charge_config": charges.CHARGE_CONFIG,
                "payment_method": quote.payment_method,
            }
        )

    # ------------------------------------------------------------ me

    @app.get("/me/transactions")
    async def my_transactions(
        session: Session, user: User, after_id: str | None = None, limit: str | None = None
    ) -> Response:
        after, size = schemas.page(after_id, limit)
        rows = await service.list_transactions(session, actor(user), after_id=after, limit=size)
        return ok([service.tx_view(tx) for tx in rows])

    @app.post("/me/transactions")
    async def create(request: Request, session: Session, user: User) -> Response:
        body = json_object(await request.body())
        new = schemas.new_transaction(body)

        async def run() -> Response:
            return ok(service.tx_view(await service.create_transaction(session, actor(user), new)), 201)

        return await user_idempotent(request, session, user, body, run)

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
    async def my_notifications(
        session: Session, user: User, after_id: str | None = None, limit: str | None = None
    ) -> Response:
        after, size = schemas.page(after_id, limit)
        rows = await service.notifications(session, actor(user), after_id=after, limit=size)
        return ok([service.notification_view(n) for n in rows])

    @app.get("/notifications/{notification_id}")
    async def get_notification(notification_id: str, session: Session, user: User) -> Response:
        found = await service.notification(session, actor(user), schemas.path_id(notification_id), mark_read=False)
        return ok(service.notification_view(found))

    # The document says GET, the spec POST: both mark as read.
    @app.api_route("/notifications/{notification_id}/mark_as_read", methods=["GET", "POST"])
    async def mark_read(notification_id: str, session: Session, user: User) -> Response:
        found = await service.notification(session, actor(user), schemas.path_id(notification_id), mark_read=True)
        return ok(service.notification_view(found))

    # ------------------------------------------------------------ joining

    @app.get("/transactions")
    async def by_join_code(session: Session, user: User, join_code: str | None = None) -> Response:
        return ok(service.tx_view(await service.by_join_code(session, actor(user), join_code, lock=False)))

    @app.put("/transactions")
    async def join(request: Request, session: Session, user: User, join_code: str | None = None) -> Response:
        async def run() -> Response:
            return ok(service.tx_view(await service.join(session, actor(user), join_code)))

        return await user_idempotent(request, session, user, {"join_code": join_code}, run)

    @app.post("/transactions-by-join-code/{join_code}/reject")
    async def reject(join_code: str, request: Request, session: Session, user: User) -> Response:
        async def run() -> Response:
            return ok(service.tx_view(await service.reject(session, actor(user), join_code)))

        return await user_idempotent(request, session, user, {}, run)

    # ------------------------------------------------------------ one transaction

    @app.get("/transactions/{transaction_id}")
    async def get_transaction(transaction_id: str, session: Session, user: User) -> Response:
        tx = await service.get_transaction(session, actor(user), schemas.path_id(transaction_id))
        return ok(service.tx_view(tx))

    def step(path: str, fn: Callable[[AsyncSession, service.Actor, int, dict[str, Any]], Awaitable[Any]]) -> None:
        """A POST on one transaction: parse the id and body, run the step once per key."""

        async def route(transaction_id: str, request: Request, session: Session, user: User) -> Response:
            tx_id = schemas.path_id(transaction_id)
            raw = await request.body()
            body = json_object(raw) if raw.strip() else {}

            async def run() -> Response:
                return ok(service.tx_view(await fn(session, actor(user), tx_id, body)))

            return await user_idempotent(request, session, user, body, run)

        app.post(f"/transactions/{{transaction_id}}/{path}", name=path)(route)

    t = timing(platform)
    step("cancel", lambda s, a, i, b: service.cancel(s, a, i))

    async def begin_basic(s: AsyncSession, a: service.Actor, i: int, b: dict[str, Any]) -> service.PayinPlan:
        return await service.begin_pay(s, a, i, schemas.text(b, "stripe_token"))

    async def finish_basic(
        s: AsyncSession, a: service.Actor, plan: service.PayinPlan, result: PayinResult
    ) -> dict[str, Any]:
        return service.tx_view(await service.finish_pay(s, a, plan, result, t))

    app.post("/transactions/{transaction_id}/pay", name="pay")(
        pay_route(platform, "stripe_token", begin_basic, finish_basic)
    )
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

    from peerx.products.escrow import api_p2p

    api_p2p.register(app, platform)
    return app
