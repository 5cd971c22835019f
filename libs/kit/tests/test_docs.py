from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from vitrine_kit.docs import ASSET_NAMES, install_docs
from vitrine_kit.errors import install_error_handlers
from vitrine_kit.testing.app import running_app


@pytest.mark.unit
class TestDocsPage:
    async def test_served_with_its_own_assets_under_a_strict_csp(self) -> None:
        app = FastAPI(title="kit <docs>", docs_url=None, redoc_url=None)
        install_error_handlers(app)
        install_docs(app)
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://service") as client:
            page = await client.get("/docs")
            assets = {name: await client.get(f"/docs/{name}") for name in ASSET_NAMES}
            other = await client.get("/docs/index.html")
        assert page.status_code == 200
        assert page.headers["content-security-policy"].startswith("default-src 'self';")
        assert "kit &lt;docs&gt;" in page.text
        refs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert refs, "the page loads its assets"
        for ref in refs:
            assert "//" not in ref, f"{ref} is on another origin"
            assert ref == "openapi.json" or ref.removeprefix("docs/") in ASSET_NAMES
        for name, reply in assets.items():
            assert reply.status_code == 200, name
            assert reply.headers["content-security-policy"] == page.headers["content-security-policy"]
        assert b"SwaggerUIBundle" in assets["swagger-ui-bundle.js"].content
        assert b"validatorUrl: null" in assets["init.js"].content
        assert other.status_code == 404


class TestServiceDocs:
    async def test_a_kit_service_serves_the_offline_page(self, fixture_app) -> None:
        async with running_app(fixture_app()) as (client, _):
            page = await client.get("/docs")
            css = await client.get("/docs/swagger-ui.css")
        assert page.status_code == 200
        assert "cdn.jsdelivr" not in page.text
        assert css.headers["content-type"].startswith("text/css")
