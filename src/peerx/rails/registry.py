"""Which rail pays a payout: test mode always uses the sandbox rail (test mode never moves real
money); live mode uses the connector configured for the (method, country), or the manual rail.

Connectors are configured per country: MTN MoMo once per country in PEERX_MTN_MOMO_COUNTRIES
(each MTN country is its own target environment, often with its own credentials), Orange Money
for Cameroon only (Orange Money does not operate in Ghana). See docs/rails.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from peerx.core.db import Database
from peerx.core.http import OutboundClient
from peerx.rails.base import PayoutRail
from peerx.rails.manual import ManualRail
from peerx.rails.mtn_momo import MtnMomoConfig, MtnMomoRail
from peerx.rails.orange_money import OrangeMoneyConfig, OrangeMoneyRail
from peerx.rails.paytokens import DbPayTokenStore
from peerx.rails.sandbox import SandboxRail
from peerx.settings import Settings

# (method, ISO 3166 alpha-2 country) -> live rail
RailKey = tuple[str, str]

_MTN_FIELDS = ("base_url", "api_user", "api_key", "subscription_key", "target_environment", "callback_url")


class RailRegistry:
    def __init__(self, live: Mapping[RailKey, PayoutRail] | None = None):
        self.live: dict[RailKey, PayoutRail] = dict(live or {})
        self.sandbox: PayoutRail = SandboxRail()
        self.manual: PayoutRail = ManualRail()

    @classmethod
    def from_settings(cls, settings: Settings, outbound: OutboundClient, db: Database | None = None) -> RailRegistry:
        live: dict[RailKey, PayoutRail] = {}
        for country, config in mtn_momo_configs(settings).items():
            live[("mtn_momo", country)] = MtnMomoRail(config, outbound.client)
        orange = orange_money_config(settings)
        if orange is not None:
            if db is None:
                raise ValueError("Orange Money needs the database for its payToken store")
            live[("orange_money", "CM")] = OrangeMoneyRail(orange, outbound.client, DbPayTokenStore(db))
        return cls(live)

    def for_method(self, method: str, *, livemode: bool, country: str | None = None) -> PayoutRail:
        """The rail for a new payout. `country` None: any country's connector for the method."""
        if not livemode:
            return self.sandbox
        for (m, c), rail in self.live.items():
            if m == method and (country is None or c == country):
                return rail
        return self.manual

    def by_name(self, name: str, *, country: str | None = None) -> PayoutRail:
        """The rail a payout was sent through (its name was stored when it was first sent)."""
        for rail in (self.sandbox, self.manual):
            if rail.name == name:
                return rail
        for (_, c), rail in self.live.items():
            if rail.name == name and (country is None or c == country):
                return rail
        raise LookupError(f"no rail named {name!r}" + (f" for {country}" if country else ""))


def mtn_momo_configs(settings: Settings) -> dict[str, MtnMomoConfig]:
    countries = [c.strip().upper() for c in settings.mtn_momo_countries.split(",") if c.strip()]
    if not countries:
        if settings.mtn_momo_base_url:
            raise ValueError("PEERX_MTN_MOMO_COUNTRIES must name the countries MTN MoMo pays (e.g. GH,CM)")
        return {}
    configs = {}
    for country in countries:
        values: dict[str, Any] = {name: getattr(settings, f"mtn_momo_{name}") for name in _MTN_FIELDS}
        override = settings.mtn_momo_overrides.get(country, {})
        unknown = set(override) - set(_MTN_FIELDS)
        if unknown:
            raise ValueError(f"PEERX_MTN_MOMO_OVERRIDES[{country}] has unknown keys: {', '.join(sorted(unknown))}")
        values.update(override)
        missing = [n for n in ("base_url", "api_user", "api_key", "subscription_key") if not values[n]]
        if missing:
            raise ValueError(
                f"MTN MoMo for {country} lacks {', '.join('PEERX_MTN_MOMO_' + n.upper() for n in missing)}"
            )
        configs[country] = MtnMomoConfig(
            base_url=values["base_url"],
            api_user=values["api_user"],
            api_key=values["api_key"],
            subscription_key=values["subscription_key"],
            target_environment=values["target_environment"] or "sandbox",
            callback_url=values["callback_url"] or None,
            timeout_seconds=settings.mtn_momo_timeout_seconds,
            product=settings.mtn_momo_product,
        )
    return configs


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
