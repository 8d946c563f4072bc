"""Dashboard: money moved per day (plotted), per product charts over time (volume, fees, payout
outcomes, queue depth), platform balances, queues, failures. It opens in the mode that has
activity (a demo is all test mode) and shows the last `days` days or a `from`/`to` range."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Request, Response

from peerx.console.auth import EVERYONE, require
from peerx.console.plot import bar_chart, stacked_chart
from peerx.console.render import NavItem, render
from peerx.core.db import utcnow
from peerx.core.errors import InvalidField
from peerx.ops import dashboard
from peerx.ops.operators.models import Operator
from peerx.ops.views.listing import date_range
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
    mode: str = "",
    days: int = 14,
) -> Response:
    days = days if days in RANGES else 14
    livemode = mode != "test" if mode in ("live", "test") else await dashboard.mode_with_activity(platform, session)
    start, end = request.query_params.get("from", ""), request.query_params.get("to", "")
    period = date_range(start, end)
    last = (period.end - timedelta(days=1)).date() if period.end is not None else utcnow().date()
    first = period.start.date() if period.start is not None else last - timedelta(days=days - 1)
    span = (last - first).days + 1
    if span > dashboard.MAX_DAYS:
        raise InvalidField("from", f"the range is at most {dashboard.MAX_DAYS} days")
    data = await dashboard.overview(platform, session, days=days, livemode=livemode)
    plots = {
        currency: bar_chart(data["volumes"]["days"], values, currency)
        for currency, values in data["volumes"]["currencies"].items()
    }
    charted = await dashboard.charts(platform, session, first=first, days=span, livemode=livemode)
    products = {}
    for name, series in charted["products"].items():
        moved = any(any(v) for v in series["volume"].values()) or any(series["queue"])
        if not moved and not any(any(v) for v in series["payouts"].values()):
            continue  # a product with nothing to show in the range takes no room
        dates = charted["days"]
        products[name] = {
            "volume": {c: bar_chart(dates, v, c) for c, v in series["volume"].items()},
            "fees": {c: bar_chart(dates, v, c) for c, v in series["fees"].items()},
            "payouts": stacked_chart(dates, series["payouts"], f"{name} payouts settled per day"),
            "queue": stacked_chart(dates, {"waiting": series["queue"]}, f"{name} jobs waiting at the end of each day"),
        }
    return render(
        request,
        "dashboard.html",
        title="Dashboard",
        data=data,
        plots=plots,
        days=days,
        ranges=RANGES,
        products=products,
        period={"from": start, "to": end, "first": first.isoformat(), "last": last.isoformat()},
    )
