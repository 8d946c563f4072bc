"""peerx ledger verify: recompute every balance from the transfers; exit 1 when anything is off."""

from __future__ import annotations

import typer

from peerx.cli.common import JsonOption, run

app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)


@app.command()
def verify(as_json: bool = JsonOption) -> None:
    from peerx.ops import actions

    result = run(actions.verify_ledger, as_json)
    if not result["ok"]:
        raise typer.Exit(1)
