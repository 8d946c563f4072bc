"""The platform's PayTokenStore for Orange Money: a table, each `put` committed in its own unit
of work before it returns, so a payToken is durable before `cashin/pay` can spend it."""

from __future__ import annotations

from sqlalchemy import select

from peerx.core.db import Database, dialect_insert, utcnow
from peerx.rails.models import RailPayToken
from peerx.rails.orange_money.client import PayTokenAlreadyStored


class DbPayTokenStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, reference: str) -> str | None:
        async with self._db.transaction() as session:
            token: str | None = await session.scalar(
                select(RailPayToken.pay_token).where(RailPayToken.reference == reference)
            )
            return token

    async def put(self, reference: str, pay_token: str) -> None:
        async with self._db.transaction() as session:
            insert = dialect_insert(session)
            await session.execute(
                insert(RailPayToken)
                .values(reference=reference, pay_token=pay_token, created_at=utcnow())
                .on_conflict_do_nothing()
            )
            stored = await session.scalar(select(RailPayToken.pay_token).where(RailPayToken.reference == reference))
        # Committed here: the unit of work above has ended.
        if stored is None:
            raise RuntimeError(f"payToken for payout {reference} is already stored for another payout")
        if stored != pay_token:
            raise PayTokenAlreadyStored(reference, stored)
