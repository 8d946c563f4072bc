"""peerx vouchers: Peerwallet orders as an operator sees them (codes are never shown)."""

from __future__ import annotations

from functools import partial

import typer

from peerx.cli.common import JsonOption, run

app = typer.Typer(help="Peerwallet vouchers.", no_args_is_help=True)


@app.command()
def show(order_id: str, as_json: bool = JsonOption) -> None:
    """An order with its vouchers, masked, and the state of its codes email."""
    from peerx.ops.vouchers import actions as voucher_ops

    run(partial(voucher_ops.show_order, order_id=order_id), as_json)


@app.command()
def void(order_id: str, as_json: bool = JsonOption) -> None:
    """Void every active voucher of an order; their face value returns to the vendor."""
    from peerx.ops.vouchers import actions as voucher_ops

    run(partial(voucher_ops.void_order, order_id=order_id), as_json)


@app.command("resend-email")
def resend_email(order_id: str, as_json: bool = JsonOption) -> None:
    """Send an order's codes email again after its delivery attempts ran out (status dead)."""
    from peerx.ops.vouchers import actions as voucher_ops

    run(partial(voucher_ops.resend_codes_email, order_id=order_id), as_json)
