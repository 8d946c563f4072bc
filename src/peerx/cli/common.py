"""What every command shares: settings from the environment, migrations applied, one unit of
work, and output as one JSON object (--json) or readable lines; errors exit non-zero."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.composition import build_platform
from peerx.core.encoding import dumps
from peerx.core.errors import PeerxError
from peerx.core.migrate import upgrade_async
from peerx.platform import Platform
from peerx.settings import Settings

Action = Callable[[Platform, AsyncSession], Awaitable[dict[str, Any]]]

JsonOption = typer.Option(False, "--json", help="Print one JSON object.")


async def open_platform() -> Platform:
    settings = Settings()
    platform = build_platform(settings)
    await upgrade_async(settings.effective_database_url)
    return platform


def emit(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(dumps(result))
        return
    for key, value in result.items():
        typer.echo(f"{key}: {dumps(value) if isinstance(value, dict | list) else value}")


def fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def run(action: Action, as_json: bool) -> dict[str, Any]:
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
        fail(exc.message)
        raise  # unreachable: fail exits
    emit(result, as_json)
    return result


def decimal_arg(name: str, raw: str | None) -> Decimal | None:
    if raw is None:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        fail(f"{name} must be a number")
        raise
    if not value.is_finite():
        fail(f"{name} must be a finite number")
    return value
