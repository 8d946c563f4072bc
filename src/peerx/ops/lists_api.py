"""/ops/v1 lists of every desk: gift-card trades and withdrawals, voucher orders, remittances,
escrow transactions. Each takes its desk's filters, `from`/`to` (when the row was created) and
`page`/`per_page`, and answers one page as JSON or, with `format=csv` or `Accept: text/csv`,
every row of the filter as CSV (peerx.ops.views.listing). The console's lists call the same views."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from peerx.ops.deps import OPERATOR
from peerx.ops.escrow import views as escrow_views
from peerx.ops.giftcards import actions as giftcard_ops
from peerx.ops.lifecycle_api import Format, From, QueryText, To, listed
from peerx.ops.remittances import views as remittance_views
from peerx.ops.schemas import ListPage
from peerx.ops.views import payouts as payout_views
from peerx.ops.views.common import PageRequest, livemode_of, optional_id, page_dict
from peerx.ops.views.listing import date_range
from peerx.ops.vouchers import views as voucher_views
from peerx.web import PlatformDep, Session, wire_router

router = wire_router(dependencies=[OPERATOR], tags=["lists"])
CSV: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}}


@router.get("/giftcards/trades", response_model=ListPage, responses=CSV)
async def trades(
    request: Request,
    session: Session,
    platform: PlatformDep,
    status: QueryText = None,
    search: QueryText = None,
    start: From = None,
    end: To = None,
    page: QueryText = None,
    per_page: QueryText = None,
    format_: Format = None,
) -> Response:
    """Gift-card trades newest first; `search`: reference, card name or the card number's last 4."""
    when = date_range(start, end)

    async def fetch(window: PageRequest) -> dict[str, Any]:
        found = await giftcard_ops.list_trades(
            platform, session, status=status or None, search=search or None, when=when, **window.window()
        )
        return page_dict(found["trades"], found["total"], window)

    return await listed(
        request, ListPage, fetch, name="trades", when=when, format_=format_, page=page, per_page=per_page
    )


@router.get("/giftcards/withdrawals", response_model=ListPage, responses=CSV)
async def withdrawals(
    request: Request,
    session: Session,
    platform: PlatformDep,
    status: QueryText = None,
    mode: QueryText = None,
    start: From = None,
    end: To = None,
    page: QueryText = None,
    per_page: QueryText = None,
    format_: Format = None,
) -> Response:
    """Merchants' withdrawals (payouts) newest first, with counts per status."""
    when, livemode = date_range(start, end), livemode_of(mode)

    async def fetch(window: PageRequest) -> dict[str, Any]:
        return await payout_views.withdrawals(
            platform, session, status=status, livemode=livemode, when=when, page=window
        )

    return await listed(
        request, ListPage, fetch, name="withdrawals", when=when, format_=format_, page=page, per_page=per_page
    )


@router.get("/vouchers/orders", response_model=ListPage, responses=CSV)
async def voucher_orders(
    request: Request,
    session: Session,
    platform: PlatformDep,
    status: QueryText = None,
    mode: QueryText = None,
    account: QueryText = None,
    start: From = None,
    end: To = None,
    page: QueryText = None,
    per_page: QueryText = None,
    format_: Format = None,
) -> Response:
    """Voucher orders newest first (`status`: orders holding a voucher in that status)."""
    when, livemode, account_id = date_range(start, end), livemode_of(mode), optional_id("account", account)

    async def fetch(window: PageRequest) -> dict[str, Any]:
        return await voucher_views.orders(
            platform, session, status=status, livemode=livemode, account_id=account_id, when=when, page=window
        )

    return await listed(
        request, ListPage, fetch, name="voucher-orders", when=when, format_=format_, page=page, per_page=per_page
    )


@router.get("/remittances", response_model=ListPage, responses=CSV)
async def remittances(
    request: Request,
    session: Session,
    platform: PlatformDep,
    status: QueryText = None,
    mode: QueryText = None,
    account: QueryText = None,
    search: QueryText = None,
    start: From = None,
    end: To = None,
    page: QueryText = None,
    per_page: QueryText = None,
    format_: Format = None,
) -> Response:
    """Remittances newest first; `search`: the track_id or the beneficiary."""
    when, livemode, account_id = date_range(start, end), livemode_of(mode), optional_id("account", account)

    async def fetch(window: PageRequest) -> dict[str, Any]:
        return await remittance_views.transactions(
            platform,
            session,
            status=status,
            livemode=livemode,
            account_id=account_id,
            search=search,
            when=when,
            page=window,
        )

    return await listed(
        request, ListPage, fetch, name="remittances", when=when, format_=format_, page=page, per_page=per_page
    )


@router.get("/escrow/transactions", response_model=ListPage, responses=CSV)
async def escrow_transactions(
    request: Request,
    session: Session,
    platform: PlatformDep,
    model: QueryText = None,
    status: QueryText = None,
    mode: QueryText = None,
    start: From = None,
    end: To = None,
    page: QueryText = None,
    per_page: QueryText = None,
    format_: Format = None,
) -> Response:
    """Escrow transactions of one model (online, default, or p2p) newest first, with counts per state."""
    when, livemode = date_range(start, end), livemode_of(mode)

    async def fetch(window: PageRequest) -> dict[str, Any]:
        return await escrow_views.transactions(
            platform, session, model=model or "online", status=status, livemode=livemode, when=when, page=window
        )

    return await listed(
        request, ListPage, fetch, name="escrow-transactions", when=when, format_=format_, page=page, per_page=per_page
    )
