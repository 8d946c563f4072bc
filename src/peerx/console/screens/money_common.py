"""What the money screens (payouts, vouchers, remittances, escrow, ledger, webhooks, bitcoin)
share: who reads them (viewer, finance; admin always), who acts on them (finance; admin always),
how a form's text field is read, and the list screen: a page of rows picked by filters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from peerx.console.auth import FINANCE_READERS, Guard, require
from peerx.console.render import render
from peerx.ops.operators.models import FINANCE, Operator
from peerx.ops.views.common import PageRequest, page_request
from peerx.platform import Platform
from peerx.web import PlatformDep, Session

Filters = ParamSpec("Filters")
Listed = TypeVar("Listed")

READ = Depends(require(*FINANCE_READERS))
ACT = Depends(require(FINANCE))


def can_act(operator: Operator) -> bool:
    """Whether the page shows its action forms (the routes check again)."""
    return Guard((FINANCE,)).allows(operator.role)


async def form_text(request: Request, name: str) -> str:
    value = (await request.form()).get(name)
    return value.strip() if isinstance(value, str) else ""


@dataclass(frozen=True)
class ListScreen:
    """A filtered, paged list screen: what its route reads from the request (its filters are
    the route's own query parameters) and the page it renders."""

    request: Request
    session: AsyncSession
    platform: Platform
    operator: Operator
    page_asked: str  # the `page` query parameter as sent

    @property
    def page(self) -> PageRequest:
        # Checked when the view is called, after the route's own filters (as each route did).
        return page_request(self.page_asked, None)

    async def read(
        self,
        view: Callable[Concatenate[Platform, AsyncSession, Filters], Awaitable[Listed]],
        *args: Filters.args,
        **filters: Filters.kwargs,
    ) -> Listed:
        """The ops read view's answer for this request's unit of work."""
        return await view(self.platform, self.session, *args, **filters)

    def render(self, template: str, title: str, listed: Any, filters: dict[str, str], **context: Any) -> Response:
        """The page: its rows (`listed`), the filters as sent (the form shows them again)."""
        return render(self.request, template, title=title, listed=listed, filters=filters, **context)


async def _list_screen(
    request: Request, session: Session, platform: PlatformDep, operator: Operator = READ, page: str = ""
) -> ListScreen:
    return ListScreen(request, session, platform, operator, page)


Listing = Annotated[ListScreen, Depends(_list_screen)]
