"""Every surface's docs are served offline: the root page links each one; Swagger UI and ReDoc
load only packaged assets, never a CDN."""

from __future__ import annotations

import re

import httpx

SURFACES = [
    "/peertupeer/api/v1",
    "/peerwallet",
    "/peex/api/v3",
    "/trustap/api/v1",
    "/peach/v1",
    "/ops/v1",
    "/rails/v1",
]


async def test_root_lists_every_surface_with_its_docs(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for base in SURFACES:
        assert f'href="{base}/docs"' in page.text, base
        assert f'href="{base}/redoc"' in page.text, base
        assert f'href="{base}/openapi.json"' in page.text, base


async def test_docs_pages_load_only_packaged_assets(client: httpx.AsyncClient) -> None:
    for base in SURFACES:
        for page_path in ("/docs", "/redoc"):
            page = await client.get(base + page_path)
            assert page.status_code == 200, (base, page_path)
            sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
            assert sources and all(s.startswith("/_assets/docs/") for s in sources), (base, sources)
            assert "https://" not in page.text and "http://" not in page.text, (base, page_path)
            for source in sources:
                asset = await client.get(source)
                assert asset.status_code == 200 and len(asset.content) > 500, source
        spec = (await client.get(f"{base}/openapi.json")).json()
        assert spec["openapi"].startswith("3.") and spec["servers"] == [{"url": base}], base
