"""peerx escrow: the Trustap escrow's operator actions (clients, users, tokens, charges, resolve)."""

from __future__ import annotations

from functools import partial

import typer

from peerx.cli.common import JsonOption, decimal_arg, fail, run

app = typer.Typer(help="Trustap escrow.", no_args_is_help=True)
clients = typer.Typer(help="OAuth2 clients.", no_args_is_help=True)
users = typer.Typer(help="Users who log in.", no_args_is_help=True)
charges = typer.Typer(help="The charge calculator.", no_args_is_help=True)
app.add_typer(clients, name="clients")
app.add_typer(users, name="users")
app.add_typer(charges, name="charges")


@clients.command("create")
def create_client(
    name: str = typer.Option(..., "--name"),
    redirect_uri: list[str] = typer.Option(..., "--redirect-uri", help="Repeat for several."),
    test: bool = typer.Option(False, "--test", help="A test-mode client (sandbox money)."),
    shape: str = typer.Option(
        "document",
        "--shape",
        help="The API shape of its responses: document (the Trustap document's, the default) or openapi "
        "(the public OpenAPI description's schemas).",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Register a client; its secret is shown once."""
    from peerx.ops.escrow import actions as escrow_ops

    run(
        partial(escrow_ops.create_client, name=name, redirect_uris=redirect_uri, livemode=not test, shape=shape),
        as_json,
    )


@users.command("create")
def create_user(
    email: str = typer.Option(..., "--email"),
    password: str = typer.Option(..., "--password"),
    first: str = typer.Option("", "--first"),
    last: str = typer.Option("", "--last"),
    as_json: bool = JsonOption,
) -> None:
    """Create a user who can log in (argon2id password hash)."""
    from peerx.ops.escrow import actions as escrow_ops

    run(partial(escrow_ops.create_user, email=email, password=password, first=first, last=last), as_json)


@app.command("token")
def token(
    user: str = typer.Option(..., "--user", help="The user's email."),
    client: str = typer.Option(..., "--client", help="The client_id."),
    scope: str = typer.Option("openid", "--scope"),
    as_json: bool = JsonOption,
) -> None:
    """Issue an access token as if the user had consented (support and tests)."""
    from peerx.ops.escrow import actions as escrow_ops

    run(partial(escrow_ops.issue_token, email=user, client_id=client, scope=scope), as_json)


@app.command("resolve")
def resolve(
    transaction_id: int,
    outcome: str = typer.Option(..., "--outcome", help="release or refund"),
    p2p: bool = typer.Option(False, "--p2p", help="A face-to-face transaction."),
    as_json: bool = JsonOption,
) -> None:
    """Decide a complained transaction."""
    from peerx.ops.escrow import actions as escrow_ops

    if outcome not in ("release", "refund"):
        fail("--outcome must be release or refund")
    run(partial(escrow_ops.resolve, transaction_id=transaction_id, outcome=outcome, p2p=p2p), as_json)


@charges.command("set")
def set_charges(
    currency: str = typer.Option(..., "--currency"),
    model: str = typer.Option("online", "--model", help="online or p2p"),
    payment_method: str = typer.Option("card", "--payment-method"),
    buyer_pct: str = typer.Option("0", "--buyer-pct"),
    buyer_fixed: int = typer.Option(0, "--buyer-fixed", help="Minor units."),
    seller_pct: str = typer.Option("0", "--seller-pct"),
    seller_fixed: int = typer.Option(0, "--seller-fixed", help="Minor units."),
    min_price: int = typer.Option(100, "--min-price", help="Minor units."),
    as_json: bool = JsonOption,
) -> None:
    """Add a calculator version; it becomes current, older ones stay computable."""
    from peerx.ops.escrow import actions as escrow_ops

    bp, sp = decimal_arg("buyer-pct", buyer_pct), decimal_arg("seller-pct", seller_pct)
    assert bp is not None and sp is not None
    run(
        partial(
            escrow_ops.set_charges,
            model=model,
            currency=currency,
            payment_method=payment_method,
            buyer_pct=bp,
            buyer_fixed=buyer_fixed,
            seller_pct=sp,
            seller_fixed=seller_fixed,
            min_price=min_price,
        ),
        as_json,
    )
