"""Orange Money's configuration (Cameroon only: Orange Money does not operate in Ghana), read from
the settings (docs/rails.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from peerx.settings import Settings


@dataclass(frozen=True)
class OrangeMoneyConfig:
    base_url: str  # e.g. https://api-s1.orange.cm (token at /token, API under /omcoreapis)
    client_id: str  # consumer key for the /token endpoint (Basic auth)
    client_secret: str = field(repr=False)
    api_username: str  # X-AUTH-TOKEN = base64(api_username:api_password)
    api_password: str = field(repr=False)
    channel_msisdn: str  # our channel user's Orange Money number, 9 national digits
    pin: str = field(repr=False)  # the channel user's PIN, sent with every pay
    notify_url: str | None = None
    timeout_seconds: float = 15.0
    api_version: str = "1.0.2"


def orange_money_config(settings: Settings) -> OrangeMoneyConfig | None:
    if not settings.orange_money_base_url:
        return None
    required = ("client_id", "client_secret", "api_username", "api_password", "channel_msisdn", "pin")
    missing = [n for n in required if not getattr(settings, f"orange_money_{n}")]
    if missing:
        raise ValueError(f"Orange Money lacks {', '.join('PEERX_ORANGE_MONEY_' + n.upper() for n in missing)}")
    return OrangeMoneyConfig(
        base_url=settings.orange_money_base_url,
        client_id=settings.orange_money_client_id,
        client_secret=settings.orange_money_client_secret,
        api_username=settings.orange_money_api_username,
        api_password=settings.orange_money_api_password,
        channel_msisdn=settings.orange_money_channel_msisdn,
        pin=settings.orange_money_pin,
        notify_url=settings.orange_money_notify_url or None,
        timeout_seconds=settings.orange_money_timeout_seconds,
        api_version=settings.orange_money_api_version,
    )
