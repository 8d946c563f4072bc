"""What every command shares: settings from the environment, migrations applied, one unit of
work, and output as one JSON object (--json) or readable lines; errors exit non-zero.

Importing this module must stay cheap (`peerx --help` imports it): the platform, SQLAlchemy and
the products are imported inside the functions that use them.

The --json contract (docs/cli.md): stdout carries results only (one JSON object, or one JSON line
per event for serve/worker); stderr carries progress as JSON lines and, on failure, one last JSON
line {"error": ..., "code": ...}; the exit code is non-zero exactly when the command failed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, NoReturn

import typer

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from peerx.platform import Platform

Action = Callable[["Platform", "AsyncSession"], Awaitable[dict[str, Any]]]

JsonOption = typer.Option(False, "--json", help="Print JSON: the result on stdout, progress and errors on stderr.")

# Error codes of the CLI's own (a PeerxError carries its own code: not_found, invalid_field, ...).
USAGE = "usage"  # a bad option or argument, a missing command (exit 2, as click does)
INVALID_ARGUMENT = "invalid_argument"  # an option the command itself refused (exit 1)
INTERNAL = "internal_error"  # anything unexpected (exit 1)

_json_mode = False


def wants_json(args: Sequence[str]) -> bool:
    """Whether the command line asks for JSON: decided from the words themselves so that errors
    raised before (or while) options are parsed are JSON too."""
    words = list(args)
    if "--" in words:
        words = words[: words.index("--")]
    return "--json" in words


def set_json_mode(on: bool) -> None:
    global _json_mode
    _json_mode = on


def json_mode() -> bool:
    return _json_mode


def _dumps(value: Any) -> str:
    from peerx.core.encoding import dumps  # simplejson with Decimal: exact amounts

    return dumps(value)


def emit(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(_dumps(result))
        return
    for key, value in result.items():
        typer.echo(f"{key}: {_dumps(value) if isinstance(value, dict | list) else value}")


def progress(event: dict[str, Any], text: str, as_json: bool | None = None) -> None:
    """One step of a long command, on stderr: a JSON line in --json mode, else the text."""
    if as_json if as_json is not None else _json_mode:
        typer.echo(_dumps(event), err=True)
    else:
        typer.echo(text, err=True)


def report_error(message: str, code: str, as_json: bool | None = None) -> None:
    if as_json if as_json is not None else _json_mode:
        typer.echo(json.dumps({"error": message, "code": code}, ensure_ascii=False), err=True)
    else:
        typer.echo(f"error: {message}", err=True)


def fail(message: str, code: str = INVALID_ARGUMENT, *, as_json: bool | None = None, exit_code: int = 1) -> NoReturn:
    report_error(message, code, as_json)
    raise typer.Exit(exit_code)


async def open_platform() -> Platform:
    from peerx.composition import build_platform
    from peerx.core.migrate import upgrade_async
    from peerx.settings import Settings

    settings = Settings()
    platform = build_platform(settings)
    await upgrade_async(settings.effective_database_url)
    return platform


def run(action: Action, as_json: bool) -> dict[str, Any]:
    from peerx.core.errors import PeerxError

    if as_json:
        set_json_mode(True)

    async def main() -> dict[str, Any]:
        platform = await open_platform()
        try:
            async with platform.db.transaction() as session:
                return await action(platform, session)
        finally:
            await platform.aclose()

    try:
        result = asyncio.run(main())
    except PeerxError as exc:
        fail(exc.message, exc.code, as_json=as_json)
    emit(result, as_json)
    return result


def decimal_arg(name: str, raw: str | None) -> Decimal | None:
    if raw is None:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        fail(f"{name} must be a number")
    if not value.is_finite():
        fail(f"{name} must be a finite number")
    return value


def unexpected(exc: BaseException) -> None:
    """An exception no command expected, in --json mode: one error line (no traceback, which
    could carry values from the command line)."""
    report_error(f"{type(exc).__name__}: {exc}", INTERNAL, as_json=True)


__all__ = [
    "INTERNAL",
    "INVALID_ARGUMENT",
    "USAGE",
    "Action",
    "JsonOption",
    "decimal_arg",
    "emit",
    "fail",
    "json_mode",
    "open_platform",
    "progress",
    "report_error",
    "run",
    "set_json_mode",
    "unexpected",
    "wants_json",
]
