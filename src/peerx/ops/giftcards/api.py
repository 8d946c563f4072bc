"""/ops/v1/giftcards: the giftcards desk's JSON routes; each calls one action."""

from __future__ import annotations

from typing import Literal

from fastapi import Response

from peerx.ops.deps import OPERATOR
from peerx.ops.giftcards.actions import (
    approve_trade,
    reject_trade,
    set_rate,
    trade_image,
)
from peerx.ops.giftcards.schemas import RateSet, RateView, TradeApprove, TradeReject, TradeView
from peerx.ops.schemas import REFERENCE, reply
from peerx.web import PlatformDep, Session, wire_router

router = wire_router(dependencies=[OPERATOR], tags=["giftcards"])  # /ops/v1/giftcards


# ---------------------------------------------------------------- /ops/v1/giftcards


@router.put("/rates", response_model=RateView)
async def put_rate(body: RateSet, session: Session, platform: PlatformDep) -> Response:
    """Create or change the rate of a card type in a country and currency."""
    # The body's fields are the action's parameters.
    return reply(RateView, await set_rate(platform, session, **body.model_dump()))


@router.post("/trades/{reference}/approve", response_model=TradeView)
async def approve(
    reference: REFERENCE, session: Session, platform: PlatformDep, body: TradeApprove | None = None
) -> Response:
    """Approve a pending trade (optionally for a lower face value); the net payout is credited."""
    card_amount = body.card_amount if body is not None else None
    return reply(TradeView, await approve_trade(platform, session, reference=reference, card_amount=card_amount))


@router.post("/trades/{reference}/reject", response_model=TradeView)
async def reject(reference: REFERENCE, body: TradeReject, session: Session, platform: PlatformDep) -> Response:
    """Reject a pending trade with a reason the merchant sees."""
    return reply(TradeView, await reject_trade(platform, session, reference=reference, reason=body.reason))


@router.get(
    "/trades/{reference}/images/{kind}",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/jpeg": {}, "image/webp": {}, "image/gif": {}}}},
)
async def image(
    reference: REFERENCE, kind: Literal["front", "back", "receipt"], session: Session, platform: PlatformDep
) -> Response:
    """The bytes of one of a trade's images (front, back or receipt), with the type detected
    when it was stored; wherever it is stored (disk or the S3 bucket), every server reads it."""
    found = await trade_image(platform, session, reference=reference, kind=kind)
    return Response(
        found["data"],
        media_type=found["content_type"],
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )
