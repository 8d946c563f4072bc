"""peerx rates / trades / withdrawals: the gift-card desk's operator actions."""

from __future__ import annotations

from functools import partial

import typer

from peerx.cli.common import JsonOption, decimal_arg, fail, run

rates = typer.Typer(help="Gift-card rates.", no_args_is_help=True)
trades = typer.Typer(help="Gift-card trades.", no_args_is_help=True)
withdrawals = typer.Typer(help="Merchant withdrawals.", no_args_is_help=True)


@rates.command("set")
def set_rate(
    card_type_id: int = typer.Option(..., "--card-type-id"),
    card_name: str = typer.Option(..., "--card-name"),
    country: str = typer.Option(..., "--country"),
    currency: str = typer.Option(..., "--currency"),
    rate: str = typer.Option(..., "--rate"),
    fee_pct: str = typer.Option(..., "--fee-pct"),
    inactive: bool = typer.Option(False, "--inactive"),
    as_json: bool = JsonOption,
) -> None:
    """Create or change a rate; subscribers receive rate.updated."""
    from peerx.ops.giftcards import actions as giftcard_ops

    rate_value, fee_value = decimal_arg("rate", rate), decimal_arg("fee-pct", fee_pct)
    assert rate_value is not None and fee_value is not None
    run(
        partial(
            giftcard_ops.set_rate,
            card_type_id=card_type_id,
            card_name=card_name,
            country=country,
            currency=currency,
            rate=rate_value,
            fee_pct=fee_value,
            active=not inactive,
        ),
        as_json,
    )


@trades.command()
def approve(
    reference: str, card_amount: str | None = typer.Option(None, "--card-amount"), as_json: bool = JsonOption
) -> None:
    """Approve a pending trade, optionally for a lower card amount."""
    from peerx.ops.giftcards import actions as giftcard_ops

    run(
        partial(giftcard_ops.approve_trade, reference=reference, card_amount=decimal_arg("card-amount", card_amount)),
        as_json,
    )


@trades.command()
def reject(reference: str, reason: str = typer.Option(..., "--reason"), as_json: bool = JsonOption) -> None:
    """Reject a pending trade with a reason the merchant sees."""
    from peerx.ops.giftcards import actions as giftcard_ops

    run(partial(giftcard_ops.reject_trade, reference=reference, reason=reason), as_json)


@withdrawals.command()
def settle(
    reference: str,
    outcome: str = typer.Option(..., "--outcome", help="paid or failed"),
    note: str = typer.Option("", "--note"),
    as_json: bool = JsonOption,
) -> None:
    """Record the outcome of a payout made by hand (manual rail) or stuck at a provider."""
    from peerx.ops.giftcards import actions as giftcard_ops

    if outcome not in ("paid", "failed"):
        fail("--outcome must be paid or failed")
    run(partial(giftcard_ops.settle_withdrawal, reference=reference, paid=outcome == "paid", note=note), as_json)
