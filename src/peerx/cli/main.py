"""Entry point of the `peerx` command."""

from __future__ import annotations

import typer

from peerx.cli import (
    accounts,
    bitcoin,
    escrow,
    giftcards,
    ledger,
    operators,
    rails,
    remittances,
    server,
    vouchers,
    webhooks,
)

app = typer.Typer(
    help="peerx: one core, five peer-to-peer money products.", no_args_is_help=True, pretty_exceptions_enable=False
)
app.add_typer(accounts.app, name="accounts")
app.add_typer(webhooks.app, name="webhooks")
app.add_typer(giftcards.rates, name="rates")
app.add_typer(giftcards.trades, name="trades")
app.add_typer(giftcards.withdrawals, name="withdrawals")
app.add_typer(ledger.app, name="ledger")
app.add_typer(remittances.app, name="remittances")
app.add_typer(rails.app, name="rails")
app.add_typer(vouchers.app, name="vouchers")
app.add_typer(escrow.app, name="escrow")
app.add_typer(bitcoin.chain, name="chain")
app.add_typer(bitcoin.market, name="market")
app.add_typer(bitcoin.bitcoin, name="bitcoin")
app.add_typer(operators.app, name="operators")
app.command()(server.serve)
app.command()(server.demo)
app.command()(server.worker)
app.command()(server.migrate)

if __name__ == "__main__":
    app()
