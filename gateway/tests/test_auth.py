"""Which tokens the gateway lets through: plugin tokens reach the relay's route and no other."""

from __future__ import annotations

import uuid

from vitrine_kit.testing.tokens import TestKeys

from .conftest import GatewayFactory, UpstreamServer


def plugin_token(test_keys: TestKeys) -> dict[str, str]:
    token = test_keys.issue(tenant_id=uuid.uuid4(), scope="plugin", roles=())
    return {"Authorization": f"Bearer {token}"}


class TestPluginTokens:
    async def test_refused_on_every_route_but_the_relays(
        self,
        gateway_for: GatewayFactory,
        upstream: UpstreamServer,
        second_upstream: UpstreamServer,
        test_keys: TestKeys,
    ) -> None:
        relay = await UpstreamServer("relay").start()
        try:
            async with gateway_for({"auth": upstream, "catalog": second_upstream, "relay": relay}) as gw:
                for path in ("/api/auth/me", "/api/catalog/products", "/api/auth/plugin/devices"):
                    for method in ("GET", "POST"):
                        r = await gw.call(method, path, headers=plugin_token(test_keys))
                        assert r.status == 401, (method, path)
                        assert "plugin tokens are not accepted" in r.json()["detail"]
                assert upstream.hits["/me"] == second_upstream.hits["/products"] == 0
                assert upstream.hits["/plugin/devices"] == 0
                r = await gw.call("GET", "/api/relay/socket.io/", headers=plugin_token(test_keys))
                assert r.status == 200
                assert relay.hits["/socket.io/"] == 1
        finally:
            await relay.stop()

    async def test_user_tokens_still_pass_and_the_relay_list_is_a_setting(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        async with gateway_for({"auth": upstream}, plugin_token_upstreams=["auth"]) as gw:
            user = {"Authorization": "Bearer " + test_keys.issue(tenant_id=uuid.uuid4())}
            assert (await gw.call("GET", "/api/auth/me", headers=user)).status == 200
            assert (await gw.call("GET", "/api/auth/me", headers=plugin_token(test_keys))).status == 200
