"""What a route does for one kind of transaction, written once for both: online (basic) and face
to face (p2p) differ only in their table's flow (online.FLOW, p2p.FLOW) and their wire view, so
the route modules (api/online.py, api/p2p.py) keep the declarations and call these."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.platform import Platform
from peerx.products.escrow import oauth, repository, service, shapes
from peerx.products.escrow.api.shared import card_payment, meaning
from peerx.products.escrow.deps import actor, once
from peerx.products.escrow.kernel import Flow, PayinPlan, Timing
from peerx.products.escrow.repository import Actor, Tx
from peerx.products.escrow.schemas import User as UserDetails
from peerx.products.escrow.schemas import WireRequest
from peerx.products.escrow.tasks import timing
from peerx.rails.payins import PayinResult
from peerx.web import WireJSON

BeginPayin = Callable[[AsyncSession, Actor], Awaitable[PayinPlan]]


class Transactions(Generic[Tx]):
    """The route work for one kind of transaction: `flow` holds its rules, `view` prints it as the
    document's Transaction."""

    def __init__(self, flow: Flow[Tx], view: Callable[[Tx], dict[str, Any]]) -> None:
        self.flow: Flow[Tx] = flow
        self.view: Callable[[Tx], dict[str, Any]] = view

    async def _answer(self, changed: Awaitable[Tx]) -> dict[str, Any]:
        """The body a change answers: the transaction it changed."""
        return self.view(await changed)

    async def step(
        self,
        request: Request,
        session: AsyncSession,
        user: oauth.TokenUser,
        body: WireRequest | None,
        change: Callable[[], Awaitable[Tx]],
    ) -> Response:
        """A change to one transaction, answered with the transaction, once per Idempotency-Key."""
        return await once(request, session, user, meaning(body), lambda: self._answer(change()))

    async def create(
        self,
        request: Request,
        session: AsyncSession,
        user: oauth.TokenUser,
        body: WireRequest,
        make: Callable[[], Awaitable[Tx]],
    ) -> Response:
        """A new transaction: 201, once per Idempotency-Key."""
        return await once(request, session, user, body.meaning(), lambda: self._answer(make()), 201)

    async def read(self, session: AsyncSession, user: oauth.TokenUser, tx_id: int) -> Response:
        return WireJSON(self.view(await self._load(session, user, tx_id)))

    async def details(self, session: AsyncSession, user: oauth.TokenUser, tx_id: int, role: str) -> Response:
        """The buyer's or the seller's details."""
        tx = await self._load(session, user, tx_id)
        if user.client.shape == shapes.OPENAPI:  # the spec's UserDetails, from the name's parts
            party = await service.party(session, tx, role)
            return WireJSON(shapes.user_details(shapes.OPENAPI, party.email, party.first_name, party.last_name))
        return WireJSON(UserDetails.of(await service.party_details(session, tx, role)))

    async def listing(self, session: AsyncSession, user: oauth.TokenUser, paging: repository.Page) -> Response:
        rows = await repository.list_transactions(session, self.flow.model, actor(user), paging)
        return WireJSON([self.view(tx) for tx in rows])

    async def by_join_code(self, session: AsyncSession, user: oauth.TokenUser, join_code: str) -> Response:
        found: Tx = await repository.by_join_code(session, self.flow.model, actor(user), join_code, lock=False)
        return WireJSON(self.view(found))

    async def join(
        self, request: Request, session: AsyncSession, user: oauth.TokenUser, join_code: str, params: object
    ) -> Response:
        """`params`: what identifies the request beyond its path (a join code in the query)."""
        return await once(
            request, session, user, params, lambda: self._answer(self.flow.join(session, actor(user), join_code))
        )

    async def reject(self, request: Request, session: AsyncSession, user: oauth.TokenUser, join_code: str) -> Response:
        return await once(
            request, session, user, {}, lambda: self._answer(self.flow.reject(session, actor(user), join_code))
        )

    async def accept_complaint(
        self, request: Request, session: AsyncSession, user: oauth.TokenUser, body: WireRequest | None, tx_id: int
    ) -> Response:
        return await self.step(
            request, session, user, body, lambda: self.flow.accept_complaint(session, actor(user), tx_id)
        )

    async def pay(
        self,
        request: Request,
        platform: Platform,
        token: str | None,
        body: WireRequest | None,
        token_field: str,
        begin: BeginPayin,
        finish: Callable[[AsyncSession, Actor, PayinPlan, PayinResult, Timing], Awaitable[Tx]],
    ) -> Response:
        """A card payment (shared.card_payment), answered with the transaction."""
        t = timing(platform)

        async def recorded(session: AsyncSession, who: Actor, plan: PayinPlan, result: PayinResult) -> dict[str, Any]:
            return self.view(await finish(session, who, plan, result, t))

        return await card_payment(request, platform, token, meaning(body), token_field, begin, recorded)

    async def load(self, session: AsyncSession, user: oauth.TokenUser, tx_id: int) -> Tx:
        """One of the caller's transactions (404 otherwise), unlocked: for reading."""
        return await self._load(session, user, tx_id)

    async def _load(self, session: AsyncSession, user: oauth.TokenUser, tx_id: int) -> Tx:
        found: Tx = await repository.load(session, self.flow.model, actor(user), tx_id, lock=False)
        return found
