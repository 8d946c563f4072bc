"""peerx operators: operator accounts (the console signs them in)."""

from __future__ import annotations

from functools import partial

import typer

from peerx.cli.common import JsonOption, run

# peerx.ops.operators.models.ROLES, written out so that --help imports no model (tests/cli checks).
ROLES = ("viewer", "reviewer", "finance", "admin")

app = typer.Typer(help="Operator console accounts.", no_args_is_help=True)


@app.command()
def create(
    email: str = typer.Option(..., "--email"),
    role: str = typer.Option(..., "--role", help=" | ".join(ROLES)),
    as_json: bool = JsonOption,
) -> None:
    """Create an operator. Prints a one-time password and the TOTP secret (and its otpauth:// URI
    for an authenticator app): neither is shown again."""
    from peerx.ops.operators import accounts

    run(partial(accounts.create_operator, email=email, role=role), as_json)


@app.command()
def disable(email: str = typer.Option(..., "--email"), as_json: bool = JsonOption) -> None:
    """Disable an operator: no more logins, and their open sessions end at once."""
    from peerx.ops.operators import accounts

    run(partial(accounts.disable_operator, email=email), as_json)
