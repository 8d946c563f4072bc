"""peerx webhooks: merchant endpoints and replays."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import typer

from peerx.cli.common import JsonOption, fail, run

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from peerx.platform import Platform

app = typer.Typer(help="Webhook endpoints and deliveries.", no_args_is_help=True)


@app.command()
def add(
    account: int = typer.Option(..., "--account"),
    url: str = typer.Option(..., "--url"),
    test: bool = typer.Option(False, "--test"),
    surface: str = typer.Option("peertupeer", "--surface"),
    as_json: bool = JsonOption,
) -> None:
    """Add an endpoint that receives all of the account's events; prints its signing secret."""
    from peerx.ops import actions

    run(partial(actions.add_webhook, account_id=account, url=url, livemode=not test, surface=surface), as_json)


@app.command()
def replay(
    event: str | None = typer.Option(None, "--event"),
    delivery: int | None = typer.Option(None, "--delivery"),
    as_json: bool = JsonOption,
) -> None:
    """Send an event again (all its endpoints) or one delivery again (e.g. a dead one)."""
    from peerx.ops import actions

    if (event is None) == (delivery is None):
        fail("give exactly one of --event or --delivery")
    run(partial(actions.replay_webhooks, event_id=event, delivery_id=delivery), as_json)


# ---------------------------------------------------------------- endpoints (issue 16)


@app.command("list")
def list_(
    account: int | None = typer.Option(None, "--account"),
    surface: str | None = typer.Option(None, "--surface"),
    mode: str | None = typer.Option(None, "--mode", help="live or test (default both)."),
    page: int = typer.Option(1, "--page"),
    per_page: int = typer.Option(25, "--per-page"),
    as_json: bool = JsonOption,
) -> None:
    """Webhook endpoints (never their secrets) with their deliveries counted by status."""
    from peerx.ops import endpoints
    from peerx.ops.views.common import PageRequest, livemode_of

    async def action(platform: Platform, session: AsyncSession) -> dict[str, Any]:
        return await endpoints.list_endpoints(
            platform,
            session,
            account_id=account,
            surface=surface,
            livemode=livemode_of(mode),
            page=PageRequest(page, per_page),
        )

    run(action, as_json)


@app.command()
def disable(endpoint_id: int, as_json: bool = JsonOption) -> None:
    """Stop deliveries to an endpoint (its pending ones become dead: replay them after enabling)."""
    from peerx.ops import endpoints

    run(partial(endpoints.disable_endpoint, endpoint_id=endpoint_id), as_json)


@app.command()
def enable(endpoint_id: int, as_json: bool = JsonOption) -> None:
    """Deliver new events to a disabled endpoint again."""
    from peerx.ops import endpoints

    run(partial(endpoints.enable_endpoint, endpoint_id=endpoint_id), as_json)


@app.command("rotate-secret")
def rotate_secret(
    endpoint_id: int,
    grace_hours: int = typer.Option(24, "--grace-hours", help="Hours the old secret keeps signing too (0: none)."),
    as_json: bool = JsonOption,
) -> None:
    """A new signing secret (printed this once); the old one signs beside it until the grace ends."""
    from peerx.ops import endpoints

    run(partial(endpoints.rotate_secret, endpoint_id=endpoint_id, grace_hours=grace_hours), as_json)
