"""Which rail pays a payout: test mode always uses the sandbox rail (test mode never moves real
money); live mode uses the connector configured for the method, or the manual rail."""

from __future__ import annotations

from peerx.core.http import OutboundClient
from peerx.rails.base import PayoutRail
from peerx.rails.manual import ManualRail
from peerx.rails.sandbox import SandboxRail
from peerx.settings import Settings


class RailRegistry:
    def __init__(self, live: dict[str, PayoutRail] | None = None):
        self.live: dict[str, PayoutRail] = dict(live or {})
        self.sandbox: PayoutRail = SandboxRail()
        self.manual: PayoutRail = ManualRail()

    @classmethod
    def from_settings(cls, settings: Settings, outbound: OutboundClient) -> RailRegistry:
        return cls()

    def for_method(self, method: str, *, livemode: bool) -> PayoutRail:
        if not livemode:
            return self.sandbox
        return self.live.get(method, self.manual)

    def by_name(self, name: str) -> PayoutRail:
        for rail in (self.sandbox, self.manual, *self.live.values()):
            if rail.name == name:
                return rail
        raise LookupError(f"no rail named {name!r}")
