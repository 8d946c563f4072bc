"""/ops/v1: the operator JSON API (bearer PEERX_OPS_TOKEN). Same actions as the CLI.

Module-level routers, each behind the named operator dependency (peerx.ops.deps): this module's
for accounts, webhooks and the ledger; the products' desks in peerx.ops.<product> (api, or actions where
the routes still stand beside the actions)."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Response

from peerx.core.errors import (
    Conflict,
    Forbidden,
    InsufficientFunds,
    InvalidField,
    NotFound,
    PeerxError,
    Unauthorized,
)
from peerx.ops import actions, lifecycle_api, lists_api
from peerx.ops.bitcoin import api as bitcoin
from peerx.ops.deps import OPERATOR
from peerx.ops.escrow import api as escrow
from peerx.ops.giftcards import api as giftcards
from peerx.ops.remittances import api as remittances
from peerx.ops.schemas import (
    AccountCreate,
    AccountCreated,
    AccountFund,
    AccountFunded,
    LedgerReport,
    OpsError,
    PermissionGrant,
    Permissions,
    WebhookCreate,
    WebhookCreated,
    reply,
)
from peerx.ops.vouchers import api as vouchers
from peerx.platform import Platform
from peerx.web import PlatformDep, Session, WireJSON, error_status, retry_after, surface_app, wire_router
from peerx.wire import Id, Text

PREFIX = "/ops/v1"
STATUS = {InvalidField: 400, InsufficientFunds: 400, Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409}

DESCRIPTION = """The operator's JSON API: the same actions as the `peerx` CLI and the console.

Every call carries `Authorization: Bearer <PEERX_OPS_TOKEN>`; with no token configured the API
refuses every call. Every refusal is `{"error": {"code", "message", "field"}}`: 400 for an
invalid field (named in `field`), 401 without the token, 404 for an unknown id, 409 when the
state does not allow the action. Amounts are decimal numbers or strings in plain decimal form
("100.00", 100), never with an exponent; booleans are true/false (or "true"/"false")."""


def render_error(exc: PeerxError) -> Response:
    status = error_status(exc, STATUS, 400)
    return WireJSON(
        {"error": {"code": exc.code, "message": exc.message, "field": exc.field}},
        status_code=status,
        headers=retry_after(exc),
    )


router = wire_router(dependencies=[OPERATOR], tags=["accounts"])

PermissionName = Annotated[str, Text(64, min_length=1)]


@router.post("/accounts", status_code=201, response_model=AccountCreated)
async def create_account(body: AccountCreate, session: Session, platform: PlatformDep) -> Response:
    """A party with API keys for every product (shown this once)."""
    result = await actions.create_account(platform, session, name=body.name, email=body.email)
    return reply(AccountCreated, result, status_code=201)


@router.post("/accounts/{account_id}/fund", response_model=AccountFunded)
async def fund(account_id: Id, body: AccountFund, session: Session, platform: PlatformDep) -> Response:
    """Credit the account's wallet with money the operator received outside the platform."""
    result = await actions.fund_account(
        platform, session, account_id=account_id, currency=body.currency, amount=body.amount, livemode=not body.test
    )
    return reply(AccountFunded, result)


@router.post("/accounts/{account_id}/permissions", response_model=Permissions)
async def grant(account_id: Id, body: PermissionGrant, session: Session, platform: PlatformDep) -> Response:
    """Grant a permission (transfer_funds: Peerwallet's voucher-issue)."""
    result = await actions.grant_permission(platform, session, account_id=account_id, permission=body.permission)
    return reply(Permissions, result)


@router.delete("/accounts/{account_id}/permissions/{permission}", response_model=Permissions)
async def revoke(account_id: Id, permission: PermissionName, session: Session, platform: PlatformDep) -> Response:
    """Revoke a permission."""
    result = await actions.revoke_permission(platform, session, account_id=account_id, permission=permission)
    return reply(Permissions, result)


@router.post("/webhooks", status_code=201, response_model=WebhookCreated)
async def add_webhook(body: WebhookCreate, session: Session, platform: PlatformDep) -> Response:
    """A webhook endpoint receiving all the account's events of one surface and mode."""
    result = await actions.add_webhook(
        platform, session, account_id=body.account_id, url=body.url, livemode=not body.test, surface=body.surface
    )
    return reply(WebhookCreated, result, status_code=201)


@router.get(
    "/ledger/verify",
    response_model=LedgerReport,
    responses={500: {"model": LedgerReport, "description": "The books do not balance: `ok` is false, see `problems`."}},
)
async def verify(session: Session, platform: PlatformDep) -> Response:
    """Recompute every balance from the transfers; 500 when the books do not balance."""
    report = await actions.verify_ledger(platform, session)
    return reply(LedgerReport, report, status_code=200 if report["ok"] else 500)


def build_app(platform: Platform) -> FastAPI:
    ops = surface_app("peerx operator API", platform, render_error, description=DESCRIPTION, error_model=OpsError)
    ops.include_router(router)
    ops.include_router(lifecycle_api.router)  # account lifecycle, webhook endpoints (issue 16)
    ops.include_router(lists_api.router)  # every desk's list, JSON or CSV (issue 16)
    ops.include_router(giftcards.router, prefix="/giftcards")
    ops.include_router(remittances.router, prefix="/remittances")
    ops.include_router(remittances.rails_router, prefix="/rails")
    ops.include_router(vouchers.router, prefix="/vouchers")
    ops.include_router(escrow.router, prefix="/escrow")
    ops.include_router(bitcoin.router, prefix="/bitcoin")
    return ops


def mount(app: FastAPI, platform: Platform) -> None:
    app.mount(PREFIX, build_app(platform))
