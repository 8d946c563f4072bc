"""/ops/v1 routes of the account lifecycle and of webhook endpoints (issue 16): list and search
accounts, roll keys, suspend and reinstate; each calls one action of peerx.ops.accounts (the
CLI and the console call the same ones). Lists take `from`/`to` and answer CSV on request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Query, Request, Response

from peerx.ops import accounts, endpoints
from peerx.ops.deps import OPERATOR
from peerx.ops.schemas import (
    AccountList,
    AccountStatusChange,
    AccountView,
    DeliveryList,
    EndpointList,
    EndpointView,
    KeyRoll,
    KeyRolled,
    SecretRotate,
    View,
    reply,
)
from peerx.ops.views import webhooks as webhook_views
from peerx.ops.views.common import PageRequest, livemode_of, optional_id, page_request
from peerx.ops.views.listing import CSV_TYPE, DateRange, csv_filename, date_range, every_row, to_csv, wants_csv
from peerx.web import PlatformDep, Session, wire_router
from peerx.wire import Id

router = wire_router(dependencies=[OPERATOR], tags=["accounts"])

# A filter as text: bounded, and no control characters (PostgreSQL refuses a NUL in text).
NO_CONTROLS = r"^[^\x00-\x1f\x7f]*$"
QueryText = Annotated[str | None, Query(max_length=320, pattern=NO_CONTROLS)]
From = Annotated[
    str | None, Query(alias="from", max_length=40, description="ISO date or date and time; from its first instant.")
]
To = Annotated[
    str | None, Query(alias="to", max_length=40, description="ISO date (the whole day included) or date and time.")
]
Format = Annotated[
    str | None, Query(alias="format", max_length=10, description="csv for a CSV of every row (or Accept: text/csv).")
]


async def listed(
    request: Request,
    model: type[View],
    fetch: Callable[[PageRequest], Awaitable[dict[str, Any]]],
    *,
    name: str,
    when: DateRange,
    format_: str | None,
    page: str | None,
    per_page: str | None,
) -> Response:
    """A list route's answer: one page as JSON, or every row of the filter as CSV."""
    if wants_csv(format_, request.headers.get("accept")):
        rows = await every_row(fetch)
        disposition = f'attachment; filename="{csv_filename(name, when)}"'
        return Response(to_csv(rows), media_type=CSV_TYPE, headers={"Content-Disposition": disposition})
    return reply(model, await fetch(page_request(page, per_page)))


@router.get("/accounts", response_model=AccountList, responses={200: {"content": {"text/csv": {}}}})
async def list_accounts(
    request: Request,
    session: Session,
    platform: PlatformDep,
    product: QueryText = None,
    search: QueryText = None,
    start: From = None,
    end: To = None,
    page: QueryText = None,
    per_page: QueryText = None,
    format_: Format = None,
) -> Response:
    """Accounts of a product (peertupeer merchants, peerwallet vendors, peex partners, trustap
    escrow clients) or all, searched by name, email or id, oldest first; `page`/`per_page`."""
    when = date_range(start, end)

    async def fetch(window: PageRequest) -> dict[str, Any]:
        return await accounts.list_accounts(platform, session, product=product, search=search, when=when, page=window)

    return await listed(
        request, AccountList, fetch, name="accounts", when=when, format_=format_, page=page, per_page=per_page
    )


@router.get("/accounts/{account_id}", response_model=AccountView)
async def get_account(account_id: Id, session: Session, platform: PlatformDep) -> Response:
    """One account with its keys' prefixes and status."""
    return reply(AccountView, await accounts.get_account(platform, session, account_id=account_id))


@router.post("/accounts/{account_id}/keys/roll", response_model=KeyRolled)
async def roll_key(account_id: Id, body: KeyRoll, session: Session, platform: PlatformDep) -> Response:
    """A new API key (shown this once); the replaced key works until its grace ends."""
    result = await accounts.roll_key(
        platform,
        session,
        account_id=account_id,
        product=body.product,
        livemode=not body.test,
        grace_hours=body.grace_hours,
    )
    return reply(KeyRolled, result)


@router.post("/accounts/{account_id}/suspend", response_model=AccountView)
async def suspend(account_id: Id, body: AccountStatusChange, session: Session, platform: PlatformDep) -> Response:
    """Refuse every API call of the account until reinstated (409 if already suspended)."""
    result = await accounts.suspend_account(platform, session, account_id=account_id, reason=body.reason)
    return reply(AccountView, result)


@router.post("/accounts/{account_id}/reinstate", response_model=AccountView)
async def reinstate(account_id: Id, body: AccountStatusChange, session: Session, platform: PlatformDep) -> Response:
    """Let a suspended account's keys work again (409 if it is not suspended)."""
    result = await accounts.reinstate_account(platform, session, account_id=account_id, reason=body.reason)
    return reply(AccountView, result)


# ---------------------------------------------------------------- webhook endpoints


@router.get("/webhooks", response_model=EndpointList, responses={200: {"content": {"text/csv": {}}}})
async def list_endpoints(
    request: Request,
    session: Session,
    platform: PlatformDep,
    account: QueryText = None,
    surface: QueryText = None,
    mode: QueryText = None,
    start: From = None,
    end: To = None,
    page: QueryText = None,
    per_page: QueryText = None,
    format_: Format = None,
) -> Response:
    """Webhook endpoints (of one account, surface or mode: live/test), with deliveries by status."""
    when, account_id, livemode = date_range(start, end), optional_id("account", account), livemode_of(mode)

    async def fetch(window: PageRequest) -> dict[str, Any]:
        return await endpoints.list_endpoints(
            platform, session, account_id=account_id, surface=surface, livemode=livemode, when=when, page=window
        )

    return await listed(
        request, EndpointList, fetch, name="webhooks", when=when, format_=format_, page=page, per_page=per_page
    )


@router.get("/webhooks/deliveries", response_model=DeliveryList, responses={200: {"content": {"text/csv": {}}}})
async def list_deliveries(
    request: Request,
    session: Session,
    platform: PlatformDep,
    status: QueryText = None,
    endpoint: QueryText = None,
    event: QueryText = None,
    start: From = None,
    end: To = None,
    page: QueryText = None,
    per_page: QueryText = None,
    format_: Format = None,
) -> Response:
    """Deliveries newest first (by status: pending, succeeded, dead; endpoint; event id)."""
    when, endpoint_id = date_range(start, end), optional_id("endpoint", endpoint)

    async def fetch(window: PageRequest) -> dict[str, Any]:
        return await webhook_views.deliveries(
            platform, session, status=status, endpoint_id=endpoint_id, event_id=event, when=when, page=window
        )

    return await listed(
        request,
        DeliveryList,
        fetch,
        name="webhook-deliveries",
        when=when,
        format_=format_,
        page=page,
        per_page=per_page,
    )


@router.get("/webhooks/{endpoint_id}", response_model=EndpointView)
async def show_endpoint(endpoint_id: Id, session: Session, platform: PlatformDep) -> Response:
    return reply(EndpointView, await endpoints.show_endpoint(platform, session, endpoint_id=endpoint_id))


@router.post("/webhooks/{endpoint_id}/disable", response_model=EndpointView)
async def disable_endpoint(endpoint_id: Id, session: Session, platform: PlatformDep) -> Response:
    """No more deliveries: new events skip it, its pending ones are stopped (dead: replay them later)."""
    return reply(EndpointView, await endpoints.disable_endpoint(platform, session, endpoint_id=endpoint_id))


@router.post("/webhooks/{endpoint_id}/enable", response_model=EndpointView)
async def enable_endpoint(endpoint_id: Id, session: Session, platform: PlatformDep) -> Response:
    """Deliver new events again (stopped deliveries stay dead until replayed)."""
    return reply(EndpointView, await endpoints.enable_endpoint(platform, session, endpoint_id=endpoint_id))


@router.post("/webhooks/{endpoint_id}/rotate-secret", response_model=EndpointView)
async def rotate_secret(
    endpoint_id: Id, session: Session, platform: PlatformDep, body: SecretRotate | None = None
) -> Response:
    """A new signing secret (shown once); the previous one signs beside it until its grace ends."""
    grace = body.grace_hours if body is not None else 24
    result = await endpoints.rotate_secret(platform, session, endpoint_id=endpoint_id, grace_hours=grace)
    return reply(EndpointView, result)
