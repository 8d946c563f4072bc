"""All configuration, read from PEERX_* environment variables."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import Field
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
    job_lease_seconds: int = 300
    worker_batch_size: int = 10

    # Uploads
    max_upload_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)

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
    smtp_password: str = ""
    smtp_timeout_seconds: float = 30.0

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'peerx.sqlite3').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")
