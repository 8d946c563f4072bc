"""Bitcoin: the Peach API. People buy and sell bitcoin for fiat; a seller's coins wait in a
2-of-2 escrow between the seller and the platform (docs/bitcoin.md)."""

from __future__ import annotations

from fastapi import FastAPI

from peerx.chain import sandbox  # noqa: F401 - registers the sandbox chain's tables
from peerx.platform import Platform
from peerx.products.bitcoin import models  # noqa: F401 - registers the tables
from peerx.products.bitcoin.api import build_surface
from peerx.products.bitcoin.social import app_socket
from peerx.products.bitcoin.v069.api import build_surface as build_v069_surface

# Generated into data_dir when unset (context.py): every machine on a shared database needs the same.
SHARED_SECRETS = ("bitcoin_escrow_xprv",)
V069_PREFIX = "/peach/v069"  # the app's second API, beside v1 (peach-api-ts src/private/peach069)


def mount(app: FastAPI, platform: Platform) -> None:
    app_socket.mount(app, platform)  # the app's chat socket at the API root (/peach/)
    app.mount(platform.settings.peach_prefix, build_surface(platform))
    app.mount(V069_PREFIX, build_v069_surface(platform))
