"""What the money screens (payouts, vouchers, remittances, escrow, ledger, webhooks, bitcoin)
share: who reads them (viewer, finance; admin always), who acts on them (finance; admin always),
how a form's text field is read, and the route's screen (Reading, Acting, Listing): the request,
its unit of work and the operator, to call ops views and actions, render, and audit an action."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.console import audit
from peerx.console.auth import FINANCE_READERS, Guard, require
from peerx.console.render import flash, redirect, render
from peerx.ops import accounts
from peerx.ops.operators.models import FINANCE, Operator
from peerx.ops.views.common import PageRequest, page_request
from peerx.platform import Platform
from peerx.web import PlatformDep, Session

Params = ParamSpec("Params")
Answer = TypeVar("Answer")

READ = Depends(require(*FINANCE_READERS))
ACT = Depends(require(FINANCE))


def can_act(operator: Operator) -> bool:
    """Whether the page shows its action forms (the routes check again)."""
    return Guard((FINANCE,)).allows(operator.role)


async def form_text(request: Request, name: str) -> str:
    value = (await request.form()).get(name)
    return value.strip() if isinstance(value, str) else ""


@dataclass(frozen=True)
class Screen:
    """A screen's request: its unit of work and the operator the route's guard let in."""

    request: Request
    session: AsyncSession
    platform: Platform
    operator: Operator

    async def call(
        self,
        step: Callable[Concatenate[Platform, AsyncSession, Params], Awaitable[Answer]],
        *args: Params.args,
        **kwargs: Params.kwargs,
    ) -> Answer:
        """An ops view or action, in this request's unit of work."""
        return await step(self.platform, self.session, *args, **kwargs)

    async def names(self, ids: Iterable[int | None]) -> dict[int, str]:
        """Account names for the ids a page shows (the `account` macro prints them)."""
        return await accounts.account_names(self.platform, self.session, ids=ids)

    def render(self, template: str, title: str, **context: Any) -> Response:
        return render(self.request, template, title=title, **context)

    async def done(
        self,
        action: str,
        subject: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        *,
        message: str,
        then: str,
    ) -> Response:
        """After an action: its audit entry (in the action's unit of work, so a rollback leaves
        none), the message the next page shows, and the redirect there."""
        await audit.record(self.session, self.operator, action, subject, before, after)
        flash(self.request, message)
        return redirect(self.request, then)


@dataclass(frozen=True)
class ListScreen(Screen):
    """A filtered, paged list screen: its filters are the route's own query parameters."""

    page_asked: str  # the `page` query parameter as sent

    @property
    def page(self) -> PageRequest:
        # Checked when the view is called, after the route's own filters (as each route did).
        return page_request(self.page_asked, None)

    def render_list(self, template: str, title: str, listed: Any, filters: dict[str, str], **context: Any) -> Response:
        """The page: its rows (`listed`) and the filters as sent (the form shows them again)."""
        return self.render(template, title, listed=listed, filters=filters, **context)


async def _reading(request: Request, session: Session, platform: PlatformDep, operator: Operator = READ) -> Screen:
    return Screen(request, session, platform, operator)


async def _acting(request: Request, session: Session, platform: PlatformDep, operator: Operator = ACT) -> Screen:
    return Screen(request, session, platform, operator)


async def _listing(
    request: Request, session: Session, platform: PlatformDep, operator: Operator = READ, page: str = ""
) -> ListScreen:
    return ListScreen(request, session, platform, operator, page)


Reading = Annotated[Screen, Depends(_reading)]  # viewer, finance (admin always)
Acting = Annotated[Screen, Depends(_acting)]  # finance (admin always)
Listing = Annotated[ListScreen, Depends(_listing)]  # a list screen's readers
