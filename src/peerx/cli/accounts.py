"""peerx accounts: create partner accounts (with their API keys) and fund their balances."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import typer

from peerx.cli.common import JsonOption, decimal_arg, run

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from peerx.platform import Platform

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


# ---------------------------------------------------------------- lifecycle (issue 16)


@app.command("list")
def list_(
    product: str | None = typer.Option(None, "--product", help="peertupeer, peerwallet, peex or trustap."),
    search: str | None = typer.Option(None, "--search", help="Part of a name or email, or an id."),
    start: str | None = typer.Option(None, "--from", help="Created on or after (ISO date)."),
    end: str | None = typer.Option(None, "--to", help="Created on or before (ISO date, whole day)."),
    page: int = typer.Option(1, "--page"),
    per_page: int = typer.Option(25, "--per-page"),
    as_json: bool = JsonOption,
) -> None:
    """List and search accounts (key prefixes only, never keys), oldest first."""
    from peerx.ops import accounts as lifecycle
    from peerx.ops.views.common import PageRequest
    from peerx.ops.views.listing import date_range

    async def action(platform: Platform, session: AsyncSession) -> dict[str, Any]:
        return await lifecycle.list_accounts(
            platform,
            session,
            product=product,
            search=search,
            when=date_range(start, end),
            page=PageRequest(page, per_page),
        )

    run(action, as_json)


@app.command()
def show(account_id: int, as_json: bool = JsonOption) -> None:
    """One account: status, products and key prefixes."""
    from peerx.ops import accounts as lifecycle

    run(partial(lifecycle.get_account, account_id=account_id), as_json)


@app.command("roll-key")
def roll_key(
    account_id: int,
    product: str = typer.Option(..., "--product", help="peertupeer, peerwallet, peex or trustap."),
    test: bool = typer.Option(False, "--test", help="Roll the test-mode key."),
    grace_hours: int = typer.Option(24, "--grace-hours", help="Hours the old key keeps working (0: none)."),
    as_json: bool = JsonOption,
) -> None:
    """Issue a new API key (printed this once); the old one works until the grace ends."""
    from peerx.ops import accounts as lifecycle

    run(
        partial(lifecycle.roll_key, account_id=account_id, product=product, livemode=not test, grace_hours=grace_hours),
        as_json,
    )


@app.command()
def suspend(account_id: int, reason: str = typer.Option(..., "--reason"), as_json: bool = JsonOption) -> None:
    """Refuse every API call of the account until it is reinstated."""
    from peerx.ops import accounts as lifecycle

    run(partial(lifecycle.suspend_account, account_id=account_id, reason=reason), as_json)


@app.command()
def reinstate(account_id: int, reason: str = typer.Option(..., "--reason"), as_json: bool = JsonOption) -> None:
    """Let a suspended account's keys work again."""
    from peerx.ops import accounts as lifecycle

    run(partial(lifecycle.reinstate_account, account_id=account_id, reason=reason), as_json)
