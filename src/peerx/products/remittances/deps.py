"""Named auth dependencies of the Peex surface.

The document sends the partner's secret key in the `SECRETKEY` header, calls that key "an access
token", and its samples also send `ACCESS-TOKEN: {{token}}`, never explained. So `ACCESS-TOKEN`
is read as the secret key only when `SECRETKEY` is absent, and is otherwise ignored: a wrong
`SECRETKEY` is a 401 even beside a good `ACCESS-TOKEN`. Both are security schemes of the OpenAPI
document (either one authenticates an operation)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from peerx.core.errors import Unauthorized
from peerx.core.parties import Caller, authenticate
from peerx.products.remittances.common import SURFACE, Policy
from peerx.web import PlatformDep, Session

secret_key_header = APIKeyHeader(
    name="SECRETKEY",
    scheme_name="SECRETKEY",
    description="The partner's secret key (peex_live_… or peex_test_…, from `peerx accounts create`): "
    "the live key moves real money, the test key works in test mode.",
    auto_error=False,
)
access_token_header = APIKeyHeader(
    name="ACCESS-TOKEN",
    scheme_name="ACCESS-TOKEN",
    description="The same secret key, read only when the SECRETKEY header is absent "
    "(the document's samples send this header beside SECRETKEY).",
    auto_error=False,
)


async def partner_key(
    request: Request,
    session: Session,
    secret_key: Annotated[str | None, Security(secret_key_header)],
    access_token: Annotated[str | None, Security(access_token_header)],
) -> Caller:
    """The partner (and mode) the secret key names, or 401."""
    key = secret_key if "secretkey" in request.headers else access_token
    caller = await authenticate(session, surface=SURFACE, plaintext=(key or "").strip())
    if caller is None:
        raise Unauthorized("You are not authorized: provide your secret key in the SECRETKEY header.")
    return caller


PartnerKey = Annotated[Caller, Depends(partner_key)]


def policy(platform: PlatformDep) -> Policy:
    """The platform's terms (limits, default fees, waiting times), from settings."""
    return Policy.from_settings(platform.settings)


PolicyDep = Annotated[Policy, Depends(policy)]
