"""Vouchers: the Peerwallet API. Approved vendors buy prepaid USD vouchers from their balance;
their customers redeem the codes later."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.core import mail  # noqa: F401 - registers the outbox table
from peerx.core.parties import Party, issue_credential
from peerx.platform import Platform
from peerx.products.vouchers import models  # noqa: F401 - registers the tables
from peerx.products.vouchers.service import SURFACE


async def peerwallet_keys(session: AsyncSession, party: Party) -> dict[str, Any]:
    return {
        "api_private_key": await issue_credential(
            session, party, surface=SURFACE, livemode=True, key_prefix="pw_live_"
        ),
        "test_api_private_key": await issue_credential(
            session, party, surface=SURFACE, livemode=False, key_prefix="pw_test_"
        ),
    }


def mount(app: FastAPI, platform: Platform) -> None:
    from peerx.products.vouchers.api import build_surface

    app.mount(platform.settings.peerwallet_prefix, build_surface(platform))
