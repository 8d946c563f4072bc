"""Dashboard: money moved per day (plotted), platform balances, queues, failures."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from peerx.console.auth import EVERYONE, require
from peerx.console.plot import bar_chart
from peerx.console.render import NavItem, render
from peerx.ops import dashboard
from peerx.ops.operators.models import Operator
from peerx.web import PlatformDep, Session

router = APIRouter()
nav = NavItem("Dashboard", "/", EVERYONE)

RANGES = (7, 14, 30, 90)


@router.get("/")
async def show(
    request: Request,
    session: Session,
    platform: PlatformDep,
    operator: Operator = Depends(require(*EVERYONE)),
    mode: str = "live",
    days: int = 14,
) -> Response:
    days = days if days in RANGES else 14
    livemode = mode != "test"
    data = await dashboard.overview(platform, session, days=days, livemode=livemode)
    plots = {
        currency: bar_chart(data["volumes"]["days"], values, currency)
        for currency, values in data["volumes"]["currencies"].items()
    }
    return render(request, "dashboard.html", title="Dashboard", data=data, plots=plots, days=days, ranges=RANGES)
