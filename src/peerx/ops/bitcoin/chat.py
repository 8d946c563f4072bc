"""Operator view of a disputed Peach chat. A chat is private to the trade's two parties until
one of them raises a dispute and hands over the symmetric key encrypted for the platform's PGP
key: only then may a mediator read it (decrypting with the platform's PGP secret key, which
stays with the operator, never on this server)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerx.platform import Platform
from peerx.products.bitcoin.social import chat


async def disputed_chat(
    platform: Platform, session: AsyncSession, *, contract_id: str, page: int = 0
) -> dict[str, Any]:
    """One page (21 messages, page 0 the latest) of a disputed contract's chat, with what the
    mediator needs to read it. Reading does not mark anything read for the parties."""
    return await chat.mediator_page(session, contract_id, page)
