"""Bitcoin: the Peach API. People buy and sell bitcoin for fiat; a seller's coins wait in a
2-of-2 escrow between the seller and the platform (docs/bitcoin.md)."""

from __future__ import annotations

from fastapi import FastAPI

from peerx.chain import sandbox  # noqa: F401 - registers the sandbox chain's tables
from peerx.platform import Platform
from peerx.products.bitcoin import models  # noqa: F401 - registers the tables
from peerx.products.bitcoin.api import build_surface
from peerx.products.bitcoin.social import app_socket


def mount(app: FastAPI, platform: Platform) -> None:
    app_socket.mount(app, platform)  # the app's chat socket at the API root (/peach/)
    app.mount(platform.settings.peach_prefix, build_surface(platform))
