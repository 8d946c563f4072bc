"""peerx rails: the payout rails' operator settings (the platform's float at each operator)."""

from __future__ import annotations

from functools import partial

import typer

from peerx.cli.common import JsonOption, decimal_arg, run

app = typer.Typer(help="Payout rails.", no_args_is_help=True)
float_app = typer.Typer(help="The platform's float at each mobile-money operator.", no_args_is_help=True)
app.add_typer(float_app, name="float")


@float_app.command("set")
def set_float(
    rail: str = typer.Option(..., "--rail", help="mtn_momo or orange_money"),
    currency: str = typer.Option(..., "--currency"),
    amount: str = typer.Option(..., "--amount", help="What the platform holds at the operator."),
    test: bool = typer.Option(False, "--test", help="The test-mode float."),
    as_json: bool = JsonOption,
) -> None:
    """Set the float (starts tracking it); remittances waiting for float resume."""
    from peerx.ops.remittances import actions as remittance_ops

    value = decimal_arg("amount", amount)
    assert value is not None
    run(partial(remittance_ops.set_float, rail=rail, currency=currency, amount=value, livemode=not test), as_json)


@float_app.command("show")
def show_float(
    rail: str = typer.Option(..., "--rail"),
    currency: str = typer.Option("XAF", "--currency"),
    test: bool = typer.Option(False, "--test"),
    as_json: bool = JsonOption,
) -> None:
    """The float, what payouts in flight reserve of it, and what is available."""
    from peerx.ops.remittances import actions as remittance_ops

    run(partial(remittance_ops.get_float, rail=rail, currency=currency, livemode=not test), as_json)
