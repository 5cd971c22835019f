"""The merged OpenAPI document and the docs page."""

from __future__ import annotations

from gateway.config import Upstream
from gateway.openapi import merge_documents

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
        assert b"/openapi.json" in docs.body

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
