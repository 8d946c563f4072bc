"""Entry point of the `peerx` command.

The command modules are loaded lazily: `peerx --help` lists the commands from the table below
without importing any of them, and `peerx accounts ...` imports peerx.cli.accounts alone. The
command modules themselves import the platform, SQLAlchemy and the products inside their
functions, so `peerx accounts create --help` stays fast too (docs/cli.md; tests/cli)."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError  # typer>=0.27 vendors click
from typer.core import TyperCommand, TyperGroup

from peerx import __version__
from peerx.cli import common


class Entry(NamedTuple):
    module: str
    attribute: str  # a typer.Typer (a group of commands) or a function (one command)
    help: str  # the short help `peerx --help` shows; tests/cli checks it matches the command's


COMMANDS: dict[str, Entry] = {
    "accounts": Entry("peerx.cli.accounts", "app", "Partner accounts: merchants, vendors, partners."),
    "webhooks": Entry("peerx.cli.webhooks", "app", "Webhook endpoints and deliveries."),
    "rates": Entry("peerx.cli.giftcards", "rates", "Gift-card rates."),
    "trades": Entry("peerx.cli.giftcards", "trades", "Gift-card trades."),
    "withdrawals": Entry("peerx.cli.giftcards", "withdrawals", "Merchant withdrawals."),
    "ledger": Entry("peerx.cli.ledger", "app", "The double-entry ledger."),
    "remittances": Entry("peerx.cli.remittances", "app", "Peex remittances."),
    "rails": Entry("peerx.cli.rails", "app", "Payout rails."),
    "vouchers": Entry("peerx.cli.vouchers", "app", "Peerwallet vouchers."),
    "escrow": Entry("peerx.cli.escrow", "app", "Trustap escrow."),
    "chain": Entry("peerx.cli.bitcoin", "chain", "The sandbox bitcoin chain."),
    "market": Entry("peerx.cli.bitcoin", "market", "Peach market prices."),
    "bitcoin": Entry("peerx.cli.bitcoin", "bitcoin", "The Peach bitcoin market."),
    "operators": Entry("peerx.cli.operators", "app", "Operator console accounts."),
    "serve": Entry(
        "peerx.cli.server", "serve", "Migrate the database, then serve every product (and, embedded, the job worker)."
    ),
    "demo": Entry(
        "peerx.cli.server", "demo", "Run a working sandbox on the embedded database: same as `peerx serve --demo`."
    ),
    "worker": Entry(
        "peerx.cli.server", "worker", "Run the job worker as its own process (several may share one PostgreSQL)."
    ),
    "migrate": Entry("peerx.cli.server", "migrate", "Apply database migrations (serve and every command do this too)."),
}


def load_command(name: str) -> TyperCommand | TyperGroup:
    """The click command of COMMANDS[name], built from its module (imported now)."""
    entry = COMMANDS[name]
    target = getattr(importlib.import_module(entry.module), entry.attribute)
    holder = typer.Typer(add_completion=False)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
        group = typer.main.get_command(holder)
        assert isinstance(group, TyperGroup)
        command = group.commands[name]
    else:
        holder.command(name=name)(target)
        command = typer.main.get_command(holder)
    assert isinstance(command, TyperCommand | TyperGroup)
    return command


class LazyGroup(TyperGroup):
    """The root group: commands are imported when invoked; --help lists them from COMMANDS.
    Errors in --json mode (usage errors included) are one JSON line on stderr."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        if self._listing:
            # Help only needs a name and a line: a stand-in spares importing the module.
            return TyperCommand(name=cmd_name, help=COMMANDS[cmd_name].help)
        return load_command(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def main(self, args: Sequence[str] | None = None, *pos: Any, **kwargs: Any) -> Any:
        common.set_json_mode(common.wants_json(sys.argv[1:] if args is None else args))
        return super().main(args, *pos, **kwargs)

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except ClickException as exc:
            self._json_usage_error(exc)
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ClickException as exc:
            self._json_usage_error(exc)
            raise
        except (typer.Exit, typer.Abort, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            if not common.json_mode():
                raise
            common.unexpected(exc)
            raise typer.Exit(1) from exc

    @staticmethod
    def _json_usage_error(exc: Any) -> None:
        if not common.json_mode() or isinstance(exc, NoArgsIsHelpError):
            return
        common.fail(exc.format_message(), common.USAGE, as_json=True, exit_code=exc.exit_code)


def _version(value: bool) -> None:
    if value:
        if common.json_mode():
            typer.echo(json.dumps({"version": __version__}))
        else:
            typer.echo(f"peerx {__version__}")
        raise typer.Exit()


app = typer.Typer(
    cls=LazyGroup,
    help="peerx: one core, five peer-to-peer money products.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_version, help="Print peerx's version and exit."
    ),
    as_json: bool = typer.Option(False, "--json", help="With --version: print it as JSON."),
) -> None:
    """peerx: one core, five peer-to-peer money products."""


if __name__ == "__main__":
    app()
