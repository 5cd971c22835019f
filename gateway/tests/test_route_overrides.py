"""A route override (its own limits under a longer prefix) forwards the same path as the service's route."""

from __future__ import annotations

import uuid

from gateway.config import RouteOverride
from vitrine_kit.testing.tokens import TestKeys

from .conftest import GatewayFactory, UpstreamServer


async def test_an_overridden_prefix_keeps_its_segments_in_the_upstream_path(
    gateway_for: GatewayFactory, second_upstream: UpstreamServer, test_keys: TestKeys
) -> None:
    auth = {"Authorization": "Bearer " + test_keys.issue(tenant_id=uuid.uuid4())}
    overrides = [RouteOverride(prefix="/api/catalog/exports", timeout_s=300.0)]
    async with gateway_for({"catalog": second_upstream}, route_overrides=overrides) as gw:
        exported = await gw.call("GET", "/api/catalog/exports/products.csv?q=x", headers=auth)
        plain = await gw.call("GET", "/api/catalog/products", headers=auth)
    assert exported.status == 200
    assert exported.json()["path"] == "/exports/products.csv?q=x"
    assert plain.json()["path"] == "/products"
