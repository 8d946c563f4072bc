"""Gift cards: the review queue, a trade with its images side by side, approve (possibly for a
lower amount) or reject, the card number revealed to reviewers only (and audited), and the
trade history with search, filter and pagination on the server."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response

from peerx.console import audit, export
from peerx.console.auth import EVERYONE, Guard, require
from peerx.console.render import NavItem, flash, redirect, render
from peerx.ops.accounts import account_names
from peerx.ops.giftcards import actions as ops
from peerx.ops.operators.models import REVIEWER, Operator
from peerx.ops.views.common import PageRequest, page_dict
from peerx.web import PlatformDep, Session, decimal_field, page_params

router = APIRouter(prefix="/giftcards")
nav = NavItem("Gift cards", "/giftcards", EVERYONE)

Reader = Annotated[Operator, Depends(require(*EVERYONE))]
Reviewer = Annotated[Operator, Depends(require(REVIEWER))]
REVIEWERS = Guard((REVIEWER,))


@router.get("")
async def history(
    request: Request,
    session: Session,
    platform: PlatformDep,
    operator: Reader,
    status: str = "",
    q: str = "",
    page: str | None = None,
    per_page: str | None = None,
) -> Response:
    number, size = page_params(page, per_page, default_size=25, max_size=200)
    when, dates = export.dates(request)

    async def fetch(window: PageRequest) -> dict[str, Any]:
        found = await ops.list_trades(
            platform, session, status=status or None, search=q or None, when=when, **window.window()
        )
        return page_dict(found["trades"], found["total"], window)

    if export.asked(request):
        return await export.csv_response(fetch, name="trades", when=when)
    result = await ops.list_trades(
        platform, session, status=status or None, search=q or None, when=when, page=number, per_page=size
    )
    names = await account_names(platform, session, ids=(t["party_id"] for t in result["trades"]))
    return render(
        request,
        "giftcards/history.html",
        title="Gift-card trades",
        result=result,
        status=status,
        q=q,
        names=names,
        filters=dates,
    )


@router.get("/queue")
async def queue(
    request: Request, session: Session, platform: PlatformDep, operator: Reader, page: str | None = None
) -> Response:
    number, size = page_params(page, None, default_size=25, max_size=25)
    result = await ops.review_queue(platform, session, page=number, per_page=size)
    names = await account_names(platform, session, ids=(t["party_id"] for t in result["trades"]))
    return render(request, "giftcards/queue.html", title="Review queue", result=result, names=names)


@router.get("/trades/{reference}")
async def trade(
    request: Request, session: Session, platform: PlatformDep, operator: Reader, reference: str
) -> Response:
    found = await ops.get_trade(platform, session, reference=reference)
    names = await account_names(platform, session, ids=[found["party_id"]])
    can_review = REVIEWERS.allows(operator.role)
    return _trade_page(request, reference, found, can_review=can_review, card_number=None, names=names)


def _trade_page(
    request: Request,
    reference: str,
    trade: dict[str, Any],
    *,
    can_review: bool,
    card_number: str | None,
    names: dict[int, str] | None = None,
) -> Response:
    """A trade with its images; the card number only right after a reviewer revealed it."""
    return render(
        request,
        "giftcards/trade.html",
        title=f"Trade {reference}",
        trade=trade,
        can_review=can_review,
        card_number=card_number,
        names=names or {},
    )


@router.get("/trades/{reference}/images/{kind}")
async def image(session: Session, platform: PlatformDep, operator: Reviewer, reference: str, kind: str) -> Response:
    found = await ops.trade_image(platform, session, reference=reference, kind=kind)
    # The type was detected from the bytes at upload; nosniff and no-store come from the console.
    return Response(found["data"], media_type=found["content_type"], headers={"Content-Disposition": "inline"})


@router.post("/trades/{reference}/reveal")
async def reveal(
    request: Request, session: Session, platform: PlatformDep, operator: Reviewer, reference: str
) -> Response:
    revealed = await ops.reveal_card_number(platform, session, reference=reference)
    await audit.record(session, operator, "giftcards.card_number_revealed", f"trade:{reference}", None, None)
    if request.headers.get("hx-request"):
        return render(request, "giftcards/card_number.html", card_number=revealed["card_number"])
    found = await ops.get_trade(platform, session, reference=reference)
    names = await account_names(platform, session, ids=[found["party_id"]])
    card_number = revealed["card_number"]
    return _trade_page(request, reference, found, can_review=True, card_number=card_number, names=names)


@router.post("/trades/{reference}/approve")
async def approve(
    request: Request,
    session: Session,
    platform: PlatformDep,
    operator: Reviewer,
    reference: str,
    card_amount: Annotated[str, Form()] = "",
) -> Response:
    amount = decimal_field({"card_amount": card_amount.strip() or None}, "card_amount", required=False)
    before = await ops.get_trade(platform, session, reference=reference)
    await ops.approve_trade(platform, session, reference=reference, card_amount=amount)
    after = await ops.get_trade(platform, session, reference=reference)  # the same shape as `before`
    await audit.record(session, operator, "giftcards.trade_approved", f"trade:{reference}", before, after)
    flash(request, f"Trade {reference} approved: GHS {after['net_payout_ghs']} credited to the merchant.")
    return redirect(request, "/giftcards/queue")


@router.post("/trades/{reference}/reject")
async def reject(
    request: Request,
    session: Session,
    platform: PlatformDep,
    operator: Reviewer,
    reference: str,
    reason: Annotated[str, Form()] = "",
) -> Response:
    before = await ops.get_trade(platform, session, reference=reference)
    await ops.reject_trade(platform, session, reference=reference, reason=reason)
    after = await ops.get_trade(platform, session, reference=reference)
    await audit.record(session, operator, "giftcards.trade_rejected", f"trade:{reference}", before, after)
    flash(request, f"Trade {reference} rejected.")
    return redirect(request, "/giftcards/queue")
