"""Gift-card rates: the table, and edits (finance) through the ops action, which sends
rate.updated to every subscriber."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response

from peerx.console import audit
from peerx.console.auth import EVERYONE, require
from peerx.console.render import NavItem, flash, redirect, render
from peerx.console.screens.money_common import ACT, can_act
from peerx.core.errors import InvalidField
from peerx.ops.giftcards import actions as ops
from peerx.ops.operators.models import Operator
from peerx.platform import Platform
from peerx.web import PlatformDep, Session, decimal_field

router = APIRouter(prefix="/rates")
nav = NavItem("Rates", "/rates", EVERYONE)

Reader = Annotated[Operator, Depends(require(*EVERYONE))]
Finance = Annotated[Operator, ACT]


@router.get("")
async def table(request: Request, session: Session, platform: PlatformDep, operator: Reader) -> Response:
    rates = await ops.list_rates(platform, session)
    return render(request, "rates.html", title="Rates", rates=rates, can_edit=can_act(operator))


def _decimal(name: str, raw: str) -> Decimal:
    value = decimal_field({name: raw.strip() or None}, name)
    assert value is not None  # required: decimal_field raised otherwise
    return value


def _whole(name: str, raw: str) -> int:
    if not raw.strip().isdigit():
        raise InvalidField(name, "must be a whole number")
    return int(raw)


async def _save(
    platform: Platform, session: Session, operator: Operator, before: dict[str, Any] | None, **values: Any
) -> dict[str, Any]:
    after = await ops.set_rate(platform, session, **values)
    await audit.record(session, operator, "giftcards.rate_set", f"rate:{after['id']}", before, after)
    return after


@router.post("/{rate_id}")
async def edit(
    request: Request,
    session: Session,
    platform: PlatformDep,
    operator: Finance,
    rate_id: int,
    rate: Annotated[str, Form()] = "",
    fee_pct: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
) -> Response:
    before = await ops.get_rate(platform, session, rate_id=rate_id)
    after = await _save(
        platform,
        session,
        operator,
        before,
        card_type_id=before["card_type_id"],
        card_name=before["card_name"],
        country=before["country"],
        currency=before["currency"],
        rate=_decimal("rate", rate),
        fee_pct=_decimal("fee_pct", fee_pct),
        active=active == "on",
    )
    flash(request, f"Rate for {after['card_name']} ({after['country']}, {after['currency']}) saved.")
    return redirect(request, "/rates")


@router.post("")
async def add(
    request: Request,
    session: Session,
    platform: PlatformDep,
    operator: Finance,
    card_type_id: Annotated[str, Form()] = "",
    card_name: Annotated[str, Form()] = "",
    country: Annotated[str, Form()] = "",
    currency: Annotated[str, Form()] = "",
    rate: Annotated[str, Form()] = "",
    fee_pct: Annotated[str, Form()] = "",
) -> Response:
    after = await _save(
        platform,
        session,
        operator,
        None,
        card_type_id=_whole("card_type_id", card_type_id),
        card_name=card_name,
        country=country,
        currency=currency,
        rate=_decimal("rate", rate),
        fee_pct=_decimal("fee_pct", fee_pct),
        active=True,
    )
    flash(request, f"Rate for {after['card_name']} ({after['country']}, {after['currency']}) saved.")
    return redirect(request, "/rates")
