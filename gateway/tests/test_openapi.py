"""The merged OpenAPI document and the docs page."""

from __future__ import annotations

import re

from gateway.config import Upstream
from gateway.openapi import DOCS_PATHS, merge_documents

from .conftest import GatewayFactory, UpstreamServer, dead_url


class TestMergedOpenAPI:
    async def test_holds_every_service_paths_with_prefixes(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, second_upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream, "catalog": second_upstream, "media": dead_url()}) as gw:
            r = await gw.call("GET", "/openapi.json")
            docs = await gw.call("GET", "/docs")
        assert r.status == 200
        doc = r.json()
        assert "/api/auth/auth-things" in doc["paths"]
        assert "/api/catalog/catalog-things" in doc["paths"]
        assert not any(p.endswith("/healthz") for p in doc["paths"])
        assert not any("/internal" in p for p in doc["paths"])  # service-to-service APIs are not public
        assert doc["x-vitrine-unavailable"] == ["media"]
        # Both services call their schema "Thing": the second keeps its own under a prefixed name.
        schemas = doc["components"]["schemas"]
        assert set(schemas) == {"Thing", "catalog__Thing"}
        ref = doc["paths"]["/api/catalog/catalog-things"]["get"]["responses"]["200"]["content"]
        assert ref["application/json"]["schema"]["$ref"] == "#/components/schemas/catalog__Thing"
        op_ids = [op["get"]["operationId"] for op in doc["paths"].values()]
        assert len(set(op_ids)) == len(op_ids)
        assert docs.status == 200
        assert b'"openapi.json"' in docs.body  # relative: beside the page, wherever it is mounted

    def test_a_tag_two_services_use_is_named_after_each(self) -> None:
        def doc(tag: str) -> dict[str, object]:
            return {
                "paths": {"/accounts": {"get": {"tags": [tag], "operationId": f"op_{tag}", "responses": {}}}}
            }

        merged = merge_documents(
            {
                "auth": (Upstream(prefix="/api/auth", url="http://a"), doc("accounts")),
                "marketplace-ebay": (
                    Upstream(prefix="/api/marketplaces/ebay", url="http://b"),
                    doc("accounts"),
                ),
                "catalog": (Upstream(prefix="/api/catalog", url="http://c"), doc("products")),
            },
            title="t",
            version="1",
        )
        paths = merged["paths"]
        assert paths["/api/auth/accounts"]["get"]["tags"] == ["auth accounts"]
        assert paths["/api/marketplaces/ebay/accounts"]["get"]["tags"] == ["ebay accounts"]
        assert paths["/api/catalog/accounts"]["get"]["tags"] == ["products"]
        assert merged["tags"] == [{"name": "auth accounts"}, {"name": "ebay accounts"}, {"name": "products"}]


class TestDocsOffline:
    async def test_the_page_and_its_assets_come_from_the_gateway_under_a_strict_csp(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw:
            page = await gw.call("GET", "/docs")
            assets = {path: await gw.call("GET", path) for path in sorted(DOCS_PATHS - {"/docs"})}
            missing = await gw.call("GET", "/docs/swagger-ui.js.map")
        assert page.headers["content-security-policy"].startswith("default-src 'self'")
        assert page.headers["content-type"].startswith("text/html")
        text = page.body.decode()
        assert not re.search(r"(src|href)=\"(https?:)?//", text), "the page names another origin"
        for ref in re.findall(r'(?:src|href)="([^"]+)"', text):
            if ref != "openapi.json":
                assert "/" + ref in assets, ref
        for path, reply in assets.items():
            assert reply.status == 200, path
            assert reply.headers["content-security-policy"].startswith("default-src 'self'")
            assert b"cdn.jsdelivr" not in reply.body
            assert b"unpkg.com" not in reply.body
        assert assets["/docs/swagger-ui-bundle.js"].headers["content-type"].startswith("text/javascript")
        assert b"SwaggerUIBundle" in assets["/docs/init.js"].body
        assert missing.status == 404

    def test_identical_components_are_shared(self) -> None:
        thing = {"type": "object"}
        doc = {"paths": {"/x": {"get": {"responses": {}}}}, "components": {"schemas": {"Problem": thing}}}
        merged = merge_documents(
            {
                "a": (Upstream(prefix="/api/a", url="http://a"), doc),
                "b": (Upstream(prefix="/api/b", url="http://b"), doc),
            },
            title="t",
            version="1",
        )
        assert set(merged["components"]["schemas"]) == {"Problem"}
        assert set(merged["paths"]) == {"/api/a/x", "/api/b/x"}
