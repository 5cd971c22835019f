"""Event streams (the live feed) through the gateway: no pool slot for their whole life, a bounded budget
of their own, closed upstream when the client leaves, and never taken for an outage."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

import aiohttp
from vitrine_kit.breaker import BreakerState
from vitrine_kit.testing.helpers import eventually
from vitrine_kit.testing.tokens import TestKeys

from .conftest import GatewayFactory, RunningGateway, UpstreamServer

# A pool of two connections, given up on after a short wait: a third request held would be a 503.
SMALL_POOL = {"upstream_pool_size": 2, "upstream_pool_size_per_host": 2, "upstream_pool_wait_s": 0.2}


def bearer(test_keys: TestKeys) -> dict[str, str]:
    return {"Authorization": "Bearer " + test_keys.issue(tenant_id=uuid.uuid4())}


@contextlib.asynccontextmanager
async def feed(
    gw: RunningGateway, test_keys: TestKeys, query: str = "", client: str | None = None
) -> AsyncIterator[aiohttp.ClientResponse]:
    """An open stream through the gateway on a connection of its own, its first event read."""
    headers = bearer(test_keys)
    if client is not None:
        headers["X-Forwarded-For"] = client
    async with (
        aiohttp.ClientSession() as session,
        session.get(gw.url + "/api/auth/events" + query, headers=headers) as response,
    ):
        if response.status == 200:
            assert response.content_type == "text/event-stream"
            assert (await response.content.readline()).startswith(b"id: ")
        yield response


class TestPoolSlots:
    async def test_open_streams_leave_the_pool_to_api_calls(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        async with gateway_for({"auth": upstream}, **SMALL_POOL) as gw, contextlib.AsyncExitStack() as stack:
            for _ in range(6):  # three times the pool
                stream = await stack.enter_async_context(feed(gw, test_keys))
                assert stream.status == 200
            assert upstream.streams_open == 6
            for _ in range(3):
                r = await gw.call("GET", "/api/auth/me", headers=bearer(test_keys))
                assert r.status == 200, r.body
            assert gw.app.forwarder is not None
            assert gw.app.forwarder.streams.open == 6
            metrics = await gw.call("GET", "/metrics")
            assert b"gateway_streams_open 6.0" in metrics.body

    async def test_streams_have_a_bounded_budget_of_their_own(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        async with gateway_for({"auth": upstream}, upstream_streams=2, **SMALL_POOL) as gw:
            async with feed(gw, test_keys) as first, feed(gw, test_keys) as second:
                assert first.status == second.status == 200
                async with feed(gw, test_keys) as third:
                    assert third.status == 503
                    problem = await third.json(content_type=None)
                    assert problem["type"].endswith("/upstream-busy")
                    assert "stream" in problem["detail"]
                r = await gw.call("GET", "/api/auth/me", headers=bearer(test_keys))
                assert r.status == 200
            # The refused stream's upstream answer was closed, not left open.
            await eventually(lambda: upstream.streams_open == 0)
            async with feed(gw, test_keys) as again:
                assert again.status == 200

    async def test_one_client_cannot_take_the_whole_budget(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        proxied = {"streams_per_client": 2, "trusted_proxies": ["127.0.0.1/32"]}
        async with (
            gateway_for({"auth": upstream}, **proxied) as gw,
            feed(gw, test_keys, client="10.0.0.1"),
            feed(gw, test_keys, client="10.0.0.1"),
        ):
            async with feed(gw, test_keys, client="10.0.0.1") as third:
                assert third.status == 429
                assert (await third.json(content_type=None))["type"].endswith("/too-many-streams")
            async with feed(gw, test_keys, client="10.0.0.2") as other:
                assert other.status == 200


class TestClientDisconnect:
    async def test_the_upstream_is_closed_when_the_client_leaves(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw:
            for _ in range(3):
                async with feed(gw, test_keys) as stream:
                    assert stream.status == 200
                    assert upstream.streams_open >= 1
            await eventually(lambda: upstream.streams_cut == 3 and upstream.streams_open == 0)
            assert gw.app.forwarder is not None
            await eventually(lambda: gw.app.forwarder is not None and gw.app.forwarder.streams.open == 0)

    async def test_a_stream_the_service_ends_is_relayed_whole(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw:
            r = await gw.call("GET", "/api/auth/events?count=5&every=0.01", headers=bearer(test_keys))
            assert r.status == 200
            assert r.body.count(b"data: ") == 5
            assert upstream.streams_cut == 0
            await eventually(lambda: gw.app.forwarder is not None and gw.app.forwarder.streams.open == 0)


class TestBreaker:
    async def test_streams_ending_or_left_are_not_outages(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        async with gateway_for({"auth": upstream}, breaker_failure_threshold=1) as gw:
            for _ in range(3):
                r = await gw.call("GET", "/api/auth/events?count=2&every=0.01", headers=bearer(test_keys))
                assert r.status == 200
                async with feed(gw, test_keys) as stream:
                    assert stream.status == 200
            await eventually(lambda: upstream.streams_cut == 3)
            assert gw.app.breakers["auth"].state is BreakerState.CLOSED
            assert gw.app.breakers["auth"].failures == 0
            assert (await gw.call("GET", "/api/auth/me", headers=bearer(test_keys))).status == 200
