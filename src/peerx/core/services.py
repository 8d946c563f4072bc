"""What the core's own jobs need from the process, as a protocol: the platform provides it, and
the core stays free of the composition root that builds the platform."""

from __future__ import annotations

from typing import Protocol

from peerx.core.http import OutboundClient
from peerx.core.secrets import FieldCipher
from peerx.settings import Settings


class CoreServices(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def outbound(self) -> OutboundClient: ...

    @property
    def cipher(self) -> FieldCipher: ...
