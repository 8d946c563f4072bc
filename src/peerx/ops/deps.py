"""The operator API's one credential: the bearer token PEERX_OPS_TOKEN. With no token set,
every /ops/v1 call is refused with 403 `ops_api_disabled`, saying how to turn it on: a 401 would
send an operator looking for the right token when there is none to find."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from peerx.core.errors import Forbidden, Unauthorized
from peerx.web import PlatformDep

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="OperatorToken",
    description="`Authorization: Bearer <PEERX_OPS_TOKEN>`. The operator API is off while the token is unset.",
)


class OpsApiDisabled(Forbidden):
    code = "ops_api_disabled"


async def operator(
    platform: PlatformDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
) -> None:
    """Let the call through only with the configured operator token (compared in constant time)."""
    token = platform.settings.ops_token
    if not token:
        raise OpsApiDisabled("The operator API is off: set PEERX_OPS_TOKEN to turn it on.")
    given = credentials.credentials if credentials is not None else ""
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise Unauthorized("A valid operator token is required.")


# Every /ops/v1 router carries it: `wire_router(dependencies=[OPERATOR])`, so each route is
# guarded wherever its router is included, and its OpenAPI operation names the scheme.
OPERATOR = Depends(operator)
