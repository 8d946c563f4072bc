"""/ops/v1/remittances: the remittances desk's JSON routes; each calls one action."""

from __future__ import annotations

from typing import Annotated

from fastapi import Response

from peerx.ops.deps import OPERATOR
from peerx.ops.remittances.actions import (
    cancel,
    get_float,
    retry,
    set_beneficiary,
    set_float,
    set_partner,
    settle,
    show,
)
from peerx.ops.remittances.schemas import (
    BeneficiarySet,
    BeneficiaryView,
    FloatRead,
    FloatSet,
    FloatView,
    PartnerUpdate,
    PartnerView,
    RemittanceCancel,
    RemittanceSettle,
    RemittanceView,
)
from peerx.ops.schemas import reply
from peerx.products.remittances import partners
from peerx.web import PlatformDep, Session, wire_router
from peerx.wire import Flag, Id, Text

router = wire_router(dependencies=[OPERATOR], tags=["remittances"])  # /ops/v1/remittances
rails_router = wire_router(dependencies=[OPERATOR], tags=["rails"])  # /ops/v1/rails

RailName = Annotated[str, Text(40)]
CurrencyCode = Annotated[str, Text(10)]


# ---------------------------------------------------------------- /ops/v1/remittances


@router.put("/partners/{account_id}", response_model=PartnerView)
async def put_partner(account_id: Id, body: PartnerUpdate, session: Session, platform: PlatformDep) -> Response:
    """Change a Peex partner's terms and profile; only the fields given change."""
    changes = partners.PartnerChanges(**body.model_dump())  # the same fields; absent ones are None: unchanged
    return reply(PartnerView, await set_partner(platform, session, account_id=account_id, changes=changes))


@router.put("/beneficiaries", response_model=BeneficiaryView)
async def put_beneficiary(body: BeneficiarySet, session: Session, platform: PlatformDep) -> Response:
    """Create or change a platform user a partner can pay by email alone."""
    person = body.model_dump(exclude={"test"})  # the action's parameters but livemode
    return reply(BeneficiaryView, await set_beneficiary(platform, session, **person, livemode=not body.test))


@router.get("/{transaction_id}", response_model=RemittanceView)
async def get_one(transaction_id: Id, session: Session, platform: PlatformDep) -> Response:
    """A remittance as the operator sees it."""
    return reply(RemittanceView, await show(platform, session, transaction_id=transaction_id))


@router.post("/{transaction_id}/cancel", response_model=RemittanceView)
async def post_cancel(transaction_id: Id, body: RemittanceCancel, session: Session, platform: PlatformDep) -> Response:
    """Cancel a new, waiting or max_amount remittance (the debit is returned to the partner)."""
    return reply(RemittanceView, await cancel(platform, session, transaction_id=transaction_id, reason=body.reason))


@router.post("/{transaction_id}/retry", response_model=RemittanceView)
async def post_retry(transaction_id: Id, session: Session, platform: PlatformDep) -> Response:
    """Try a failed or waiting remittance again."""
    return reply(RemittanceView, await retry(platform, session, transaction_id=transaction_id))


@router.post("/{transaction_id}/settle", response_model=RemittanceView)
async def post_settle(transaction_id: Id, body: RemittanceSettle, session: Session, platform: PlatformDep) -> Response:
    """Settle a pending payout by hand (the manual rail): paid or failed."""
    result = await settle(platform, session, transaction_id=transaction_id, paid=body.outcome == "paid", note=body.note)
    return reply(RemittanceView, result)


# ---------------------------------------------------------------- /ops/v1/rails


@rails_router.put("/floats", response_model=FloatView)
async def put_float(body: FloatSet, session: Session, platform: PlatformDep) -> Response:
    """Set what the platform holds at a rail's operator (refused below what payouts reserve)."""
    result = await set_float(
        platform, session, rail=body.rail, currency=body.currency, amount=body.amount, livemode=not body.test
    )
    return reply(FloatView, result)


@rails_router.get("/floats", response_model=FloatRead)
async def read_float(
    session: Session,
    platform: PlatformDep,
    rail: RailName = "",
    currency: CurrencyCode = "XAF",
    test: Flag = False,
) -> Response:
    """A rail's float: tracked or not, and if tracked its balance, reservations and what is left."""
    return reply(FloatRead, await get_float(platform, session, rail=rail, currency=currency, livemode=not test))
