"""All configuration, read from PEERX_* environment variables."""

from __future__ import annotations

import ipaddress
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PEERX_", extra="ignore")

    data_dir: Path = Path("peerx-data")
    # Empty means the embedded default: a SQLite file under data_dir.
    database_url: str = ""
    redis_url: str = ""

    # "kid:base64key,kid2:base64key"; the first is used to encrypt, all decrypt (rotation).
    # Empty: a key file is created under data_dir (embedded mode only; set this in production).
    encryption_keys: str = ""
    # Server pepper for keyed hashes (voucher codes). Empty: kept in the same key file.
    hash_pepper: str = ""

    # Outbound HTTP (webhooks, callbacks, rails) may not reach private/loopback addresses unless set.
    allow_private_targets: bool = False
    outbound_timeout_seconds: float = 10.0

    # Operator JSON API (/ops/v1) bearer token; empty disables the ops API.
    ops_token: str = ""
    public_base_url: str = "http://127.0.0.1:8000"

    # Where each product's wire surface is mounted.
    peertupeer_prefix: str = "/peertupeer/api/v1"
    # The document's limit; operators may change it ("limits" syntax, e.g. "100/minute").
    peertupeer_rate_limit: str = "100/minute"

    # Jobs
    embedded_worker: bool = True
    worker_poll_seconds: float = 1.0
    # Renewed every third of itself while a job runs, so it bounds how long a dead worker's jobs wait.
    job_lease_seconds: int = Field(default=30, ge=1)
    # Jobs claimed at once; a batch's webhook deliveries are posted together (docs/benchmarks.md).
    worker_batch_size: int = Field(default=64, ge=1, le=1000)

    # Uploads: each file at most max_upload_bytes, each image at most max_image_pixels (a small
    # PNG can claim 40000x40000 pixels: it is refused before it is decoded).
    max_upload_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    max_image_pixels: int = Field(default=40_000_000, ge=1)

    # The edge (docs/security.md): body limits per kind, and how long a client may take to send
    # its headers and its body (a base time, plus a second per body_min_rate_bytes received).
    max_json_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_form_bytes: int = Field(default=64 * 1024, ge=1024)
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    body_timeout_seconds: float = Field(default=20.0, gt=0)
    body_min_rate_bytes: int = Field(default=50_000, ge=1)
    # How long a request waits for a database connection before it is answered 503 + Retry-After.
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0)

    # Gift cards: seconds before a sandbox test card resolves itself.
    giftcards_sandbox_delay_seconds: int = 5

    # Peerwallet vouchers (docs/vouchers.md).
    peerwallet_prefix: str = "/peerwallet"
    peerwallet_rate_limit: str = "100/minute"  # every call, per API key
    peerwallet_code_rate_limit: str = "30/minute"  # calls that take a voucher code, per API key
    # Issuance fee, charged to the vendor on top of face value: a percentage of the order's face
    # total (rounded half up once, to the cent) plus a fixed USD amount per voucher. Default 0.
    vouchers_fee_pct: Decimal = Field(default=Decimal(0), ge=0, lt=100)
    vouchers_fee_fixed: Decimal = Field(default=Decimal(0), ge=0)
    # What an expired voucher's value becomes: "refund" (back to the vendor) or "forfeit" (kept by
    # the platform, in its voucher_breakage account).
    vouchers_expiry_action: Literal["refund", "forfeit"] = "refund"

    # Mail: "file" writes each message as .eml under data_dir/mail (the demo); "smtp" sends.
    mail_backend: Literal["file", "smtp"] = "file"
    mail_from: str = "Peerwallet <no-reply@peerx.localhost>"
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"  # tls = implicit TLS (port 465)
    smtp_username: str = ""
    smtp_password: str = Field(default="", repr=False)
    smtp_timeout_seconds: float = 30.0

    # Peex inbound remittances (docs/remittances.md). Amounts in XAF (0 decimals).
    peex_prefix: str = "/peex/api/v3"
    peex_max_amount: int = Field(default=1_000_000, ge=1)  # per transaction, unless set per partner
    peex_default_mtn_fee: int = Field(default=0, ge=0)  # given to new partners; then per partner
    peex_default_orange_fee: int = Field(default=0, ge=0)
    peex_balance_retry_seconds: int = Field(default=30, ge=1)  # how often a waiting payment re-checks
    peex_reject_after_seconds: int = Field(default=86_400, ge=1)  # waiting longer than this: rejected

    # Payout rails (docs/rails.md). Test mode always uses the sandbox rail; live mode uses these
    # connectors when configured, else the manual rail. MTN MoMo: one connector per country in
    # mtn_momo_countries ("GH,CM"), sharing the settings below unless mtn_momo_overrides gives a
    # country its own, as JSON: {"CM": {"target_environment": "mtncameroon", "api_key": "..."}}.
    mtn_momo_countries: str = ""
    mtn_momo_base_url: str = ""
    mtn_momo_api_user: str = ""
    mtn_momo_api_key: str = Field(default="", repr=False)
    mtn_momo_subscription_key: str = Field(default="", repr=False)
    mtn_momo_target_environment: str = "sandbox"
    mtn_momo_callback_url: str = ""  # e.g. https://peerx.example/rails/v1/mtn_momo/callback
    mtn_momo_timeout_seconds: float = 15.0
    mtn_momo_product: Literal["disbursement", "remittance"] = "disbursement"
    mtn_momo_overrides: dict[str, dict[str, str]] = Field(default_factory=dict, repr=False)
    # Orange Money Cameroon cash-in; configured when the base URL is set.
    orange_money_base_url: str = ""
    orange_money_client_id: str = ""
    orange_money_client_secret: str = Field(default="", repr=False)
    orange_money_api_username: str = ""
    orange_money_api_password: str = Field(default="", repr=False)
    orange_money_channel_msisdn: str = ""
    orange_money_pin: str = Field(default="", repr=False)
    orange_money_notify_url: str = ""  # e.g. https://peerx.example/rails/v1/orange_money/notify
    orange_money_timeout_seconds: float = 15.0
    orange_money_api_version: str = "1.0.2"

    # Peach bitcoin market (docs/bitcoin.md).
    peach_prefix: str = "/peach/v1"
    peach_rate_limit: str = "300/minute"  # per IP on public routes, per account on private ones
    bitcoin_network: Literal["mainnet", "testnet", "signet", "regtest"] = "regtest"
    chain_backend: Literal["sandbox", "esplora", "bitcoind"] = "sandbox"
    esplora_url: str = ""  # e.g. https://blockstream.info/api (with chain_backend=esplora)
    # bitcoind JSON-RPC with its watch-only wallet, e.g. http://user:pass@127.0.0.1:8332/wallet/peerx
    bitcoind_url: str = Field(default="", repr=False)
    chain_sandbox_fee_rate: Decimal = Field(default=Decimal(2), gt=0)  # sat/vB the sandbox estimates
    # The operator's extended private key (xprv/tprv); escrow keys derive from it per offer.
    # Empty: generated once into data_dir (not on mainnet).
    bitcoin_escrow_xprv: str = Field(default="", repr=False)
    peach_pgp_public_key: str = ""  # the platform's armored PGP public key, shown by info
    peach_escrow_fee: Decimal = Field(default=Decimal("0.02"), ge=0, lt=1)
    peach_min_offer_sats: int = Field(default=20_000, ge=546)
    peach_max_offer_sats: int = Field(default=15_000_000, ge=546)
    peach_funding_confirmations: int = Field(default=1, ge=0)  # 0: mempool funding counts
    peach_funding_window_hours: int = Field(default=72, ge=1)
    peach_watch_seconds: int = Field(default=30, ge=1)  # how often an unfunded escrow is checked
    peach_auth_window_seconds: int = Field(default=600, ge=10)  # how old an auth message may be
    peach_token_minutes: int = Field(default=60, ge=1)
    peach_price_cache_seconds: int = Field(default=10, ge=0)
    peach_price_source: Literal["sandbox", "kraken"] = "sandbox"  # kraken: the public ticker, live
    peach_price_url: str = "https://api.kraken.com"
    peach_price_currencies: str = "EUR,USD,CHF,GBP"  # the ticker pairs read: BTC<currency>
    peach_limit_currency: str = "EUR"  # trading limits are counted in this currency
    peach_daily_limit: int = Field(default=1000, ge=0)
    peach_monthly_anonymous_limit: int = Field(default=1000, ge=0)
    peach_yearly_limit: int = Field(default=100_000, ge=0)
    peach_min_app_version: str = "0.2.8"
    peach_latest_app_version: str = "0.2.12"
    # Contracts (part 2): the buyer's payment window (the seller may extend it by as much again),
    # where escrow fees go (empty: P2WPKH of the platform key m/48'/0'/0'/0/0, never an offer's),
    # and how often batched releases are joined into one transaction.
    peach_payment_window_hours: int = Field(default=12, ge=1)
    peach_fee_address: str = ""
    peach_batch_seconds: int = Field(default=600, ge=1)
    # Push notifications: "log" writes them to the log; "fcm" sends through Firebase Cloud
    # Messaging HTTP v1 with a service account (its JSON key, inline or a file path).
    peach_push_provider: Literal["log", "fcm"] = "log"
    peach_fcm_project_id: str = ""
    peach_fcm_service_account: str = Field(default="", repr=False)
    peach_fcm_url: str = "https://fcm.googleapis.com"

    # Trustap escrow (docs/escrow.md).
    trustap_prefix: str = "/trustap/api/v1"
    trustap_complaint_period_seconds: int = Field(default=86_400, ge=1)  # after delivery
    trustap_tracking_window_seconds: int = Field(default=7 * 86_400, ge=1)  # after payment, for the seller
    trustap_carrier_poll_seconds: int = Field(default=3_600, ge=1)
    trustap_access_token_seconds: int = Field(default=3_600, ge=60)
    # Sign-in on the authorize page (docs/escrow.md "Login throttling"): this many failures per email
    # typed (an account or not), or per client address, within the window lock it for lock_seconds.
    trustap_login_account_failures: int = Field(default=5, ge=1)
    trustap_login_address_failures: int = Field(default=20, ge=1)
    trustap_login_window_seconds: int = Field(default=900, ge=1)
    trustap_login_lock_seconds: int = Field(default=900, ge=1)
    # Live-mode card payments: "none" refuses them (no card connector configured), "stripe" charges
    # through Stripe (secret key below), "sandbox" is for demos only. Test mode always uses the
    # sandbox (tok_visa, tok_chargeDeclined, ...).
    trustap_live_payins: Literal["none", "sandbox", "stripe"] = "none"
    trustap_stripe_secret_key: str = Field(default="", repr=False)  # sk_live_... (or a restricted key)
    trustap_oidc_private_key: str = Field(default="", repr=False)  # ID tokens: a P-256 PKCS#8 PEM (oidc.py)
    trustap_stripe_api_base: str = "https://api.stripe.com"
    trustap_deposit_acceptance_seconds: int = Field(default=3 * 86_400, ge=1)  # face to face, for the seller

    # More than one machine (docs/deploy.md, docs/multi-machine.md).
    # Uploads (card images) go to this S3-compatible bucket when set; empty keeps them on local
    # disk under data_dir/files (the embedded default). The endpoint is for S3-compatible servers
    # (MinIO, Ceph, moto; empty = AWS). Empty keys use the SDK's default credential chain.
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = Field(default="", repr=False)
    s3_prefix: str = "files/"
    # Asked of the store for every object written; empty leaves it to the bucket's default.
    s3_server_side_encryption: Literal["", "AES256", "aws:kms"] = ""
    s3_timeout_seconds: float = Field(default=10.0, gt=0)
    # Proxies whose X-Forwarded-For/-Proto are believed (comma list of IPs or CIDRs); empty: none,
    # every request is its socket's peer.
    trusted_proxies: str = ""
    # Database connections per process: the pool kept open, and how many more it may open at peak.
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies(cls, value: str) -> str:
        """Each an address or a network ("10.0.0.0/8"), or "*" (any: only where nothing else can
        reach the port); normalized to uvicorn's forwarded_allow_ips form."""
        items = [item.strip() for item in value.split(",") if item.strip()]
        for item in items:
            if item == "*":
                continue
            try:
                ipaddress.ip_network(item) if "/" in item else ipaddress.ip_address(item)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network (e.g. 10.0.0.0/8)") from None
        return ",".join(items)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'peerx.sqlite3').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")
