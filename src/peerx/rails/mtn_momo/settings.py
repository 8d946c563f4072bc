"""MTN MoMo's configuration: one MtnMomoConfig per country in PEERX_MTN_MOMO_COUNTRIES (each MTN
country is its own target environment, often with its own credentials), read from the settings
with per-country overrides (docs/rails.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from peerx.settings import Settings

_MTN_FIELDS = ("base_url", "api_user", "api_key", "subscription_key", "target_environment", "callback_url")


@dataclass(frozen=True)
class MtnMomoConfig:
    base_url: str  # https://sandbox.momodeveloper.mtn.com, or the production proxy
    api_user: str  # the API user's UUID
    api_key: str = field(repr=False)
    subscription_key: str = field(repr=False)  # Ocp-Apim-Subscription-Key of the product
    target_environment: str  # "sandbox", or the country's value ("mtnghana", "mtncameroon", ...)
    callback_url: str | None = None
    timeout_seconds: float = 15.0
    product: Literal["disbursement", "remittance"] = "disbursement"


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
