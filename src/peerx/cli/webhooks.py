"""peerx webhooks: merchant endpoints and replays."""

from __future__ import annotations

from functools import partial

import typer

from peerx.cli.common import JsonOption, fail, run

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
