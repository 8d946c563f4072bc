"""Entry point of the `peerx` command."""

from __future__ import annotations

import typer

from peerx.cli import accounts, giftcards, ledger, server, webhooks

app = typer.Typer(
    help="peerx: one core, five peer-to-peer money products.", no_args_is_help=True, pretty_exceptions_enable=False
)
app.add_typer(accounts.app, name="accounts")
app.add_typer(webhooks.app, name="webhooks")
app.add_typer(giftcards.rates, name="rates")
app.add_typer(giftcards.trades, name="trades")
app.add_typer(giftcards.withdrawals, name="withdrawals")
app.add_typer(ledger.app, name="ledger")
app.command()(server.serve)
app.command()(server.demo)
app.command()(server.worker)
app.command()(server.migrate)

if __name__ == "__main__":
    app()
