"""API docs that work offline: every surface serves its OpenAPI document with Swagger UI and
ReDoc from assets packaged with peerx (vendored from npm, see static/VERSIONS.txt; no CDN), and
the root page lists every surface with links to its docs."""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

ASSETS = "/_assets/docs"
STATIC = Path(__file__).parent / "static"


def mount_assets(app: FastAPI) -> None:
    app.mount(ASSETS, StaticFiles(directory=STATIC), name="docs-assets")


def add_docs_routes(app: FastAPI) -> None:
    """/docs (Swagger UI, with Trustap's OAuth2 redirect page) and /redoc for one surface."""

    def openapi_url(request: Request) -> str:
        return f"{request.scope.get('root_path', '').rstrip('/')}{app.openapi_url}"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=openapi_url(request),
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
            oauth2_redirect_url=f"{root}/docs/oauth2-redirect",
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url(request),
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon-32x32.png",
            with_google_fonts=False,
        )


def add_index(app: FastAPI) -> None:
    """GET /: every mounted surface that serves an OpenAPI document, with links to its docs."""

    @app.get("/", include_in_schema=False)
    async def index() -> HTMLResponse:
        rows = []
        for route in app.routes:
            if isinstance(route, Mount) and isinstance(route.app, FastAPI) and route.app.openapi_url:
                base, title = html.escape(route.path), html.escape(route.app.title)
                rows.append(
                    f"<tr><td>{title}</td><td><code>{base}</code></td>"
                    f'<td><a href="{base}/docs">Swagger UI</a> · <a href="{base}/redoc">ReDoc</a> · '
                    f'<a href="{base}{route.app.openapi_url}">OpenAPI</a></td></tr>'
                )
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>peerx</title>'
            "<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem}"
            "td{padding:.3rem 1rem .3rem 0}</style></head><body><h1>peerx</h1>"
            "<p>Every API this server speaks, with its documentation. "
            'Operators sign in at <a href="/console">/console</a>.</p>'
            f"<table><tr><th>API</th><th>Base path</th><th>Docs</th></tr>{''.join(rows)}</table></body></html>"
        )
        return HTMLResponse(page)
