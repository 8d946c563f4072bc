"""peerx serve / worker / migrate / demo."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import typer

from peerx.cli.common import JsonOption, emit, fail, open_platform, progress

if TYPE_CHECKING:  # imported inside the commands: `peerx --help` stays fast (docs/cli.md)
    from peerx.core.jobs import Worker
    from peerx.settings import Settings


def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    demo: bool = typer.Option(False, "--demo", help="Seed a sandbox merchant and print how to call it."),
    workers: int = typer.Option(
        1, "--workers", min=1, help="Server processes on the one port (each with its embedded job worker, if on)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Migrate the database, then serve every product (and, embedded, the job worker)."""
    import uvicorn

    from peerx import __version__
    from peerx.core.logs import configure_logging
    from peerx.core.migrate import upgrade
    from peerx.core.private_files import private_dir
    from peerx.settings import Settings
    from peerx.web.serving import APP_FACTORY, share_metrics_between_workers, uvicorn_options

    if demo:
        os.environ.setdefault("PEERX_ALLOW_PRIVATE_TARGETS", "true")
        os.environ.setdefault("PEERX_GIFTCARDS_SANDBOX_DELAY_SECONDS", "5")
        os.environ.setdefault("PEERX_PUBLIC_BASE_URL", f"http://{host}:{port}")
        # The operator API is off without a token: the demo makes one for this run and prints it.
        os.environ.setdefault("PEERX_OPS_TOKEN", secrets.token_urlsafe(24))
    settings = Settings()
    configure_logging(settings, force=True)  # JSON lines on stderr (docs/observability.md)
    refuse_without_shared_secrets(settings)
    private_dir(settings.data_dir)
    upgrade(settings.effective_database_url, on_applied=_migration_progress(as_json))
    if demo:
        asyncio.run(_seed_demo(settings, host, port, as_json))
    if as_json:  # the start line: stdout carries JSON lines only (uvicorn logs to stderr)
        emit({"event": "serving", "url": f"http://{host}:{port}", "pid": os.getpid(), "version": __version__}, True)
    options = {**uvicorn_options(settings, workers=workers), **(_logs_to_stderr() if as_json else {})}
    if workers > 1:
        # Each worker process imports the app factory and builds its own platform from PEERX_*
        # (the migrations above ran once, here, before any of them starts).
        share_metrics_between_workers(settings)
        uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, log_level="info", **options)
        return
    from peerx.app import create_app

    uvicorn.run(
        create_app(settings, run_worker=settings.embedded_worker), host=host, port=port, log_level="info", **options
    )


def _logs_to_stderr() -> dict[str, Any]:
    """uvicorn's access log goes to stdout by default; with --json stdout is JSON lines only."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["handlers"]["access"]["stream"] = "ext://sys.stderr"
    return {"log_config": config}


def demo(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    as_json: bool = JsonOption,
) -> None:
    """Run a working sandbox on the embedded database: same as `peerx serve --demo`."""
    serve(host=host, port=port, demo=True, workers=1, as_json=as_json)


def _migration_progress(as_json: bool) -> Any:
    def applied(revision: str, title: str) -> None:
        progress(
            {"event": "migration_applied", "revision": revision, "title": title},
            f"migrated {revision}: {title}",
            as_json,
        )

    return applied


def _step(step: str, text: str, as_json: bool) -> None:
    progress({"event": "demo_step", "step": step}, f"demo: {text}", as_json)


async def _seed_demo(settings: Settings, host: str, port: int, as_json: bool = False) -> None:
    from peerx.ops import actions
    from peerx.ops.giftcards import actions as giftcard_ops
    from peerx.ops.operators import accounts as operator_accounts

    _step("open", "opening the platform", as_json)
    platform = await open_platform()
    try:
        async with platform.db.transaction() as session:
            _step("rates", "gift-card rates (Amazon, iTunes)", as_json)
            await giftcard_ops.set_rate(
                platform,
                session,
                card_type_id=1,
                card_name="Amazon",
                country="USA",
                currency="USD",
                rate=Decimal("8.5"),
                fee_pct=Decimal("2.5"),
                active=True,
            )
            await giftcard_ops.set_rate(
                platform,
                session,
                card_type_id=2,
                card_name="iTunes",
                country="USA",
                currency="USD",
                rate=Decimal("7.9"),
                fee_pct=Decimal("3"),
                active=True,
            )
            _step("merchant", "the sandbox merchant and its keys", as_json)
            account = await actions.create_account(platform, session, name="Demo Merchant", email="demo@example.com")
            # The same sandbox account is a Peerwallet vendor and a Peex partner, with test balances.
            await actions.grant_permission(platform, session, account_id=account["id"], permission="transfer_funds")
            _step("balances", "test balances 1000 USD and 500000 XAF", as_json)
            for currency, amount in (("USD", "1000"), ("XAF", "500000")):
                await actions.fund_account(
                    platform,
                    session,
                    account_id=account["id"],
                    currency=currency,
                    amount=Decimal(amount),
                    livemode=False,
                )
            _step("operator", "a console admin", as_json)
            # One admin per demo run (a rerun seeds a new account, so the email stays unique).
            admin = await operator_accounts.create_operator(
                platform, session, email=f"admin+{account['id']}@demo.example", role="admin"
            )
    finally:
        await platform.aclose()
    key = account["peertupeer"]["test_key"]
    if as_json:  # secrets shown once, as the text form does: they are the demo's point
        emit({"event": "demo_seeded", "account": account, "operator": admin, "ops_token": settings.ops_token}, True)
        return
    base = f"http://{host}:{port}{settings.peertupeer_prefix}"
    typer.echo(f"""
peerx demo: sandbox merchant #{account["id"]} on {settings.effective_database_url}
  PeerTupeer test key: {key}

  curl {base}/rates.php
  curl -H "X-API-Key: {key}" {base}/wallet.php
  curl {base}/sandbox.php?action=test-cards
  curl -X POST -H "X-API-Key: {key}" {base}/trades.php \\
    -F card_type_id=1 -F country=USA -F currency=USD -F card_amount=100 \\
    -F card_number=4000000000000001 -F front_image=@docs/examples/card-front.png \\
    -F back_image=@docs/examples/card-back.png
  (that card approves itself in {settings.giftcards_sandbox_delay_seconds}s; then wallet.php shows 828.75 GHS)

  Peerwallet test key: {account["peerwallet"]["test_api_private_key"]} (test balance 1000 USD)
  curl -X POST -H "api-private-key: {account["peerwallet"]["test_api_private_key"]}" \
    http://{host}:{port}{settings.peerwallet_prefix}/voucher-issue -d quantity=2 -d amount=25 -d currency=USD

  Peex test secret: {account["peex"]["test_secret_key"]} (test solde 500000 XAF)
  curl -H "SECRETKEY: {account["peex"]["test_secret_key"]}" http://{host}:{port}{settings.peex_prefix}/clients/me
  curl -X POST -H "SECRETKEY: {account["peex"]["test_secret_key"]}" -H "Content-Type: application/json" \
    http://{host}:{port}{settings.peex_prefix}/clients/request_payment -d '{{"track_id": "DEMO1", "amount": 5000,
    "aml_cft": true, "from_currency": "XAF", "to_currency": "XAF", "mobile_phone": "+237670000000",
    "sender_first_name": "Ada", "sender_last_name": "Obi", "sender_mobile_phone": "+237690000001",
    "sender_country": "CM", "to_country": "CM", "purpose": "Family support", "fund_origin": "Salary"}}'

  Operator API (/ops/v1, docs at http://{host}:{port}/ops/v1/docs): bearer token {settings.ops_token}
  curl -H "Authorization: Bearer {settings.ops_token}" "http://{host}:{port}/ops/v1/accounts?product=peertupeer"

  Operator console: http://{host}:{port}/console  email {admin["email"]}
    one-time password {admin["password"]} (you choose your own at the first login)
  TOTP: add {admin["totp_uri"]} to an authenticator app, or read the current code with
    .venv/bin/python -c "import pyotp; print(pyotp.TOTP('{admin["totp_secret"]}').now())"
""")


def worker(
    metrics_port: int = typer.Option(
        0, "--metrics-port", min=0, max=65535, help="Serve this worker's Prometheus metrics on this port (0: off)."
    ),
    metrics_host: str = typer.Option("127.0.0.1", "--metrics-host", help="The address --metrics-port listens on."),
    as_json: bool = JsonOption,
) -> None:
    """Run the job worker as its own process (several may share one PostgreSQL)."""
    from peerx.core import metrics
    from peerx.core.logs import configure_logging
    from peerx.settings import Settings

    settings = Settings()
    refuse_without_shared_secrets(settings)
    configure_logging(settings, force=True)  # JSON lines on stderr (docs/observability.md)
    if metrics_port:
        metrics.serve_exposition(metrics_port, metrics_host)

    async def main() -> None:
        platform = await open_platform()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        runner: Worker = platform.worker
        if as_json:
            emit({"event": "worker_started", "name": runner.name, "pid": os.getpid()}, True)
        else:
            typer.echo(f"peerx worker {runner.name} started", err=True)
        try:
            await runner.run_forever(platform.settings.worker_poll_seconds, stop)
        finally:
            await platform.aclose()
        if as_json:
            emit({"event": "worker_stopped", "name": runner.name}, True)

    asyncio.run(main())


def refuse_without_shared_secrets(settings: Settings) -> None:
    """A server or worker on a shared database without the shared secrets exits 1, naming them
    (the platform refuses to build anyway; this says so before anything starts)."""
    from peerx.composition import register_product_hooks  # the products' own secrets
    from peerx.core.secrets import MissingSharedSecrets, require_shared_secrets

    register_product_hooks()
    try:
        require_shared_secrets(settings)
    except MissingSharedSecrets as exc:
        fail(exc.message, "missing_secrets")


def migrate(as_json: bool = JsonOption) -> None:
    """Apply database migrations (serve and every command do this too)."""
    from peerx.core.migrate import head_revisions, upgrade
    from peerx.core.private_files import private_dir
    from peerx.settings import Settings

    settings = Settings()
    private_dir(settings.data_dir)
    applied: list[str] = []
    report = _migration_progress(as_json)

    def on_applied(revision: str, title: str) -> None:
        applied.append(revision)
        report(revision, title)

    upgrade(settings.effective_database_url, on_applied=on_applied)
    heads = head_revisions()
    if as_json:
        emit({"migrated": True, "revision": ",".join(heads), "applied": applied}, True)
    else:
        typer.echo("migrated")
