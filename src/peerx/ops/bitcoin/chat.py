"""Operator view of a disputed Peach chat. A chat is private to the trade's two parties until
one of them raises a dispute and hands over the symmetric key encrypted for the platform's PGP
key (peach-app src/views/dispute/useRaiseDispute.ts encrypts it to the key GET /v1/info shows).
Only then may a mediator read it: with the platform's generated key pair (kept encrypted in the
database, social/platform_key.py) the page comes decrypted; with a key the operator configured
the secret stays with the operator and the page comes encrypted (`readable` False)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.platform import Platform
from peerx.products.bitcoin.social import chat
from peerx.products.bitcoin.social.platform_key import platform_pgp


async def disputed_chat(
    platform: Platform, session: AsyncSession, *, contract_id: str, page: int = 0
) -> dict[str, Any]:
    """One page (21 messages, page 0 the latest) of a disputed contract's chat, read with the
    platform key where this server holds it. Reading does not mark anything read for the parties."""
    pair = await platform_pgp(platform, session)
    return await chat.mediator_reading(session, pair, contract_id, page)
