"""Gift-card rates: the table, and edits (finance) through the ops action, which sends
rate.updated to every subscriber."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response

from peerx.console.auth import EVERYONE, require
from peerx.console.render import NavItem, render
from peerx.console.screens.money_common import Acting, Screen, can_act
from peerx.core.errors import InvalidField
from peerx.ops.giftcards import actions as ops
from peerx.ops.operators.models import Operator
from peerx.web import PlatformDep, Session, decimal_field

router = APIRouter(prefix="/rates")
nav = NavItem("Rates", "/rates", EVERYONE)

Reader = Annotated[Operator, Depends(require(*EVERYONE))]
FormText = Annotated[str, Form()]  # a posted form's text field, "" when absent


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
    screen: Screen, before: dict[str, Any] | None, card: dict[str, Any], rate: str, fee_pct: str, *, active: bool
) -> Response:
    """A card's rate and fee through the ops action (which sends rate.updated), audited; then the table."""
    after = await screen.call(
        ops.set_rate, **card, rate=_decimal("rate", rate), fee_pct=_decimal("fee_pct", fee_pct), active=active
    )
    message = f"Rate for {after['card_name']} ({after['country']}, {after['currency']}) saved."
    return await screen.done("giftcards.rate_set", f"rate:{after['id']}", before, after, message=message, then="/rates")


@router.post("/{rate_id}")
async def edit(
    rate_id: int, screen: Acting, rate: FormText = "", fee_pct: FormText = "", active: FormText = ""
) -> Response:
    before = await screen.call(ops.get_rate, rate_id=rate_id)
    card = {key: before[key] for key in ("card_type_id", "card_name", "country", "currency")}  # an edit keeps the card
    return await _save(screen, before, card, rate, fee_pct, active=active == "on")


@router.post("")
async def add(
    screen: Acting,
    card_type_id: FormText = "",
    card_name: FormText = "",
    country: FormText = "",
    currency: FormText = "",
    rate: FormText = "",
    fee_pct: FormText = "",
) -> Response:
    card_type = _whole("card_type_id", card_type_id)
    card = {"card_type_id": card_type, "card_name": card_name, "country": country, "currency": currency}
    return await _save(screen, None, card, rate, fee_pct, active=True)
