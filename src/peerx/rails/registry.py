"""Which rail pays a payout: test mode always uses the sandbox rail (test mode never moves real
money); live mode uses the connector configured for the (method, country), or the manual rail.

Connectors are configured per country: MTN MoMo once per country in PEERX_MTN_MOMO_COUNTRIES
(each MTN country is its own target environment, often with its own credentials), Orange Money
for Cameroon only (Orange Money does not operate in Ghana). See docs/rails.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from peerx.core.db import Database
from peerx.core.http import OutboundClient
from peerx.rails.manual import ManualRail
from peerx.rails.msisdn import DEFAULT_OVERRIDES, set_prefix_overrides
from peerx.rails.mtn_momo.client import MtnMomoRail
from peerx.rails.mtn_momo.settings import mtn_momo_configs
from peerx.rails.orange_money.client import OrangeMoneyRail
from peerx.rails.orange_money.settings import orange_money_config
from peerx.rails.payouts import PayoutRail
from peerx.rails.paytokens import DbPayTokenStore
from peerx.rails.sandbox import SandboxRail
from peerx.settings import Settings

# (method, ISO 3166 alpha-2 country) -> live rail
RailKey = tuple[str, str]


class RailRegistry:
    def __init__(self, live: Mapping[RailKey, PayoutRail] | None = None):
        self.live: dict[RailKey, PayoutRail] = dict(live or {})
        self.sandbox: PayoutRail = SandboxRail()
        self.manual: PayoutRail = ManualRail()

    @classmethod
    def from_settings(cls, settings: Settings, outbound: OutboundClient, db: Database | None = None) -> RailRegistry:
        # Which network a number belongs to, for every rail and product (refuses bad overrides).
        overrides = settings.msisdn_prefix_overrides
        set_prefix_overrides(DEFAULT_OVERRIDES if overrides is None else overrides)
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
