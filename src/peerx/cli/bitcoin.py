"""peerx chain | market: the sandbox chain (fund, mine) and the sandbox market price."""

from __future__ import annotations

from functools import partial

import typer

from peerx.cli.common import JsonOption, decimal_arg, run

chain = typer.Typer(help="The sandbox bitcoin chain.", no_args_is_help=True)
market = typer.Typer(help="Peach market prices.", no_args_is_help=True)
bitcoin = typer.Typer(help="The Peach bitcoin market.", no_args_is_help=True)
disputes = typer.Typer(help="Contract disputes: list and decide.", no_args_is_help=True)
bitcoin.add_typer(disputes, name="disputes")


@chain.command()
def fund(address: str, sats: int, as_json: bool = JsonOption) -> None:
    """Pay SATS to ADDRESS from the sandbox faucet (in the mempool until mined)."""
    from peerx.ops.bitcoin import actions as bitcoin_ops

    run(partial(bitcoin_ops.fund_address, address=address, sats=sats), as_json)


@chain.command()
def mine(blocks: int = typer.Argument(1), as_json: bool = JsonOption) -> None:
    """Mine BLOCKS blocks; the first confirms the mempool."""
    from peerx.ops.bitcoin import actions as bitcoin_ops

    run(partial(bitcoin_ops.mine, blocks=blocks), as_json)


@market.command("set-price")
def set_price(
    pair: str = typer.Option(..., "--pair", help="e.g. BTCEUR"),
    price: str = typer.Option(..., "--price", help="price of one bitcoin, e.g. 27455.04"),
    as_json: bool = JsonOption,
) -> None:
    """Set the sandbox price source's price of a pair."""
    from peerx.ops.bitcoin import actions as bitcoin_ops

    value = decimal_arg("price", price)
    assert value is not None
    run(partial(bitcoin_ops.set_price, pair=pair, price=value), as_json)


@disputes.command("list")
def list_disputes(
    all_: bool = typer.Option(False, "--all", help="resolved disputes too"), as_json: bool = JsonOption
) -> None:
    """Disputes waiting for a mediator (with --all, resolved ones too)."""
    from peerx.ops.bitcoin import actions as bitcoin_ops

    run(partial(bitcoin_ops.list_disputes, active_only=not all_), as_json)


@disputes.command("resolve")
def resolve(
    contract_id: str,
    outcome: str = typer.Option(..., "--outcome", help="buyerWins | sellerWins | cancelTrade | payOutBuyer"),
    as_json: bool = JsonOption,
) -> None:
    """Decide CONTRACT_ID's dispute; the escrow moves accordingly."""
    from peerx.ops.bitcoin import actions as bitcoin_ops

    run(partial(bitcoin_ops.resolve_dispute, contract_id=contract_id, outcome=outcome), as_json)
