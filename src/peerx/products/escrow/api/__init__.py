"""The Trustap v1 wire surface: the document's paths, fields and shapes; OAuth2 login under
/oauth2; errors as {"code", "error"} with the spec's codes and statuses. The routes live in
module-level routers by capability (api/online.py, api/p2p.py, api/listings.py, api/account.py,
api/oauth.py; their shared route helpers in api/shared.py, and what a route does for either kind
of transaction in api/transactions.py); this module assembles them into the surface and its
OpenAPI document."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from peerx.platform import Platform
from peerx.products.escrow import shapes
from peerx.products.escrow.api import account as api_account
from peerx.products.escrow.api import listings as api_listings
from peerx.products.escrow.api import oauth as api_oauth
from peerx.products.escrow.api import online as api_online
from peerx.products.escrow.api import p2p as api_p2p
from peerx.products.escrow.deps import AUTHORIZE_PATH, TOKEN_PATH
from peerx.products.escrow.errors import handle_validation, render_error
from peerx.products.escrow.schemas import Error
from peerx.web import surface_app

TITLE = "Trustap API (peerx)"
DESCRIPTION = """The Trustap API as peerx serves it: escrow for goods between a buyer and a seller, online
(shipped) and face to face (a deposit, then the rest at the meeting). See docs/escrow.md.

Like Stripe, all `price` and `charge` fields are amounts in the currency's smallest unit (1234 is
12.34 USD), as JSON integers.

**Logging in.** Users log in through peerx's OAuth2 server (authorization code with PKCE S256, at
`/oauth2/authorize` and `/oauth2/token`); send the access token as `Authorization: Bearer tpa_...`.
Every user route requires the `openid` scope. `/charge` and `/p2p/charge` also take an API key as
the Basic auth user name: `curl -u '<api_key>:' '.../charge?currency=usd&price=1234'`.

**Errors** are `{"code": "...", "error": "..."}`: `code` is stable (each operation lists the spec's
codes it can answer), `error` says what is wrong and names the field. A malformed field is a 400
naming it; a refused request changes nothing.

**Retries.** Every change accepts `Idempotency-Key`: the same key and request replay the first
answer for 24 hours.

**Test mode.** Test clients' transactions take the sandbox card tokens `tok_visa`,
`tok_mastercard` and `tok_amex` (`tok_chargeDeclined` is declined)."""

TAGS = [
    {"name": "Online Transactions", "description": "Create, join, list and read online transactions."},
    {"name": "Online Payment", "description": "The fee quote and the buyer's card payment."},
    {"name": "Online Shipping", "description": "Tracking details and delivery."},
    {"name": "Online Complaint", "description": "The complaint period and complaints."},
    {"name": "Online Cancel"},
    {"name": "Online Buyer/Seller Details"},
    {"name": "Online Single-use Listings"},
    {"name": "F2F Transactions", "description": "Face-to-face transactions: create, join, list and read."},
    {"name": "F2F Payment", "description": "The deposit, the price and the remainder."},
    {"name": "F2F Handover"},
    {"name": "F2F Complaint"},
    {"name": "F2F Cancel"},
    {"name": "F2F Buyer/Seller Details"},
    {"name": "F2F Single-use Listings"},
    {"name": "Personal", "description": "The logged-in user's details and credit account."},
    {"name": "Notifications"},
    {"name": "OAuth2", "description": "Logging in: peerx is the authorization server."},
]


def build_surface(platform: Platform) -> FastAPI:
    app = surface_app(TITLE, platform, render_error, description=DESCRIPTION, error_model=Error)
    app.openapi_tags = TAGS
    app.add_exception_handler(RequestValidationError, handle_validation)
    for module in (api_oauth, api_online, api_p2p, api_listings, api_account):
        app.include_router(module.router)
    shapes.install(app)  # each OAuth client's API shape (document | openapi) on the way out
    _oauth_urls_with_prefix(app, platform.settings.trustap_prefix)
    return app


def _oauth_urls_with_prefix(app: FastAPI, prefix: str) -> None:
    """The OAuth2 scheme's URLs are the surface's own; the document prints them as absolute paths
    (a relative URL would resolve against the server URL's parent)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            flow = schema["components"]["securitySchemes"]["OAuth2"]["flows"]["authorizationCode"]
            flow["authorizationUrl"] = prefix + AUTHORIZE_PATH
            flow["tokenUrl"] = flow["refreshUrl"] = prefix + TOKEN_PATH
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]
