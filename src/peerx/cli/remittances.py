"""peerx remittances: the Peex desk's operator actions (partner terms, cancel, retry, settle,
platform users that partners can pay by email)."""

from __future__ import annotations

from functools import partial

import typer

from peerx.cli.common import JsonOption, decimal_arg, fail, run

app = typer.Typer(help="Peex remittances.", no_args_is_help=True)


@app.command("set")
def set_partner(
    account: int = typer.Option(..., "--account"),
    callback_url: str | None = typer.Option(None, "--callback-url", help="Status changes go here; '' removes it."),
    mtn_fee: str | None = typer.Option(None, "--mtn-fee", help="XAF per payment to an MTN wallet."),
    orange_fee: str | None = typer.Option(None, "--orange-fee", help="XAF per payment to an Orange wallet."),
    max_amount: str | None = typer.Option(None, "--max-amount", help="XAF per payment; above it: max_amount."),
    adress: str | None = typer.Option(None, "--adress"),
    web_site: str | None = typer.Option(None, "--web-site"),
    description: str | None = typer.Option(None, "--description"),
    activated: bool | None = typer.Option(None, "--activated/--deactivated"),
    as_json: bool = JsonOption,
) -> None:
    """Set a partner's terms and callback URL; prints them with the callback signing secret."""
    from peerx.ops.remittances import actions as remittance_ops
    from peerx.products.remittances.partners import PartnerChanges

    changes = PartnerChanges(
        callback_url=callback_url,
        mtn_fee=decimal_arg("mtn-fee", mtn_fee),
        orange_fee=decimal_arg("orange-fee", orange_fee),
        max_amount=decimal_arg("max-amount", max_amount),
        adress=adress,
        web_site=web_site,
        description=description,
        is_activated=activated,
    )
    run(partial(remittance_ops.set_partner, account_id=account, changes=changes), as_json)


@app.command()
def show(transaction_id: int, as_json: bool = JsonOption) -> None:
    """A remittance as an operator sees it."""
    from peerx.ops.remittances import actions as remittance_ops

    run(partial(remittance_ops.show, transaction_id=transaction_id), as_json)


@app.command()
def cancel(transaction_id: int, reason: str = typer.Option(..., "--reason"), as_json: bool = JsonOption) -> None:
    """Cancel a remittance not yet sent to a rail; the reason goes to payment_proof."""
    from peerx.ops.remittances import actions as remittance_ops

    run(partial(remittance_ops.cancel, transaction_id=transaction_id, reason=reason), as_json)


@app.command()
def retry(transaction_id: int, as_json: bool = JsonOption) -> None:
    """Re-check a waiting remittance now, or pay a failed one again (new payout reference)."""
    from peerx.ops.remittances import actions as remittance_ops

    run(partial(remittance_ops.retry, transaction_id=transaction_id), as_json)


@app.command()
def settle(
    transaction_id: int,
    outcome: str = typer.Option(..., "--outcome", help="paid or failed"),
    note: str = typer.Option("", "--note", help="The confirmation identifier, or the failure reason."),
    as_json: bool = JsonOption,
) -> None:
    """Record the outcome of a payout made by hand (manual rail) or stuck at a provider."""
    from peerx.ops.remittances import actions as remittance_ops

    if outcome not in ("paid", "failed"):
        fail("--outcome must be paid or failed")
    run(
        partial(remittance_ops.settle, transaction_id=transaction_id, paid=outcome == "paid", note=note),
        as_json,
    )


@app.command()
def beneficiary(
    email: str = typer.Option(..., "--email"),
    mobile_phone: str = typer.Option(..., "--mobile-phone"),
    first_name: str | None = typer.Option(None, "--first-name"),
    last_name: str | None = typer.Option(None, "--last-name"),
    test: bool = typer.Option(False, "--test", help="A test-mode platform user."),
    as_json: bool = JsonOption,
) -> None:
    """Register (or update) a platform user that partners can pay by email alone."""
    from peerx.ops.remittances import actions as remittance_ops

    run(
        partial(
            remittance_ops.set_beneficiary,
            email=email,
            mobile_phone=mobile_phone,
            first_name=first_name,
            last_name=last_name,
            livemode=not test,
        ),
        as_json,
    )
