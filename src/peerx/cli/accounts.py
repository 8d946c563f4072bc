"""peerx accounts: create partner accounts (with their API keys) and fund their balances."""

from __future__ import annotations

from functools import partial

import typer

from peerx.cli.common import JsonOption, decimal_arg, run

app = typer.Typer(help="Partner accounts: merchants, vendors, partners.", no_args_is_help=True)


@app.command()
def create(
    name: str = typer.Option(..., "--name"), email: str = typer.Option(..., "--email"), as_json: bool = JsonOption
) -> None:
    """Create an account and print its API keys (shown only this once)."""
    from peerx.ops import actions

    run(partial(actions.create_account, name=name, email=email), as_json)


@app.command()
def fund(
    account_id: int,
    currency: str = typer.Option(..., "--currency"),
    amount: str = typer.Option(..., "--amount"),
    test: bool = typer.Option(False, "--test", help="Fund the test-mode balance."),
    as_json: bool = JsonOption,
) -> None:
    """Credit an account's balance (money the operator received outside the platform)."""
    from peerx.ops import actions

    value = decimal_arg("amount", amount)
    assert value is not None
    run(
        partial(actions.fund_account, account_id=account_id, currency=currency, amount=value, livemode=not test),
        as_json,
    )


@app.command()
def grant(account_id: int, permission: str, as_json: bool = JsonOption) -> None:
    """Grant a permission, e.g. transfer_funds (Peerwallet voucher issuing)."""
    from peerx.ops import actions

    run(partial(actions.grant_permission, account_id=account_id, permission=permission), as_json)


@app.command()
def revoke(account_id: int, permission: str, as_json: bool = JsonOption) -> None:
    """Revoke a permission."""
    from peerx.ops import actions

    run(partial(actions.revoke_permission, account_id=account_id, permission=permission), as_json)
